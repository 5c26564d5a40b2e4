"""Bad files (issue 16): a hidden stale copy of the list, a small file that unpacks to
hundreds of MB, a file openpyxl cannot open, formulas without a saved value, a header over
two rows. Each is refused clearly and fast, on the page and by the command, or read right.
Every file is generated here."""

import io
import json
import os
import re
import subprocess
import sys
import tempfile
import time
import tracemalloc
import zipfile
from pathlib import Path

from django.conf import settings
from django.core.management import CommandError, call_command
from django.test import TestCase, override_settings
from django.urls import reverse
from openpyxl import Workbook

from imports import reading, services
from imports.models import ImportJob
from imports.reading import FileProblem
from pledges.models import Project
from tests.factories import MembershipFactory, VillageFactory
from villages.models import Membership

from .sheets import HEADERS, bomb, edit_part, row, upload, with_sheets, xlsx_bytes
from .test_admin import AdminMixin
from .test_pages import _MediaMixin

UNREADABLE = "此文件无法读取，请用 Excel 或 WPS 另存为 .xlsx 后重新上传"
NO_SAVED_VALUE = "是公式，但文件里没有保存计算结果：请在 Excel 或 WPS 中打开并保存后再上传。"
MB = 1024 * 1024


def _preview(content: bytes, village, *, year=2026):
    dataset = reading.read_upload(upload(content))
    result = services.run_import(
        dataset, year=year, places=[village.township], user=None, dry_run=True
    )
    return services.preview_rows(dataset, result)


def _measured(function):
    """(seconds, peak MB of Python allocations, what `function` raised or returned)."""
    tracemalloc.start()
    start = time.perf_counter()
    try:
        outcome = function()
    except FileProblem as problem:
        outcome = problem
    seconds = time.perf_counter() - start
    _current, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return seconds, peak / MB, outcome


class _PageMixin(_MediaMixin):
    """A township cadre on the upload page."""

    @classmethod
    def setUpTestData(cls):
        cls.village = VillageFactory(name="龙江村")
        cls.code = cls.village.code
        cls.township = cls.village.township
        cls.cadre = MembershipFactory(
            role=Membership.Role.TOWNSHIP_CADRE, township=cls.township
        ).user

    def setUp(self):
        self.client.force_login(self.cadre)
        self.url = reverse("imports:township_import", args=[self.township.code])

    def post(self, content: bytes, year=2026):
        return self.client.post(self.url, {"year": year, "file": upload(content)})

    def assertRefusedOnTheForm(self, response, message: str):
        """Status 400, the message by the file field, the year kept, nothing stored."""
        self.assertContains(response, message, status_code=400)
        self.assertContains(response, 'value="2026"', status_code=400)
        self.assertFalse(ImportJob.objects.exists())


# --- 1. Which sheet ---------------------------------------------------------------------------


class SheetChoiceTests(_PageMixin, TestCase):
    def test_it_reads_the_visible_sheet_not_a_hidden_stale_copy_before_it(self):
        content = with_sheets(
            [
                ("清单(旧)", [HEADERS, row(self.code, 1, "去年的旧名称")], "hidden"),
                ("清单", [HEADERS, row(self.code, 1, "安装太阳能路灯")], "visible"),
            ],
            active=1,
        )
        rows, counts = _preview(content, self.village)
        self.assertEqual(counts["new"], 1)
        self.assertEqual(rows[0]["title"], "安装太阳能路灯")

    def test_a_very_hidden_sheet_is_not_read_either(self):
        content = with_sheets(
            [
                ("说明", [["填写说明"]], "visible"),
                ("备份", [HEADERS, row(self.code, 1, "旧名称")], "veryHidden"),
                ("清单", [HEADERS, row(self.code, 1, "新名称")], "visible"),
            ]
        )
        rows, _counts = _preview(content, self.village)
        self.assertEqual([entry["title"] for entry in rows], ["新名称"])

    def test_two_visible_sheets_that_look_like_the_list_are_refused_by_name(self):
        content = with_sheets(
            [
                ("清单", [HEADERS, row(self.code, 1, "安装太阳能路灯")], "visible"),
                ("清单(2)", [HEADERS, row(self.code, 1, "硬化通组路")], "visible"),
                ("旧", [HEADERS, row(self.code, 1, "旧名称")], "hidden"),
            ]
        )
        response = self.post(content)
        self.assertRefusedOnTheForm(
            response, "工作簿中有 2 个工作表像是清单：清单、清单(2)；请只保留一个"
        )

    def test_a_workbook_whose_list_is_hidden_says_there_is_no_header(self):
        content = with_sheets(
            [
                ("说明", [["填写说明"]], "visible"),
                ("清单", [HEADERS, row(self.code, 1)], "hidden"),
            ]
        )
        with self.assertRaisesMessage(FileProblem, "找不到表头"):
            reading.read_upload(upload(content))


