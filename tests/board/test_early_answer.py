"""The early answer (board/middleware.py): a visitor without a session gets a board page or an
open data answer from the cache before the rest of the stack runs, with the headers the stack
added when it was made, and never a page older than the place's data stamp."""

from unittest import mock

import pytest
from django.core.cache import cache
from django.test import Client, TestCase, override_settings
from django.urls import reverse
from django.utils import timezone

from board import stamps
from pledges import services
from pledges.models import PledgeList
from tests.factories import MembershipFactory, VillageFactory, full_list
from villages.models import Membership

YEAR = 2026


def page_url(code: str) -> str:
    return reverse("board:board_village", args=[code, YEAR])


class EarlyAnswerTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.village = VillageFactory(name="龙江村")
        cls.pledge_list = full_list(
            status=PledgeList.Status.PUBLISHED, village=cls.village, year=YEAR
        )
        cls.url = page_url(cls.village.code)

    def setUp(self):
        cache.clear()

    def test_the_second_visitor_gets_the_same_page_and_headers_without_a_query(self):
        first = self.client.get(self.url)
        self.client.cookies.clear()
        # Answered before the view (and every middleware below the first) runs.
        never = mock.patch("board.views.cached_page", side_effect=AssertionError("reached"))
        with self.assertNumQueries(0), never:
            second = self.client.get(self.url)
        self.assertEqual(second.status_code, 200)
        self.assertEqual(second.content, first.content)
        for header in (
            "Content-Security-Policy",
            "X-Content-Type-Options",
            "X-Frame-Options",
            "Referrer-Policy",
            "Content-Language",
            "Vary",
            "ETag",
            "Cache-Control",
        ):
            with self.subTest(header=header):
                self.assertEqual(second.get(header), first.get(header))
                self.assertTrue(first.get(header))

    def test_a_browser_with_the_page_gets_304_without_a_query(self):
        first = self.client.get(self.url)
        with self.assertNumQueries(0):
            again = self.client.get(self.url, headers={"If-None-Match": first["ETag"]})
        self.assertEqual(again.status_code, 304)
        self.assertEqual(again["Content-Security-Policy"], first["Content-Security-Policy"])

    def test_a_write_to_the_place_is_seen_by_the_next_visitor(self):
        self.client.get(self.url)
        project = self.pledge_list.projects.get(number=1)
        with self.captureOnCommitCallbacks(execute=True):
            services.progress_update_create(
                project=project, by=None, percent_done=60, note="路灯已装好一半"
            )
        self.assertContains(self.client.get(self.url), "60")
        project.refresh_from_db()
        self.assertEqual(project.percent_done, 60)

    def test_a_logged_in_user_is_never_given_the_visitors_copy(self):
        self.client.get(self.url)
        user = MembershipFactory(
            role=Membership.Role.VILLAGE_COMMITTEE, village=self.village, user__username="cunwei"
        ).user
        self.client.force_login(user)
        self.assertContains(self.client.get(self.url), "cunwei")

    def test_each_language_has_its_own_copy(self):
        chinese = self.client.get(self.url)
        english = self.client.get(self.url, headers={"Accept-Language": "en"})
        self.assertEqual(chinese["Content-Language"], "zh-hans")
        self.assertEqual(english["Content-Language"], "en")
        self.assertNotEqual(chinese.content, english.content)
        with self.assertNumQueries(0):
            again = self.client.get(self.url, headers={"Accept-Language": "en"})
        self.assertEqual(again.content, english.content)

    def test_the_village_api_warm_costs_no_query(self):
        url = reverse("board:api_village", args=[self.village.code, YEAR])
        first = self.client.get(url)
        with self.assertNumQueries(0):
            again = self.client.get(url)
        self.assertEqual(again.json(), first.json())
        self.assertEqual(again["Access-Control-Allow-Origin"], "*")

    def test_plain_http_is_still_sent_to_https_first(self):
        self.client.get(self.url)  # kept for plain HTTP while it was allowed
        with override_settings(SECURE_SSL_REDIRECT=True):
            response = Client().get(self.url)  # a new client: middleware read anew
        self.assertEqual(response.status_code, 301)
        self.assertTrue(response["Location"].startswith("https://"))

    def test_a_host_that_is_not_allowed_is_refused_as_before(self):
        self.client.get(self.url)
        response = self.client.get(self.url, HTTP_HOST="evil.example")
        self.assertEqual(response.status_code, 400)

    def test_a_query_the_board_does_not_ask_makes_no_copy(self):
        def early_copies(*queries) -> int:
            with mock.patch.object(cache, "set", wraps=cache.set) as kept:
                for query in queries:
                    self.client.get(self.url + query)
            return sum(call.args[0].startswith("board-early:") for call in kept.call_args_list)

        self.assertEqual(early_copies("?utm=1", "?year=2026&year=2027", "?a=1&b=2"), 0)
        self.assertEqual(early_copies("?year=2026"), 1)

    def test_other_pages_never_look_in_the_cache(self):
        with mock.patch.object(cache, "get", wraps=cache.get) as looked:
            self.client.get(reverse("healthz_live"))
        self.assertFalse(
            any(str(c.args[0]).startswith("board-early:") for c in looked.call_args_list)
        )


