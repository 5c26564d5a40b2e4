import datetime

from django.core.cache import cache
from django.test import TestCase
from django.urls import reverse
from django.utils import timezone

from pledges.models import Escalation, PledgeList
from suggestions.models import Meeting, Suggestion, normalise_receipt_code
from tests.factories import TownshipFactory, VillageFactory, full_list
from tests.personas import DENIED, LOGIN, OK, WITH_A_ROLE, Personas, assert_matrix
from villages.models import Village

TOKEN = "0123456789abcdef0123456789abcdef"


def public_post(**overrides) -> dict:
    return {
        "text": "村口到小学的路没有路灯,晚上孩子放学不安全",
        "category": "lighting",
        "name": "王大爷",
        "phone": "13800001234",
        "website": "",
        "token": TOKEN,
        **overrides,
    }


class VillageWithList(TestCase):
    """龙江村 with this year's published list and its personas; the outsiders work in a
    village of another township."""

    @classmethod
    def setUpTestData(cls):
        cls.village = VillageFactory(name="龙江村")
        cls.pledge_list = full_list(
            status=PledgeList.Status.PUBLISHED, village=cls.village, year=timezone.localdate().year
        )
        cls.other_village = VillageFactory(
            township=TownshipFactory(district=cls.village.township.district)
        )
        cls.personas = Personas.around(cls.village, other_village=cls.other_village)

    def setUp(self):
        cache.clear()  # the rate limit counts in the cache

    def suggestion(self, **fields) -> Suggestion:
        fields.setdefault("text", "建议修一条灌溉水渠")
        return Suggestion.objects.create(
            village=self.village,
            year=timezone.localdate().year,
            **fields,
        )


class ResidentTests(VillageWithList):
    def test_a_resident_submits_gets_a_code_and_tracks_the_reply(self):
        url = reverse("suggestions:suggest", args=[self.village.code])
        self.assertContains(self.client.get(url), 'name="token"')
        response = self.client.post(url, public_post())
        suggestion = Suggestion.objects.get()
        self.assertRedirects(
            response, reverse("suggestions:suggestion_thanks", args=[suggestion.receipt_code])
        )
        self.assertContains(self.client.get(response.url), suggestion.receipt_code)
        self.assertEqual(suggestion.channel, Suggestion.Channel.ONLINE)

        # Typed in lower case without the dash, it still finds it.
        typed = suggestion.receipt_code.replace("-", "").lower()
        tracked = self.client.get(reverse("suggestions:track"), {"code": typed}, follow=True)
        self.assertContains(tracked, "已收到")
        self.assertContains(tracked, "尚未答复")
        self.assertNotContains(tracked, "王大爷")  # private
        self.assertNotContains(tracked, "13800001234")

        # The committee adopts it into project 3 with a reply; the reply shows on tracking.
        self.client.force_login(self.personas.committee)
        project = self.pledge_list.projects.get(number=3)
        self.client.post(
            suggestion.get_absolute_url(),
            {"action": "adopt", "projects": [project.pk], "reply": "已纳入今年第3项,年内完成"},
        )
        self.client.logout()
        tracked = self.client.get(
            reverse("suggestions:track_detail", args=[suggestion.receipt_code])
        )
        self.assertContains(tracked, "已纳入今年第3项,年内完成")
        self.assertContains(tracked, project.title)
        self.assertContains(tracked, "已采纳")

    def test_empty_and_too_long_texts_say_what_to_fix(self):
        url = reverse("suggestions:suggest", args=[self.village.code])
        self.assertContains(
            self.client.post(url, public_post(text="")), "这个字段是必填项", status_code=400
        )
        response = self.client.post(url, public_post(text="路" * 1001))
        self.assertContains(response, "1000", status_code=400)
        self.assertContains(
            self.client.post(url, public_post(phone="call me")), "电话号码", status_code=400
        )
        self.assertFalse(Suggestion.objects.exists())

    def test_a_text_over_the_maximum_says_both_lengths_and_is_kept(self):
        url = reverse("suggestions:suggest", args=[self.village.code])
        self.assertNotContains(self.client.get(url), 'maxlength="1000"')  # no silent cut
        response = self.client.post(url, public_post(text="路" * 1001))
        self.assertContains(response, "最多 1000 个字，这段文字有 1001 个字", status_code=400)
        self.assertContains(response, "路" * 1001, status_code=400)

    def test_script_tags_are_shown_as_text(self):
        self.client.post(
            reverse("suggestions:suggest", args=[self.village.code]),
            public_post(text="<script>alert('x')</script> 修路"),
        )
        code = Suggestion.objects.get().receipt_code
        page = self.client.get(reverse("suggestions:track_detail", args=[code]))
        self.assertNotContains(page, "<script>alert")
        self.assertContains(page, "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt;")

    def test_a_resent_post_stores_nothing_twice(self):
        url = reverse("suggestions:suggest", args=[self.village.code])
        first = self.client.post(url, public_post())
        second = self.client.post(url, public_post())
        self.assertEqual(Suggestion.objects.count(), 1)
        self.assertEqual(first.url, second.url)

    def test_a_robot_filling_the_honeypot_stores_nothing(self):
        response = self.client.post(
            reverse("suggestions:suggest", args=[self.village.code]),
            public_post(website="http://spam.example"),
        )
        self.assertContains(response, "已收到您的留言")
        self.assertFalse(Suggestion.objects.exists())

    def test_an_unknown_code_is_404_and_a_malformed_one_says_so(self):
        self.assertEqual(
            self.client.get(reverse("suggestions:track_detail", args=["ABCD-2345"])).status_code,
            404,
        )
        self.assertContains(
            self.client.get(reverse("suggestions:track"), {"code": "123"}), "ABCD-2345"
        )

    def test_receipt_codes_are_normalised(self):
        self.assertEqual(normalise_receipt_code(" abcd 2345 "), "ABCD-2345")
        self.assertEqual(normalise_receipt_code("ABCD-234"), "")


