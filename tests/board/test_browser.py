"""A resident on a 360 px phone goes from the village board to one project's page, reads the
township's verification note, and opens the printable plate for the work site."""

import datetime

import pytest
from django.urls import reverse
from PIL import Image

from pledges import services
from pledges.models import ChangeRequest, PledgeList, Project
from residents import services as resident_services
from suggestions import services as suggestion_services
from suggestions.models import Suggestion
from tests.factories import UserFactory, VillageFactory, full_list
from tests.test_browser import artifacts, assert_fits_the_phone, expect, phone  # noqa: F401


def _history(project: Project, year: int, photo) -> None:
    committee, cadre = UserFactory(), UserFactory()
    for day, (percent, note) in enumerate([(30, "完成选址和基础浇筑"), (70, "已安装21盏")]):
        with open(photo, "rb") as upload:
            services.progress_update_create(
                project=project,
                by=committee,
                percent_done=percent,
                note=note,
                date=datetime.date(year, 4 + day, 10),
                photos=[upload],
            )
    change = services.change_request_create(
        project=project,
        by=committee,
        kind=ChangeRequest.Kind.CHANGE,
        reason="雨季推迟施工",
        planned_finish=datetime.date(year, 11, 30),
    )
    services.change_request_decide(change_request=change, by=cadre, approve=True)
    project.refresh_from_db()
    services.project_complete(project=project, by=committee, note="30盏全部安装亮灯")
    project.refresh_from_db()
    services.project_verify(project=project, by=cadre, verify=True, note="现场核实，30盏全部亮灯")
    challenge = resident_services.challenge_submit(project=project, text="东头3盏不亮")
    resident_services.challenge_rule(
        challenge=challenge, uphold=False, by=cadre, answer="复查全部亮灯，系线路检修临时断电"
    )
    suggestion = Suggestion.objects.create(
        village=project.pledge_list.village, year=year, text="村口太黑，希望装路灯"
    )
    suggestion_services.suggestion_adopt(
        suggestion=suggestion, by=committee, projects=[project], reply="已纳入第1项"
    )


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_a_resident_reads_a_projects_page_and_prints_its_site_plate(
    live_server,
    phone,  # noqa: F811 (the fixture from tests/test_browser.py)
    artifacts,  # noqa: F811
    settings,
    tmp_path,
):
    settings.MEDIA_ROOT = str(tmp_path / "media")
    village = VillageFactory(name="龙江村")
    pledge_list = full_list(status=PledgeList.Status.PUBLISHED, village=village)
    project = pledge_list.projects.get(number=1)
    Project.objects.filter(pk=project.pk).update(title="安装太阳能路灯30盏")
    project.refresh_from_db()
    photo = tmp_path / "lamp.jpg"
    Image.new("RGB", (800, 600), (30, 90, 160)).save(photo, "JPEG")
    _history(project, pledge_list.year, photo)

    phone.goto(live_server.url + reverse("board:board_village", args=[village.code, 2026]))
    phone.get_by_role("link", name="1. 安装太阳能路灯30盏").first.click()
    expect(phone.get_by_role("heading", name="1. 安装太阳能路灯30盏")).to_be_visible()
    expect(phone.get_by_text("镇（街道）说明：现场核实，30盏全部亮灯")).to_be_visible()
    expect(phone.get_by_text("复查全部亮灯，系线路检修临时断电")).to_be_visible()
    assert_fits_the_phone(phone)
    phone.screenshot(path=artifacts / "board-project.png", full_page=True)

    phone.get_by_role("link", name="打印现场公示牌（A4）").click()
    expect(phone.get_by_role("heading", name="1. 安装太阳能路灯30盏")).to_be_visible()
    assert_fits_the_phone(phone)
    phone.screenshot(path=artifacts / "board-project-plate.png", full_page=True)
    # On paper: one A4 page.
    pdf = phone.pdf(format="A4", path=artifacts / "board-project-plate.pdf")
    assert pdf.count(b"/Type /Page") - pdf.count(b"/Type /Pages") == 1
