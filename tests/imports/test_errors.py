"""Every kind of error names the row, the column, the value and what is expected; one bad
row means nothing is written; what is written is in the history, with who."""

from decimal import Decimal

from django.test import TestCase, override_settings

from imports import reading, services
from pledges.models import PledgeList, Prohibition, Project
from pledges.timeline import project_timeline
from tests.factories import (
    ProjectFactory,
    TownshipFactory,
    UserFactory,
    VillageFactory,
    full_list,
)

from .sheets import row, upload, xlsx_bytes

EXPECTED_DATE = "应为日期，如 2025/6/30、2025-06-30、2025年6月 或 Excel 日期"


class ImportErrorTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.village = VillageFactory(name="龙江村")
        cls.township = cls.village.township
        cls.code = cls.village.code
        cls.user = UserFactory()

    def run_rows(self, rows, *, dry_run=True, year=2026, places="township"):
        places = [self.township] if places == "township" else places
        dataset = reading.read_upload(upload(xlsx_bytes(rows)))
        result = services.run_import(
            dataset, year=year, places=places, user=self.user, dry_run=dry_run
        )
        return services.preview_rows(dataset, result)

    def assertRowError(self, rows, expected: str, *, row: int = 2):
        entry = next(entry for entry in rows if entry["row"] == row)
        self.assertEqual(entry["status"], "error", entry)
        self.assertIn(expected, entry["errors"])

    def test_an_unknown_village_code(self):
        rows, _counts = self.run_rows([row("520399999999", 1)])
        self.assertRowError(
            rows,
            "第 2 行「村(社区)代码」“520399999999”：没有这个区划代码的村（社区），请核对区划代码",
        )

    def test_a_code_excel_turned_into_a_number(self):
        rows, _counts = self.run_rows([row("5.20302E+11", 1)])
        self.assertRowError(
            rows,
            "第 2 行「村(社区)代码」“5.20302E+11”：应为村（社区）的 12 位统计用区划代码"
            "（请在 Excel 中把此列设为文本格式）",
        )

    def test_a_village_outside_the_cadres_township(self):
        other = VillageFactory(
            name="外镇村", township=TownshipFactory(district=self.township.district)
        )
        rows, _counts = self.run_rows([row(other.code, 1)])
        self.assertRowError(
            rows,
            f"第 2 行「村(社区)代码」“{other.code}”：外镇村不在{self.township.name}："
            "只能导入本辖区的村（社区）",
        )

    def test_an_eleventh_project(self):
        pledge_list = PledgeList.objects.create(village=self.village, year=2026)
        for number in range(1, 10):
            ProjectFactory(pledge_list=pledge_list, number=number)
        rows, counts = self.run_rows([row(self.code, 10), row(self.code, 11), row(self.code, 3)])
        self.assertRowError(
            rows,
            "第 3 行「序号」“11”：这将是龙江村 2026 年清单的第 11 件民生实事；每份清单为 10 件",
            row=3,
        )
        self.assertEqual((counts["new"], counts["changed"], counts["error"]), (1, 1, 1))

    @override_settings(PLEDGE_PROJECT_COUNT=3, PLEDGE_PROHIBITION_COUNT=1)
    def test_the_counts_come_from_the_settings(self):
        rows, _counts = self.run_rows(
            [row(self.code, n) for n in range(1, 5)]
            + [row(self.code, n, "不准", kind="不准事项") for n in (1, 2)]
        )
        self.assertRowError(
            rows,
            "第 5 行「序号」“4”：这将是龙江村 2026 年清单的第 4 件民生实事；每份清单为 3 件",
            row=5,
        )
        self.assertRowError(
            rows,
            "第 7 行「序号」“2”：这将是龙江村 2026 年清单的第 2 个不准事项；每份清单为 1 个",
            row=7,
        )

    def test_a_cancelled_project_does_not_count(self):
        pledge_list = PledgeList.objects.create(village=self.village, year=2026)
        for number in range(1, 11):
            ProjectFactory(
                pledge_list=pledge_list,
                number=number,
                status="cancelled" if number == 1 else "planned",
            )
        _rows, counts = self.run_rows([row(self.code, 11)])
        self.assertEqual(counts["error"], 0)

    def test_a_duplicate_number(self):
        rows, _counts = self.run_rows(
            [
                row(self.code, 1),
                row(self.code, 1, "修水渠"),
                row(self.code, 1, "不准", kind="不准事项"),
            ]
        )
        self.assertRowError(
            rows, "第 3 行「序号」“1”：与第 2 行的村（社区）、年度、类型和序号重复", row=3
        )
        self.assertEqual([entry["status"] for entry in rows], ["new", "error", "new"])

    def test_a_bad_date(self):
        rows, _counts = self.run_rows(
            [row(self.code, 1, finish="2025年13月"), row(self.code, 2, start="下半年")]
        )
        self.assertRowError(
            rows,
            "第 2 行「计划完成」“2025年13月”：" + EXPECTED_DATE,
        )
        self.assertRowError(
            rows,
            "第 3 行「计划开始」“下半年”：" + EXPECTED_DATE,
            row=3,
        )

    def test_a_finish_before_the_start(self):
        rows, _counts = self.run_rows([row(self.code, 1, start="2026/6/1", finish="2026/5/1")])
        self.assertRowError(rows, "第 2 行「计划完成」“2026/5/1”：计划完成日期早于计划开始日期")

    def test_a_negative_quantity(self):
        rows, _counts = self.run_rows([row(self.code, 1, quantity=-30, unit="盏")])
        self.assertRowError(rows, "第 2 行「目标数量」“-30”：不能为负数")

    def test_a_quantity_that_is_not_a_number(self):
        rows, _counts = self.run_rows([row(self.code, 1, quantity="三十", unit="盏")])
        self.assertRowError(rows, "第 2 行「目标数量」“三十”：应为数字，如 30 或 30盏")

    def test_a_quantity_without_a_unit(self):
        rows, _counts = self.run_rows([row(self.code, 1, quantity=30)])
        self.assertRowError(rows, "第 2 行「单位」为空：请填写目标数量的单位（盏、米、亩……）")

    def test_a_missing_title(self):
        rows, _counts = self.run_rows([row(self.code, 1, title=None)])
        self.assertRowError(rows, "第 2 行「名称」为空：请填写民生实事或不准事项的名称")

    def test_a_title_too_long(self):
        rows, _counts = self.run_rows([row(self.code, 1, title="长" * 101)])
        self.assertRowError(rows, f"第 2 行「名称」“{'长' * 40}”：最多 100 个字（现有 101 个）")

    def test_a_bad_kind_year_number_and_category(self):
        rows, _counts = self.run_rows(
            [row(self.code, "一", kind="其他事项", year="明年", category="水利")]
        )
        errors = rows[0]["errors"]
        self.assertIn("第 2 行「类型」“其他事项”：应为“民生实事”或“不准事项”", errors)
        self.assertIn("第 2 行「年度」“明年”：应为 2000 至 2100 年之间的年份，如 2026", errors)
        self.assertIn("第 2 行「序号」“一”：应为从 1 开始的整数", errors)

    def test_an_unknown_category_lists_the_choices(self):
        rows, _counts = self.run_rows([row(self.code, 1, category="水利")])
        self.assertIn(
            "第 2 行「类别」“水利”：应为以下之一：道路交通、饮水安全", rows[0]["errors"][0]
        )

    def test_another_year_than_the_one_imported(self):
        rows, _counts = self.run_rows([row(self.code, 1, year=2025)])
        self.assertRowError(rows, "第 2 行「年度」“2025”：本次导入的是 2026 年")

    def test_a_prohibition_with_project_columns(self):
        rows, _counts = self.run_rows([row(self.code, 1, "不准", kind="不准事项", quantity=3)])
        self.assertRowError(rows, "第 2 行「目标数量」“3”：不准事项没有“目标数量”，请留空")

    def test_a_change_to_a_published_list(self):
        published = full_list(status=PledgeList.Status.PUBLISHED, village=self.village, year=2026)
        project = published.projects.get(number=1)
        rows, counts = self.run_rows(
            [
                row(self.code, 1, "改个名称", quantity=project.target_quantity, unit="盏"),
                row(self.code, 11),
            ]
        )
        self.assertRowError(
            rows,
            "第 2 行「名称」“改个名称”：龙江村 2026 年的清单已公示：修改须在项目页面提交变更申请",
        )
        self.assertEqual(counts["error"], 2)

    def test_a_submitted_list_cannot_be_changed_either(self):
        full_list(status=PledgeList.Status.SUBMITTED, village=self.village, year=2026)
        rows, _counts = self.run_rows([row(self.code, 1, "改个名称")])
        self.assertIn("龙江村 2026 年的清单状态为“", rows[0]["errors"][0])

    def test_unchanged_rows_of_a_published_list_are_fine(self):
        published = full_list(status=PledgeList.Status.PUBLISHED, village=self.village, year=2026)
        project = published.projects.get(number=1)
        rows, counts = self.run_rows(
            [
                row(
                    self.code,
                    1,
                    project.title,
                    category="路灯照明",
                    lead=project.lead_name,
                    quantity="30",
                    unit="盏",
                    start="2026-03-01",
                    finish="2026-10-31",
                )
            ]
        )
        self.assertEqual(counts, {"new": 0, "changed": 0, "unchanged": 1, "error": 0}, rows)


class AllOrNothingTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.village = VillageFactory()
        cls.code = cls.village.code
        cls.user = UserFactory(username="cadre")

    def import_rows(self, rows):
        dataset = reading.read_upload(upload(xlsx_bytes(rows)))
        result = services.run_import(
            dataset, year=2026, places=[self.village.township], user=self.user, dry_run=False
        )
        return result, services.preview_rows(dataset, result)

    def test_one_bad_row_writes_nothing(self):
        existing = full_list(village=self.village, year=2026)
        before = list(existing.projects.values_list("number", "title", "target_quantity", "unit"))
        rows = [row(self.code, n, f"新项目{n}", quantity=n, unit="米") for n in range(1, 11)]
        rows.append(row(self.code, 1, "不准", kind="不准事项"))
        rows.append(row(self.code, 2, "", kind="不准事项"))  # the only bad row
        result, (_rows, counts) = self.import_rows(rows)
        self.assertTrue(result.has_validation_errors())
        self.assertEqual(counts["error"], 1)
        self.assertEqual(PledgeList.objects.count(), 1)
        after = list(existing.projects.values_list("number", "title", "target_quantity", "unit"))
        self.assertEqual(after, before)
        self.assertFalse(Project.objects.filter(title__startswith="新项目").exists())
        self.assertFalse(Prohibition.objects.filter(text="不准").exists())
        self.assertEqual(Project.history.filter(history_type="~").count(), 0)

    def test_one_bad_row_on_another_village_writes_nothing_either(self):
        second = VillageFactory(township=self.village.township)
        _result, (_rows, counts) = self.import_rows(
            [row(self.code, 1), row(second.code, 1, quantity=-1, unit="盏")]
        )
        self.assertEqual(counts["error"], 1)
        self.assertFalse(PledgeList.objects.exists())
        self.assertFalse(Project.objects.exists())

    def test_a_good_file_writes_lists_items_and_their_history(self):
        existing = full_list(village=self.village, year=2026)
        project = existing.projects.get(number=2)
        second = VillageFactory(township=self.village.township)
        _result, (rows, counts) = self.import_rows(
            [
                row(self.code, 2, "修通组组路", quantity="1.5", unit="公里"),
                row(second.code, 1, "安装路灯", quantity="30盏"),
                row(second.code, 1, "不准优亲厚友", kind="不准事项"),
            ]
        )
        self.assertEqual(counts, {"new": 2, "changed": 1, "unchanged": 0, "error": 0})
        self.assertEqual(
            rows[0]["changes"],
            [
                ["名称", project.title, "修通组组路"],
                ["类别", "路灯照明", "其他"],
                ["领办人", "杨健", ""],
                ["目标数量", "30", "1.5"],
                ["单位", "盏", "公里"],
                ["计划开始", "2026-03-01", ""],
                ["计划完成", "2026-10-31", ""],
            ],
        )
        project.refresh_from_db()
        self.assertEqual((project.title, project.target_quantity), ("修通组组路", Decimal("1.5")))
        change = project.history.first()
        self.assertEqual(
            (change.history_type, change.history_user, change.history_change_reason),
            ("~", self.user, "从 Excel 导入"),
        )
        new_list = PledgeList.objects.get(village=second)
        self.assertEqual(new_list.status, PledgeList.Status.DRAFT)
        self.assertEqual(new_list.history.get().history_user, self.user)
        created = new_list.projects.get()
        self.assertEqual(created.history.get().history_type, "+")
        self.assertEqual(new_list.prohibitions.get().history.get().history_user, self.user)
        # The edit shows on the project's timeline like any other.
        self.assertIn("edit", [event["kind"] for event in project_timeline(project)])


class WriteConflictTests(TestCase):
    def test_a_list_created_by_someone_else_meanwhile_rolls_everything_back(self):
        from imports.resources import PledgeItemResource

        village = VillageFactory()
        other = VillageFactory(township=village.township)
        dataset = reading.read_upload(
            upload(xlsx_bytes([row(other.code, 1), row(village.code, 1)]))
        )

        def someone_else_creates_the_list(done, total):
            if done == 1:  # after the checks of row 1, before anything is written
                PledgeList.objects.create(village=village, year=2026)

        resource = PledgeItemResource(year=2026, on_progress=someone_else_creates_the_list)
        resource.PROGRESS_EVERY = 1
        result = resource.import_data(dataset, dry_run=False)
        rows, counts = services.preview_rows(dataset, result)
        self.assertTrue(result.has_errors())
        self.assertIn("导入过程中有其他人修改了这些清单，没有导入任何数据。", rows[-1]["errors"][0])
        self.assertFalse(Project.objects.exists())
        self.assertFalse(PledgeList.objects.filter(village=other).exists())
