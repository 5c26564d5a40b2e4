"""The district administrator's import and export in the Django admin: scoped to their
district, the same checks, all or nothing."""

import io
import shutil
import tempfile

from django.contrib.auth.models import Permission
from django.test import TestCase, override_settings
from django.urls import reverse
from openpyxl import load_workbook

from pledges.models import PledgeList, Project
from tests.factories import MembershipFactory, TownshipFactory, VillageFactory, full_list
from villages.models import Membership

from .sheets import row, upload, xlsx_bytes


class AdminMixin:
    """A district administrator (staff, with the list permissions) on the admin's import
    page, with uploads in a temporary media folder."""

    @classmethod
    def setUpTestData(cls):
        cls.village = VillageFactory()
        cls.district = cls.village.township.district
        cls.elsewhere = VillageFactory(township=TownshipFactory())  # another district
        full_list(village=cls.elsewhere, year=2026)
        admin = MembershipFactory(role=Membership.Role.DISTRICT_ADMIN, district=cls.district).user
        admin.is_staff = True
        admin.save()
        admin.user_permissions.set(
            Permission.objects.filter(
                content_type__app_label="pledges",
                codename__in=["view_pledgelist", "change_pledgelist", "add_pledgelist"],
            )
        )
        cls.admin = admin

    def setUp(self):
        media = tempfile.mkdtemp()
        self.addCleanup(shutil.rmtree, media, ignore_errors=True)
        override = override_settings(MEDIA_ROOT=media)
        override.enable()
        self.addCleanup(override.disable)
        self.client.force_login(self.admin)
        self.url = reverse("admin:pledges_pledgelist_import")

    def post_file(self, content: bytes):
        return self.client.post(self.url, {"format": 0, "import_file": upload(content)})


class AdminImportTests(AdminMixin, TestCase):
    def preview(self, rows):
        return self.post_file(xlsx_bytes(rows, above=[["标题"]]))

    def test_it_previews_and_imports_the_districts_villages(self):
        response = self.preview(
            [row(self.village.code, 1), row(self.village.code, 1, "不准", kind="不准事项")]
        )
        self.assertEqual(response.status_code, 200)
        confirm = response.context["confirm_form"]
        self.assertIsNotNone(confirm)
        self.assertFalse(Project.objects.filter(pledge_list__village=self.village).exists())
        response = self.client.post(
            reverse("admin:pledges_pledgelist_process_import"), confirm.initial
        )
        self.assertEqual(response.status_code, 302)
        pledge_list = PledgeList.objects.get(village=self.village)
        self.assertEqual(pledge_list.projects.get().history.get().history_user, self.admin)
        self.assertEqual(pledge_list.prohibitions.count(), 1)

    def test_a_village_of_another_district_is_an_error(self):
        response = self.preview([row(self.village.code, 1), row(self.elsewhere.code, 11)])
        self.assertIsNone(response.context.get("confirm_form"))
        self.assertContains(response, f"第 4 行「村(社区)代码」“{self.elsewhere.code}”")
        self.assertContains(response, "只能导入本辖区的村（社区）")

    def test_the_year_comes_from_the_file(self):
        response = self.preview([row(self.village.code, 1, year=None)])
        self.assertContains(response, "第 3 行「年度」为空")

    def test_the_list_and_the_export_hold_the_district_only(self):
        full_list(village=self.village, year=2026)
        changelist = self.client.get(reverse("admin:pledges_pledgelist_changelist"))
        self.assertEqual(changelist.context["cl"].result_count, 1)
        response = self.client.post(
            reverse("admin:pledges_pledgelist_export"),
            {"format": 0, **{f"pledgeitemresource_{name}": True for name in ("village_code",)}},
        )
        self.assertEqual(response.status_code, 200)
        sheet = load_workbook(io.BytesIO(response.content)).active
        codes = {cell.value for cell in sheet["A"][1:]}
        self.assertEqual(codes, {self.village.code})
