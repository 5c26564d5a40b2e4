"""A resident on a 360 px phone challenges a project struck off as done and follows the
village; the township cadre upholds the challenge after a page that says what will happen;
the board shows the answer."""

import pytest
from django.urls import reverse

from pledges.models import PledgeList, Project
from residents import sms
from residents.models import Challenge
from tests.factories import MembershipFactory, UserFactory, VillageFactory, full_list
from tests.test_browser import artifacts, assert_fits_the_phone, expect, log_in, phone  # noqa: F401
from villages.models import Membership


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_a_resident_challenges_a_verified_project_and_the_township_upholds_it(
    live_server,
    phone,  # noqa: F811 (the fixture from tests/test_browser.py)
    artifacts,  # noqa: F811
    settings,
):
    settings.SMS_BACKEND = "residents.sms.LocmemBackend"
    sms.outbox.clear()
    village = VillageFactory(name="龙江村")
    pledge_list = full_list(status=PledgeList.Status.PUBLISHED, village=village)
    project = pledge_list.projects.get(number=1)
    Project.objects.filter(pk=project.pk).update(status=Project.Status.VERIFIED)
    cadre = UserFactory(username="liqiang")
    MembershipFactory(user=cadre, role=Membership.Role.TOWNSHIP_CADRE, township=village.township)
    board = live_server.url + reverse("board:board_place", args=[village.code])

    # The resident follows the village, then challenges project 1.
    phone.goto(board)
    phone.get_by_role("link", name="关注本村").click()
    phone.get_by_label("手机号或电子邮箱").fill("13812345678")
    phone.get_by_role("button", name="关注").click()
    expect(phone.get_by_role("heading", name="已关注龙江村")).to_be_visible()
    phone.goto(board)
    phone.get_by_role("link", name="没有真正完成？提出质疑").click()
    assert_fits_the_phone(phone)
    phone.get_by_label("您看到了什么？").fill("路灯只装了一半，晚上村口还是黑的")
    phone.screenshot(path=artifacts / "residents-challenge-form.png", full_page=True)
    phone.get_by_role("button", name="提交给乡镇").click()
    expect(phone.get_by_role("heading", name="质疑已收到")).to_be_visible()
    challenge = Challenge.objects.get()

    # The township cadre sees it from the dashboard and upholds it.
    log_in(phone, live_server.url, "liqiang")
    phone.goto(
        live_server.url + reverse("dashboards:township_dashboard", args=[village.township.code])
    )
    phone.get_by_role("link", name="群众质疑：1 件待答复").click()
    phone.get_by_role("link", name=f"龙江村 · 1. {project.title}").click()
    phone.get_by_label("质疑成立：未完成，恢复为实施中").check()
    phone.get_by_label("公开答复").fill("现场核查属实，剩余路灯月底前装完")
    phone.get_by_role("button", name="下一步：核对裁定后果").click()
    # Nothing has happened yet: the page says what will, with figures.
    expect(phone.get_by_text("关注龙江村的 1 位群众将收到短信。")).to_be_visible()
    assert Challenge.objects.get().is_open
    assert_fits_the_phone(phone)
    phone.screenshot(path=artifacts / "residents-ruling-confirm.png", full_page=True)
    phone.get_by_role("button", name="确认裁定").click()
    expect(phone.get_by_text("已处理，答复已在公示栏公开。")).to_be_visible()
    challenge.refresh_from_db()
    assert challenge.status == Challenge.Status.UPHELD
    project.refresh_from_db()
    assert project.status == Project.Status.IN_PROGRESS

    # The board shows the answer; the follower was told.
    phone.goto(board)
    expect(phone.get_by_text("现场核查属实，剩余路灯月底前装完")).to_be_visible()
    phone.screenshot(path=artifacts / "residents-board-answer.png", full_page=True)
    texts = [text for _phone, text in sms.outbox]
    assert any("恢复为实施中" in text for text in texts), texts
