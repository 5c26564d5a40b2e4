"""A text with a NUL byte says it holds an invisible control character, and where; a text
with characters that could not be read (invalid UTF-8 arrives as U+FFFD, a broken paste as a
lone surrogate) is refused instead of being stored as "�". Every text field of every form."""

import inspect

from django import forms
from django.core.cache import cache
from django.core.validators import ProhibitNullCharactersValidator
from django.test import SimpleTestCase, TestCase
from django.urls import reverse

import audit.forms
import board.forms
import lib.forms
import notices.forms
import pledges.forms
import residents.forms
import reviews.forms
import suggestions.forms
from lib.forms import ReadableText, text_problem
from pledges.forms import ReviewForm
from residents.models import ViolationReport
from suggestions.models import Suggestion
from tests.residents.world import YEAR, build
from tests.suggestions.test_suggestions import public_post

CONTROL = "看不见的控制字符"
UNREADABLE = "无法识别的字符"


class ValidatorTests(SimpleTestCase):
    def test_a_nul_byte_is_an_invisible_control_character_at_its_place(self):
        self.assertEqual(
            text_problem("路灯\x00坏了"),
            "文字中有一个看不见的控制字符（在第3个字符处）。请删去它，或重新输入这段文字。",
        )

    def test_unreadable_characters_are_refused_at_their_place(self):
        for text in ("路灯坏了\ufffd", "路灯坏了\ud83d"):
            with self.subTest(text=ascii(text)):
                self.assertIn(UNREADABLE, text_problem(text))
                self.assertIn("第5个字符", text_problem(text))

    def test_ordinary_texts_pass(self):
        for text in ("", "第一行\r\n第二行\t完", "路灯修好了 👍", "１３８"):
            with self.subTest(text=text):
                self.assertEqual(text_problem(text), "")


def _forms_of(module):
    return [
        cls
        for _name, cls in inspect.getmembers(module, inspect.isclass)
        if issubclass(cls, forms.BaseForm) and cls.__module__ == module.__name__
    ]


class EveryFormTests(TestCase):
    """Each form of the apps, as its view builds it: every text field has ReadableText in
    place of Django's check. A new form fails here until it has it (or this test knows what
    arguments it takes)."""

    MODULES = [lib.forms, suggestions.forms, residents.forms, reviews.forms]
    MODULES += [notices.forms, pledges.forms, audit.forms, board.forms]

    @classmethod
    def setUpTestData(cls):
        build(cls)

    def arguments(self, form_class) -> dict:
        suggestion = Suggestion(village=self.village, year=YEAR)
        return {
            "SuggestionAnswerForm": {"suggestion": suggestion},
            "BulkAnswerForm": {"suggestions": Suggestion.objects.none()},
            "BallotForm": {
                "projects": self.pledge_list.projects.all(),
                "prohibitions": self.pledge_list.prohibitions.all(),
            },
            "DecisionForm": {"choices": [("uphold", "uphold")]},
            "CandidateForm": {"village": self.village, "year": YEAR},
            "PoolDecisionForm": {"candidates": self.village.candidates.none()},
            "DecisionMeetingForm": {"step": "decide"},  # the step with every field
        }.get(form_class.__name__, {})

    def test_every_text_field_of_every_form_refuses_unreadable_text(self):
        form_classes = [cls for module in self.MODULES for cls in _forms_of(module)]
        self.assertGreater(len(form_classes), 25)
        for form_class in form_classes:
            form = form_class(**self.arguments(form_class))
            for name, field in form.fields.items():
                if not isinstance(field, forms.CharField):
                    continue
                with self.subTest(form=form_class.__name__, field=name):
                    checks = [
                        type(v)
                        for v in field.validators
                        if isinstance(v, ProhibitNullCharactersValidator)
                    ]
                    self.assertEqual(checks, [ReadableText])

    def test_a_ballot_comment_with_a_nul_byte_says_so(self):
        project = self.pledge_list.projects.first()
        form = reviews.forms.BallotForm(
            {f"project_{project.pk}_comment": "很好\x00", "comment": "\ufffd"},
            projects=[project],
            prohibitions=[],
            paper=True,
        )
        self.assertFalse(form.is_valid())
        self.assertIn(CONTROL, form.errors[f"project_{project.pk}_comment"][0])
        self.assertIn(UNREADABLE, form.errors["comment"][0])

    def test_a_feasibility_comment_beside_a_project_is_checked_too(self):
        project = self.pledge_list.projects.first()
        form = ReviewForm(
            {"decision": "approve", f"comment-{project.pk}": "可行\ufffd"}, projects=[project]
        )
        self.assertFalse(form.is_valid())
        self.assertIn(UNREADABLE, form.item_errors[project.pk])
        self.assertIn("无法识别", str(form.non_field_errors()))


class PostedTests(TestCase):
    """What a browser really sends: bytes, decoded by Django with errors="replace"."""

    def setUp(self):
        build(self)
        cache.clear()  # the rate limits count in the cache

    def test_a_suggestion_with_invalid_utf8_is_refused_and_not_stored(self):
        url = reverse("suggestions:suggest", args=[self.village.code])
        body = "&".join(f"{k}={v}" for k, v in public_post(text="x").items() if k != "text")
        body += "&text=%E8%B7%AF%E7%81%AF%FF%FE%E5%9D%8F%E4%BA%86"  # 路灯, two bad bytes, 坏了
        response = self.client.post(url, body, content_type="application/x-www-form-urlencoded")
        self.assertContains(response, UNREADABLE, status_code=400)
        self.assertContains(response, "第3个字符", status_code=400)
        self.assertFalse(Suggestion.objects.exists())

    def test_a_report_sent_as_multipart_with_invalid_utf8_is_refused(self):
        url = reverse("residents:report_new", args=[self.village.code, YEAR, 1])
        boundary = "BoUnDaRy"
        body = (
            f'--{boundary}\r\nContent-Disposition: form-data; name="text"\r\n\r\n'.encode()
            + "村干部吃喝".encode()
            + b"\xc3\x28"
            + "报销".encode()
            + f"\r\n--{boundary}--\r\n".encode()
        )
        response = self.client.post(
            url, body, content_type=f"multipart/form-data; boundary={boundary}"
        )
        self.assertContains(response, UNREADABLE, status_code=400)
        self.assertFalse(ViolationReport.objects.exists())

    def test_a_nul_byte_in_a_report_says_it_is_an_invisible_character(self):
        url = reverse("residents:report_new", args=[self.village.code, YEAR, 1])
        response = self.client.post(url, {"text": "村干部\x00吃喝报销"})
        self.assertContains(response, CONTROL, status_code=400)
        self.assertContains(response, "第4个字符", status_code=400)
        self.assertNotContains(response, "空字符", status_code=400)
