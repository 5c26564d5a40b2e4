"""The candidate pool (候选事项): from residents' suggestions, grouped, to candidates, to the
ten projects and five prohibitions of the draft list; what is not chosen keeps its reason,
which the township reads and the public sees once the list is published."""

from django.core.cache import cache
from django.test import TestCase
from django.urls import reverse
from django.utils import timezone

from pledges.models import PledgeList, Project
from residents.models import Follow, Message
from suggestions import services
from suggestions.models import Candidate, Meeting, Suggestion
from tests.factories import (
    PledgeListFactory,
    ProjectFactory,
    TownshipFactory,
    VillageFactory,
    full_list,
)
from tests.personas import DENIED, LOGIN, OK, Personas, assert_matrix

YEAR = timezone.localdate().year


class PoolCase(TestCase):
    """石桥村 drafting its list for the year, with its personas; the outsiders work in a
    village of another township."""

    @classmethod
    def setUpTestData(cls):
        cls.village = VillageFactory(name="石桥村")
        cls.other_village = VillageFactory(
            township=TownshipFactory(district=cls.village.township.district)
        )
        cls.personas = Personas.around(cls.village, other_village=cls.other_village)
        cls.committee = cls.personas.committee

    def setUp(self):
        cache.clear()
        self.client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"  # the messages as written here

    def suggest(self, text: str, **fields) -> Suggestion:
        fields.setdefault("year", YEAR)
        return Suggestion.objects.create(village=self.village, text=text, **fields)

    def candidate(self, title: str, **fields) -> Candidate:
        return services.candidate_create(
            village=self.village, year=YEAR, by=self.committee, title=title, **fields
        )

    def pool_url(self, name: str = "candidate_pool") -> str:
        return reverse(f"suggestions:{name}", args=[self.village.code, YEAR])


class MakingCandidatesTests(PoolCase):
    def test_it_makes_one_candidate_from_a_group_linking_all_its_suggestions(self):
        lamps = [self.suggest(f"村口到小学的路上装路灯，第{n}户") for n in range(3)]
        self.client.force_login(self.committee)
        response = self.client.post(
            self.pool_url("candidate_new"),
            {
                "suggestions": [s.pk for s in lamps],
                "title": "村口到小学安装路灯",
                "kind": "project",
                "category": "lighting",
                "meeting_count": "0",
            },
        )
        self.assertRedirects(response, self.pool_url())
        candidate = Candidate.objects.get()
        self.assertEqual(set(candidate.suggestions.all()), set(lamps))
        self.assertEqual(candidate.source, Candidate.Source.SUGGESTIONS)
        self.assertEqual(candidate.created_by, self.committee)
        for suggestion in lamps:  # the residents see their suggestion is being considered
            suggestion.refresh_from_db()
            self.assertEqual(suggestion.status, Suggestion.Status.CONSIDERING)
        # In the pool, with how many asked for it; gone from the groups still to make.
        page = self.client.get(self.pool_url())
        self.assertEqual(page.context["waiting_count"], 0)
        self.assertEqual([c.asked_count for c in page.context["in_pool"]], [3])
        self.assertContains(page, "村口到小学安装路灯")

    def test_the_pool_page_offers_each_group_as_one_form(self):
        for n in range(4):
            self.suggest(f"希望修通组里的水泥路{n}", category="roads")
        self.client.force_login(self.committee)
        page = self.client.get(self.pool_url())
        self.assertEqual(page.context["waiting_count"], 4)
        members = sum(group.count for group in page.context["groups"])
        self.assertEqual(members, 4)
        self.assertContains(page, 'name="suggestions"', count=4)
        self.assertContains(page, self.pool_url("candidate_new"))

    def test_a_candidate_from_a_meeting_counts_the_residents_who_asked_there(self):
        meeting = Meeting.objects.create(village=self.village, attendance=60)
        self.client.force_login(self.committee)
        response = self.client.post(
            self.pool_url("candidate_new"),
            {
                "title": "修建老年食堂",
                "kind": "project",
                "category": "care",
                "meeting": meeting.pk,
                "meeting_count": "23",
            },
        )
        self.assertRedirects(response, self.pool_url())
        candidate = Candidate.objects.with_asked_count().get()
        self.assertEqual(candidate.source, Candidate.Source.MEETING)
        self.assertEqual(candidate.asked_count, 23)

    def test_a_count_without_its_meeting_is_refused_with_the_input_kept(self):
        self.client.force_login(self.committee)
        response = self.client.post(
            self.pool_url("candidate_new"),
            {"title": "修建老年食堂", "kind": "project", "category": "care", "meeting_count": "9"},
        )
        self.assertEqual(response.status_code, 400)
        self.assertContains(response, "修建老年食堂", status_code=400)
        self.assertIn("meeting", response.context["form"].errors)
        self.assertFalse(Candidate.objects.exists())

    def test_another_villages_suggestions_cannot_be_linked(self):
        outsider = Suggestion.objects.create(village=self.other_village, year=YEAR, text="修路")
        self.client.force_login(self.committee)
        response = self.client.post(
            self.pool_url("candidate_new"),
            {
                "suggestions": [outsider.pk],
                "title": "修路",
                "kind": "project",
                "category": "roads",
                "meeting_count": "0",
            },
        )
        self.assertEqual(response.status_code, 400)
        self.assertFalse(Candidate.objects.exists())


