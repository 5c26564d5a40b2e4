"""Year-end reviews and invitations fetched for the user asking, with a permission."""

from villages.access import get_for_user

from .models import AnnualReview, Invitation


def get_review_for_user(
    request, pk: int, perm: str = "reviews.view_review", queryset=None
) -> AnnualReview:
    if queryset is None:
        queryset = AnnualReview.objects.with_tree()
    return get_for_user(request, queryset, perm, pk=pk)


def get_invitation_for_user(request, pk: int, perm: str = "reviews.manage_review") -> Invitation:
    queryset = Invitation.objects.select_related("review__pledge_list__village__township")
    return get_for_user(request, queryset, perm, pk=pk)
