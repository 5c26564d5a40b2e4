"""A reviewer with an account finds the reviews open to them and how to vote: the work queue's
lines (reviews.work) and the pages they lead to."""

import datetime

from django.contrib.auth import get_user_model
from django.test import TestCase
from django.urls import reverse

from reviews.models import AnnualReview
from reviews.work import reviewer_work
from tests.factories import MembershipFactory, VillageFactory
from tests.personas import DENIED, LOGIN, OK, WITH_A_ROLE, Personas, assert_matrix
from villages.models import Membership

from .factories import frozen, invite, local, make_review

Role = Membership.Role
Status = AnnualReview.Status
NOW = local(2026, 12, 1, 10, 0)  # the clock of these tests: 1 December, 10:00
TODAY = NOW.date()


def _fresh(user):
    """The user as a new request sees it: no scope loaded yet."""
    return get_user_model().objects.get(pk=user.pk)


class ReviewerWorkTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.village = VillageFactory(name="龙江村")
        cls.reviewer = MembershipFactory(role=Role.REVIEWER, village=cls.village).user
        with frozen(NOW):
            cls.open = make_review(
                cls.village,
                year=2026,
                opens_at=local(2026, 11, 20, 8, 0),
                closes_at=local(2026, 12, 12, 20, 0),
            )

    def work(self, user=None):
        with frozen(NOW):
            return reviewer_work(_fresh(user or self.reviewer), TODAY)

    def test_an_open_review_is_due_on_its_last_voting_day_and_leads_to_how_to_vote(self):
        [item] = self.work()
        self.assertEqual(item.kind, "vote")
        self.assertEqual(item.due, datetime.date(2026, 12, 12))
        self.assertEqual(item.url, reverse("reviews:voting_guide", args=[self.open.pk]))
        self.assertIn("2026", item.title)
        self.assertTrue(item.detail.startswith("龙江村"))
        self.assertIn("12月12日 20:00", item.detail)

    def test_a_window_closing_at_midnight_is_due_the_day_before(self):
        AnnualReview.objects.filter(pk=self.open.pk).update(closes_at=local(2026, 12, 13))
        [item] = self.work()
        self.assertEqual(item.due, datetime.date(2026, 12, 12))

    def test_an_announced_review_is_due_on_its_opening_day(self):
        AnnualReview.objects.filter(pk=self.open.pk).update(opens_at=local(2026, 12, 5, 8, 0))
        [item] = self.work()
        self.assertEqual(item.kind, "vote_soon")
        self.assertEqual(item.due, datetime.date(2026, 12, 5))
        self.assertIn("12月5日 08:00", item.title)

    def test_a_review_being_prepared_shows_its_planned_window(self):
        AnnualReview.objects.filter(pk=self.open.pk).update(
            status=Status.DRAFT, opens_at=local(2026, 12, 5, 8, 0)
        )
        [item] = self.work()
        self.assertEqual((item.kind, item.due), ("vote_soon", datetime.date(2026, 12, 5)))
        self.assertIn("筹备", item.title)
        # Its planned opening passed without the township opening it: nothing to date it by.
        AnnualReview.objects.filter(pk=self.open.pk).update(opens_at=local(2026, 11, 30, 8, 0))
        [item] = self.work()
        self.assertIsNone(item.due)

    def test_closed_published_and_expired_reviews_are_not_work(self):
        for status, closes_at in [
            (Status.CLOSED, local(2026, 12, 12, 20, 0)),
            (Status.PUBLISHED, local(2026, 12, 12, 20, 0)),
            (Status.OPEN, local(2026, 11, 30, 20, 0)),  # window over, not closed yet
        ]:
            with self.subTest(status=status):
                AnnualReview.objects.filter(pk=self.open.pk).update(
                    status=status, closes_at=closes_at
                )
                self.assertEqual(self.work(), [])

    def test_only_the_reviewers_own_villages(self):
        with frozen(NOW):
            make_review(VillageFactory(township=self.village.township), year=2026)
        self.assertEqual(len(self.work()), 1)
        committee = MembershipFactory(role=Role.VILLAGE_COMMITTEE, village=self.village).user
        self.assertEqual(self.work(committee), [])  # the committee's queue is elsewhere

    def test_a_reviewer_of_two_villages_gets_both_or_the_one_asked_for(self):
        other = VillageFactory(name="石桥村")
        MembershipFactory(user=self.reviewer, role=Role.REVIEWER, village=other)
        with frozen(NOW):
            make_review(other, year=2026)
            self.assertEqual(len(reviewer_work(_fresh(self.reviewer), TODAY)), 2)
            [item] = reviewer_work(_fresh(self.reviewer), TODAY, village=other)
        self.assertTrue(item.detail.startswith("石桥村"))

    def test_its_query_count_does_not_grow_with_villages_and_reviews(self):
        for villages in (1, 4):
            reviewer = MembershipFactory(role=Role.REVIEWER, village=VillageFactory()).user
            with frozen(NOW):
                for _ in range(villages):
                    village = VillageFactory()
                    MembershipFactory(user=reviewer, role=Role.REVIEWER, village=village)
                    make_review(village, year=2026)
                    make_review(village, year=2025, status=Status.DRAFT)
                user = _fresh(reviewer)
                # the user's memberships (scope), the reviews with their lists and villages
                with self.subTest(villages=villages), self.assertNumQueries(2):
                    items = reviewer_work(user, TODAY)
                self.assertEqual(len(items), 2 * villages)


class VotingGuideTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.village = VillageFactory(name="龙江村")
        with frozen(NOW):
            cls.review = make_review(
                cls.village,
                year=2026,
                opens_at=local(2026, 11, 20, 8, 0),
                closes_at=local(2026, 12, 12, 20, 0),
            )
            cls.invitation, cls.token = invite(cls.review, name="欧阳秀兰")
        cls.personas = Personas.around(cls.village)

    def urls(self):
        return {
            "guide": reverse("reviews:voting_guide", args=[self.review.pk]),
            "village": reverse("reviews:village_reviews", args=[self.village.code]),
        }

    def test_a_logged_in_reviewer_reaches_it_and_nobody_outside_the_village(self):
        matrix = {
            #          committee reviewer cadre admin other_committee other_cadre
            "guide": (OK, OK, OK, OK, DENIED, DENIED),
            "village": (OK, OK, OK, OK, DENIED, DENIED),
        }
        assert_matrix(self, self.personas, self.urls(), matrix, WITH_A_ROLE)
        assert_matrix(self, self.personas, self.urls(), DENIED, ["nobody"])
        assert_matrix(self, self.personas, self.urls(), LOGIN, ["anonymous"])

    def test_it_says_how_to_vote_and_until_when(self):
        self.client.force_login(self.personas.reviewer)
        with frozen(NOW):
            response = self.client.get(self.urls()["guide"])
        self.assertContains(response, "12月12日 20:00 截止，还有 11 天")
        self.assertContains(response, "短信")  # where the personal link is
        self.assertContains(response, "二维码")
        self.assertContains(response, "纸质评议表")  # or on paper at the meeting
        self.assertContains(response, "账号与选票互不关联")
        # No way from the account to a ballot, nor to who is invited.
        self.assertNotContains(response, "/ballot/")
        self.assertNotContains(response, "欧阳秀兰")

    def test_an_announced_review_gives_both_dates(self):
        AnnualReview.objects.filter(pk=self.review.pk).update(opens_at=local(2026, 12, 5, 8, 0))
        self.client.force_login(self.personas.reviewer)
        with frozen(NOW):
            response = self.client.get(self.urls()["guide"])
        self.assertContains(response, "评议 12月5日 08:00 开始，12月12日 20:00 截止")

    def test_the_village_page_lists_the_review_to_vote_in(self):
        self.client.force_login(self.personas.reviewer)
        with frozen(NOW):
            response = self.client.get(self.urls()["village"])
        self.assertContains(response, self.urls()["guide"])
        self.assertContains(response, "2026 年度评议：怎样参加")

    def test_the_guide_never_changes_anything(self):
        self.client.force_login(self.personas.reviewer)
        self.assertEqual(self.client.post(self.urls()["guide"]).status_code, 405)
