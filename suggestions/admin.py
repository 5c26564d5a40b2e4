from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from .models import Candidate, Meeting, Suggestion


@admin.register(Meeting)
class MeetingAdmin(SimpleHistoryAdmin):
    list_display = ["village", "date", "kind", "attendance"]
    list_filter = ["kind", "date"]
    list_select_related = ["village"]
    search_fields = ["village__name", "village__code"]
    autocomplete_fields = ["village"]


@admin.register(Suggestion)
class SuggestionAdmin(SimpleHistoryAdmin):
    list_display = ["receipt_code", "village", "received", "channel", "status", "is_hidden"]
    list_filter = ["status", "channel", "is_hidden", "year"]
    list_select_related = ["village"]
    search_fields = ["receipt_code", "text", "village__name", "village__code"]
    autocomplete_fields = ["village"]
    raw_id_fields = ["meeting", "escalation", "replied_by"]
    filter_horizontal = ["projects"]
    readonly_fields = ["receipt_code"]


@admin.register(Candidate)
class CandidateAdmin(SimpleHistoryAdmin):
    list_display = ["title", "village", "year", "kind", "status"]
    list_filter = ["status", "kind", "year"]
    list_select_related = ["village"]
    search_fields = ["title", "village__name", "village__code"]
    autocomplete_fields = ["village"]
    raw_id_fields = ["meeting", "project", "prohibition", "created_by"]
    filter_horizontal = ["suggestions"]
