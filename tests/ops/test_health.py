"""/healthz/: database, cache and broker reachability as JSON; 503 naming what failed;
no addresses or secrets; quick even when a service is down."""

import json
import time

import pytest
from django.conf import settings
from django.core.cache import caches
from django.test import TestCase, override_settings
from django.urls import reverse

from tests.ops.test_outage import CACHE_DOWN, CLOSED_PORT, broker_at


class HealthTests(TestCase):
    url = "/healthz/"

    def check(self, expected_status: int) -> dict:
        started = time.monotonic()
        response = self.client.get(self.url)
        self.assertLess(time.monotonic() - started, 5)
        self.assertEqual(response.status_code, expected_status)
        self.assertEqual(response["Content-Type"], "application/json")
        self.assertIn("no-cache", response["Cache-Control"])
        text = response.content.decode()
        for secret in ("redis://", "127.0.0.1", "postgres", settings.SECRET_KEY, "password"):
            self.assertNotIn(secret, text)
        return json.loads(text)

    def test_all_fine_on_a_laptop(self):
        body = self.check(200)
        self.assertEqual(body["status"], "ok")
        self.assertEqual(body["checks"]["database"], "ok")
        self.assertEqual(body["checks"]["cache"], "ok")
        self.assertIn(body["checks"]["broker"], ("ok", "not configured"))

    @override_settings(CACHES=CACHE_DOWN)
    def test_a_cache_that_does_not_answer_is_named(self):
        try:
            body = self.check(503)
        finally:
            caches["default"].close()
        self.assertEqual(body["status"], "unavailable")
        self.assertEqual(body["checks"]["cache"], "unreachable")
        self.assertEqual(body["checks"]["database"], "ok")

    def test_a_broker_that_does_not_answer_is_named(self):
        with broker_at(CLOSED_PORT):
            body = self.check(503)
        self.assertEqual(body["checks"]["broker"], "unreachable")

    def test_plain_http_probes_are_not_redirected(self):
        with override_settings(SECURE_SSL_REDIRECT=True):
            self.assertEqual(self.client.get(self.url).status_code, 200)

    def test_the_liveness_page_touches_nothing(self):
        with self.assertNumQueries(0):
            response = self.client.get(reverse("healthz_live"))
        self.assertEqual(response.content, b"ok")


@pytest.mark.celery_worker
class RealServicesHealthTests(TestCase):
    def test_redis_as_cache_and_broker_answers(self):
        body = json.loads(self.client.get("/healthz/").content)
        self.assertEqual(body["checks"], {"database": "ok", "cache": "ok", "broker": "ok"})
