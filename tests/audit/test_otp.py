"""OTP_FOR_DISTRICT_ADMINS: a district administrator sets up an authenticator app at the
first log-in and enters its code at every log-in; other roles are not asked."""

from django.test import TestCase, override_settings
from django.urls import reverse
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from audit.models import SecurityEvent
from tests.factories import PASSWORD, MembershipFactory, TownshipFactory


def code_for(device: TOTPDevice, offset: int = 0) -> str:
    return f"{(totp(device.bin_key) + offset) % 10**6:06d}"


@override_settings(OTP_FOR_DISTRICT_ADMINS=True)
class OneTimeCodeTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.township = TownshipFactory()
        cls.admin = MembershipFactory(role="district_admin", district=cls.township.district).user
        cls.cadre = MembershipFactory(role="township_cadre", township=cls.township).user
        cls.page = reverse("dashboards:district_overview", args=[cls.township.district.code])

    def log_in(self, user):
        self.client.post(reverse("login"), {"username": user.username, "password": PASSWORD})

    def test_the_first_log_in_sets_the_app_up_from_a_qr_code(self):
        self.log_in(self.admin)
        response = self.client.get(self.page)
        self.assertRedirects(response, f"{reverse('audit:otp')}?next={self.page}")
        setup = self.client.get(response["Location"])
        self.assertContains(setup, "<svg")
        self.assertContains(setup, "扫描下面的二维码")
        device = TOTPDevice.objects.get(user=self.admin, confirmed=False)
        wrong = self.client.post(reverse("audit:otp"), {"code": code_for(device, 1)})
        self.assertContains(wrong, "动态码错误或已过期", status_code=400)
        device.refresh_from_db()
        self.assertEqual(device.throttling_failure_count, 1)  # django-otp slows guessing down
        TOTPDevice.objects.filter(pk=device.pk).update(throttling_failure_timestamp=None)
        self.assertRedirects(
            self.client.post(reverse("audit:otp"), {"code": code_for(device), "next": self.page}),
            self.page,
        )
        self.assertEqual(self.client.get(self.page).status_code, 200)
        device.refresh_from_db()
        self.assertTrue(device.confirmed)
        kinds = set(SecurityEvent.objects.values_list("kind", flat=True))
        self.assertTrue({"login", "otp_failed", "otp_enrolled"} <= kinds)

    def test_later_log_ins_ask_for_the_code_and_nothing_else_opens_without_it(self):
        device = TOTPDevice.objects.create(user=self.admin, name="app", confirmed=True)
        self.log_in(self.admin)
        for url in (self.page, reverse("audit:events"), reverse("password_change")):
            self.assertEqual(self.client.get(url).status_code, 302, url)
        page = self.client.get(reverse("audit:otp"))
        self.assertNotContains(page, "<svg")  # no new secret is shown once set up
        self.client.post(reverse("audit:otp"), {"code": code_for(device)})
        self.assertEqual(self.client.get(self.page).status_code, 200)

    def test_a_code_is_six_digits(self):
        TOTPDevice.objects.create(user=self.admin, name="app", confirmed=True)
        self.log_in(self.admin)
        response = self.client.post(reverse("audit:otp"), {"code": "12ab56"})
        self.assertContains(response, "请输入应用中显示的 6 位数字。", status_code=400)

    def test_other_roles_are_not_asked(self):
        self.log_in(self.cadre)
        url = reverse("dashboards:township_dashboard", args=[self.township.code])
        self.assertEqual(self.client.get(url).status_code, 200)

    @override_settings(OTP_FOR_DISTRICT_ADMINS=False)
    def test_with_the_switch_off_nobody_is_asked(self):
        self.log_in(self.admin)
        self.assertEqual(self.client.get(self.page).status_code, 200)
