"""Uploaded files go out only to those who may see them: each app's media view finds the row
naming the file, asks its permission, and answers with the file (here) or, behind nginx, with
an X-Accel-Redirect to the internal location (ops/media.py, deploy/nginx/pledges.conf)."""

import shutil
import tempfile
from pathlib import Path

from django.test import TestCase, override_settings

from imports.models import ImportJob
from ops.media import file_response
from pledges.models import Photo, PledgeList, ProgressUpdate
from residents.models import Challenge, ViolationReport
from tests.factories import PledgeListFactory, ProhibitionFactory, ProjectFactory, VillageFactory
from tests.personas import DENIED, LOGIN, OK, Personas, assert_matrix

MEDIA = tempfile.mkdtemp(prefix="pledges-test-media-")
ORDER = ("anonymous", "committee", "cadre", "district_admin", "other_committee", "other_cadre")
NOT_FOUND = 404


def _stored(name: str, content: bytes = b"\xff\xd8 a photo") -> str:
    path = Path(MEDIA) / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(content)
    return name


@override_settings(MEDIA_ROOT=MEDIA, MEDIA_ACCEL_REDIRECT=False)
class MediaTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.village = VillageFactory()
        cls.personas = Personas.around(cls.village)
        published = PledgeListFactory(village=cls.village, status=PledgeList.Status.PUBLISHED)
        approved = PledgeListFactory(
            village=cls.village, year=2027, status=PledgeList.Status.APPROVED
        )
        cls.public_photo = cls._photo(published, "progress/2026/12/public.jpg")
        cls.private_photo = cls._photo(approved, "progress/2026/12/private.jpg")
        project = ProjectFactory(pledge_list=published)
        Challenge.objects.create(
            project=project, text="没有修完", image=_stored("residents/2026/12/challenge.jpg")
        )
        ViolationReport.objects.create(
            prohibition=ProhibitionFactory(pledge_list=published),
            text="收了礼金",
            image=_stored("residents/2026/12/report.jpg"),
        )
        ImportJob.objects.create(
            township=cls.village.township,
            year=2026,
            file=_stored("imports/2026/12/lists.xlsx", b"PK\x03\x04"),
            file_name="lists.xlsx",
        )

    @classmethod
    def _photo(cls, pledge_list, name: str) -> Photo:
        update = ProgressUpdate.objects.create(project=ProjectFactory(pledge_list=pledge_list))
        thumbnail = name.replace(".jpg", "-thumb.jpg")
        return Photo.objects.create(
            update=update, image=_stored(name), thumbnail=_stored(thumbnail)
        )

    @classmethod
    def tearDownClass(cls):
        super().tearDownClass()
        shutil.rmtree(MEDIA, ignore_errors=True)

    def test_it_shows_each_kind_of_upload_only_to_those_who_may_see_it(self):
        urls = {
            "published photo": "/media/progress/2026/12/public.jpg",
            "its thumbnail": "/media/progress/2026/12/public-thumb.jpg",
            "unpublished photo": "/media/progress/2026/12/private.jpg",
            "unpublished thumbnail": "/media/progress/2026/12/private-thumb.jpg",
            "challenge photo": "/media/residents/2026/12/challenge.jpg",
            "report photo": "/media/residents/2026/12/report.jpg",
            "import file": "/media/imports/2026/12/lists.xlsx",
        }
        matrix = {
            "published photo": [OK, OK, OK, OK, OK, OK],
            "its thumbnail": [OK, OK, OK, OK, OK, OK],
            "unpublished photo": [DENIED, OK, OK, OK, DENIED, DENIED],
            "unpublished thumbnail": [DENIED, OK, OK, OK, DENIED, DENIED],
            # The committee reads challenges to its projects; reports are the township's.
            "challenge photo": [LOGIN, OK, OK, OK, DENIED, DENIED],
            "report photo": [LOGIN, DENIED, OK, OK, DENIED, DENIED],
            "import file": [LOGIN, DENIED, OK, DENIED, DENIED, DENIED],
        }
        assert_matrix(self, self.personas, urls, matrix, ORDER)

    def test_the_committee_gets_the_bytes_of_its_unpublished_photo(self):
        self.client.force_login(self.personas.committee)
        response = self.client.get("/media/progress/2026/12/private.jpg")
        self.assertEqual(b"".join(response.streaming_content), b"\xff\xd8 a photo")
        self.assertEqual(response["Content-Type"], "image/jpeg")
        self.assertEqual(response["Cache-Control"], "private, max-age=86400")
        self.assertNotIn("X-Accel-Redirect", response)

    def test_a_published_photo_may_be_kept_by_shared_caches(self):
        response = self.client.get("/media/progress/2026/12/public.jpg")
        self.assertEqual(response["Cache-Control"], "public, max-age=86400")

    @override_settings(MEDIA_ACCEL_REDIRECT=True)
    def test_behind_nginx_it_answers_with_the_internal_location_and_no_bytes(self):
        self.client.force_login(self.personas.committee)
        response = self.client.get("/media/progress/2026/12/private.jpg")
        self.assertEqual(response.status_code, 200)
        self.assertEqual(
            response["X-Accel-Redirect"], "/protected-media/progress/2026/12/private.jpg"
        )
        self.assertEqual(response["Content-Type"], "image/jpeg")
        self.assertEqual(response.content, b"")

    @override_settings(MEDIA_ACCEL_REDIRECT=True)
    def test_a_stranger_gets_no_redirect_to_the_file(self):
        self.client.force_login(self.personas.other_committee)
        response = self.client.get("/media/progress/2026/12/private.jpg")
        self.assertEqual(response.status_code, 403)
        self.assertNotIn("X-Accel-Redirect", response)

    def test_a_file_no_row_names_is_not_found_even_if_it_is_on_disk(self):
        _stored("progress/2026/12/orphan.jpg")
        _stored("django-import-export-tmp.xlsx")
        self.client.force_login(self.personas.district_admin)
        for url in ["/media/progress/2026/12/orphan.jpg", "/media/django-import-export-tmp.xlsx"]:
            with self.subTest(url=url):
                self.assertEqual(self.client.get(url).status_code, NOT_FOUND)

    @override_settings(MEDIA_ACCEL_REDIRECT=True)
    def test_a_name_that_leaves_media_root_is_refused_even_when_a_row_holds_it(self):
        # A row can only hold such a name through a bug or a hand-edited database.
        Photo.objects.filter(pk=self.public_photo.pk).update(image="progress/../../etc/passwd")
        for url in ["/media/progress/../../etc/passwd", "/media/progress/%2e%2e/%2e%2e/etc/passwd"]:
            with self.subTest(url=url):
                response = self.client.get(url)
                self.assertEqual(response.status_code, NOT_FOUND)
                self.assertNotIn("X-Accel-Redirect", response)

    def test_file_response_refuses_names_outside_media_root(self):
        for name in ["../secret", "/etc/passwd", "progress/../../secret"]:
            with self.subTest(name=name), self.assertRaises(Exception) as caught:
                file_response(name)
            self.assertEqual(type(caught.exception).__name__, "Http404")

    def test_it_answers_in_the_same_queries_however_many_photos_there_are(self):
        def fetch():
            # Anonymous, a published photo: the update with its project, list, village and
            # township, found by the photo's stored name (1).
            with self.assertNumQueries(1):
                self.client.get("/media/progress/2026/12/public.jpg")
            # The committee, an unpublished photo: the session (1), the user (1), the update
            # (1), the user's memberships for the scope predicates (1).
            self.client.force_login(self.personas.committee)
            with self.assertNumQueries(4):
                self.client.get("/media/progress/2026/12/private.jpg")
            self.client.logout()

        fetch()
        for number in range(20):
            Photo.objects.create(
                update=self.private_photo.update,
                image=_stored(f"progress/more/{number}.jpg"),
                thumbnail=_stored(f"progress/more/{number}-thumb.jpg"),
            )
        fetch()
