"""The files people really have: title rows, Traditional headers, full-width digits, dates in
several forms, "30盏", blank rows; and the files that are refused, with what to do."""

import datetime
import io
from decimal import Decimal

from django.test import TestCase, override_settings

from imports import reading, services
from imports.reading import FileProblem
from pledges.models import Prohibition, Project
from tests.factories import UserFactory, VillageFactory

from .sheets import HEADERS, row, upload, xlsx_bytes


def _import(content: bytes, village, *, year=2026, dry_run=False):
    dataset = reading.read_upload(upload(content))
    result = services.run_import(
        dataset, year=year, places=[village.township], user=None, dry_run=dry_run
    )
    return services.preview_rows(dataset, result)


class MessyFileTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.village = VillageFactory()
        cls.code = cls.village.code

    def test_it_finds_the_header_below_title_rows(self):
        content = xlsx_bytes(
            [row(self.code, 1)], above=[["红花岗区2026年民生实事清单"], ["填报单位：某镇"]]
        )
        rows, counts = _import(content, self.village)
        self.assertEqual(counts["new"], 1)
        self.assertEqual(rows[0]["row"], 4)  # the row's number in the sheet, for messages
        self.assertEqual(Project.objects.get().title, "安装太阳能路灯")

    def test_it_reads_traditional_character_headers(self):
        traditional = [
            "村(社區)代碼",
            "村(社區)名稱",
            "年度",
            "類型",
            "序號",
            "名稱",
            "類別",
            "領辦人",
            "目標數量",
            "單位",
            "預算(萬元)",
            "計劃開始",
            "計劃完成",
            "內容說明",
        ]
        content = xlsx_bytes(
            [row(self.code, 1, lead="杨健", unit="盏", quantity=30, budget=12.5)],
            headers=traditional,
        )
        _rows, counts = _import(content, self.village)
        self.assertEqual(counts["new"], 1)
        project = Project.objects.get()
        self.assertEqual(
            (project.lead_name, project.target_quantity, project.unit, project.budget),
            ("杨健", Decimal("30"), "盏", Decimal("12.5")),
        )

    def test_it_reads_full_width_digits(self):
        content = xlsx_bytes(
            [
                row(
                    self.code.translate(str.maketrans("0123456789", "０１２３４５６７８９")),
                    "３",
                    year="２０２６",
                    quantity="１，９２３",
                    unit="盏",
                )
            ]
        )
        _rows, counts = _import(content, self.village)
        self.assertEqual(counts["new"], 1)
        project = Project.objects.get()
        self.assertEqual((project.number, project.target_quantity), (3, Decimal("1923")))

    def test_it_reads_dates_in_the_forms_people_type(self):
        cases = [
            ("2025年6月", "2025年6月", datetime.date(2025, 6, 1), datetime.date(2025, 6, 30)),
            ("2025/6/30", "2025/7/1", datetime.date(2025, 6, 30), datetime.date(2025, 7, 1)),
            (45838, 45870, datetime.date(2025, 6, 30), datetime.date(2025, 8, 1)),
            ("45838", "2025-08-01", datetime.date(2025, 6, 30), datetime.date(2025, 8, 1)),
            (
                datetime.datetime(2025, 3, 1),
                "2025年12月31日",
                datetime.date(2025, 3, 1),
                datetime.date(2025, 12, 31),
            ),
        ]
        content = xlsx_bytes(
            [
                row(self.code, number, start=start, finish=finish, year=2025)
                for number, (start, finish, _s, _f) in enumerate(cases, start=1)
            ]
        )
        _rows, counts = _import(content, self.village, year=2025)
        self.assertEqual(counts["new"], len(cases))
        got = list(
            Project.objects.order_by("number").values_list("planned_start", "planned_finish")
        )
        self.assertEqual(got, [(start, finish) for _a, _b, start, finish in cases])

    def test_it_splits_a_quantity_and_its_unit_in_one_cell(self):
        content = xlsx_bytes(
            [
                row(self.code, 1, quantity="30盏"),
                row(self.code, 2, quantity="5.5 公里", unit="公里"),
            ]
        )
        _import(content, self.village)
        self.assertEqual(
            list(Project.objects.order_by("number").values_list("target_quantity", "unit")),
            [(Decimal("30"), "盏"), (Decimal("5.5"), "公里")],
        )

    def test_it_ignores_blank_rows_at_the_end_and_in_between(self):
        blank = [None] * len(HEADERS)
        spaces = ["  "] * len(HEADERS)
        content = xlsx_bytes(
            [row(self.code, 1), blank, row(self.code, 2), blank, spaces, blank, blank]
        )
        rows, counts = _import(content, self.village)
        self.assertEqual(counts, {"new": 2, "changed": 0, "unchanged": 0, "error": 0})
        self.assertEqual([r["row"] for r in rows], [2, 4])

    def test_it_reads_the_data_sheet_behind_a_notes_sheet(self):
        content = xlsx_bytes([row(self.code, 1)], sheets_before=["填写说明"])
        _rows, counts = _import(content, self.village)
        self.assertEqual(counts["new"], 1)

    def test_it_takes_the_template_with_projects_and_prohibitions_together(self):
        content = xlsx_bytes(
            [
                row(self.code, 1),
                row(self.code, 1, "不准优亲厚友", kind="不准事项"),
                row(self.code, 2, "不准吃拿卡要", kind="不準事項"),
            ]
        )
        _rows, counts = _import(content, self.village)
        self.assertEqual(counts["new"], 3)
        self.assertEqual(
            list(Prohibition.objects.values_list("number", "text")),
            [(1, "不准优亲厚友"), (2, "不准吃拿卡要")],
        )

    def test_a_cell_our_export_escaped_reads_back_as_it_was(self):
        content = xlsx_bytes([row(self.code, 1, "'=不是公式")])
        _import(content, self.village)
        self.assertEqual(Project.objects.get().title, "=不是公式")


