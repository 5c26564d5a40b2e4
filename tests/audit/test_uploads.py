"""Upload refusals (size cap, pixel cap, format allow-list) and what is kept of an accepted
photo (re-encoded, no EXIF or GPS), through the progress page a committee uses."""

import io

from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import TestCase
from django.urls import reverse
from PIL import Image

from lib.photos import PHOTO_MAX_BYTES
from pledges.models import PledgeList, ProgressUpdate
from tests.factories import MembershipFactory, VillageFactory, full_list


def upload(
    name: str, kind: str, size=(64, 48), mode="RGB", exif: bytes = b""
) -> SimpleUploadedFile:
    buffer = io.BytesIO()
    Image.new(mode, size, 1 if mode == "1" else "white").save(buffer, kind, exif=exif)
    return SimpleUploadedFile(name, buffer.getvalue())


class UploadRefusalTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        village = VillageFactory()
        pledge_list = full_list(status=PledgeList.Status.PUBLISHED, village=village)
        cls.project = pledge_list.projects.get(number=1)
        cls.committee = MembershipFactory(role="village_committee", village=village).user

    def setUp(self):
        self.client.force_login(self.committee)
        self.url = reverse("pledges:project_progress", args=[self.project.pk])

    def send(self, photo):
        return self.client.post(self.url, {"note": "进展", "photos": [photo]})

    def test_a_file_over_the_size_cap_is_refused_by_name(self):
        big = SimpleUploadedFile("big.jpg", b"\xff\xd8" + b"0" * PHOTO_MAX_BYTES)
        self.assertContains(self.send(big), "big.jpg", status_code=400)
        self.assertFalse(ProgressUpdate.objects.exists())

    def test_an_image_with_too_many_pixels_is_refused_before_decoding(self):
        # 8000 × 6000 = 48 megapixels in a few kilobytes: a decompression bomb in miniature.
        bomb = upload("bomb.png", "PNG", size=(8000, 6000), mode="1")
        self.assertLess(bomb.size, 100_000)
        self.assertContains(self.send(bomb), "bomb.png", status_code=400)
        self.assertFalse(ProgressUpdate.objects.exists())

    def test_formats_outside_jpeg_png_webp_are_refused(self):
        for name, kind in (("a.gif", "GIF"), ("a.bmp", "BMP"), ("a.tiff", "TIFF")):
            with self.subTest(kind=kind):
                self.assertContains(self.send(upload(name, kind)), name, status_code=400)
        html = SimpleUploadedFile("photo.jpg", b"<html><script>alert(1)</script></html>")
        self.assertContains(self.send(html), "photo.jpg", status_code=400)
        self.assertFalse(ProgressUpdate.objects.exists())

    def test_an_accepted_photo_is_re_encoded_without_exif_or_gps(self):
        exif = Image.Exif()
        exif[0x010F] = "PhoneMaker"  # camera make
        exif[0x8825] = {2: (26.0, 34.0, 0.0)}  # GPS latitude
        response = self.send(upload("p.jpg", "JPEG", exif=exif.tobytes()))
        self.assertEqual(response.status_code, 302)
        photo = ProgressUpdate.objects.get().photos.get()
        with Image.open(photo.image.path) as stored:
            self.assertEqual(stored.format, "JPEG")
            self.assertEqual(dict(stored.getexif()), {})
