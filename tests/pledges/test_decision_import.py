"""Excel and the 4+2 record: a township migrating an old year imports lists that never had a
record; they are marked so (无四议两公开记录（导入）) and may go on; a list of this year still
needs its meetings. The export carries the records on a sheet of their own."""

import io
import shutil
import tempfile
from io import StringIO
from pathlib import Path

from django.core.management import call_command
from django.test import TestCase, override_settings
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from pledges.models import DecisionRecord, PledgeList
from tests.factories import MembershipFactory, UserFactory, VillageFactory, full_list
from tests.imports.sheets import row, xlsx_bytes
from villages.models import Membership

THIS_YEAR = timezone.localdate().year


class ImportWithoutRecordTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.village = VillageFactory(name="龙江村")
        cls.user = UserFactory()

    def setUp(self):
        folder = tempfile.mkdtemp()
        self.addCleanup(shutil.rmtree, folder, ignore_errors=True)
        self.path = Path(folder) / "清单.xlsx"

    def import_year(self, year: int) -> PledgeList:
        rows = [row(self.village.code, n, f"项目{n}", year=year) for n in range(1, 11)]
        rows += [
            row(self.village.code, n, f"不准{n}", kind="不准事项", year=year) for n in range(1, 6)
        ]
        self.path.write_bytes(xlsx_bytes(rows))
        call_command("import_pledges", str(self.path), "--year", str(year), stdout=StringIO())
        return PledgeList.objects.get(village=self.village, year=year)

    def test_a_past_year_is_marked_and_may_be_submitted(self):
        pledge_list = self.import_year(THIS_YEAR - 1)
        record = DecisionRecord.objects.get(pledge_list=pledge_list)
        self.assertTrue(record.imported_without_record)
        self.assertEqual(record.history.get().history_change_reason, "从 Excel 导入")
        self.assertTrue(pledge_list.submit(by=self.user))

    def test_the_mark_shows_where_the_record_would(self):
        pledge_list = self.import_year(THIS_YEAR - 1)
        cadre = MembershipFactory(
            role=Membership.Role.TOWNSHIP_CADRE, township=self.village.township
        ).user
        self.client.force_login(cadre)
        page = self.client.get(reverse("pledges:decision_record", args=[pledge_list.pk]))
        self.assertContains(page, "无四议两公开记录（导入）")
        self.assertNotContains(page, "缺少提议会议的记录")

    def test_this_year_still_needs_its_meetings(self):
        pledge_list = self.import_year(THIS_YEAR)
        self.assertFalse(DecisionRecord.objects.filter(pledge_list=pledge_list).exists())
        self.assertEqual(
            pledge_list.submission_problems(),
            [f"缺少{step}会议的记录。" for step in ("提议", "商议", "审议", "决议")],
        )

    def test_a_dry_run_marks_nothing(self):
        rows = [row(self.village.code, 1, year=THIS_YEAR - 1)]
        self.path.write_bytes(xlsx_bytes(rows))
        call_command(
            "import_pledges",
            str(self.path),
            "--year",
            str(THIS_YEAR - 1),
            "--dry-run",
            stdout=StringIO(),
        )
        self.assertFalse(DecisionRecord.objects.exists())


class DecisionExportTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.village = VillageFactory(name="龙江村")
        cls.township = cls.village.township
        full_list(status=PledgeList.Status.PUBLISHED, village=cls.village, year=2026)
        imported = full_list(
            village=VillageFactory(township=cls.township, name="石桥村"), year=2026, decision=False
        )
        DecisionRecord.objects.create(pledge_list=imported, imported_without_record=True)
        cls.cadre = MembershipFactory(
            role=Membership.Role.TOWNSHIP_CADRE, township=cls.township
        ).user

    def setUp(self):
        media = tempfile.mkdtemp()
        self.addCleanup(shutil.rmtree, media, ignore_errors=True)
        override = override_settings(MEDIA_ROOT=media)
        override.enable()
        self.addCleanup(override.disable)

    def test_the_records_export_with_the_lists(self):
        self.client.force_login(self.cadre)
        url = reverse("imports:export", args=[self.township.code, "lists"]) + "?year=2026"
        workbook = load_workbook(io.BytesIO(self.client.get(url).content))
        self.assertEqual(workbook.sheetnames[1], "四议两公开")
        first = [cell.value for cell in workbook.worksheets[0][1]]
        self.assertNotIn("提议日期", first)  # the first sheet still imports back unchanged
        rows = list(workbook["四议两公开"].iter_rows(values_only=True))
        header, decided, imported = rows
        values = dict(zip(header, decided, strict=True))
        self.assertEqual(values["村(社区)名称"], "龙江村")
        self.assertEqual(values["提议日期"].date().isoformat(), "2026-01-05")
        self.assertEqual(values["决议实到"], 40)
        self.assertEqual(values["决议会议类型"], "村民代表会议")
        self.assertEqual((values["赞成"], values["反对"], values["弃权"]), (38, 1, 1))
        self.assertEqual(values["备注"], None)
        values = dict(zip(header, imported, strict=True))
        self.assertEqual(values["村(社区)名称"], "石桥村")
        self.assertEqual(values["备注"], "无四议两公开记录（导入）")
        self.assertIsNone(values["决议日期"])
