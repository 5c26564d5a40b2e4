import time

from django.core.cache import cache
from django.test import TestCase
from django.urls import reverse
from django.utils import timezone

from board import stamps
from pledges import services
from pledges.models import PledgeList, Project
from pledges.signals import written_in_bulk
from suggestions.models import Meeting, Suggestion
from tests.factories import DistrictFactory, TownshipFactory, UserFactory, VillageFactory, full_list

Status = PledgeList.Status
YEAR = timezone.localdate().year


def board(code: str) -> str:
    return reverse("board:board_place", args=[code])


class BoardContentTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.village = VillageFactory(name="龙江村", pinyin="longjiangcun")
        cls.township = cls.village.township
        cls.district = cls.township.district
        cls.published = full_list(status=Status.PUBLISHED, village=cls.village, year=YEAR)
        cls.draft_village = VillageFactory(township=cls.township, name="新坪村")
        full_list(status=Status.DRAFT, village=cls.draft_village, year=YEAR)
        lamp = cls.published.projects.get(number=1)
        Project.objects.filter(pk=lamp.pk).update(status=Project.Status.VERIFIED)
        # A write that bypasses the models says so, or the board's figures would not see it.
        written_in_bulk.send(sender=Project, village_ids=[cls.village.pk])
        cls.suggestion = Suggestion.objects.create(
            village=cls.village,
            year=YEAR,
            text="村口没有路灯",
            name="王大爷",
            phone="13800001234",
            status=Suggestion.Status.ADOPTED,
            reply="已纳入第1项",
            replied_at=timezone.now(),
        )
        cls.suggestion.projects.add(lamp)
        Suggestion.objects.create(
            village=cls.village,
            year=YEAR,
            text="骂人的话",
            status=Suggestion.Status.NOT_ADOPTED,
            reply="不予采纳",
            replied_at=timezone.now(),
            is_hidden=True,
            hidden_reason="含有人身攻击内容",
        )

    def setUp(self):
        cache.clear()

    def test_the_village_page_shows_the_published_list_and_public_replies_only(self):
        page = self.client.get(board(self.village.code))
        self.assertContains(page, "龙江村")
        self.assertContains(page, self.published.projects.get(number=10).title)
        self.assertContains(page, "已纳入第1项")
        self.assertNotContains(page, "王大爷")
        self.assertNotContains(page, "13800001234")
        self.assertNotContains(page, "骂人的话")
        self.assertContains(page, '<html lang="zh-Hans">')

    def test_a_draft_list_is_not_public(self):
        page = self.client.get(board(self.draft_village.code))
        self.assertContains(page, "本年度清单尚未公布")
        township = self.client.get(board(self.township.code))
        self.assertEqual(township.status_code, 200)
        # 10 projects of the published list only; 1 verified; lamps summed from the verified one
        self.assertContains(township, "<strong>1</strong> / 10")
        # the results chart names the quantity over its bar; its table gives it too
        self.assertContains(township, '<tspan fill="#0a58ca">30 盏</tspan>')
        self.assertContains(township, "<td>30 盏</td>")

    def test_the_district_page_lists_townships_with_published_figures(self):
        page = self.client.get(board(self.district.code))
        self.assertContains(page, self.township.name)
        self.assertContains(page, "1/10")

    def test_board_redirects_to_the_only_district_and_lists_several(self):
        self.assertRedirects(self.client.get(reverse("board:board")), board(self.district.code))
        DistrictFactory(name="播州区")
        self.assertContains(self.client.get(reverse("board:board")), "播州区")

    def test_search_by_name_pinyin_and_code(self):
        url = reverse("board:board_search")
        for query in ["龙江", "longjiang", "LongJiang", self.village.code[:10]]:
            with self.subTest(query=query):
                self.assertContains(self.client.get(url, {"q": query}), board(self.village.code))
        self.assertContains(self.client.get(url, {"q": "nowhere"}), "没有找到")

    def test_an_unknown_code_is_404(self):
        self.assertEqual(self.client.get(board("12345")).status_code, 404)
        self.assertEqual(self.client.get(board("999999999999")).status_code, 404)

    def test_the_poster_has_the_list_and_a_qr_code(self):
        url = reverse("board:board_poster", args=[self.village.code, YEAR])
        page = self.client.get(url)
        self.assertContains(page, "<svg")
        self.assertContains(
            page,
            "http://testserver" + reverse("board:board_village", args=[self.village.code, YEAR]),
        )
        self.assertContains(page, self.published.prohibitions.get(number=5).text)
        unpublished = reverse("board:board_poster", args=[self.draft_village.code, YEAR])
        self.assertEqual(self.client.get(unpublished).status_code, 404)


