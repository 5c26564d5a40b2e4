"""A resident looks at the district's, a township's and a village's charts on a 360 px phone
and a 1366 px screen, and prints the district's page on A4: every label at least 12 px, no
sideways scrolling, nothing refused by the Content Security Policy. The screenshots
(`charts-*.png` in $TEST_ARTIFACTS or the test's temporary folder) are for looking at."""

import datetime
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from pledges import services
from pledges.models import Category, PledgeList, Project
from tests.factories import DistrictFactory, TownshipFactory, UserFactory, VillageFactory, full_list
from tests.test_browser import CHROMIUM_ARGS, artifacts, assert_fits_the_phone, expect  # noqa: F401

YEAR = timezone.localdate().year
# (title, category, quantity, unit) of the ten projects of every list
PROJECTS = [
    ("安装太阳能路灯", Category.LIGHTING, "30", "盏"),
    ("硬化通组路", Category.ROADS, "1.2", "公里"),
    ("修建灌溉渠", Category.IRRIGATION, "850", "米"),
    ("铺设饮水管网", Category.DRINKING_WATER, "600", "米"),
    ("发展蔬菜种植基地", Category.INDUSTRY, "120", "亩"),
    ("开办老年食堂", Category.CARE, "1", "个"),
    ("改造危房", Category.HOUSING, "6", "户"),
    ("建设垃圾收集点", Category.ENVIRONMENT, "8", "处"),
    ("修缮文化广场", Category.CULTURE, "1", "座"),
    ("安装村口路灯", Category.LIGHTING, "12", "盏"),
]
# A place's villages: (name, how many projects verified, completed) this year
TOWNSHIPS = {
    "忠庄街道": [("龙江村", 7, 1), ("新坪村", 10, 0), ("长征社区", 5, 3)],
    "金鼎山镇": [("金鼎村", 3, 2), ("鲁班村", 6, 0)],
    "巷口镇": [("巷口村", 1, 1), ("沙坝村", 9, 1), ("田坎村", 0, 0)],
}


def at(year: int, month: int, day: int = 12) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime(year, month, day, 10))


def _list(village, year: int, verified: int, completed: int) -> PledgeList:
    pledge_list = full_list(status=PledgeList.Status.PUBLISHED, village=village, year=year)
    for project in pledge_list.projects.order_by("number"):
        title, category, quantity, unit = PROJECTS[project.number - 1]
        project.title, project.category, project.unit = title, category, unit
        project.target_quantity = Decimal(quantity)
        project.planned_start = datetime.date(year, 3, 1)
        project.planned_finish = datetime.date(year, 10 + project.number % 3, 28)
        if project.number <= verified:
            project.status, project.percent_done = Project.Status.VERIFIED, 100
            project.completed_at = at(year, 2 + project.number)
            # verified spread over the year, later last year than this one
            project.verified_at = at(year, min(12, 2 + project.number + (year < YEAR)))
        elif project.number <= verified + completed:
            project.status, project.percent_done = Project.Status.COMPLETED, 100
            project.completed_at = at(year, 11)
        project.save()
    return pledge_list


def _build():
    district = DistrictFactory(name="红花岗区")
    villages = {}
    for township_name, rows in TOWNSHIPS.items():
        township = TownshipFactory(district=district, name=township_name)
        for name, verified, completed in rows:
            village = VillageFactory(township=township, name=name)
            villages[name] = village
            _list(village, YEAR - 1, 10, 0)
            _list(village, YEAR, verified, completed)
    VillageFactory(township=township, name="石桥村")  # no list yet
    # 龙江村's open projects report their progress through the year
    committee = UserFactory()
    pledge_list = villages["龙江村"].pledge_lists.get(year=YEAR)
    for number, reports in ((9, [(4, 20), (6, 45), (9, 70)]), (10, [(5, 10), (8, 30)])):
        project = pledge_list.projects.get(number=number)
        for month, percent in reports:
            services.progress_update_create(
                project=project,
                by=committee,
                percent_done=percent,
                note="按计划推进",
                date=datetime.date(YEAR, month, 15),
            )
            project.refresh_from_db()
    return district, villages


