"""Counting: satisfaction per project, prohibitions kept, score, grade and quorum, the year-end
status, publication and the ranking (亮晒评)."""

import datetime
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.test import TestCase, override_settings
from django.utils import timezone

from pledges.models import Project
from reviews import results, services
from reviews.models import AnnualReview, Grade

from .factories import ballot_data, cast, invite, make_review

S, B, D = "satisfied", "basically", "dissatisfied"


@override_settings(REVIEW_QUORUM=3)
class ComputeTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.review = make_review()
        cast(cls.review, [S] * 10, name="甲")
        cast(cls.review, [B] * 9 + [D], [True, True, True, True, False], name="乙")
        cast(cls.review, [D] + [S] * 9, name="丙", comment="希望多开群众会")

    def test_it_counts_each_project_and_its_satisfaction_rate(self):
        found = results.compute(self.review)
        first, last = found.projects[0], found.projects[-1]
        self.assertEqual((first.satisfied, first.basically, first.dissatisfied), (1, 1, 1))
        self.assertEqual(first.rate, Decimal("66.7"))  # (1 + 1) / 3
        self.assertEqual((last.satisfied, last.basically, last.dissatisfied), (2, 0, 1))
        self.assertEqual(found.projects[1].rate, Decimal("100.0"))
        self.assertEqual(found.ballots, 3)
        self.assertEqual((found.invited, found.voted), (3, 3))

    def test_it_gives_the_share_saying_each_prohibition_was_kept(self):
        found = results.compute(self.review)
        self.assertEqual([p.rate for p in found.prohibitions][:4], [Decimal("100.0")] * 4)
        self.assertEqual(found.prohibitions[4].kept, 2)
        self.assertEqual(found.prohibitions[4].rate, Decimal("66.7"))

    def test_it_scores_and_grades_every_valid_rating(self):
        found = results.compute(self.review)
        # 30 project ratings: 19 satisfied (100), 9 basically (80), 2 dissatisfied (0);
        # 15 prohibition answers: 14 kept (100), 1 not (0).
        self.assertEqual(found.score, Decimal("89.3"))  # (1900 + 720 + 1400) / 45
        self.assertEqual(found.satisfaction_rate, Decimal("93.3"))  # 28 / 30
        self.assertEqual(found.grade, Grade.GOOD)  # 80 <= score < 90

    def test_below_the_quorum_there_is_no_grade(self):
        with self.settings(REVIEW_QUORUM=4):
            found = results.compute(self.review)
            self.assertFalse(found.has_quorum)
            self.assertEqual(found.grade, "")
            self.assertIsNotNone(found.score)

    def test_the_thresholds_come_from_the_settings(self):
        with self.settings(REVIEW_GRADE_THRESHOLDS={"excellent": 80, "good": 70, "pass": 50}):
            self.assertEqual(results.compute(self.review).grade, Grade.EXCELLENT)
        with self.settings(REVIEW_GRADE_THRESHOLDS={"excellent": 99, "good": 95, "pass": 90}):
            self.assertEqual(results.compute(self.review).grade, Grade.FAIL)

    def test_comments_are_there_but_never_grouped_by_ballot(self):
        found = results.compute(self.review, with_comments=True)
        self.assertEqual(found.comments, ["希望多开群众会"])


class BlankPaperItemsTests(TestCase):
    def test_a_blank_item_on_paper_is_not_a_valid_vote_for_that_item(self):
        review = make_review()
        invitation, _token = invite(review)
        services.invitation_mark_paper(invitation=invitation)
        services.paper_ballot_enter(review=review, data=ballot_data(review, [""] + [S] * 9))
        found = results.compute(review)
        self.assertEqual(found.projects[0].valid, 0)
        self.assertIsNone(found.projects[0].rate)
        self.assertEqual(found.projects[1].valid, 1)
        self.assertEqual(found.paper_ballots, 1)


