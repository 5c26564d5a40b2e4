"""Open data: the board's JSON under /api/v1/, its OpenAPI document (generated from the API's
schemas), and the CSV / xlsx downloads of the district and township tables."""

import csv
import datetime
import io
import json
import re
import zipfile
from decimal import Decimal
from pathlib import Path
from unittest import mock
from urllib.parse import quote

import jsonschema_rs
import pydantic
from django.conf import settings
from django.core.cache import cache
from django.test import Client, TestCase
from django.urls import resolve, reverse
from django.utils import timezone
from openpyxl import load_workbook

from board import open_data
from board.api import PREFIX
from board.api import api as open_data_api
from board.api import urlpatterns as api_urlpatterns
from pledges.models import PledgeList, Project
from pledges.signals import written_in_bulk
from suggestions.models import Meeting, Suggestion
from tests.factories import (
    DistrictFactory,
    TownshipFactory,
    UserFactory,
    VillageFactory,
    full_list,
)

YEAR = 2026
PRIVATE = ("张三丰", "13812345678")
HIDDEN_TEXT = "这条文字已被屏蔽不应公开"


def noon(*date) -> datetime.datetime:
    """Noon in the site's time zone: the same date in UTC, whatever the hour of the test."""
    return timezone.make_aware(datetime.datetime(*date, 12))


def api(name: str, *args, year: int | None = YEAR) -> str:
    url = reverse(f"board:{name}", args=args)
    return f"{url}?year={year}" if year else url


class OpenDataCase(TestCase):
    """A district with one township: a published list, a draft list, a village with none."""

    @classmethod
    def setUpTestData(cls):
        today = timezone.localdate()
        cls.user = UserFactory()
        cls.district = DistrictFactory(code="520302", name="红花岗区")
        cls.township = TownshipFactory(district=cls.district, code="520302001", name="忠庄街道")
        cls.village = VillageFactory(township=cls.township, code="520302001001", name="龙江村")
        cls.draft_village = VillageFactory(
            township=cls.township, code="520302001002", name="草稿村"
        )
        cls.empty_village = VillageFactory(
            township=cls.township, code="520302001003", name="未报村"
        )
        cls.pledge_list = full_list(
            status=PledgeList.Status.PUBLISHED, village=cls.village, year=YEAR
        )
        PledgeList.objects.filter(pk=cls.pledge_list.pk).update(
            published_at=timezone.now() - datetime.timedelta(days=200)
        )
        full_list(village=cls.draft_village, year=YEAR)  # a draft: never counted
        projects = cls.pledge_list.projects
        projects.update(planned_finish=today + datetime.timedelta(days=300))
        # 1: completed (waiting), 2: verified, 3: in progress and overdue, 4: in progress
        projects.filter(number=1).update(
            status=Project.Status.COMPLETED, target_quantity=Decimal("120.50"), unit="米"
        )
        projects.filter(number=2).update(
            status=Project.Status.VERIFIED,
            verified_at=timezone.now(),
            target_quantity=Decimal("30"),
        )
        projects.filter(number=3).update(
            status=Project.Status.IN_PROGRESS,
            planned_start=today - datetime.timedelta(days=60),
            planned_finish=today - datetime.timedelta(days=10),
        )
        projects.filter(number=4).update(status=Project.Status.IN_PROGRESS, target_quantity=None)
        # Writes that bypass the models say so, or the board's figures would not see them.
        written_in_bulk.send(sender=Project, village_ids=[cls.village.pk])
        cls.adopted = Suggestion.objects.create(
            village=cls.village,
            year=YEAR,
            text="村口到小学的路没有路灯",
            name=PRIVATE[0],
            phone=PRIVATE[1],
            status=Suggestion.Status.ADOPTED,
            reply="已纳入第2件实事",
            replied_at=noon(YEAR, 3, 12),
            received=datetime.date(YEAR, 3, 2),
        )
        cls.adopted.projects.add(projects.get(number=2))
        Suggestion.objects.create(
            village=cls.village,
            year=YEAR,
            text=HIDDEN_TEXT,
            name=PRIVATE[0],
            phone=PRIVATE[1],
            status=Suggestion.Status.NOT_ADOPTED,
            reply="不予采纳",
            replied_at=noon(YEAR, 3, 5),
            received=datetime.date(YEAR, 3, 1),
            is_hidden=True,
            hidden_reason="含个人信息",
        )
        Suggestion.objects.create(  # not answered yet: counted, not listed
            village=cls.village, year=YEAR, text="希望修水渠", name=PRIVATE[0], phone=PRIVATE[1]
        )
        Meeting.objects.create(village=cls.village, date=datetime.date(YEAR, 3, 1))

    def setUp(self):
        cache.clear()  # answers are cached by their data stamp

    def get_json(self, url: str, status: int = 200) -> dict:
        response = self.client.get(url)
        self.assertEqual(response.status_code, status, response.content)
        self.assertEqual(response["Content-Type"], "application/json")
        return response.json()


