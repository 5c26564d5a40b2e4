"""The 4+2 record's pages: the committee records each meeting from its list, the township
reads the record on its review page, nobody else sees it; a list whose record is incomplete
or whose vote failed is not submitted, and the message names the step. Then the decision
goes public with the list (the board, the poster) and the year-end report sets the results
against it."""

import datetime
import io
import shutil
import tempfile

from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import TestCase, override_settings
from django.urls import reverse
from PIL import Image

from pledges.models import DecisionMeeting, PledgeList
from pledges.work import village_work
from tests.factories import decided, full_list
from tests.personas import DENIED, LOGIN, OK, WITH_A_ROLE, Personas, assert_matrix
from tests.pledges.test_views import VillageWithPersonas

Status, Step, Kind = PledgeList.Status, DecisionMeeting.Step, DecisionMeeting.Kind
MEDIA = tempfile.mkdtemp(prefix="decision-test-media-")
ORDER = (*WITH_A_ROLE, "nobody", "anonymous")


def minutes_upload(name="会议记录.jpg", kind="JPEG") -> SimpleUploadedFile:
    buffer = io.BytesIO()
    Image.new("RGB", (1200, 1600), (250, 250, 245)).save(buffer, kind)
    return SimpleUploadedFile(name, buffer.getvalue(), content_type=f"image/{kind.lower()}")


def meeting_data(**overrides) -> dict:
    data = {
        "date": "2026-01-05",
        "place": "村委会会议室",
        "chaired_by": "杨健",
        "entitled": "7",
        "present": "7",
        "outcome": "同意将十件民生实事提交商议",
    }
    return {**data, **overrides}


def deciding_data(**overrides) -> dict:
    data = meeting_data(
        date="2026-01-26",
        kind=Kind.REPRESENTATIVES,
        entitled="45",
        present="40",
        votes_for="38",
        votes_against="1",
        votes_abstain="1",
        outcome="表决通过",
    )
    return {**data, **overrides}


def record_url(pledge_list) -> str:
    return reverse("pledges:decision_record", args=[pledge_list.pk])


def meeting_url(pledge_list, step) -> str:
    return reverse("pledges:decision_meeting", args=[pledge_list.pk, step])


