"""Suggestions and standard replies fetched for the user asking, with a permission."""

from villages.access import get_for_user

from .models import ReplyTemplate, Suggestion


def get_suggestion_for_user(request, pk: int, perm: str = "suggestions.view_suggestion"):
    return get_for_user(request, Suggestion.objects.with_village(), perm, pk=pk)


def get_reply_template_for_user(request, pk: int) -> ReplyTemplate:
    """A standard reply, for the cadres of its township."""
    queryset = ReplyTemplate.objects.select_related("township")
    return get_for_user(request, queryset, "suggestions.change_reply_templates", pk=pk)
