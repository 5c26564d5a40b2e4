"""Query counts of the review pages, written out, at two data sizes: they must not grow."""

from django.core.cache import cache
from django.test import TestCase
from django.urls import reverse

from reviews import results
from reviews.models import AnnualReview
from tests.factories import MembershipFactory, TownshipFactory, VillageFactory
from villages.models import Membership

from .factories import cast, invite, make_review

Role = Membership.Role
S, B, D = "satisfied", "basically", "dissatisfied"


def closed_review_with(ballots: int, village=None) -> AnnualReview:
    review = make_review(village)
    for number in range(ballots):
        rating = [S, B, D][number % 3]
        cast(review, [rating] * 10, name=f"评议人{number}", comment=f"意见{number}")
    invite(review, name="未投票的人")
    review.close(by=None)
    return review


class ResultsPageBudgetTests(TestCase):
    def test_the_results_page(self):
        for ballots in (2, 12):
            review = closed_review_with(ballots)
            township = review.pledge_list.village.township
            cadre = MembershipFactory(role=Role.TOWNSHIP_CADRE, township=township).user
            self.client.force_login(cadre)
            url = reverse("reviews:review_results", args=[review.pk])
            # session, user, review with list and village tree, memberships (scope),
            # projects with counts, their history up to the year's end, prohibitions with
            # counts, ballots (total, paper), invitations (invited, voted),
            # project comments, prohibition remarks, overall comments
            with self.subTest(ballots=ballots), self.assertNumQueries(12):
                response = self.client.get(url)
            self.assertEqual(response.context["results"].ballots, ballots)

    def test_the_results_export(self):
        for ballots in (2, 12):
            review = closed_review_with(ballots)
            admin = MembershipFactory(
                role=Role.DISTRICT_ADMIN, district=review.pledge_list.village.township.district
            ).user
            self.client.force_login(admin)
            url = reverse("reviews:review_results_export", args=[review.pk])
            # session, user, review with tree, memberships, projects, history, prohibitions,
            # ballots, invitations
            with self.subTest(ballots=ballots), self.assertNumQueries(9):
                self.client.get(url)


class TownshipPagesBudgetTests(TestCase):
    def test_the_township_review_list(self):
        for villages in (1, 6):
            township = TownshipFactory()
            for _ in range(villages):
                closed_review_with(2, VillageFactory(township=township))
            VillageFactory(township=township)  # no list
            cadre = MembershipFactory(role=Role.TOWNSHIP_CADRE, township=township).user
            self.client.force_login(cadre)
            url = reverse("reviews:township_reviews", args=[township.code]) + "?year=2025"
            # session, user, township + district, memberships (scope),
            # published lists, reviews with turnout, villages, the years (switcher)
            with self.subTest(villages=villages), self.assertNumQueries(8):
                response = self.client.get(url)
            self.assertEqual(len(response.context["rows"]), villages + 1)


class PublicPagesBudgetTests(TestCase):
    def setUp(self):
        cache.clear()

    def publish(self, ballots: int, village=None) -> AnnualReview:
        from reviews import services

        review = closed_review_with(ballots, village)
        services.review_publish(review=review, by=None)
        return review

    def test_the_ranking(self):
        for villages in (1, 6):
            township = TownshipFactory()
            for _ in range(villages):
                self.publish(1, VillageFactory(township=township))
            url = reverse("reviews:ranking", args=[township.district.code]) + "?year=2025"
            # district, years with published results (the switcher), published reviews
            # with their lists, villages with townships
            with self.subTest(villages=villages), self.assertNumQueries(4):
                response = self.client.get(url)
            self.assertEqual(response.context["reviewed"], villages)

    def test_the_report(self):
        for ballots in (2, 12):
            review = self.publish(ballots)
            village = review.pledge_list.village
            url = reverse("reviews:report", args=[village.code, 2025])
            # review with tree, projects, history, prohibitions, ballots, invitations,
            # the 4+2 record and its meetings (the results against the decision)
            with self.subTest(ballots=ballots), self.assertNumQueries(8):
                self.client.get(url)

    def test_the_board_section_data(self):
        for ballots in (2, 12):
            review = self.publish(ballots)
            # the published review, satisfaction per project
            with self.subTest(ballots=ballots), self.assertNumQueries(2):
                data = results.for_pledge_list(review.pledge_list)
            self.assertEqual(len(data["projects"]), 10)
            self.assertEqual(data["projects"][0]["valid"], ballots)

    def test_the_ballot_page(self):
        for voted in (False, True):
            review = make_review()
            invitation, token = invite(review)
            if voted:
                from reviews import services

                from .factories import ballot_data

                services.ballot_cast(
                    invitation=invitation, token=token, data=ballot_data(review, [S] * 10)
                )
            url = reverse("reviews:ballot", args=[review.pk, token])
            # invitation with review and tree, the slip's ballot (+ its ratings when it
            # exists, two prefetches), projects, prohibitions
            with self.subTest(voted=voted), self.assertNumQueries(6 if voted else 4):
                self.client.get(url)


class ReviewPageBudgetTests(TestCase):
    def test_the_review_page(self):
        for ballots in (2, 12):
            review = closed_review_with(ballots)
            township = review.pledge_list.village.township
            cadre = MembershipFactory(role=Role.TOWNSHIP_CADRE, township=township).user
            self.client.force_login(cadre)
            # session, user, review with tree and turnout, memberships (scope)
            with self.subTest(ballots=ballots), self.assertNumQueries(4):
                response = self.client.get(review.get_absolute_url())
            self.assertEqual(response.context["review"].ballot_total, ballots)

    def test_the_invitation_list(self):
        for people in (2, 12):
            review = closed_review_with(people)
            review.status = AnnualReview.Status.OPEN
            review.save()
            township = review.pledge_list.village.township
            cadre = MembershipFactory(role=Role.TOWNSHIP_CADRE, township=township).user
            self.client.force_login(cadre)
            url = reverse("reviews:invitations", args=[review.pk])
            # session, user, review with tree, memberships (scope), invitations
            with self.subTest(people=people), self.assertNumQueries(5):
                response = self.client.get(url)
            self.assertEqual(len(response.context["invitations"]), people + 1)


class ReviewerPagesBudgetTests(TestCase):
    def test_the_village_reviews_and_the_voting_guide(self):
        for years in (1, 5):
            village = VillageFactory()
            reviews = [make_review(village, year=2020 + number) for number in range(years)]
            reviewer = MembershipFactory(role=Role.REVIEWER, village=village).user
            self.client.force_login(reviewer)
            url = reverse("reviews:village_reviews", args=[village.code])
            # session, user, village with tree, memberships (scope), reviews with their lists
            with self.subTest(years=years), self.assertNumQueries(5):
                response = self.client.get(url)
            self.assertEqual(len(response.context["ahead"]), years)
            # session, user, review with tree, memberships (scope)
            with self.subTest(years=years), self.assertNumQueries(4):
                self.client.get(reverse("reviews:voting_guide", args=[reviews[-1].pk]))
