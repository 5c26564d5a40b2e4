"""A resident on a 360 px phone, in Chromium: the sixth suggestion from one phone in an hour is
refused with the time to come back and everything typed still on the page; a mistyped
receipt code is answered on the form, with the code kept."""

import pytest
from django.core.cache import cache

from pledges.models import PledgeList
from tests.factories import VillageFactory, full_list
from tests.test_browser import artifacts, assert_fits_the_phone, expect, phone  # noqa: F401


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_a_refused_suggestion_keeps_its_text_and_a_wrong_code_is_answered_on_the_form(
    live_server,
    phone,  # noqa: F811 (the fixtures from tests/test_browser.py)
    artifacts,  # noqa: F811
    settings,
):
    settings.SUGGESTION_BROWSER_RATE = "1/h"
    cache.clear()
    village = VillageFactory(name="龙江村")
    full_list(status=PledgeList.Status.PUBLISHED, village=village)
    phone.goto(live_server.url)  # the board opens on the one district

    def suggest(text: str) -> None:
        phone.get_by_role("link", name=village.township.name).first.click()
        phone.get_by_role("link", name="龙江村").first.click()
        phone.get_by_role("link", name="提意见建议").first.click()
        phone.get_by_label("您的意见建议").fill(text)
        phone.get_by_role("button", name="提交").click()

    suggest("村口到小学的路没有路灯，晚上孩子放学不安全")
    phone.get_by_role("link", name="民生承诺").first.click()
    second = "河沟边的护栏坏了两处，老人小孩路过很危险，请尽快修好"
    suggest(second)
    expect(phone.get_by_text("这台手机或电脑").first).to_be_visible()
    assert phone.get_by_label("您的意见建议").input_value() == second
    assert_fits_the_phone(phone)
    phone.screenshot(path=str(artifacts / "suggestion-refused.png"), full_page=True)

    phone.get_by_role("link", name="查看意见建议办理情况").click()
    phone.get_by_label("回执码").fill("ABCD-EFGH")
    phone.get_by_role("button", name="查询").click()
    expect(phone.get_by_text("没有这个回执码的意见建议")).to_be_visible()
    assert phone.get_by_label("回执码").input_value() == "ABCD-EFGH"
    assert_fits_the_phone(phone)
    phone.screenshot(path=str(artifacts / "track-unknown-code.png"), full_page=True)
