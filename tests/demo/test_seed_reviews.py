"""`seed_reviews` (called by `seed_demo`): a past year reviewed, realistically."""

from io import StringIO

from django.core.management import call_command
from django.db.models import Count
from django.test import TestCase
from django.utils import timezone

from pledges.models import PledgeList
from reviews import results
from reviews.models import AnnualReview, Ballot, Invitation, ProjectRating
from villages.models import Membership, Village


def seed_reviews(**options) -> str:
    out = StringIO()
    call_command("seed_reviews", stdout=out, **options)
    return out.getvalue()


class SeedReviewsTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        call_command("seed_villages", stdout=StringIO())
        cls.year = timezone.localdate().year - 1
        cls.output = seed_reviews()

    def test_every_village_has_a_published_list_and_a_review(self):
        self.assertEqual(
            PledgeList.objects.filter(year=self.year, status="published").count(),
            Village.objects.count(),
        )
        self.assertEqual(AnnualReview.objects.count(), Village.objects.count())
        self.assertIn("131 reviews", self.output)

    def test_most_townships_have_published(self):
        statuses = dict(
            AnnualReview.objects.values_list("status").annotate(n=Count("id")).order_by()
        )
        self.assertGreater(statuses["published"], AnnualReview.objects.count() * 0.6)
        self.assertTrue(statuses.get("closed") and statuses.get("open"))

    def test_the_demo_village_is_open_with_reviewers_still_to_vote(self):
        village = Membership.objects.get(user__username="village").village
        review = AnnualReview.objects.get(pledge_list__village=village)
        self.assertEqual(review.status, AnnualReview.Status.OPEN)
        self.assertTrue(review.is_voting_open)
        waiting = review.invitations.filter(has_voted=False)
        self.assertTrue(waiting.exists())
        self.assertFalse(waiting.exclude(token_hash=None).exists())  # slips still to print

    def test_ballots_are_realistic_and_match_the_turnout(self):
        ratings = ProjectRating.objects.values_list("rating", flat=True)
        total = ratings.count()
        good = ratings.exclude(rating="dissatisfied").count()
        self.assertTrue(0.75 < good / total < 0.98, good / total)
        self.assertTrue(ratings.filter(rating="dissatisfied").exists())
        for review in AnnualReview.objects.all()[:30]:
            voted = review.invitations.filter(has_voted=True).count()
            self.assertEqual(review.ballots.count(), voted)
        self.assertTrue(Ballot.objects.filter(is_paper=True).exists())
        self.assertFalse(Ballot.objects.filter(is_paper=False, voter_key="").exists())

    def test_published_figures_are_what_the_results_page_counts(self):
        for review in AnnualReview.objects.published().select_related("pledge_list")[:5]:
            found = results.compute(review)
            self.assertEqual(review.ballot_count, found.ballots)
            self.assertEqual(review.score, found.score)
            self.assertEqual(review.grade, found.grade)
            self.assertEqual(review.satisfaction_rate, found.satisfaction_rate)
            self.assertEqual(review.completion_rate, found.completion_rate)

    def test_it_records_history_for_reviews_and_invitations(self):
        for model in (AnnualReview, Invitation):
            self.assertEqual(model.history.filter(history_type="+").count(), model.objects.count())

    def test_a_second_run_adds_nothing(self):
        counts = [m.objects.count() for m in (PledgeList, AnnualReview, Ballot)]
        self.assertIn("already loaded", seed_reviews())
        self.assertEqual([m.objects.count() for m in (PledgeList, AnnualReview, Ballot)], counts)
