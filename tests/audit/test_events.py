"""The security event log: append-only, kept for the retention period, recorded for role
changes and refusals, readable and exportable by district administrators (their districts)."""

import datetime
import io

from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.test import TestCase, override_settings
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from audit.admin import SecurityEventAdmin
from audit.models import AppendOnlyError, SecurityEvent
from audit.services import record
from tests.factories import MembershipFactory, TownshipFactory, UserFactory, VillageFactory
from villages.models import Membership

Kind = SecurityEvent.Kind


class AppendOnlyTests(TestCase):
    def setUp(self):
        self.event = record(None, Kind.LOGIN_FAILED, username="someone")

    def test_an_event_is_never_changed_or_deleted_through_the_orm(self):
        self.event.detail = {"changed": True}
        with self.assertRaises(AppendOnlyError):
            self.event.save()
        with self.assertRaises(AppendOnlyError):
            self.event.delete()
        with self.assertRaises(AppendOnlyError):
            SecurityEvent.objects.update(username="x")
        with self.assertRaises(AppendOnlyError):
            SecurityEvent.objects.all().delete()

    def test_the_admin_shows_events_and_allows_nothing_else(self):
        admin = SecurityEventAdmin(SecurityEvent, None)
        request = type("Request", (), {"user": UserFactory(is_superuser=True, is_staff=True)})
        self.assertFalse(admin.has_add_permission(request))
        self.assertFalse(admin.has_change_permission(request, self.event))
        self.assertFalse(admin.has_delete_permission(request, self.event))
        superuser = get_user_model().objects.create_superuser("root", password="Root-pass-2026")
        self.client.force_login(superuser)
        url = reverse("admin:audit_securityevent_change", args=[self.event.pk])
        self.assertEqual(self.client.get(url).status_code, 200)
        self.client.post(url, {"username": "tampered"})
        self.assertEqual(SecurityEvent.objects.get(pk=self.event.pk).username, "someone")
        delete = reverse("admin:audit_securityevent_delete", args=[self.event.pk])
        self.assertEqual(self.client.post(delete, {"post": "yes"}).status_code, 403)
        self.assertTrue(SecurityEvent.objects.filter(pk=self.event.pk).exists())

    def test_deleting_an_account_keeps_its_events(self):
        user = UserFactory(username="leaver")
        record(None, Kind.LOGIN, user=user)
        user.delete()
        self.assertTrue(SecurityEvent.objects.filter(username="leaver").exists())


class RetentionTests(TestCase):
    def test_the_purge_removes_only_events_past_the_retention(self):
        now = timezone.now()
        for days in (10, 179, 181, 400):
            SecurityEvent.objects.create(
                kind=Kind.LOGIN, created=now - datetime.timedelta(days=days)
            )
        out = io.StringIO()
        call_command("purge_security_events", stdout=out)
        self.assertIn("Removed 2", out.getvalue())
        self.assertEqual(SecurityEvent.objects.count(), 2)
        call_command("purge_security_events", stdout=out)  # twice is harmless
        self.assertEqual(SecurityEvent.objects.count(), 2)

    @override_settings(SECURITY_EVENT_RETENTION_DAYS=365)
    def test_the_retention_comes_from_the_settings(self):
        SecurityEvent.objects.create(
            kind=Kind.LOGIN, created=timezone.now() - datetime.timedelta(days=300)
        )
        self.assertEqual(SecurityEvent.objects.purge(), 0)


class RecordedEventsTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.village = VillageFactory()
        cls.district = cls.village.township.district
        cls.root = get_user_model().objects.create_superuser("root", password="Root-pass-2026")

    def test_role_changes_in_the_admin_are_recorded_with_who_made_them(self):
        member = UserFactory(username="newcadre")
        self.client.force_login(self.root)
        self.client.post(
            reverse("admin:villages_membership_add"),
            {"user": member.pk, "role": "township_cadre", "township": self.village.township.pk},
        )
        membership = Membership.objects.get(user=member)
        self.client.post(
            reverse("admin:villages_membership_delete", args=[membership.pk]), {"post": "yes"}
        )
        granted = SecurityEvent.objects.get(kind=Kind.ROLE_GRANTED, detail__member="newcadre")
        revoked = SecurityEvent.objects.get(kind=Kind.ROLE_REVOKED, detail__member="newcadre")
        for event in (granted, revoked):
            self.assertEqual(event.username, "root")
            self.assertEqual(event.district, self.district)
            self.assertEqual(event.detail["place"], self.village.township.code)

    def test_an_excel_export_from_the_admin_is_recorded(self):
        self.client.force_login(self.root)
        url = reverse("admin:pledges_pledgelist_export")
        form = self.client.get(url).context["form"]
        data = {name: "on" for name in form.fields if name.startswith("pledgeitemresource_")}
        response = self.client.post(url, {**data, "resource": "0", "format": "0"})
        self.assertEqual(response.status_code, 200)
        event = SecurityEvent.objects.get(kind=Kind.EXPORT)
        self.assertEqual((event.user, event.detail["model"]), (self.root, "pledges.PledgeList"))

    def test_a_refused_page_is_recorded(self):
        outsider = MembershipFactory(role="village_committee", village=VillageFactory()).user
        self.client.force_login(outsider)
        url = reverse("pledges:village_list", args=[self.village.code])
        self.assertEqual(self.client.get(url).status_code, 403)
        event = SecurityEvent.objects.get(kind=Kind.REFUSED)
        self.assertEqual((event.user, event.path, event.detail), (outsider, url, {"method": "GET"}))


class EventPageTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.township = TownshipFactory()
        cls.district = cls.township.district
        cls.admin = MembershipFactory(role="district_admin", district=cls.district).user
        cls.cadre = MembershipFactory(role="township_cadre", township=cls.township).user
        other = MembershipFactory(role="township_cadre", township=TownshipFactory()).user
        record(None, Kind.LOGIN_FAILED, user=cls.cadre, attempt=1)
        record(None, Kind.LOGIN_FAILED, user=other, attempt=2)
        cls.url = reverse("audit:events")

    def test_a_district_administrator_sees_the_events_of_their_district_only(self):
        self.client.force_login(self.admin)
        response = self.client.get(self.url)
        self.assertContains(response, self.cadre.username)
        self.assertContains(response, "登录失败")
        self.assertNotContains(response, "attempt：2")

    def test_other_roles_are_refused_and_visitors_sent_to_log_in(self):
        self.client.force_login(self.cadre)
        self.assertEqual(self.client.get(self.url).status_code, 403)
        self.assertEqual(self.client.get(reverse("audit:events_export")).status_code, 403)
        self.client.logout()
        self.assertEqual(self.client.get(self.url).status_code, 302)

    def test_filters_by_kind_user_and_date(self):
        self.client.force_login(self.admin)
        today = timezone.localdate().isoformat()
        for query, shown in (
            ({"kind": "login_failed"}, 1),
            ({"kind": "lockout"}, 0),
            ({"username": self.cadre.username, "kind": "login_failed"}, 1),
            ({"since": today, "until": today, "kind": "login_failed"}, 1),
            ({"until": "2000-01-01"}, 0),
        ):
            with self.subTest(query=query):
                response = self.client.get(self.url, query)
                self.assertEqual(response.context["page"].paginator.count, shown)
        bad = self.client.get(self.url, {"since": "2026-02-01", "until": "2026-01-01"})
        self.assertContains(bad, "起始日期晚于截止日期", status_code=400)

    def test_query_count_does_not_grow_with_the_log(self):
        self.client.force_login(self.admin)
        for total in (3, 120):
            SecurityEvent.objects.bulk_create(
                SecurityEvent(kind=Kind.LOGIN, username="x", district=self.district)
                for _ in range(total)
            )
            # session, user, memberships (scope), count, one page of events
            with self.subTest(total=total), self.assertNumQueries(5):
                response = self.client.get(self.url)
            page = response.context["page"]
            self.assertEqual(len(page.object_list), min(50, page.paginator.count))
        self.assertEqual(page.paginator.num_pages, 3)

    def test_the_export_is_an_xlsx_of_the_filtered_events_and_is_itself_recorded(self):
        self.client.force_login(self.admin)
        response = self.client.get(reverse("audit:events_export"), {"kind": "login_failed"})
        self.assertEqual(response.status_code, 200)
        sheet = load_workbook(io.BytesIO(response.content)).active
        rows = list(sheet.iter_rows(values_only=True))
        self.assertEqual(rows[0][:3], ("时间", "类型", "用户名"))
        self.assertEqual([row[2] for row in rows[1:]], [self.cadre.username])
        export = SecurityEvent.objects.get(kind=Kind.EXPORT)
        self.assertEqual((export.user, export.detail["rows"]), (self.admin, 1))