class JsonTests(OpenDataCase):
    def test_it_lists_the_districts(self):
        data = self.get_json(api("api_districts", year=None))
        self.assertEqual(
            data["districts"],
            [
                {
                    "code": "520302",
                    "name": "红花岗区",
                    "board_url": "/board/520302/",
                    "url": "/api/v1/districts/520302/",
                }
            ],
        )

    def test_it_gives_the_district_table_from_published_lists_only(self):
        data = self.get_json(api("api_district", "520302"))
        self.assertEqual(data["year"], YEAR)
        self.assertEqual(data["district"]["code"], "520302")
        [row] = data["townships"]
        self.assertEqual(
            row,
            {
                "code": "520302001",
                "name": "忠庄街道",
                "board_url": "/board/520302001/",
                "url": "/api/v1/townships/520302001/",
                "villages": 3,
                "lists_published": 1,
                "projects": 10,
                "verified": 1,
                "completed": 1,
                "overdue": 1,
            },
        )
        self.assertEqual(data["totals"]["projects"], 10)
        self.assertEqual(
            data["outcomes"],
            [
                {
                    "category": "lighting",
                    "category_label": "路灯照明",
                    "unit": "盏",
                    "total": "30.00",
                    "projects": 1,
                },
                {
                    "category": "lighting",
                    "category_label": "路灯照明",
                    "unit": "米",
                    "total": "120.50",
                    "projects": 1,
                },
            ],
        )
        self.assertEqual(
            data["figures"],
            {
                "meetings": 1,
                "received": 3,
                "answered": 2,
                "adopted": 1,
                "median_days_to_reply": 7,  # 10 and 4 days
            },
        )

    def test_it_gives_labels_in_the_language_asked_for(self):
        url = api("api_district", "520302")
        english = self.client.get(url, headers={"Accept-Language": "en"})
        self.assertEqual(english.json()["outcomes"][0]["category_label"], "lighting")
        chinese = self.client.get(url, headers={"Accept-Language": "zh-hans"})
        self.assertEqual(chinese.json()["outcomes"][0]["category_label"], "路灯照明")
        self.assertNotEqual(english["ETag"], chinese["ETag"])

    def test_it_gives_the_township_table_with_every_village(self):
        data = self.get_json(api("api_township", "520302001"))
        self.assertEqual(data["township"]["district"]["code"], "520302")
        rows = {row["code"]: row for row in data["villages"]}
        self.assertEqual(list(rows), ["520302001001", "520302001002", "520302001003"])
        self.assertEqual(
            rows["520302001001"],
            {
                "code": "520302001001",
                "name": "龙江村",
                "board_url": "/board/520302001001/2026/",
                "url": "/api/v1/villages/520302001001/2026/",
                "list": "published",
                "projects": 10,
                "verified": 1,
                "completed": 1,
                "in_progress": 2,
                "overdue": 1,
            },
        )
        for code in ("520302001002", "520302001003"):  # a draft and no list look the same
            self.assertIsNone(rows[code]["list"])
            self.assertIsNone(rows[code]["url"])
            self.assertEqual(rows[code]["projects"], 0)
        self.assertEqual(
            data["totals"],
            {
                "villages": 3,
                "lists_published": 1,
                "projects": 10,
                "verified": 1,
                "completed": 1,
                "in_progress": 2,
                "overdue": 1,
            },
        )
        self.assertEqual(len(data["outcomes"]), 2)
        self.assertEqual(data["figures"]["received"], 3)

    def test_it_gives_the_published_list_of_a_village(self):
        data = self.get_json(api("api_village", "520302001001", YEAR, year=None))
        self.assertEqual(data["village"]["township"]["code"], "520302001")
        self.assertEqual(data["village"]["district"]["code"], "520302")
        self.assertEqual(data["list"]["status"], "published")
        self.assertRegex(data["list"]["published_at"], r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+08:00$")
        projects = {project["number"]: project for project in data["projects"]}
        self.assertEqual(list(projects), list(range(1, 11)))
        self.assertEqual(projects[1]["status"], "completed")
        self.assertEqual(projects[1]["target_quantity"], "120.50")
        self.assertEqual(projects[1]["unit"], "米")
        self.assertEqual(projects[2]["status"], "verified")
        self.assertRegex(projects[2]["verified_at"], r"^\d{4}-\d\d-\d\dT")
        self.assertTrue(projects[3]["is_overdue"])
        self.assertFalse(projects[4]["is_overdue"])
        self.assertIsNone(projects[4]["target_quantity"])
        self.assertEqual(projects[5]["lead_name"], "杨健")
        self.assertEqual(projects[5]["lead_post"], "村党委书记")
        self.assertEqual(projects[5]["planned_start"], "2026-03-01")
        self.assertEqual(projects[5]["percent_done"], 0)
        self.assertIsNone(projects[5]["verified_at"])
        self.assertEqual([p["number"] for p in data["prohibitions"]], [1, 2, 3, 4, 5])
        self.assertTrue(data["prohibitions"][0]["text"].startswith("不准优亲厚友"))
        [suggestion] = data["suggestions"]  # hidden and unanswered ones are not listed
        self.assertEqual(
            suggestion,
            {
                "received": "2026-03-02",
                "category": "other",
                "status": "adopted",
                "status_label": "已采纳",
                "text": "村口到小学的路没有路灯",
                "reply": "已纳入第2件实事",
                "replied_at": "2026-03-12T12:00:00+08:00",
                "adopted_projects": [2],
            },
        )

    def test_it_answers_404_in_json_while_a_list_is_not_published(self):
        for url in (
            api("api_village", "520302001002", YEAR, year=None),  # a draft
            api("api_village", "520302001003", YEAR, year=None),  # no list
            api("api_village", "520302001001", 2025, year=None),  # another year
            api("api_village", "520302001001", 99999, year=None),
            api("api_village", "999999999999", YEAR, year=None),
            api("api_township", "999999999"),
            api("api_district", "999999"),
        ):
            with self.subTest(url=url):
                self.assertEqual(self.get_json(url, status=404)["status"], 404)

    def test_it_refuses_a_year_that_is_not_one(self):
        for year in ("abc", "1999", "99999999999999999999999", "²⁰²⁶", "-2026"):
            with self.subTest(year=year):
                url = reverse("board:api_district", args=["520302"]) + f"?year={year}"
                self.assertEqual(self.get_json(url, status=400)["status"], 400)

    def test_it_defaults_to_this_year(self):
        data = self.get_json(reverse("board:api_township", args=["520302001"]))
        self.assertEqual(data["year"], timezone.localdate().year)

    def test_it_is_read_only(self):
        for url in (api("api_districts", year=None), api("api_district", "520302")):
            with self.subTest(url=url):
                self.assertEqual(self.client.post(url).status_code, 405)

    def test_it_writes_chinese_as_utf8_not_escapes(self):
        response = self.client.get(api("api_township", "520302001"))
        self.assertIn("忠庄街道".encode(), response.content)
        self.assertNotIn(b"\\u", response.content)
        self.assertEqual(response["Access-Control-Allow-Origin"], "*")


class ErrorTests(OpenDataCase):
    """Every error under /api/ is JSON with the Error schema (issue 16, case 8)."""

    def assert_error(self, response, status: int) -> dict:
        self.assertEqual(response.status_code, status, response.content[:200])
        self.assertEqual(response["Content-Type"], "application/json")
        data = response.json()
        self.assertEqual(set(data), {"error", "status"})
        self.assertEqual(data["status"], status)
        self.assertTrue(data["error"])
        return data

    def test_an_unknown_address_under_api_is_404_in_json(self):
        for path in (
            "/api/",
            "/api/v1/",
            "/api/v1/nothing/",
            "/api/v2/districts/",
            "/api/v1/districts/520302/townships/",
            "/api/v1/villages/520302001001/",
            "/api/v1/villages/520302001001/abc/",
            "/api/v1/villages/520302001001/2026/projects/1/",
        ):
            with self.subTest(path=path):
                self.assert_error(self.client.get(path), 404)

    def test_a_code_that_is_not_ascii_digits_is_404_in_json_and_not_looked_up(self):
        # A NUL in a query's text is an error on PostgreSQL: a 500 before.
        for path in (
            "/api/v1/districts/52%000302/",
            f"/api/v1/districts/{quote('５２０３０２')}/",  # full-width digits
            "/api/v1/townships/52030200%00/",
            "/api/v1/villages/52030200100%00/2026/",
            "/api/v1/districts/52030/",
        ):
            with self.subTest(path=path), self.assertNumQueries(0):
                self.assert_error(self.client.get(path), 404)
        for path in (
            "/board/52%000302/export.csv",
            "/board/52%000302/",
            "/board/52030200%00/",
            "/board/52030200100%00/",
            "/board/52030200100%00/2026/",
            "/board/52030200100%00/2026/poster/",
            "/board/52030200100%00/2026/projects/1/",
            "/board/52030200100%00/2026/projects/1/plate/",
        ):
            with self.subTest(path=path), self.assertNumQueries(0):
                self.assertEqual(self.client.get(path).status_code, 404)

    def test_other_methods_are_405_in_json_with_allow_and_no_csrf_page(self):
        client = Client(enforce_csrf_checks=True)  # as a browser or a script meets the site
        for url in (
            api("api_districts", year=None),
            api("api_district", "520302"),
            api("api_township", "520302001"),
            api("api_village", "520302001001", YEAR, year=None),
            reverse("board:api_openapi"),
            api("board_export_csv", "520302"),
            api("board_export_xlsx", "520302001"),
        ):
            for method in ("post", "put", "patch", "delete", "options"):
                with self.subTest(url=url, method=method):
                    response = getattr(client, method)(url)
                    self.assert_error(response, 405)
                    self.assertEqual(response["Allow"], "GET, HEAD")

    def test_other_methods_at_an_unknown_address_are_404_in_json(self):
        client = Client(enforce_csrf_checks=True)
        for method in ("post", "put", "delete"):
            with self.subTest(method=method):
                self.assert_error(getattr(client, method)("/api/v1/nothing/"), 404)

    def test_it_answers_head(self):
        for url in (api("api_district", "520302"), api("board_export_csv", "520302")):
            with self.subTest(url=url):
                response = self.client.head(url)
                self.assertEqual(response.status_code, 200)
                self.assertEqual(response.content, b"")

    def test_an_address_without_its_final_slash_is_sent_to_the_one_with_it(self):
        response = self.client.get("/api/v1/districts/520302?year=2026")
        self.assertEqual(response.status_code, 301)
        self.assertEqual(response["Location"], "/api/v1/districts/520302/?year=2026")
        self.assert_error(self.client.get("/api/v1/nothing"), 404)

    def test_the_errors_keep_to_the_error_schema(self):
        document = generated_document()
        client = Client(enforce_csrf_checks=True)
        for response in (
            client.get("/api/v1/nothing/"),
            client.get(api("api_district", "999999")),
            client.get(reverse("board:api_district", args=["520302"]) + "?year=abc"),
            client.post(api("api_districts", year=None)),
        ):
            with self.subTest(status=response.status_code):
                self.assertEqual(problems(response.json(), document, ERROR), [])


class PrivacyTests(OpenDataCase):
    def responses(self):
        for url in (
            api("api_districts", year=None),
            api("api_district", "520302"),
            api("api_township", "520302001"),
            api("api_village", "520302001001", YEAR, year=None),
            api("board_export_csv", "520302"),
            api("board_export_csv", "520302001"),
        ):
            yield url, self.client.get(url).content.decode("utf-8-sig")
        for code in ("520302", "520302001"):
            workbook = load_workbook(
                io.BytesIO(self.client.get(api("board_export_xlsx", code)).content)
            )
            cells = [str(c) for row in workbook.active.iter_rows(values_only=True) for c in row]
            yield code + ".xlsx", "\n".join(cells)

    def test_it_never_publishes_names_phones_receipt_codes_or_hidden_texts(self):
        secrets = [*PRIVATE, HIDDEN_TEXT, "含个人信息", self.adopted.receipt_code]
        secrets += list(Suggestion.objects.values_list("receipt_code", flat=True))
        for url, content in self.responses():
            for secret in secrets:
                with self.subTest(url=url, secret=secret):
                    self.assertNotIn(secret, content)
            for key in ('"name": "' + PRIVATE[0], '"phone"', '"receipt_code"', '"hidden_reason"'):
                self.assertNotIn(key, content)

    def test_it_never_publishes_the_projects_of_a_draft_list(self):
        draft_titles = Project.objects.filter(pledge_list__village=self.draft_village).values_list(
            "title", flat=True
        )
        for url, content in self.responses():
            for title in draft_titles:
                self.assertNotIn(title, content, url)


class ETagTests(OpenDataCase):
    def test_it_answers_304_while_nothing_changed(self):
        for url in (
            api("api_districts", year=None),
            api("api_district", "520302"),
            api("api_township", "520302001"),
            api("api_village", "520302001001", YEAR, year=None),
        ):
            with self.subTest(url=url):
                first = self.client.get(url)
                etag = first["ETag"]
                self.assertIn("no-cache", first["Cache-Control"])
                again = self.client.get(url, headers={"If-None-Match": etag})
                self.assertEqual(again.status_code, 304)
                self.assertEqual(again["ETag"], etag)
                self.assertEqual(again.content, b"")

    def test_it_gives_a_fresh_etag_once_a_project_is_verified(self):
        urls = [
            api("api_district", "520302"),
            api("api_township", "520302001"),
            api("api_village", "520302001001", YEAR, year=None),
        ]
        etags = {url: self.client.get(url)["ETag"] for url in urls}
        project = self.pledge_list.projects.get(number=1)
        self.assertTrue(project.verify(by=self.user))
        for url in urls:
            with self.subTest(url=url):
                response = self.client.get(url, headers={"If-None-Match": etags[url]})
                self.assertEqual(response.status_code, 200)
                self.assertNotEqual(response["ETag"], etags[url])
        village = self.client.get(urls[2]).json()
        self.assertEqual(village["projects"][0]["status"], "verified")
        self.assertIsNotNone(village["projects"][0]["verified_at"])
        self.assertEqual(self.client.get(urls[1]).json()["totals"]["verified"], 2)

    def test_it_is_not_the_etag_of_the_html_page(self):
        html = self.client.get(reverse("board:board_place", args=["520302"]) + "?year=2026")
        data = self.client.get(api("api_district", "520302"))
        self.assertNotEqual(html["ETag"], data["ETag"])


class DownloadTests(OpenDataCase):
    def csv_rows(self, code: str) -> list[list[str]]:
        response = self.client.get(api("board_export_csv", code))
        self.assertEqual(response.status_code, 200)
        self.assertEqual(response["Content-Type"], "text/csv; charset=utf-8")
        self.assertEqual(
            response["Content-Disposition"], f'attachment; filename="pledges-{code}-2026.csv"'
        )
        self.assertTrue(response.content.startswith(b"\xef\xbb\xbf"))  # BOM for Excel
        return list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))

    def workbook(self, code: str):
        response = self.client.get(api("board_export_xlsx", code))
        self.assertEqual(response.status_code, 200)
        self.assertEqual(
            response["Content-Type"],
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        )
        return load_workbook(io.BytesIO(response.content)), response.content

    def test_it_downloads_the_district_table_as_csv(self):
        rows = self.csv_rows("520302")
        self.assertEqual(
            rows,
            [
                [
                    "区划代码",
                    "镇(街道)",
                    "村(社区)数",
                    "已公示清单数",
                    "民生实事",
                    "已验收销号",
                    "已完成待验收",
                    "逾期",
                ],
                ["520302001", "忠庄街道", "3", "1", "10", "1", "1", "1"],
                ["", "合计", "3", "1", "10", "1", "1", "1"],
            ],
        )

    def test_it_downloads_the_township_table_as_csv(self):
        rows = self.csv_rows("520302001")
        self.assertEqual(rows[0][:3], ["区划代码", "村(社区)", "清单"])
        self.assertEqual(rows[1], ["520302001001", "龙江村", "已公示", "10", "1", "1", "2", "1"])
        self.assertEqual(rows[2], ["520302001002", "草稿村", "未公示", "0", "0", "0", "0", "0"])
        self.assertEqual(rows[4], ["", "合计", "1/3", "10", "1", "1", "2", "1"])

    def test_it_quotes_text_and_leaves_numbers_bare_in_csv(self):
        content = self.client.get(api("board_export_csv", "520302001")).content.decode("utf-8-sig")
        self.assertIn('"520302001001","龙江村","已公示",10,1,1,2,1\r\n', content)

    def test_it_downloads_the_tables_as_xlsx_with_codes_as_text(self):
        workbook, _content = self.workbook("520302001")
        sheet = workbook.active
        self.assertEqual(sheet.title, "忠庄街道 2026")
        rows = list(sheet.iter_rows(values_only=True))
        self.assertEqual(rows[0][0], "区划代码")
        self.assertEqual(rows[1], ("520302001001", "龙江村", "已公示", 10, 1, 1, 2, 1))
        self.assertEqual(sheet["A2"].data_type, "s")
        self.assertEqual(sheet["A2"].number_format, "@")
        self.assertEqual(sheet["D2"].data_type, "n")
        workbook, _content = self.workbook("520302")
        rows = list(workbook.active.iter_rows(values_only=True))
        self.assertEqual(rows[1], ("520302001", "忠庄街道", 3, 1, 10, 1, 1, 1))
        self.assertEqual(rows[-1][1], "合计")

    def test_it_escapes_formulas(self):
        township = TownshipFactory(district=self.district, code="520302002", name="=1+2")
        names = ['=HYPERLINK("http://x")', "+86", "-1", "@SUM(A1)", "正常村"]
        for number, name in enumerate(names, start=1):
            VillageFactory(township=township, code=f"520302002{number:03d}", name=name)
        csv_names = [row[1] for row in self.csv_rows("520302002")[1:-1]]
        self.assertEqual(csv_names, ["'" + name for name in names[:4]] + ["正常村"])
        self.assertIn("'=1+2", [row[1] for row in self.csv_rows("520302")])
        workbook, content = self.workbook("520302002")
        cells = [row[1] for row in workbook.active.iter_rows(min_row=2, values_only=True)]
        self.assertEqual(cells[:-1], names)  # the text itself, stored as text
        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            self.assertNotIn(b"<f>", archive.read("xl/worksheets/sheet1.xml"))
        workbook, content = self.workbook("520302")
        self.assertIn("=1+2", [row[1] for row in workbook.active.iter_rows(values_only=True)])
        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            self.assertNotIn(b"<f>", archive.read("xl/worksheets/sheet1.xml"))

    def test_it_answers_404_for_other_codes(self):
        for code in ("999999", "999999999", "520302001001", "52"):
            for name in ("board_export_csv", "board_export_xlsx"):
                with self.subTest(code=code, name=name):
                    self.assertEqual(self.client.get(api(name, code)).status_code, 404)


