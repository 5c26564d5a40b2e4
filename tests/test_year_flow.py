"""The whole year on a 360 px phone, each role through links only from their landing page (the
work queue, 待办): the district opens next year → the committee finds and drafts it → the
township returns it with comments → the committee sees them, fixes and resubmits → the
township approves and publishes → the committee reports progress with a photo and marks it
done → the township verifies it with a note → the note is on the public project page → a
resident challenges it and the township rules → a reviewer finds how to vote → the township
closes voting after confirming → the results are on the board.

The only address typed is the site's own, once. Each role's landing is a screenshot
(`year-landing-*.png` in $TEST_ARTIFACTS or the test's temporary folder)."""

import datetime

import pytest
from django.core.cache import cache
from django.utils import timezone
from PIL import Image

from pledges.models import PledgeList, Project
from residents.models import Challenge
from reviews.models import AnnualReview
from tests.factories import PASSWORD, MembershipFactory, UserFactory, VillageFactory, full_list
from tests.pledges.test_decision_walk import record_the_four_meetings
from tests.reviews.factories import cast
from tests.test_browser import artifacts, assert_fits_the_phone, expect, phone  # noqa: F401
from villages.models import Membership

Role = Membership.Role


def log_in(page, username: str) -> None:
    """From any page: the header's log-in link, then the landing (the work queue)."""
    page.get_by_role("link", name="登录", exact=True).click()
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    expect(page.get_by_role("heading", name="待办", exact=True)).to_be_visible()
    assert_fits_the_phone(page)


def log_out(page) -> None:
    page.get_by_role("button", name="退出登录").click()


