"""People on a 360 px phone, in headless Chromium: log in, report progress with a photo,
verify. Screenshots go to the test's temporary folder (look at them when a test fails)."""

import os
import re
from pathlib import Path

import pytest
from django.urls import reverse
from PIL import Image

from pledges.models import PledgeList, Project
from tests.factories import PASSWORD, MembershipFactory, UserFactory, VillageFactory, full_list
from villages.models import Membership

CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


@pytest.fixture
def phone():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 360, "height": 740}, locale="zh-CN")
        yield page
        browser.close()


@pytest.fixture
def artifacts(tmp_path):
    """Where screenshots go: $TEST_ARTIFACTS (set by .ci/run) or the test's temporary folder."""
    folder = Path(os.environ.get("TEST_ARTIFACTS") or tmp_path)
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def expect(locator):
    from playwright.sync_api import expect as playwright_expect

    return playwright_expect(locator)


def log_in(page, base_url: str, username: str) -> None:
    page.goto(base_url + reverse("login"))
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()


def assert_fits_the_phone(page) -> None:
    page.wait_for_load_state()  # the style sheets too: before them, wide lines do not wrap
    assert page.evaluate("document.documentElement.scrollWidth") <= 360


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_a_committee_member_reports_progress_with_a_photo_and_the_township_verifies(
    live_server, phone, tmp_path, settings
):
    settings.MEDIA_ROOT = str(tmp_path / "media")
    village = VillageFactory(name="龙江村")
    pledge_list = full_list(status=PledgeList.Status.PUBLISHED, village=village)
    committee = UserFactory(username="zhanghua", first_name="张华")
    MembershipFactory(user=committee, role=Membership.Role.VILLAGE_COMMITTEE, village=village)
    cadre = UserFactory(username="liqiang", first_name="李强")
    MembershipFactory(user=cadre, role=Membership.Role.TOWNSHIP_CADRE, township=village.township)
    photo = tmp_path / "lamp.jpg"
    Image.new("RGB", (800, 600), (30, 90, 160)).save(photo, "JPEG")

    # The committee member logs in and lands on the village's list.
    phone.goto(live_server.url + reverse("home"))
    phone.get_by_role("link", name="登录").click()
    phone.get_by_label("用户名").fill("zhanghua")
    phone.get_by_label("密码").fill(PASSWORD)
    phone.get_by_role("button", name="登录").click()
    # The landing is the work queue; the village's list is one tap away.
    expect(phone.get_by_role("heading", name="待办", exact=True)).to_be_visible()
    phone.get_by_role("link", name="本村清单").click()
    phone.wait_for_url(live_server.url + pledge_list.get_absolute_url())
    expect(phone.get_by_role("heading", name="龙江村 2026 年度承诺")).to_be_visible()
    assert_fits_the_phone(phone)
    phone.screenshot(path=str(tmp_path / "1-list.png"), full_page=True)

    # One tap to report progress on project 1, with a photo from the camera.
    phone.get_by_role("link", name="填报进展").first.click()
    phone.get_by_label("完成进度（%）").fill("100")
    phone.get_by_label("进展情况").fill("30盏路灯全部亮灯")
    phone.get_by_label("照片").set_input_files(str(photo))
    phone.get_by_role("button", name="填报进展").click()
    expect(phone.get_by_text("进展已记录")).to_be_visible()
    expect(phone.get_by_text("30盏路灯全部亮灯")).to_be_visible()
    assert_fits_the_phone(phone)
    phone.get_by_role("link", name="标记完成").click()
    phone.get_by_label("完成情况（佐证）").fill("已验收")
    phone.get_by_role("button", name="标记完成").click()
    expect(phone.get_by_text("等待镇（街道）核实销号")).to_be_visible()
    phone.screenshot(path=str(tmp_path / "2-project.png"), full_page=True)
    project = pledge_list.projects.get(number=1)
    assert project.status == Project.Status.COMPLETED

    # The township cadre verifies it from the same phone.
    phone.get_by_role("button", name="退出登录").click()
    log_in(phone, live_server.url, "liqiang")
    phone.goto(live_server.url + project.get_absolute_url())
    phone.get_by_role("link", name="核实销号").click()
    phone.get_by_label("核实完成，予以销号").check()
    phone.get_by_role("button", name="核实项目").click()
    expect(phone.get_by_text("已核实销号。")).to_be_visible()
    project.refresh_from_db()
    assert project.status == Project.Status.VERIFIED
    phone.goto(
        live_server.url
        + reverse("dashboards:township_dashboard", args=[village.township.code])
        + "?year=2026"
    )
    assert_fits_the_phone(phone)
    phone.screenshot(path=str(tmp_path / "3-dashboard.png"), full_page=True)


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_the_list_editor_fits_a_phone(live_server, phone):
    village = VillageFactory(name="龙江村")
    pledge_list = PledgeList.objects.create(village=village, year=2026)
    committee = UserFactory(username="zhanghua")
    MembershipFactory(user=committee, role=Membership.Role.VILLAGE_COMMITTEE, village=village)
    log_in(phone, live_server.url, "zhanghua")
    phone.goto(live_server.url + reverse("pledges:pledge_list_edit", args=[pledge_list.pk]))
    phone.locator("#id_projects-0-title").fill("安装太阳能路灯")
    phone.locator("#id_projects-0-planned_start").fill("2026-05-01")
    phone.locator("#id_projects-0-planned_finish").fill("2026-04-01")
    phone.get_by_role("button", name="保存草稿").click()
    expect(phone.locator(".field .error", has_text="结束日期早于开始日期")).to_be_visible()
    assert phone.locator("#id_projects-0-title").input_value() == "安装太阳能路灯"
    assert_fits_the_phone(phone)


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_a_resident_sends_a_suggestion_from_a_phone_and_follows_it(live_server, phone, tmp_path):
    from django.core.cache import cache

    from suggestions.models import Suggestion

    cache.clear()
    village = VillageFactory(name="龙江村")
    phone.goto(live_server.url + reverse("suggestions:suggest", args=[village.code]))
    expect(phone.get_by_role("heading", name="给龙江村提意见建议")).to_be_visible()
    phone.get_by_label("您的意见建议").fill("村口到小学的路没有路灯,晚上孩子放学不安全")
    phone.get_by_label("类别").select_option("lighting")
    phone.get_by_role("button", name="提交").click()
    expect(phone.get_by_text("您的回执码")).to_be_visible()
    assert_fits_the_phone(phone)
    phone.screenshot(path=str(tmp_path / "suggestion-thanks.png"), full_page=True)
    suggestion = Suggestion.objects.get()
    assert phone.get_by_text(suggestion.receipt_code).is_visible()

    phone.get_by_role("link", name="查看办理情况").click()
    expect(phone.get_by_text("尚未答复")).to_be_visible()
    suggestion.answer_not_adopted(by=None, reply="已列入明年计划,先在路口安装临时照明")
    phone.goto(live_server.url + reverse("suggestions:track"))
    phone.get_by_label("回执码").fill(suggestion.receipt_code.replace("-", "").lower())
    phone.get_by_role("button", name="查询").click()
    expect(phone.get_by_text("先在路口安装临时照明")).to_be_visible()
    assert_fits_the_phone(phone)


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_the_board_loads_search_finds_a_village_and_the_poster_prints_on_a4(
    live_server, phone, artifacts
):
    from django.core.cache import cache
    from django.utils import timezone

    cache.clear()
    year = timezone.localdate().year
    village = VillageFactory(name="龙江村", pinyin="longjiangcun")
    full_list(status=PledgeList.Status.PUBLISHED, village=village, year=year)

    phone.goto(live_server.url + reverse("board:board"))
    heading = f"{village.township.district.name} {year} 年度承诺"
    expect(phone.get_by_role("heading", name=heading)).to_be_visible()
    assert_fits_the_phone(phone)
    phone.screenshot(path=str(artifacts / "board-district.png"), full_page=True)

    phone.get_by_label("查找村（社区）").fill("longjiang")
    phone.get_by_role("button", name="搜索").click()
    phone.get_by_role("link", name=re.compile("龙江村")).click()
    expect(phone.get_by_role("heading", name=f"龙江村 {year} 年度承诺")).to_be_visible()
    assert phone.locator("li.project").count() == 10
    assert_fits_the_phone(phone)
    phone.screenshot(path=str(artifacts / "board-village.png"), full_page=True)

    phone.goto(live_server.url + reverse("board:board_poster", args=[village.code, year]))
    expect(phone.locator(".qr svg")).to_be_visible()
    pdf = phone.pdf(format="A4", print_background=True)
    (artifacts / "poster.pdf").write_bytes(pdf)
    assert len(re.findall(rb"/Type\s*/Page[^s]", pdf)) == 1  # one A4 sheet
    phone.set_viewport_size({"width": 794, "height": 1123})  # A4 at 96 dpi
    phone.screenshot(path=str(artifacts / "poster.png"), full_page=True)
