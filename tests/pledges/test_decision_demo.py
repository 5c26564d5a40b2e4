"""The demo's lists went through the 4+2 procedure as the app now asks: every list that was
ever submitted has a complete record whose vote passed; drafts have none yet."""

import shutil
import tempfile
from io import StringIO

from django.core.files.storage import default_storage
from django.core.management import call_command
from django.test import TestCase, override_settings

from pledges.models import DecisionMeeting, DecisionRecord, PledgeList

MEDIA = tempfile.mkdtemp(prefix="decision-demo-media-")


@override_settings(MEDIA_ROOT=MEDIA)
class DemoDecisionTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        call_command("seed_demo", villages=60, reviews=False, stdout=StringIO())

    @classmethod
    def tearDownClass(cls):
        super().tearDownClass()
        shutil.rmtree(MEDIA, ignore_errors=True)

    def test_every_list_sent_to_the_township_has_a_complete_record(self):
        lists = PledgeList.objects.exclude(status=PledgeList.Status.DRAFT)
        self.assertGreater(lists.count(), 40)
        records = DecisionRecord.objects.with_meetings().filter(pledge_list__in=lists)
        self.assertEqual(records.count(), lists.count())
        for record in records:
            with self.subTest(record=str(record)):
                self.assertEqual(DecisionRecord.problems_of(record), [])

    def test_drafts_wait_for_their_meetings(self):
        drafts = PledgeList.objects.filter(status=PledgeList.Status.DRAFT)
        self.assertFalse(DecisionRecord.objects.filter(pledge_list__in=drafts).exists())

    def test_the_demo_minutes_are_a_readable_file_with_history(self):
        meeting = DecisionMeeting.objects.filter(step=DecisionMeeting.Step.DECIDE).first()
        self.assertTrue(default_storage.exists(meeting.image.name))
        self.assertTrue(default_storage.exists(meeting.thumbnail.name))
        self.assertEqual(meeting.history.count(), 1)