# --- 2. Small file, huge contents --------------------------------------------------------------


CHILD = """
import atexit, json, os, resource, sys, time
import django
django.setup()
from django.core.management import execute_from_command_line
start = time.perf_counter()
before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
atexit.register(lambda: print(json.dumps({
    "seconds": time.perf_counter() - start,
    "grown_mb": (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before) / 1024,
    "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
})))
execute_from_command_line(["manage.py", "import_pledges", sys.argv[1], "--year", "2026"])
"""


class BigFileTests(_PageMixin, TestCase):
    def setUp(self):
        super().setUp()
        folder = tempfile.mkdtemp()
        self.addCleanup(lambda: [p.unlink() for p in Path(folder).iterdir()])
        self.folder = Path(folder)

    def test_the_command_refuses_a_small_file_that_unpacks_to_200_mb_at_once(self):
        """The issue's file: a few hundred KB, 200 MB of sheet XML without <dimension>.
        In a process of its own, as an operator runs it: measured, no traceback."""
        path = self.folder / "清单.xlsx"
        size = bomb(path, unpacked_bytes=200 * MB, data_rows=[row(self.code, 1)])
        self.assertLess(size, settings.PLEDGE_IMPORT_MAX_BYTES)
        done = subprocess.run(
            [sys.executable, "-c", CHILD, str(path)],
            cwd=settings.BASE_DIR,
            env={
                **os.environ,
                "DJANGO_SETTINGS_MODULE": "tests.settings",
                "DATABASE_URL": f"sqlite:///{self.folder / 'unused.sqlite3'}",
            },
            capture_output=True,
            text=True,
            timeout=60,
        )
        figures = json.loads(done.stdout.strip().splitlines()[-1])
        self.assertEqual(done.returncode, 1)
        self.assertIn("CommandError: 此文件解压后为 200.", done.stderr)
        self.assertIn("解压后最大只能导入 50.0\xa0MB", done.stderr)
        self.assertNotIn("Traceback", done.stderr)
        self.assertLess(figures["seconds"], 5)
        self.assertLess(figures["grown_mb"], 200)

    def test_the_page_refuses_it_too_within_seconds(self):
        path = self.folder / "清单.xlsx"
        bomb(path, unpacked_bytes=200 * MB, data_rows=[row(self.code, 1)])
        seconds, peak, response = _measured(lambda: self.post(path.read_bytes()))
        self.assertRefusedOnTheForm(response, "（.xlsx 是压缩文件），解压后最大只能导入 50.0\xa0MB")
        self.assertLess(seconds, 5)
        self.assertLess(peak, 200)

    @override_settings(PLEDGE_IMPORT_MAX_ROWS=1000)
    def test_rows_are_counted_as_they_are_read_empty_ones_too(self):
        """Under the unpacked limit, a sheet of endless empty rows stops at the row limit
        (it used to be read to the end, empty rows not counted)."""
        path = self.folder / "清单.xlsx"
        bomb(path, unpacked_bytes=10 * MB, data_rows=[row(self.code, 1)])
        seconds, peak, outcome = _measured(lambda: reading.read_upload(upload(path.read_bytes())))
        self.assertIsInstance(outcome, FileProblem)
        self.assertEqual(
            str(outcome),
            "第 1012 行：工作表超过 1000 行（中间的空行也计算在内）。请删除空行，"
            "或拆分文件后分批导入。",
        )
        self.assertLess(seconds, 5)
        self.assertLess(peak, 50)

    @override_settings(PLEDGE_IMPORT_SYNC_UNZIPPED_BYTES=100_000)
    def test_a_file_large_unpacked_goes_to_the_worker_whatever_rows_it_states(self):
        """No <dimension>: the row count is unknown, so the unpacked size decides; the
        request does not read the sheet."""
        path = self.folder / "清单.xlsx"
        bomb(path, unpacked_bytes=1 * MB, data_rows=[row(self.code, 1)])
        with self.captureOnCommitCallbacks(execute=False) as callbacks:
            response = self.post(path.read_bytes())
        job = ImportJob.objects.get()
        self.assertRedirects(response, job.get_absolute_url())
        self.assertEqual(job.status, ImportJob.Status.PREVIEW_QUEUED)
        self.assertEqual(len(callbacks), 1)
        callbacks[0]()  # the worker's check
        job.refresh_from_db()
        self.assertEqual(job.status, ImportJob.Status.PREVIEWED)
        self.assertEqual(job.counts, {"new": 1, "changed": 0, "unchanged": 0, "error": 0})
        # Confirming: the worker again, for the same reason.
        with self.captureOnCommitCallbacks(execute=True):
            self.client.post(reverse("imports:import_job_confirm", args=[job.pk]))
        job.refresh_from_db()
        self.assertEqual(job.status, ImportJob.Status.DONE)
        self.assertEqual(Project.objects.get().title, "安装太阳能路灯")

    @override_settings(PLEDGE_IMPORT_SYNC_UNZIPPED_BYTES=100_000)
    def test_the_worker_refuses_what_the_request_would_have(self):
        path = self.folder / "清单.xlsx"
        bomb(path, unpacked_bytes=1 * MB, data_rows=[])
        with self.captureOnCommitCallbacks(execute=True):
            self.post(path.read_bytes())
        job = ImportJob.objects.get()
        self.assertEqual(job.status, ImportJob.Status.FAILED)
        self.assertEqual(job.message, "工作表有表头，但没有要导入的行。")


