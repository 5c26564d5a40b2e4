"""`manage.py import_pledges FILE --year YYYY [--dry-run]`."""

import shutil
import tempfile
from io import StringIO
from pathlib import Path

from django.core.management import CommandError, call_command
from django.test import TestCase

from pledges.models import PledgeList, Project
from tests.factories import TownshipFactory, VillageFactory

from .sheets import row, xlsx_bytes


class ImportCommandTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.village = VillageFactory()
        # Any village: the command is the operator's, for every township.
        cls.elsewhere = VillageFactory(township=TownshipFactory())

    def setUp(self):
        folder = tempfile.mkdtemp()
        self.addCleanup(shutil.rmtree, folder, ignore_errors=True)
        self.path = Path(folder) / "清单.xlsx"

    def write(self, rows):
        self.path.write_bytes(xlsx_bytes(rows))

    def call(self, *args):
        out, err = StringIO(), StringIO()
        call_command("import_pledges", str(self.path), *args, stdout=out, stderr=err)
        return out.getvalue(), err.getvalue()

    def test_a_dry_run_writes_nothing(self):
        self.write([row(self.village.code, 1), row(self.elsewhere.code, 1)])
        out, _err = self.call("--year", "2026", "--dry-run")
        self.assertIn("2 rows: 2 new, 0 changed, 0 unchanged, 0 in error. Dry run", out)
        self.assertFalse(PledgeList.objects.exists())

    def test_it_imports(self):
        self.write([row(self.village.code, 1), row(self.elsewhere.code, 1)])
        out, _err = self.call("--year", "2026")
        self.assertIn("Imported", out)
        self.assertEqual(Project.objects.count(), 2)
        self.assertEqual(Project.objects.first().history.get().history_user, None)

    def test_errors_are_listed_and_nothing_is_written(self):
        self.write([row(self.village.code, 1), row(self.village.code, 2, quantity=-3, unit="盏")])
        err = StringIO()
        with self.assertRaisesMessage(CommandError, "1 in error. Nothing was imported."):
            call_command("import_pledges", str(self.path), "--year", "2026", stderr=err)
        self.assertIn("第 3 行「目标数量」“-3”：不能为负数", err.getvalue())
        self.assertFalse(Project.objects.exists())

    def test_rows_of_another_year_are_errors(self):
        self.write([row(self.village.code, 1, year=2025)])
        with self.assertRaisesMessage(CommandError, "1 in error"):
            self.call("--year", "2026")

    def test_a_file_that_is_not_xlsx(self):
        self.path = self.path.with_suffix(".csv")
        self.path.write_text("a,b\n")
        with self.assertRaisesMessage(CommandError, "这不是 Excel .xlsx 文件"):
            self.call("--year", "2026")

    def test_a_missing_file(self):
        with self.assertRaisesMessage(CommandError, "No such file"):
            self.call("--year", "2026")
