"""The city administrator (市/州): reads what a district administrator reads in the city's
districts, writes nothing of the villages'. Every URL of the project is posted to as the city
administrator (empty, and with each form those who write there are shown, filled in), every
permission of every rules.py is asked for on each object of the city (none lets them write),
and every link from their landing page is followed (each opens)."""

import re
from collections import deque
from html.parser import HTMLParser

import rules
from django.apps import apps
from django.core.cache import cache
from django.db import transaction
from django.test import TestCase
from django.urls import reverse
from django.utils import timezone

from audit.models import SecurityEvent
from pledges.models import PledgeList
from tests.audit import world
from tests.audit.test_scope_walk import body_of, walk_urls
from tests.factories import (
    CityFactory,
    DistrictFactory,
    MembershipFactory,
    VillageFactory,
    full_list,
)
from villages.models import Membership

YEAR = timezone.localdate().year

Role = Membership.Role
# Logs of the requests themselves, not the villages' data.
NOT_DATA = {"sessions", "audit", "axes", "admin"}


def _fingerprint() -> list:
    """Every row of every table of the villages' data, in full: any write changes it (a
    conditional UPDATE of a status included, which leaves `modified` alone)."""
    found = []
    for model in apps.get_models():
        if model._meta.app_label in NOT_DATA:
            continue
        found.append(list(model._base_manager.order_by("pk").values_list()))
    return found


class _Forms(HTMLParser):
    """The POST forms of a page: for each, its action and its fields filled as a person who
    may use it would (the values shown, an empty box given something to say), one copy per
    named submit button."""

    FILL = {"date": "2026-06-01", "number": "1", "tel": "13900000099", "email": "a@example.org"}

    def __init__(self):
        super().__init__()
        self.forms, self._form, self._select, self._textarea = [], None, None, None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form" and attrs.get("method", "").lower() == "post":
            self._form = {"action": attrs.get("action") or "", "data": {}, "buttons": []}
            self.forms.append(self._form)
        if self._form is None or not attrs.get("name"):
            return
        data, name, kind = self._form["data"], attrs["name"], attrs.get("type", "text")
        if tag == "button" or kind == "submit":
            self._form["buttons"].append((name, attrs.get("value", "")))
        elif tag == "input" and kind in ("checkbox", "radio"):
            if "checked" in attrs or name not in data:
                data[name] = attrs.get("value", "on")
        elif tag == "input" and kind != "file":
            data[name] = attrs.get("value") or self.FILL.get(kind, "城市管理员写的")
        elif tag == "select":
            self._select = name
        elif tag == "option" and self._select and ("selected" in attrs or self._select not in data):
            data[self._select] = attrs.get("value", "")
        elif tag == "textarea":
            self._textarea = name
            data[name] = ""

    def handle_data(self, text):
        if self._form is not None and self._textarea:
            self._form["data"][self._textarea] += text

    def handle_endtag(self, tag):
        if tag == "textarea" and self._textarea:
            data = self._form["data"]
            data[self._textarea] = data[self._textarea].strip() or "城市管理员写的"
            self._textarea = None
        elif tag == "select":
            self._select = None
        elif tag == "form":
            self._form = None

    def posts(self, url: str) -> list[dict]:
        """The filled data of each form that posts to `url`."""
        found = []
        for form in self.forms:
            if form["action"].split("?")[0] not in ("", url.split("?")[0]):
                continue
            found += [{**form["data"], b: v} for b, v in form["buttons"]] or [form["data"]]
        return found


# What a city administrator may do: read what a district administrator reads in the city —
# the tree's pages, the lists (their 4+2 records), progress, reviews (with the reviewers'
# names), suggestions, the candidate pool, residents' challenges and reports, notices.
READS = {
    "villages.view_city",
    "villages.view_district",
    "villages.view_township",
    "villages.view_village",
    "pledges.view_pledge_list",
    "pledges.view_progress",
    "reviews.view_review",
    "reviews.see_voting_guide",
    "reviews.view_invitations",
    "suggestions.view_suggestion",
    "suggestions.view_suggestion_backlog",
    "suggestions.view_candidates",
    "residents.view_challenge",
    "residents.view_report",
    "residents.see_contact",
    "notices.view_township_notices",
    "notices.view_notice",
}


class CityAdminWritesNothingTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.world = world.build()
        cls.city_admin = cls.world["users"]["city_admin"]
        cls.nobody = cls.world["users"]["no_role"]

    def setUp(self):
        cache.clear()

    def _writes(self, user, url: str, data: dict) -> bool:
        """Whether `user` posting `data` to `url` changes the villages' data (rolled back)."""
        with transaction.atomic():
            cache.clear()  # rate limits
            self.client.force_login(user)
            before = _fingerprint()
            self.client.post(url, data)
            changed = _fingerprint() != before
            transaction.set_rollback(True)
        return changed

    def _forms_of_those_who_write(self, url: str) -> list[dict]:
        """The forms the district, township and committee see at `url`, filled in."""
        found = []
        for role in ("district_admin", "township_cadre", "village_committee"):
            self.client.force_login(self.world["users"][role])
            response = self.client.get(url)
            if response.status_code == 200 and "html" in response.get("Content-Type", ""):
                parser = _Forms()
                parser.feed(response.content.decode())
                found += [data for data in parser.posts(url) if data not in found]
        return found

    def test_every_post_is_refused_as_for_a_user_without_a_role(self):
        """Every URL posted to empty, and with every form those who write there see, filled
        in: a POST that changes anything as the city administrator changes it as well for
        anybody logged in (the public forms: a suggestion, a ballot, the language)."""
        urls, _problems = walk_urls(self.world["fillers"])  # the scope walk reports those
        wrote, filled = [], 0
        for name, url in urls:
            posts = [{}, *self._forms_of_those_who_write(url)]
            filled += len(posts) - 1
            for data in posts:
                if self._writes(self.city_admin, url, data) and not self._writes(
                    self.nobody, url, data
                ):
                    wrote.append(f"POST {url} ({name}) {sorted(data)}: the data changed")
        self.assertEqual(wrote, [], "\n".join(wrote))
        self.assertGreater(len(urls), 100)
        self.assertGreater(filled, 30)  # the forms were found and posted

    def test_no_permission_but_reading_the_tree_is_granted_on_the_citys_objects(self):
        side = self.world["sides"]["A"]
        objects = [
            side["district"].city,
            side["district"],
            side["township"],
            side["village"],
            side["published"],
            side["draft"],
            side["project"],
            side["draft_project"],  # a draft's progress is not the public's to read
            side["completed"],
            side["change"],
            side["escalation"],
            *side["suggestions"],
            side["challenge"],
            side["report"],
            side["review"],
            side["invitation"],
            side["import_job"],
            side["open_year_job"],
            side["notice"],
        ]

        def granted(user):
            return {
                (name, index)
                for name in rules.permissions.permissions
                for index, obj in enumerate(objects)
                if user.has_perm(name, obj)
            }

        # what anybody may do with the public parts (e.g. read a published list's progress)
        public = granted(self.nobody)
        self.assertEqual({name for name, _obj in granted(self.city_admin) - public}, READS)


def _follow_links(client, *, depth: int = 6) -> tuple[set, dict]:
    """Every page reached by following links from the landing page, breadth first (the
    public board's pages, log-in and static files aside): (pages opened, {refused: from})."""
    seen, refused, queue = set(), {}, deque([("/", 0, "")])
    while queue:
        url, level, source = queue.popleft()
        if url in seen or level > depth:
            continue
        seen.add(url)
        response = client.get(url)
        if response.status_code >= 400:
            refused[url] = f"{response.status_code} from {source}"
            continue
        if response.status_code != 200 or "html" not in response.get("Content-Type", ""):
            continue
        for href in re.findall(r'href="(/[^"#]*)"', response.content.decode()):
            href = href.replace("&amp;", "&")
            if not href.startswith(("/static", "/accounts", "/admin", "/media", "/board/")):
                queue.append((href, level + 1, url))
    return seen, refused


class CityAdminFollowsLinksTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.world = world.build()

    def setUp(self):
        cache.clear()

    def walk(self, role: str) -> tuple[set, dict]:
        self.client.force_login(self.world["users"][role])
        return _follow_links(self.client)

    def test_every_link_it_is_shown_opens_as_for_the_district_administrator(self):
        """From its landing page the city administrator reaches the villages' lists, their
        4+2 records and pools, reviews, suggestions, residents' posts and notices, and is
        refused only what the district administrator is refused too (nothing to write)."""
        seen, refused = self.walk("city_admin")
        district_seen, district_refused = self.walk("district_admin")
        side = self.world["sides"]["A"]
        village, published = side["village"], side["published"]
        for url in (
            reverse("dashboards:city_overview", args=[side["district"].city.code]),
            reverse("dashboards:district_overview", args=[side["district"].code]),
            reverse("dashboards:township_dashboard", args=[side["township"].code]),
            reverse("pledges:village_list", args=[village.code]),
            reverse("pledges:pledge_list_detail", args=[published.pk]),
            reverse("pledges:decision_record", args=[published.pk]),
            reverse("pledges:project_detail", args=[side["project"].pk]),
            reverse("suggestions:suggestion_inbox", args=[village.code]),
            reverse("suggestions:candidate_pool", args=[village.code, YEAR]),
            reverse("reviews:review_detail", args=[side["review"].pk]),
            reverse("residents:challenge_detail", args=[side["challenge"].pk]),
            reverse("notices:township_notices", args=[side["township"].code]),
        ):
            with self.subTest(url=url):
                self.assertIn(url, {u.split("?")[0] for u in seen})
        self.assertEqual(
            {url: why for url, why in refused.items() if url not in district_refused}, {}
        )
        # The problems passed up: shown to both, the form to answer linked for who answers.
        answer = reverse("pledges:escalation_answer", args=[side["escalation"].pk])
        self.assertIn(answer, district_seen)
        self.assertNotIn(answer, seen)

    def test_its_export_of_suggestions_has_no_names_and_is_in_the_security_log(self):
        self.client.force_login(self.world["users"]["city_admin"])
        township = self.world["sides"]["A"]["township"]
        url = reverse("imports:export", args=[township.code, "suggestions"])
        response = self.client.get(url, {"year": YEAR})
        self.assertEqual(response.status_code, 200)
        text = body_of(response)
        self.assertIn("希望修路", text)  # it reads the residents' suggestions
        self.assertNotIn("LEAKANAME", text)  # not who wrote them: that export is the township's
        event = SecurityEvent.objects.get(kind=SecurityEvent.Kind.EXPORT)
        self.assertEqual(event.user, self.world["users"]["city_admin"])
        self.assertEqual(event.detail["personal"], False)


class CityAdminReadsTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.city = CityFactory(code="5203", name="遵义市")
        cls.district = DistrictFactory(code="520302", name="红花岗区", city=cls.city)
        cls.village = VillageFactory(township__district=cls.district)
        full_list(status=PledgeList.Status.PUBLISHED, village=cls.village, year=YEAR)
        cls.other = VillageFactory(township__district=DistrictFactory(code="520102"))
        cls.user = MembershipFactory(role=Role.CITY_ADMIN, city=cls.city).user

    def setUp(self):
        self.client.force_login(self.user)

    def test_it_reads_the_pages_of_the_citys_places_only(self):
        village = self.village
        for url in (
            reverse("dashboards:city_overview", args=[self.city.code]),
            reverse("villages:district_detail", args=[self.district.code]),
            reverse("villages:township_detail", args=[village.township.code]),
            reverse("villages:village_detail", args=[village.code]),
            reverse("dashboards:district_overview", args=[self.district.code]),
        ):
            with self.subTest(url=url):
                self.assertEqual(self.client.get(url).status_code, 200)
        other = self.other
        for url in (
            reverse("dashboards:city_overview", args=[other.township.district.city.code]),
            reverse("villages:district_detail", args=[other.township.district.code]),
            reverse("villages:village_detail", args=[other.code]),
        ):
            with self.subTest(url=url):
                self.assertEqual(self.client.get(url).status_code, 403)

    def test_the_landing_links_to_the_city_page_and_the_districts(self):
        home = self.client.get(reverse("home"))
        overview = reverse("dashboards:city_overview", args=[self.city.code])
        self.assertContains(home, f'href="{overview}"')
        self.assertContains(home, f'href="{reverse("board:board_place", args=["5203"])}"')
        page = self.client.get(overview)
        self.assertContains(
            page, f'href="{reverse("dashboards:district_overview", args=[self.district.code])}"'
        )
        self.assertContains(page, f'href="{reverse("board:board_place", args=["520302"])}"')

    def test_the_scope_loads_in_one_query_with_the_citys_districts(self):
        user = Membership.objects.get(user=self.user).user
        with self.assertNumQueries(1):
            scope = Membership.objects.scope_for(user)
        self.assertEqual(scope.city_ids, {self.city.pk})
        self.assertEqual(scope.city_district_ids, {self.district.pk})
        self.assertEqual(scope.district_ids, frozenset())  # no district administrator's writes


class CityInTheAdminTests(TestCase):
    def test_a_district_is_added_under_its_city_and_its_code_checked(self):
        from django.contrib.auth import get_user_model

        from villages.models import District

        admin = get_user_model().objects.create_superuser("root", "r@example.org", "x-Pass-2026")
        self.client.force_login(admin)
        city = CityFactory(code="5203", name="遵义市")
        self.assertContains(self.client.get(reverse("admin:villages_city_changelist")), "遵义市")
        url = reverse("admin:villages_district_add")
        wrong = self.client.post(url, {"city": city.pk, "code": "520102", "name": "南明区"})
        self.assertContains(wrong, "5203")
        self.assertFalse(District.objects.exists())
        self.client.post(url, {"city": city.pk, "code": "520303", "name": "汇川区"})
        self.assertEqual(District.objects.get().city, city)
