from django.contrib import admin

from .models import OutboxTask


@admin.register(OutboxTask)
class OutboxTaskAdmin(admin.ModelAdmin):
    list_display = ["created", "task", "sent", "attempts", "last_error"]
    list_filter = ["sent"]
    search_fields = ["task"]
    readonly_fields = ["task", "args", "created", "sent", "attempts", "last_error"]

    def has_add_permission(self, request):
        return False
