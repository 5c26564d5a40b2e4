"""The open data API against its OpenAPI document, with schemathesis (issue 16).

Every check on (the answer's status, content type, headers and schema; valid input accepted,
invalid input refused with 4xx; 405 with `Allow` for a method the API does not have; no 5xx;
an answer within 5 s), loaded from /api/v1/openapi.json (generated from the schemas of
board/api.py) and sent in-process to the WSGI application. Bounded: a fixed seed,
derandomized, at most 20 generated inputs per operation beside the document's examples and
schemathesis's coverage cases (about 270 requests, a few seconds). The document's example
codes are the codes of the small board built here, so valid codes answer 200 and their
answers are checked against the schemas too.
"""

import datetime

import pytest
import schemathesis
from django.core.cache import cache
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from django.test.utils import override_settings
from django.utils import timezone
from hypothesis import HealthCheck, settings
from schemathesis.checks import CHECKS, load_all_checks

from pledges.models import PledgeList, Project
from pledges.signals import written_in_bulk
from suggestions.models import Suggestion
from tests.factories import DistrictFactory, TownshipFactory, VillageFactory, full_list

YEAR = 2026  # the year of the document's examples

CONFIG = schemathesis.Config.from_dict(
    {
        "seed": 16,
        "generation": {"max-examples": 20, "deterministic": True, "database": "none"},
        "checks": {"enabled": True, "max_response_time": 5.0},
    }
)
# Loading the document resolves a URL, which imports the URLconf: with DEBUG off, as in every
# test, so the rest of the suite sees the same routes (no debug media route).
application = get_wsgi_application()
with override_settings(DEBUG=False):
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", application, config=CONFIG)


@pytest.fixture
def example_board(db):
    """The codes of the document's examples: a district, a township, a community with a
    published list (a project verified, a suggestion answered) and a village with a draft."""
    cache.clear()  # answers are cached by their data stamp
    district = DistrictFactory(code="520302", name="红花岗区")
    township = TownshipFactory(district=district, code="520302001", name="老城街道")
    village = VillageFactory(township=township, code="520302001001", name="龙江社区")
    pledge_list = full_list(status=PledgeList.Status.PUBLISHED, village=village, year=YEAR)
    pledge_list.projects.filter(number=1).update(
        status=Project.Status.VERIFIED, verified_at=timezone.now()
    )
    # A write that bypasses the models says so, or the board's figures would not see it.
    written_in_bulk.send(sender=Project, village_ids=[village.pk])
    Suggestion.objects.create(
        village=village,
        year=YEAR,
        text="村口没有路灯",
        status=Suggestion.Status.ADOPTED,
        reply="已纳入第1件实事",
        replied_at=timezone.now(),
        received=datetime.date(YEAR, 3, 2),
    )
    full_list(village=VillageFactory(township=township, code="520302001002"), year=YEAR)
    # As Django's test client does: the WSGI handler would close the database connection
    # after each request, and the test's transaction with it (on PostgreSQL; SQLite's
    # in-memory database is never closed).
    for signal in (request_started, request_finished):
        signal.disconnect(close_old_connections)
    yield
    for signal in (request_started, request_finished):
        signal.connect(close_old_connections)
    cache.clear()


def test_every_check_is_on():
    load_all_checks()
    checks = schema.config.checks_config_for()
    assert all(checks.get_by_name(name=name).enabled for name in CHECKS.get_all_names())
    assert checks.max_response_time.enabled
    assert set(schema.config.generation.modes) == set(schemathesis.GenerationMode)


@schema.parametrize()
@settings(
    derandomize=True,
    database=None,
    deadline=None,
    # One board per operation, read by all its inputs: the API only reads.
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
def test_the_api_keeps_to_its_document(case, example_board):
    # A WSGI server always gives the client's address (Werkzeug's test client does not);
    # the limit on anonymous POSTs counts by it.
    case.call_and_validate(environ_base={"REMOTE_ADDR": "127.0.0.1"})
