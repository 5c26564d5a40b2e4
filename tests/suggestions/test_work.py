"""What waits in suggestions in the work queue: the committee's suggestions to answer, each
due SUGGESTION_REPLY_DAYS after it came in, and the township's villages with replies overdue;
each in one query whatever the numbers."""

import datetime

from django.test import TestCase, override_settings
from django.urls import reverse

import lib.work
from suggestions import work
from suggestions.models import Suggestion
from tests.factories import TownshipFactory, VillageFactory

TODAY = datetime.date(2026, 5, 20)


@override_settings(SUGGESTION_REPLY_DAYS=15)
class WorkTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.township = TownshipFactory()
        cls.village = VillageFactory(township=cls.township, name="龙江村")
        cls.other = VillageFactory(township=cls.township, name="石桥村")
        cls.elsewhere = VillageFactory()  # another township

    def suggestion(self, village, days_ago: int, **fields) -> Suggestion:
        fields.setdefault("text", "村口到小学的路没有路灯，晚上孩子放学不安全")
        received = TODAY - datetime.timedelta(days=days_ago)
        return Suggestion.objects.create(village=village, year=2026, received=received, **fields)

    def test_the_committee_answers_the_oldest_first_by_its_deadline(self):
        new = self.suggestion(self.village, 2)
        old = self.suggestion(self.village, 20, status=Suggestion.Status.CONSIDERING)
        self.suggestion(self.village, 30, status=Suggestion.Status.NOT_ADOPTED, reply="不采纳")
        self.suggestion(self.other, 25)
        items = sorted(work.village_work(self.village, TODAY), key=lambda item: item.sort_key())
        self.assertEqual(
            [(item.url, item.due) for item in items],
            [
                (old.get_absolute_url(), datetime.date(2026, 5, 15)),
                (new.get_absolute_url(), datetime.date(2026, 6, 2)),
            ],
        )
        self.assertEqual(items[0].title, "答复意见建议")
        self.assertEqual(items[0].detail, "2026-04-30 · 村口到小学的路没有路灯，晚上孩子放学不安全")
        self.assertEqual(items[0].days_left(TODAY), -5)

    def test_a_long_backlog_ends_with_one_line_to_the_inbox(self):
        for days in range(30):
            self.suggestion(self.village, days)
        items = work.village_work(self.village, TODAY)
        self.assertEqual(len(items), lib.work.SHOWN_PER_KIND)
        more = items[-1]
        self.assertEqual(more.title, "全部30条待答复的意见建议")
        self.assertEqual(
            more.url, reverse("suggestions:suggestion_inbox", args=[self.village.code])
        )
        self.assertEqual(more.due, items[0].due)  # the oldest one's deadline

    def test_the_township_sees_one_line_per_village_with_overdue_replies(self):
        self.suggestion(self.village, 16)
        self.suggestion(self.village, 40)
        self.suggestion(self.village, 15)  # due today: not overdue yet
        self.suggestion(self.other, 3)
        self.suggestion(self.other, 50, status=Suggestion.Status.ADOPTED, reply="已采纳")
        self.suggestion(self.elsewhere, 60)
        items = work.township_work(self.township, TODAY)
        self.assertEqual(len(items), 1)
        line = items[0]
        self.assertEqual(line.title, "2 条意见建议逾期未答复")
        self.assertEqual(line.detail, "龙江村")
        self.assertEqual(line.due, datetime.date(2026, 4, 25))  # the oldest's deadline
        self.assertEqual(
            line.url, reverse("suggestions:suggestion_inbox", args=[self.village.code])
        )

    def test_each_costs_one_query_at_any_size(self):
        for count in (1, 30):
            for n in range(count):
                self.suggestion(self.village, n + 16)
                self.suggestion(self.other, n + 16)
            # the village's unanswered suggestions
            with self.subTest(count=count), self.assertNumQueries(1):
                work.village_work(self.village, TODAY)
            # overdue suggestions of the township grouped by village, with the village's name
            with self.subTest(count=count), self.assertNumQueries(1):
                self.assertEqual(len(work.township_work(self.township, TODAY)), 2)
