"""A notice is plain text (issue 15, item 9): a township message with ' or < reaches the
preview, the inbox and every channel as typed, escaped once by the page and never twice."""

import importlib

from django.apps import apps as django_apps
from django.test import TestCase
from django.urls import reverse

from notices import services
from notices.content import drafts_for_township
from notices.models import Notice, NoticeRun, TownshipNoticeSettings
from tests.factories import TownshipFactory
from tests.personas import Personas

from .helpers import PERIOD, village_with_work

ODD = "请于5月底前完成'路灯'<安装> & \"验收\""


class PlainTextTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.township = TownshipFactory(name="海龙镇")
        cls.village = village_with_work(cls.township, name="龙江村")
        TownshipNoticeSettings.objects.create(township=cls.township, message=ODD)
        cls.personas = Personas.around(cls.village)

    def test_the_text_keeps_quotes_and_angle_brackets(self):
        (draft,) = drafts_for_township(self.township, PERIOD, village_ids=[self.village.pk])
        self.assertIn(ODD, draft.body)
        self.assertNotIn("&#x27;", draft.body)
        self.assertNotIn("&lt;", draft.body)

    def test_the_preview_and_the_inbox_escape_it_once(self):
        self.client.force_login(self.personas.cadre)
        preview = self.client.get(
            reverse("notices:notice_preview", args=[self.township.code, self.village.code])
        )
        run = NoticeRun.objects.create(period=PERIOD, township=self.township)
        services.notices_generate_and_deliver(run=run, township=self.township)
        notice = Notice.objects.get(village=self.village)
        self.assertIn(ODD, notice.body)
        self.client.force_login(self.personas.committee)
        detail = self.client.get(notice.get_absolute_url())
        for page in (preview, detail):
            # once: the browser shows ' and <; twice would show &#x27; and &lt;
            self.assertContains(page, "&#x27;路灯&#x27;&lt;安装&gt; &amp; &quot;验收&quot;")
            self.assertNotContains(page, "&amp;#x27;")
            self.assertNotContains(page, "&amp;lt;")

    def test_notices_written_before_the_fix_lose_their_entities(self):
        migration = importlib.import_module("notices.migrations.0003_unescape_notice_bodies")
        notice = Notice.objects.create(
            township=self.township,
            village=self.village,
            period="2025-01",
            body="完成&#x27;路灯&#x27;&lt;安装&gt; &quot;验收&quot; &amp;amp; 100%",
        )
        migration.forwards(django_apps, None)
        notice.refresh_from_db()
        self.assertEqual(notice.body, "完成'路灯'<安装> \"验收\" &amp; 100%")
