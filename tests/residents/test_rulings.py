"""One ruling per project (issue 15, item 6): challenges to the same project are decided
together, an upheld one closes the others with it, the board shows one ruling per project
with its history, and the monthly notice names the project once. Every decision goes through
a page that says what will happen before anything does (item 5)."""

from django.core.cache import cache
from django.test import TestCase
from django.urls import reverse

from notices.content import drafts_for_township
from notices.models import period_of
from pledges.models import Project
from residents import services, sms
from residents.models import Challenge, Follow, ViolationReport
from tests.residents.world import build

CONFIRMED = {"confirmed": "1", "seen": "2"}
UPHOLD = {"decision": "uphold", "answer": "现场核查：还有15盏没装"}
DISMISS = {"decision": "dismiss", "answer": "确已完成，见验收照片"}


class Challenged(TestCase):
    """龙江村's verified project 1 challenged by two residents; three people follow the
    village."""

    def setUp(self):
        build(self)
        cache.clear()
        sms.outbox.clear()
        self.first = Challenge.objects.create(project=self.project, text="路灯只装了一半")
        self.second = Challenge.objects.create(
            project=self.project, text="村东头还是黑的", contact="13700001111"
        )
        for n in range(3):
            Follow.objects.create(village=self.village, channel="sms", address=f"1370000222{n}")
        self.client.force_login(self.personas.cadre)

    def refresh(self):
        for row in (self.first, self.second, self.project):
            row.refresh_from_db()


class RulingTogetherTests(Challenged):
    def test_the_ruling_page_shows_every_open_challenge_to_the_project(self):
        page = self.client.get(self.first.get_absolute_url())
        self.assertContains(page, "路灯只装了一半")
        self.assertContains(page, "村东头还是黑的")
        self.assertContains(page, "13700001111")  # the township sees each contact
        self.assertContains(page, "2 位群众质疑此项目，一次裁定全部处理")

    def test_once_one_is_upheld_the_others_are_closed_with_it(self):
        with self.captureOnCommitCallbacks(execute=True):  # the texts go after the commit
            self.client.post(self.first.get_absolute_url(), {**UPHOLD, **CONFIRMED})
        self.refresh()
        self.assertEqual(self.project.status, Project.Status.IN_PROGRESS)
        self.assertEqual([self.first.status, self.second.status], [Challenge.Status.UPHELD] * 2)
        self.assertEqual(self.second.decided_with, self.first)
        self.assertEqual(self.second.answer, self.first.answer)
        self.assertEqual(self.second.decided_by, self.personas.cadre)
        self.assertEqual(len(sms.outbox), 3)  # one text per follower, not one per challenge

    def test_the_other_can_no_longer_be_dismissed_as_done(self):
        self.client.post(self.first.get_absolute_url(), {**UPHOLD, **CONFIRMED})
        response = self.client.post(
            self.second.get_absolute_url(), {**DISMISS, "confirmed": "1", "seen": "1"}
        )
        self.assertEqual(response.status_code, 400)
        self.refresh()
        self.assertEqual(self.second.status, Challenge.Status.UPHELD)
        self.assertEqual(self.project.status, Project.Status.IN_PROGRESS)

    def test_a_dismissal_decides_them_all_too(self):
        with self.captureOnCommitCallbacks(execute=True):
            self.client.post(self.second.get_absolute_url(), {**DISMISS, **CONFIRMED})
        self.refresh()
        self.assertEqual([self.first.status, self.second.status], [Challenge.Status.DISMISSED] * 2)
        self.assertEqual(self.first.decided_with, self.second)
        self.assertEqual(self.project.status, Project.Status.VERIFIED)
        self.assertEqual(sms.outbox, [])

    def test_a_second_ruling_at_the_same_time_loses(self):
        self.assertEqual(
            services.challenge_rule(
                challenge=self.first, uphold=True, by=self.personas.cadre, answer="属实"
            ),
            2,
        )
        self.assertEqual(
            services.challenge_rule(
                challenge=self.second, uphold=False, by=self.personas.cadre, answer="已完成"
            ),
            0,
        )
        self.refresh()
        self.assertEqual(self.second.status, Challenge.Status.UPHELD)

    def test_the_decided_page_links_to_the_ruling_it_was_decided_with(self):
        self.client.post(self.first.get_absolute_url(), {**UPHOLD, **CONFIRMED})
        page = self.client.get(self.second.get_absolute_url())
        self.assertContains(page, self.first.get_absolute_url())
        self.assertContains(page, "一并裁定")

    def test_the_township_inbox_has_one_line_per_project(self):
        page = self.client.get(reverse("residents:township_inbox", args=[self.township.code]))
        self.assertEqual(len(page.context["open_challenges"]), 1)
        self.assertContains(page, "2 条质疑，一并裁定")


