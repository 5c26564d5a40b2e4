"""The read replica (DATABASE_REPLICA_URL, board/replica.py, config/routers.py) against a real
PostgreSQL streaming replica: `bash ops/replica/start` makes one of the local cluster on port
5433, then TEST_REPLICA_URL=postgres://postgres@127.0.0.1:5433/ runs these tests.

The test database is made on the primary and reaches the replica by streaming, under the same
name; the tests commit (transaction=True), since a standby sees only committed rows. Which
server answered is told by the connection alias, and the replica alias is checked to be a
standby of the primary.
"""

import json
import os
import subprocess
import sys
import time
from contextlib import contextmanager

import environ
import pytest
from django.core.cache import cache
from django.db import connections, transaction
from django.test import Client, override_settings
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from board import replica
from config.settings import BASE_DIR
from pledges import services
from pledges.models import PledgeList, ProgressUpdate
from tests.factories import MembershipFactory, VillageFactory, full_list
from villages.models import Membership, Village

YEAR = timezone.localdate().year
STAMP = "pg_current_wal_flush_lsn"  # in the data stamp's query, on the primary
CHECK = "pg_last_wal_replay_lsn"  # how far the replica has replayed


def _point_replica_at(url: str) -> None:
    """The replica alias at `url`, with the test database's name, as settings.py's MIRROR
    makes it for DATABASE_REPLICA_URL."""
    primary = connections["default"].settings_dict
    where = environ.Env.db_url_config(url)
    if replica.ALIAS in connections.settings:
        connections[replica.ALIAS].close()
        del connections[replica.ALIAS]
    connections.settings[replica.ALIAS] = {
        **primary,
        **{key: where[key] for key in ("HOST", "PORT", "USER", "PASSWORD") if key in where},
        "TEST": {**primary["TEST"], "MIRROR": "default"},
    }
    replica._down_until = 0.0


NOWHERE = "postgres://postgres@127.0.0.1:9/"  # nothing listens there


@pytest.fixture(scope="module", autouse=True)
def _replica_alias(django_db_setup):
    """The alias exists before each test declares it (databases=...), as Django checks; the
    router is installed by each test that wants it (`routed`)."""
    _point_replica_at(os.environ.get("TEST_REPLICA_URL") or NOWHERE)
    yield
    connections[replica.ALIAS].close()
    del connections[replica.ALIAS]
    del connections.settings[replica.ALIAS]


@pytest.fixture
def routed(settings):
    settings.DATABASE_ROUTERS = ["config.routers.ReplicaRouter"]
    cache.clear()


@pytest.fixture
def standby(routed, settings):
    """The real replica; its replay resumed again afterwards, whatever the test did. A page
    waits longer for it than in production: the primary's flush position can stop in the
    middle of a record (a page written ahead), which the replica replays only once the rest
    is flushed, at the next commit or within the WAL writer's 200 ms; production then reads
    on the primary, the tests want to know where each page is read."""
    settings.DATABASE_REPLICA_WAIT_MS = 3000
    _point_replica_at(os.environ["TEST_REPLICA_URL"])
    yield connections[replica.ALIAS]
    _on_replica("SELECT pg_wal_replay_resume()")


def _on_replica(sql: str):
    with connections[replica.ALIAS].cursor() as cursor:
        cursor.execute(sql)
        return cursor.fetchone()[0]


def _caught_up() -> None:
    """Wait until the replica has replayed everything the primary has written so far."""
    with connections["default"].cursor() as cursor:
        cursor.execute("SELECT pg_current_wal_insert_lsn() - '0/0'")
        target = cursor.fetchone()[0]
    deadline = time.monotonic() + 30
    while _on_replica("SELECT pg_last_wal_replay_lsn() - '0/0'") < target:
        assert time.monotonic() < deadline, "the replica did not catch up in 30 s"
        time.sleep(0.01)


@contextmanager
def _replay_paused():
    _on_replica("SELECT pg_wal_replay_pause()")
    while _on_replica("SELECT pg_get_wal_replay_pause_state()") != "paused":
        time.sleep(0.01)
    try:
        yield
    finally:
        _on_replica("SELECT pg_wal_replay_resume()")


class Served:
    """The queries one request sent to each server."""

    def __init__(self, primary, standby):
        self.primary = [query["sql"] for query in primary]
        standby = [query["sql"] for query in standby]
        self.checks = [sql for sql in standby if CHECK in sql]
        self.replica = [sql for sql in standby if CHECK not in sql]


