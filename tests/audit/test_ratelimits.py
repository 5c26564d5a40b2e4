"""Every anonymous POST is rate limited per client address (a backstop above each form's own
limits), /track/<code>/ pages too; refusals are a Chinese page with the wait; what happens
when the cache is down is a setting (open by default). The public forms' own limits are
tested with them (tests/suggestions/test_limits.py)."""

from django.core.cache import cache, caches
from django.http import HttpResponse
from django.test import RequestFactory, TestCase, override_settings
from django.urls import reverse

from audit.ratelimits import limit
from suggestions.models import Suggestion
from tests.factories import MembershipFactory, VillageFactory

CLOSED_PORT = "redis://127.0.0.1:1/0"  # nothing listens on port 1: connections are refused


class AnonymousPostTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.village = VillageFactory()

    def setUp(self):
        cache.clear()

    @override_settings(ANONYMOUS_POST_RATE="2/h")
    def test_any_anonymous_post_counts_against_the_backstop(self):
        # Three different forms, none of them valid: each post still counts.
        self.client.post(reverse("login"), {"username": "a", "password": "b"})
        self.client.post(reverse("suggestions:track"))
        refused = self.client.post(reverse("suggestions:suggest", args=[self.village.code]), {})
        self.assertContains(refused, "请求太频繁", status_code=429)
        self.assertContains(refused, "分钟后再试", status_code=429)
        self.assertIn("Retry-After", refused)
        # Another address is not affected, nor are reads.
        other = self.client.post(reverse("login"), {"username": "a"}, REMOTE_ADDR="10.1.1.1")
        self.assertEqual(other.status_code, 200)
        self.assertEqual(self.client.get(reverse("board:board")).status_code, 302)

    @override_settings(ANONYMOUS_POST_RATE="1/h")
    def test_posts_to_the_read_only_api_get_its_json_405_not_the_backstop(self):
        for _ in range(3):
            response = self.client.post(reverse("board:api_districts"))
            self.assertEqual(response.status_code, 405)
            self.assertEqual(response["Content-Type"], "application/json")
        login = self.client.post(reverse("login"), {"username": "a", "password": "b"})
        self.assertEqual(login.status_code, 200)  # the first counted post: not refused

    @override_settings(ANONYMOUS_POST_RATE="1/h")
    def test_logged_in_users_are_not_counted(self):
        user = MembershipFactory(role="village_committee", village=self.village).user
        self.client.force_login(user)
        url = reverse("suggestions:meeting_new", args=[self.village.code])
        for _ in range(3):
            self.assertNotEqual(self.client.post(url, {}).status_code, 429)

    @override_settings(TRACK_RATE="3/h")
    def test_track_look_ups_are_limited(self):
        for _ in range(3):
            self.client.get(reverse("suggestions:track_detail", args=["ABCD-EFGH"]))
        refused = self.client.get(reverse("suggestions:track_detail", args=["ABCD-EFGH"]))
        self.assertContains(refused, "请求太频繁", status_code=429)

    def test_the_decorator_reads_the_rate_from_a_setting(self):
        @limit("TEST_RATE")
        def view(request):
            return HttpResponse("ok")

        factory = RequestFactory()
        with override_settings(TEST_RATE="1/m"):
            self.assertEqual(view(factory.post("/x")).status_code, 200)
            self.assertEqual(view(factory.post("/x")).status_code, 429)
            self.assertEqual(view(factory.get("/x")).status_code, 200)  # POST only by default


@override_settings(
    CACHES={
        "default": {
            "BACKEND": "ops.cache.FailSoftRedisCache",
            "LOCATION": CLOSED_PORT,
            "OPTIONS": {"socket_timeout": 1, "socket_connect_timeout": 1},
        }
    },
    SUGGESTION_ADDRESS_RATE="1/h",
)
class CacheDownTests(TestCase):
    """Redis unreachable: the rate limits cannot count."""

    @classmethod
    def setUpTestData(cls):
        cls.village = VillageFactory()

    def tearDown(self):
        caches["default"].close()

    def suggest(self, n: int):
        url = reverse("suggestions:suggest", args=[self.village.code])
        token = f"{n:032d}"  # the form's one-time token: a new one per suggestion
        data = {"text": f"第{n}条建议：修一修路灯", "category": "lighting", "token": token}
        return self.client.post(url, data)

    def test_they_fail_open_by_default_so_residents_are_still_heard(self):
        for n in range(3):
            self.assertEqual(self.suggest(n).status_code, 302)
        self.assertEqual(Suggestion.objects.count(), 3)

    @override_settings(RATELIMIT_FAIL_OPEN=False)
    def test_they_can_be_set_to_fail_closed(self):
        refused = self.suggest(1)
        self.assertEqual(refused.status_code, 429)  # by the backstop, before the form
        self.assertEqual(Suggestion.objects.count(), 0)
