"""From residents' voices to a published list on a 360 px phone, through links only: the
committee groups 40 suggestions into 12 candidates in the pool, chooses ten into the draft,
is told the 4+2 record is missing when it tries to submit, records the four meetings and the
vote with a photo of the signed minutes, submits; the township sees the record on its review
page and publishes; the public board and the A4 poster show the decision with the list.

Screenshots (`decision-*.png`) go to $TEST_ARTIFACTS or the test's temporary folder."""

import pytest
from django.core.cache import cache
from django.utils import timezone
from PIL import Image

from pledges.models import DecisionMeeting, PledgeList, Prohibition
from suggestions.models import Candidate, Suggestion
from tests.factories import PASSWORD, MembershipFactory, UserFactory, VillageFactory
from tests.test_browser import artifacts, assert_fits_the_phone, expect, phone  # noqa: F401
from villages.models import Membership

Role = Membership.Role

# 40 suggestions on 12 topics, as residents write them: short and long, some repeated.
SUGGESTIONS = {
    "lighting": [
        "村口到小学的路没有路灯，晚上孩子放学不安全",
        "希望在村口到小学那段路装几盏路灯",
        "小学门口那条路太黑了，建议安装太阳能路灯",
        "晚上从村口走到学校黑漆漆的，装路灯吧",
    ],
    "water": [
        "三组的自来水经常停水，希望换新的水管",
        "三组饮水管道老化漏水，请更换自来水管",
        "我们三组吃水难，水管老是爆，能不能换掉",
    ],
    "roads": [
        "到五组的通组路坑坑洼洼，下雨天没法走，请硬化",
        "五组那条泥巴路希望硬化成水泥路",
        "通往五组的路太烂了，摩托车都骑不过去",
        "五组公路硬化，群众盼了好多年",
    ],
    "irrigation": [
        "坝子里的灌溉水渠垮了一段，插秧时水过不来",
        "灌溉渠年久失修，希望维修水渠",
        "田坝的水沟要修了，不然明年种不了稻子",
    ],
    "care": [
        "村里老人多，希望办个老年食堂",
        "留守老人吃饭不方便，建议开老年助餐点",
        "能不能办个长者食堂，让老人吃口热饭",
    ],
    "sanitation": [
        "垃圾桶太少，垃圾堆在路边发臭",
        "建议多放几个垃圾箱，定期清运垃圾",
        "河边垃圾没人管，希望安排保洁员",
    ],
    "culture": [
        "希望修个文化广场，晚上可以跳广场舞",
        "村里没有活动的地方，建个文化活动广场吧",
        "广场舞没有场地，希望硬化一块广场",
    ],
    "industry": [
        "想发展茶叶种植，希望村里帮忙联系技术员",
        "建议扩大茶园，带动大家增收",
        "茶叶基地需要修生产便道",
        "希望村里组织茶叶技术培训",
    ],
    "housing": [
        "二组有几户是危房，下雨漏水，希望改造",
        "危房改造要抓紧，老人住着不安全",
        "请帮二组困难户修缮房屋",
    ],
    "health": [
        "村卫生室药品太少，看病要跑镇上",
        "希望卫生室每周有医生坐诊",
        "卫生室设备太旧，建议更新",
        "希望卫生室能免费量血压测血糖",
    ],
    "children": [
        "放暑假孩子没人管，希望办个暑期托管班",
        "留守儿童多，建议建儿童之家",
        "儿童之家能不能建在村委会旁边，方便照看",
    ],
    "safety": [
        "村口路段急弯多，希望装护栏和反光镜",
        "急弯处没有护栏，车子容易翻下去",
        "希望在急弯处安装凸面镜",
    ],
}
# Topics that have no category of their own.
CATEGORIES = {"sanitation": "environment", "health": "care", "children": "care", "safety": "roads"}
STEPS = ["提议", "商议", "审议", "决议"]


def log_in(page, username: str) -> None:
    """As tests/test_year_flow.py: the header's log-in link, then the landing (待办)."""
    page.get_by_role("link", name="登录", exact=True).click()
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    expect(page.get_by_role("heading", name="待办", exact=True)).to_be_visible()


def log_out(page) -> None:
    page.get_by_role("button", name="退出登录").click()