class BoardFreshnessTests(TestCase):
    """Conditional responses and caching, and never a stale board after a change."""

    @classmethod
    def setUpTestData(cls):
        cls.village = VillageFactory()
        cls.pledge_list = full_list(status=Status.PUBLISHED, village=cls.village, year=YEAR)
        cls.user = UserFactory()

    def setUp(self):
        cache.clear()

    def test_a_repeat_with_the_etag_gets_304(self):
        url = board(self.village.code)
        first = self.client.get(url)
        again = self.client.get(url, HTTP_IF_NONE_MATCH=first["ETag"])
        self.assertEqual(again.status_code, 304)
        self.assertEqual(again["ETag"], first["ETag"])

    def test_verifying_a_project_changes_every_page_at_once(self):
        project = self.pledge_list.projects.get(number=1)
        Project.objects.filter(pk=project.pk).update(status=Project.Status.COMPLETED)
        urls = [
            board(self.village.code),
            board(self.village.township.code),
            board(self.village.township.district.code),
        ]
        before = {url: self.client.get(url) for url in urls}
        project.refresh_from_db()
        self.assertTrue(project.verify(by=self.user))
        for url in urls:
            with self.subTest(url=url):
                after = self.client.get(url, HTTP_IF_NONE_MATCH=before[url]["ETag"])
                self.assertEqual(after.status_code, 200)
                self.assertNotEqual(after["ETag"], before[url]["ETag"])
        self.assertContains(self.client.get(urls[0]), "已核实销号")

    def test_a_new_reply_changes_the_village_page(self):
        url = board(self.village.code)
        etag = self.client.get(url)["ETag"]
        suggestion = Suggestion.objects.create(village=self.village, year=YEAR, text="修路")
        suggestion.answer_not_adopted(by=self.user, reply="明年安排")
        page = self.client.get(url, HTTP_IF_NONE_MATCH=etag)
        self.assertContains(page, "明年安排")

    def test_a_new_meeting_changes_the_township_and_district_pages(self):
        urls = [board(self.village.township.code), board(self.village.township.district.code)]
        etags = {url: self.client.get(url)["ETag"] for url in urls}
        Meeting.objects.create(village=self.village, date=timezone.localdate())
        for url in urls:
            with self.subTest(url=url):
                page = self.client.get(url, HTTP_IF_NONE_MATCH=etags[url])
                self.assertContains(page, "<strong>1</strong> 场群众会议")

    def test_renaming_the_township_changes_its_villages_pages(self):
        url = board(self.village.code)
        etag = self.client.get(url)["ETag"]
        township = self.village.township
        township.name = "新名镇"
        township.save()
        page = self.client.get(url, HTTP_IF_NONE_MATCH=etag)
        self.assertContains(page, "新名镇")

    def test_deleting_a_suggestion_changes_the_village_page(self):
        suggestion = Suggestion.objects.create(village=self.village, year=YEAR, text="修路")
        suggestion.answer_not_adopted(by=self.user, reply="明年安排")
        url = board(self.village.code)
        etag = self.client.get(url)["ETag"]
        suggestion.delete()
        page = self.client.get(url, HTTP_IF_NONE_MATCH=etag)
        self.assertNotContains(page, "明年安排")

    def test_a_warm_page_asks_the_database_nothing(self):
        url = board(self.village.code)
        self.client.get(url)
        with self.assertNumQueries(0):
            self.assertEqual(self.client.get(url).status_code, 200)

    def test_a_write_that_bypasses_the_models_shows_once_the_stamp_expires(self):
        # A queryset update sends no signal: the stamp kept in the cache hides it until
        # BOARD_STAMP_SECONDS pass, then the page shows it.
        url = board(self.village.code)
        project = self.pledge_list.projects.get(number=1)
        with self.settings(BOARD_STAMP_SECONDS=1):
            etag = self.client.get(url)["ETag"]
            Project.objects.filter(pk=project.pk).update(
                title="悄悄改的标题", modified=timezone.now()
            )
            self.assertEqual(self.client.get(url, HTTP_IF_NONE_MATCH=etag).status_code, 304)
            time.sleep(1.1)
            self.assertContains(self.client.get(url, HTTP_IF_NONE_MATCH=etag), "悄悄改的标题")

    def test_a_bulk_write_that_says_so_shows_at_once(self):
        url = board(self.village.code)
        etag = self.client.get(url)["ETag"]
        Project.objects.filter(pledge_list=self.pledge_list, number=1).update(
            title="批量改的标题", modified=timezone.now()
        )
        stamps.villages_changed([self.village.pk])
        self.assertContains(self.client.get(url, HTTP_IF_NONE_MATCH=etag), "批量改的标题")

    def test_english_gets_its_own_etag_and_content(self):
        url = board(self.village.code)
        chinese = self.client.get(url)
        english = self.client.get(url, HTTP_ACCEPT_LANGUAGE="en")
        self.assertNotEqual(chinese["ETag"], english["ETag"])
        self.assertContains(english, "Livelihood projects")


