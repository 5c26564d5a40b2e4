from django.core.cache import cache
from django.test import TestCase
from django.urls import reverse

from suggestions.models import ReplyTemplate, Suggestion
from tests.residents.world import YEAR, build


class ReplyTemplateTests(TestCase):
    def setUp(self):
        build(self)
        cache.clear()
        self.url = reverse("suggestions:reply_templates", args=[self.township.code])

    def test_the_township_keeps_its_standard_replies(self):
        self.client.force_login(self.personas.cadre)
        self.client.post(self.url, {"title": "纳入明年", "text": "已纳入明年的民生实事清单。"})
        template = ReplyTemplate.objects.get()
        self.assertEqual(template.township, self.township)
        duplicate = self.client.post(self.url, {"title": "纳入明年", "text": "重复"})
        self.assertEqual(duplicate.status_code, 400)
        edit = reverse("suggestions:reply_template_edit", args=[template.pk])
        self.client.post(edit, {"title": "纳入明年", "text": "已纳入明年清单，届时公示。"})
        template.refresh_from_db()
        self.assertEqual(template.text, "已纳入明年清单，届时公示。")
        self.client.post(reverse("suggestions:reply_template_delete", args=[template.pk]))
        self.assertFalse(ReplyTemplate.objects.exists())

    def test_another_township_cannot_touch_them(self):
        template = ReplyTemplate.objects.create(township=self.township, title="t", text="x")
        self.client.force_login(self.personas.other_cadre)
        delete = reverse("suggestions:reply_template_delete", args=[template.pk])
        self.assertEqual(self.client.post(delete).status_code, 403)
        self.assertTrue(ReplyTemplate.objects.exists())


class BulkAnswerTests(TestCase):
    def setUp(self):
        build(self)
        self.url = reverse("suggestions:bulk_answer", args=[self.village.code])
        self.template = ReplyTemplate.objects.create(
            township=self.township, title="纳入明年", text="已纳入明年的民生实事清单。"
        )
        self.open = [
            Suggestion.objects.create(village=self.village, year=YEAR, text=f"建议{n}")
            for n in range(3)
        ]
        self.elsewhere = Suggestion.objects.create(village=self.neighbour, year=YEAR, text="别村")
        self.client.force_login(self.personas.committee)

    def test_a_standard_reply_fills_the_form_and_answers_only_the_ticked_ones(self):
        page = self.client.get(self.url, {"template": self.template.pk})
        self.assertContains(page, "已纳入明年的民生实事清单。")
        self.assertNotContains(page, "别村")
        response = self.client.post(
            self.url,
            {"suggestions": [self.open[0].pk, self.open[1].pk], "reply": "已纳入明年清单。"},
        )
        self.assertRedirects(
            response, reverse("suggestions:suggestion_inbox", args=[self.village.code])
        )
        for suggestion, answered in zip(self.open, (True, True, False), strict=True):
            suggestion.refresh_from_db()
            self.assertEqual(suggestion.reply == "已纳入明年清单。", answered)
        self.assertEqual(self.open[0].history.first().history_user, self.personas.committee)

    def test_another_village_s_suggestion_cannot_be_slipped_in(self):
        response = self.client.post(
            self.url, {"suggestions": [self.open[0].pk, self.elsewhere.pk], "reply": "好"}
        )
        self.assertEqual(response.status_code, 400)
        self.elsewhere.refresh_from_db()
        self.open[0].refresh_from_db()
        self.assertEqual(self.elsewhere.reply, "")
        self.assertEqual(self.open[0].reply, "")

    def test_nothing_ticked_or_no_reply_says_what_to_fix(self):
        response = self.client.post(self.url, {"reply": ""})
        self.assertContains(response, "请至少勾选一条建议", status_code=400)

    def test_the_page_s_queries_do_not_grow(self):
        # session, user, memberships, village, open exists, open suggestions, templates
        for extra in (0, 10):
            for n in range(extra):
                Suggestion.objects.create(village=self.village, year=YEAR, text=f"更多{n}")
            with self.subTest(extra=extra), self.assertNumQueries(7):
                self.client.get(self.url)


class StatusPageTests(TestCase):
    def test_every_status_is_explained_in_plain_words(self):
        page = self.client.get(reverse("residents:statuses"))
        for words in ("已核实销号", "质疑", "逾期", "不采纳"):
            with self.subTest(words=words):
                self.assertContains(page, words)
