"""The pledges forms as a committee member or a cadre meets them on a phone: an error summary
of one line per error, each a link to its field; a maximum on every text field, saying the
limit and the length typed, with the typed text kept; change requests named in words."""

from html.parser import HTMLParser

from django import forms
from django.test import TestCase
from django.urls import reverse

from pledges.forms import (
    LONG_TEXT,
    AnswerEscalationForm,
    ChangeRequestForm,
    CompleteForm,
    DecideChangeForm,
    EscalationForm,
    ProgressForm,
    ProhibitionForm,
    ProjectForm,
    ReviewForm,
    VerifyForm,
)
from pledges.models import ChangeRequest, Escalation, PledgeList
from tests.factories import VillageFactory, full_list
from tests.personas import Personas
from tests.pledges.test_views import editor_data

PLEDGE_FORMS = [
    AnswerEscalationForm,
    ChangeRequestForm,
    CompleteForm,
    DecideChangeForm,
    EscalationForm,
    ProgressForm,
    ProhibitionForm,
    ProjectForm,
    ReviewForm,
    VerifyForm,
]


class _Page(HTMLParser):
    """The ids on a page, and the links of its error summary."""

    def __init__(self, html: str):
        super().__init__()
        self.ids, self.summary_links, self._summary_depth = set(), [], 0
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if attrs.get("id"):
            self.ids.add(attrs["id"])
        if self._summary_depth:
            self._summary_depth += tag == "div"
            if tag == "a":
                self.summary_links.append(attrs["href"])
        elif tag == "div" and "error-summary" in (attrs.get("class") or ""):
            self._summary_depth = 1

    def handle_endtag(self, tag):
        if self._summary_depth and tag == "div":
            self._summary_depth -= 1


def too_long(limit: int = LONG_TEXT) -> str:
    return "路" * (limit + 1)


