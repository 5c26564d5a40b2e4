"""The admin shows reviews and invitations, and ballots only as counts: there is no ballot
admin, and no page anywhere lists single ballots."""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin

from .models import AnnualReview, Invitation


class InvitationInline(admin.TabularInline):
    model = Invitation
    fields = ["name", "kind", "phone", "has_voted"]
    readonly_fields = ["has_voted"]
    extra = 0


@admin.register(AnnualReview)
class AnnualReviewAdmin(SimpleHistoryAdmin):
    list_display = ["pledge_list", "status", "opens_at", "closes_at", "ballot_count", "grade"]
    list_filter = ["status", "pledge_list__year", "grade"]
    list_select_related = ["pledge_list__village"]
    search_fields = ["pledge_list__village__name", "pledge_list__village__code"]
    raw_id_fields = ["pledge_list"]
    readonly_fields = [
        "status",
        "opened_at",
        "closed_at",
        "published_at",
        "published_by",
        "created_by",
        "ballot_count",
        "project_count",
        "verified_count",
        "completion_rate",
        "satisfaction_rate",
        "satisfied_count",
        "rated_count",
        "kept_rate",
        "kept_count",
        "kept_rated_count",
        "score",
        "grade",
        "ballots_cast",
    ]
    inlines = [InvitationInline]

    @admin.display(description=_("ballots cast so far (online and paper)"))
    def ballots_cast(self, review):
        return review.ballots.count()


@admin.register(Invitation)
class InvitationAdmin(SimpleHistoryAdmin):
    list_display = ["name", "kind", "review", "has_voted"]
    list_filter = ["kind", "has_voted"]
    list_select_related = ["review__pledge_list__village"]
    search_fields = ["name", "review__pledge_list__village__name"]
    raw_id_fields = ["review"]
    readonly_fields = ["has_voted"]
