"""Each person's work queue (待办), gathered from every app for each of their places: the
landing page after logging in, and the count in every page's header.

The apps say what waits in them (`pledges.work`, `suggestions.work`, `residents.work`,
`notices.work`, `reviews.work`); this module only puts the lines of one place together, soonest
due first, with the place's main pages beside them."""

import datetime
from dataclasses import dataclass, field

from django.core.cache import cache
from django.urls import reverse
from django.utils.translation import gettext as _

import notices.work
import pledges.work
import residents.work
import reviews.work
import suggestions.work
from lib.work import WorkItem, in_order
from pledges.models import PledgeList
from villages.models import Membership

Role = Membership.Role
COUNT_SECONDS = 60  # the header's count may lag the queue by this much; the landing is exact


@dataclass
class PlaceWork:
    """One membership's queue: its place, its role, what waits, and where its pages are."""

    membership: Membership
    items: list[WorkItem]
    pages: list[tuple[str, str]] = field(default_factory=list)
    lines: list[tuple] = field(default_factory=list)  # `rows(today)`, for the template

    @property
    def place(self):
        return self.membership.place

    def rows(self, today: datetime.date) -> list[tuple[WorkItem, int | None, int | None]]:
        """Each line with its days left (negative when late) and their size, for the
        template."""
        rows = []
        for item in self.items:
            days = item.days_left(today)
            rows.append((item, days, None if days is None else abs(days)))
        return rows


def _township_behind(district, today: datetime.date) -> list[WorkItem]:
    """Townships with lists waiting for review or projects overdue this year. Two queries."""
    items = []
    for township in PledgeList.objects.township_summary(district=district, year=today.year):
        waiting = township.summary.get("waiting_review_count", 0)
        overdue = township.summary.get("overdue_count", 0)
        if waiting or overdue:
            url = reverse("dashboards:township_dashboard", args=[township.code])
            detail = _("%(waiting)s lists waiting for review · %(overdue)s projects overdue") % {
                "waiting": waiting,
                "overdue": overdue,
            }
            items.append(
                WorkItem(
                    "behind",
                    _("%(township)s is behind") % {"township": township.name},
                    f"{url}?year={today.year}",
                    detail,
                )
            )
    return items


def _district(membership, user, today) -> PlaceWork:
    district = membership.district
    items = pledges.work.district_work(district, today) + _township_behind(district, today)
    pages = [
        (_("Overview"), reverse("dashboards:district_overview", args=[district.code])),
        (_("Year-end review"), reverse("reviews:ranking", args=[district.code])),
        (_("Security events"), reverse("audit:events")),
    ]
    return PlaceWork(membership, items, pages)


def _city(membership, user, today) -> PlaceWork:
    """A city administrator reads: nothing waits for them, their pages are the city's."""
    city = membership.city
    pages = [
        (_("Districts"), reverse("dashboards:city_overview", args=[city.code])),
        (_("Public board"), reverse("board:board_place", args=[city.code])),
    ]
    return PlaceWork(membership, [], pages)


def _township(membership, user, today) -> PlaceWork:
    township = membership.township
    items = (
        pledges.work.township_work(township, today)
        + suggestions.work.township_work(township, today)
        + residents.work.township_work(township, today)
    )
    code = township.code
    pages = [
        (_("Dashboard"), reverse("dashboards:township_dashboard", args=[code])),
        (_("Residents' suggestions"), reverse("suggestions:township_suggestions", args=[code])),
        (_("Monthly notices"), reverse("notices:township_notices", args=[code])),
        (_("Year-end review"), reverse("reviews:township_reviews", args=[code])),
    ]
    return PlaceWork(membership, items, pages)


def _committee(membership, user, today) -> PlaceWork:
    village = membership.village
    items = (
        pledges.work.village_work(village, today)
        + suggestions.work.village_work(village, today)
        + suggestions.work.pool_work(village, today)
        + residents.work.village_work(village, today)
        + notices.work.village_work(village, user, today)
    )
    code = village.code
    pages = [
        (_("My list"), reverse("pledges:village_list", args=[code])),
        (_("Suggestions"), reverse("suggestions:suggestion_inbox", args=[code])),
        (_("Standard replies"), reverse("suggestions:bulk_answer", args=[code])),
        (_("Notices"), reverse("notices:inbox")),
    ]
    return PlaceWork(membership, items, pages)


def _reviewer(membership, user, today) -> PlaceWork:
    village = membership.village
    items = reviews.work.reviewer_work(user, today, village=village)
    pages = [
        (_("Year-end review"), reverse("reviews:village_reviews", args=[village.code])),
        (_("The village's list"), reverse("pledges:village_list", args=[village.code])),
    ]
    return PlaceWork(membership, items, pages)


BY_ROLE = {
    Role.CITY_ADMIN: _city,
    Role.DISTRICT_ADMIN: _district,
    Role.TOWNSHIP_CADRE: _township,
    Role.VILLAGE_COMMITTEE: _committee,
    Role.REVIEWER: _reviewer,
}


def work_for(user, today: datetime.date) -> list[PlaceWork]:
    """Every place of the user with its queue in order; stores the count for the header."""
    places = []
    for membership in Membership.objects.filter(user=user).with_places():
        place_work = BY_ROLE[membership.role](membership, user, today)
        place_work.items = in_order(place_work.items)
        place_work.lines = place_work.rows(today)
        places.append(place_work)
    cache.set(count_key(user.pk), sum(len(p.items) for p in places), COUNT_SECONDS)
    return places


def count_key(user_id: int) -> str:
    return f"work:count:{user_id}"
