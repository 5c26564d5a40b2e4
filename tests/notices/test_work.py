"""Unread notices in the village committee's work queue (待办), in one query at two sizes."""

from django.test import TestCase

from notices import work
from notices.models import Notice
from tests.factories import TownshipFactory
from tests.personas import Personas

from .helpers import TODAY, village_with_work


class WorkTests(TestCase):
    def test_unread_notices_wait_in_the_committee_queue_until_read(self):
        township = TownshipFactory(name="海龙镇")
        village = village_with_work(township, name="龙江村")
        personas = Personas.around(village)
        for sizes in (1, 4):
            for month in range(sizes):
                notice = Notice.objects.create(
                    township=township,
                    village=village,
                    period=f"{TODAY.year - 1 - sizes}-{month + 1:02d}",
                    body="x",
                    figures={"overdue": 2},
                )
                notice.deliveries.create(channel="inbox", status="sent")
            # the unread inbox notices with their township
            with self.subTest(sizes=sizes), self.assertNumQueries(1):
                items = work.village_work(village, personas.committee, TODAY)
            self.assertEqual(len(items), Notice.objects.filter(village=village).count())
        first = items[0]
        self.assertIn("阅读镇（街道）", first.title)
        self.assertIn("海龙镇 · 逾期项目 2 项", first.detail)
        self.client.force_login(personas.committee)
        self.client.get(first.url)
        self.assertEqual(len(work.village_work(village, personas.committee, TODAY)), len(items) - 1)
        other = village_with_work(township)
        self.assertEqual(work.village_work(other, personas.committee, TODAY), [])
