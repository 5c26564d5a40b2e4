"""Role × page × own / other place, for every review page."""

from django.core.cache import cache
from django.test import TestCase
from django.urls import reverse

from pledges.models import PledgeList
from reviews.models import AnnualReview, Ballot, Invitation
from tests.factories import VillageFactory, full_list
from tests.personas import DENIED, LOGIN, OK, WITH_A_ROLE, Personas, assert_matrix

from .factories import ballot_post, ballot_url, invite, make_review

MOVED = 302


class PermissionMatrixTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.village = VillageFactory()
        cls.open = make_review(cls.village, year=2025)
        cls.closed = make_review(cls.village, year=2024, status=AnnualReview.Status.CLOSED)
        cls.published = make_review(cls.village, year=2023, status="published", score=90)
        cls.unreviewed = full_list(status=PledgeList.Status.PUBLISHED, village=cls.village)
        cls.invitation, cls.token = invite(cls.open, name="王小明")
        cls.personas = Personas.around(cls.village)

    def setUp(self):
        cache.clear()

    def urls(self):
        township = self.village.township
        return {
            "township": reverse("reviews:township_reviews", args=[township.code]),
            "new": reverse("reviews:review_new", args=[self.unreviewed.pk]),
            "detail": reverse("reviews:review_detail", args=[self.open.pk]),
            "window": reverse("reviews:review_edit", args=[self.open.pk]),
            "invitations": reverse("reviews:invitations", args=[self.open.pk]),
            "paper": reverse("reviews:paper_ballot", args=[self.open.pk]),
            "results": reverse("reviews:review_results", args=[self.closed.pk]),
            "export": reverse("reviews:review_results_export", args=[self.closed.pk]),
            "publish": reverse("reviews:review_publish", args=[self.closed.pk]),
        }

    # Expected status of a GET per persona; other_* hold the same roles one place over.
    MATRIX = {
        #              committee reviewer cadre admin other_committee other_cadre
        "township": (DENIED, DENIED, OK, OK, DENIED, DENIED),
        "new": (DENIED, DENIED, OK, DENIED, DENIED, DENIED),
        "detail": (OK, DENIED, OK, OK, DENIED, DENIED),
        "window": (DENIED, DENIED, OK, DENIED, DENIED, DENIED),
        "invitations": (DENIED, DENIED, OK, OK, DENIED, DENIED),
        "paper": (DENIED, DENIED, OK, DENIED, DENIED, DENIED),
        "results": (OK, DENIED, OK, OK, DENIED, DENIED),
        "export": (OK, DENIED, OK, OK, DENIED, DENIED),
        "publish": (DENIED, DENIED, OK, DENIED, DENIED, DENIED),
    }
    ORDER = WITH_A_ROLE

    # POST-only actions: (url, data)
    def actions(self):
        return {
            "open": reverse("reviews:review_open", args=[self.closed.pk]),
            "close": reverse("reviews:review_close", args=[self.open.pk]),
            "slips": reverse("reviews:slips", args=[self.open.pk]),
            "paper_voter": reverse("reviews:invitation_paper", args=[self.invitation.pk]),
            "remove": reverse("reviews:invitation_remove", args=[self.invitation.pk]),
        }

    def test_every_page_for_every_role_in_its_own_and_another_place(self):
        assert_matrix(self, self.personas, self.urls(), self.MATRIX, self.ORDER)

    def test_a_user_without_a_role_is_refused_everywhere(self):
        assert_matrix(self, self.personas, self.urls(), DENIED, ["nobody"])
        assert_matrix(self, self.personas, self.actions(), DENIED, ["nobody"], method="post")

    def test_anonymous_is_sent_to_log_in(self):
        assert_matrix(self, self.personas, self.urls(), LOGIN, ["anonymous"])
        assert_matrix(self, self.personas, self.actions(), LOGIN, ["anonymous"], method="post")

    def test_only_the_township_cadre_may_take_the_actions(self):
        others = ["committee", "reviewer", "district_admin", "other_committee", "other_cadre"]
        assert_matrix(self, self.personas, self.actions(), DENIED, others, method="post")
        for persona in others:  # nor add voters
            self.client.force_login(self.personas[persona])
            self.client.post(self.urls()["invitations"], {"kind": "party_member", "people": "李"})
        self.open.refresh_from_db()
        self.invitation.refresh_from_db()
        self.assertEqual(self.open.status, AnnualReview.Status.OPEN)
        self.assertFalse(self.invitation.has_voted)
        self.assertEqual(Invitation.objects.count(), 1)
        self.client.force_login(self.personas.cadre)
        close = self.actions()["close"]
        self.assertEqual(self.client.post(close, {"confirmed": "1"}).status_code, MOVED)

    def test_actions_refuse_the_wrong_method(self):
        self.client.force_login(self.personas.cadre)
        for action, url in self.actions().items():
            with self.subTest(action=action):
                self.assertEqual(self.client.get(url).status_code, 405)
        self.assertEqual(self.client.put(self.urls()["detail"]).status_code, 405)

    def test_the_ballot_needs_only_the_token_whoever_opens_it(self):
        url = ballot_url(self.open, self.token)
        assert_matrix(self, self.personas, {"ballot": url}, OK, ["anonymous", *self.ORDER])
        self.client.post(url, ballot_post(self.open))
        self.assertEqual(Ballot.objects.count(), 1)

    def test_the_report_and_ranking_are_public(self):
        township = self.village.township
        public = {
            "report": reverse("reviews:report", args=[self.village.code, 2023]),
            "township_ranking": reverse("reviews:ranking", args=[township.code]) + "?year=2023",
            "district_ranking": reverse("reviews:ranking", args=[township.district.code]),
            "ranking_export": reverse("reviews:ranking_export", args=[township.code]),
        }
        assert_matrix(self, self.personas, public, OK, ["anonymous", "committee", "other_cadre"])
        # Not published yet: no report.
        url = reverse("reviews:report", args=[self.village.code, 2024])
        self.assertEqual(self.client.get(url).status_code, 404)
