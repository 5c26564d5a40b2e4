"""What a notice says, the sandboxed template, and the fixed query budget of a batch."""

from django.core import mail
from django.template import TemplateSyntaxError
from django.test import TestCase

from notices import services
from notices.content import check_template, default_template, drafts_for_township
from notices.models import Delivery, Notice, NoticeRun, TownshipNoticeSettings, previous_period
from pledges.models import PledgeList, Project
from residents.models import Challenge
from tests.factories import PledgeListFactory, TownshipFactory, VillageFactory

from .helpers import PERIOD, TODAY, village_with_work


class NoticeTextTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.township = TownshipFactory(name="海龙镇")
        cls.village = village_with_work(cls.township, name="龙江村")

    def draft(self, **kwargs):
        (draft,) = drafts_for_township(self.township, PERIOD, village_ids=[self.village.pk])
        return draft

    def test_it_reports_what_the_month_needs(self):
        body = self.draft().body
        self.assertIn("【海龙镇】龙江村", body)
        self.assertIn("民生实事 4 件，逾期 1 件，待验收 1 件，待答复群众意见建议 1 条", body)
        self.assertIn("1. 修建灌溉水渠：推进中，完成 40%", body)
        # Progress since the last notice (none yet: since the start of last month).
        self.assertIn("- 修建灌溉水渠：40%，汇报 1 次：已挖渠800米", body)
        self.assertIn("【逾期项目】", body)
        self.assertIn("【已完成待验收】镇（街道）将逐项验收销号：\n- 开办老年食堂", body)
        self.assertIn("【本月到期】\n- 安装太阳能路灯", body)
        self.assertIn("已等 20 天（已超期）：村口到小学的路没有路灯", body)
        self.assertNotIn("建设垃圾收集点：", body.split("【上次通报")[1])  # verified: no news

    def test_its_figures_match_the_text(self):
        self.assertEqual(
            self.draft().figures,
            {
                "projects": 4,
                "overdue": 1,
                "awaiting": 1,
                "deadlines": 1,
                "suggestions": 1,
                "overdue_suggestions": 1,
                "challenges": 0,
                "has_list": True,
            },
        )

    def test_it_lists_residents_open_challenges(self):
        project = Project.objects.filter(pledge_list__village=self.village).first()
        Challenge.objects.create(project=project, text="没有真正完成")
        Challenge.objects.create(project=project, text="已处理", status="dismissed")
        draft = self.draft()
        self.assertEqual(draft.figures["challenges"], 1)
        self.assertIn("【群众质疑待答复】", draft.body)
        self.assertIn(f"- {project.number}. {project.title}，已等 0 天", draft.body)

    def test_progress_counts_from_the_last_notice(self):
        Notice.objects.create(
            township=self.township, village=self.village, period=previous_period(PERIOD), body="x"
        )
        self.assertIn("- 未汇报进展", self.draft().body)

    def test_it_says_when_the_list_is_not_published(self):
        village = VillageFactory(township=self.township)
        PledgeListFactory(village=village, year=TODAY.year, status=PledgeList.Status.SUBMITTED)
        (draft,) = drafts_for_township(self.township, PERIOD, village_ids=[village.pk])
        self.assertIn(f"{TODAY.year}年承诺清单尚未公开（已提交待审核）", draft.body)
        self.assertFalse(draft.figures["has_list"])

    def test_the_township_message_and_its_own_template(self):
        TownshipNoticeSettings.objects.create(
            township=self.township,
            message="月底前请上传项目照片。",
            template="{{ village }}：逾期{{ overdue|length }}项。{{ message }}"
            "{% for p in overdue %} {{ p.title }}{% endfor %}",
        )
        self.assertEqual(
            self.draft().body, "龙江村：逾期1项。月底前请上传项目照片。 修建灌溉水渠\n"
        )

    def test_a_template_reaches_nothing_but_its_context(self):
        for text in [
            "{% load static %}",
            '{% include "base.html" %}',
            '{% extends "base.html" %}',
            "{% debug %}",
            "{% url 'home' %}",
            "{% if %}",  # a syntax error
        ]:
            with self.subTest(text=text), self.assertRaises(TemplateSyntaxError):
                check_template(text)
        # The context holds plain values: a model method cannot be reached, let alone called.
        check_template("{{ village.delete }}{{ projects.0.title.upper }}")
        TownshipNoticeSettings.objects.create(
            township=self.township, template="{{ village.delete }}!"
        )
        self.assertEqual(self.draft().body, "!\n")
        self.assertTrue(type(self.village).objects.filter(pk=self.village.pk).exists())

    def test_the_standard_template_passes_its_own_check(self):
        check_template(default_template("zh-hans"))
        check_template(default_template("en"))


class BatchQueryBudgetTests(TestCase):
    """A township's batch reads and writes in a fixed number of queries: checked at two
    sizes. Each village has the inbox and e-mail (locmem backend)."""

    def build(self, villages: int):
        township = TownshipFactory()
        for _ in range(villages):
            village_with_work(township, by_email=True, emails="cun@example.org")
        return township

    def test_the_drafts_of_a_township(self):
        for villages in (2, 6):
            township = self.build(villages)
            # township settings, villages with theirs, the year's lists, their projects,
            # the previous notices, progress since then, unanswered suggestions, residents'
            # open challenges
            with self.subTest(villages=villages), self.assertNumQueries(8):
                drafts = drafts_for_township(township, PERIOD)
            self.assertEqual(len(drafts), villages)

    def test_writing_and_delivering_a_township_batch(self):
        for villages in (2, 6):
            township = self.build(villages)
            run = NoticeRun.objects.create(period=PERIOD, township=township)
            mail.outbox = []
            # wanted villages, notices already there, 8 for the drafts (see above),
            # savepoint, insert notices, read their ids, insert deliveries, touch the run,
            # release savepoint; inbox: its villages, one UPDATE; e-mail: claim UPDATE, read
            # the claimed with their notices; robots pending. Then one UPDATE per e-mail
            # sent (so a worker killed mid-batch re-sends only the message in flight).
            with self.subTest(villages=villages), self.assertNumQueries(21 + villages):
                counts = services.notices_generate_and_deliver(run=run, township=township)
            self.assertEqual(
                counts, {"inbox": villages, "email": villages, "failed": 0, "robots": 0}
            )
            self.assertEqual(len(mail.outbox), villages)
            self.assertFalse(
                Delivery.objects.filter(notice__township=township)
                .exclude(status=Delivery.Status.SENT)
                .exists()
            )

    def test_a_second_run_of_the_batch_writes_and_sends_nothing(self):
        township = self.build(3)
        run = NoticeRun.objects.create(period=PERIOD, township=township)
        services.notices_generate_and_deliver(run=run, township=township)
        mail.outbox = []
        # wanted villages, notices already there: nothing missing
        with self.assertNumQueries(2):
            services.notices_generate_and_deliver(run=run, township=township)
        self.assertEqual(Notice.objects.filter(township=township).count(), 3)
        self.assertEqual(mail.outbox, [])