class ChoosingTests(PoolCase):
    def decide(self, candidates, action: str, reason: str = ""):
        data = {"candidates": [c.pk for c in candidates], "action": action, "reason": reason}
        return self.client.post(self.pool_url("pool_decide"), data)

    def test_choosing_creates_the_projects_and_adopts_the_suggestions_telling_their_authors(self):
        lamps = [self.suggest(f"路灯{n}") for n in range(2)]
        follow = Follow.objects.create(suggestion=lamps[0], channel="sms", address="13900001111")
        lamp = self.candidate("安装太阳能路灯", suggestions=lamps, category="lighting")
        gifts = self.candidate("不准收受群众礼金", kind=Candidate.Kind.PROHIBITION)
        self.client.force_login(self.committee)
        with self.captureOnCommitCallbacks(execute=True):
            response = self.decide([lamp, gifts], "choose")
        self.assertRedirects(response, self.pool_url())
        pledge_list = PledgeList.objects.get(village=self.village, year=YEAR)
        project = pledge_list.projects.get()
        self.assertEqual(
            (project.number, project.title, project.category), (1, "安装太阳能路灯", "lighting")
        )
        self.assertEqual(pledge_list.prohibitions.get().text, "不准收受群众礼金")
        lamp.refresh_from_db()
        self.assertEqual((lamp.status, lamp.project), (Candidate.Status.CHOSEN, project))
        for suggestion in lamps:
            suggestion.refresh_from_db()
            self.assertEqual(suggestion.status, Suggestion.Status.ADOPTED)
            self.assertEqual(list(suggestion.projects.all()), [project])
            self.assertIn("安装太阳能路灯", suggestion.reply)
        told = Message.objects.get(follow=follow)
        self.assertEqual(told.event, f"answered:{lamps[0].pk}")
        self.assertEqual(project.history.first().history_user, self.committee)

    def test_chosen_items_take_the_free_numbers_of_the_list(self):
        pledge_list = PledgeListFactory(village=self.village, year=YEAR)
        ProjectFactory(pledge_list=pledge_list, number=1)
        ProjectFactory(pledge_list=pledge_list, number=3)
        first, second = self.candidate("硬化组道"), self.candidate("修水渠")
        self.client.force_login(self.committee)
        self.decide([first, second], "choose")
        numbers = dict(pledge_list.projects.values_list("title", "number"))
        self.assertEqual((numbers["硬化组道"], numbers["修水渠"]), (2, 4))

    def test_the_lists_limits_still_hold(self):
        pledge_list = PledgeListFactory(village=self.village, year=YEAR)
        for number in range(1, 10):
            ProjectFactory(pledge_list=pledge_list, number=number)
        suggestion = self.suggest("修水渠")
        one = self.candidate("修水渠", suggestions=[suggestion])
        two = self.candidate("建文化广场")
        self.client.force_login(self.committee)
        response = self.decide([one, two], "choose")
        self.assertContains(response, "room for 1 more projects; 2 were chosen", status_code=400)
        self.assertEqual(pledge_list.projects.count(), 9)  # all or nothing
        self.assertEqual(Candidate.objects.in_pool().count(), 2)
        suggestion.refresh_from_db()
        self.assertEqual(suggestion.status, Suggestion.Status.CONSIDERING)
        # the ticks are kept on the page that says so
        self.assertEqual(response.context["ticked"], {str(one.pk), str(two.pk)})
        self.assertRedirects(self.decide([one], "choose"), self.pool_url())
        self.assertEqual(pledge_list.projects.count(), 10)

    def test_nothing_is_chosen_into_a_submitted_list(self):
        full_list(status=PledgeList.Status.SUBMITTED, village=self.village, year=YEAR)
        one = self.candidate("修水渠")
        self.client.force_login(self.committee)
        response = self.decide([one], "choose")
        self.assertContains(response, "can no longer be edited", status_code=400)
        one.refresh_from_db()
        self.assertEqual(one.status, Candidate.Status.POOL)

    def test_not_chosen_needs_a_reason_and_answers_the_waiting_suggestions(self):
        suggestion = self.suggest("修一座桥")
        bridge = self.candidate("修建跨河大桥", suggestions=[suggestion])
        self.client.force_login(self.committee)
        response = self.decide([bridge], "decline")
        self.assertContains(response, "Say why it is not chosen this year.", status_code=400)
        bridge.refresh_from_db()
        self.assertEqual(bridge.status, Candidate.Status.POOL)
        self.assertRedirects(
            self.decide([bridge], "decline", "资金超出村级能力，已上报镇里"), self.pool_url()
        )
        bridge.refresh_from_db()
        self.assertEqual(
            (bridge.status, bridge.reason),
            (Candidate.Status.NOT_CHOSEN, "资金超出村级能力，已上报镇里"),
        )
        suggestion.refresh_from_db()
        self.assertEqual(suggestion.status, Suggestion.Status.NOT_ADOPTED)
        self.assertIn("资金超出村级能力", suggestion.reply)


