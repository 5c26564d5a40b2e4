import io
import shutil
import tempfile

from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import TestCase, override_settings
from django.urls import reverse
from PIL import Image

from pledges.models import ChangeRequest, Escalation, PledgeList, Project
from tests.factories import ProjectFactory, VillageFactory, decided, full_list
from tests.personas import Personas

Status = PledgeList.Status
MEDIA = tempfile.mkdtemp(prefix="pledges-test-media-")


def image_upload(name="photo.jpg", size=(1200, 900), kind="JPEG", exif_orientation=None):
    buffer = io.BytesIO()
    image = Image.new("RGB", size, (200, 120, 40))
    exif = Image.Exif()
    if exif_orientation:
        exif[0x0112] = exif_orientation
    exif[0x8825] = {2: (26.0, 34.0, 0.0)}  # a GPS position that must not survive
    image.save(buffer, kind, exif=exif.tobytes() if kind == "JPEG" else b"")
    return SimpleUploadedFile(name, buffer.getvalue(), content_type=f"image/{kind.lower()}")


def editor_data(pledge_list, projects=10, prohibitions=5, **overrides):
    """A POST for the list editor filling every row of an empty list."""
    data = {
        "projects-TOTAL_FORMS": projects,
        "projects-INITIAL_FORMS": 0,
        "projects-MIN_NUM_FORMS": 0,
        "projects-MAX_NUM_FORMS": 1000,
        "prohibitions-TOTAL_FORMS": prohibitions,
        "prohibitions-INITIAL_FORMS": 0,
        "prohibitions-MIN_NUM_FORMS": 0,
        "prohibitions-MAX_NUM_FORMS": 1000,
    }
    for i in range(projects):
        data.update(
            {
                f"projects-{i}-number": i + 1,
                f"projects-{i}-title": f"修建灌溉水渠第{i + 1}段",
                f"projects-{i}-category": "irrigation",
                f"projects-{i}-target_quantity": "800",
                f"projects-{i}-unit": "米",
                f"projects-{i}-lead_name": "杨健",
                f"projects-{i}-lead_post": "村党委书记",
                f"projects-{i}-planned_start": "2026-03-01",
                f"projects-{i}-planned_finish": "2026-11-30",
            }
        )
    for i in range(prohibitions):
        data.update(
            {
                f"prohibitions-{i}-number": i + 1,
                f"prohibitions-{i}-text": f"不准收受群众礼品礼金{i + 1}",
            }
        )
    data.update(overrides)
    return data


class VillageWithPersonas(TestCase):
    """龙江村 with its personas; the committee and the cadre have names, which the pages show
    beside what each did."""

    @classmethod
    def setUpTestData(cls):
        cls.village = VillageFactory(name="龙江村")
        cls.township = cls.village.township
        cls.district = cls.township.district
        cls.personas = Personas.around(cls.village)
        for user, name in [(cls.personas.committee, "张华"), (cls.personas.cadre, "李强")]:
            user.first_name = name
            user.save(update_fields=["first_name"])