def record_the_four_meetings(phone, minutes, *, artifacts=None) -> None:  # noqa: F811
    """On the list's 4+2 record page: record the proposal, the discussion and the review,
    then the representatives' meeting that decides (40 of 45 present, 38 for) with the
    photo of its signed minutes. Shared with tests/test_year_flow.py."""
    year = timezone.localdate().year
    for day, step in enumerate(STEPS[:3], start=5):
        phone.get_by_role("link", name=f"记录{step}会议").click()
        phone.get_by_label("日期").fill(f"{year}-01-{day:02d}")
        phone.get_by_label("地点").fill("村委会会议室")
        phone.get_by_label("主持人").fill("杨健")
        phone.get_by_label("应到人数").fill("7")
        phone.get_by_label("实到人数").fill("7")
        phone.get_by_label("会议结果").fill(f"{step}通过年度清单（草案）")
        phone.get_by_role("button", name="保存会议记录").click()
        expect(phone.get_by_text("会议已记录。")).to_be_visible()
    phone.get_by_role("link", name="记录决议会议").click()
    phone.get_by_label("日期").fill(f"{year}-01-20")
    phone.get_by_label("地点").fill("村委会会议室")
    phone.get_by_label("主持人").fill("王明")
    phone.get_by_label("村民代表会议").check()
    phone.get_by_label("应到人数").fill("45")
    phone.get_by_label("实到人数").fill("40")
    phone.get_by_label("赞成票").fill("38")
    phone.get_by_label("反对票").fill("1")
    phone.get_by_label("弃权票").fill("1")
    phone.get_by_label("会议结果").fill("表决通过年度“十要五不准”清单")
    phone.get_by_label("签字会议记录的照片或扫描件").set_input_files(str(minutes))
    if artifacts:
        assert_fits_the_phone(phone)
        phone.screenshot(path=str(artifacts / "decision-3-deciding-form.png"), full_page=True)
    phone.get_by_role("button", name="保存会议记录").click()
    expect(phone.get_by_text("记录完整，表决通过")).to_be_visible()


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_from_forty_suggestions_to_a_published_list_with_its_decision(
    live_server,
    phone,  # noqa: F811 (the fixtures from tests/test_browser.py)
    artifacts,  # noqa: F811
    tmp_path,
    settings,
):
    settings.MEDIA_ROOT = str(tmp_path / "media")
    cache.clear()
    year = timezone.localdate().year
    village = VillageFactory(name="石桥村")
    township = village.township
    draft = PledgeList.objects.create(village=village, year=year)
    for number, text in enumerate(
        ["不准优亲厚友", "不准收受礼品", "不准拖延办事", "不准违规用地", "不准公款吃喝"], 1
    ):
        Prohibition.objects.create(pledge_list=draft, number=number, text=text)
    for topic, texts in SUGGESTIONS.items():
        category = CATEGORIES.get(topic, topic)
        for text in texts:
            Suggestion.objects.create(village=village, year=year, text=text, category=category)
    assert Suggestion.objects.count() == 40
    MembershipFactory(
        user=UserFactory(username="cunwei"), role=Role.VILLAGE_COMMITTEE, village=village
    )
    MembershipFactory(
        user=UserFactory(username="zhenli"), role=Role.TOWNSHIP_CADRE, township=township
    )
    minutes = tmp_path / "minutes.jpg"
    Image.new("RGB", (900, 1200), (250, 250, 245)).save(minutes, "JPEG")

    phone.goto(live_server.url)  # the one typed address: the site itself

    # 1. The committee groups the suggestions in the pool: each group one candidate in one
    # tap, until there are twelve (the rest by hand, as from a meeting).
    log_in(phone, "cunwei")
    phone.get_by_role("link", name="本村清单").click()
    phone.get_by_role("link", name="候选事项库").click()
    assert_fits_the_phone(phone)
    phone.screenshot(path=str(artifacts / "decision-1-groups.png"), full_page=True)
    made_from_groups = 0
    while Candidate.objects.count() < 12:
        group = phone.get_by_role("button", name="合成一个候选事项")
        if not group.count():
            break
        group.first.click()
        expect(phone.get_by_text("已加入候选事项").first).to_be_visible()
        made_from_groups += 1
    for n in range(Candidate.objects.count(), 12):
        phone.get_by_role("link", name="手工或从会议添加候选事项").click()
        phone.get_by_label("候选事项名称").fill(f"会上提出的事项{n + 1}")
        phone.get_by_role("button", name="加入候选事项").click()
        expect(phone.get_by_text("已加入候选事项").first).to_be_visible()
    assert Candidate.objects.count() == 12
    assert made_from_groups >= 6, made_from_groups
    grouped = Suggestion.objects.filter(candidates__isnull=False).distinct().count()
    assert grouped >= 30, grouped

    # 2. Ten are chosen into the draft; the other two stay in the pool with a reason.
    candidates = list(Candidate.objects.order_by("pk"))
    for candidate in candidates[:10]:
        phone.get_by_label(candidate.title, exact=True).check()
    phone.get_by_role("button", name="把勾选的选入清单").click()
    expect(phone.get_by_text("已将 10 个候选事项选入清单")).to_be_visible()
    for candidate in candidates[10:]:
        phone.get_by_label(candidate.title, exact=True).check()
    phone.get_by_label("今年不列入的原因").fill("资金不足，明年优先考虑")
    phone.get_by_role("button", name="今年不列入（按上述原因）").click()
    assert draft.projects.count() == 10
    assert_fits_the_phone(phone)
    phone.screenshot(path=str(artifacts / "decision-2-chosen.png"), full_page=True)

    # 3. Submitting without the 4+2 record is refused, step by step.
    phone.get_by_role("link", name="清单", exact=True).first.click()
    phone.get_by_role("link", name="编辑清单").click()
    phone.get_by_role("button", name="保存并提交镇（街道）审核").click()
    for step in STEPS:
        expect(phone.get_by_text(f"缺少{step}会议的记录。")).to_be_visible()
    assert PledgeList.objects.get(pk=draft.pk).status == PledgeList.Status.DRAFT

    # 4. From the work queue to the record: the four meetings and the vote.
    phone.get_by_role("link", name="民生承诺").first.click()  # the site's name: the landing
    phone.get_by_role("link", name=f"提交{year}年度清单前，记录“四议”会议").click()
    expect(phone.get_by_role("heading", name="四议两公开记录")).to_be_visible()
    assert_fits_the_phone(phone)
    record_the_four_meetings(phone, minutes, artifacts=artifacts)
    assert_fits_the_phone(phone)
    phone.screenshot(path=str(artifacts / "decision-4-record.png"), full_page=True)
    decide = DecisionMeeting.objects.get(record__pledge_list=draft, step="decide")
    assert (decide.present, decide.votes_for) == (40, 38)
    assert decide.image.name.startswith("minutes/")

    # 5. Submitted.
    phone.get_by_role("link", name="返回清单").click()
    phone.get_by_role("link", name="编辑清单").click()
    phone.get_by_role("button", name="保存并提交镇（街道）审核").click()
    expect(phone.get_by_text("已提交", exact=False).first).to_be_visible()
    assert PledgeList.objects.get(pk=draft.pk).status == PledgeList.Status.SUBMITTED
    log_out(phone)

    # 6. The township sees the record on its review page, and publishes.
    log_in(phone, "zhenli")
    phone.get_by_role("link", name=f"审核{year}年度清单").click()
    expect(phone.get_by_text("赞成38票，反对1票，弃权1票")).to_be_visible()
    expect(phone.get_by_text("应到45人，实到40人").first).to_be_visible()
    assert_fits_the_phone(phone)
    phone.screenshot(path=str(artifacts / "decision-5-review.png"), full_page=True)
    phone.get_by_label("通过并公布").check()
    phone.get_by_role("button", name="提交审核意见").click()
    assert PledgeList.objects.get(pk=draft.pk).status == PledgeList.Status.PUBLISHED
    log_out(phone)

    # 7. The public board shows the decision with the list (决议公开), and so does the poster.
    phone.get_by_role("link", name=township.name).first.click()
    phone.get_by_role("link", name="石桥村").first.click()
    decision = phone.locator("#decision")
    expect(decision.get_by_text(f"{year}-01-20")).to_be_visible()
    expect(decision.get_by_text("赞成38票，反对1票，弃权1票")).to_be_visible()
    assert_fits_the_phone(phone)
    decision.scroll_into_view_if_needed()
    phone.screenshot(path=str(artifacts / "decision-6-board.png"), full_page=True)
    phone.get_by_role("link", name="打印公示（A4）").click()
    expect(phone.get_by_text("经“四议两公开”程序决定", exact=False)).to_be_visible()
    phone.screenshot(path=str(artifacts / "decision-7-poster.png"), full_page=True)