class BoardQueryBudgetTests(TestCase):
    def build(self, villages: int):
        township = TownshipFactory()
        for _ in range(villages):
            pledge_list = full_list(
                status=Status.PUBLISHED, village=VillageFactory(township=township), year=YEAR
            )
            services.progress_update_create(
                project=pledge_list.projects.first(), by=None, percent_done=20, note="开工"
            )
            Suggestion.objects.create(
                village=pledge_list.village,
                year=YEAR,
                text="修路",
                status=Suggestion.Status.ADOPTED,
                reply="好",
                replied_at=timezone.now(),
            )
        return township

    def test_query_counts_do_not_grow(self):
        for villages in (1, 5):
            cache.clear()
            township = self.build(villages)
            village = township.villages.first()
            cases = [
                # every page, warm: nothing (stamp and page from the cache, or a 304)
                # village, cold: the data stamp, village with tree, the list, projects, their
                # updates, photos, prohibitions, answered suggestions, their projects,
                # residents' decided challenges, confirmed reports of broken prohibitions,
                # the year-end review's published results (one query when there are none),
                # the years with a published list (the year switcher), the projects verified
                # by month this year and last (the chart, figures app; the projects' progress
                # charts come from the updates already read), the 4+2 record and its
                # meetings (决议公开), the candidates not chosen with their reasons
                (board(village.code), 0, 17),
                # township, cold: the data stamp, township with district, villages with their
                # figures (figures app), outcomes, reply times, the years, the projects
                # verified by month this year and last (the chart)
                (board(township.code), 0, 7),
                # district, cold: the data stamp, district, townships with their villages'
                # figures summed, outcomes, reply times, the years, the projects verified by
                # month this year and last (the chart)
                (board(township.district.code), 0, 7),
            ]
            for url, warm, cold in cases:
                with self.subTest(url=url, n=villages, cache="cold"), self.assertNumQueries(cold):
                    self.client.get(url)
                with self.subTest(url=url, n=villages, cache="warm"), self.assertNumQueries(warm):
                    self.client.get(url)


class RatesWithCountsTests(TestCase):
    """Every rate on the board says what it is made of: 满意率 90.0%（54/60）, not 90.0%."""

    def setUp(self):
        cache.clear()

    def test_the_district_page_gives_each_townships_completion_with_its_counts(self):
        village = VillageFactory()
        pledge_list = full_list(status=Status.PUBLISHED, village=village, year=YEAR)
        Project.objects.filter(pk=pledge_list.projects.get(number=1).pk).update(
            status=Project.Status.VERIFIED
        )
        written_in_bulk.send(sender=Project, village_ids=[village.pk])
        page = self.client.get(board(village.township.district.code) + f"?year={YEAR}")
        self.assertContains(page, "<td>10.0%（1/10）</td>", html=False)

    def test_the_village_page_gives_the_review_satisfaction_with_its_counts(self):
        from reviews import services as review_services
        from tests.reviews.factories import cast, make_review

        review = make_review()
        for number in range(6):
            cast(review, ["satisfied"] * 9 + ["dissatisfied"], name=f"评议人{number}")
        review.close(by=None)
        review_services.review_publish(review=review, by=None)
        village = review.pledge_list.village
        page = self.client.get(reverse("board:board_village", args=[village.code, 2025]))
        self.assertContains(page, "<li><strong>90.0%（54/60）</strong> 满意率</li>")
        self.assertContains(page, "满意率 100.0%（6/6）")  # each project, of its ballots
        self.assertContains(page, "满意率 0.0%（0/6）")  # the tenth project