class ReadableDetailTests(TestCase):
    """The log is read by district administrators in Chinese: every detail has a label and
    the values that are codes have words."""

    @classmethod
    def setUpTestData(cls):
        cls.village = VillageFactory(name="龙江村")
        cls.admin = MembershipFactory(
            role="district_admin", district=cls.village.township.district
        ).user

    def test_the_details_read_in_chinese(self):
        cases = [
            ({"method": "GET"}, "请求：打开页面"),
            ({"reason": "idle"}, "理由：长时间未操作"),
            (
                {"member": "wang", "role": "township_cadre", "place": "520302001"},
                "账号：wang · 角色：镇（街）干部 · 地点：520302001",
            ),
            ({"model": "pledges.PledgeList", "via": "admin"}, "数据：承诺清单 · 途径：管理后台"),
            (
                {
                    "what": "suggestions",
                    "via": "page",
                    "place": self.village.code,
                    "place_name": "龙江村",
                    "year": 2026,
                    "rows": 12,
                    "personal": True,
                },
                f"数据：意见建议 · 途径：网页 · 地点：龙江村（{self.village.code}） · 年度：2026"
                " · 行数：12 · 姓名电话：含",
            ),
            ({"personal": False, "attempt": 2}, "姓名电话：不含 · attempt：2"),
        ]
        for detail, text in cases:
            with self.subTest(detail=detail):
                event = record(None, Kind.EXPORT, user=self.admin, **detail)
                self.assertEqual(event.detail_text, text)

    def test_the_page_and_its_export_show_them(self):
        record(None, Kind.REFUSED, user=self.admin, method="POST")
        self.client.force_login(self.admin)
        page = self.client.get(reverse("audit:events"))
        self.assertContains(page, "请求：提交表单")
        self.assertNotContains(page, "method=POST")
        sheet = load_workbook(io.BytesIO(self.client.get(reverse("audit:events_export")).content))
        self.assertIn(
            "请求：提交表单", [row[6] for row in sheet.active.iter_rows(values_only=True)]
        )


class AdminNamesTests(TestCase):
    def test_the_security_packages_have_chinese_names_in_the_admin(self):
        root = get_user_model().objects.create_superuser("root", password="Root-pass-2026")
        self.client.force_login(root)
        index = self.client.get(reverse("admin:index"))
        for name in (
            "登录尝试与锁定",
            "登录尝试",
            "登录记录",
            "登录失败记录",
            "动态口令",
            "身份验证器",
        ):
            with self.subTest(name=name):
                self.assertContains(index, name)
        for english in ("Axes", "Otp_Totp", "TOTP devices", "access attempts"):
            with self.subTest(english=english):
                self.assertNotContains(index, english)
        attempts = self.client.get(reverse("admin:axes_accessattempt_changelist"))
        self.assertContains(attempts, "尝试时间")
        export = self.client.get(reverse("admin:pledges_pledgelist_export"))
        self.assertContains(export, "全选")
