"""Every notices page: the permission matrix, what each does, and query budgets at two sizes."""

from django.core.cache import cache
from django.test import TestCase
from django.urls import reverse

from notices import services
from notices.models import (
    Delivery,
    Notice,
    NoticeRun,
    TownshipNoticeSettings,
    VillageNoticeSettings,
)
from tests.factories import MembershipFactory, TownshipFactory
from tests.personas import DENIED, LOGIN, OK, WITH_A_ROLE, Personas, assert_matrix
from villages.models import Membership

from .helpers import PERIOD, village_with_work

Role = Membership.Role
REDIRECT = 302


def send(township, **kwargs) -> None:
    """The month's notices of a township, written and delivered in-process."""
    run = NoticeRun.objects.create(period=PERIOD, township=township, **kwargs)
    services.notices_generate_and_deliver(run=run, township=township)


class NoticesSent(TestCase):
    """The month's notices of 海龙镇 sent (one e-mail to 龙江村 failed), and of a township
    next to it, with the personas of 龙江村; the outsiders work in the other township."""

    @classmethod
    def setUpTestData(cls):
        cls.township = TownshipFactory(name="海龙镇")
        cls.village = village_with_work(cls.township, name="龙江村")
        cls.other_village = village_with_work(
            TownshipFactory(district=cls.township.district), name="白岩村"
        )
        send(cls.township)
        send(cls.other_village.township)
        cls.notice = Notice.objects.get(village=cls.village)
        cls.failed = Delivery.objects.create(
            notice=cls.notice,
            channel=Delivery.Channel.EMAIL,
            target="cun@example.org",
            status=Delivery.Status.FAILED,
            attempts=5,
            last_error="SMTPRecipientsRefused: cun@example.org",
        )
        cls.personas = Personas.around(cls.village, other_village=cls.other_village)


class PermissionMatrixTests(NoticesSent):
    def urls(self):
        code = self.township.code
        return {
            "inbox": reverse("notices:inbox"),
            "notice": reverse("notices:notice_detail", args=[self.notice.pk]),
            "township": reverse("notices:township_notices", args=[code]),
            "preview": reverse("notices:notice_preview", args=[code, self.village.code]),
            "settings": reverse("notices:township_settings", args=[code]),
            "channels": reverse("notices:village_channels", args=[self.village.code]),
            "failures": reverse("notices:failures", args=[code]),
        }

    # Expected status of a GET per persona; other_* hold the same roles one place over.
    MATRIX = {
        #           committee reviewer cadre admin other_committee other_cadre
        "inbox": (OK, DENIED, DENIED, DENIED, OK, DENIED),
        "notice": (OK, DENIED, OK, OK, DENIED, DENIED),
        "township": (DENIED, DENIED, OK, OK, DENIED, DENIED),
        "preview": (DENIED, DENIED, OK, OK, DENIED, DENIED),
        "settings": (DENIED, DENIED, OK, OK, DENIED, DENIED),
        "channels": (DENIED, DENIED, OK, OK, DENIED, DENIED),
        "failures": (DENIED, DENIED, OK, OK, DENIED, DENIED),
    }
    ORDER = WITH_A_ROLE

    def test_every_page_for_every_persona(self):
        assert_matrix(self, self.personas, self.urls(), self.MATRIX, self.ORDER)

    def test_anonymous_and_people_without_a_role_are_kept_out(self):
        assert_matrix(self, self.personas, self.urls(), LOGIN, ["anonymous"])
        assert_matrix(self, self.personas, self.urls(), DENIED, ["nobody"])

    def posts(self):
        code = self.township.code
        return {
            "send": (
                reverse("notices:send_now", args=[code]),
                {"period": PERIOD, "confirmed": "1"},
            ),
            "settings": (
                reverse("notices:township_settings", args=[code]),
                {"message": "请按时汇报", "template": "", "robot_kind": "", "robot_url": ""},
            ),
            "channels": (
                reverse("notices:village_channels", args=[self.village.code]),
                {"by_inbox": "on", "robot": "none"},
            ),
            "resend": (reverse("notices:resend", args=[self.failed.pk]), {}),
            "resend_all": (reverse("notices:resend_all", args=[code]), {}),
        }

    def test_only_the_townships_cadres_change_or_send(self):
        others = ["committee", "district_admin", "other_cadre", "other_committee"]
        assert_matrix(self, self.personas, self.posts(), DENIED, others, method="post")
        assert_matrix(self, self.personas, self.posts(), REDIRECT, ["cadre"], method="post")

    def test_actions_refuse_get(self):
        self.client.force_login(self.personas.cadre)
        for action in ["send", "resend", "resend_all"]:
            with self.subTest(action=action):
                self.assertEqual(self.client.get(self.posts()[action][0]).status_code, 405)