@pytest.mark.redis
class NearAnswerTests(TestCase):
    """With Redis, each process also keeps the answers and stamps it served (ops/near.py):
    a warm answer then asks neither the database nor Redis, and a write made by another
    worker is still seen by the very next visitor, because Redis reports the stamp it
    forgot to every process."""

    @classmethod
    def setUpTestData(cls):
        cls.village = VillageFactory(name="龙江村")
        cls.pledge_list = full_list(
            status=PledgeList.Status.PUBLISHED, village=cls.village, year=YEAR
        )
        cls.url = page_url(cls.village.code)

    def setUp(self):
        cache.clear()

    def test_a_warm_answer_asks_neither_the_database_nor_redis(self):
        self.client.get(self.url)
        self.client.get(self.url)  # kept in this process now
        went = mock.patch.object(cache, "get_many", side_effect=AssertionError("Redis asked"))
        with self.assertNumQueries(0), went, mock.patch.object(cache, "get") as get:
            again = self.client.get(self.url)
        self.assertEqual(again.status_code, 200)
        get.assert_not_called()

    def test_a_write_by_another_worker_is_seen_by_the_next_visitor(self):
        self.client.get(self.url)
        self.client.get(self.url)
        # Another worker's write: the rows change and that worker gives the place a new
        # generation in Redis; nothing in this process is told but by Redis's report.
        Project = self.pledge_list.projects.model
        Project.objects.filter(pledge_list=self.pledge_list, number=1).update(
            title="村口路灯改为太阳能路灯", modified=timezone.now()
        )
        cache.set(stamps._generation_key("village", self.village.code), "next", timeout=None)
        self.assertContains(self.client.get(self.url), "村口路灯改为太阳能路灯")


class CommitRaceTests(TestCase):
    """A visitor's request counts the stamp from the rows as they were just before a write
    commits, and stores it just after: the next visitor must still see the write."""

    @classmethod
    def setUpTestData(cls):
        cls.village = VillageFactory(name="龙江村")
        cls.pledge_list = full_list(
            status=PledgeList.Status.PUBLISHED, village=cls.village, year=YEAR
        )
        cls.url = page_url(cls.village.code)

    def setUp(self):
        cache.clear()

    def test_a_stamp_counted_before_a_commit_and_kept_after_it_is_not_used(self):
        self.client.get(self.url)  # the page of the rows before the write, kept
        cache.delete(stamps._stamp_key("village", self.village.code))  # its stamp expired
        project = self.pledge_list.projects.get(number=1)
        count_stamp = stamps.place_stamp

        def counted_then_the_write_commits(*args):
            stamp = count_stamp(*args)  # the rows before the write
            with self.captureOnCommitCallbacks(execute=True):
                services.progress_update_create(
                    project=project, by=None, percent_done=60, note="路灯已装好一半"
                )
            return stamp

        with mock.patch.object(stamps, "place_stamp", side_effect=counted_then_the_write_commits):
            self.client.get(self.url)  # a visitor during the write: the page before it
        self.assertContains(self.client.get(self.url), 'value="60"')