class FormsTestCase(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.village = VillageFactory(name="龙江村")
        cls.personas = Personas.around(cls.village)


class ErrorSummaryTests(FormsTestCase):
    def post_editor(self, **overrides):
        pledge_list = PledgeList.objects.create(village=self.village, year=2026)
        self.client.force_login(self.personas.committee)
        return self.client.post(
            reverse("pledges:pledge_list_edit", args=[pledge_list.pk]),
            editor_data(pledge_list, **overrides),
        )

    def test_it_lists_each_field_error_once_as_a_link_to_the_field(self):
        response = self.post_editor(
            **{
                "projects-3-planned_finish": "2026-01-01",
                "projects-5-title": "",
                "prohibitions-1-text": too_long(200),
            }
        )
        page = _Page(response.content.decode())
        self.assertEqual(
            page.summary_links,
            ["#id_projects-3-planned_finish", "#id_projects-5-title", "#id_prohibitions-1-text"],
        )
        self.assertContains(response, "项目 4 · 计划完成：结束日期早于开始日期。", status_code=400)
        self.assertContains(
            response, "不准事项 2 · 内容：最多 200 个字，这段文字有 201 个字", status_code=400
        )

    def test_every_link_of_the_summary_leads_to_an_element_of_the_page(self):
        response = self.post_editor(
            projects=11,
            **{"projects-7-number": "1", "projects-2-title": too_long(100)},
        )
        page = _Page(response.content.decode())
        self.assertGreaterEqual(len(page.summary_links), 3)
        for link in page.summary_links:
            self.assertIn(link.removeprefix("#"), page.ids, link)

    def test_the_error_is_shown_beside_its_field_too(self):
        response = self.post_editor(**{"projects-5-title": ""})
        html = response.content.decode()
        field = html[html.index('<label for="id_projects-5-title"') :]
        field = field[: field.index("</div>")]
        self.assertIn('class="error">这个字段是必填项。', field)

    def test_a_project_form_page_has_the_same_summary(self):
        pledge_list = full_list(status=PledgeList.Status.PUBLISHED, village=self.village)
        project = pledge_list.projects.get(number=1)
        self.client.force_login(self.personas.committee)
        response = self.client.post(
            reverse("pledges:project_escalate", args=[project.pk]), {"problem": ""}
        )
        page = _Page(response.content.decode())
        self.assertEqual(page.summary_links, ["#id_problem"])
        self.assertIn("id_problem", page.ids)


class TextLimitTests(FormsTestCase):
    def test_every_text_field_of_every_pledges_form_has_a_maximum(self):
        for form_class in PLEDGE_FORMS:
            for name, field in form_class().fields.items():
                if isinstance(field, forms.CharField):
                    self.assertTrue(field.max_length, f"{form_class.__name__}.{name}")

    def test_the_message_gives_the_limit_and_the_length_typed(self):
        form = EscalationForm({"problem": too_long()})
        self.assertFalse(form.is_valid())
        [error] = form.errors["problem"]
        self.assertEqual(error, "最多 2000 个字，这段文字有 2001 个字，请删减后再提交。")

    def test_the_browser_does_not_cut_a_pasted_text_silently(self):
        html = str(ProjectForm()["title"]) + str(ProgressForm()["note"])
        self.assertNotIn("maxlength", html)
        self.assertIn("最多 2000 个字。", str(ProgressForm()["note"].help_text))

    def test_a_too_long_progress_note_comes_back_with_the_text_kept(self):
        pledge_list = full_list(status=PledgeList.Status.PUBLISHED, village=self.village)
        project = pledge_list.projects.get(number=1)
        self.client.force_login(self.personas.committee)
        note = "水渠已完成" + too_long()
        response = self.client.post(
            reverse("pledges:project_progress", args=[project.pk]), {"note": note}
        )
        self.assertContains(response, "最多 2000 个字，这段文字有 2006 个字", status_code=400)
        self.assertContains(response, note, status_code=400)
        self.assertFalse(project.updates.exists())

    def test_a_too_long_escalation_is_refused_with_the_text_kept(self):
        pledge_list = full_list(status=PledgeList.Status.PUBLISHED, village=self.village)
        project = pledge_list.projects.get(number=1)
        self.client.force_login(self.personas.committee)
        need = "需要水泥" + too_long()
        response = self.client.post(
            reverse("pledges:project_escalate", args=[project.pk]),
            {"problem": "缺水泥", "need": need},
        )
        self.assertContains(response, "这段文字有 2005 个字", status_code=400)
        self.assertContains(response, need, status_code=400)
        self.assertFalse(Escalation.objects.exists())

    def test_a_too_long_title_in_the_editor_is_refused_with_the_text_kept(self):
        pledge_list = PledgeList.objects.create(village=self.village, year=2026)
        self.client.force_login(self.personas.committee)
        title = "修建" + too_long(100)
        response = self.client.post(
            reverse("pledges:pledge_list_edit", args=[pledge_list.pk]),
            editor_data(pledge_list, **{"projects-0-title": title}),
        )
        self.assertContains(response, "最多 100 个字，这段文字有 103 个字", status_code=400)
        self.assertContains(response, title, status_code=400)

    def test_a_too_long_feasibility_comment_is_refused_not_cut(self):
        pledge_list = full_list(status=PledgeList.Status.SUBMITTED, village=self.village)
        project = pledge_list.projects.get(number=3)
        self.client.force_login(self.personas.cadre)
        comment = "请核实" + too_long()
        response = self.client.post(
            reverse("pledges:pledge_list_review", args=[pledge_list.pk]),
            {"decision": "return", "comment": "请修改", f"comment-{project.pk}": comment},
        )
        self.assertContains(response, "最多 2000 个字，这段文字有 2004 个字", status_code=400)
        self.assertContains(response, comment, status_code=400)
        self.assertIn(f"#comment-{project.pk}", _Page(response.content.decode()).summary_links)
        pledge_list.refresh_from_db()
        project.refresh_from_db()
        self.assertEqual(pledge_list.status, PledgeList.Status.SUBMITTED)
        self.assertEqual(project.review_comment, "")


class WordsTests(FormsTestCase):
    def test_the_change_decision_page_names_the_fields_and_shows_old_and_new(self):
        pledge_list = full_list(status=PledgeList.Status.PUBLISHED, village=self.village)
        project = pledge_list.projects.get(number=2)
        change = ChangeRequest.objects.create(
            project=project,
            reason="雨季延误",
            planned_finish="2026-12-25",
            requested_by=self.personas.committee,
        )
        self.client.force_login(self.personas.cadre)
        response = self.client.get(reverse("pledges:change_request_decide", args=[change.pk]))
        self.assertNotContains(response, "planned_finish")
        self.assertContains(response, "<dt>计划完成</dt>", html=False)
        old = project.planned_finish.strftime("%Y-%m-%d")
        self.assertContains(response, f"{old} → 2026-12-25")

    def test_a_checkbox_is_tapped_through_its_label(self):
        pledge_list = full_list(village=self.village)
        self.client.force_login(self.personas.committee)
        response = self.client.get(reverse("pledges:pledge_list_edit", args=[pledge_list.pk]))
        self.assertContains(response, '<label class="check"><input type="checkbox"', count=15)
        self.assertContains(response, "删除此不准事项")