class CommitteeTests(VillageWithList):
    def test_not_adopted_needs_a_reply_and_closing_needs_one_too(self):
        suggestion = self.suggestion()
        self.client.force_login(self.personas.committee)
        response = self.client.post(
            suggestion.get_absolute_url(), {"action": "not_adopted", "reply": ""}
        )
        self.assertContains(response, "请填写公开答复", status_code=400)
        response = self.client.post(suggestion.get_absolute_url(), {"action": "close"})
        self.assertContains(response, "没有公开答复的意见建议不能办结", status_code=400)
        self.client.post(
            suggestion.get_absolute_url(),
            {"action": "not_adopted", "reply": "水源不足,暂不具备条件"},
        )
        self.client.post(suggestion.get_absolute_url(), {"action": "close"})
        suggestion.refresh_from_db()
        self.assertEqual(suggestion.status, Suggestion.Status.CLOSED)
        self.assertEqual(suggestion.reply, "水源不足,暂不具备条件")

    def test_passing_up_makes_an_escalation_the_township_sees(self):
        suggestion = self.suggestion()
        self.client.force_login(self.personas.committee)
        self.client.post(
            suggestion.get_absolute_url(), {"action": "pass_up", "reply": "已上报镇里协调水务部门"}
        )
        escalation = Escalation.objects.get()
        self.assertEqual(escalation.village, self.village)
        self.assertIsNone(escalation.project)
        self.client.force_login(self.personas.cadre)
        dashboard = self.client.get(
            reverse("dashboards:township_dashboard", args=[self.village.township.code])
        )
        self.assertContains(dashboard, "建议修一条灌溉水渠")
        self.client.post(
            reverse("pledges:escalation_answer", args=[escalation.pk]),
            {"action": "answer", "answer": "水务站下月勘测"},
        )
        escalation.refresh_from_db()
        self.assertEqual(escalation.status, Escalation.Status.ANSWERED)

    def test_hiding_abusive_text_keeps_it_in_history(self):
        suggestion = self.suggestion(text="某某干部是个混蛋")
        self.client.force_login(self.personas.committee)
        self.client.post(
            reverse("suggestions:suggestion_hide", args=[suggestion.pk]),
            {"reason": "含有人身攻击内容"},
        )
        self.client.logout()
        page = self.client.get(reverse("suggestions:track_detail", args=[suggestion.receipt_code]))
        self.assertNotContains(page, "混蛋")
        self.assertContains(page, "含有人身攻击内容")
        record = suggestion.history.first()
        self.assertTrue(record.is_hidden)
        self.assertEqual(record.text, "某某干部是个混蛋")

    def test_twenty_suggestions_from_one_meeting_in_one_go(self):
        self.client.force_login(self.personas.committee)
        lines = "\n".join(f"建议第{n}条:修缮村组道路" for n in range(1, 21))
        response = self.client.post(
            reverse("suggestions:meeting_new", args=[self.village.code]),
            {
                "date": "2026-02-10",
                "kind": "mass_meeting",
                "attendance": "56",
                "notes": "",
                "suggestions": lines + "\n\n  \n",
                "category": "roads",
            },
        )
        self.assertRedirects(
            response, reverse("suggestions:suggestion_inbox", args=[self.village.code])
        )
        meeting = Meeting.objects.get()
        self.assertEqual(meeting.suggestions.count(), 20)
        self.assertEqual(
            set(meeting.suggestions.values_list("channel", "category")), {("meeting", "roads")}
        )

    def test_the_inbox_puts_the_oldest_first_and_marks_overdue(self):
        today = timezone.localdate()
        old = self.suggestion(received=today - datetime.timedelta(days=20))
        new = self.suggestion(received=today - datetime.timedelta(days=2))
        self.suggestion(status=Suggestion.Status.NOT_ADOPTED, reply="不采纳")
        self.client.force_login(self.personas.committee)
        response = self.client.get(
            reverse("suggestions:suggestion_inbox", args=[self.village.code])
        )
        self.assertEqual(list(response.context["unanswered"]), [old, new])
        self.assertTrue(old.is_overdue)
        self.assertFalse(new.is_overdue)
        self.assertContains(response, "已逾期")

    def test_long_texts_of_a_meeting_and_a_reply_say_the_limit_and_are_kept(self):
        self.client.force_login(self.personas.committee)
        url = reverse("suggestions:meeting_new", args=[self.village.code])
        long_line = "修" * 1002
        response = self.client.post(
            url,
            {
                "date": "2026-02-10",
                "kind": "mass_meeting",
                "notes": "记" * 1001,
                "suggestions": f"修路\n{long_line}",
            },
        )
        self.assertContains(
            response, "第 2 行有 1002 字，每条意见建议最多 1000 字", status_code=400
        )
        self.assertContains(response, "最多 1000 个字，这段文字有 1001 个字", status_code=400)
        self.assertContains(response, long_line, status_code=400)
        suggestion = self.suggestion()
        reply = "答" * 2001
        response = self.client.post(
            suggestion.get_absolute_url(), {"action": "not_adopted", "reply": reply}
        )
        self.assertContains(response, "最多 2000 个字，这段文字有 2001 个字", status_code=400)
        self.assertContains(response, reply, status_code=400)

    def test_the_inbox_links_to_answering_several_with_a_standard_reply(self):
        self.suggestion()
        url = reverse("suggestions:suggestion_inbox", args=[self.village.code])
        bulk = reverse("suggestions:bulk_answer", args=[self.village.code])
        self.client.force_login(self.personas.committee)
        self.assertContains(self.client.get(url), f'href="{bulk}"')
        self.client.force_login(self.personas.district_admin)  # reads, does not answer
        self.assertNotContains(self.client.get(url), f'href="{bulk}"')

    def test_the_detail_page_shows_private_fields_to_the_committee(self):
        suggestion = self.suggestion(name="王大爷", phone="13800001234")
        self.client.force_login(self.personas.committee)
        self.assertContains(self.client.get(suggestion.get_absolute_url()), "13800001234")


