"""Every URL pattern of the project, as every role, with parameters from both townships:
no page and no export shows another township's non-public data (tests/audit/world.py plants
a marker in each piece of it), and no page fails.

The patterns come from the resolver, so pages added later are walked without touching this
file, as long as their parameters follow a known shape (FILLERS). A parameter the walk cannot
fill fails the test with a message saying where to add it; NOT_WALKED is the short list of
patterns deliberately left out, each with its reason.
"""

import io
import itertools
import re
import zipfile
from collections import Counter

from django.core.cache import cache
from django.test import TestCase
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from audit.models import SecurityEvent
from tests.audit import world

# (literal path segment before the parameter, parameter name) → kind of value (world.py).
# The segment is the last literal one before the parameter ("lists" in lists/<int:pk>/edit/).
FILLERS = {
    ("cities", "code"): "city_code",
    ("districts", "code"): "district_code",
    ("townships", "code"): "township_code",
    ("villages", "code"): "village_code",
    ("board", "code"): "place_code",
    ("export", "code"): "place_code",
    ("suggest", "code"): "village_code",
    ("thanks", "code"): "receipt_code",
    ("track", "code"): "receipt_code",
    ("preview", "village_code"): "village_code",
    ("lists", "pk"): "pledge_list",
    ("projects", "pk"): "project",
    ("changes", "pk"): "change_request",
    ("escalations", "pk"): "escalation",
    ("suggestions", "pk"): "suggestion",
    ("imports", "pk"): "import_job",
    ("open-year", "pk"): "open_year_job",
    ("replies", "pk"): "reply_template",
    ("challenges", "pk"): "challenge",
    ("reports", "pk"): "report",
    ("stop", "token"): "follow_token",
    ("reviews", "pk"): "review",
    ("invitations", "pk"): "invitation",
    ("ballot", "review"): "review",
    ("ballot", "token"): "ballot_token",
    ("notices", "pk"): "notice",
    ("deliveries", "pk"): "delivery",
    ("export", "what"): "export_what",
    ("language", "code"): "language",
    ("decision", "step"): "decision_step",
}
# Whatever the segment.
FILLERS_BY_NAME = {"year": "year", "number": "number"}

# Patterns not walked: a regular expression on the route, and why.
NOT_WALKED = {
    r"^media/": "uploaded files by their stored name (no marker text in an image); who may "
    "see each kind, as every role, is tested in tests/ops/test_media.py",
}

ROLES = [
    "city_admin",
    "district_admin",
    "township_cadre",
    "village_committee",
    "reviewer",
    "no_role",
    "anonymous",
]
PARAMETER = re.compile(r"<(?:(?P<converter>[^>:]+):)?(?P<name>[^>]+)>|\(\?P<(?P<regex_name>\w+)>")


def walk_patterns(resolver=None, prefix="", namespace=""):
    """(route, "namespace:name") of every pattern, includes flattened."""
    resolver = resolver or get_resolver()
    for entry in resolver.url_patterns:
        route = prefix + str(entry.pattern)
        if isinstance(entry, URLResolver):
            inner = namespace
            if entry.namespace:
                inner = f"{namespace}:{entry.namespace}" if namespace else entry.namespace
            yield from walk_patterns(entry, route, inner)
        elif isinstance(entry, URLPattern):
            name = f"{namespace}:{entry.name}" if namespace and entry.name else entry.name
            yield route, name, entry


def parameters(route: str) -> list[tuple[str, str]]:
    """(segment, name) of each parameter, in order."""
    found, last_literal = [], ""
    for piece in re.split(r"(<[^>]+>|\(\?P<\w+>[^)]*\))", route):
        match = PARAMETER.match(piece)
        if match:
            found.append((last_literal, match.group("name") or match.group("regex_name")))
            continue
        literals = [p for p in re.split(r"[/^$]", piece) if p and not p.startswith(".")]
        if literals:
            last_literal = literals[-1]
    return found


def filler_for(segment: str, name: str) -> str | None:
    return FILLERS.get((segment, name)) or FILLERS_BY_NAME.get(name)


def body_of(response) -> str:
    """Page text, or for a download every file inside it (xlsx is a zip of XML)."""
    if getattr(response, "streaming", False):
        content = b"".join(response.streaming_content)
    else:
        content = response.content
    if content[:4] == b"PK\x03\x04":
        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            return "".join(archive.read(n).decode("utf-8", "replace") for n in archive.namelist())
    return content.decode("utf-8", "replace")


