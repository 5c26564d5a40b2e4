"""The history the committee and the township see: every note and reason, no stray entries
(issue 15, item 7)."""

import datetime

from django.test import TestCase

from pledges import services
from pledges.models import ChangeRequest, PledgeList, Project
from pledges.timeline import pledge_list_timeline, project_timeline
from tests.factories import VillageFactory, full_list
from tests.personas import Personas

Status = Project.Status


def statuses(timeline) -> list[tuple[str, str]]:
    """(status, note) of the status events, oldest first."""
    return [(e["status"], e["note"]) for e in reversed(timeline) if e["kind"] == "status"]


class ProjectTimelineTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.village = VillageFactory()
        cls.people = Personas.around(cls.village)
        cls.pledge_list = full_list(status=PledgeList.Status.PUBLISHED, village=cls.village)

    def setUp(self):
        self.project = self.pledge_list.projects.get(number=1)

    def report(self, percent, note="施工中"):
        services.progress_update_create(
            project=self.project, by=self.people.committee, percent_done=percent, note=note
        )

    def complete(self, note="全部完成"):
        services.project_complete(project=self.project, by=self.people.committee, note=note)
        self.project.refresh_from_db()

    def decide(self, verify, note):
        services.project_verify(
            project=self.project, by=self.people.cadre, verify=verify, note=note
        )
        self.project.refresh_from_db()

    def page(self, user):
        self.client.force_login(user)
        return self.client.get(self.project.get_absolute_url())

    def test_the_townships_verification_note_is_on_the_history(self):
        self.report(50)
        self.complete()
        self.decide(True, "现场核实30盏路灯全部亮灯")
        self.assertEqual(
            statuses(project_timeline(self.project))[-1],
            (Status.VERIFIED.label, "现场核实30盏路灯全部亮灯"),
        )
        for user in (self.people.committee, self.people.cadre):
            with self.subTest(user=user):
                self.assertContains(self.page(user), "现场核实30盏路灯全部亮灯")

    def test_a_send_back_reason_shows_as_soon_as_it_is_given(self):
        self.complete()
        self.decide(False, "还有5盏未亮")
        self.assertEqual(
            statuses(project_timeline(self.project))[-1], (Status.IN_PROGRESS.label, "还有5盏未亮")
        )
        self.assertContains(self.page(self.people.committee), "还有5盏未亮")

    def test_each_status_shows_once_when_it_changed_with_its_own_note(self):
        self.report(20)
        self.report(50)
        self.report(80)
        self.complete("全部完成")
        self.decide(False, "还有5盏未亮")
        self.report(90, note="补装")
        self.complete("补好了")
        self.decide(True, "复核通过")
        self.assertEqual(
            statuses(project_timeline(self.project)),
            [
                (Status.IN_PROGRESS.label, ""),
                (Status.COMPLETED.label, "全部完成"),
                (Status.IN_PROGRESS.label, "还有5盏未亮"),
                (Status.COMPLETED.label, "补好了"),
                (Status.VERIFIED.label, "复核通过"),
            ],
        )

    def test_in_progress_is_dated_at_the_first_report_not_at_completion(self):
        first_report = self.project.history.count()
        self.report(20)
        started = self.project.history.order_by("history_date", "history_id")[first_report]
        self.report(60)
        self.complete()
        events = [e for e in project_timeline(self.project) if e["kind"] == "status"]
        in_progress = [e for e in events if e["status"] == Status.IN_PROGRESS.label]
        self.assertEqual(len(in_progress), 1)
        self.assertEqual(in_progress[0]["record"].pk, started.pk)

    def test_saves_that_change_nothing_people_track_give_no_entry(self):
        self.report(20)
        before = len(project_timeline(self.project))
        self.report(40)  # a new percentage on the project row: the report shows, nothing more
        self.report(60)
        after = project_timeline(self.project)
        self.assertEqual(len(after), before + 2)
        self.assertEqual({e["kind"] for e in after[:2]}, {"update"})

    def test_the_creation_is_not_shown_as_a_status_change(self):
        timeline = project_timeline(self.project)
        self.assertEqual([e["kind"] for e in timeline], ["created"])

    def test_an_approved_change_shows_what_changed_why_and_who_approved_it(self):
        change = services.change_request_create(
            project=self.project,
            by=self.people.committee,
            kind=ChangeRequest.Kind.CHANGE,
            reason="材料涨价，工期顺延",
            planned_finish=datetime.date(2026, 12, 31),
        )
        services.change_request_decide(
            change_request=change, by=self.people.cadre, approve=True, note="同意"
        )
        self.project.refresh_from_db()
        edit = next(e for e in project_timeline(self.project) if e["kind"] == "edit")
        self.assertEqual(edit["who"], self.people.cadre)
        self.assertEqual(edit["note"], "材料涨价，工期顺延")
        self.assertEqual(
            [(c["old"], c["new"]) for c in edit["changes"]], [("2026-10-31", "2026-12-31")]
        )
        self.assertContains(self.page(self.people.committee), "2026-10-31 → 2026-12-31")

    def test_the_townships_feasibility_comment_shows_its_text(self):
        submitted = full_list(status=PledgeList.Status.SUBMITTED, village=VillageFactory())
        self.project = submitted.projects.get(number=1)
        services.pledge_list_approve(
            pledge_list=submitted,
            by=self.people.cadre,
            item_comments={self.project.pk: "路灯选址需避开农田"},
        )
        edit = next(e for e in project_timeline(self.project) if e["kind"] == "edit")
        self.assertEqual(edit["changes"][0]["new"], "路灯选址需避开农田")


class PledgeListTimelineTests(TestCase):
    def test_a_return_comment_stays_in_the_history_after_approval(self):
        village = VillageFactory()
        people = Personas.around(village)
        pledge_list = full_list(village=village)
        pledge_list.submit(by=people.committee)
        services.pledge_list_return(
            pledge_list=pledge_list, by=people.cadre, comment="第3项投资过大，请调整"
        )
        pledge_list.submit(by=people.committee)
        services.pledge_list_approve(pledge_list=pledge_list, by=people.cadre, publish=True)
        pledge_list.refresh_from_db()
        self.assertEqual(pledge_list.review_comment, "")  # replaced on the list itself
        history = [(e["status"], e["note"]) for e in reversed(pledge_list_timeline(pledge_list))]
        List = PledgeList.Status
        self.assertEqual(
            history,
            [
                (List.DRAFT.label, ""),
                (List.SUBMITTED.label, ""),
                (List.RETURNED.label, "第3项投资过大，请调整"),
                (List.SUBMITTED.label, ""),
                (List.APPROVED.label, ""),
                (List.PUBLISHED.label, ""),
            ],
        )

    def test_the_list_page_shows_the_return_comment_after_approval(self):
        # Needs pledges/views.py pledge_list_detail to pass "history": pledge_list_timeline(...)
        village = VillageFactory()
        people = Personas.around(village)
        pledge_list = full_list(status=PledgeList.Status.SUBMITTED, village=village)
        services.pledge_list_return(pledge_list=pledge_list, by=people.cadre, comment="请补充预算")
        pledge_list.submit(by=people.committee)
        services.pledge_list_approve(pledge_list=pledge_list, by=people.cadre, publish=True)
        for user in (people.committee, people.cadre):
            with self.subTest(user=user):
                self.client.force_login(user)
                page = self.client.get(pledge_list.get_absolute_url())
                self.assertContains(page, "请补充预算")
