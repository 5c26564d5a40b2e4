"""The Excel pages: permission matrix, the upload → preview → confirm flow, query budgets of
the preview at two file sizes, the template, and the scoped exports."""

import io
import shutil
import tempfile
from decimal import Decimal

from django.test import TestCase, override_settings
from django.urls import reverse
from openpyxl import load_workbook

from audit.models import SecurityEvent
from imports.models import ImportJob
from pledges.models import PledgeList, Project
from suggestions.models import Suggestion
from tests.factories import MembershipFactory, TownshipFactory, VillageFactory, full_list
from tests.personas import DENIED, LOGIN, OK, WITH_A_ROLE, Personas, assert_matrix
from villages.models import Membership

from .sheets import HEADERS, read_rows, row, upload, xlsx_bytes

Role = Membership.Role
Kind = SecurityEvent.Kind


class _MediaMixin:
    """Uploads go to a temporary MEDIA_ROOT."""

    @classmethod
    def setUpClass(cls):
        cls._media = tempfile.mkdtemp()
        cls._media_override = override_settings(MEDIA_ROOT=cls._media)
        cls._media_override.enable()
        super().setUpClass()

    @classmethod
    def tearDownClass(cls):
        super().tearDownClass()
        cls._media_override.disable()
        shutil.rmtree(cls._media, ignore_errors=True)


