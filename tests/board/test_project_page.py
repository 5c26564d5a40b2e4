"""The public page of one project (/board/<village>/<year>/projects/<n>/), its printable site
plate, and years the board cannot show (issue 15, items 7 and 12)."""

import datetime
import io
import shutil
import tempfile

from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import TestCase, override_settings
from django.urls import reverse
from django.utils import timezone
from PIL import Image

from pledges import services
from pledges.models import ChangeRequest, PledgeList, Project
from residents import services as resident_services
from suggestions import services as suggestion_services
from suggestions.models import Suggestion
from tests.factories import UserFactory, VillageFactory, full_list
from tests.personas import Personas

Status = PledgeList.Status
YEAR = timezone.localdate().year
MEDIA = tempfile.mkdtemp(prefix="board-test-media-")


def photo():
    buffer = io.BytesIO()
    Image.new("RGB", (320, 240), (40, 120, 200)).save(buffer, "JPEG")
    return SimpleUploadedFile("site.jpg", buffer.getvalue(), content_type="image/jpeg")


def project_url(village, number: int, year: int = YEAR) -> str:
    return reverse("board:board_project", args=[village.code, year, number])


def plate_url(village, number: int, year: int = YEAR) -> str:
    return reverse("board:board_project_plate", args=[village.code, year, number])


class MediaTestCase(TestCase):
    @classmethod
    def tearDownClass(cls):
        super().tearDownClass()
        shutil.rmtree(MEDIA, ignore_errors=True)

    def setUp(self):
        cache.clear()


@override_settings(MEDIA_ROOT=MEDIA)
class ProjectPageTests(MediaTestCase):
    @classmethod
    def setUpTestData(cls):
        cls.village = VillageFactory(name="龙江村")
        cls.people = Personas.around(cls.village)
        cls.pledge_list = full_list(status=Status.PUBLISHED, village=cls.village, year=YEAR)
        cls.project = cls.pledge_list.projects.get(number=3)
        Project.objects.filter(pk=cls.project.pk).update(title="安装太阳能路灯30盏")
        cls.project.refresh_from_db()
        committee, cadre = cls.people.committee, cls.people.cadre
        services.progress_update_create(
            project=cls.project,
            by=committee,
            percent_done=40,
            note="已安装12盏",
            date=datetime.date(YEAR, 4, 2),
            photos=[photo()],
        )
        change = services.change_request_create(
            project=cls.project,
            by=committee,
            kind=ChangeRequest.Kind.CHANGE,
            reason="雨季推迟施工",
            planned_finish=datetime.date(YEAR, 12, 20),
        )
        services.change_request_decide(change_request=change, by=cadre, approve=True)
        refused = services.change_request_create(
            project=cls.project,
            by=committee,
            kind=ChangeRequest.Kind.CHANGE,
            reason="想改成20盏",
            target_quantity=20,
        )
        services.change_request_decide(
            change_request=refused, by=cadre, approve=False, note="不同意减量"
        )
        cls.project.refresh_from_db()
        services.project_complete(project=cls.project, by=committee, note="30盏全部安装")
        cls.project.refresh_from_db()
        services.project_verify(
            project=cls.project, by=cadre, verify=True, note="现场核实，30盏全部亮灯"
        )
        cls.suggestion = Suggestion.objects.create(
            village=cls.village,
            year=YEAR,
            text="村口太黑，希望装路灯",
            name="王大爷",
            phone="13800001234",
        )
        suggestion_services.suggestion_adopt(
            suggestion=cls.suggestion, by=committee, projects=[cls.project], reply="已纳入第3项"
        )
        hidden = Suggestion.objects.create(village=cls.village, year=YEAR, text="骂人的话")
        suggestion_services.suggestion_adopt(
            suggestion=hidden, by=committee, projects=[cls.project], reply="已纳入"
        )
        hidden.hide(by=committee, reason="人身攻击")
        challenge = resident_services.challenge_submit(
            project=cls.project, text="东头3盏不亮", contact="13900005678"
        )
        resident_services.challenge_rule(
            challenge=challenge, uphold=False, by=cadre, answer="复查全部亮灯，系线路检修临时断电"
        )

    def test_it_shows_what_was_promised_and_what_happened(self):
        page = self.client.get(project_url(self.village, 3))
        for text in [
            "安装太阳能路灯30盏",  # title
            "路灯照明",  # category
            "30 盏",  # target
            f"{YEAR}-03-01",  # planned start
            f"{YEAR}-12-20",  # planned finish, as changed
            "已核实销号",  # status
            "已安装12盏",  # a dated progress report…
            f"{YEAR}-04-02",
            "<img src=",  # …with its photo
            "现场核实，30盏全部亮灯",  # the township's verification note
            "雨季推迟施工",  # an approved change, and why
            "复查全部亮灯，系线路检修临时断电",  # the ruling on a challenge
            "村口太黑，希望装路灯",  # the suggestion adopted into it…
            "已纳入第3项",  # …and its reply
        ]:
            with self.subTest(text=text):
                self.assertContains(page, text)

    def test_it_never_shows_private_or_hidden_text(self):
        page = self.client.get(project_url(self.village, 3))
        for text in [
            "王大爷",
            "13800001234",
            "骂人的话",
            "13900005678",
            "想改成20盏",
            "不同意减量",
        ]:
            with self.subTest(text=text):
                self.assertNotContains(page, text)

    def test_english_gets_its_own_page(self):
        page = self.client.get(project_url(self.village, 3), HTTP_ACCEPT_LANGUAGE="en")
        self.assertContains(page, "Progress reports")
        self.assertContains(page, "on 1 challenge")

    def test_the_village_board_links_each_project_to_its_page(self):
        board = self.client.get(reverse("board:board_village", args=[self.village.code, YEAR]))
        for number in range(1, 11):
            with self.subTest(number=number):
                self.assertContains(board, f'href="{project_url(self.village, number)}"')

    def test_only_projects_of_published_lists_exist_and_anything_else_is_404(self):
        draft = full_list(status=Status.DRAFT, year=YEAR)
        for url in [
            project_url(draft.village, 1),  # a draft list
            project_url(self.village, 11),  # no such number
            project_url(self.village, 0),
            project_url(self.village, 99999999999999999999),
            project_url(self.village, 1, YEAR - 1),  # no list that year
            project_url(self.village, 1, 0),
            project_url(self.village, 1, 10000),
            project_url(self.village, 1, 99999),
            reverse("board:board_project", args=["999999999999", YEAR, 1]),
            plate_url(draft.village, 1),
            plate_url(self.village, 11),
            plate_url(self.village, 1, 0),
            plate_url(self.village, 1, 99999),
        ]:
            with self.subTest(url=url):
                self.assertEqual(self.client.get(url).status_code, 404)

    def test_the_plate_has_a_qr_code_of_the_page_the_title_village_and_promise_date(self):
        page = self.client.get(plate_url(self.village, 3))
        self.assertContains(page, '<svg width="100%"')
        self.assertContains(page, "http://testserver" + project_url(self.village, 3))
        self.assertContains(page, "安装太阳能路灯30盏")
        self.assertContains(page, "龙江村")
        self.assertContains(page, f"{YEAR}-12-20")
        self.assertContains(page, "poster.css")  # A4, as the village poster

    def test_the_committees_project_page_links_to_the_public_one(self):
        self.client.force_login(self.people.committee)
        page = self.client.get(self.project.get_absolute_url())
        self.assertContains(page, f'href="{project_url(self.village, 3)}"')

    def test_the_project_page_links_to_its_plate(self):
        page = self.client.get(project_url(self.village, 3))
        self.assertContains(page, f'href="{plate_url(self.village, 3)}"')


