"""The figures follow every write that changes them, in the write's own transaction, and a
count from scratch agrees with them after each step."""

import datetime
import shutil
import tempfile
from decimal import Decimal
from io import StringIO
from pathlib import Path
from unittest import mock

from django.core.management import call_command
from django.db import transaction
from django.test import TestCase
from django.utils import timezone

from figures import services
from figures.models import Outcome, ReplyWait, VillageYear
from pledges import services as pledge_services
from pledges.models import ChangeRequest, PledgeList, Project
from pledges.signals import written_in_bulk
from suggestions import services as suggestion_services
from suggestions.models import Meeting, Suggestion
from tests.factories import UserFactory, VillageFactory, full_list
from tests.imports.sheets import row, xlsx_bytes

YEAR = 2026
Status = Project.Status


def noon(*date) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime(*date, 12))


class FiguresCase(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.user = UserFactory()
        cls.village = VillageFactory()

    def figures(self, village=None, year: int = YEAR) -> dict | None:
        """The village's stored row of `year` (without its id), None when it has none."""
        found = VillageYear.objects.filter(village=village or self.village, year=year)
        row = found.values().first()
        if row is None:
            return None
        for name in ("id", "village_id", "year", "overdue_on", "overdue_until"):
            row.pop(name)
        return row

    def assert_right(self):
        """A count from scratch agrees with every stored row."""
        self.assertEqual(services.differences(), [])

    def outcomes(self, village=None) -> list:
        return list(
            Outcome.objects.filter(village_year__village=village or self.village).values_list(
                "category", "unit", "total", "projects"
            )
        )

    def waits(self, village=None) -> dict:
        return dict(
            ReplyWait.objects.filter(village_year__village=village or self.village).values_list(
                "days", "suggestions"
            )
        )

    def published_list(self, village=None) -> PledgeList:
        pledge_list = full_list(village=village or self.village, year=YEAR)
        pledge_list.submit(by=self.user)
        pledge_services.pledge_list_decide(
            pledge_list=pledge_list,
            by=self.user,
            decision="publish",
            comment="",
            item_comments={},
        )
        return pledge_list


class ListTests(FiguresCase):
    def test_a_list_counts_only_once_published(self):
        pledge_list = full_list(village=self.village, year=YEAR)
        self.assertIsNone(self.figures())  # a draft counts nowhere: no row
        pledge_list.submit(by=self.user)
        self.assertIsNone(self.figures())
        pledge_services.pledge_list_decide(
            pledge_list=pledge_list, by=self.user, decision="publish", comment="", item_comments={}
        )
        figures = self.figures()
        self.assertTrue(figures["is_published"])
        self.assertEqual(figures["project_count"], 10)
        self.assertEqual(figures["verified_count"], 0)
        self.assert_right()

    def test_progress_completion_verification_and_cancellation(self):
        pledge_list = self.published_list()
        first, second, third = pledge_list.projects.order_by("number")[:3]
        pledge_services.progress_update_create(project=first, by=self.user, percent_done=20)
        self.assertEqual(self.figures()["in_progress_count"], 1)
        self.assert_right()

        pledge_services.project_complete(project=first, by=self.user, note="完工")
        self.assertEqual(self.figures()["completed_count"], 1)
        self.assertEqual(self.outcomes(), [("lighting", "盏", Decimal("30.00"), 1)])
        self.assert_right()

        pledge_services.project_verify(project=first, by=self.user, verify=True)
        figures = self.figures()
        self.assertEqual((figures["completed_count"], figures["verified_count"]), (0, 1))
        self.assert_right()

        pledge_services.project_complete(project=second, by=self.user, note="完工")
        pledge_services.project_verify(project=second, by=self.user, verify=False, note="没装完")
        self.assertEqual(self.figures()["in_progress_count"], 1)
        self.assertEqual(self.outcomes(), [("lighting", "盏", Decimal("30.00"), 1)])
        self.assert_right()

        change = pledge_services.change_request_create(
            project=third, by=self.user, kind=ChangeRequest.Kind.CANCEL, reason="资金没落实"
        )
        pledge_services.change_request_decide(change_request=change, by=self.user, approve=True)
        self.assertEqual(self.figures()["project_count"], 9)
        self.assert_right()

    def test_a_changed_target_changes_the_outcomes(self):
        pledge_list = self.published_list()
        project = pledge_list.projects.get(number=1)
        pledge_services.project_complete(project=project, by=self.user, note="完工")
        change = pledge_services.change_request_create(
            project=project,
            by=self.user,
            kind=ChangeRequest.Kind.CHANGE,
            reason="多装了",
            target_quantity=Decimal("45"),
        )
        pledge_services.change_request_decide(change_request=change, by=self.user, approve=True)
        self.assertEqual(self.outcomes(), [("lighting", "盏", Decimal("45.00"), 1)])
        self.assert_right()

    def test_a_planned_finish_moved_later_ends_an_overdue(self):
        pledge_list = self.published_list()
        project = pledge_list.projects.get(number=1)
        yesterday = timezone.localdate() - datetime.timedelta(days=1)
        Project.objects.filter(pledge_list=pledge_list).exclude(pk=project.pk).update(
            planned_finish=None
        )
        project.planned_start = yesterday - datetime.timedelta(days=30)
        project.planned_finish = yesterday
        project.save()  # recounts the village's year: the update() above with it
        self.assertEqual(self.figures()["overdue_count"], 1)
        change = pledge_services.change_request_create(
            project=project,
            by=self.user,
            kind=ChangeRequest.Kind.CHANGE,
            reason="雨季",
            planned_finish=yesterday + datetime.timedelta(days=60),
        )
        pledge_services.change_request_decide(change_request=change, by=self.user, approve=True)
        self.assertEqual(self.figures()["overdue_count"], 0)
        self.assert_right()

    def test_deleting_a_project_or_the_list(self):
        pledge_list = self.published_list()
        pledge_list.projects.get(number=10).delete()  # in the admin
        self.assertEqual(self.figures()["project_count"], 9)
        self.assert_right()
        Suggestion.objects.create(village=self.village, year=YEAR, text="修路")
        pledge_list.delete()
        figures = self.figures()  # the suggestion keeps the row
        self.assertFalse(figures["is_published"])
        self.assertEqual((figures["project_count"], figures["received"]), (0, 1))
        self.assert_right()
        Suggestion.objects.get().delete()
        self.assertIsNone(self.figures())  # nothing left to count: no row
        self.assert_right()

    def test_a_progress_report_with_figures_only_recounts_nothing(self):
        pledge_list = self.published_list()
        project = pledge_list.projects.get(number=1)
        pledge_services.progress_update_create(project=project, by=self.user, percent_done=20)
        with mock.patch.object(services, "refresh") as refresh:
            pledge_services.progress_update_create(project=project, by=self.user, percent_done=40)
        refresh.assert_not_called()

    def test_a_draft_being_edited_costs_no_recount(self):
        pledge_list = full_list(village=self.village, year=YEAR)
        project = pledge_list.projects.get(number=1)
        with mock.patch.object(services, "refresh") as refresh:
            project.title = "新名称"
            project.status = Status.PLANNED
            project.save()
            pledge_list.submit(by=self.user)
        refresh.assert_not_called()


class SuggestionTests(FiguresCase):
    def test_the_replies_within_the_reply_days_are_counted_as_on_time(self):
        today = timezone.localdate()
        for waited in (0, 15, 16):
            Suggestion.objects.create(
                village=self.village,
                year=YEAR,
                text=f"等了{waited}天",
                reply="已安排",
                received=today - datetime.timedelta(days=waited),
                replied_at=timezone.now(),
            )
        Suggestion.objects.create(village=self.village, year=YEAR, text="还没答复")
        figures = self.figures()
        self.assertEqual((figures["answered"], figures["answered_on_time"]), (3, 2))
        self.assert_right()
        # counted with the setting: after a change, the check finds them and --fix recounts
        with self.settings(SUGGESTION_REPLY_DAYS=16):
            (found,) = services.differences()
            self.assertEqual((found.name, found.stored, found.counted), ("answered_on_time", 2, 3))
            services.refresh(villages=[self.village.pk])
            self.assertEqual(self.figures()["answered_on_time"], 3)

    def test_received_answered_adopted_and_the_days_to_reply(self):
        suggestion, _created = suggestion_services.suggestion_submit(
            village=self.village, client_token="a" * 36, text="村口没有路灯"
        )
        self.assertEqual(self.figures()["received"], 1)
        self.assertEqual(self.waits(), {})
        Suggestion.objects.filter(pk=suggestion.pk).update(
            received=timezone.localdate().replace(day=1)
        )
        written_in_bulk.send(sender=Suggestion, village_ids=[self.village.pk])
        suggestion.refresh_from_db()
        suggestion.answer_not_adopted(by=self.user, reply="明年安排")
        figures = self.figures()
        self.assertEqual((figures["received"], figures["answered"]), (1, 1))
        days = (timezone.localdate() - suggestion.received).days
        self.assertEqual(self.waits(), {days: 1})
        self.assert_right()

        pledge_list = self.published_list()
        other = Suggestion.objects.create(village=self.village, year=YEAR, text="修水渠")
        suggestion_services.suggestion_answer(
            suggestion=other,
            by=self.user,
            action="adopt",
            reply="纳入第1项",
            projects=[pledge_list.projects.get(number=1)],
        )
        figures = self.figures()
        self.assertEqual((figures["received"], figures["adopted"]), (2, 1))
        self.assert_right()

    def test_a_meeting_and_its_suggestions(self):
        suggestion_services.meeting_record(
            village=self.village,
            by=self.user,
            texts=["修路", "装灯"],
            date=datetime.date(YEAR, 3, 1),
        )
        figures = self.figures()
        self.assertEqual((figures["meetings"], figures["received"]), (1, 2))
        self.assert_right()

    def test_moving_a_suggestion_or_a_meeting_to_another_year_recounts_both(self):
        suggestion = Suggestion.objects.create(village=self.village, year=YEAR, text="修路")
        meeting = Meeting.objects.create(village=self.village, date=datetime.date(YEAR, 3, 1))
        suggestion.year = YEAR - 1  # in the admin: every field saved
        suggestion.save()
        meeting.date = datetime.date(YEAR - 1, 12, 30)
        meeting.save()
        self.assertIsNone(self.figures())
        figures = self.figures(year=YEAR - 1)
        self.assertEqual((figures["received"], figures["meetings"]), (1, 1))
        other = VillageFactory(township=self.village.township)
        suggestion.village = other
        suggestion.save(update_fields=["village"])
        self.assertEqual(self.figures(other, YEAR - 1)["received"], 1)
        self.assertEqual(self.figures(year=YEAR - 1)["received"], 0)
        self.assert_right()

    def test_deleting_the_village_takes_its_figures(self):
        village = VillageFactory(township=self.village.township)
        Suggestion.objects.create(village=village, year=YEAR, text="修路")
        Meeting.objects.create(village=village, date=datetime.date(YEAR, 3, 1))
        village.delete()
        self.assertFalse(VillageYear.objects.filter(village_id=village.pk).exists())
        self.assert_right()

    def test_a_rolled_back_write_leaves_no_figure(self):
        with self.assertRaises(RuntimeError), transaction.atomic():
            Suggestion.objects.create(village=self.village, year=YEAR, text="修路")
            self.assertEqual(self.figures()["received"], 1)  # in the same transaction
            raise RuntimeError
        self.assertIsNone(self.figures())


class BulkTests(FiguresCase):
    def test_a_write_that_bypasses_the_models_is_seen_once_announced(self):
        pledge_list = self.published_list()
        Project.objects.filter(pledge_list=pledge_list, number=1).update(status=Status.VERIFIED)
        # verified, no longer overdue (if its planned finish has passed), its 30 lamps counted
        self.assertLessEqual(
            {"verified_count", "outcomes"},
            {difference.name for difference in services.differences()},
        )
        written_in_bulk.send(sender=Project, village_ids=[self.village.pk])
        self.assertEqual(self.figures()["verified_count"], 1)
        self.assert_right()

    def test_an_excel_import_leaves_them_right(self):
        Suggestion.objects.create(village=self.village, year=YEAR, text="修路")
        folder = tempfile.mkdtemp()
        self.addCleanup(shutil.rmtree, folder, ignore_errors=True)
        path = Path(folder) / "清单.xlsx"
        path.write_bytes(xlsx_bytes([row(self.village.code, 1), row(self.village.code, 2)]))
        call_command("import_pledges", str(path), "--year", str(YEAR), stdout=StringIO())
        self.assertEqual(PledgeList.objects.get().projects.count(), 2)
        self.assertEqual(self.figures()["received"], 1)
        self.assert_right()

    def test_the_demo_seed_leaves_them_right(self):
        call_command("seed_demo", stdout=StringIO(), stderr=StringIO())
        self.assertTrue(VillageYear.objects.filter(is_published=True).exists())
        self.assertTrue(Outcome.objects.exists())
        self.assertTrue(ReplyWait.objects.exists())
        self.assert_right()
