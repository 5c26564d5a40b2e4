"""A committee member on a 360 px phone, in Chromium: from the landing page to the candidate
pool, one group of suggestions made one candidate in one tap, then chosen into the draft
list. (The whole way to a published list is walked in tests/pledges.)"""

import pytest
from django.utils import timezone

from pledges.models import PledgeList
from suggestions.models import Candidate, Suggestion
from tests.factories import PASSWORD, MembershipFactory, UserFactory, VillageFactory
from tests.test_browser import artifacts, assert_fits_the_phone, expect, phone  # noqa: F401
from villages.models import Membership

LAMPS = [
    "村口到小学的路没有路灯，晚上孩子放学不安全",
    "希望在村口到小学那段路装几盏路灯",
    "小学门口那条路太黑了，建议安装太阳能路灯",
    "晚上从村口走到学校黑漆漆的，装路灯吧",
]
WATER = ["三组的自来水经常停水，希望换新的水管", "三组饮水管道老化漏水，请更换自来水管"]


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_a_committee_turns_a_group_into_a_candidate_and_chooses_it_into_the_list(
    live_server,
    phone,  # noqa: F811 (the fixtures from tests/test_browser.py)
    artifacts,  # noqa: F811
):
    year = timezone.localdate().year
    village = VillageFactory(name="石桥村")
    pledge_list = PledgeList.objects.create(village=village, year=year)
    for text in LAMPS + WATER:
        Suggestion.objects.create(village=village, year=year, text=text, category="lighting")
    user = UserFactory(username="zhanghua", first_name="张华")
    MembershipFactory(user=user, role=Membership.Role.VILLAGE_COMMITTEE, village=village)

    phone.goto(live_server.url)
    phone.get_by_role("link", name="登录").click()
    phone.get_by_label("用户名").fill("zhanghua")
    phone.get_by_label("密码").fill(PASSWORD)
    phone.get_by_role("button", name="登录").click()
    # The work queue says what waits in the pool; the list page links to it too.
    expect(phone.get_by_text(f"6 条意见建议尚未纳入{year}年度候选事项")).to_be_visible()
    phone.get_by_role("link", name="本村清单").click()
    phone.get_by_role("link", name="候选事项库").click()
    expect(phone.get_by_role("heading", name=f"石桥村 {year} 年度候选事项库")).to_be_visible()
    assert_fits_the_phone(phone)
    phone.screenshot(path=str(artifacts / "pool-1-groups.png"), full_page=True)

    # The largest group, the lamps, becomes one candidate in one tap.
    phone.get_by_role("button", name="把这 4 条合成一个候选事项").click()
    expect(phone.get_by_text("已加入候选事项")).to_be_visible()
    candidate = Candidate.objects.get()
    assert candidate.suggestions.count() == 4
    assert set(candidate.suggestions.values_list("text", flat=True)) == set(LAMPS)

    # Ticked and chosen: it is project 1 of the draft list, its suggestions adopted.
    phone.get_by_label(candidate.title).check()
    phone.get_by_role("button", name="把勾选的选入清单").click()
    expect(phone.get_by_text("已将 1 个候选事项选入清单")).to_be_visible()
    assert_fits_the_phone(phone)
    phone.screenshot(path=str(artifacts / "pool-2-chosen.png"), full_page=True)
    project = pledge_list.projects.get()
    assert project.title == candidate.title
    assert set(project.suggestions.values_list("status", flat=True)) == {"adopted"}