class VisibilityTests(PoolCase):
    def test_the_reason_is_on_the_board_once_the_list_is_published_not_before(self):
        pledge_list = full_list(village=self.village, year=YEAR)
        bridge = self.candidate("修建跨河大桥")
        bridge.decline(by=self.committee, reason="资金超出村级能力")
        board = reverse("board:board_village", args=[self.village.code, YEAR])
        self.assertNotContains(self.client.get(board), "资金超出村级能力")
        # the township reads the reason while the list is still being drafted
        self.client.force_login(self.personas.cadre)
        self.assertContains(self.client.get(self.pool_url()), "资金超出村级能力")
        self.client.logout()
        PledgeList.objects.filter(pk=pledge_list.pk).update(status=PledgeList.Status.PUBLISHED)
        pledge_list.refresh_from_db()
        pledge_list.save()  # a publication moves the list's `modified`, and so the stamp
        page = self.client.get(board)
        self.assertContains(page, "修建跨河大桥")
        self.assertContains(page, "资金超出村级能力")

    def test_a_reason_changed_after_publication_changes_the_board(self):
        full_list(status=PledgeList.Status.PUBLISHED, village=self.village, year=YEAR)
        board = reverse("board:board_village", args=[self.village.code, YEAR])
        self.assertNotContains(self.client.get(board), "修建跨河大桥")  # cached now
        self.candidate("修建跨河大桥").decline(by=self.committee, reason="明年再议")
        self.assertContains(self.client.get(board), "明年再议")

    def test_the_township_review_links_to_the_pool(self):
        pledge_list = full_list(status=PledgeList.Status.SUBMITTED, village=self.village, year=YEAR)
        self.client.force_login(self.personas.cadre)
        review = self.client.get(reverse("pledges:pledge_list_review", args=[pledge_list.pk]))
        self.assertContains(review, self.pool_url())

    def test_the_committee_reaches_the_pool_from_its_list(self):
        pledge_list = PledgeListFactory(village=self.village, year=YEAR)
        self.client.force_login(self.committee)
        page = self.client.get(reverse("pledges:pledge_list_detail", args=[pledge_list.pk]))
        self.assertContains(page, self.pool_url())
        self.client.force_login(self.personas.reviewer)
        page = self.client.get(reverse("pledges:pledge_list_detail", args=[pledge_list.pk]))
        self.assertNotContains(page, self.pool_url())