def _get(url: str, client: Client | None = None):
    """GET as a visitor without a session (unless `client` says otherwise), with the
    queries each server answered."""
    client = client or Client()
    primary, standby = connections["default"], connections[replica.ALIAS]
    with CaptureQueriesContext(primary) as on_primary, CaptureQueriesContext(standby) as on_it:
        response = client.get(url)
    assert response.status_code == 200, response.status_code
    return response, Served(on_primary, on_it)


def _published_village(name: str = "龙江村") -> Village:
    village = VillageFactory(name=name)
    full_list(status=PledgeList.Status.PUBLISHED, village=village, year=YEAR)
    return village


def _village_page(village) -> str:
    return reverse("board:board_village", args=[village.code, YEAR])


def _report_progress(village, percent: int) -> None:
    project = PledgeList.objects.get(village=village, year=YEAR).projects.get(number=1)
    services.progress_update_create(
        project=project, by=None, percent_done=percent, note=f"完成{percent}%"
    )


def on_the_replica(test):
    """Against the real replica, with committed rows."""
    return pytest.mark.replica(committed(test))


committed = pytest.mark.django_db(transaction=True, databases=["default", replica.ALIAS])


@on_the_replica
def test_the_replica_is_a_streaming_standby_holding_the_test_database(standby):
    assert _on_replica("SELECT pg_is_in_recovery()") is True
    assert _on_replica("SELECT current_database()") == connections["default"].settings_dict["NAME"]
    system = "SELECT system_identifier FROM pg_control_system()"
    with connections["default"].cursor() as cursor:
        cursor.execute(system)
        assert cursor.fetchone()[0] == _on_replica(system)


@on_the_replica
def test_a_cold_board_page_reads_its_stamp_on_the_primary_and_the_rest_on_the_replica(standby):
    village = _published_village()
    _caught_up()
    url = _village_page(village)
    with override_settings(DATABASE_ROUTERS=[]):  # as without a replica: all on the primary
        _, alone = _get(url)
    cache.clear()
    page, served = _get(url)
    assert "龙江村" in page.content.decode()
    # primary: the data stamp with the WAL position, nothing else
    assert len(served.primary) == 1 and STAMP in served.primary[0]
    # replica: every other query of the page, as many as the primary answered alone
    assert len(served.replica) == len(alone.primary) - 1 > 5
    assert len(served.checks) >= 1
    # and warm: neither server is asked
    again, warm = _get(url)
    assert again.content == page.content
    assert warm.primary == warm.replica == warm.checks == []


@on_the_replica
@pytest.mark.parametrize("villages", [1, 4])
def test_the_township_page_and_its_api_read_on_the_replica_at_any_size(standby, villages):
    first = _published_village()
    for _ in range(villages - 1):
        full_list(
            status=PledgeList.Status.PUBLISHED,
            village=VillageFactory(township=first.township),
            year=YEAR,
        )
    _caught_up()
    township = first.township.code
    _, page = _get(reverse("board:board_place", args=[township]))
    # primary: the data stamp; replica: the township with its district, the villages'
    # figures, outcomes, reply times, the years (as tests/board counts them on one server)
    assert len(page.primary) == 1 and STAMP in page.primary[0]
    assert len(page.replica) >= 5
    cache.clear()
    answer, api = _get(reverse("board:api_township", args=[township]) + f"?year={YEAR}")
    assert len(answer.json()["villages"]) == villages
    # primary: the township looked up before the stamp, the stamp; the table on the replica
    assert len(api.primary) == 2 and STAMP in api.primary[1]
    assert len(api.replica) >= 3


@on_the_replica
def test_the_village_api_builds_its_answer_on_the_replica(standby):
    village = _published_village()
    _caught_up()
    answer, served = _get(reverse("board:api_village", args=[village.code, YEAR]))
    assert answer.json()["village"]["name"] == "龙江村"
    # primary: the village and its published list looked up (before the stamp), the stamp
    assert len(served.primary) == 3 and STAMP in served.primary[2]
    assert len(served.replica) >= 3


@on_the_replica
def test_pages_cached_under_no_stamp_read_on_the_replica_as_it_is(standby):
    village = _published_village()
    _caught_up()
    for url in (
        reverse("board:board_poster", args=[village.code, YEAR]),
        reverse("board:board_search") + "?q=龙江",
        reverse("board:api_districts"),
    ):
        _, served = _get(url)
        assert served.primary == [], url
        assert len(served.replica) >= 1, url


