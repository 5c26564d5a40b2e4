"""Export, then import the same file: no changes."""

import datetime
import shutil
import tempfile
from decimal import Decimal

from django.core.management import call_command
from django.test import TestCase, override_settings
from django.urls import reverse

from imports.models import ImportJob
from pledges.models import PledgeList
from tests.factories import MembershipFactory, ProjectFactory, VillageFactory, full_list
from villages.models import Membership

from .sheets import upload


class RoundTripTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.village = VillageFactory()
        cls.township = cls.village.township
        draft = full_list(village=cls.village, year=2026)
        # Values that could drift on the way: decimals, empty fields, long text, formulas,
        # a category label, dates, a cancelled project.
        project = draft.projects.get(number=1)
        project.title = "-改造村道（含=号、+号）"
        project.budget = Decimal("12.35")
        project.target_quantity = Decimal("1923.5")
        project.description = "第一行\n第二行"
        project.category = "water"
        project.planned_start = datetime.date(2026, 1, 31)
        project.save()
        ProjectFactory(
            pledge_list=draft,
            number=11,
            status="cancelled",
            lead_name="",
            target_quantity=None,
            unit="",
            planned_start=None,
            planned_finish=None,
        )
        draft.prohibitions.filter(number=2).update(text="@不准接受宴请")
        full_list(
            status=PledgeList.Status.PUBLISHED,
            village=VillageFactory(township=cls.township),
            year=2026,
        )
        cls.cadre = MembershipFactory(
            role=Membership.Role.TOWNSHIP_CADRE, township=cls.township
        ).user

    def setUp(self):
        self.media = tempfile.mkdtemp()
        self.addCleanup(shutil.rmtree, self.media, ignore_errors=True)
        override = override_settings(MEDIA_ROOT=self.media)
        override.enable()
        self.addCleanup(override.disable)
        self.client.force_login(self.cadre)

    def exported(self) -> bytes:
        url = reverse("imports:export", args=[self.township.code, "lists"]) + "?year=2026"
        return self.client.get(url).content

    def test_export_then_import_changes_nothing(self):
        content = self.exported()
        self.client.post(
            reverse("imports:township_import", args=[self.township.code]),
            {"year": 2026, "file": upload(content)},
        )
        job = ImportJob.objects.get()
        changed = [row for row in job.rows if row["status"] != "unchanged"]
        self.assertEqual(changed, [])
        self.assertEqual(job.counts, {"new": 0, "changed": 0, "unchanged": 31, "error": 0})
        self.assertFalse(job.may_confirm)

    def test_the_command_agrees(self):
        path = f"{self.media}/lists.xlsx"
        with open(path, "wb") as file:
            file.write(self.exported())
        from io import StringIO

        out = StringIO()
        call_command("import_pledges", path, "--year", "2026", stdout=out)
        self.assertIn("31 rows: 0 new, 0 changed, 31 unchanged, 0 in error", out.getvalue())
