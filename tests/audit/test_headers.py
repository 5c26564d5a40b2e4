"""Security headers on every page, and templates that need no inline script or style (so the
Content Security Policy can forbid them)."""

import re
from pathlib import Path

from django.conf import settings
from django.test import TestCase, override_settings
from django.urls import reverse

from tests.factories import VillageFactory

ROOT = Path(settings.BASE_DIR)
OUR_TEMPLATES = [
    path
    for folder in [ROOT / "templates", *ROOT.glob("*/templates")]
    if ".venv" not in folder.parts
    for path in folder.rglob("*.html")
]


class HeaderTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.village = VillageFactory()

    def pages(self):
        return [
            reverse("board:board"),
            reverse("suggestions:suggest", args=[self.village.code]),
            reverse("login"),
            reverse("admin:login"),
        ]

    def test_every_page_carries_the_policy_and_the_other_headers(self):
        for url in self.pages():
            with self.subTest(url=url):
                response = self.client.get(url, follow=True)
                policy = response["Content-Security-Policy"]
                self.assertIn("default-src 'self'", policy)
                self.assertIn("script-src 'self'", policy)
                self.assertIn("style-src 'self'", policy)
                self.assertIn("frame-ancestors 'none'", policy)
                self.assertNotIn("unsafe-inline", policy)
                self.assertNotIn("unsafe-eval", policy)
                self.assertEqual(response["X-Content-Type-Options"], "nosniff")
                self.assertEqual(response["Referrer-Policy"], "same-origin")
                self.assertEqual(response["X-Frame-Options"], "DENY")

    @override_settings(SECURE_HSTS_SECONDS=31536000, SECURE_HSTS_INCLUDE_SUBDOMAINS=True)
    def test_hsts_over_https(self):
        response = self.client.get(reverse("login"), secure=True)
        self.assertIn("max-age=31536000", response["Strict-Transport-Security"])

    def test_report_only_mode_reports_instead_of_enforcing(self):
        policy = settings.CONTENT_SECURITY_POLICY
        with override_settings(
            CONTENT_SECURITY_POLICY=None, CONTENT_SECURITY_POLICY_REPORT_ONLY=policy
        ):
            response = self.client.get(reverse("login"))
        self.assertNotIn("Content-Security-Policy", response)
        self.assertIn("default-src 'self'", response["Content-Security-Policy-Report-Only"])

    def test_the_session_and_csrf_cookies_are_http_only_or_same_site(self):
        self.assertTrue(settings.SESSION_COOKIE_HTTPONLY)
        self.assertEqual(settings.SESSION_COOKIE_SAMESITE, "Lax")
        self.assertEqual(settings.SESSION_COOKIE_AGE, settings.SESSION_ABSOLUTE_SECONDS)


class TemplateTests(TestCase):
    """A template that needs inline script or style would break under the policy: scripts
    and styles go in static/ files."""

    INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)[^>]*>", re.I)
    HANDLER = re.compile(r"\son[a-z]+\s*=", re.I)
    STYLE_ATTRIBUTE = re.compile(r"\sstyle\s*=", re.I)
    STYLE_ELEMENT = re.compile(r"<style\b", re.I)
    JAVASCRIPT_URL = re.compile(r"javascript:", re.I)

    def test_our_templates_have_no_inline_script_handler_or_style(self):
        self.assertGreater(len(OUR_TEMPLATES), 20)
        problems = []
        for path in OUR_TEMPLATES:
            text = path.read_text(encoding="utf-8")
            for name, pattern in (
                ("inline <script>", self.INLINE_SCRIPT),
                ("on…= handler", self.HANDLER),
                ("style= attribute", self.STYLE_ATTRIBUTE),
                ("<style> element", self.STYLE_ELEMENT),
                ("javascript: URL", self.JAVASCRIPT_URL),
            ):
                for match in pattern.finditer(text):
                    line = text.count("\n", 0, match.start()) + 1
                    problems.append(f"{path.relative_to(ROOT)}:{line}: {name}")
        self.assertEqual(problems, [], "\n".join(problems))
