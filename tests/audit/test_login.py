"""Log-in: lockout on account + address (django-axes), its Chinese page, the log-in rate
limit, and the events each step leaves in the security log."""

import datetime

from axes.models import AccessAttempt
from django.core.cache import cache
from django.test import TestCase, override_settings
from django.urls import reverse

from audit.models import SecurityEvent
from tests.factories import PASSWORD, MembershipFactory, UserFactory, VillageFactory

Kind = SecurityEvent.Kind


class LockoutTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        village = VillageFactory()
        cls.user = MembershipFactory(
            role="village_committee", village=village, user=UserFactory(username="cunwei")
        ).user
        cls.url = reverse("login")

    def setUp(self):
        cache.clear()

    def log_in(self, password, username="cunwei", address="10.0.0.1", **extra):
        return self.client.post(
            self.url, {"username": username, "password": password}, REMOTE_ADDR=address, **extra
        )

    def test_the_right_password_logs_in_and_is_recorded(self):
        response = self.log_in(PASSWORD)
        self.assertEqual(response.status_code, 302)
        event = SecurityEvent.objects.get(kind=Kind.LOGIN)
        self.assertEqual(
            (event.user, event.username, event.ip_address, event.path),
            (self.user, "cunwei", "10.0.0.1", self.url),
        )
        self.assertEqual(
            event.district_id, self.user.memberships.get().village.township.district_id
        )

    def test_five_wrong_passwords_lock_the_account_from_that_address_for_15_minutes(self):
        for attempt in range(4):
            self.assertEqual(self.log_in("wrong").status_code, 200, attempt)
        locked = self.log_in("wrong")
        self.assertEqual(locked.status_code, 429)
        self.assertContains(locked, "登录已暂时锁定", status_code=429)
        self.assertContains(locked, "15 分钟后", status_code=429)
        # Even the right password is refused while locked.
        self.assertEqual(self.log_in(PASSWORD).status_code, 429)
        self.assertNotIn("_auth_user_id", self.client.session)
        self.assertEqual(SecurityEvent.objects.filter(kind=Kind.LOGIN_FAILED).count(), 6)
        self.assertEqual(SecurityEvent.objects.filter(kind=Kind.LOCKOUT).count(), 2)
        lockout = SecurityEvent.objects.filter(kind=Kind.LOCKOUT).first()
        self.assertEqual((lockout.user, lockout.ip_address), (self.user, "10.0.0.1"))

    def test_the_lock_holds_one_account_at_one_address_only(self):
        for _ in range(5):
            self.log_in("wrong")
        # A colleague in the same office logs in; the same account from another address too.
        UserFactory(username="daibiao")
        self.assertEqual(self.log_in(PASSWORD, username="daibiao").status_code, 302)
        self.client.logout()
        self.assertEqual(self.log_in(PASSWORD, address="10.0.0.2").status_code, 302)

    def test_the_lock_ends_after_the_cool_off(self):
        for _ in range(5):
            self.log_in("wrong")
        AccessAttempt.objects.update(
            attempt_time=datetime.datetime.now(datetime.UTC) - datetime.timedelta(minutes=16)
        )
        self.assertEqual(self.log_in(PASSWORD).status_code, 302)

    @override_settings(AXES_FAILURE_LIMIT=2, AXES_COOLOFF_TIME=datetime.timedelta(minutes=45))
    def test_limit_and_duration_come_from_the_settings(self):
        self.log_in("wrong")
        self.assertContains(self.log_in("wrong"), "45 分钟后", status_code=429)

    @override_settings(RATELIMIT_IP_META_KEY="HTTP_X_REAL_IP")
    def test_behind_a_proxy_the_address_comes_from_the_proxys_header(self):
        for _ in range(5):  # the proxy's own address is the same every time
            self.log_in("wrong", address="127.0.0.1", HTTP_X_REAL_IP="203.0.113.7")
        self.assertEqual(
            self.log_in(PASSWORD, address="127.0.0.1", HTTP_X_REAL_IP="203.0.113.7").status_code,
            429,
        )
        self.assertEqual(
            self.log_in(PASSWORD, address="127.0.0.1", HTTP_X_REAL_IP="203.0.113.8").status_code,
            302,
        )
        self.assertEqual(
            SecurityEvent.objects.filter(kind=Kind.LOCKOUT).first().ip_address, "203.0.113.7"
        )

    def test_the_admin_log_in_is_locked_the_same_way(self):
        for _ in range(5):
            self.client.post(
                reverse("admin:login"),
                {"username": "cunwei", "password": "wrong"},
                REMOTE_ADDR="10.0.0.9",
            )
        self.assertEqual(self.log_in(PASSWORD, address="10.0.0.9").status_code, 429)

    def test_log_out_is_recorded(self):
        self.log_in(PASSWORD)
        self.client.post(reverse("logout"))
        self.assertEqual(SecurityEvent.objects.filter(kind=Kind.LOGOUT).count(), 1)


class LoginRateLimitTests(TestCase):
    def setUp(self):
        cache.clear()

    @override_settings(LOGIN_RATE="3/h")
    def test_log_in_posts_per_address_are_limited_with_a_chinese_page(self):
        url = reverse("login")
        for n in range(3):  # different accounts: axes alone would not stop this
            self.client.post(url, {"username": f"u{n}", "password": "x"})
        refused = self.client.post(url, {"username": "u9", "password": "x"})
        self.assertContains(refused, "请求太频繁", status_code=429)
        self.assertContains(refused, "分钟后再试", status_code=429)
        self.assertTrue(int(refused["Retry-After"]) > 0)
        self.assertEqual(self.client.get(url).status_code, 200)  # reading the page is fine
