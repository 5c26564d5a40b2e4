"""The township runs a review through its pages: prepare, invite, print slips, open, type in
paper ballots, close, publish; and nothing shown or exported puts a name near a vote."""

import io
import re

from django.core.cache import cache
from django.test import TestCase
from django.urls import reverse
from openpyxl import load_workbook

from pledges.models import PledgeList
from reviews.models import AnnualReview, Ballot, Invitation
from tests.factories import MembershipFactory, VillageFactory, full_list
from villages.models import Membership

from .factories import ballot_post, invite, make_review

Role = Membership.Role


class TownshipFlowTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.village = VillageFactory(name="龙江村")
        cls.pledge_list = full_list(
            status=PledgeList.Status.PUBLISHED, village=cls.village, year=2025
        )
        cls.cadre = MembershipFactory(role=Role.TOWNSHIP_CADRE, township=cls.village.township).user

    def setUp(self):
        cache.clear()
        self.client.force_login(self.cadre)

    def test_the_whole_review_through_the_pages(self):
        township_url = reverse("reviews:township_reviews", args=[self.village.township.code])
        page = self.client.get(township_url + "?year=2025")
        self.assertContains(page, "发起年度评议")
        new_url = reverse("reviews:review_new", args=[self.pledge_list.pk])
        self.assertContains(self.client.get(new_url), "评议截止时间")
        response = self.client.post(
            new_url, {"opens_at": "2020-01-01T08:00", "closes_at": "2099-01-01T20:00"}
        )
        review = AnnualReview.objects.get()
        self.assertRedirects(response, reverse("reviews:invitations", args=[review.pk]))

        invitations_url = reverse("reviews:invitations", args=[review.pk])
        response = self.client.post(
            invitations_url,
            {"kind": "party_member", "people": "王小明 13800001111\n李芳\n\n赵大妈，13900002222"},
        )
        self.assertRedirects(response, invitations_url)
        self.assertEqual(
            sorted(Invitation.objects.values_list("name", "phone")),
            sorted([("王小明", "13800001111"), ("李芳", ""), ("赵大妈", "13900002222")]),
        )
        response = self.client.post(reverse("reviews:slips", args=[review.pk]), {"missing": "1"})
        self.assertIn("no-store", response["Cache-Control"])
        links = re.findall(r"http://testserver(/ballot/\d+/[\w-]+/)", response.content.decode())
        self.assertEqual(len(set(links)), 3)
        self.assertEqual(response.content.decode().count("<svg"), 3)
        self.assertNotContains(self.client.get(invitations_url), links[0])  # shown once only

        self.client.post(reverse("reviews:review_open", args=[review.pk]))
        review.refresh_from_db()
        self.assertEqual(review.status, AnnualReview.Status.OPEN)
        self.client.logout()
        self.client.post(links[0], ballot_post(review))
        self.client.post(links[1], ballot_post(review, rating="basically", kept="no"))
        self.client.force_login(self.cadre)
        paper_voter = Invitation.objects.get(name="赵大妈")
        self.client.post(
            reverse("reviews:invitation_paper", args=[paper_voter.pk]), {"confirmed": "1"}
        )
        paper_url = reverse("reviews:paper_ballot", args=[review.pk])
        response = self.client.post(paper_url, ballot_post(review, rating="dissatisfied"))
        self.assertRedirects(response, paper_url)
        self.assertEqual(self.client.post(paper_url, ballot_post(review)).status_code, 400)
        self.assertEqual(Ballot.objects.filter(is_paper=True).count(), 1)

        detail = self.client.get(review.get_absolute_url())
        self.assertContains(detail, "3位评议人中已有3位评议")
        self.client.post(reverse("reviews:review_close", args=[review.pk]), {"confirmed": "1"})
        with self.settings(REVIEW_QUORUM=3):
            publish_url = reverse("reviews:review_publish", args=[review.pk])
            self.assertContains(self.client.get(publish_url), "公布评议结果")
            self.client.post(publish_url, {"announcement": "总体良好", "confirmed": "1"})
        review.refresh_from_db()
        self.assertEqual(review.status, AnnualReview.Status.PUBLISHED)
        self.assertEqual(review.ballot_count, 3)
        self.assertTrue(review.grade)
        report = self.client.get(reverse("reviews:report", args=[self.village.code, 2025]))
        self.assertContains(report, "总体良好")
        self.assertContains(report, "<svg")

    def test_bad_input_says_what_to_fix_and_keeps_it(self):
        review = make_review(status=AnnualReview.Status.DRAFT)
        cadre = MembershipFactory(
            role=Role.TOWNSHIP_CADRE, township=review.pledge_list.village.township
        ).user
        self.client.force_login(cadre)
        url = reverse("reviews:invitations", args=[review.pk])
        response = self.client.post(url, {"kind": "party_member", "people": "王小明\n12345"})
        self.assertContains(response, "第2行", status_code=400)
        self.assertContains(response, "王小明\n12345", status_code=400)
        self.assertFalse(Invitation.objects.exists())
        response = self.client.post(
            reverse("reviews:review_edit", args=[review.pk]),
            {"opens_at": "2099-01-02T08:00", "closes_at": "2099-01-01T08:00"},
        )
        self.assertContains(response, "截止时间必须晚于开始时间", status_code=400)

    def test_a_review_without_results_yet_sends_to_its_page(self):
        review = make_review(self.village, year=2024)
        response = self.client.get(reverse("reviews:review_results", args=[review.pk]))
        self.assertRedirects(response, review.get_absolute_url())
        export = reverse("reviews:review_results_export", args=[review.pk])
        self.assertEqual(self.client.get(export).status_code, 404)