@pytest.fixture(params=[(360, 740), (1366, 900)], ids=["phone", "desktop"])
def screen(request):
    from playwright.sync_api import sync_playwright

    width, height = request.param
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": width, "height": height}, locale="zh-CN")
        page.refusals = []
        page.on(
            "console",
            lambda message: (
                page.refusals.append(message.text)
                if "Content Security Policy" in message.text or "Refused to" in message.text
                else None
            ),
        )
        page.label = "phone" if width == 360 else "desktop"
        yield page
        browser.close()


def smallest_label_px(page) -> float:
    """The smallest label of the page's charts, in CSS pixels as drawn."""
    return page.evaluate(
        """() => Math.min(...[...document.querySelectorAll('svg[viewBox] text')].map(t => {
            const svg = t.ownerSVGElement;
            return parseFloat(getComputedStyle(t).fontSize) * svg.getScreenCTM().a;
        }))"""
    )


def look(page, artifacts, name: str) -> None:  # noqa: F811
    page.wait_for_load_state()
    assert page.locator("svg[viewBox]").count() > 0
    assert smallest_label_px(page) >= 12
    if page.label == "phone":
        assert_fits_the_phone(page)
    page.screenshot(path=artifacts / f"charts-{name}-{page.label}.png", full_page=True)


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_the_charts_of_the_district_a_township_and_a_village(live_server, screen, artifacts):  # noqa: F811
    district, _villages = _build()
    screen.goto(live_server.url + reverse("board:board"))
    if not screen.get_by_role("heading", name=f"{district.name} {YEAR} 年度承诺").is_visible():
        screen.get_by_role("link", name=district.name).first.click()

    # The district: the year month by month against last year, the townships as bars, the
    # results by kind; each with its numbers in a table.
    expect(screen.get_by_role("img", name=f"{YEAR} 年逐月核实销号的项目")).to_be_visible()
    months = screen.get_by_role("img", name=f"{YEAR} 年逐月核实销号的项目")
    expect(months.locator("text").filter(has_text=str(YEAR - 1))).to_have_count(1)
    bars = screen.locator("#chart-completion-title + p + svg")
    expect(bars.locator("a text")).to_have_text(["忠庄街道", "金鼎山镇", "巷口镇"])
    expect(bars).to_contain_text("22/30 · 73%")
    expect(screen.get_by_role("img", name="已完成的实事成效")).to_contain_text("234 盏")
    look(screen, artifacts, "district")

    # A township: its villages as bars, sorted, the one without a list named beneath.
    screen.get_by_role("link", name="巷口镇").first.click()
    bars = screen.locator("#chart-completion-title + p + svg")
    expect(bars.locator("a text")).to_have_text(["沙坝村", "巷口村", "田坎村"])
    expect(screen.locator("figure.chart").get_by_role("link", name="石桥村")).to_be_visible()
    look(screen, artifacts, "township")

    # A village: its own months, and each open project's progress through the year.
    screen.get_by_role("link", name=district.name).first.click()
    screen.get_by_role("link", name="忠庄街道").first.click()
    screen.get_by_role("link", name="龙江村").first.click()
    expect(screen.get_by_role("heading", name=f"龙江村 {YEAR} 年度承诺")).to_be_visible()
    progress = screen.locator("svg.progress-chart")
    expect(progress).to_have_count(10)  # the verified ones from the day they were completed
    expect(progress.nth(8)).to_contain_text("70%")
    look(screen, artifacts, "village")
    assert screen.refusals == []


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_the_district_page_prints_on_a4(live_server, artifacts):  # noqa: F811
    from playwright.sync_api import sync_playwright

    district, _villages = _build()
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 794, "height": 1123}, locale="zh-CN")
        page.goto(live_server.url + reverse("board:board"))
        if not page.locator("figure.chart").count():
            page.get_by_role("link", name=district.name).first.click()
        page.emulate_media(media="print")
        page.screenshot(path=artifacts / "charts-district-print.png", full_page=True)
        # what paper leaves out: the header, the search, the downloads
        assert not page.locator(".site-header").is_visible()
        pdf = page.pdf(format="A4", path=artifacts / "charts-district.pdf")
        browser.close()
    assert pdf.startswith(b"%PDF")
    assert 1 <= pdf.count(b"/Type /Page") - pdf.count(b"/Type /Pages") <= 3