class YearEndStatusTests(TestCase):
    def test_the_status_is_the_one_on_31_december(self):
        review = make_review(year=2025)
        project = review.pledge_list.projects.get(number=1)
        # History: in progress during 2025, verified in January 2026.
        history = project.history.get()
        history.history_date = timezone.make_aware(datetime.datetime(2025, 3, 1))
        history.status = Project.Status.IN_PROGRESS
        history.save()
        project.status = Project.Status.VERIFIED
        project.save()
        project.history.filter(history_date__gt=history.history_date).update(
            history_date=timezone.make_aware(datetime.datetime(2026, 1, 10))
        )
        found = results.compute(review)
        self.assertEqual(found.projects[0].status, Project.Status.IN_PROGRESS)
        # No history by the year's end: the current status.
        self.assertEqual(found.projects[1].status, Project.Status.PLANNED)


class PublishTests(TestCase):
    def test_publishing_a_closed_review_stores_its_figures(self):
        review = make_review()
        verified = review.pledge_list.projects.get(number=1)
        verified.status = Project.Status.VERIFIED
        verified.save()
        for name in "甲乙":
            cast(review, [S] * 10, name=name)
        self.assertFalse(services.review_publish(review=review, by=None))  # still open
        review.close(by=None)
        with self.settings(REVIEW_QUORUM=2):
            self.assertTrue(services.review_publish(review=review, by=None, announcement="好"))
        review.refresh_from_db()
        self.assertEqual(review.status, AnnualReview.Status.PUBLISHED)
        self.assertEqual(review.ballot_count, 2)
        self.assertEqual((review.verified_count, review.project_count), (1, 10))
        self.assertEqual(review.completion_rate, Decimal("10.0"))
        self.assertEqual(review.score, Decimal("100.0"))
        self.assertEqual(review.grade, Grade.EXCELLENT)
        self.assertEqual(review.announcement, "好")
        self.assertEqual(
            list(review.history.values_list("status", flat=True))[:2], ["published", "closed"]
        )
        self.assertFalse(services.review_publish(review=review, by=None))  # only once

    def test_a_review_needs_a_published_list_and_only_one_per_list(self):
        review = make_review()
        now = timezone.now()
        window = {"opens_at": now, "closes_at": now + datetime.timedelta(days=1)}
        with self.assertRaises(ValidationError):
            services.review_create(pledge_list=review.pledge_list, by=None, **window)
        review.pledge_list.status = "approved"
        with self.assertRaises(ValidationError):
            services.review_create(pledge_list=review.pledge_list, by=None, **window)


def published_with(village, ratings_per_ballot: list[list[str]]) -> AnnualReview:
    """A review of `village` closed and published with one ballot per list of ratings."""
    review = make_review(village)
    for number, ratings in enumerate(ratings_per_ballot):
        cast(review, ratings, name=f"评议人{number}")
    review.close(by=None)
    services.review_publish(review=review, by=None)
    review.refresh_from_db()
    return review


class RankingTests(TestCase):
    def test_it_ranks_by_score_and_puts_unreviewed_villages_last(self):
        from tests.factories import VillageFactory

        counts = {"ballot_count": 10, "satisfied_count": 90, "rated_count": 100}
        first = make_review(status=AnnualReview.Status.PUBLISHED, score=Decimal("91"), **counts)
        township = first.pledge_list.village.township
        second = make_review(
            VillageFactory(township=township),
            status=AnnualReview.Status.PUBLISHED,
            score=Decimal("95"),
            **counts,
        )
        tied = make_review(
            VillageFactory(township=township),
            status=AnnualReview.Status.PUBLISHED,
            score=Decimal("91"),
            **counts,
        )
        closed = make_review(VillageFactory(township=township), status="closed")
        rows = results.ranking(township.villages.all(), 2025)
        self.assertEqual(
            [row.village for row in rows],
            [
                second.pledge_list.village,
                first.pledge_list.village,
                tied.pledge_list.village,
                closed.pledge_list.village,
            ],
        )
        self.assertEqual([row.rank for row in rows], [1, 2, 2, None])
        self.assertIsNone(rows.rows[-1].review)  # not published: not shown
        self.assertEqual(rows.not_published[0].village, closed.pledge_list.village)


