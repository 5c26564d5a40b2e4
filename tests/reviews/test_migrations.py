"""Reviews published before the counts were stored get them from their ballots, so their
rates show what they are made of too."""

import datetime

from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.test import TransactionTestCase
from django.utils import timezone

BEFORE = [("reviews", "0001_initial")]
AFTER = [("reviews", "0002_rate_counts")]


class RateCountsMigrationTests(TransactionTestCase):
    def migrate(self, targets):
        """The models as they are with `targets` applied and every other app at its latest."""
        executor = MigrationExecutor(connection)
        executor.loader.build_graph()
        executor.migrate(targets)
        executor.loader.build_graph()
        apps = {app for app, _name in targets}
        others = [node for node in executor.loader.graph.leaf_nodes() if node[0] not in apps]
        return executor.loader.project_state(others + targets).apps

    def tearDown(self):
        executor = MigrationExecutor(connection)
        executor.migrate(executor.loader.graph.leaf_nodes())

    def test_published_reviews_get_the_counts_behind_their_rates(self):
        old = self.migrate(BEFORE)
        city = old.get_model("villages", "City").objects.create(code="5203", name="市")
        district = old.get_model("villages", "District").objects.create(
            city=city, code="520302", name="区"
        )
        township = old.get_model("villages", "Township").objects.create(
            district=district, code="520302001", name="镇"
        )
        village = old.get_model("villages", "Village").objects.create(
            township=township, code="520302001001", name="龙江村"
        )
        pledge_list = old.get_model("pledges", "PledgeList").objects.create(
            village=village, year=2025, status="published"
        )
        projects = [
            old.get_model("pledges", "Project").objects.create(
                pledge_list=pledge_list, number=number, title=f"实事{number}"
            )
            for number in (1, 2)
        ]
        prohibition = old.get_model("pledges", "Prohibition").objects.create(
            pledge_list=pledge_list, number=1, text="不准乱倒垃圾"
        )
        now = timezone.now()
        AnnualReview = old.get_model("reviews", "AnnualReview")
        review = AnnualReview.objects.create(
            pledge_list=pledge_list,
            status="published",
            opens_at=now - datetime.timedelta(days=2),
            closes_at=now - datetime.timedelta(days=1),
            satisfaction_rate="75.0",
        )
        ratings = [("satisfied", "basically", True), ("dissatisfied", "satisfied", False)]
        for first, second, kept in ratings:
            ballot = old.get_model("reviews", "Ballot").objects.create(review=review, is_paper=True)
            for project, rating in zip(projects, (first, second), strict=True):
                old.get_model("reviews", "ProjectRating").objects.create(
                    ballot=ballot, project=project, rating=rating
                )
            old.get_model("reviews", "ProhibitionRating").objects.create(
                ballot=ballot, prohibition=prohibition, kept=kept
            )

        new = self.migrate(AFTER)
        review = new.get_model("reviews", "AnnualReview").objects.get(pk=review.pk)
        # 3 of 4 project ratings satisfied or basically: the stored 75.0 %, now with 3/4.
        self.assertEqual((review.satisfied_count, review.rated_count), (3, 4))
        self.assertEqual((review.kept_count, review.kept_rated_count), (1, 2))
