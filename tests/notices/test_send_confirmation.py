"""Sending the month's notices to all villages asks first, with the number of villages and the
month (issue 15, item 5); long texts of the notice settings say their limit (item 14)."""

from django.test import TestCase
from django.urls import reverse

from notices import services
from notices.models import Notice, NoticeRun, TownshipNoticeSettings
from tests.factories import TownshipFactory
from tests.personas import Personas

from .helpers import PERIOD, village_with_work


class SendToAllTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.township = TownshipFactory(name="海龙镇")
        cls.village = village_with_work(cls.township, name="龙江村")
        for name in ("白岩村", "新寨村"):
            village_with_work(cls.township, name=name)
        cls.personas = Personas.around(cls.village)
        cls.url = reverse("notices:send_now", args=[cls.township.code])

    def setUp(self):
        self.client.force_login(self.personas.cadre)

    def test_without_confirmation_nothing_is_sent_and_the_page_says_what_would_be(self):
        page = self.client.post(self.url, {"period": PERIOD})
        self.assertEqual(page.status_code, 200)
        self.assertContains(page, f"{PERIOD} 通报将立即发送给 3 个村中的 3 个")
        self.assertContains(page, "确认发送给 3 个村")
        self.assertContains(page, 'name="confirmed" value="1"')
        self.assertFalse(NoticeRun.objects.exists())
        self.assertFalse(Notice.objects.exists())

    def test_villages_that_have_it_are_counted_apart(self):
        run = NoticeRun.objects.create(period=PERIOD, village=self.village)
        services.notices_generate_and_deliver(run=run, township=self.township)
        with self.assertNumQueries(1):
            figures = services.notices_to_send(township=self.township, period=PERIOD)
        self.assertEqual(figures, {"villages": 3, "to_send": 2, "already": 1})
        page = self.client.post(self.url, {"period": PERIOD})
        self.assertContains(page, "1 个村已收到，不会重复发送")

    def test_confirmed_it_sends(self):
        with self.captureOnCommitCallbacks(execute=True):
            response = self.client.post(self.url, {"period": PERIOD, "confirmed": "1"})
        self.assertRedirects(
            response,
            reverse("notices:township_notices", args=[self.township.code]) + f"?period={PERIOD}",
        )
        self.assertEqual(Notice.objects.filter(township=self.township).count(), 3)

    def test_the_township_page_button_leads_to_the_confirmation(self):
        page = self.client.get(reverse("notices:township_notices", args=[self.township.code]))
        self.assertContains(page, "立即发送给所有村")
        self.assertNotContains(page, 'name="confirmed"')


class LongTextTests(TestCase):
    def test_the_township_message_says_its_limit_and_keeps_the_text(self):
        township = TownshipFactory()
        cadre = Personas.around(village_with_work(township)).cadre
        self.client.force_login(cadre)
        message = "请" * 1200
        page = self.client.post(
            reverse("notices:township_settings", args=[township.code]),
            {"message": message, "template": "", "robot_kind": "", "robot_url": ""},
        )
        self.assertContains(page, "最多 1000 个字，这段文字有 1200 个字", status_code=400)
        self.assertContains(page, message, status_code=400)
        self.assertNotRegex(page.content.decode(), r"<textarea[^>]*maxlength")
        self.assertFalse(TownshipNoticeSettings.objects.filter(township=township).exists())
