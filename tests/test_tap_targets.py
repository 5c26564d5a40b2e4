"""Every tap target is at least 44 × 44 px on a 360 px phone (the rule China's MIIT sets for
apps): buttons, links styled as buttons, fields, header links, and checkboxes and radios
through their labels. Walked through links only: a resident from the public board to the
suggestion form, a committee member from the landing to the list editor and a project form.

Screenshots go to $TEST_ARTIFACTS (or the test's temporary folder): look at them."""

import datetime
import os
import re
import time

import pytest
from django.urls import reverse
from django.utils import timezone

from pledges.models import PledgeList
from tests.factories import MembershipFactory, UserFactory, VillageFactory, full_list
from tests.test_browser import CHROMIUM_ARGS, artifacts, expect, log_in  # noqa: F401
from villages.models import Membership

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_WAIT_SECONDS = 600  # it may still be being installed when the run starts
FINGER = 44  # px

# Each visible target with the box a finger has to hit: a checkbox or radio is hit through
# its label. Inputs and selects need the height; buttons, links and choices the width too.
MEASURE = """() => {
  const shown = el => {
    if (!el || el.closest('.hp, [aria-hidden="true"]')) return false;
    const box = el.getBoundingClientRect(), style = getComputedStyle(el);
    return box.width > 0 && box.height > 0 && style.visibility !== 'hidden';
  };
  const targets = [];
  const add = (el, target, wide) => {
    const box = target.getBoundingClientRect();
    const what = el.outerHTML.split('>')[0] + '>';
    targets.push({what, width: box.width, height: box.height, wide});
  };
  const selector = 'a.btn, button, select, textarea, input, .site-header a, nav a, .breadcrumb a';
  for (const el of document.querySelectorAll(selector)) {
    if (el.type === 'hidden') continue;
    if (el.type === 'checkbox' || el.type === 'radio') {
      const label = (el.labels && el.labels[0]) || el.closest('label');
      if (!shown(el) && !shown(label)) continue;
      if (label) add(el, label, true);
      else targets.push({what: 'no label: ' + el.outerHTML, width: 0, height: 0, wide: true});
    } else if (shown(el)) {
      add(el, el, !['INPUT', 'SELECT', 'TEXTAREA'].includes(el.tagName));
    }
  }
  return targets;
}"""


@pytest.fixture
def phone():
    """A 360 px phone in Debian's Chromium, waiting for the package while it is installed."""
    deadline = time.monotonic() + CHROMIUM_WAIT_SECONDS
    while not os.path.exists(CHROMIUM):
        if time.monotonic() > deadline:
            pytest.skip(
                f"Debian's chromium never appeared at {CHROMIUM} (apt-get install chromium)"
            )
        time.sleep(10)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 360, "height": 740}, locale="zh-CN")
        yield page
        browser.close()


def assert_tap_targets(page, name: str, folder) -> int:
    """Screenshot the page, then fail with every target smaller than a finger."""
    page.screenshot(path=str(folder / f"tap-{name}.png"), full_page=True)
    targets = page.evaluate(MEASURE)
    small = [
        t
        for t in targets
        if t["height"] < FINGER - 0.5 or (t["wide"] and t["width"] < FINGER - 0.5)
    ]
    assert not small, f"{name}: targets under {FINGER} px:\n" + "\n".join(
        f"{t['width']:.0f}×{t['height']:.0f} {t['what']}" for t in small
    )
    assert page.evaluate("document.documentElement.scrollWidth") <= 360, name
    return len(targets)


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_every_tap_target_is_at_least_44_px_on_a_phone(live_server, phone, artifacts):  # noqa: F811
    village = VillageFactory(name="龙江村")
    published = full_list(
        status=PledgeList.Status.PUBLISHED,
        village=village,
        year=2026,
        published_at=timezone.now() - datetime.timedelta(days=90),  # reports are due
    )
    published.projects.filter(number=1).update(title="修建村口路灯")
    full_list(status=PledgeList.Status.DRAFT, village=village, year=2027)
    committee = UserFactory(username="zhanghua", first_name="张华")
    MembershipFactory(user=committee, role=Membership.Role.VILLAGE_COMMITTEE, village=village)

    # A resident: the public board, then the suggestion form, also with its errors.
    phone.goto(live_server.url + reverse("board:board_place", args=[village.code]))
    measured = assert_tap_targets(phone, "board-village", artifacts)
    phone.get_by_role("link", name="提意见建议").first.click()
    measured += assert_tap_targets(phone, "suggestion-form", artifacts)
    phone.get_by_role("button", name="提交").click()
    measured += assert_tap_targets(phone, "suggestion-form-errors", artifacts)

    # The committee member: the landing, the list editor (its 删除此项目 checkboxes and the
    # error summary), a project's progress form and its change form (radios).
    log_in(phone, live_server.url, "zhanghua")
    measured += assert_tap_targets(phone, "committee-landing", artifacts)
    phone.get_by_role("link", name=re.compile("起草2027年度清单")).click()
    expect(phone.get_by_text("删除此项目").first).to_be_visible()
    measured += assert_tap_targets(phone, "list-editor", artifacts)
    phone.locator("#id_projects-1-title").fill("")
    phone.get_by_role("button", name="保存草稿").click()
    phone.locator(".error-summary a").first.click()
    assert phone.url.endswith("#id_projects-1-title")
    measured += assert_tap_targets(phone, "list-editor-errors", artifacts)

    phone.get_by_role("link", name="民生承诺").first.click()  # the header's way home
    phone.get_by_role("link", name=re.compile("修建村口路灯")).first.click()  # its queue line
    expect(phone.get_by_role("button", name="填报进展")).to_be_visible()  # the progress form
    measured += assert_tap_targets(phone, "progress-form", artifacts)
    phone.locator(".breadcrumb").get_by_role("link", name=re.compile("修建村口路灯")).click()
    phone.get_by_role("link", name="申请变更").click()
    measured += assert_tap_targets(phone, "change-form", artifacts)
    assert measured > 50  # the pages were measured, not empty
