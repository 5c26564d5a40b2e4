"""A person on a 360 px phone logs in and lands on their village page."""

import pytest
from django.urls import reverse

from tests.factories import PASSWORD, MembershipFactory, UserFactory, VillageFactory
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


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_a_village_committee_member_logs_in_on_a_phone(live_server, phone, tmp_path):
    village = VillageFactory(name="龙江村")
    user = UserFactory(username="zhanghua", first_name="张华")
    MembershipFactory(user=user, role=Membership.Role.VILLAGE_COMMITTEE, village=village)

    phone.goto(live_server.url + reverse("home"))
    phone.get_by_role("link", name="登录").click()
    phone.get_by_label("用户名").fill("zhanghua")
    phone.get_by_label("密码").fill(PASSWORD)
    phone.get_by_role("button", name="登录").click()

    phone.wait_for_url(live_server.url + village.get_absolute_url())
    assert phone.get_by_role("heading", name="龙江村").is_visible()
    # Nothing wider than the phone: no horizontal scrolling.
    assert phone.evaluate("document.documentElement.scrollWidth") <= 360
    phone.screenshot(path=str(tmp_path / "village.png"), full_page=True)