class RefusedFileTests(TestCase):
    def assertRefused(self, content: bytes, expected: str, name: str = "清单.xlsx"):
        file = upload(content, name)
        with self.assertRaises(FileProblem) as caught:
            reading.check_upload(file)
            reading.read_upload(file)
        self.assertIn(expected, str(caught.exception))

    def test_it_refuses_a_file_that_is_not_xlsx(self):
        self.assertRefused("村代码,名称\n".encode(), "这不是 Excel .xlsx 文件", "清单.csv")
        self.assertRefused(b"\xd0\xcf\x11\xe0" + b"\0" * 100, "这不是 Excel .xlsx 文件", "清单.xls")
        self.assertRefused(
            b"PK\x03\x04 not really a zip",
            "此文件无法读取，请用 Excel 或 WPS 另存为 .xlsx 后重新上传",
        )

    @override_settings(PLEDGE_IMPORT_MAX_BYTES=1000)
    def test_it_refuses_a_file_that_is_too_large(self):
        content = xlsx_bytes([])
        self.assertGreater(len(content), 1000)
        self.assertRefused(content, "最大只能导入 1000")

    def test_it_says_which_column_is_missing(self):
        content = xlsx_bytes([["520000000000", "路灯"]], headers=["村(社区)代码", "名称"])
        self.assertRefused(content, "缺少「序号」列")

    def test_it_says_when_there_is_no_header(self):
        self.assertRefused(xlsx_bytes([["a", "b"]], headers=["甲", "乙"]), "找不到表头")

    def test_it_says_when_there_are_no_rows(self):
        self.assertRefused(xlsx_bytes([]), "没有要导入的行")

    @override_settings(PLEDGE_IMPORT_MAX_ROWS=2)
    def test_it_refuses_too_many_rows(self):
        content = xlsx_bytes([row("520000000000", n) for n in range(1, 4)])
        self.assertRefused(content, "超过 2 行")


class UploadFileTests(TestCase):
    """A real file object from disk, as the management command opens it."""

    def test_a_stream_without_a_name_is_read_too(self):
        village = VillageFactory()
        dataset = reading.read_upload(io.BytesIO(xlsx_bytes([row(village.code, 1)])))
        self.assertEqual(len(dataset), 1)
        UserFactory()
