from django.contrib import admin

from .models import (
    CalendarDay,
    Delivery,
    Notice,
    NoticeRun,
    TownshipNoticeSettings,
    VillageNoticeSettings,
)


@admin.register(CalendarDay)
class CalendarDayAdmin(admin.ModelAdmin):
    list_display = ["date", "is_working_day", "note"]
    list_filter = ["is_working_day"]
    date_hierarchy = "date"


class DeliveryInline(admin.TabularInline):
    model = Delivery
    fields = ["channel", "target", "status", "attempts", "last_error", "delivered_at"]
    readonly_fields = fields
    extra = 0
    can_delete = False


@admin.register(Notice)
class NoticeAdmin(admin.ModelAdmin):
    list_display = ["village", "period", "kind", "township", "created", "read_at"]
    list_filter = ["period", "kind", "township__district"]
    list_select_related = ["village", "township"]
    search_fields = ["village__name", "village__code"]
    raw_id_fields = ["village", "township", "read_by"]
    readonly_fields = ["figures", "created"]
    inlines = [DeliveryInline]


@admin.register(Delivery)
class DeliveryAdmin(admin.ModelAdmin):
    list_display = ["notice", "channel", "status", "attempts", "delivered_at", "modified"]
    list_filter = ["status", "channel"]
    list_select_related = ["notice__village"]
    search_fields = ["notice__village__name", "notice__village__code", "last_error"]
    raw_id_fields = ["notice"]


@admin.register(NoticeRun)
class NoticeRunAdmin(admin.ModelAdmin):
    list_display = ["period", "kind", "township", "village", "due_at", "completed_at", "created"]
    list_filter = ["period", "kind"]
    raw_id_fields = ["township", "village", "requested_by"]


@admin.register(TownshipNoticeSettings)
class TownshipNoticeSettingsAdmin(admin.ModelAdmin):
    list_display = ["township", "robot_kind", "modified"]
    raw_id_fields = ["township", "modified_by"]
    search_fields = ["township__name", "township__code"]


@admin.register(VillageNoticeSettings)
class VillageNoticeSettingsAdmin(admin.ModelAdmin):
    list_display = ["village", "by_inbox", "by_email", "robot", "modified"]
    list_filter = ["by_inbox", "by_email", "robot"]
    raw_id_fields = ["village", "modified_by"]
    search_fields = ["village__name", "village__code"]
