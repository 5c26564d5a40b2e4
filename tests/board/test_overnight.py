"""A project passes its planned finish at midnight without any write: the board's pages,
cached under their data stamps, must show it overdue the next day all the same."""

import datetime
from unittest import mock

from django.core.cache import cache
from django.test import TestCase
from django.urls import reverse
from django.utils import timezone

from figures.services import recount_overdue
from pledges.models import PledgeList, Project
from pledges.signals import written_in_bulk
from tests.factories import VillageFactory, full_list

OVERDUE = 'class="badge overdue"'


class OvernightTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.today = timezone.localdate()
        village = VillageFactory(name="龙江村")
        cls.pledge_list = full_list(
            status=PledgeList.Status.PUBLISHED, village=village, year=cls.today.year
        )
        cls.pledge_list.projects.update(status=Project.Status.IN_PROGRESS, planned_finish=cls.today)
        written_in_bulk.send(sender=Project, village_ids=[village.pk])
        cls.url = reverse("board:board_village", args=[village.code, cls.today.year])

    def setUp(self):
        cache.clear()

    def test_the_next_day_the_page_shows_what_became_overdue(self):
        self.assertNotContains(self.client.get(self.url), OVERDUE)
        tomorrow = self.today + datetime.timedelta(days=1)
        with mock.patch("django.utils.timezone.localdate", return_value=tomorrow):
            with self.captureOnCommitCallbacks(execute=True):
                recount_overdue(today=tomorrow)  # the 00:01 task: forgets the stamps
            self.assertContains(self.client.get(self.url), OVERDUE, count=10)
