"""A township cadre on a 360 px phone: download nothing, upload a file, read the preview,
confirm; and the progress bar of a large file, which polls and reloads by itself."""

import threading

import pytest
from django.urls import reverse

from imports import services
from imports.models import ImportJob
from pledges.models import Project
from tests.factories import MembershipFactory, UserFactory, VillageFactory
from tests.test_browser import assert_fits_the_phone, expect, log_in, phone  # noqa: F401
from villages.models import Membership

from .sheets import row, xlsx_bytes


@pytest.fixture
def cadre_and_village(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path / "media")
    village = VillageFactory(name="龙江村")
    user = UserFactory(username="liqiang")
    MembershipFactory(user=user, role=Membership.Role.TOWNSHIP_CADRE, township=village.township)
    return user, village


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_a_cadre_uploads_checks_and_confirms(live_server, phone, cadre_and_village, tmp_path):  # noqa: F811
    _user, village = cadre_and_village
    file = tmp_path / "清单.xlsx"
    file.write_bytes(
        xlsx_bytes(
            [
                row(village.code, 1, quantity="30盏", finish="2026年6月"),
                row(village.code, 2, "修建灌溉水渠", quantity=-5, unit="米"),
            ],
            above=[["2026年民生实事清单"]],
        )
    )
    log_in(phone, live_server.url, "liqiang")
    phone.goto(live_server.url + reverse("imports:township_import", args=[village.township.code]))
    phone.get_by_label("Excel 文件（.xlsx）").set_input_files(str(file))
    phone.get_by_role("button", name="上传并检查").click()
    expect(phone.get_by_text("第 4 行「目标数量」“-5”：不能为负数")).to_be_visible()
    expect(phone.get_by_role("button", name="确认导入")).to_have_count(0)
    assert_fits_the_phone(phone)
    phone.screenshot(path=str(tmp_path / "1-errors.png"), full_page=True)

    file.write_bytes(xlsx_bytes([row(village.code, 1, quantity="30盏"), row(village.code, 2)]))
    phone.get_by_role("link", name="从 Excel 导入").click()
    phone.get_by_label("Excel 文件（.xlsx）").set_input_files(str(file))
    phone.get_by_role("button", name="上传并检查").click()
    phone.get_by_role("button", name="确认导入：新增 2 项，修改 0 项").click()
    expect(phone.get_by_text("已导入：所有行均已写入。")).to_be_visible()
    assert_fits_the_phone(phone)
    phone.screenshot(path=str(tmp_path / "2-done.png"), full_page=True)
    assert Project.objects.filter(pledge_list__village=village).count() == 2


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_the_progress_bar_follows_the_worker_and_shows_the_preview(
    live_server,
    phone,  # noqa: F811
    cadre_and_village,
    tmp_path,
):
    user, village = cadre_and_village
    job = ImportJob(township=village.township, year=2026, file_name="大文件.xlsx", created_by=user)
    job.file.save(
        "big.xlsx", _content_file(xlsx_bytes([row(village.code, n) for n in range(1, 11)]))
    )
    log_in(phone, live_server.url, "liqiang")
    phone.goto(live_server.url + job.get_absolute_url())
    expect(phone.locator("progress#import-progress")).to_be_visible()
    phone.screenshot(path=str(tmp_path / "3-progress.png"), full_page=True)
    # The worker's part, from another thread while the page polls.
    worker = threading.Thread(target=services.import_job_check, kwargs={"job_pk": job.pk})
    worker.start()
    worker.join()
    expect(phone.get_by_role("button", name="确认导入：新增 10 项，修改 0 项")).to_be_visible(
        timeout=10_000
    )
    assert_fits_the_phone(phone)
    phone.screenshot(path=str(tmp_path / "4-preview.png"), full_page=True)


def _content_file(content: bytes):
    from django.core.files.base import ContentFile

    return ContentFile(content)
