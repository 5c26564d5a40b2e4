from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from villages.models import District, Membership

from .models import (
    ChangeRequest,
    Escalation,
    OpenYearJob,
    Photo,
    PledgeList,
    ProgressUpdate,
    Prohibition,
    Project,
)


class ProjectInline(admin.TabularInline):
    model = Project
    fields = ["number", "title", "category", "target_quantity", "unit", "status"]
    readonly_fields = ["status"]
    extra = 0


class ProhibitionInline(admin.TabularInline):
    model = Prohibition
    extra = 0


@admin.register(PledgeList)
class PledgeListAdmin(SimpleHistoryAdmin):
    """A district administrator sees their own district's lists only. (The imports app adds
    the Excel import and export to this page.)"""

    list_display = ["village", "year", "status", "submitted_at", "published_at"]
    list_filter = ["year", "status", "village__township__district"]
    list_select_related = ["village"]
    search_fields = ["village__name", "village__code"]
    autocomplete_fields = ["village"]
    readonly_fields = [
        "submitted_at",
        "submitted_by",
        "reviewed_at",
        "reviewed_by",
        "published_at",
        "published_by",
    ]
    inlines = [ProjectInline, ProhibitionInline]

    @staticmethod
    def _districts(request):
        """None: everywhere (a superuser); else the districts the user administers."""
        if request.user.is_superuser:
            return None
        scope = Membership.objects.scope_for(request.user)
        return list(District.objects.filter(pk__in=scope.district_ids))

    def get_queryset(self, request):
        queryset = super().get_queryset(request)
        districts = self._districts(request)
        if districts is None:
            return queryset
        return queryset.filter(village__township__district__in=districts)


@admin.register(Project)
class ProjectAdmin(SimpleHistoryAdmin):
    list_display = ["title", "pledge_list", "number", "category", "status", "planned_finish"]
    list_filter = ["status", "category", "pledge_list__year"]
    list_select_related = ["pledge_list__village"]
    search_fields = ["title", "pledge_list__village__name", "pledge_list__village__code"]
    raw_id_fields = ["pledge_list"]
    readonly_fields = ["completed_at", "completed_by", "verified_at", "verified_by"]


class PhotoInline(admin.TabularInline):
    model = Photo
    fields = ["image", "thumbnail", "width", "height"]
    readonly_fields = fields
    extra = 0


@admin.register(ProgressUpdate)
class ProgressUpdateAdmin(SimpleHistoryAdmin):
    list_display = ["project", "date", "percent_done", "quantity_done", "author"]
    list_select_related = ["project", "author"]
    raw_id_fields = ["project"]
    inlines = [PhotoInline]


@admin.register(ChangeRequest)
class ChangeRequestAdmin(SimpleHistoryAdmin):
    list_display = ["project", "kind", "status", "created", "decided_at"]
    list_filter = ["status", "kind"]
    list_select_related = ["project"]
    raw_id_fields = ["project"]


@admin.register(Escalation)
class EscalationAdmin(SimpleHistoryAdmin):
    list_display = ["project", "level", "status", "created", "answered_at"]
    list_filter = ["status", "level"]
    list_select_related = ["project"]
    raw_id_fields = ["project"]


@admin.register(OpenYearJob)
class OpenYearJobAdmin(admin.ModelAdmin):
    """Read only: a year is opened from the district's page or `manage.py open_year`."""

    list_display = ["district", "year", "status", "done", "total", "created", "finished_at"]
    list_filter = ["status", "year"]
    list_select_related = ["district"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def get_queryset(self, request):
        return super().get_queryset(request).visible_to(request.user)
