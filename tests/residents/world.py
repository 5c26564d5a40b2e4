"""A small world for the residents' tests: one village with a published list in one
township, a second township in the same district, and the personas: the other committee is
a neighbour's in the same township, the other cadre the second township's."""

import io

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from PIL import Image

from pledges.models import PledgeList, Project
from tests.factories import TownshipFactory, VillageFactory, full_list
from tests.personas import Personas

YEAR = timezone.localdate().year


def png(name: str = "photo.png") -> SimpleUploadedFile:
    out = io.BytesIO()
    Image.new("RGB", (40, 30), "red").save(out, "PNG")
    return SimpleUploadedFile(name, out.getvalue(), content_type="image/png")


def build(test) -> None:
    test.village = VillageFactory(name="龙江村")
    test.township = test.village.township
    test.district = test.township.district
    test.pledge_list = full_list(
        status=PledgeList.Status.PUBLISHED, village=test.village, year=YEAR
    )
    test.project = test.pledge_list.projects.get(number=1)
    Project.objects.filter(pk=test.project.pk).update(status=Project.Status.VERIFIED)
    test.project.refresh_from_db()
    test.prohibition = test.pledge_list.prohibitions.get(number=1)
    test.other_township = TownshipFactory(district=test.district)
    test.other_village = VillageFactory(township=test.other_township)
    test.neighbour = VillageFactory(township=test.township)
    test.personas = Personas.around(
        test.village, other_village=test.neighbour, other_township=test.other_township
    )