def landing_shot(page, artifacts, role: str) -> None:  # noqa: F811
    page.screenshot(path=str(artifacts / f"year-landing-{role}.png"), full_page=True)


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_each_role_walks_the_year_through_links_only(
    live_server,
    phone,  # noqa: F811 (the fixtures from tests/test_browser.py)
    artifacts,  # noqa: F811
    tmp_path,
    settings,
):
    settings.MEDIA_ROOT = str(tmp_path / "media")
    cache.clear()
    this_year = timezone.localdate().year
    next_year = this_year + 1
    village = VillageFactory(name="龙江村")
    township, district = village.township, village.township.district
    last = full_list(status=PledgeList.Status.PUBLISHED, village=village, year=this_year)
    last.projects.update(status=Project.Status.IN_PROGRESS)
    # This year's review is open: 24 invited, 9 have voted.
    now = timezone.now()
    review = AnnualReview.objects.create(
        pledge_list=last,
        status=AnnualReview.Status.OPEN,
        opens_at=now - datetime.timedelta(days=1),
        closes_at=now + datetime.timedelta(days=11),
    )
    for n in range(24):
        if n < 9:
            cast(review, ["satisfied"] * 10, name=f"评议人{n}")
        else:
            review.invitations.create(name=f"评议人{n}", kind="party_member")
    people = {
        "quzhang": (Role.DISTRICT_ADMIN, {"district": district}),
        "cunwei": (Role.VILLAGE_COMMITTEE, {"village": village}),
        "zhenli": (Role.TOWNSHIP_CADRE, {"township": township}),
        "pingyi": (Role.REVIEWER, {"village": village}),
    }
    for username, (role, place) in people.items():
        MembershipFactory(user=UserFactory(username=username), role=role, **place)
    photo = tmp_path / "lamp.jpg"
    Image.new("RGB", (800, 600), (30, 90, 160)).save(photo, "JPEG")

    phone.goto(live_server.url)  # the one typed address: the site itself

    # 1. The district opens next year, after a page that says what will happen.
    log_in(phone, "quzhang")
    landing_shot(phone, artifacts, "district")
    phone.get_by_role("link", name=f"为所有村开启 {next_year} 年度清单").click()
    expect(phone.get_by_text("1个村中的1个村")).to_be_visible()
    expect(phone.get_by_text("10个未完成项目")).to_be_visible()
    assert_fits_the_phone(phone)
    phone.screenshot(path=str(artifacts / "year-open-confirm.png"), full_page=True)
    assert not PledgeList.objects.filter(year=next_year).exists()
    phone.get_by_role("button", name=f"确定开启{next_year}年度").click()
    # The opening runs as a job (in-process here, no broker); its page says what it did.
    expect(phone.locator("progress")).to_be_visible()
    expect(phone.get_by_text("1 / 1个村")).to_be_visible()
    assert_fits_the_phone(phone)
    phone.screenshot(path=str(artifacts / "year-open-job.png"), full_page=True)
    draft = PledgeList.objects.get(year=next_year)
    assert draft.projects.count() == 10
    log_out(phone)

    # 2. The committee finds the draft in its queue, records its 4+2 meetings (the record
    # page's forms, tests/pledges/test_decision_walk.py) and submits it.
    log_in(phone, "cunwei")
    landing_shot(phone, artifacts, "committee")
    expect(phone.get_by_role("link", name=f"起草{next_year}年度清单")).to_be_visible()
    phone.get_by_role("link", name=f"提交{next_year}年度清单前，记录“四议”会议").click()
    record_the_four_meetings(phone, photo)
    phone.get_by_role("link", name="返回清单").click()
    phone.get_by_role("link", name="编辑清单").click()
    prohibitions = ["不准优亲厚友", "不准收受礼品", "不准拖延办事", "不准违规用地", "不准公款吃喝"]
    for n, text in enumerate(prohibitions):
        phone.locator(f'[name="prohibitions-{n}-text"]').fill(text)
    phone.get_by_role("button", name="保存并提交镇（街道）审核").click()
    expect(phone.get_by_text("已提交", exact=False).first).to_be_visible()
    log_out(phone)

    # 3. The township finds it and returns it with a comment on the list and on item 1.
    log_in(phone, "zhenli")
    landing_shot(phone, artifacts, "township")
    phone.get_by_role("link", name=f"审核{next_year}年度清单").click()
    phone.locator("textarea[name^=comment-]").first.fill("预算偏高，请核实")
    phone.get_by_label("退回修改").check()
    phone.get_by_label("给村里的意见").fill("请补充第1项的资金来源")
    phone.get_by_role("button", name="提交审核意见").click()
    assert PledgeList.objects.get(pk=draft.pk).status == PledgeList.Status.RETURNED
    log_out(phone)

    # 4. The committee sees both comments, fixes item 1 and resubmits.
    log_in(phone, "cunwei")
    expect(phone.get_by_text("请补充第1项的资金来源").first).to_be_visible()
    phone.get_by_role("link", name=f"修改并重新提交{next_year}年度清单").click()
    expect(phone.get_by_text("预算偏高，请核实")).to_be_visible()
    assert_fits_the_phone(phone)
    phone.screenshot(path=str(artifacts / "year-returned-list.png"), full_page=True)
    phone.get_by_role("link", name="编辑清单").click()
    phone.locator('[name="projects-0-title"]').fill("安装太阳能路灯（区财政资金）")
    phone.get_by_role("button", name="保存并提交镇（街道）审核").click()
    assert PledgeList.objects.get(pk=draft.pk).status == PledgeList.Status.SUBMITTED
    log_out(phone)

    # 5. The township approves and publishes.
    log_in(phone, "zhenli")
    phone.get_by_role("link", name=f"审核{next_year}年度清单").click()
    phone.get_by_label("通过并公布").check()
    phone.get_by_role("button", name="提交审核意见").click()
    assert PledgeList.objects.get(pk=draft.pk).status == PledgeList.Status.PUBLISHED
    log_out(phone)

    # 6. The committee reports progress on item 1 with a photo, then marks it done.
    log_in(phone, "cunwei")
    phone.get_by_role("link", name="本村清单").click()
    phone.locator("nav.years").get_by_role("link", name=str(next_year)).click()
    phone.get_by_role("link", name="安装太阳能路灯（区财政资金）").first.click()
    phone.get_by_role("link", name="填报进展").click()
    phone.get_by_label("完成进度（%）").fill("100")
    phone.get_by_label("进展情况").fill("30盏路灯全部亮灯")
    phone.get_by_label("照片").set_input_files(str(photo))
    phone.get_by_role("button", name="填报进展").click()
    phone.get_by_role("link", name="标记完成").click()
    phone.get_by_label("完成情况（佐证）").fill("已验收")
    phone.get_by_role("button", name="标记完成").click()
    project = draft.projects.get(number=1)
    assert project.status == Project.Status.COMPLETED
    log_out(phone)

    # 7. The township verifies it with a note.
    log_in(phone, "zhenli")
    phone.locator("ol.work a", has_text="核实销号").first.click()
    phone.get_by_label("核实完成，予以销号").check()
    phone.get_by_label("说明").fill("现场查看，30盏路灯全部亮灯")
    phone.get_by_role("button", name="核实项目").click()
    project.refresh_from_db()
    assert project.status == Project.Status.VERIFIED
    log_out(phone)

    # 8. The note is on the project's public page, found from the board (with one district
    # the board opens on it).
    phone.get_by_role("link", name=township.name).first.click()
    phone.get_by_role("link", name="龙江村").first.click()
    phone.locator("nav.years").get_by_role("link", name=str(next_year)).click()
    phone.get_by_role("link", name="安装太阳能路灯（区财政资金）").first.click()
    expect(phone.get_by_text("现场查看，30盏路灯全部亮灯").first).to_be_visible()
    assert_fits_the_phone(phone)
    phone.screenshot(path=str(artifacts / "year-project-page.png"), full_page=True)

    # 9. A resident challenges it; the township rules after seeing what will happen.
    phone.go_back()
    phone.get_by_role("link", name="没有真正完成？提出质疑").first.click()
    phone.get_by_label("您看到了什么？").fill("村口两盏路灯晚上不亮")
    phone.get_by_role("button", name="提交给乡镇").click()
    expect(phone.get_by_role("heading", name="质疑已收到")).to_be_visible()
    log_in(phone, "zhenli")
    phone.get_by_role("link", name="裁定群众质疑的项目").click()
    phone.get_by_label("不成立：确已完成").check()
    phone.get_by_label("公开答复").fill("现场复核，两盏路灯为定时关闭，已调整")
    phone.get_by_role("button", name="下一步：核对裁定后果").click()
    assert Challenge.objects.get().is_open
    phone.get_by_role("button", name="确认裁定").click()
    assert not Challenge.objects.get().is_open
    log_out(phone)

    # 10. The reviewer finds this year's review and how to vote.
    log_in(phone, "pingyi")
    landing_shot(phone, artifacts, "reviewer")
    phone.get_by_role("link", name=f"参加 {this_year} 年度评议").click()
    expect(phone.get_by_role("heading", name="怎样参加评议")).to_be_visible()
    assert_fits_the_phone(phone)
    log_out(phone)

    # 11. The township closes voting after a page with the figures, then publishes.
    log_in(phone, "zhenli")
    phone.locator("nav.toolbar").get_by_role("link", name="年度评议").click()
    phone.get_by_role("link", name="龙江村").first.click()
    phone.get_by_role("button", name="截止评议").click()
    expect(phone.get_by_text("24位评议人中已有9位评议")).to_be_visible()
    assert AnnualReview.objects.get(pk=review.pk).status == AnnualReview.Status.OPEN
    phone.get_by_role("button", name="确认截止评议").click()
    phone.get_by_role("link", name="公布评议结果").click()
    phone.get_by_label("通报").fill("群众对路灯项目普遍满意。")
    phone.get_by_role("button", name="公布评议结果").click()
    phone.get_by_role("button", name="确认公布评议结果").click()
    assert AnnualReview.objects.get(pk=review.pk).status == AnnualReview.Status.PUBLISHED
    log_out(phone)

    # 12. The results are on the board.
    phone.get_by_role("link", name=township.name).first.click()
    phone.get_by_role("link", name="龙江村").first.click()
    expect(phone.get_by_role("heading", name="年度评议结果")).to_be_visible()
    expect(phone.get_by_text("群众对路灯项目普遍满意。")).to_be_visible()
    assert_fits_the_phone(phone)
