"""Published results on the public board: the village's page shows them as soon as the
township publishes (the page cache is forgotten by the review's save), never before, and
never a reviewer's name."""

from django.core.cache import cache
from django.test import TestCase
from django.urls import reverse

from reviews import services

from .factories import cast, make_review

S, D = "satisfied", "dissatisfied"


class BoardSectionTests(TestCase):
    def setUp(self):
        cache.clear()

    def test_results_appear_on_the_village_board_when_published(self):
        review = make_review()
        cast(review, [S] * 9 + [D], name="欧阳秀兰")
        village = review.pledge_list.village
        url = reverse("board:board_village", args=[village.code, 2025])
        self.assertNotContains(self.client.get(url), "年度评议结果")
        review.close(by=None)
        self.assertNotContains(self.client.get(url), "年度评议结果")  # closed is not public
        services.review_publish(review=review, by=None, announcement="总体满意")
        response = self.client.get(url)
        self.assertContains(response, "年度评议结果")
        self.assertContains(response, "总体满意")
        self.assertContains(response, reverse("reviews:report", args=[village.code, 2025]))
        self.assertNotContains(response, "欧阳秀兰")

    def test_the_township_and_district_boards_link_their_ranking(self):
        review = make_review()
        township = review.pledge_list.village.township
        for code in (township.code, township.district.code):
            response = self.client.get(reverse("board:board_place", args=[code]) + "?year=2025")
            self.assertContains(response, reverse("reviews:ranking", args=[code]))
