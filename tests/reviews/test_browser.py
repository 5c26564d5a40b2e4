"""The whole year-end review on a 360 px phone in headless Chromium: the township cadre
prepares it, invites two reviewers and prints their slips; a reviewer votes with the link
from the slip (no account); the cadre closes voting and publishes; the results are on the
public board. Screenshots and the slips' PDF go to $TEST_ARTIFACTS or the temporary folder."""

import os
import re
from pathlib import Path

import pytest
from django.urls import reverse

from pledges.models import PledgeList
from reviews.models import AnnualReview, Ballot
from tests.factories import PASSWORD, MembershipFactory, UserFactory, VillageFactory, full_list
from villages.models import Membership

CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-sync"]
PHONE = {"viewport": {"width": 360, "height": 740}, "locale": "zh-CN"}


@pytest.fixture
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def artifacts(tmp_path):
    folder = Path(os.environ.get("TEST_ARTIFACTS") or tmp_path)
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def expect(locator):
    from playwright.sync_api import expect as playwright_expect

    return playwright_expect(locator)


def assert_fits_the_phone(page) -> None:
    page.wait_for_load_state()  # the style sheets too: before them, wide lines do not wrap
    assert page.evaluate("document.documentElement.scrollWidth") <= 360


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_a_review_from_invitation_to_the_public_board(live_server, browser, artifacts):
    from django.core.cache import cache

    cache.clear()
    village = VillageFactory(name="龙江村")
    full_list(status=PledgeList.Status.PUBLISHED, village=village, year=2025)
    cadre = UserFactory(username="liqiang", first_name="李强")
    MembershipFactory(user=cadre, role=Membership.Role.TOWNSHIP_CADRE, township=village.township)

    # The cadre, on a phone: the township's reviews, then a new review of 龙江村's list.
    phone = browser.new_page(**PHONE)
    phone.goto(live_server.url + reverse("login"))
    phone.get_by_label("用户名").fill("liqiang")
    phone.get_by_label("密码").fill(PASSWORD)
    phone.get_by_role("button", name="登录").click()
    phone.goto(
        live_server.url
        + reverse("reviews:township_reviews", args=[village.township.code])
        + "?year=2025"
    )
    phone.get_by_role("link", name="发起年度评议").click()
    phone.get_by_role("button", name="保存").click()
    expect(phone.get_by_text("下一步：邀请评议人")).to_be_visible()
    phone.get_by_label("姓名").fill("王小明 13800001111\n李芳")
    phone.get_by_role("button", name="邀请", exact=True).click()
    expect(phone.get_by_text("已邀请2位评议人")).to_be_visible()
    assert_fits_the_phone(phone)
    phone.screenshot(path=str(artifacts / "review-1-invitations.png"), full_page=True)

    # Print the two slips: A4, with a QR code each, on one sheet.
    phone.get_by_role("button", name=re.compile("尚无邀请单")).click()
    expect(phone.locator(".slip .qr svg")).to_have_count(2)
    links = phone.locator(".slip .url").all_inner_texts()
    assert all(re.fullmatch(r"http://[^/]+/ballot/\d+/[\w-]{22,}/", link) for link in links)
    pdf = phone.pdf(format="A4", print_background=True)
    (artifacts / "review-slips.pdf").write_bytes(pdf)
    assert len(re.findall(rb"/Type\s*/Page[^s]", pdf)) == 1

    # Open voting.
    review = AnnualReview.objects.get()
    phone.goto(live_server.url + review.get_absolute_url())
    phone.get_by_role("button", name="开始评议").click()
    expect(phone.get_by_text("评议已开始")).to_be_visible()

    # A reviewer scans the slip: no account, a phone of their own.
    reviewer = browser.new_page(**PHONE)
    reviewer.goto(links[0])
    expect(reviewer.get_by_role("heading", name="龙江村 2025 年度评议")).to_be_visible()
    reviewer.get_by_role("button", name="提交评议").click()
    expect(reviewer.get_by_text("还有项目没有评价")).to_be_visible()  # nothing chosen yet
    for radio in reviewer.locator("input[value=satisfied]").all()[:8]:
        radio.check()
    for radio in reviewer.locator("input[value=basically]").all()[8:9]:
        radio.check()
    reviewer.locator("input[value=dissatisfied]").last.check()
    for radio in reviewer.locator("input[value=yes]").all():
        radio.check()
    reviewer.get_by_label("总体意见").fill("路灯装得好,水渠还要加快")
    assert_fits_the_phone(reviewer)
    reviewer.get_by_role("button", name="提交评议").click()
    expect(reviewer.get_by_text("谢谢，您的选票已保存")).to_be_visible()
    reviewer.screenshot(path=str(artifacts / "review-2-ballot.png"), full_page=True)
    # A change of mind: the same link updates the same ballot.
    reviewer.locator("input[value=basically]").first.check()
    reviewer.get_by_role("button", name="保存修改").click()
    expect(reviewer.get_by_text("谢谢，您的选票已保存")).to_be_visible()
    assert Ballot.objects.count() == 1

    # The cadre closes voting and publishes.
    phone.reload()
    expect(phone.get_by_text("2位评议人中已有1位评议")).to_be_visible()
    phone.get_by_role("button", name="截止评议").click()
    # Closing cannot be undone: a page says what will happen, with the figures, first.
    expect(phone.get_by_role("heading", name="现在截止评议？")).to_be_visible()
    expect(phone.get_by_text("2位评议人中已有1位评议。")).to_be_visible()
    assert_fits_the_phone(phone)
    phone.screenshot(path=str(artifacts / "review-close-confirm.png"), full_page=True)
    phone.get_by_role("button", name="确认截止评议").click()
    expect(phone.get_by_text("选票已锁定")).to_be_visible()
    phone.get_by_role("link", name="公布评议结果").click()
    phone.get_by_label("通报").fill("群众对路灯项目普遍满意。")
    phone.get_by_role("button", name="公布评议结果").click()
    expect(phone.get_by_role("heading", name="现在公布评议结果？")).to_be_visible()
    expect(phone.get_by_text("群众对路灯项目普遍满意。")).to_be_visible()
    phone.get_by_role("button", name="确认公布评议结果").click()
    expect(phone.get_by_text("评议结果已在公开栏展示")).to_be_visible()
    review.refresh_from_db()
    assert review.status == AnnualReview.Status.PUBLISHED

    # The link no longer works; the public board shows the results.
    reviewer.goto(links[0])
    expect(reviewer.get_by_text("评议已结束")).to_be_visible()
    reviewer.get_by_role("link", name="在公开栏查看评议结果").click()
    expect(reviewer.get_by_role("heading", name="年度评议结果")).to_be_visible()
    expect(reviewer.get_by_text("群众对路灯项目普遍满意。")).to_be_visible()
    expect(reviewer.get_by_text("王小明")).to_have_count(0)
    assert_fits_the_phone(reviewer)
    reviewer.screenshot(path=str(artifacts / "review-3-board.png"), full_page=True)


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_slips_print_eight_to_an_a4_sheet(live_server, browser, artifacts):
    from reviews import services
    from reviews.models import Invitation

    from .factories import make_review

    review = make_review(VillageFactory(name="龙江村"), status=AnnualReview.Status.DRAFT)
    cadre = UserFactory(username="liqiang")
    MembershipFactory(
        user=cadre,
        role=Membership.Role.TOWNSHIP_CADRE,
        township=review.pledge_list.village.township,
    )
    services.invitations_add(
        review=review,
        by=cadre,
        kind=Invitation.Kind.REPRESENTATIVE,
        people=[(f"欧阳秀{number}", "") for number in range(9)],
    )
    page = browser.new_page(viewport={"width": 794, "height": 1123}, locale="zh-CN")
    page.goto(live_server.url + reverse("login"))
    page.get_by_label("用户名").fill("liqiang")
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.goto(live_server.url + reverse("reviews:invitations", args=[review.pk]))
    page.get_by_role("button", name=re.compile("尚无邀请单")).click()
    expect(page.locator(".slip")).to_have_count(9)
    page.emulate_media(media="print")
    page.screenshot(path=str(artifacts / "review-slips.png"), full_page=True)
    pdf = page.pdf(format="A4", print_background=True)
    (artifacts / "review-slips-9.pdf").write_bytes(pdf)
    assert len(re.findall(rb"/Type\s*/Page[^s]", pdf)) == 2  # 8 + 1


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_a_reviewer_with_an_account_finds_how_to_vote(live_server, browser, artifacts):
    from .factories import make_review

    review = make_review(VillageFactory(name="龙江村"), year=2025)
    user = UserFactory(username="liufang", first_name="刘芳")
    MembershipFactory(user=user, role=Membership.Role.REVIEWER, village=review.pledge_list.village)
    phone = browser.new_page(**PHONE)
    phone.goto(live_server.url + reverse("login"))
    phone.get_by_label("用户名").fill("liufang")
    phone.get_by_label("密码").fill(PASSWORD)
    phone.get_by_role("button", name="登录").click()
    village_reviews = reverse("reviews:village_reviews", args=[review.pledge_list.village.code])
    phone.goto(live_server.url + village_reviews)  # the landing the integrator links to
    phone.get_by_role("link", name=re.compile("2025 年度评议：怎样参加")).click()
    expect(phone.get_by_role("heading", name="怎样参加评议")).to_be_visible()
    expect(phone.get_by_text(re.compile("评议进行中"))).to_be_visible()
    expect(phone.get_by_text(re.compile("账号与选票互不关联"))).to_be_visible()
    assert_fits_the_phone(phone)
    phone.screenshot(path=str(artifacts / "review-voting-guide.png"), full_page=True)


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_the_ranking_keeps_each_name_on_one_line_on_a_phone(live_server, browser, artifacts):
    from reviews import services
    from tests.factories import TownshipFactory

    from .factories import cast, make_review

    township = TownshipFactory(name="海龙镇")
    for name in ("龙江村", "大河坝社区", "石桥村", "新民社区居委会"):
        review = make_review(VillageFactory(township=township, name=name), year=2025)
        cast(review, ["satisfied"] * 10)
        review.close(by=None)
        services.review_publish(review=review, by=None)
    phone = browser.new_page(**PHONE)
    for code in (township.code, township.district.code):
        phone.goto(live_server.url + reverse("reviews:ranking", args=[code]))
        expect(phone.get_by_role("heading", name=re.compile("2025"))).to_be_visible()
        phone.screenshot(path=str(artifacts / f"review-ranking-{len(code)}.png"), full_page=True)
        links = phone.locator("table.ranking th[scope=row] a")
        expect(links).to_have_count(4)
        for link in links.all():
            name, box = link.inner_text(), link.bounding_box()
            em = float(link.evaluate("a => getComputedStyle(a).fontSize").removesuffix("px"))
            line = float(link.evaluate("a => getComputedStyle(a).lineHeight").removesuffix("px"))
            # Never a character a line: at least three to a line, a short name on one line.
            assert box["width"] >= min(3, len(name)) * em * 0.95, name
            if len(name) <= 3:
                assert box["height"] <= line * 1.2, name
        assert_fits_the_phone(phone)


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_the_ranking_names_who_falls_below_first_and_lists_a_small_village(
    live_server, browser, artifacts
):
    from django.core.cache import cache

    from reviews import services
    from tests.factories import TownshipFactory

    from .factories import cast, make_review

    cache.clear()
    township = TownshipFactory(name="海龙镇")
    ballots = {
        "龙江村": [["satisfied"] * 10] * 6,
        "大河坝社区": [["satisfied"] * 9 + ["dissatisfied"]] * 6,
        "石桥村": [["satisfied"] * 5 + ["dissatisfied"] * 5] * 6,
        "新民社区居委会": [["satisfied"] * 10] * 3,
    }
    for name, ratings in ballots.items():
        review = make_review(VillageFactory(township=township, name=name), year=2025)
        for number, ballot in enumerate(ratings):
            cast(review, ballot, name=f"评议人{number}")
        review.close(by=None)
        services.review_publish(review=review, by=None)
    phone = browser.new_page(**PHONE)
    phone.goto(live_server.url + reverse("board:board_place", args=[township.code]) + "?year=2025")
    phone.get_by_role("link", name="年度评议：各村比一比").click()
    below = phone.locator("section.below")
    expect(below.get_by_role("heading")).to_have_text("满意率低于70%的村")
    expect(below).to_contain_text("石桥村")
    expect(below).to_contain_text("50.0%（30/60）")
    ranked = phone.locator("table.ranking").first
    expect(ranked.locator("th[scope=row] a")).to_have_text(["龙江村", "大河坝社区", "石桥村"])
    expect(ranked).to_contain_text("90.0%（54/60）")
    too_few = phone.locator("table.ranking").nth(1)
    expect(too_few).to_contain_text("新民社区居委会")
    assert_fits_the_phone(phone)
    phone.screenshot(path=str(artifacts / "review-ranking-below.png"), full_page=True)
    below.get_by_role("link", name=re.compile("石桥村")).click()
    expect(phone.locator("dl.figures")).to_contain_text("50.0%（30/60）")  # the report
    phone.get_by_role("link", name="返回公开栏").click()
    section = phone.locator("section.review-results")
    expect(section.locator(".stats")).to_contain_text("50.0%（30/60） 满意率")
    expect(section).to_contain_text("满意率 100.0%（6/6）")  # each project, of its ballots
    assert_fits_the_phone(phone)
    phone.screenshot(path=str(artifacts / "review-board-rates.png"), full_page=True)