class FiguresTests(VillageWithList):
    def test_meetings_received_adopted_answered_and_median_days_to_reply(self):
        year = timezone.localdate().year
        Meeting.objects.create(village=self.village, date=datetime.date(year, 1, 5))
        Meeting.objects.create(village=self.other_village, date=datetime.date(year, 1, 6))
        start = datetime.date(year, 1, 1)
        for days, status in [(2, "adopted"), (4, "not_adopted"), (10, "adopted")]:
            self.suggestion(
                received=start,
                status=status,
                reply="答复",
                replied_at=timezone.make_aware(
                    datetime.datetime.combine(
                        start + datetime.timedelta(days=days), datetime.time(10)
                    )
                ),
            )
        self.suggestion(received=start)
        figures = Suggestion.objects.figures(
            year=year, villages=Village.objects.filter(pk=self.village.pk)
        )
        self.assertEqual(
            figures,
            {"received": 4, "adopted": 2, "answered": 3, "median_days_to_reply": 4, "meetings": 1},
        )

    def test_the_township_page_shows_the_backlog_and_figures(self):
        self.suggestion(received=timezone.localdate() - datetime.timedelta(days=30))
        self.client.force_login(self.personas.cadre)
        response = self.client.get(
            reverse("suggestions:township_suggestions", args=[self.village.township.code])
        )
        first = response.context["villages"][0]
        self.assertEqual(first, self.village)
        self.assertEqual(first.backlog["overdue_count"], 1)
        # The column counts suggestions waiting for an answer, not projects to strike off.
        self.assertContains(response, '<th scope="col">待答复</th>', html=False)
        self.assertNotContains(response, "待销号")