class AnonymityOfPagesTests(TestCase):
    """The reviewers' names and phones appear on the invitation list and nowhere near a
    vote: not on the results, the export, the report, the ranking or the admin."""

    NAMES = ["欧阳秀兰", "司马建国"]

    @classmethod
    def setUpTestData(cls):
        cls.review = make_review()
        cls.links = []
        for name in cls.NAMES:
            invitation, token = invite(cls.review, name=name, phone="13812345678")
            cls.links.append(token)
        cls.township = cls.review.pledge_list.village.township
        cls.cadre = MembershipFactory(role=Role.TOWNSHIP_CADRE, township=cls.township).user
        cls.admin = MembershipFactory(role=Role.DISTRICT_ADMIN, district=cls.township.district).user

    def setUp(self):
        cache.clear()

    def vote_close_publish(self):
        from .factories import ballot_url

        for token, rating in zip(self.links, ["satisfied", "dissatisfied"], strict=True):
            self.client.post(
                ballot_url(self.review, token), ballot_post(self.review, rating, comment="好")
            )
        self.review.close(by=None)
        from reviews import services

        services.review_publish(review=self.review, by=None)

    def assertNoPerson(self, text: str):
        for secret in [*self.NAMES, "13812345678", *self.links]:
            self.assertNotIn(secret, text)

    def test_result_pages_exports_and_the_admin_show_no_reviewer(self):
        self.vote_close_publish()
        village = self.review.pledge_list.village
        pages = [
            reverse("reviews:review_results", args=[self.review.pk]),
            reverse("reviews:review_detail", args=[self.review.pk]),
            reverse("reviews:report", args=[village.code, 2025]),
            reverse("reviews:ranking", args=[self.township.code]) + "?year=2025",
            reverse("reviews:ranking", args=[self.township.district.code]) + "?year=2025",
        ]
        for user in (self.cadre, self.admin):
            self.client.force_login(user)
            for url in pages:
                with self.subTest(url=url):
                    response = self.client.get(url)
                    self.assertEqual(response.status_code, 200)
                    self.assertNoPerson(response.content.decode())
        for url in [
            reverse("reviews:review_results_export", args=[self.review.pk]),
            reverse("reviews:ranking_export", args=[self.township.code]) + "?year=2025",
        ]:
            workbook = load_workbook(io.BytesIO(self.client.get(url).content))
            cells = " ".join(
                str(cell.value)
                for sheet in workbook
                for row in sheet.iter_rows()
                for cell in row
                if cell.value is not None
            )
            self.assertNoPerson(cells)
            self.assertIn("满意", cells)
        # The export has a row per item, never per ballot.
        sheet = load_workbook(
            io.BytesIO(
                self.client.get(
                    reverse("reviews:review_results_export", args=[self.review.pk])
                ).content
            )
        ).active
        self.assertEqual(sheet.max_row, 1 + 10 + 5)

    def test_the_admin_has_no_ballot_pages(self):
        from django.contrib import admin

        from reviews.models import ProhibitionRating, ProjectRating

        for model in (Ballot, ProjectRating, ProhibitionRating):
            self.assertNotIn(model, admin.site._registry)
        self.vote_close_publish()
        superuser = MembershipFactory(role=Role.REVIEWER, village=self.review.village).user
        superuser.is_staff = superuser.is_superuser = True
        superuser.save()
        self.client.force_login(superuser)
        response = self.client.get(
            reverse("admin:reviews_annualreview_change", args=[self.review.pk])
        )
        self.assertEqual(response.status_code, 200)
        # The reviewers are listed (who is invited, whether voted), but no vote is.
        content = response.content.decode()
        self.assertNotIn("dissatisfied", content)
        self.assertNotIn("不满意", content)