@override_settings(MEDIA_ROOT=MEDIA)
class FullCycleTests(VillageWithPersonas):
    @classmethod
    def tearDownClass(cls):
        super().tearDownClass()
        shutil.rmtree(MEDIA, ignore_errors=True)

    def test_draft_submit_return_resubmit_approve_publish_progress_complete_verify_change(self):
        # The committee starts the year's list and fills it in.
        self.client.force_login(self.personas.committee)
        start = self.client.post(
            reverse("pledges:village_list", args=[self.village.code]) + "?year=2026"
        )
        pledge_list = PledgeList.objects.get(village=self.village, year=2026)
        self.assertRedirects(start, reverse("pledges:pledge_list_edit", args=[pledge_list.pk]))
        # Its 4+2 meetings are recorded (their forms: tests/pledges/test_decision_views.py).
        decided(pledge_list)
        response = self.client.post(
            reverse("pledges:pledge_list_edit", args=[pledge_list.pk]),
            editor_data(pledge_list, submit="1"),
        )
        self.assertRedirects(response, pledge_list.get_absolute_url())
        pledge_list.refresh_from_db()
        self.assertEqual(pledge_list.status, Status.SUBMITTED)
        self.assertEqual(pledge_list.projects.count(), 10)

        # The township returns it with a comment on one item.
        self.client.force_login(self.personas.cadre)
        review_url = reverse("pledges:pledge_list_review", args=[pledge_list.pk])
        first = pledge_list.projects.get(number=1)
        self.client.post(
            review_url,
            {"decision": "return", "comment": "第1项预算偏高", f"comment-{first.pk}": "请核实长度"},
        )
        pledge_list.refresh_from_db()
        first.refresh_from_db()
        self.assertEqual(pledge_list.status, Status.RETURNED)
        self.assertEqual(first.review_comment, "请核实长度")

        # The committee sees the comment, revises and resubmits.
        self.client.force_login(self.personas.committee)
        edit_url = reverse("pledges:pledge_list_edit", args=[pledge_list.pk])
        self.assertContains(self.client.get(edit_url), "第1项预算偏高")
        self.client.post(reverse("pledges:pledge_list_submit", args=[pledge_list.pk]))
        pledge_list.refresh_from_db()
        self.assertEqual(pledge_list.status, Status.SUBMITTED)

        # The township approves and publishes in one step.
        self.client.force_login(self.personas.cadre)
        self.client.post(review_url, {"decision": "publish", "comment": ""})
        pledge_list.refresh_from_db()
        self.assertEqual(pledge_list.status, Status.PUBLISHED)
        self.assertEqual(self.client.get(edit_url).status_code, 403)  # no silent edits now

        # The committee reports progress with a photo from the phone, then completes it.
        self.client.force_login(self.personas.committee)
        project = pledge_list.projects.get(number=1)
        response = self.client.post(
            reverse("pledges:project_progress", args=[project.pk]),
            {
                "percent_done": "50",
                "quantity_done": "400",
                "note": "已完成400米",
                "photos": [image_upload(exif_orientation=6)],
            },
        )
        self.assertRedirects(response, project.get_absolute_url())
        photo = project.updates.get().photos.get()
        with Image.open(photo.image.path) as stored:
            self.assertEqual(stored.size, (900, 1200))  # EXIF orientation applied
            self.assertNotIn(0x8825, stored.getexif())  # GPS gone
        with Image.open(photo.thumbnail.path) as thumb:
            self.assertLessEqual(max(thumb.size), 480)
        self.client.post(
            reverse("pledges:project_complete", args=[project.pk]),
            {"note": "800米全线贯通", "quantity_done": "800"},
        )
        project.refresh_from_db()
        self.assertEqual(project.status, Project.Status.COMPLETED)

        # The township verifies (strikes it off).
        self.client.force_login(self.personas.cadre)
        self.client.post(
            reverse("pledges:project_verify", args=[project.pk]),
            {"decision": "verify", "note": "实地查看属实"},
        )
        project.refresh_from_db()
        self.assertEqual(project.status, Project.Status.VERIFIED)

        # A change request on another project: asked by the village, approved by the township.
        self.client.force_login(self.personas.committee)
        other = pledge_list.projects.get(number=2)
        self.client.post(
            reverse("pledges:project_change", args=[other.pk]),
            {"kind": "change", "planned_finish": "2026-12-25", "reason": "雨季延误"},
        )
        change = ChangeRequest.objects.get(project=other)
        self.client.force_login(self.personas.cadre)
        self.client.post(
            reverse("pledges:change_request_decide", args=[change.pk]),
            {"approve": "yes", "note": "同意"},
        )
        other.refresh_from_db()
        self.assertEqual(str(other.planned_finish), "2026-12-25")

        # The project page shows the whole story, who and when.
        page = self.client.get(project.get_absolute_url())
        self.assertContains(page, "已完成400米")
        self.assertContains(page, "张华")
        self.assertContains(page, "李强")
        self.assertContains(page, photo.thumbnail.url)
        self.assertContains(self.client.get(other.get_absolute_url()), "雨季延误")

    def test_an_escalation_goes_to_the_township_then_the_district(self):
        project = ProjectFactory(
            pledge_list=full_list(status=Status.PUBLISHED, village=self.village), number=11
        )
        self.client.force_login(self.personas.committee)
        self.client.post(
            reverse("pledges:project_escalate", args=[project.pk]),
            {"problem": "水源不足", "need": "协调水务局", "resources": "村民投劳"},
        )
        escalation = Escalation.objects.get()
        answer_url = reverse("pledges:escalation_answer", args=[escalation.pk])
        self.assertEqual(self.client.get(answer_url).status_code, 403)
        self.client.force_login(self.personas.cadre)
        self.assertContains(
            self.client.get(reverse("dashboards:township_dashboard", args=[self.township.code])),
            "水源不足",
        )
        self.client.post(answer_url, {"action": "pass"})
        escalation.refresh_from_db()
        self.assertEqual(escalation.level, Escalation.Level.DISTRICT)
        self.assertEqual(self.client.get(answer_url).status_code, 403)  # now the district's
        self.client.force_login(self.personas.district_admin)
        self.assertContains(
            self.client.get(reverse("dashboards:district_overview", args=[self.district.code])),
            "水源不足",
        )
        self.client.post(answer_url, {"action": "answer", "answer": "水务局下周进场"})
        escalation.refresh_from_db()
        self.assertEqual(escalation.status, Escalation.Status.ANSWERED)


