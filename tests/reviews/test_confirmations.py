"""Acts that cannot be undone ask first, with the figures, and work without JavaScript: a
POST without confirmed=1 shows what will happen and changes nothing; only the POST carrying it
acts. Closing voting, publishing the results, marking a paper ballot, reprinting slips."""

from django.core.cache import cache
from django.test import TestCase
from django.urls import reverse

from reviews import services
from reviews.models import AnnualReview, Invitation
from tests.factories import MembershipFactory
from villages.models import Membership

from .factories import ballot_data, frozen, invite, local, make_review

Role = Membership.Role
Status = AnnualReview.Status
NOW = local(2026, 12, 1, 10, 0)
YES = {"confirmed": "1"}


class ConfirmationTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        with frozen(NOW):
            cls.review = make_review(
                year=2026, opens_at=local(2026, 11, 20, 8, 0), closes_at=local(2026, 12, 12, 20)
            )
            for number in range(24):  # 24 invited, 9 of them have voted
                invitation, token = invite(cls.review, name=f"评议人{number}")
                if number < 9:
                    data = ballot_data(cls.review, ["satisfied"] * 10)
                    services.ballot_cast(invitation=invitation, token=token, data=data)
        township = cls.review.pledge_list.village.township
        cls.cadre = MembershipFactory(role=Role.TOWNSHIP_CADRE, township=township).user

    def setUp(self):
        cache.clear()
        self.client.force_login(self.cadre)

    def post(self, name: str, pk: int, data=None):
        with frozen(NOW):
            return self.client.post(reverse(f"reviews:{name}", args=[pk]), data or {})

    def test_closing_asks_first_with_the_turnout_and_the_window_left(self):
        response = self.post("review_close", self.review.pk)
        self.assertEqual(response.status_code, 200)
        self.assertContains(response, "24位评议人中已有9位评议。")
        self.assertContains(response, "评议时间到 12月12日 20:00 为止，还有 11 天。")
        self.assertContains(response, "无法撤销")
        self.assertContains(response, 'name="confirmed" value="1"')
        self.review.refresh_from_db()
        self.assertEqual(self.review.status, Status.OPEN)
        self.assertEqual(self.review.closes_at, local(2026, 12, 12, 20))

    def test_closing_with_the_confirmation_closes(self):
        response = self.post("review_close", self.review.pk, YES)
        self.assertRedirects(response, self.review.get_absolute_url())
        self.review.refresh_from_db()
        self.assertEqual(self.review.status, Status.CLOSED)

    def test_the_review_page_still_offers_closing_as_a_plain_form(self):
        with frozen(NOW):
            page = self.client.get(self.review.get_absolute_url())
        close = reverse("reviews:review_close", args=[self.review.pk])
        self.assertContains(page, f'action="{close}"')

    def test_publishing_asks_first_with_the_figures_and_keeps_the_announcement(self):
        AnnualReview.objects.filter(pk=self.review.pk).update(status=Status.CLOSED)
        with self.settings(REVIEW_QUORUM=3):
            response = self.post("review_publish", self.review.pk, {"announcement": "总体良好"})
        self.assertEqual(response.status_code, 200)
        self.assertContains(response, "现在公布评议结果？")
        self.assertContains(response, "公布后无法撤销")
        self.assertContains(response, '<input type="hidden" name="announcement" value="总体良好">')
        self.review.refresh_from_db()
        self.assertEqual(self.review.status, Status.CLOSED)
        self.assertIsNone(self.review.published_at)
        # "Change the announcement" brings the form back with the text in it.
        data = {"announcement": "总体良好", "edit": "1"}
        response = self.post("review_publish", self.review.pk, data)
        self.assertContains(response, "总体良好</textarea>")
        self.review.refresh_from_db()
        self.assertEqual(self.review.status, Status.CLOSED)

    def test_publishing_with_the_confirmation_publishes(self):
        AnnualReview.objects.filter(pk=self.review.pk).update(status=Status.CLOSED)
        response = self.post("review_publish", self.review.pk, {"announcement": "总体良好", **YES})
        self.assertRedirects(response, self.review.get_absolute_url())
        self.review.refresh_from_db()
        self.assertEqual(self.review.status, Status.PUBLISHED)
        self.assertEqual(self.review.announcement, "总体良好")

    def test_marking_a_paper_ballot_asks_first_by_name(self):
        person = Invitation.objects.get(name="评议人20")
        response = self.post("invitation_paper", person.pk)
        self.assertContains(response, "评议人20交了纸质评议表吗？")
        self.assertContains(response, "不能再在网上评议")
        person.refresh_from_db()
        self.assertFalse(person.has_voted)
        self.assertTrue(person.has_slip)
        self.post("invitation_paper", person.pk, YES)
        person.refresh_from_db()
        self.assertTrue(person.has_voted)
        self.assertFalse(person.has_slip)

    def test_reprinting_a_slip_asks_first_and_keeps_the_old_link_until_confirmed(self):
        person = Invitation.objects.get(name="评议人20")
        old_hash = person.token_hash
        response = self.post("slips", self.review.pk, {"invitation": [person.pk]})
        self.assertContains(response, "所选评议人中有1位已有邀请单")
        self.assertContains(response, "评议人20")
        self.assertContains(response, f'name="invitation" value="{person.pk}"')
        person.refresh_from_db()
        self.assertEqual(person.token_hash, old_hash)
        response = self.post("slips", self.review.pk, {"invitation": [person.pk], **YES})
        self.assertContains(response, "/ballot/")
        person.refresh_from_db()
        self.assertNotEqual(person.token_hash, old_hash)

    def test_printing_missing_slips_needs_no_confirmation(self):
        Invitation.objects.create(review=self.review, name="新来的人")
        response = self.post("slips", self.review.pk, {"missing": "1"})
        self.assertContains(response, "/ballot/")
        self.assertTrue(Invitation.objects.get(name="新来的人").has_slip)

    def test_only_the_township_cadre_may_confirm(self):
        village = self.review.pledge_list.village
        for role, place in [
            (Role.VILLAGE_COMMITTEE, {"village": village}),
            (Role.REVIEWER, {"village": village}),
            (Role.DISTRICT_ADMIN, {"district": village.township.district}),
        ]:
            self.client.force_login(MembershipFactory(role=role, **place).user)
            with self.subTest(role=role):
                self.assertEqual(self.post("review_close", self.review.pk, YES).status_code, 403)
        self.review.refresh_from_db()
        self.assertEqual(self.review.status, Status.OPEN)
