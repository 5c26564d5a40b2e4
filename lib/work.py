"""One line of a role's work queue (待办): what to do, where, by when, and the page that does it.

Each app says what waits in it (pledges, suggestions, residents, reviews, notices); the
dashboards put the lines together on each role's landing page, the soonest due first."""

import datetime
from dataclasses import dataclass


@dataclass(frozen=True)
class WorkItem:
    kind: str  # a short key per kind of work, e.g. "reply", "verify", "vote"
    title: str  # what to do, in the reader's language
    url: str  # the page that does it: one tap from the landing
    detail: str = ""  # the place and the context, e.g. "石桥村 · 路灯安装"
    due: datetime.date | None = None  # when it falls due; None sorts after every date

    def sort_key(self) -> tuple:
        return (self.due is None, self.due or datetime.date.max, self.kind, self.title)

    def days_left(self, today: datetime.date) -> int | None:
        return None if self.due is None else (self.due - today).days


def in_order(items) -> list[WorkItem]:
    """Due soonest first, then the undated ones."""
    return sorted(items, key=WorkItem.sort_key)


SHOWN_PER_KIND = 20  # a longer kind of work ends with one line to where all of it is


def capped(items: list[WorkItem], more: WorkItem) -> list[WorkItem]:
    """At most SHOWN_PER_KIND lines of one kind, soonest due first, the last of them `more`:
    the line to the page with all of them (its title may use `len(items)`)."""
    if len(items) <= SHOWN_PER_KIND:
        return items
    return [*in_order(items)[: SHOWN_PER_KIND - 1], more]