class ImportPermissionMatrixTests(_MediaMixin, TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.village = VillageFactory()
        cls.township = cls.village.township
        cls.personas = Personas.around(cls.village)
        cls.job = ImportJob.objects.create(
            township=cls.township,
            year=2026,
            file="imports/x.xlsx",
            file_name="x.xlsx",
            status=ImportJob.Status.PREVIEWED,
            counts={"new": 0, "changed": 0, "unchanged": 1, "error": 0},
            rows=[{"row": 2, "status": "unchanged", "errors": [], "changes": []}],
        )

    def urls(self):
        code, village = self.township.code, self.village.code
        export = "imports:export"
        return {
            "upload": reverse("imports:township_import", args=[code]),
            "job": reverse("imports:import_job", args=[self.job.pk]),
            "status": reverse("imports:import_job_status", args=[self.job.pk]),
            "template": reverse("imports:import_template"),
            "township_lists": reverse(export, args=[code, "lists"]),
            "township_progress": reverse(export, args=[code, "progress"]),
            "township_suggestions": reverse(export, args=[code, "suggestions"]),
            "village_lists": reverse(export, args=[village, "lists"]),
            "village_suggestions": reverse(export, args=[village, "suggestions"]),
            "district_lists": reverse(export, args=[self.township.district.code, "lists"]),
        }

    # Expected status of a GET per persona, then a user with no role.
    MATRIX = {
        #                      committee reviewer cadre admin other_com other_cadre nobody
        "upload": (DENIED, DENIED, OK, OK, DENIED, DENIED, DENIED),
        "job": (DENIED, DENIED, OK, DENIED, DENIED, DENIED, DENIED),
        "status": (DENIED, DENIED, OK, DENIED, DENIED, DENIED, DENIED),
        "template": (OK, OK, OK, OK, OK, OK, OK),
        "township_lists": (DENIED, DENIED, OK, OK, DENIED, DENIED, DENIED),
        "township_progress": (DENIED, DENIED, OK, OK, DENIED, DENIED, DENIED),
        "township_suggestions": (DENIED, DENIED, OK, OK, DENIED, DENIED, DENIED),
        "village_lists": (OK, OK, OK, OK, DENIED, DENIED, DENIED),
        "village_suggestions": (OK, DENIED, OK, OK, DENIED, DENIED, DENIED),
        "district_lists": (DENIED, DENIED, DENIED, OK, DENIED, DENIED, DENIED),
    }
    ORDER = [*WITH_A_ROLE, "nobody"]

    def test_the_matrix(self):
        assert_matrix(self, self.personas, self.urls(), self.MATRIX, self.ORDER)

    def test_anonymous_is_sent_to_log_in(self):
        assert_matrix(self, self.personas, self.urls(), LOGIN, ["anonymous"])

    def test_the_district_sees_the_exports_but_uploads_nothing(self):
        self.client.force_login(self.personas.district_admin)
        page = self.client.get(self.urls()["upload"])
        self.assertNotContains(page, 'type="file"')
        self.assertContains(page, reverse("imports:export", args=[self.township.code, "lists"]))
        response = self.client.post(
            self.urls()["upload"], {"year": 2026, "file": upload(xlsx_bytes([]))}
        )
        self.assertEqual(response.status_code, DENIED)
        self.assertEqual(ImportJob.objects.count(), 1)

    def test_confirm_is_for_the_townships_cadre_only(self):
        url = reverse("imports:import_job_confirm", args=[self.job.pk])
        others = ["committee", "district_admin", "other_cadre"]
        assert_matrix(self, self.personas, {"confirm": url}, DENIED, others, method="post")
        self.client.force_login(self.personas.cadre)
        self.assertEqual(self.client.post(url).status_code, 302)  # nothing to import: back

    def test_wrong_methods(self):
        self.client.force_login(self.personas.cadre)
        confirm = reverse("imports:import_job_confirm", args=[self.job.pk])
        self.assertEqual(self.client.get(confirm).status_code, 405)
        self.assertEqual(self.client.post(self.urls()["status"]).status_code, 405)
        self.assertEqual(self.client.post(self.urls()["job"]).status_code, 405)
        self.assertEqual(self.client.post(self.urls()["template"]).status_code, 405)
        self.assertEqual(self.client.put(self.urls()["upload"]).status_code, 405)

    def test_an_unknown_export_is_not_found(self):
        self.client.force_login(self.personas.cadre)
        url = reverse("imports:export", args=[self.township.code, "everything"])
        self.assertEqual(self.client.get(url).status_code, 404)


class ImportFlowTests(_MediaMixin, TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.village = VillageFactory(name="龙江村")
        cls.township = cls.village.township
        cls.cadre = MembershipFactory(role=Role.TOWNSHIP_CADRE, township=cls.township).user

    def setUp(self):
        self.client.force_login(self.cadre)
        self.url = reverse("imports:township_import", args=[self.township.code])

    def post(self, content: bytes, name="清单.xlsx", year=2026):
        return self.client.post(self.url, {"year": year, "file": upload(content, name)})

    def test_upload_preview_and_confirm(self):
        content = xlsx_bytes(
            [row(self.village.code, 1, quantity="30盏"), row(self.village.code, 2)]
        )
        response = self.post(content)
        job = ImportJob.objects.get()
        self.assertRedirects(response, job.get_absolute_url())
        self.assertEqual(job.status, ImportJob.Status.PREVIEWED)
        self.assertEqual(job.counts, {"new": 2, "changed": 0, "unchanged": 0, "error": 0})
        self.assertFalse(Project.objects.exists())  # a preview writes nothing
        page = self.client.get(job.get_absolute_url())
        self.assertContains(page, "确认导入：新增 2 项，修改 0 项")
        self.assertContains(page, "第 2 行")
        confirm = self.client.post(reverse("imports:import_job_confirm", args=[job.pk]))
        self.assertRedirects(confirm, job.get_absolute_url())
        job.refresh_from_db()
        self.assertEqual(job.status, ImportJob.Status.DONE)
        self.assertEqual(job.confirmed_by, self.cadre)
        project = Project.objects.get(number=1)
        self.assertEqual((project.target_quantity, project.unit), (Decimal("30"), "盏"))
        self.assertEqual(project.history.get().history_user, self.cadre)
        # Confirming again imports nothing twice.
        self.client.post(reverse("imports:import_job_confirm", args=[job.pk]))
        self.assertEqual(Project.objects.count(), 2)

    def test_an_import_through_the_page_is_in_the_security_log(self):
        content = xlsx_bytes([row(self.village.code, 1), row(self.village.code, 2)])
        self.post(content, name="二〇二六清单.xlsx")
        job = ImportJob.objects.get()
        self.assertFalse(SecurityEvent.objects.filter(kind=Kind.IMPORT).exists())  # a preview
        self.client.post(
            reverse("imports:import_job_confirm", args=[job.pk]), REMOTE_ADDR="10.1.2.3"
        )
        event = SecurityEvent.objects.get(kind=Kind.IMPORT)
        self.assertEqual(
            (event.user, event.ip_address, event.district_id),
            (self.cadre, "10.1.2.3", self.township.district_id),
        )
        self.assertEqual(
            event.detail,
            {
                "what": "pledge lists",
                "via": "page",
                "place": self.township.code,
                "place_name": self.township.name,
                "year": 2026,
                "file": "二〇二六清单.xlsx",
                "rows": 2,
                "new": 2,
                "changed": 0,
                "personal": False,
            },
        )
        self.client.post(reverse("imports:import_job_confirm", args=[job.pk]))  # again: nothing
        self.assertEqual(SecurityEvent.objects.filter(kind=Kind.IMPORT).count(), 1)

    @override_settings(PLEDGE_IMPORT_SYNC_ROWS=1)
    def test_an_import_by_the_worker_is_in_the_security_log_too(self):
        content = xlsx_bytes([row(self.village.code, 1), row(self.village.code, 2)])
        with self.captureOnCommitCallbacks(execute=True):
            self.post(content)
        job = ImportJob.objects.get()
        with self.captureOnCommitCallbacks(execute=True):
            self.client.post(reverse("imports:import_job_confirm", args=[job.pk]))
        event = SecurityEvent.objects.get(kind=Kind.IMPORT)
        self.assertEqual((event.user, event.detail["rows"]), (self.cadre, 2))

    def test_a_preview_with_errors_cannot_be_confirmed(self):
        self.post(xlsx_bytes([row(self.village.code, 1, quantity=-1, unit="盏")]))
        job = ImportJob.objects.get()
        page = self.client.get(job.get_absolute_url() + "?show=error")
        self.assertContains(page, "第 2 行「目标数量」“-1”：不能为负数")
        self.assertContains(page, "请在文件中改正有错误的行后重新上传")
        self.assertNotContains(page, "确认导入")
        self.client.post(reverse("imports:import_job_confirm", args=[job.pk]))
        self.assertFalse(PledgeList.objects.exists())

    def test_confirming_after_the_list_was_published_imports_nothing(self):
        self.post(xlsx_bytes([row(self.village.code, 1, "新名称")]))
        job = ImportJob.objects.get()
        full_list(status=PledgeList.Status.PUBLISHED, village=self.village, year=2026)
        self.client.post(reverse("imports:import_job_confirm", args=[job.pk]))
        job.refresh_from_db()
        self.assertEqual(job.status, ImportJob.Status.PREVIEWED)
        self.assertIn("没有导入任何数据", job.message)
        self.assertIn("已公示", job.rows[0]["errors"][0])
        self.assertFalse(Project.objects.filter(title="新名称").exists())

    def test_a_file_that_is_not_xlsx_is_refused_on_the_form(self):
        response = self.post(b"village,title\n", name="清单.csv")
        self.assertContains(response, "这不是 Excel .xlsx 文件", status_code=400)
        self.assertFalse(ImportJob.objects.exists())

    @override_settings(PLEDGE_IMPORT_MAX_BYTES=2000)
    def test_a_file_that_is_too_large_is_refused_on_the_form(self):
        response = self.post(xlsx_bytes([row(self.village.code, n) for n in range(1, 9)]))
        self.assertContains(response, "最大只能导入", status_code=400)

    def test_the_upload_page(self):
        response = self.client.get(self.url)
        self.assertContains(response, "下载模板")
        self.assertContains(response, reverse("imports:export", args=[self.township.code, "lists"]))

    def test_the_preview_pages_through_many_rows(self):
        villages = [self.village, *(VillageFactory(township=self.township) for _ in range(25))]
        rows = [row(v.code, n) for v in villages for n in range(1, 11)]
        self.post(xlsx_bytes(rows))
        job = ImportJob.objects.get()
        self.assertEqual(job.row_count, 260)
        page = self.client.get(job.get_absolute_url() + "?page=2")
        self.assertEqual(len(page.context["page"]), 60)


class PreviewBudgetTests(_MediaMixin, TestCase):
    """The preview's queries do not grow with the file: everything the rows name is loaded
    in a fixed number of queries."""

    def build(self, villages: int, per_village: int):
        township = TownshipFactory()
        rows = []
        for index in range(villages):
            village = VillageFactory(township=township)
            if index % 2:  # half the villages already have a list with projects
                full_list(village=village, year=2026)
            rows += [row(village.code, n, f"项目{n}") for n in range(1, per_village + 1)]
            rows.append(row(village.code, 1, "不准优亲厚友", kind="不准事项"))
        cadre = MembershipFactory(role=Role.TOWNSHIP_CADRE, township=township).user
        return township, cadre, xlsx_bytes(rows)

    def test_the_upload_and_preview(self):
        for villages, per_village in ((2, 2), (12, 10)):
            township, cadre, content = self.build(villages, per_village)
            self.client.force_login(cadre)
            url = reverse("imports:township_import", args=[township.code])
            # session, user, township + district, memberships (scope);
            # insert the job (the upload stored), claim it (conditional UPDATE);
            # django-import-export's transaction: savepoint, savepoint (before_import):
            #   the file's villages, their lists, the lists' projects, their prohibitions,
            # release; savepoint + release (the bulk writes: none in a dry run);
            # savepoint + release (after_import); rolled back: rollback to and release;
            # save the preview
            with self.subTest(villages=villages), self.assertNumQueries(20):
                response = self.client.post(url, {"year": 2026, "file": upload(content)})
            job = ImportJob.objects.get(township=township)
            self.assertRedirects(response, job.get_absolute_url(), fetch_redirect_response=False)
            self.assertEqual(job.row_count, villages * (per_village + 1))

    def test_the_preview_page_and_its_status(self):
        for villages, per_village in ((2, 2), (12, 10)):
            township, cadre, content = self.build(villages, per_village)
            self.client.force_login(cadre)
            self.client.post(
                reverse("imports:township_import", args=[township.code]),
                {"year": 2026, "file": upload(content)},
            )
            job = ImportJob.objects.get(township=township)
            # session, user, job with township and district, memberships (scope)
            with self.subTest(villages=villages), self.assertNumQueries(4):
                self.client.get(job.get_absolute_url())
            with self.subTest(villages=villages), self.assertNumQueries(4):
                self.client.get(reverse("imports:import_job_status", args=[job.pk]))


class ExportTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.village = VillageFactory(name="龙江村")
        cls.township = cls.village.township
        cls.pledge_list = full_list(village=cls.village, year=2026)
        project = cls.pledge_list.projects.get(number=1)
        project.title = '=HYPERLINK("http://example.org")'
        project.save()
        Suggestion.objects.create(
            village=cls.village, year=2026, text="修路", name="张三", phone="13800000000"
        )
        other = VillageFactory(township=cls.township)
        full_list(village=other, year=2026)
        cls.cadre = MembershipFactory(role=Role.TOWNSHIP_CADRE, township=cls.township).user
        cls.admin = MembershipFactory(role=Role.DISTRICT_ADMIN, district=cls.township.district).user
        cls.committee = MembershipFactory(role=Role.VILLAGE_COMMITTEE, village=cls.village).user

    def export(self, user, code, what):
        self.client.force_login(user)
        response = self.client.get(reverse("imports:export", args=[code, what]) + "?year=2026")
        self.assertEqual(response.status_code, 200)
        self.assertEqual(
            response["Content-Type"],
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        )
        return response.content

    def test_the_lists_export_has_the_template_columns_and_both_kinds(self):
        rows = read_rows(self.export(self.cadre, self.township.code, "lists"))
        self.assertEqual(list(rows[0]), [*HEADERS, "清单状态"])
        self.assertEqual(len(rows), 1 + 2 * 15)
        kinds = [line[3] for line in rows[1:16]]
        self.assertEqual(kinds, ["民生实事"] * 10 + ["不准事项"] * 5)

    def test_codes_are_text_and_formulas_are_escaped(self):
        sheet = load_workbook(
            io.BytesIO(self.export(self.cadre, self.township.code, "lists"))
        ).active
        code, title = sheet["A2"], sheet["F2"]
        self.assertEqual(
            (code.value, code.number_format, code.data_type), (self.village.code, "@", "s")
        )
        self.assertEqual(title.value, '\'=HYPERLINK("http://example.org")')
        self.assertEqual(title.data_type, "s")

    def test_a_committee_exports_its_own_village_only(self):
        rows = read_rows(self.export(self.committee, self.village.code, "lists"))
        self.assertEqual({line[0] for line in rows[1:]}, {self.village.code})

    def test_progress(self):
        rows = read_rows(self.export(self.admin, self.township.code, "progress"))
        self.assertEqual(rows[0][:5], ("村(社区)代码", "村(社区)名称", "年度", "序号", "名称"))
        self.assertEqual(len(rows), 1 + 20)

    def test_suggestions_carry_name_and_phone_for_the_township_and_committee_only(self):
        for user, code in ((self.cadre, self.township.code), (self.committee, self.village.code)):
            rows = read_rows(self.export(user, code, "suggestions"))
            with self.subTest(user=user.username):
                self.assertIn("姓名", rows[0])
                self.assertIn("张三", rows[1])
                self.assertIn("13800000000", rows[1])
        rows = read_rows(self.export(self.admin, self.township.code, "suggestions"))
        self.assertNotIn("姓名", rows[0])
        self.assertNotIn("电话", rows[0])
        self.assertNotIn("张三", rows[1])
        self.assertNotIn("13800000000", rows[1])

    def test_a_suggestions_export_is_in_the_security_log(self):
        self.export(self.cadre, self.township.code, "suggestions")
        self.export(self.admin, self.township.code, "suggestions")  # no names and phones
        self.export(self.cadre, self.township.code, "lists")  # nothing private: not logged
        cadre, admin = SecurityEvent.objects.filter(kind=Kind.EXPORT).order_by("pk")
        self.assertEqual(cadre.user, self.cadre)
        self.assertEqual(
            cadre.detail,
            {
                "what": "suggestions",
                "via": "page",
                "place": self.township.code,
                "place_name": self.township.name,
                "year": 2026,
                "rows": 1,
                "personal": True,
            },
        )
        self.assertEqual((admin.user, admin.detail["personal"]), (self.admin, False))
        self.assertIn("姓名电话：含", cadre.detail_text)

    def test_the_template(self):
        self.client.force_login(self.cadre)
        content = self.client.get(reverse("imports:import_template")).content
        workbook = load_workbook(io.BytesIO(content))
        self.assertEqual(workbook.sheetnames, ["清单", "填写说明"])
        sheet = workbook["清单"]
        self.assertEqual([cell.value for cell in sheet[1]], HEADERS)
        self.assertEqual(sheet["A500"].number_format, "@")  # codes stay text when typed
        notes = "\n".join(str(cell.value) for cell in workbook["填写说明"]["B"])
        self.assertIn("最多 10 件", notes)