@override_settings(MEDIA_ROOT=MEDIA)
class DecisionPagesTests(VillageWithPersonas):
    @classmethod
    def tearDownClass(cls):
        super().tearDownClass()
        shutil.rmtree(MEDIA, ignore_errors=True)

    def setUp(self):
        self.draft = full_list(village=self.village, decision=False)

    def test_who_may_read_and_who_may_record(self):
        urls = {"record": record_url(self.draft), "meeting": meeting_url(self.draft, "decide")}
        # committee, reviewer, cadre, district admin, other committee, other cadre, nobody,
        # anonymous: the village's people and those above read it, only its committee writes.
        matrix = {
            "record": [OK, OK, OK, OK, DENIED, DENIED, DENIED, LOGIN],
            "meeting": [OK, DENIED, DENIED, DENIED, DENIED, DENIED, DENIED, LOGIN],
        }
        assert_matrix(self, self.personas, urls, matrix, ORDER)

    def test_nobody_records_a_meeting_once_the_list_is_submitted(self):
        decided(self.draft)
        self.draft.submit(by=self.personas.committee)
        self.client.force_login(self.personas.committee)
        self.assertEqual(self.client.get(meeting_url(self.draft, "propose")).status_code, 403)
        response = self.client.post(meeting_url(self.draft, "propose"), meeting_data())
        self.assertEqual(response.status_code, 403)
        self.assertNotContains(self.client.get(record_url(self.draft)), "记录提议会议")

    def test_wrong_methods_and_steps(self):
        self.client.force_login(self.personas.committee)
        self.assertEqual(self.client.post(record_url(self.draft)).status_code, 405)
        self.assertEqual(self.client.put(meeting_url(self.draft, "propose")).status_code, 405)
        self.assertEqual(self.client.get(meeting_url(self.draft, "vote")).status_code, 404)

    def test_the_committee_records_the_four_meetings_and_submits(self):
        self.client.force_login(self.personas.committee)
        for day, step in ((5, "propose"), (12, "discuss"), (19, "review")):
            response = self.client.post(
                meeting_url(self.draft, step), meeting_data(date=f"2026-01-{day}")
            )
            self.assertRedirects(response, record_url(self.draft))
        response = self.client.post(
            meeting_url(self.draft, "decide"), {**deciding_data(), "minutes": minutes_upload()}
        )
        self.assertRedirects(response, record_url(self.draft))
        decide = DecisionMeeting.objects.get(record__pledge_list=self.draft, step=Step.DECIDE)
        self.assertEqual((decide.votes_for, decide.present, decide.entitled), (38, 40, 45))
        self.assertTrue(decide.image.name.startswith("minutes/"))
        self.assertTrue(decide.thumbnail.name.endswith("-thumb.jpg"))
        self.assertEqual(decide.recorded_by, self.personas.committee)
        self.assertEqual(decide.history.get().history_user, self.personas.committee)
        page = self.client.get(record_url(self.draft))
        self.assertContains(page, "记录完整，表决通过")
        self.assertContains(page, "赞成38票，反对1票，弃权1票")

        response = self.client.post(reverse("pledges:pledge_list_submit", args=[self.draft.pk]))
        self.assertRedirects(response, self.draft.get_absolute_url())
        self.draft.refresh_from_db()
        self.assertEqual(self.draft.status, Status.SUBMITTED)

    def test_correcting_a_meeting_keeps_the_minutes_and_the_history(self):
        decided(self.draft)
        self.client.force_login(self.personas.committee)
        response = self.client.post(
            meeting_url(self.draft, "decide"), deciding_data(votes_for="37")
        )
        self.assertRedirects(response, record_url(self.draft))
        decide = self.draft.decision.meetings.get(step=Step.DECIDE)
        self.assertEqual(decide.votes_for, 37)
        self.assertEqual(decide.image.name, "minutes/signed.jpg")
        self.assertEqual([h.votes_for for h in decide.history.order_by("history_date")], [38, 37])

    def test_errors_say_what_to_fix_and_keep_the_input(self):
        self.client.force_login(self.personas.committee)
        response = self.client.post(
            meeting_url(self.draft, "decide"),
            deciding_data(present="50", votes_for="", place="村民广场"),
        )
        self.assertEqual(response.status_code, 400)
        self.assertContains(response, "实到50人，多于应到的45人。", status_code=400)
        self.assertContains(response, "签字会议记录的照片或扫描件", status_code=400)
        self.assertContains(response, 'value="村民广场"', status_code=400)
        self.assertContains(response, 'value="50"', status_code=400)
        self.assertNotContains(response, "decision_meeting_present_le_entitled", status_code=400)
        self.assertFalse(DecisionMeeting.objects.exists())

    def test_votes_beyond_those_present_are_refused(self):
        self.client.force_login(self.personas.committee)
        data = {**deciding_data(votes_for="30", votes_against="10", votes_abstain="5")}
        response = self.client.post(
            meeting_url(self.draft, "decide"), {**data, "minutes": minutes_upload()}
        )
        self.assertContains(response, "表决票合计45票，多于实到的40人。", status_code=400)
        self.assertNotContains(response, "decision_meeting_votes_le_present", status_code=400)

    def test_the_minutes_get_the_photo_checks(self):
        self.client.force_login(self.personas.committee)
        fake = SimpleUploadedFile(
            "会议记录.jpg", b"%PDF-1.4 not an image", content_type="image/jpeg"
        )
        response = self.client.post(
            meeting_url(self.draft, "decide"), {**deciding_data(), "minutes": fake}
        )
        self.assertContains(response, "会议记录.jpg", status_code=400)
        self.assertFalse(DecisionMeeting.objects.exists())

    def test_a_failed_vote_is_recorded_but_the_list_is_not_submitted(self):
        self.client.force_login(self.personas.committee)
        for step in ("propose", "discuss", "review"):
            self.client.post(meeting_url(self.draft, step), meeting_data())
        data = deciding_data(present="45", votes_for="12", votes_against="30", votes_abstain="3")
        self.client.post(meeting_url(self.draft, "decide"), {**data, "minutes": minutes_upload()})
        self.assertContains(
            self.client.get(record_url(self.draft)),
            "决议未获通过：赞成12票，未超过到会45人的半数。",
        )
        response = self.client.post(
            reverse("pledges:pledge_list_submit", args=[self.draft.pk]), follow=True
        )
        self.assertContains(response, "决议未获通过：赞成12票，未超过到会45人的半数。")
        self.draft.refresh_from_db()
        self.assertEqual(self.draft.status, Status.DRAFT)

    def test_submitting_without_the_discussion_names_it(self):
        decided(self.draft)
        self.draft.decision.meetings.filter(step=Step.DISCUSS).delete()
        self.client.force_login(self.personas.committee)
        response = self.client.post(
            reverse("pledges:pledge_list_submit", args=[self.draft.pk]), follow=True
        )
        self.assertContains(response, "缺少商议会议的记录。")
        self.draft.refresh_from_db()
        self.assertEqual(self.draft.status, Status.DRAFT)

    def test_the_township_reads_the_record_on_its_review_page(self):
        decided(self.draft)
        self.draft.submit(by=self.personas.committee)
        self.client.force_login(self.personas.cadre)
        page = self.client.get(reverse("pledges:pledge_list_review", args=[self.draft.pk]))
        self.assertContains(page, "四议两公开")
        self.assertContains(page, "村民代表会议")
        self.assertContains(page, "应到45人，实到40人")
        self.assertContains(page, "赞成38票，反对1票，弃权1票")
        self.assertContains(page, record_url(self.draft))

    def test_the_signed_minutes_are_shown_to_the_list_s_readers_only(self):
        self.client.force_login(self.personas.committee)
        for step in ("propose", "discuss", "review"):
            self.client.post(meeting_url(self.draft, step), meeting_data())
        self.client.post(
            meeting_url(self.draft, "decide"), {**deciding_data(), "minutes": minutes_upload()}
        )
        decide = DecisionMeeting.objects.get(step=Step.DECIDE)
        url = "/media/" + decide.thumbnail.name
        matrix = [OK, OK, OK, OK, DENIED, DENIED, DENIED, DENIED]
        assert_matrix(self, self.personas, {"minutes": url}, {"minutes": matrix}, ORDER)
        self.client.force_login(self.personas.committee)
        self.assertEqual(self.client.get("/media/minutes/2026/01/none.jpg").status_code, 404)