@override_settings(MEDIA_ROOT=MEDIA)
class ProjectPageFreshnessTests(MediaTestCase):
    """The page is cached with the village's pages and changes with every write it shows."""

    @classmethod
    def setUpTestData(cls):
        cls.village = VillageFactory()
        cls.people = Personas.around(cls.village)
        cls.pledge_list = full_list(status=Status.PUBLISHED, village=cls.village, year=YEAR)

    def setUp(self):
        super().setUp()
        self.project = self.pledge_list.projects.get(number=1)
        self.url = project_url(self.village, 1)

    def assert_changed(self, etag: str, text: str):
        page = self.client.get(self.url, HTTP_IF_NONE_MATCH=etag)
        self.assertEqual(page.status_code, 200)
        self.assertNotEqual(page["ETag"], etag)
        self.assertContains(page, text)

    def test_a_warm_page_asks_the_database_nothing_and_a_repeat_gets_304(self):
        etag = self.client.get(self.url)["ETag"]
        with self.assertNumQueries(0):
            self.assertEqual(self.client.get(self.url).status_code, 200)
        self.assertEqual(self.client.get(self.url, HTTP_IF_NONE_MATCH=etag).status_code, 304)

    def test_a_progress_report_without_figures_shows_at_once(self):
        services.progress_update_create(project=self.project, by=None, percent_done=10)
        etag = self.client.get(self.url)["ETag"]
        # no new figure: the project row is not touched, the report and its photo still show
        services.progress_update_create(
            project=self.project, by=None, note="路基已平整", photos=[photo()]
        )
        self.assert_changed(etag, "路基已平整")

    def test_a_verification_shows_at_once_with_its_note(self):
        services.project_complete(project=self.project, by=None, note="完工")
        etag = self.client.get(self.url)["ETag"]
        services.project_verify(
            project=self.project, by=self.people.cadre, verify=True, note="验收合格"
        )
        self.assert_changed(etag, "验收合格")

    def test_an_approved_change_shows_at_once(self):
        change = services.change_request_create(
            project=self.project,
            by=self.people.committee,
            kind=ChangeRequest.Kind.CHANGE,
            reason="村民要求增加数量",
            target_quantity=40,
        )
        etag = self.client.get(self.url)["ETag"]
        services.change_request_decide(change_request=change, by=self.people.cadre, approve=True)
        self.assert_changed(etag, "村民要求增加数量")

    def test_a_ruling_shows_at_once(self):
        services.project_complete(project=self.project, by=None, note="完工")
        services.project_verify(project=self.project, by=self.people.cadre, verify=True)
        challenge = resident_services.challenge_submit(project=self.project, text="没修好")
        etag = self.client.get(self.url)["ETag"]
        resident_services.challenge_rule(
            challenge=challenge, uphold=True, by=self.people.cadre, answer="确有2处未完成"
        )
        self.assert_changed(etag, "确有2处未完成")

    def test_an_adopted_suggestion_of_an_earlier_year_shows_at_once(self):
        suggestion = Suggestion.objects.create(
            village=self.village, year=YEAR - 1, text="去年提的：修村道"
        )
        etag = self.client.get(self.url)["ETag"]
        suggestion_services.suggestion_adopt(
            suggestion=suggestion, by=None, projects=[self.project], reply="纳入今年第1项"
        )
        self.assert_changed(etag, "纳入今年第1项")


