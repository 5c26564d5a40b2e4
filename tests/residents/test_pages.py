"""What a resident reads after sending something (each page its own title, issue 15 item 14)
and how a long text is refused: the limit and the length said, the text given back."""

from django.core.cache import cache
from django.test import TestCase
from django.urls import reverse

from residents.models import Challenge, ViolationReport
from tests.residents.world import YEAR, build


class SuccessPageTests(TestCase):
    def setUp(self):
        build(self)
        cache.clear()  # the rate limit counts in the cache

    def test_each_success_page_has_its_own_title_and_none_thanks_for_a_suggestion(self):
        pages = {
            "challenge": (
                reverse("residents:challenge_new", args=[self.village.code, YEAR, 1]),
                {"text": "路灯只装了一半，晚上还是黑的"},
                "质疑已收到",
            ),
            "report": (
                reverse("residents:report_new", args=[self.village.code, YEAR, 1]),
                {"text": "违规发包工程给亲戚"},
                "举报已收到",
            ),
            "follow": (
                reverse("residents:follow_village", args=[self.village.code]),
                {"contact": "13812345678"},
                "已关注龙江村",
            ),
        }
        for name, (url, data, title) in pages.items():
            with self.subTest(page=name):
                page = self.client.post(url, data)
                self.assertContains(page, f"<title>{title}")
                self.assertContains(page, f"<h1>{title}</h1>", html=False)
                self.assertNotContains(page, "感谢您的意见建议")
        self.assertEqual(Challenge.objects.count(), 1)
        self.assertEqual(ViolationReport.objects.count(), 1)


class LongTextTests(TestCase):
    def setUp(self):
        build(self)
        cache.clear()

    def test_a_text_too_long_says_the_limit_and_its_length_and_is_given_back(self):
        text = "路灯" * 306  # 612 characters
        page = self.client.post(
            reverse("residents:challenge_new", args=[self.village.code, YEAR, 1]), {"text": text}
        )
        self.assertContains(
            page, "最多 500 个字，这段文字有 612 个字，请删减后再提交。", status_code=400
        )
        self.assertContains(page, text, status_code=400)
        # The browser does not cut a pasted text short: the server says what is wrong.
        self.assertNotRegex(page.content.decode(), r"<textarea[^>]*maxlength")
        self.assertFalse(Challenge.objects.exists())

    def test_the_townships_answer_has_its_limit_too(self):
        challenge = Challenge.objects.create(project=self.project, text="没有完成")
        self.client.force_login(self.personas.cadre)
        answer = "答" * 1001
        page = self.client.post(
            challenge.get_absolute_url(), {"decision": "dismiss", "answer": answer}
        )
        self.assertContains(page, "最多 1000 个字，这段文字有 1001 个字", status_code=400)
        self.assertContains(page, answer, status_code=400)
        challenge.refresh_from_db()
        self.assertTrue(challenge.is_open)