@on_the_replica
def test_logged_in_pages_read_on_the_primary(standby):
    village = _published_village()
    member = MembershipFactory(role=Membership.Role.VILLAGE_COMMITTEE, village=village).user
    _caught_up()
    client = Client()
    client.force_login(member)
    for url in (_village_page(village), reverse("home")):
        _, served = _get(url, client)
        assert served.replica == served.checks == [], url
        assert served.primary, url


@on_the_replica
def test_writes_and_reads_after_a_write_or_in_a_transaction_go_to_the_primary(standby):
    village = _published_village()
    _caught_up()
    with replica.board_reads():
        replica.after_stamp(0)  # a stamp any replica has replayed
        assert Village.objects.all().db == replica.ALIAS
        with transaction.atomic():
            assert Village.objects.all().db == "default"
        Village.objects.filter(pk=village.pk).update(name="龙江社区")  # a write
        assert Village.objects.all().db == "default"
        assert Village.objects.get(pk=village.pk).name == "龙江社区"  # its own write


@on_the_replica
def test_while_the_replica_lags_a_page_shows_the_write_and_nothing_stale_is_kept(standby, settings):
    village = _published_village()
    url = _village_page(village)
    _caught_up()
    assert 'value="60"' not in _get(url)[0].content.decode()  # kept in the cache
    with _replay_paused():
        settings.DATABASE_REPLICA_WAIT_MS = 100  # as long as the page waits for it
        _report_progress(village, 60)  # committed on the primary, not replayed
        updates = f"SELECT count(*) FROM {ProgressUpdate._meta.db_table}"
        assert ProgressUpdate.objects.count() == _on_replica(updates) + 1
        page, served = _get(url)
        assert 'value="60"' in page.content.decode()
        # the replica was asked how far it had replayed and read nothing: too old
        assert served.replica == [] and served.checks
        assert len(served.primary) > 5
        # what was kept under the new stamp is the new page: served warm, to anyone
        again, warm = _get(url)
        assert 'value="60"' in again.content.decode()
        assert warm.primary == warm.replica == []
    settings.DATABASE_REPLICA_WAIT_MS = 3000
    _report_progress(village, 80)
    _caught_up()
    page, served = _get(url)
    assert 'value="80"' in page.content.decode()
    assert len(served.primary) == 1 and len(served.replica) > 5  # the replica again


@pytest.mark.postgres
@committed
def test_a_replica_that_does_not_answer_leaves_the_board_on_the_primary(routed, caplog):
    _point_replica_at(NOWHERE)
    village = _published_village()
    url = _village_page(village)
    cache.clear()
    page = Client().get(url)
    assert page.status_code == 200 and "龙江村" in page.content.decode()
    assert "read replica does not answer" in caplog.text
    # left alone for a while: the next cold page does not try again
    caplog.clear()
    cache.clear()
    assert Client().get(url).status_code == 200
    assert "read replica does not answer" not in caplog.text


def _settings_with(**environment) -> dict:
    code = (
        "import json; from config import settings as s; "
        "print(json.dumps({'databases': s.DATABASES, "
        "'routers': getattr(s, 'DATABASE_ROUTERS', [])}, default=str))"
    )
    keep = {k: v for k, v in os.environ.items() if not k.startswith("DATABASE")}
    done = subprocess.run(
        [sys.executable, "-c", code],
        cwd=BASE_DIR,
        env={**keep, **environment},
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(done.stdout)


def test_settings_add_the_replica_and_its_router_only_when_asked():
    plain = _settings_with(DATABASE_URL="postgres://postgres@127.0.0.1:5432/pledges")
    assert list(plain["databases"]) == ["default"] and plain["routers"] == []
    both = _settings_with(
        DATABASE_URL="postgres://postgres@127.0.0.1:5432/pledges",
        DATABASE_REPLICA_URL="postgres://postgres@10.0.0.2:5432/pledges",
        CONN_MAX_AGE="60",
    )
    default, standby = both["databases"]["default"], both["databases"]["replica"]
    assert both["routers"] == ["config.routers.ReplicaRouter"]
    assert standby["HOST"] == "10.0.0.2" and standby["TEST"] == {"MIRROR": "default"}
    for key in ("CONN_MAX_AGE", "CONN_HEALTH_CHECKS", "OPTIONS"):
        assert standby[key] == default[key], key