ORDER = (
    "committee",
    "reviewer",
    "cadre",
    "district_admin",
    "other_committee",
    "other_cadre",
    "nobody",
    "anonymous",
)


class PermissionTests(PoolCase):
    def test_the_committee_writes_the_township_and_district_read_nobody_else_sees(self):
        urls = {"pool": self.pool_url(), "new": self.pool_url("candidate_new")}
        expected = {
            "pool": (OK, DENIED, OK, OK, DENIED, DENIED, DENIED, LOGIN),
            "new": (OK, DENIED, DENIED, DENIED, DENIED, DENIED, DENIED, LOGIN),
        }
        assert_matrix(self, self.personas, urls, expected, ORDER)

    def test_only_the_committee_decides(self):
        one = self.candidate("修水渠")
        data = {"candidates": [one.pk], "action": "decline", "reason": "明年再议"}
        urls = {"decide": (self.pool_url("pool_decide"), data)}
        expected = {"decide": (DENIED, DENIED, DENIED, DENIED, DENIED, DENIED, DENIED, LOGIN)}
        assert_matrix(
            self, self.personas, urls, expected, ORDER[1:] + ("committee",)[:0], method="post"
        ) if False else None
        order = ORDER[1:]
        assert_matrix(
            self, self.personas, urls, {"decide": expected["decide"][1:]}, order, method="post"
        )
        one.refresh_from_db()
        self.assertEqual(one.status, Candidate.Status.POOL)
        self.client.force_login(self.committee)
        self.assertEqual(self.client.post(*urls["decide"]).status_code, 302)

    def test_the_pool_page_takes_no_get_for_a_decision(self):
        self.client.force_login(self.committee)
        self.assertEqual(self.client.get(self.pool_url("pool_decide")).status_code, 405)

    def test_the_readers_see_no_forms(self):
        self.candidate("修水渠")
        self.suggest("希望修路")
        self.client.force_login(self.personas.cadre)
        page = self.client.get(self.pool_url())
        self.assertContains(page, "修水渠")
        self.assertNotContains(page, "希望修路")  # the groups are the committee's tool
        self.assertNotContains(page, self.pool_url("pool_decide"))


class PoolBudgetTests(PoolCase):
    def build(self, size: int) -> None:
        for n in range(size):
            self.suggest(f"第{n}组的路灯坏了", category="lighting")
            self.suggest(f"希望第{n}组修水渠", category="irrigation")
        for n in range(size):
            linked = [self.suggest(f"修路{n}-{m}") for m in range(2)]
            self.candidate(f"候选{n}", suggestions=linked)
        for n in range(size):
            self.candidate(f"不选{n}").decline(by=self.committee, reason="明年")
        chosen = self.candidate("已选")
        services.candidates_choose(
            village=self.village, year=YEAR, candidates=[chosen], by=self.committee
        )

    def test_the_pool_page_costs_the_same_at_any_size(self):
        self.client.force_login(self.committee)
        for size in (2, 8):
            Candidate.objects.all().delete()
            Suggestion.objects.all().delete()
            Project.objects.all().delete()
            self.build(size)
            # session, user, village with its tree, memberships (scope), the list with its
            # item counts, the candidates with their counts, projects, prohibitions and
            # meetings, the suggestions not yet in the pool (grouped in Python, no query)
            with self.subTest(size=size), self.assertNumQueries(7):
                response = self.client.get(self.pool_url())
            self.assertEqual(len(response.context["in_pool"]), size)
            self.assertEqual(len(response.context["not_chosen"]), size)
            self.assertEqual(response.context["waiting_count"], 2 * size)

    def test_the_township_reads_it_for_the_same_cost(self):
        self.client.force_login(self.personas.cadre)
        for size in (2, 8):
            Candidate.objects.all().delete()
            Project.objects.all().delete()
            self.build(size)
            # session, user, village with its tree, memberships (scope), the list with its
            # item counts, the candidates (no groups for the township)
            with self.subTest(size=size), self.assertNumQueries(6):
                self.client.get(self.pool_url())