def walk_urls(fillers: dict) -> tuple[list, list]:
    """([(pattern name, url)], [problems]) for every walked pattern, both sides."""
    urls, problems = [], []
    for route, name, _entry in walk_patterns():
        if route.startswith("admin/") or any(re.search(p, route) for p in NOT_WALKED):
            continue
        params = parameters(route)
        kinds = {param: filler_for(segment, param) for segment, param in params}
        missing = [f"<{param}> after '{seg}/'" for seg, param in params if not kinds[param]]
        if missing:
            problems.append(
                f"{route} ({name}): cannot fill {', '.join(missing)}. Add the parameter's "
                "shape to FILLERS in tests/audit/test_scope_walk.py and its values (home "
                "and other township) to _fillers in tests/audit/world.py."
            )
            continue
        if not name:
            problems.append(f"{route}: has no name, so the walk cannot build its URL")
            continue
        combos = set()
        for side in world.SIDES:
            values = [
                fillers[kind].get(side, fillers[kind].get("*", [])) for kind in kinds.values()
            ]
            if any(not v for v in values):
                problems.append(
                    f"{route} ({name}): world.py has no {side} value for "
                    f"{[k for k, v in zip(kinds.values(), values, strict=True) if not v]}"
                )
                continue
            for combo in itertools.product(*values):
                combos.add(tuple(zip(kinds, combo, strict=True)))
        for combo in sorted(combos, key=repr):
            urls.append((name, reverse(name, kwargs=dict(combo))))
    return urls, problems


class ScopeWalkTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.world = world.build()

    def setUp(self):
        cache.clear()  # rate-limit counters and cached pages from other tests

    def test_no_page_or_export_shows_another_townships_private_data(self):
        urls, problems = walk_urls(self.world["fillers"])
        self.assertEqual(problems, [], "\n".join(problems))
        leaks, errors, statuses, seen_at_home = [], [], Counter(), set()
        for role in ROLES:
            user = self.world["users"][role]
            self.client.logout()
            if user is not None:
                self.client.force_login(user)
            forbidden = world.markers(role)
            for name, url in urls:
                try:
                    response = self.client.get(url)
                except Exception as error:  # a page that fails is a finding too
                    errors.append(f"{role} GET {url} ({name}): {type(error).__name__}: {error}")
                    continue
                statuses[response.status_code] += 1
                if response.status_code >= 500:
                    errors.append(f"{role} GET {url} ({name}): {response.status_code}")
                    continue
                text = body_of(response)
                if role == "township_cadre":
                    seen_at_home.update(re.findall(r"LEAKA[A-Z]+", text))
                shown = [marker for marker in forbidden if marker in text]
                if shown:
                    leaks.append(f"{role} GET {url} ({name}) shows {shown}")
        refused_events = SecurityEvent.objects.filter(kind=SecurityEvent.Kind.REFUSED).count()
        self.__class__.figures = {
            "patterns": len({name for name, _url in urls}),
            "urls": len(urls),
            "roles": len(ROLES),
            "requests": sum(statuses.values()),
            "statuses": dict(sorted(statuses.items())),
            "events logged": SecurityEvent.objects.count(),
        }
        print(f"\nscope walk: {self.figures}")
        self.assertEqual(errors, [], "\n".join(errors))
        self.assertEqual(leaks, [], "\n".join(leaks))
        self.assertGreater(statuses[403], 0)  # the walk did meet the permission checks
        self.assertEqual(refused_events, statuses[403])  # and every refusal is in the log
        # The markers do show where they belong: the search would find a leak.
        markers = ("LEAKADRAFT", "LEAKANAME", "LEAKAESCALATION", "LEAKACHANGE", "LEAKACANDIDATE")
        for marker in markers:
            self.assertIn(marker, seen_at_home)

    def test_every_admin_page_sends_non_staff_to_the_admin_log_in(self):
        """No role here is staff: the admin, with its unscoped lists, is closed to them."""
        admin_urls, problems = [], []
        for route, name, _entry in walk_patterns():
            if not route.startswith("admin/"):
                continue
            kwargs = {}
            for _segment, param in parameters(route):
                kwargs[param] = {"app_label": "villages", "url": "nowhere/"}.get(param, "1")
            try:
                if name and not kwargs and "(" in route:  # unnamed regex groups
                    groups = route.count("(") - route.count("(?")
                    admin_urls.append(reverse(name, args=["1"] * groups))
                elif name:
                    admin_urls.append(reverse(name, kwargs=kwargs))
                else:  # the admin's unnamed redirect from <object_id>/ to its change page
                    admin_urls.append("/" + re.sub(r"<[^>]+>", "1", route))
            except Exception as error:
                problems.append(f"{route} ({name}): {error}")
        self.assertEqual(problems, [])
        login = reverse("admin:login")
        for role in ROLES:
            user = self.world["users"][role]
            self.client.logout()
            if user is not None:
                self.client.force_login(user)
            for url in admin_urls:
                with self.subTest(role=role, url=url):
                    response = self.client.get(url)
                    if url.startswith(login) or url == reverse("admin:logout"):
                        self.assertIn(response.status_code, (200, 302, 405))
                    else:
                        self.assertEqual(response.status_code, 302)
                        self.assertTrue(response["Location"].startswith(login))

    def test_an_unknown_parameter_shape_fails_with_a_clear_message(self):
        self.assertIsNone(filler_for("widgets", "pk"))
        self.assertEqual(parameters("pledges/lists/<int:pk>/edit/"), [("lists", "pk")])
        self.assertEqual(
            parameters("ballot/<int:review>/<str:token>/"),
            [("ballot", "review"), ("ballot", "token")],
        )