class BoardTests(Challenged):
    def board(self):
        return self.client.get(
            reverse("board:board_village", args=[self.village.code, self.pledge_list.year])
        )

    def test_the_board_shows_one_ruling_per_project(self):
        self.client.post(self.first.get_absolute_url(), {**UPHOLD, **CONFIRMED})
        self.client.logout()
        page = self.board()
        self.assertEqual(len(page.context["challenges"]), 1)
        self.assertContains(page, "现场核查：还有15盏没装", count=1)

    def test_an_earlier_ruling_is_the_history_of_the_latest(self):
        self.client.post(self.first.get_absolute_url(), {**DISMISS, **CONFIRMED})
        later = Challenge.objects.create(project=self.project, text="下雨后又坏了")
        self.client.post(later.get_absolute_url(), {**UPHOLD, "confirmed": "1", "seen": "1"})
        with self.assertNumQueries(1):
            (ruling,) = Challenge.objects.on_board(self.pledge_list)
        self.assertEqual(ruling, later)
        self.assertEqual(ruling.challenge_count, 1)
        self.assertEqual(ruling.earlier, [self.first])
        self.assertEqual(ruling.earlier[0].challenge_count, 2)
        with self.assertNumQueries(1):
            rulings = Challenge.objects.rulings_for(self.project)
        self.assertEqual(rulings, [later, self.first])

    def test_rulings_made_one_by_one_before_show_as_one_with_history(self):
        # What the old code left behind: upheld, then the other dismissed on its own.
        self.first.rule(uphold=True, by=self.personas.cadre, answer="属实")
        self.second.rule(uphold=False, by=self.personas.cadre, answer="确已完成")
        (ruling,) = Challenge.objects.on_board(self.pledge_list)
        self.assertEqual(ruling, self.second)
        self.assertEqual(ruling.earlier, [self.first])


class MonthlyNoticeTests(Challenged):
    def test_the_notice_names_a_challenged_project_once(self):
        period = period_of(self.pledge_list.published_at or self.project.created)
        (draft,) = drafts_for_township(self.township, period, village_ids=[self.village.pk])
        section = draft.body.split("【群众质疑待答复】")[1]
        self.assertEqual(section.count(self.project.title), 1)
        self.assertIn("（2 条质疑）", section)
        self.assertEqual(draft.figures["challenges"], 1)


class ConfirmationTests(Challenged):
    def test_a_decision_without_confirmation_changes_nothing_and_says_what_would_happen(self):
        with self.captureOnCommitCallbacks(execute=True):
            page = self.client.post(self.first.get_absolute_url(), UPHOLD)
        self.assertEqual(page.status_code, 200)
        self.assertTemplateUsed(page, "residents/decision_confirm.html")
        self.assertContains(page, f"关于“{self.project.title}”的 2 条质疑将认定成立")
        self.assertContains(page, "项目退回“推进中”（目前为“已核实销号”）")
        self.assertContains(page, "关注龙江村的 3 位群众将收到短信")
        self.assertContains(page, 'name="confirmed" value="1"')
        self.refresh()
        self.assertTrue(self.first.is_open and self.second.is_open)
        self.assertEqual(self.project.status, Project.Status.VERIFIED)
        self.assertEqual(sms.outbox, [])

    def test_the_dismissal_says_the_project_stays_done(self):
        page = self.client.post(self.first.get_absolute_url(), DISMISS)
        self.assertContains(page, "2 条质疑将认定不成立")
        self.assertContains(page, "项目仍为“已核实销号”")
        self.assertNotContains(page, "短信")

    def test_a_challenge_that_arrived_meanwhile_asks_again(self):
        Challenge.objects.create(project=self.project, text="第三个人也说没完成")
        page = self.client.post(self.first.get_absolute_url(), {**UPHOLD, **CONFIRMED})
        self.assertTemplateUsed(page, "residents/decision_confirm.html")
        self.assertContains(page, "3 条质疑将认定成立")
        self.assertContains(page, "情况有变")
        self.refresh()
        self.assertTrue(self.first.is_open)

    def test_change_goes_back_to_the_form_with_the_answer_kept(self):
        page = self.client.post(
            self.first.get_absolute_url(), {**UPHOLD, **CONFIRMED, "change": "1"}
        )
        self.assertTemplateUsed(page, "residents/challenge_detail.html")
        self.assertContains(page, "现场核查：还有15盏没装")
        self.refresh()
        self.assertTrue(self.first.is_open)

    def test_a_report_is_decided_only_after_confirmation(self):
        report = ViolationReport.objects.create(prohibition=self.prohibition, text="吃喝报销")
        decision = {"decision": "confirm", "answer": "经查属实"}
        page = self.client.post(report.get_absolute_url(), decision)
        self.assertContains(page, f"关于不准事项 1“{self.prohibition.text}”的举报将认定属实")
        report.refresh_from_db()
        self.assertTrue(report.is_open)
        self.client.post(report.get_absolute_url(), {**decision, "confirmed": "1", "seen": "1"})
        report.refresh_from_db()
        self.assertEqual(report.status, ViolationReport.Status.CONFIRMED)
