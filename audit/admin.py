from django.contrib import admin

from .models import SecurityEvent


@admin.register(SecurityEvent)
class SecurityEventAdmin(admin.ModelAdmin):
    """Read only: nobody adds, changes or deletes events through the app."""

    list_display = ["created", "kind", "username", "ip_address", "path"]
    list_filter = ["kind", "created"]
    search_fields = ["username", "ip_address", "path"]
    date_hierarchy = "created"
    readonly_fields = [field.name for field in SecurityEvent._meta.fields]
    actions = None

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
