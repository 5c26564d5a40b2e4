"""Idle and absolute session timeouts, without a database query added to ordinary pages."""

import time

from django.test import TestCase, override_settings
from django.urls import reverse

from audit.middleware import SEEN, STARTED
from audit.models import SecurityEvent
from tests.factories import MembershipFactory, VillageFactory


class SessionTimeoutTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.village = VillageFactory()
        cls.user = MembershipFactory(role="village_committee", village=cls.village).user

    def setUp(self):
        self.client.force_login(self.user)
        self.page = reverse("villages:village_detail", args=[self.village.code])

    def shift(self, *, seen: int = 0, started: int = 0) -> None:
        """Move the session's clocks back by these many seconds."""
        session = self.client.session
        session[SEEN] -= seen
        session[STARTED] -= started
        session.save()

    def test_thirty_minutes_without_a_request_log_the_user_out(self):
        self.shift(seen=29 * 60, started=29 * 60)
        self.assertEqual(self.client.get(self.page).status_code, 200)
        self.shift(seen=31 * 60)
        response = self.client.get(self.page)
        self.assertRedirects(response, f"{reverse('login')}?next={self.page}")
        self.assertEqual(
            SecurityEvent.objects.filter(kind="session_expired").get().detail, {"reason": "idle"}
        )
        self.assertFalse(SecurityEvent.objects.filter(kind="logout").exists())

    def test_activity_keeps_the_session_alive(self):
        self.shift(seen=20 * 60, started=20 * 60)
        self.client.get(self.page)  # moves the last-seen time forward
        self.shift(seen=20 * 60, started=20 * 60)
        self.assertEqual(self.client.get(self.page).status_code, 200)

    def test_twelve_hours_after_log_in_the_session_ends_whatever_the_activity(self):
        self.shift(started=12 * 3600 + 1)
        response = self.client.get(self.page)
        self.assertEqual(response.status_code, 302)
        self.assertEqual(
            SecurityEvent.objects.get(kind="session_expired").detail, {"reason": "lifetime"}
        )

    @override_settings(SESSION_IDLE_SECONDS=60)
    def test_the_idle_time_comes_from_the_settings(self):
        self.shift(seen=61, started=61)
        self.assertEqual(self.client.get(self.page).status_code, 302)

    def test_a_page_in_a_live_session_writes_nothing(self):
        self.client.get(self.page)
        started = self.client.session[STARTED]
        # session, user, village, memberships (scope): the policy reads only the session.
        with self.assertNumQueries(4):
            response = self.client.get(self.page)
        self.assertNotIn("sessionid", response.cookies)
        self.assertEqual(self.client.session[STARTED], started)
        self.assertLessEqual(time.time() - self.client.session[SEEN], 60)