class InboxTests(NoticesSent):
    def test_the_committee_reads_its_notice_and_the_badge_counts_down(self):
        self.client.force_login(self.personas.committee)
        page = self.client.get(reverse("notices:inbox"))
        self.assertContains(page, f"海龙镇：{PERIOD}")
        self.assertEqual(page.context["notice_badge"]["unread"], 1)
        self.assertContains(page, 'class="count"')
        with self.captureOnCommitCallbacks(execute=True):  # forgets the cached badge
            detail = self.client.get(self.notice.get_absolute_url())
        self.assertContains(detail, "【海龙镇】龙江村")
        self.assertIsNone(detail.context["deliveries"])  # the village sees the text only
        self.notice.refresh_from_db()
        self.assertEqual(self.notice.read_by, self.personas.committee)
        self.assertEqual(
            self.client.get(reverse("notices:inbox")).context["notice_badge"]["unread"], 0
        )

    def test_a_cadre_opening_it_does_not_mark_it_read(self):
        self.client.force_login(self.personas.cadre)
        page = self.client.get(self.notice.get_absolute_url())
        self.assertEqual(len(page.context["deliveries"]), 2)
        self.notice.refresh_from_db()
        self.assertIsNone(self.notice.read_at)

    def test_the_badge_shows_only_for_village_committees(self):
        self.client.force_login(self.personas.cadre)
        page = self.client.get(reverse("notices:township_notices", args=[self.township.code]))
        self.assertFalse(page.context["notice_badge"]["show"])
        self.assertNotContains(page, 'class="notice-link"')
        self.client.logout()
        self.assertNotIn("notice_badge", self.client.get(reverse("board:board")).context or {})

    def test_a_notice_not_yet_delivered_to_the_inbox_is_not_listed(self):
        Delivery.objects.filter(notice=self.notice, channel="inbox").update(status="pending")
        cache.clear()
        self.client.force_login(self.personas.committee)
        page = self.client.get(reverse("notices:inbox"))
        self.assertEqual(list(page.context["page"]), [])
        self.assertEqual(page.context["notice_badge"]["unread"], 0)


class TownshipPageTests(NoticesSent):
    def test_it_shows_each_village_and_its_channels(self):
        self.client.force_login(self.personas.cadre)
        page = self.client.get(
            reverse("notices:township_notices", args=[self.township.code]) + f"?period={PERIOD}"
        )
        self.assertEqual(page.context["sent_count"], 1)
        self.assertEqual(page.context["failed_count"], 1)
        self.assertContains(page, "龙江村")

    def test_send_now_to_one_village(self):
        village = village_with_work(self.township, name="新寨村")
        self.client.force_login(self.personas.cadre)
        with self.captureOnCommitCallbacks(execute=True):
            response = self.client.post(
                reverse("notices:send_now", args=[self.township.code]),
                {"period": PERIOD, "village": village.code},
            )
        self.assertRedirects(
            response,
            reverse("notices:township_notices", args=[self.township.code]) + f"?period={PERIOD}",
        )
        self.assertTrue(Notice.objects.filter(village=village, period=PERIOD).exists())
        self.assertEqual(Notice.objects.filter(village=self.village).count(), 1)

    def test_send_now_refuses_a_bad_month_or_another_townships_village(self):
        self.client.force_login(self.personas.cadre)
        url = reverse("notices:send_now", args=[self.township.code])
        response = self.client.post(url, {"period": "2026-13"}, follow=True)
        self.assertContains(response, "YYYY-MM")
        response = self.client.post(url, {"period": PERIOD, "village": self.other_village.code})
        self.assertEqual(response.status_code, 404)
        self.assertFalse(NoticeRun.objects.filter(requested_by=self.personas.cadre).exists())

    def test_the_preview_writes_nothing(self):
        self.client.force_login(self.personas.district_admin)
        before = Notice.objects.count()
        page = self.client.get(
            reverse("notices:notice_preview", args=[self.township.code, self.village.code])
        )
        self.assertContains(page, "【海龙镇】龙江村")
        self.assertEqual(Notice.objects.count(), before)
        self.assertFalse(page.context["can_send"])

    def test_failures_list_the_error_and_resend(self):
        self.client.force_login(self.personas.cadre)
        page = self.client.get(reverse("notices:failures", args=[self.township.code]))
        self.assertContains(page, "SMTPRecipientsRefused")
        with self.captureOnCommitCallbacks(execute=True):
            self.client.post(reverse("notices:resend", args=[self.failed.pk]))
        self.failed.refresh_from_db()
        self.assertEqual(self.failed.status, Delivery.Status.SENT)  # locmem accepts it