class DecisionWorkTests(TestCase):
    def test_a_draft_with_projects_waits_for_its_meetings(self):
        pledge_list = full_list(decision=False, year=2027)
        village = pledge_list.village
        lines = {line.kind: line for line in village_work(village, datetime.date(2026, 12, 1))}
        self.assertEqual(lines["decision"].url, record_url(pledge_list))
        self.assertIn("2027", lines["decision"].title)
        self.assertIn("0", lines["decision"].detail)
        decided(pledge_list)
        kinds = [line.kind for line in village_work(village, datetime.date(2026, 12, 1))]
        self.assertEqual(kinds, ["draft"])

    def test_an_empty_draft_asks_for_its_projects_first(self):
        pledge_list = full_list(decision=False, year=2027)
        pledge_list.projects.all().delete()
        kinds = [
            line.kind for line in village_work(pledge_list.village, datetime.date(2026, 12, 1))
        ]
        self.assertEqual(kinds, ["draft"])


class PublicDecisionTests(TestCase):
    """决议公开 on the board and the poster; 实施结果公开 on the year-end report."""

    def setUp(self):
        cache.clear()
        self.pledge_list = full_list(status=Status.PUBLISHED, year=2026)
        self.village = self.pledge_list.village

    def test_the_board_shows_the_decision_with_the_list(self):
        page = self.client.get(reverse("board:board_village", args=[self.village.code, 2026]))
        self.assertContains(page, "四议两公开")
        for date in ("2026-01-05", "2026-01-12", "2026-01-19", "2026-01-26"):
            self.assertContains(page, date)
        self.assertContains(page, "赞成38票，反对1票，弃权1票")
        self.assertNotContains(page, "同意清单")  # the outcomes stay on the working pages

    def test_a_changed_vote_shows_on_the_board_at_once(self):
        url = reverse("board:board_village", args=[self.village.code, 2026])
        self.assertContains(self.client.get(url), "赞成38票")
        meeting = self.pledge_list.decision.meetings.get(step=Step.DECIDE)
        meeting.votes_for, meeting.votes_against = 37, 2
        meeting.save()
        self.assertContains(self.client.get(url), "赞成37票，反对2票")

    def test_the_poster_shows_the_decision(self):
        page = self.client.get(reverse("board:board_poster", args=[self.village.code, 2026]))
        self.assertContains(page, "经“四议两公开”程序决定")
        self.assertContains(page, "决议 2026-01-26")
        self.assertContains(page, "赞成38票")

    def test_a_list_imported_without_a_record_says_so(self):
        self.pledge_list.decision.meetings.all().delete()
        self.pledge_list.decision.imported_without_record = True
        self.pledge_list.decision.save()
        page = self.client.get(reverse("board:board_village", args=[self.village.code, 2026]))
        self.assertContains(page, "无四议两公开记录（导入）")


class DecisionBudgetTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.village = full_list(decision=False, year=2020).village
        cls.personas = Personas.around(cls.village)

    def lists(self):
        """A draft with one meeting recorded, and one with all four."""
        for year, steps in ((2026, 1), (2027, 4)):
            pledge_list = full_list(village=self.village, year=year)
            pledge_list.decision.meetings.exclude(step__in=list(Step)[:steps]).delete()
            yield steps, pledge_list

    def test_the_record_page(self):
        self.client.force_login(self.personas.committee)
        for steps, pledge_list in self.lists():
            # session, user, list with its tree, memberships (scope), the record, its
            # meetings
            with self.subTest(steps=steps), self.assertNumQueries(6):
                self.client.get(record_url(pledge_list))

    def test_the_meeting_form(self):
        self.client.force_login(self.personas.committee)
        for steps, pledge_list in self.lists():
            # session, user, list with its tree, memberships (scope), the meeting
            with self.subTest(steps=steps), self.assertNumQueries(5):
                self.client.get(meeting_url(pledge_list, "propose"))


class YearEndReportTests(TestCase):
    def test_the_report_sets_the_results_against_the_decision(self):
        from reviews.models import AnnualReview
        from tests.reviews.factories import make_review

        review = make_review(
            status=AnnualReview.Status.PUBLISHED, project_count=10, verified_count=7
        )
        village = review.pledge_list.village
        page = self.client.get(reverse("reviews:report", args=[village.code, 2025]))
        self.assertContains(page, "实施结果公开")
        self.assertContains(page, "2025-01-26决议通过民生实事10件；年末已核实销号7件。")
        self.assertContains(page, "赞成38票")
