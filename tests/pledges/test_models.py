import datetime

from django.core.exceptions import ValidationError
from django.test import TestCase, override_settings
from django.utils import timezone

from pledges import services
from pledges.models import ChangeRequest, PledgeList, Project
from tests.factories import (
    PledgeListFactory,
    ProhibitionFactory,
    ProjectFactory,
    UserFactory,
    VillageFactory,
    decided,
    full_list,
)

Status = PledgeList.Status


class PledgeListStatusTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.user = UserFactory()

    def test_a_draft_may_be_incomplete_but_cannot_be_submitted(self):
        pledge_list = PledgeListFactory()
        ProjectFactory.create_batch(3, pledge_list=pledge_list)
        with self.assertRaises(ValidationError) as caught:
            pledge_list.submit(by=self.user)
        self.assertIn("10", " ".join(caught.exception.messages))
        pledge_list.refresh_from_db()
        self.assertEqual(pledge_list.status, Status.DRAFT)

    @override_settings(PLEDGE_PROJECT_COUNT=2, PLEDGE_PROHIBITION_COUNT=1)
    def test_the_counts_come_from_settings(self):
        pledge_list = PledgeListFactory()
        ProjectFactory(pledge_list=pledge_list, number=1)
        ProjectFactory(pledge_list=pledge_list, number=2)
        ProhibitionFactory(pledge_list=pledge_list, number=1)
        decided(pledge_list)
        self.assertTrue(pledge_list.submit(by=self.user))

    def test_the_full_review_cycle_records_who_and_when(self):
        pledge_list = full_list()
        self.assertTrue(pledge_list.submit(by=self.user))
        self.assertTrue(pledge_list.return_for_revision(by=self.user, comment="第3项不可行"))
        self.assertEqual(pledge_list.status, Status.RETURNED)
        self.assertTrue(pledge_list.is_editable)
        self.assertTrue(pledge_list.submit(by=self.user))
        self.assertTrue(pledge_list.approve(by=self.user))
        self.assertTrue(pledge_list.publish(by=self.user))
        pledge_list.refresh_from_db()
        self.assertEqual(pledge_list.status, Status.PUBLISHED)
        self.assertEqual(pledge_list.published_by, self.user)
        self.assertIsNotNone(pledge_list.published_at)
        steps = [h.status for h in pledge_list.history.order_by("history_date", "history_id")]
        self.assertEqual(
            steps, ["draft", "submitted", "returned", "submitted", "approved", "published"]
        )
        self.assertEqual(pledge_list.history.first().history_user, self.user)

    def test_a_step_from_the_wrong_state_does_nothing(self):
        pledge_list = full_list()
        self.assertFalse(pledge_list.approve(by=self.user))
        self.assertFalse(pledge_list.publish(by=self.user))
        pledge_list.refresh_from_db()
        self.assertEqual(pledge_list.status, Status.DRAFT)

    def test_two_cadres_approving_at_once_only_one_wins(self):
        pledge_list = full_list(status=Status.SUBMITTED)
        stale_copy = PledgeList.objects.get(pk=pledge_list.pk)
        self.assertTrue(pledge_list.approve(by=self.user))
        self.assertFalse(stale_copy.return_for_revision(by=self.user, comment="太迟了"))
        self.assertEqual(PledgeList.objects.get(pk=pledge_list.pk).status, Status.APPROVED)

    def test_returning_needs_a_comment(self):
        pledge_list = full_list(status=Status.SUBMITTED)
        with self.assertRaises(ValidationError):
            pledge_list.return_for_revision(by=self.user, comment="  ")

    def test_open_year_creates_one_draft_per_village_once(self):
        project = ProjectFactory()
        district = project.pledge_list.village.township.district
        VillageFactory.create_batch(2, township=project.pledge_list.village.township)
        self.assertEqual(
            services.pledge_list_open_year(district=district, year=2027, by=self.user), 3
        )
        self.assertEqual(
            services.pledge_list_open_year(district=district, year=2027, by=self.user), 0
        )
        self.assertEqual(PledgeList.objects.filter(year=2027, status=Status.DRAFT).count(), 3)
        self.assertEqual(PledgeList.history.filter(year=2027, history_user=self.user).count(), 3)


class ProjectStatusTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.user = UserFactory()

    def setUp(self):
        self.project = ProjectFactory(pledge_list=PledgeListFactory(status=Status.PUBLISHED))

    def test_progress_moves_a_planned_project_in_progress_and_keeps_the_figures(self):
        services.progress_update_create(
            project=self.project, by=self.user, percent_done=40, quantity_done=12, note="已安装12盏"
        )
        self.project.refresh_from_db()
        self.assertEqual(self.project.status, Project.Status.IN_PROGRESS)
        self.assertEqual(self.project.percent_done, 40)
        self.assertEqual(self.project.quantity_done, 12)

    def test_complete_then_verify_strikes_it_off_once(self):
        self.assertTrue(
            services.project_complete(project=self.project, by=self.user, note="30盏全部亮灯")
        )
        self.assertEqual(self.project.status, Project.Status.COMPLETED)
        self.assertEqual(self.project.updates.get().percent_done, 100)
        self.assertTrue(self.project.verify(by=self.user))
        self.assertFalse(self.project.verify(by=self.user))
        self.assertEqual(self.project.status, Project.Status.VERIFIED)

    def test_the_township_can_send_a_completed_project_back_with_a_reason(self):
        services.project_complete(project=self.project, by=self.user, note="完成")
        with self.assertRaises(ValidationError):
            self.project.send_back(by=self.user, reason="")
        self.assertTrue(self.project.send_back(by=self.user, reason="还有5盏未亮"))
        self.project.refresh_from_db()
        self.assertEqual(self.project.status, Project.Status.IN_PROGRESS)
        self.assertEqual(self.project.status_note, "还有5盏未亮")

    def test_only_an_open_project_takes_progress(self):
        services.project_complete(project=self.project, by=self.user, note="完成")
        with self.assertRaises(ValidationError):
            services.progress_update_create(project=self.project, by=self.user, note="再报")

    def test_overdue_is_derived_from_the_dates(self):
        yesterday = timezone.localdate() - datetime.timedelta(days=1)
        Project.objects.filter(pk=self.project.pk).update(
            planned_finish=yesterday, planned_start=None
        )
        self.assertIn(self.project, Project.objects.overdue())
        self.project.refresh_from_db()
        self.assertTrue(self.project.is_overdue)
        services.project_complete(project=self.project, by=self.user, note="完成")
        self.assertNotIn(self.project, Project.objects.overdue())

    def test_a_unit_is_needed_with_a_quantity_and_dates_in_order(self):
        project = ProjectFactory.build(
            pledge_list=self.project.pledge_list,
            number=2,
            unit="",
            planned_start=datetime.date(2026, 5, 1),
            planned_finish=datetime.date(2026, 4, 1),
        )
        with self.assertRaises(ValidationError) as caught:
            project.full_clean()
        self.assertTrue({"unit", "planned_finish"} & set(caught.exception.message_dict))


class ChangeRequestTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.user = UserFactory()

    def setUp(self):
        self.project = ProjectFactory(pledge_list=PledgeListFactory(status=Status.PUBLISHED))

    def test_an_approved_change_is_applied_and_kept_in_history(self):
        request = services.change_request_create(
            project=self.project,
            by=self.user,
            kind=ChangeRequest.Kind.CHANGE,
            reason="资金到位推迟",
            planned_finish=datetime.date(2026, 12, 20),
        )
        services.change_request_decide(change_request=request, by=self.user, approve=True)
        self.project.refresh_from_db()
        self.assertEqual(self.project.planned_finish, datetime.date(2026, 12, 20))
        latest = self.project.history.first()
        self.assertEqual(latest.history_change_reason, "资金到位推迟")
        self.assertEqual(latest.history_user, self.user)
        self.assertEqual(latest.prev_record.planned_finish, datetime.date(2026, 10, 31))

    def test_a_rejected_change_changes_nothing(self):
        request = services.change_request_create(
            project=self.project,
            by=self.user,
            kind=ChangeRequest.Kind.CHANGE,
            reason="想改名",
            title="新名字",
        )
        services.change_request_decide(
            change_request=request, by=self.user, approve=False, note="不符合群众意见"
        )
        self.project.refresh_from_db()
        self.assertNotEqual(self.project.title, "新名字")

    def test_cancelling_needs_an_approved_request(self):
        request = services.change_request_create(
            project=self.project,
            by=self.user,
            kind=ChangeRequest.Kind.CANCEL,
            reason="规划调整,项目并入区级工程",
        )
        self.assertEqual(self.project.status, Project.Status.PLANNED)
        services.change_request_decide(change_request=request, by=self.user, approve=True)
        self.project.refresh_from_db()
        self.assertEqual(self.project.status, Project.Status.CANCELLED)
        self.assertEqual(self.project.status_note, "规划调整,项目并入区级工程")

    def test_one_pending_request_at_a_time_and_it_must_change_something(self):
        with self.assertRaises(ValidationError):
            services.change_request_create(
                project=self.project,
                by=self.user,
                kind=ChangeRequest.Kind.CHANGE,
                reason="无",
                title=self.project.title,
            )
        services.change_request_create(
            project=self.project, by=self.user, kind=ChangeRequest.Kind.CANCEL, reason="取消"
        )
        with self.assertRaises(ValidationError):
            services.change_request_create(
                project=self.project, by=self.user, kind=ChangeRequest.Kind.CANCEL, reason="再取消"
            )