class SettingsFormTests(NoticesSent):
    def test_a_broken_template_says_what_is_wrong_and_saves_nothing(self):
        self.client.force_login(self.personas.cadre)
        url = reverse("notices:township_settings", args=[self.township.code])
        response = self.client.post(url, {"template": "{% for p in projects %}", "robot_kind": ""})
        self.assertEqual(response.status_code, 400)
        self.assertIn("template", response.context["form"].errors)
        response = self.client.post(url, {"template": '{% include "base.html" %}'})
        self.assertEqual(response.status_code, 400)
        self.assertFalse(TownshipNoticeSettings.objects.exists())

    def test_the_standard_template_is_stored_as_empty(self):
        self.client.force_login(self.personas.cadre)
        url = reverse("notices:township_settings", args=[self.township.code])
        form = self.client.get(url).context["form"]
        self.client.post(url, {"template": form.initial["template"], "message": "月底前交照片"})
        saved = TownshipNoticeSettings.objects.get(township=self.township)
        self.assertEqual(
            (saved.template, saved.message, saved.modified_by),
            ("", "月底前交照片", self.personas.cadre),
        )

    def test_the_robot_secret_is_never_shown_and_kept_when_left_empty(self):
        self.client.force_login(self.personas.cadre)
        url = reverse("notices:village_channels", args=[self.village.code])
        data = {
            "by_inbox": "on",
            "robot": "own",
            "robot_kind": "dingtalk",
            "robot_url": "https://oapi.dingtalk.com/robot/send?access_token=abc",
            "robot_secret": "SECsecret",
        }
        self.assertEqual(self.client.post(url, data).status_code, REDIRECT)
        self.assertNotContains(self.client.get(url), "SECsecret")
        self.client.post(url, {**data, "robot_secret": ""})
        self.assertEqual(VillageNoticeSettings.objects.get().robot_secret, "SECsecret")

    def test_channel_errors_say_what_to_fix(self):
        self.client.force_login(self.personas.cadre)
        url = reverse("notices:village_channels", args=[self.village.code])
        response = self.client.post(url, {"by_email": "on", "emails": "村委会", "robot": "none"})
        self.assertEqual(response.status_code, 400)
        self.assertIn("emails", response.context["form"].errors)
        response = self.client.post(
            url, {"robot": "own", "robot_kind": "wecom", "robot_url": "https://10.0.0.1/x"}
        )
        self.assertIn("robot_url", response.context["form"].errors)
        self.assertFalse(VillageNoticeSettings.objects.exists())


class PageBudgetTests(TestCase):
    """Query counts, written out, at two sizes."""

    def build(self, villages: int):
        township = TownshipFactory()
        for _ in range(villages):
            village_with_work(township)
        send(township)
        cadre = MembershipFactory(role=Role.TOWNSHIP_CADRE, township=township).user
        return township, cadre

    def test_the_township_page(self):
        for villages in (2, 6):
            township, cadre = self.build(villages)
            self.client.force_login(cadre)
            url = reverse("notices:township_notices", args=[township.code])
            # session, user, township + district, memberships (scope), the month's notices,
            # their deliveries, villages, failed count (the badge: cached at login)
            with self.subTest(villages=villages), self.assertNumQueries(8):
                response = self.client.get(url)
            self.assertEqual(response.context["sent_count"], villages)

    def test_the_preview(self):
        for villages in (2, 6):
            township, cadre = self.build(villages)
            self.client.force_login(cadre)
            village = township.villages.first()
            url = reverse("notices:notice_preview", args=[township.code, village.code])
            # session, user, township + district, memberships (scope), village, the 8
            # queries of a draft
            with self.subTest(villages=villages), self.assertNumQueries(13):
                self.client.get(url)

    def test_the_inbox_and_a_notice(self):
        for notices in (2, 6):
            township = TownshipFactory()
            village = village_with_work(township)
            committee = MembershipFactory(role=Role.VILLAGE_COMMITTEE, village=village).user
            for month in range(1, notices + 1):
                run = NoticeRun.objects.create(period=f"2025-{month:02d}", village=village)
                services.notices_generate_and_deliver(run=run, township=township)
            self.client.force_login(committee)
            # session, user, memberships (scope), count, the page of notices (the badge:
            # cached at login)
            with self.subTest(notices=notices), self.assertNumQueries(5):
                response = self.client.get(reverse("notices:inbox"))
            self.assertEqual(len(response.context["page"]), notices)
            notice = Notice.objects.filter(village=village).first()
            # session, user, notice with village and township, memberships (scope),
            # mark read (the badge is forgotten once that commits)
            with self.subTest(notices=notices), self.assertNumQueries(5):
                self.client.get(notice.get_absolute_url())