# --- 3. Files openpyxl cannot open ---------------------------------------------------------------


def _part(content: bytes, name: str) -> bytes:
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        return archive.read(name)


def _bad_styles(content: bytes) -> bytes:
    """The cell style of the "Normal" named style points at font 7 of 1: openpyxl raises
    IndexError while opening the workbook (an xf of cellXfs alone would not: read-only
    mode never looks at it)."""
    return edit_part(
        content,
        "xl/styles.xml",
        lambda text: re.sub(
            r'(<cellStyleXfs count="1"><xf [^>]*?)fontId="0"', r'\1fontId="7"', text
        ),
    )


class UnreadableFileTests(_PageMixin, TestCase):
    def test_openpyxl_itself_fails_on_the_malformed_styles(self):
        from openpyxl import load_workbook

        with self.assertRaises(IndexError):
            load_workbook(io.BytesIO(_bad_styles(xlsx_bytes([row(self.code, 1)]))))

    def test_the_page_refuses_a_malformed_styles_part_with_the_form_kept(self):
        seconds, peak, response = _measured(
            lambda: self.post(_bad_styles(xlsx_bytes([row(self.code, 1)])))
        )
        self.assertRefusedOnTheForm(response, UNREADABLE)
        self.assertLess(seconds, 5)
        self.assertLess(peak, 200)

    def test_the_command_says_so_without_a_traceback(self):
        folder = Path(tempfile.mkdtemp())
        path = folder / "清单.xlsx"
        path.write_bytes(_bad_styles(xlsx_bytes([row(self.code, 1)])))
        self.addCleanup(path.unlink)
        with self.assertRaisesMessage(CommandError, UNREADABLE):
            call_command("import_pledges", str(path), "--year", "2026", stdout=io.StringIO())
        self.assertFalse(Project.objects.exists())

    def test_any_damage_is_the_same_clear_refusal(self):
        good = xlsx_bytes([row(self.code, 1)])
        damaged = {
            "cut short": good[: len(good) // 2],
            "no workbook part": edit_part(good, "xl/workbook.xml", lambda text: "<oops"),
            "bad content types": edit_part(good, "[Content_Types].xml", lambda text: "x"),
            "no relationships": edit_part(
                good, "xl/_rels/workbook.xml.rels", lambda text: text.replace("rId1", "rId9")
            ),
        }
        for name, content in damaged.items():
            with self.subTest(name), self.assertRaisesMessage(FileProblem, UNREADABLE):
                reading.check_upload(upload(content))
                reading.read_upload(upload(content))

    def test_a_styles_part_too_large_to_read_whole_is_refused_before_it_is_read(self):
        """Excel keeps at most 64,000 cell formats; 300,000 would take openpyxl seconds and
        hundreds of MB."""
        xf = '<xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>'
        content = edit_part(
            xlsx_bytes([row(self.code, 1)]),
            "xl/styles.xml",
            lambda text: re.sub(r'<cellXfs count="\d+">', "<cellXfs>" + xf * 300_000, text),
        )
        self.assertGreater(
            zipfile.ZipFile(io.BytesIO(content)).getinfo("xl/styles.xml").file_size, 16 * MB
        )
        seconds, peak, outcome = _measured(lambda: reading.read_upload(upload(content)))
        self.assertEqual(str(outcome), UNREADABLE + "。")
        self.assertLess(seconds, 1)
        self.assertLess(peak, 50)

    def test_a_damaged_cell_is_named_or_its_row(self):
        good = xlsx_bytes([row(self.code, 1), row(self.code, 2)])
        damage = {  # a date cell whose value is no date, with and without its r="E3"
            '<c r="E3" t="d"><v>x</v>': "工作表「Sheet」的单元格 E3 无法读取，请用 Excel 或 WPS",
            '<c t="d"><v>x</v>': "工作表「Sheet」第 3 行无法读取，请用 Excel 或 WPS",
        }
        for cell, message in damage.items():
            content = edit_part(
                good,
                "xl/worksheets/sheet1.xml",
                lambda text, cell=cell: text.replace('<c r="E3" t="n"><v>2</v>', cell),
            )
            with self.subTest(cell), self.assertRaisesMessage(FileProblem, message):
                reading.read_upload(upload(content))


# --- 4. Formulas without a saved value ----------------------------------------------------------


class FormulaTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.village = VillageFactory(name="龙江村")
        cls.code = cls.village.code

    def test_a_quantity_that_is_a_formula_without_a_value_refuses_the_row(self):
        content = xlsx_bytes(
            [
                row(self.code, 1, quantity="=10*3", unit="盏"),
                row(self.code, 2, quantity=5, unit="盏"),
            ]
        )
        rows, counts = _preview(content, self.village)
        self.assertEqual(counts["error"], 1)
        self.assertEqual(rows[0]["errors"], [f"第 2 行「目标数量」{NO_SAVED_VALUE}"])
        self.assertEqual(rows[1]["status"], "new")

    def test_a_title_that_is_a_formula_is_not_called_empty(self):
        content = xlsx_bytes([row(self.code, 1, '=B2&"路灯"'), row(self.code, 2, "=F2")])
        rows, _counts = _preview(content, self.village)
        self.assertEqual(rows[0]["errors"], [f"第 2 行「名称」{NO_SAVED_VALUE}"])
        self.assertEqual(rows[1]["errors"], [f"第 3 行「名称」{NO_SAVED_VALUE}"])

    def test_a_code_or_number_that_is_a_formula_gets_one_message_each(self):
        content = xlsx_bytes([row("=A1", "=ROW()-1")])
        rows, _counts = _preview(content, self.village)
        self.assertEqual(
            sorted(rows[0]["errors"]),
            [f"第 2 行「序号」{NO_SAVED_VALUE}", f"第 2 行「村(社区)代码」{NO_SAVED_VALUE}"],
        )

    def test_a_formula_excel_saved_with_its_value_reads_the_value(self):
        content = edit_part(
            xlsx_bytes([row(self.code, 1, quantity="=10*3", unit="盏")]),
            "xl/worksheets/sheet1.xml",
            lambda text: re.sub(r"<f>10\*3</f><v\s*/>", "<f>10*3</f><v>30</v>", text),
        )
        rows, counts = _preview(content, self.village)
        self.assertEqual(counts["new"], 1, rows)

    def test_a_formula_whose_saved_result_is_empty_text_is_empty(self):
        content = edit_part(
            xlsx_bytes([row(self.code, 1, description='=IF(1,"","x")')]),
            "xl/worksheets/sheet1.xml",
            lambda text: re.sub(
                r'<c r="N2"><f>(.*?)</f><v\s*/></c>',
                r'<c r="N2" t="str"><f>\1</f><v></v></c>',
                text,
            ),
        )
        _rows, counts = _preview(content, self.village)
        self.assertEqual(counts["new"], 1)

    def test_uncalculated_formulas_in_a_column_not_imported_do_not_matter(self):
        headers = [*HEADERS, "合计"]
        rows = [[*row(self.code, 1), "=I2*K2"], [None] * 14 + ["=I3*K3"]]
        _rows, counts = _preview(xlsx_bytes(rows, headers=headers), self.village)
        self.assertEqual(counts, {"new": 1, "changed": 0, "unchanged": 0, "error": 0})


# --- 5. A header over two rows ------------------------------------------------------------------


def _two_row_header(rows, *, top_changes: dict, bottom: dict) -> bytes:
    """The template's header with `top_changes` (column index → new heading, None for the
    blank cells of a merged heading) and a second header row `bottom` (column index →
    sub-heading); headings without sub-headings are merged down over both rows, as
    people lay them out."""
    workbook = Workbook()
    sheet = workbook.active
    top = [top_changes.get(index, header) for index, header in enumerate(HEADERS)]
    sheet.append(["红花岗区2026年民生实事和不准事项清单"])
    sheet.append(top)
    sheet.append([bottom.get(index) for index in range(len(HEADERS))])
    for line in rows:
        sheet.append(line)
    column = 1
    while column <= len(HEADERS):
        span = 1
        while column + span <= len(HEADERS) and top[column + span - 1] is None:
            span += 1
        if span > 1:
            sheet.merge_cells(
                start_row=2, start_column=column, end_row=2, end_column=column + span - 1
            )
        elif column - 1 not in bottom:
            sheet.merge_cells(start_row=2, start_column=column, end_row=3, end_column=column)
        column += span
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


PLANNED = {"top_changes": {11: "计划时间", 12: None}, "bottom": {11: "开始", 12: "完成"}}


class TwoRowHeaderTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.village = VillageFactory(name="龙江村")
        cls.code = cls.village.code

    def test_计划时间_over_开始_and_完成_is_read_as_计划开始_and_计划完成(self):
        content = _two_row_header(
            [row(self.code, 1, start="2026/3/1", finish="2026年10月", quantity=30, unit="盏")],
            **PLANNED,
        )
        rows, counts = _preview(content, self.village)
        self.assertEqual(counts["new"], 1, rows)
        self.assertEqual(rows[0]["row"], 4)
        dataset = reading.read_upload(upload(content))
        self.assertEqual(
            (dataset[0][12], dataset[0][13]), ("2026/3/1", "2026年10月")
        )  # 计划开始, 计划完成

    def test_村社区_over_代码_and_名称_is_not_taken_for_the_title(self):
        content = _two_row_header(
            [row(self.code, 1, "安装太阳能路灯", name="龙江村")],
            top_changes={0: "村(社区)", 1: None},
            bottom={0: "代码", 1: "名称"},
        )
        rows, counts = _preview(content, self.village)
        self.assertEqual(counts["new"], 1, rows)
        self.assertEqual(rows[0]["title"], "安装太阳能路灯")

    def test_a_merged_heading_over_quantity_and_unit(self):
        content = _two_row_header(
            [row(self.code, 1, quantity=30, unit="盏")],
            top_changes={8: "目标任务", 9: None},
            bottom={8: "数量", 9: "单位"},
        )
        _rows, counts = _preview(content, self.village)
        self.assertEqual(counts["new"], 1)

    def test_a_header_over_two_rows_that_names_a_column_twice_is_refused_with_the_fix(self):
        content = _two_row_header(
            [row(self.code, 1)],
            top_changes={11: "计划时间", 12: None},
            bottom={11: "开始", 12: "开始"},
        )
        seconds, peak, outcome = _measured(lambda: reading.read_upload(upload(content)))
        self.assertEqual(
            str(outcome),
            "第 2、3 行合起来是表头（列名分两行写，有合并单元格），合起来读有两列都是"
            "「计划开始」。请按模板把表头写成一行、每列一个列名（如 计划开始、计划完成），"
            "并删除另一行。",
        )
        self.assertLess(seconds, 5)

    def test_a_data_row_under_a_one_row_header_is_still_data(self):
        text_row = [str(value) if value is not None else None for value in row(self.code, 1)]
        rows, counts = _preview(xlsx_bytes([text_row]), self.village)
        self.assertEqual(counts["new"], 1, rows)
        self.assertEqual(rows[0]["row"], 2)

    def test_a_one_row_header_naming_a_column_twice_says_which_row(self):
        content = xlsx_bytes([row(self.code, 1)], headers=[*HEADERS[:-1], "名称"])
        with self.assertRaisesMessage(FileProblem, "第 1 行：有两列都是「名称」，请只保留一列。"):
            reading.read_upload(upload(content))


# --- The admin's import reads files the same way ---------------------------------------------


class AdminImportTests(AdminMixin, TestCase):
    def preview(self, content: bytes):
        return self.post_file(content)

    def test_it_says_what_is_wrong_with_an_unreadable_file(self):
        response = self.preview(_bad_styles(xlsx_bytes([row(self.village.code, 1)])))
        self.assertContains(response, UNREADABLE)
        self.assertNotContains(response, "IndexError")

    def test_it_reads_the_visible_sheet_too_even_when_a_program_left_the_hidden_one_active(
        self,
    ):
        code = self.village.code
        content = with_sheets(
            [
                ("旧", [HEADERS, row(code, 1, "去年的旧名称")], "hidden"),
                ("清单", [HEADERS, row(code, 1, "安装太阳能路灯")], "visible"),
            ],
            active=1,
        )
        # openpyxl never saves a hidden sheet as the active one; other programs do.
        content = edit_part(
            content, "xl/workbook.xml", lambda text: text.replace('activeTab="1"', 'activeTab="0"')
        )
        self.assertIn(b'activeTab="0"', _part(content, "xl/workbook.xml"))
        response = self.preview(content)
        self.assertIsNotNone(response.context["confirm_form"])
        self.assertContains(response, "安装太阳能路灯")
        self.assertNotContains(response, "去年的旧名称")
