"""What the reviews pages say: a ballot that names nobody, an opening time with its date when
it is not today, and a clear message (with the typed text kept) for every text that is too
long."""

from django.core.cache import cache
from django.test import TestCase
from django.urls import reverse

from reviews.models import AnnualReview, Ballot, Invitation
from tests.factories import MembershipFactory
from villages.models import Membership

from .factories import ballot_post, ballot_url, frozen, invite, local, make_review

Role = Membership.Role
Status = AnnualReview.Status


class BallotWordsTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.review = make_review(
            year=2026, opens_at=local(2026, 12, 5, 8, 0), closes_at=local(2026, 12, 12, 20, 0)
        )
        cls.invitation, cls.token = invite(cls.review, name="欧阳秀兰")

    def setUp(self):
        cache.clear()

    def get(self, moment):
        with frozen(moment):
            return self.client.get(ballot_url(self.review, self.token))

    def test_before_a_later_opening_day_it_gives_the_date_and_time(self):
        response = self.get(local(2026, 12, 4, 18, 45))  # after 18:30 the evening before
        self.assertContains(response, "评议 12月5日 08:00 开始，请到时再来。", status_code=403)

    def test_on_the_opening_day_the_time_is_enough(self):
        response = self.get(local(2026, 12, 5, 7, 15))
        self.assertContains(response, "评议今天 08:00 开始，请到时再来。", status_code=403)

    def test_the_ballot_names_nobody_and_says_it_is_anonymous(self):
        response = self.get(local(2026, 12, 6, 9, 0))
        self.assertEqual(response.status_code, 200)
        self.assertNotContains(response, "欧阳秀兰")
        self.assertContains(response, "无记名评议")
        self.assertContains(response, "12月12日 20:00前可以修改")

    def test_a_too_long_comment_says_so_keeps_the_text_and_stores_nothing(self):
        project = self.review.pledge_list.projects.order_by("number").first()
        long_comment, long_note = "好" * 1001, "路灯" * 101
        data = ballot_post(self.review, comment=long_comment)
        data[f"project_{project.pk}_comment"] = long_note
        with frozen(local(2026, 12, 6, 9, 0)):
            response = self.client.post(ballot_url(self.review, self.token), data)
        self.assertContains(response, "最多 1000 个字，这段文字有 1001 个字", status_code=400)
        self.assertContains(response, "最多 200 个字，这段文字有 202 个字", status_code=400)
        self.assertContains(response, "有些意见太长", status_code=400)
        self.assertContains(response, long_comment, status_code=400)
        self.assertContains(response, long_note, status_code=400)
        self.assertFalse(Ballot.objects.exists())


class TownshipFormWordsTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.review = make_review(status=Status.CLOSED)
        township = cls.review.pledge_list.village.township
        cls.cadre = MembershipFactory(role=Role.TOWNSHIP_CADRE, township=township).user

    def setUp(self):
        self.client.force_login(self.cadre)

    def test_a_too_long_announcement_says_so_and_keeps_the_text(self):
        text = "通报" * 1001
        url = reverse("reviews:review_publish", args=[self.review.pk])
        response = self.client.post(url, {"announcement": text, "confirmed": "1"})
        self.assertContains(response, "最多 2000 个字，这段文字有 2002 个字", status_code=400)
        self.assertContains(response, text, status_code=400)
        self.review.refresh_from_db()
        self.assertEqual(self.review.status, Status.CLOSED)

    def test_too_many_names_at_once_says_so_and_keeps_the_text(self):
        AnnualReview.objects.filter(pk=self.review.pk).update(status=Status.DRAFT)
        people = "\n".join(f"评议人{number} 1380000{number:04d}" for number in range(400))
        url = reverse("reviews:invitations", args=[self.review.pk])
        response = self.client.post(url, {"kind": "party_member", "people": people})
        self.assertContains(response, "最多 5000 个字", status_code=400)
        self.assertContains(response, "评议人399 13800000399", status_code=400)
        self.assertFalse(Invitation.objects.exists())
