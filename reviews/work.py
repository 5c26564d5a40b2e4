"""What waits in reviews for a reviewer with an account (the work queue, 待办): the year-end
reviews of their villages that are open for voting (due: the last voting day) or announced
(due: the opening day). Each line leads to the page that says how and when to vote; the
ballot itself is reached only by the link on the reviewer's slip (see reviews.models)."""

import datetime

from django.urls import reverse
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from lib.work import WorkItem

from .models import AnnualReview


def when(moment: datetime.datetime) -> str:
    """A moment of a voting window as a reviewer reads it: "12月5日 08:00" (the year is the
    review's own, the weekday would crowd a phone's line)."""
    # Translators: Django's date format syntax for month, day and time of day.
    return formats.date_format(timezone.localtime(moment), _("F j, H:i"))


def _line(review: AnnualReview) -> WorkItem:
    village, year = review.pledge_list.village, review.pledge_list.year
    url = reverse("reviews:voting_guide", args=[review.pk])
    window = {"opens": when(review.opens_at), "closes": when(review.closes_at)}
    if review.status == AnnualReview.Status.OPEN and not review.is_before_window:
        title = _("Vote in the %(year)s year-end review") % {"year": year}
        detail = _("open until %(closes)s") % window
        return WorkItem("vote", title, url, f"{village.name} · {detail}", review.last_voting_day)
    if review.status == AnnualReview.Status.OPEN:
        title = _("The %(year)s year-end review opens on %(opens)s") % {"year": year, **window}
    else:  # prepared by the township, not opened yet: the dates may still change
        title = _("The %(year)s year-end review is being prepared") % {"year": year}
    detail = _("voting %(opens)s – %(closes)s") % window
    due = timezone.localdate(review.opens_at) if review.is_before_window else None
    return WorkItem("vote_soon", title, url, f"{village.name} · {detail}", due)


def reviewer_work(user, today: datetime.date, *, village=None) -> list[WorkItem]:
    """The reviews `user` (a reviewer of one or more villages) may vote in or soon will,
    `village` alone when given. One query, with the user's scope already loaded (two
    otherwise), whatever the number of villages and reviews. `today` is the queue's date;
    whether a window has opened is decided by the clock."""
    reviews = AnnualReview.objects.ahead_for_reviewer(user)
    if village is not None:
        reviews = reviews.filter(pledge_list__village=village)
    return [_line(review) for review in reviews]
