"""Under the enforcing Content Security Policy, Chromium refuses nothing on the site's pages
or in Django's admin (its own scripts, widgets and the import-export pages)."""

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse

from pledges.models import PledgeList
from tests.factories import full_list
from tests.test_browser import CHROMIUM_ARGS

# What Chromium prints when the policy blocks something.
REFUSED = ("Content Security Policy", "Refused to")
# Known, harmless refusals in third-party admin templates (kept short, with the reason).
KNOWN = {
    # Django's change list without actions adds a <style> that only sets a column width.
    "#changelist table thead th:first-child",
}


@pytest.fixture
def desktop():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1280, "height": 900}, locale="zh-CN")
        refusals = []
        page.on(
            "console",
            lambda message: (
                refusals.append(message.text)
                if any(word in message.text for word in REFUSED)
                else None
            ),
        )
        page.refusals = refusals
        yield page
        browser.close()


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_the_admin_and_the_site_work_under_the_policy(live_server, desktop):
    pledge_list = full_list(status=PledgeList.Status.PUBLISHED)
    village = pledge_list.village
    get_user_model().objects.create_superuser("root", password="Root-pass-2026")
    base = live_server.url
    desktop.goto(base + reverse("admin:login"))
    desktop.fill("#id_username", "root")
    desktop.fill("#id_password", "Root-pass-2026")
    desktop.click("input[type=submit]")
    desktop.wait_for_url(base + reverse("admin:index"))
    pages = [
        reverse("admin:index"),
        reverse("admin:villages_village_changelist"),
        reverse("admin:villages_membership_add"),
        reverse("admin:pledges_pledgelist_change", args=[pledge_list.pk]),
        reverse("admin:pledges_pledgelist_changelist"),
        reverse("admin:pledges_pledgelist_import"),
        reverse("admin:pledges_project_changelist") + "?q=路灯",
        reverse("admin:audit_securityevent_changelist"),
        reverse("board:board_village", args=[village.code, pledge_list.year]),
        reverse("board:board_poster", args=[village.code, pledge_list.year]),
        reverse("suggestions:suggest", args=[village.code]),
        reverse("pledges:pledge_list_detail", args=[pledge_list.pk]),
    ]
    for url in pages:
        response = desktop.goto(base + url)
        assert response.status < 400, url
        assert "default-src 'self'" in response.headers["content-security-policy"]
    # The membership form's autocomplete (select2) opens and searches.
    desktop.goto(base + reverse("admin:villages_membership_add"))
    desktop.locator(".field-village .select2-selection").click()
    desktop.keyboard.type(village.name[:2])
    desktop.wait_for_selector(".select2-results__option")
    unexpected = [text for text in desktop.refusals if not any(k in text for k in KNOWN)]
    assert unexpected == [], "\n".join(unexpected)