def generated_document() -> dict:
    """The API's OpenAPI document as its schemas make it now, read as a client reads it."""
    return json.loads(json.dumps(open_data_api.get_openapi_schema()))


def problems(value, document: dict, schema: dict) -> list[str]:
    """What in `value` breaks `schema` (which may $ref the document's components), formats
    (date, date-time) included, with a JSON Schema 2020-12 validator."""
    root = {**schema, "components": document["components"]}
    validator = jsonschema_rs.Draft202012Validator(root, validate_formats=True)
    return [
        "/" + "/".join(map(str, error.instance_path)) + ": " + error.message
        for error in validator.iter_errors(value)
    ]


def answer_schema(document: dict, path: str) -> dict:
    answer = document["paths"][path]["get"]["responses"]["200"]
    return answer["content"]["application/json"]["schema"]


ERROR = {"$ref": "#/components/schemas/Error"}


class OpenApiTests(OpenDataCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.document = generated_document()

    def answers(self):
        """(documented path, address) of every JSON answer of the API with data."""
        return (
            ("/api/v1/districts/", api("api_districts", year=None)),
            ("/api/v1/districts/{code}/", api("api_district", "520302")),
            ("/api/v1/townships/{code}/", api("api_township", "520302001")),
            (
                "/api/v1/villages/{code}/{year}/",
                api("api_village", "520302001001", YEAR, year=None),
            ),
        )

    def test_it_is_an_openapi_3_1_document(self):
        self.assertEqual(self.document["openapi"], "3.1.0")
        self.assertTrue(self.document["info"]["title"])

    def test_the_served_document_is_what_the_schemas_generate(self):
        response = self.client.get("/api/v1/openapi.json")
        self.assertEqual(response.status_code, 200)
        self.assertEqual(response["Content-Type"], "application/json")
        self.assertEqual(response.json(), self.document)
        again = self.client.get("/api/v1/openapi.json", headers={"If-None-Match": response["ETag"]})
        self.assertEqual(again.status_code, 304)

    def test_it_is_no_longer_a_file_written_by_hand(self):
        self.assertFalse((Path(settings.BASE_DIR) / "static" / "api" / "openapi.json").exists())
        response = self.client.get("/" + settings.STATIC_URL.lstrip("/") + "api/openapi.json")
        self.assertEqual(response.status_code, 404)

    def test_there_is_no_docs_page_loading_scripts_from_a_cdn(self):
        response = self.client.get("/api/v1/docs")
        self.assertEqual(response.status_code, 404)
        self.assertEqual(response["Content-Type"], "application/json")

    def test_it_names_every_operation_of_the_api_once(self):
        routes = {
            "/" + PREFIX + re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", str(pattern.pattern))
            for pattern in api_urlpatterns()
        }
        documented = {path for path in self.document["paths"] if path.startswith("/api/")}
        self.assertEqual(routes, documented)
        operations = [op for item in self.document["paths"].values() for op in item.values()]
        ids = [op["operationId"] for op in operations]
        self.assertEqual(len(ids), len(set(ids)))
        for path, item in self.document["paths"].items():
            with self.subTest(path=path):
                self.assertEqual(list(item), ["get"])  # HEAD is the same GET, without a body

    def test_every_object_it_describes_names_all_its_fields(self):
        # So that a field an answer has and its schema does not is an error, not a surprise.
        for name, schema in self.document["components"]["schemas"].items():
            if name != "OpenApiDocument":
                with self.subTest(schema=name):
                    self.assertIs(schema["additionalProperties"], False)
                    self.assertEqual(set(schema["required"]), set(schema["properties"]))

    def test_the_answers_match_their_schemas(self):
        for path, url in self.answers():
            with self.subTest(path=path):
                data = self.get_json(url)
                self.assertEqual(
                    problems(data, self.document, answer_schema(self.document, path)), []
                )
        not_found = self.get_json(api("api_district", "999999"), status=404)
        self.assertEqual(problems(not_found, self.document, ERROR), [])

    def test_a_field_an_answer_has_and_its_schema_does_not_fails(self):
        build = open_data.village_data

        def with_a_new_field(*args):
            data = build(*args)
            data["projects"][0]["budget"] = "100.00"
            return data

        url = api("api_village", "520302001001", YEAR, year=None)
        schema = answer_schema(self.document, "/api/v1/villages/{code}/{year}/")
        # Checked when built: a 500, never served.
        with (
            mock.patch("board.open_data.village_data", with_a_new_field),
            self.assertRaises(pydantic.ValidationError),
        ):
            self.client.get(url)
        cache.clear()
        data = self.get_json(url)
        data["projects"][0]["budget"] = "100.00"
        self.assertEqual(
            problems(data, self.document, schema),
            ["/projects/0: Additional properties are not allowed ('budget' was unexpected)"],
        )

    def test_it_describes_every_error_of_the_api_with_the_error_schema(self):
        error = {"application/json": {"schema": ERROR}}
        responses = self.document["components"]["responses"]
        for name in ("NotFound", "MethodNotAllowed"):
            self.assertEqual(responses[name]["content"], error, name)
        self.assertIn("Allow", responses["MethodNotAllowed"]["headers"])
        for path, item in self.document["paths"].items():
            if not path.startswith("/api/"):
                continue
            for status, answer in item["get"]["responses"].items():
                if status.startswith("4"):
                    with self.subTest(path=path, status=status):
                        self.assertEqual(answer["content"], error)

    def test_it_documents_every_open_data_url_and_each_path_resolves(self):
        names = set()
        for path in self.document["paths"]:
            concrete = path.replace("{code}", "520302001").replace("{year}", "2026")
            with self.subTest(path=path):
                match = resolve(concrete)  # Resolver404 if the path is not the project's
                self.assertEqual(match.namespace, "board")
                names.add(match.url_name)
        self.assertEqual(
            names,
            {
                "api_openapi",
                "api_districts",
                "api_district",
                "api_township",
                "api_village",
                "board_export_csv",
                "board_export_xlsx",
            },
        )


class QueryBudgetTests(TestCase):
    """Query counts, written out, at two data sizes: they must not grow."""

    def setUp(self):
        cache.clear()

    def build(self, villages: int):
        township = TownshipFactory()
        user = UserFactory()
        for _ in range(villages):
            pledge_list = full_list(
                status=PledgeList.Status.PUBLISHED,
                village=VillageFactory(township=township),
                year=YEAR,
            )
            project = pledge_list.projects.get(number=1)
            project.complete(by=user, note="完成")
            project.verify(by=user)
            for _ in range(villages):
                suggestion = Suggestion.objects.create(
                    village=pledge_list.village,
                    year=YEAR,
                    text="建议",
                    status=Suggestion.Status.ADOPTED,
                    reply="采纳",
                    replied_at=timezone.now(),
                )
                suggestion.projects.add(project)
            Meeting.objects.create(village=pledge_list.village, date=datetime.date(YEAR, 3, 1))
        full_list(village=VillageFactory(township=township), year=YEAR)  # a draft
        return township, pledge_list.village

    def test_the_district_json(self):
        for villages in (1, 6):
            township, _village = self.build(villages)
            url = api("api_district", township.district.code)
            # district, data stamp, townships with their villages' figures summed (figures
            # app), outcomes, reply times
            with self.subTest(villages=villages), self.assertNumQueries(5):
                response = self.client.get(url)
            self.assertEqual(response.json()["totals"]["projects"], villages * 10)
            # nothing: the early answer (board/middleware.py) checks the stamp in the cache
            with self.subTest(villages=villages), self.assertNumQueries(0):
                again = self.client.get(url, headers={"If-None-Match": response["ETag"]})
            self.assertEqual(again.status_code, 304)

    def test_the_township_json(self):
        for villages in (1, 6):
            township, _village = self.build(villages)
            url = api("api_township", township.code)
            # township with district, data stamp, villages with their figures (figures app),
            # outcomes, reply times
            with self.subTest(villages=villages), self.assertNumQueries(5):
                response = self.client.get(url)
            self.assertEqual(len(response.json()["villages"]), villages + 1)

    def test_the_village_json(self):
        for villages in (1, 6):
            _township, village = self.build(villages)
            url = api("api_village", village.code, YEAR, year=None)
            # village with tree, the published list, data stamp, projects, prohibitions,
            # answered suggestions, their adopted projects
            with self.subTest(villages=villages), self.assertNumQueries(7):
                response = self.client.get(url)
            self.assertEqual(len(response.json()["suggestions"]), villages)

    def test_the_district_list(self):
        for _size in (1, 6):
            DistrictFactory()
            # districts
            with self.assertNumQueries(1):
                self.client.get(api("api_districts", year=None))

    def test_the_downloads(self):
        for villages in (1, 6):
            township, _village = self.build(villages)
            for name in ("board_export_csv", "board_export_xlsx"):
                # district, townships with their villages' figures summed
                with self.subTest(villages=villages, name=name), self.assertNumQueries(2):
                    self.client.get(api(name, township.district.code))
                # township, villages with their figures
                with self.subTest(villages=villages, name=name), self.assertNumQueries(2):
                    self.client.get(api(name, township.code))