class SuggestionPermissionTests(VillageWithList):
    def test_the_matrix(self):
        suggestion = self.suggestion(name="王大爷")
        code = self.village.code
        pages = {
            "inbox": reverse("suggestions:suggestion_inbox", args=[code]),
            "detail": suggestion.get_absolute_url(),
            "meeting": reverse("suggestions:meeting_new", args=[code]),
            "entry": reverse("suggestions:suggestion_new", args=[code]),
            "backlog": reverse(
                "suggestions:township_suggestions", args=[self.village.township.code]
            ),
        }
        order = [*WITH_A_ROLE, "nobody", "anonymous"]
        matrix = {
            #        committee reviewer cadre admin other_committee other_cadre nobody anonymous
            "inbox": (OK, DENIED, OK, OK, DENIED, DENIED, DENIED, LOGIN),
            "detail": (OK, DENIED, OK, OK, DENIED, DENIED, DENIED, LOGIN),
            "meeting": (OK, DENIED, OK, DENIED, DENIED, DENIED, DENIED, LOGIN),
            "entry": (OK, DENIED, OK, DENIED, DENIED, DENIED, DENIED, LOGIN),
            "backlog": (DENIED, DENIED, OK, OK, DENIED, DENIED, DENIED, LOGIN),
        }
        assert_matrix(self, self.personas, pages, matrix, order)

    def test_a_district_administrator_reads_but_cannot_answer(self):
        suggestion = self.suggestion()
        self.client.force_login(self.personas.district_admin)
        response = self.client.post(
            suggestion.get_absolute_url(), {"action": "not_adopted", "reply": "不行"}
        )
        self.assertEqual(response.status_code, 403)
        suggestion.refresh_from_db()
        self.assertEqual(suggestion.status, Suggestion.Status.RECEIVED)

    def test_another_village_cannot_hide_or_answer(self):
        suggestion = self.suggestion()
        self.client.force_login(self.personas.other_committee)
        self.assertEqual(
            self.client.post(
                reverse("suggestions:suggestion_hide", args=[suggestion.pk]), {"reason": "x"}
            ).status_code,
            403,
        )
        self.client.logout()
        url = suggestion.get_absolute_url()
        self.assertRedirects(self.client.get(url), f"{reverse('login')}?next={url}")


class InboxBudgetTests(VillageWithList):
    def test_the_inbox_query_count_does_not_grow(self):
        self.client.force_login(self.personas.committee)
        url = reverse("suggestions:suggestion_inbox", args=[self.village.code])
        for count in (1, 15):
            for _ in range(count):
                self.suggestion()
                self.suggestion(
                    status=Suggestion.Status.NOT_ADOPTED, reply="不采纳", replied_at=timezone.now()
                )
            # session, user, village with tree, memberships (scope), unanswered, answered
            with self.subTest(count=count), self.assertNumQueries(6):
                self.client.get(url)
