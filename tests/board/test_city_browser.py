"""The city administrator, on a 360 px phone and a 1366 px screen: logs in, and from the
landing reaches the city page (亮晒评 between the districts) by links only. Screenshots go to
$TEST_ARTIFACTS (or the test's temporary folder)."""

import pytest
from django.urls import reverse

from pledges.models import PledgeList, Project
from pledges.signals import written_in_bulk
from tests.factories import (
    PASSWORD,
    CityFactory,
    DistrictFactory,
    MembershipFactory,
    TownshipFactory,
    UserFactory,
    VillageFactory,
    full_list,
)
from tests.test_browser import CHROMIUM_ARGS, artifacts, expect  # noqa: F401
from villages.models import Membership

YEAR = 2026


def _city():
    city = CityFactory(code="5203", name="遵义市")
    for code, name, verified in (
        ("520302", "红花岗区", 9),
        ("520303", "汇川区", 4),
        ("520304", "播州区", 10),
        ("520322", "桐梓县", 0),
    ):
        district = DistrictFactory(code=code, name=name, city=city)
        township = TownshipFactory(district=district, code=f"{code}001")
        for n in range(2 if verified else 1):
            village = VillageFactory(township=township, code=f"{township.code}{201 + n}")
            if not verified:
                continue
            pledge_list = full_list(status=PledgeList.Status.PUBLISHED, village=village, year=YEAR)
            done = pledge_list.projects.filter(number__lte=verified).values_list("pk", flat=True)
            Project.objects.filter(pk__in=list(done)).update(status=Project.Status.VERIFIED)
            written_in_bulk.send(sender=Project, village_ids=[village.pk])
    user = UserFactory(username="chenjing", first_name="陈静")
    MembershipFactory(user=user, role=Membership.Role.CITY_ADMIN, city=city)
    return city


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("width", [360, 1366])
def test_a_city_administrator_reaches_the_city_page_by_links(
    live_server,
    artifacts,  # noqa: F811 (the fixture from tests/test_browser.py)
    width,
):
    from playwright.sync_api import sync_playwright

    _city()
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": width, "height": 800}, locale="zh-CN")
        page.goto(live_server.url + reverse("login"))
        page.get_by_label("用户名").fill("chenjing")
        page.get_by_label("密码").fill(PASSWORD)
        page.get_by_role("button", name="登录").click()
        expect(page.get_by_role("heading", name="待办", exact=True)).to_be_visible()
        page.get_by_role("link", name="区（县）", exact=True).click()
        expect(page.get_by_role("heading", name="遵义市：所辖区（县）")).to_be_visible()
        page.get_by_role("link", name="各区（县）亮晒评").click()
        page.wait_for_url(f"{live_server.url}/board/5203/")
        expect(page.get_by_role("heading", name="遵义市 2026 年度承诺")).to_be_visible()
        page.wait_for_load_state()
        assert page.evaluate("document.documentElement.scrollWidth") <= width
        expect(page.get_by_text("90.0%（18/20）").first).to_be_visible()  # 红花岗区, verified
        page.screenshot(path=str(artifacts / f"city-page-{width}.png"), full_page=True)
        # Sorted by a column with a plain link: 播州区 (100 %) first
        page.get_by_role("link", name="已销号", exact=True).first.click()
        first = page.locator("table.city-districts tbody tr th").first
        expect(first).to_have_text("播州区")
        page.screenshot(path=str(artifacts / f"city-page-sorted-{width}.png"), full_page=True)
        # and down to a district's page, which links back up
        first.get_by_role("link").click()
        expect(page.get_by_role("link", name="↑ 遵义市：各区（县）对比")).to_be_visible()
        browser.close()


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_a_city_administrator_reads_a_villages_list_and_review_by_links_on_a_phone(
    live_server,
    artifacts,  # noqa: F811 (the fixture from tests/test_browser.py)
):
    """Down from the landing page to a village of one of its districts: the list, its 4+2
    record, its candidate pool and suggestions, its year-end review; all to read, with no
    button that would change anything."""
    import datetime

    from django.utils import timezone
    from playwright.sync_api import sync_playwright

    from reviews.models import AnnualReview

    city = CityFactory(code="5203", name="遵义市")
    district = DistrictFactory(code="520302", name="红花岗区", city=city)
    township = TownshipFactory(district=district, code="520302001", name="老城街道")
    village = VillageFactory(township=township, code="520302001201", name="石桥村")
    pledge_list = full_list(status=PledgeList.Status.PUBLISHED, village=village, year=YEAR)
    now = timezone.now()
    AnnualReview.objects.create(
        pledge_list=pledge_list,
        opens_at=now - datetime.timedelta(days=1),
        closes_at=now + datetime.timedelta(days=6),
    )
    user = UserFactory(username="chenjing", first_name="陈静")
    MembershipFactory(user=user, role=Membership.Role.CITY_ADMIN, city=city)

    def look(name: str) -> None:
        page.wait_for_load_state()
        assert page.evaluate("document.documentElement.scrollWidth") <= 360
        page.screenshot(path=str(artifacts / f"city-admin-{name}-360.png"), full_page=True)

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 360, "height": 740}, locale="zh-CN")
        page.goto(live_server.url + reverse("login"))
        page.get_by_label("用户名").fill("chenjing")
        page.get_by_label("密码").fill(PASSWORD)
        page.get_by_role("button", name="登录").click()
        expect(page.get_by_role("heading", name="待办", exact=True)).to_be_visible()
        page.get_by_role("link", name="区（县）", exact=True).click()
        page.get_by_role("link", name="红花岗区").first.click()
        expect(page.get_by_role("heading", level=1)).to_contain_text("红花岗区")
        look("district")
        page.get_by_role("link", name="老城街道").click()
        expect(page.get_by_role("heading", level=1)).to_contain_text("老城街道")
        look("township")
        page.get_by_role("link", name="石桥村").click()
        expect(page.get_by_role("heading", level=1)).to_contain_text("石桥村")
        look("list")
        # Only reading: no button to edit, review or record anything.
        expect(page.locator(f'a[href^="/pledges/lists/{pledge_list.pk}/edit"]')).to_have_count(0)
        expect(page.locator(f'a[href^="/pledges/lists/{pledge_list.pk}/review"]')).to_have_count(0)
        page.get_by_role("link", name="四议两公开记录").click()
        expect(page.get_by_role("heading", level=1)).to_have_text("四议两公开记录")
        expect(page.locator("main form")).to_have_count(0)
        look("decision")
        page.go_back()
        page.get_by_role("link", name="候选事项库").click()
        expect(page.get_by_role("heading", level=1)).to_contain_text("石桥村")
        expect(page.locator("main form[method=post]")).to_have_count(0)
        look("pool")
        page.go_back()
        page.get_by_role("link", name="意见建议", exact=True).click()
        expect(page.get_by_role("heading", level=1)).to_have_text("意见建议")
        look("suggestions")
        page.go_back()
        page.go_back()
        page.get_by_role("link", name="年度评议", exact=True).click()
        page.get_by_role("link", name="石桥村").click()
        expect(page.get_by_role("heading", level=1)).to_contain_text("石桥村")
        look("review")
        browser.close()