@override_settings(MEDIA_ROOT=MEDIA)
class ProjectPageQueryBudgetTests(MediaTestCase):
    def test_the_project_page_costs_the_same_for_2_and_8_progress_reports(self):
        for reports in (2, 8):
            cache.clear()
            pledge_list = full_list(status=Status.PUBLISHED, year=YEAR)
            project = pledge_list.projects.get(number=1)
            user = UserFactory()
            for day in range(reports):
                services.progress_update_create(
                    project=project,
                    by=user,
                    percent_done=10 + day,
                    note=f"第{day + 1}次",
                    date=datetime.date(YEAR, 3, day + 1),
                    photos=[photo()],
                )
                Suggestion.objects.create(
                    village=pledge_list.village, year=YEAR, text=f"建议{day}"
                ).projects.add(project)
            url = project_url(pledge_list.village, 1)
            # the data stamp; the project with its list, village, township and district; its
            # history (status steps); progress reports; their photos; approved changes;
            # rulings; open challenges; adopted suggestions
            with self.subTest(reports=reports, cache="cold"), self.assertNumQueries(9):
                page = self.client.get(url)
            self.assertContains(page, f"第{reports}次")
            with self.subTest(reports=reports, cache="warm"), self.assertNumQueries(0):
                self.client.get(url)


class BoardYearTests(TestCase):
    """A year no list can have is not found; a year without a list says so; neither shows
    another year instead (issue 15, item 12)."""

    @classmethod
    def setUpTestData(cls):
        cls.village = VillageFactory()
        cls.township = cls.village.township
        cls.district = cls.township.district
        full_list(status=Status.PUBLISHED, village=cls.village, year=YEAR)

    def setUp(self):
        cache.clear()

    def place(self, code: str) -> str:
        return reverse("board:board_place", args=[code])

    def test_a_path_year_no_list_can_have_is_404(self):
        for year in (0, 1999, 10000, 99999):
            for name in ("board:board_village", "board:board_poster"):
                url = reverse(name, args=[self.village.code, year])
                with self.subTest(url=url):
                    self.assertEqual(self.client.get(url).status_code, 404)

    def test_a_query_year_no_list_can_have_is_404_not_this_year(self):
        for code in (self.village.code, self.township.code, self.district.code):
            for year in ("1999", "0", "10000", "abc", "²⁰²⁶"):
                with self.subTest(code=code, year=year):
                    page = self.client.get(self.place(code), {"year": year})
                    self.assertEqual(page.status_code, 404)
        for name in ("board:board_export_csv", "board:board_export_xlsx"):
            url = reverse(name, args=[self.township.code])
            with self.subTest(url=url):
                self.assertEqual(self.client.get(url, {"year": "1999"}).status_code, 404)

    def test_a_year_without_a_list_says_so_and_links_to_the_years_with_one(self):
        later = YEAR + 3
        for code in (self.village.code, self.township.code, self.district.code):
            with self.subTest(code=code):
                page = self.client.get(self.place(code), {"year": later})
                self.assertEqual(page.status_code, 200)
                self.assertContains(page, str(later))
                self.assertContains(page, f'href="{self.place(code)}?year={YEAR}"')
        for code in (self.township.code, self.district.code):
            page = self.client.get(self.place(code), {"year": later})
            self.assertContains(page, f"这里还没有公布{later}年的清单")

    def test_a_village_address_shows_the_year_asked_for(self):
        page = self.client.get(self.place(self.village.code), {"year": YEAR - 1})
        self.assertContains(page, "本年度清单尚未公布")
        self.assertContains(page, str(YEAR - 1))
        this_year = self.client.get(self.place(self.village.code))
        self.assertNotContains(this_year, "本年度清单尚未公布")