class ExportTests(PoolCase):
    def sheets(self, user) -> dict:
        import io

        from openpyxl import load_workbook

        self.client.defaults.pop("HTTP_ACCEPT_LANGUAGE", None)  # the workbook as offices get it
        self.client.force_login(user)
        url = reverse("imports:export", args=[self.village.code, "lists"]) + f"?year={YEAR}"
        response = self.client.get(url)
        self.assertEqual(response.status_code, 200)
        workbook = load_workbook(io.BytesIO(response.content))
        return {sheet.title: list(sheet.values) for sheet in workbook.worksheets}

    def test_the_pool_exports_with_the_list_for_the_committee_and_township(self):
        PledgeListFactory(village=self.village, year=YEAR)
        lamps = [self.suggest(f"路灯{n}") for n in range(3)]
        chosen = self.candidate("安装路灯", suggestions=lamps)
        services.candidates_choose(
            village=self.village, year=YEAR, candidates=[chosen], by=self.committee
        )
        self.candidate("修建大桥").decline(by=self.committee, reason="资金不足")
        for user in (self.committee, self.personas.cadre):
            rows = self.sheets(user)["候选事项"]
            by_title = {row[4]: row for row in rows[1:]}
            self.assertEqual(by_title["安装路灯"][7:10], (3, "列入清单", 1))
            self.assertEqual(by_title["修建大桥"][10], "资金不足")

    def test_a_reviewer_exports_the_list_without_any_candidate(self):
        PledgeListFactory(village=self.village, year=YEAR)
        self.candidate("修建大桥")
        sheets = self.sheets(self.personas.reviewer)
        self.assertEqual(len(sheets["候选事项"]), 1)  # the headers, no candidate


class WorkQueueTests(PoolCase):
    def test_the_committee_is_told_what_waits_in_the_pool_of_its_draft(self):
        import datetime

        from django.utils import translation

        from suggestions import work

        PledgeListFactory(village=self.village, year=YEAR)
        today = datetime.date(YEAR, 1, 10)
        self.assertEqual(work.pool_work(self.village, today), [])
        suggestions = candidates = 0
        for size in (1, 6):
            for n in range(size):
                self.suggest(f"修路{size}-{n}")
                self.suggest(f"去年的建议{size}-{n}", year=YEAR - 1)  # collected ahead
                self.candidate(f"候选{size}-{n}")
            suggestions, candidates = suggestions + 2 * size, candidates + size
            self.suggest("已答复", status=Suggestion.Status.NOT_ADOPTED, reply="不采纳")
            # the draft lists with their waiting suggestions and candidates
            with self.subTest(size=size), self.assertNumQueries(1), translation.override("en"):
                waiting, choose = work.pool_work(self.village, today)
            self.assertIn(f"{suggestions} suggestions not yet", waiting.title)
            self.assertEqual(waiting.url, self.pool_url() + "#groups")
            self.assertIn(f"from {candidates} candidate", choose.title)
            self.assertEqual(choose.due, datetime.date(YEAR, 1, 31))

    def test_the_lines_are_on_the_landing_and_go_once_the_list_is_submitted(self):
        pledge_list = PledgeListFactory(village=self.village, year=YEAR)
        self.suggest("修路")
        self.client.force_login(self.committee)
        self.assertContains(self.client.get("/"), self.pool_url() + "#groups")
        PledgeList.objects.filter(pk=pledge_list.pk).update(status=PledgeList.Status.SUBMITTED)
        self.assertNotContains(self.client.get("/"), self.pool_url())
