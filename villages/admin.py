from django.contrib import admin

from .models import City, District, Membership, Township, Village, name_to_pinyin


@admin.register(City)
class CityAdmin(admin.ModelAdmin):
    list_display = ["code", "name"]
    search_fields = ["code", "name"]


@admin.register(District)
class DistrictAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "city"]
    list_select_related = ["city"]
    list_filter = ["city"]
    search_fields = ["code", "name"]
    autocomplete_fields = ["city"]


@admin.register(Township)
class TownshipAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "district", "email"]
    list_select_related = ["district"]
    list_filter = ["district"]
    search_fields = ["code", "name"]
    autocomplete_fields = ["district"]


@admin.register(Village)
class VillageAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "pinyin", "kind", "township"]
    list_select_related = ["township"]
    list_filter = ["kind", "township__district"]
    search_fields = ["code", "name", "pinyin"]
    autocomplete_fields = ["township"]

    def save_model(self, request, obj, form, change):
        if not obj.pinyin:
            obj.pinyin = name_to_pinyin(obj.name)
        super().save_model(request, obj, form, change)


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    list_display = ["user", "role", "city", "district", "township", "village"]
    list_select_related = ["user", "city", "district", "township", "village"]
    list_filter = ["role"]
    search_fields = ["user__username", "user__first_name", "user__last_name"]
    autocomplete_fields = ["user", "city", "district", "township", "village"]