@override_settings(RANKING_MIN_RESULTS=5, RANKING_THRESHOLD=70, REVIEW_QUORUM=5)
class RankingThatCannotMisleadTests(TestCase):
    """Real ballots, published through the service: the stored counts are what the ranking
    shows and counts on."""

    @classmethod
    def setUpTestData(cls):
        from tests.factories import TownshipFactory, VillageFactory

        cls.township = TownshipFactory()
        village = lambda name: VillageFactory(township=cls.township, name=name)  # noqa: E731
        # Six ballots, every project satisfied: 60 of 60 ratings.
        cls.full = published_with(village("满分村"), [[S] * 10] * 6)
        # Six ballots, 9 of 10 satisfied each: 54 of 60, 90 %.
        cls.good = published_with(village("良好村"), [[S] * 9 + [D]] * 6)
        # Six ballots, half the projects dissatisfied: 30 of 60, below 70 %.
        cls.poor = published_with(village("欠佳村"), [[S] * 5 + [D] * 5] * 6)
        # Three ballots, all satisfied: too few to rank, however good.
        cls.few = published_with(village("三票村"), [[S] * 10] * 3)
        cls.none = village("未评村")

    def ranking(self):
        return results.ranking(self.township.villages.all(), 2025)

    def test_publishing_stores_the_counts_behind_the_rates(self):
        self.assertEqual((self.good.satisfied_count, self.good.rated_count), (54, 60))
        self.assertEqual(self.good.satisfaction_rate, Decimal("90.0"))
        self.assertEqual(str(self.good.satisfaction), "90.0%（54/60）")
        self.assertEqual((self.good.kept_count, self.good.kept_rated_count), (30, 30))

    def test_only_villages_with_enough_ballots_are_ranked(self):
        ranking = self.ranking()
        self.assertEqual(
            [(row.rank, row.village.name) for row in ranking.ranked],
            [(1, "满分村"), (2, "良好村"), (3, "欠佳村")],
        )
        self.assertEqual([row.village.name for row in ranking.too_few], ["三票村"])
        self.assertIsNone(ranking.too_few[0].rank)
        self.assertEqual([row.village.name for row in ranking.not_published], ["未评村"])
        self.assertEqual(ranking.reviewed, 4)

    def test_who_falls_below_the_threshold_is_named(self):
        ranking = self.ranking()
        self.assertEqual([row.village.name for row in ranking.below], ["欠佳村"])
        self.assertEqual(str(ranking.below[0].satisfaction), "50.0%（30/60）")
        with self.settings(RANKING_THRESHOLD=90):  # exactly 90 % is not below 90 %
            self.assertEqual([row.village.name for row in self.ranking().below], ["欠佳村"])
        with self.settings(RANKING_THRESHOLD=91):
            self.assertEqual(
                [row.village.name for row in self.ranking().below], ["欠佳村", "良好村"]
            )

    def test_fewer_ballots_needed_ranks_the_small_village_too(self):
        with self.settings(RANKING_MIN_RESULTS=3):
            ranking = self.ranking()
        self.assertEqual(
            [(row.rank, row.village.name) for row in ranking.ranked],
            [(1, "满分村"), (1, "三票村"), (3, "良好村"), (4, "欠佳村")],
        )
        self.assertEqual(ranking.too_few, [])

    def test_the_export_carries_the_counts_and_says_why_a_village_is_not_ranked(self):
        rows = {row["name"]: row for row in (row.export_row() for row in self.ranking())}
        self.assertEqual(
            [key for key, _header in results.RANKING_COLUMNS][7:10],
            ["satisfied", "rated", "satisfaction"],
        )
        self.assertEqual(
            (rows["欠佳村"]["satisfied"], rows["欠佳村"]["rated"], rows["欠佳村"]["satisfaction"]),
            (30, 60, 50.0),
        )
        self.assertEqual((rows["欠佳村"]["kept_count"], rows["欠佳村"]["kept_rated"]), (30, 30))
        self.assertEqual(rows["欠佳村"]["note"], "满意率低于70%")
        self.assertEqual((rows["三票村"]["rank"], rows["三票村"]["satisfied"]), (None, 30))
        self.assertEqual(rows["三票村"]["note"], "有效票少于5张，不排名")
        self.assertEqual((rows["未评村"]["rated"], rows["未评村"]["note"]), (None, "未公布"))
        self.assertEqual(rows["满分村"]["note"], "")