class EditorTests(VillageWithPersonas):
    def test_nothing_typed_is_lost_on_a_validation_error(self):
        pledge_list = PledgeList.objects.create(village=self.village, year=2026)
        self.client.force_login(self.personas.committee)
        data = editor_data(
            pledge_list,
            **{
                "projects-3-planned_finish": "2026-01-01",
                "projects-5-title": "",
                "projects-7-number": "1",
            },
        )
        response = self.client.post(
            reverse("pledges:pledge_list_edit", args=[pledge_list.pk]), data
        )
        for text in [
            "修建灌溉水渠第9段",  # the other rows are kept as typed
            "结束日期早于开始日期",
            "编号 1 用了两次",
            "这个字段是必填项",
        ]:
            self.assertContains(response, text, status_code=400)
        self.assertEqual(pledge_list.projects.count(), 0)  # all or nothing

    def test_an_eleventh_project_is_refused(self):
        pledge_list = PledgeList.objects.create(village=self.village, year=2026)
        self.client.force_login(self.personas.committee)
        response = self.client.post(
            reverse("pledges:pledge_list_edit", args=[pledge_list.pk]),
            editor_data(pledge_list, projects=11),
        )
        self.assertContains(response, "最多 10", status_code=400)

    def test_a_draft_can_be_saved_half_done_but_not_submitted(self):
        pledge_list = PledgeList.objects.create(village=self.village, year=2026)
        self.client.force_login(self.personas.committee)
        url = reverse("pledges:pledge_list_edit", args=[pledge_list.pk])
        data = editor_data(pledge_list, projects=4, prohibitions=2)
        self.assertRedirects(self.client.post(url, data), url)
        response = self.client.post(
            url,
            {**editor_data(pledge_list, projects=0, prohibitions=0), "submit": "1"},
            follow=True,
        )
        self.assertContains(response, "需要 10 个项目")
        pledge_list.refresh_from_db()
        self.assertEqual(pledge_list.status, Status.DRAFT)
        self.assertEqual(pledge_list.projects.count(), 4)


@override_settings(MEDIA_ROOT=MEDIA)
class PhotoUploadTests(VillageWithPersonas):
    def setUp(self):
        self.project = ProjectFactory(
            pledge_list=full_list(status=Status.PUBLISHED, village=self.village), number=11
        )
        self.url = reverse("pledges:project_progress", args=[self.project.pk])
        self.client.force_login(self.personas.committee)

    def test_a_file_that_is_not_an_image_is_refused_by_name(self):
        fake = SimpleUploadedFile(
            "invoice.jpg", b"%PDF-1.4 not an image", content_type="image/jpeg"
        )
        response = self.client.post(self.url, {"note": "进展", "photos": [fake]})
        self.assertContains(response, "invoice.jpg", status_code=400)
        self.assertFalse(self.project.updates.exists())

    def test_a_gif_is_refused(self):
        response = self.client.post(self.url, {"photos": [image_upload("a.gif", kind="GIF")]})
        self.assertContains(response, "JPEG", status_code=400)

    def test_png_and_webp_are_accepted(self):
        response = self.client.post(
            self.url,
            {"photos": [image_upload("a.png", kind="PNG"), image_upload("b.webp", kind="WEBP")]},
        )
        self.assertEqual(response.status_code, 302)
        self.assertEqual(self.project.updates.get().photos.count(), 2)

    def test_an_empty_report_says_what_to_give(self):
        response = self.client.post(self.url, {})
        self.assertContains(response, "进度百分比", status_code=400)

    def test_percent_over_100_is_refused(self):
        response = self.client.post(self.url, {"percent_done": "120"})
        self.assertContains(response, "100", status_code=400)
