"""Which of the board's reads may go to the read replica (DATABASE_REPLICA_URL), and the rule
that keeps a cached page from being older than its data stamp.

The router (config/routers.py) asks `alias_for_read()` for every ORM read. The answer is the
replica only inside `board_reads()` (a GET under /board/ or /api/ from a visitor without a
session, set by board/middleware.py: logged-in users read on the primary), outside any
transaction and before any write of the request (a statement other than SELECT on the
primary), and then only:

- for a page or answer cached under a data stamp (responses.py), after the stamp was read
  (what a view looks up before it, as the API's views do, is read on the primary) and only
  when the replica has replayed the primary's WAL as far as it was flushed when the stamp
  was counted (`after_stamp`). The stamp itself is always read on the primary, in the same
  query as that WAL position (stamps.place_stamp), or comes from the cache with it. Every
  write the stamp counts is then on the replica, so what is cached under the stamp is never
  older than it (it may be newer: a later write changes the stamp again). The replica is
  asked how far it has replayed (`pg_last_wal_replay_lsn()`, one cheap query), again every
  2 ms while it is behind, for at most DATABASE_REPLICA_WAIT_MS; still behind, the page is
  read on the primary;
- for a page that caches nothing under a stamp (`reads_may_lag`: the index, search, poster,
  plate, downloads), as it is: such a page is as old as the replica's lag, and only for as
  long as that lasts.

A replica that does not answer is left alone for RETRY_SECONDS and the primary reads instead.
Without DATABASE_REPLICA_URL there is no replica alias and nothing here does anything.
"""

import contextvars
import logging
import time
from contextlib import contextmanager
from dataclasses import dataclass
from functools import wraps

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, DatabaseError, connections

ALIAS = "replica"
RETRY_SECONDS = 5
# The WAL position of a stamp is unknown (counted without a replica, or not on PostgreSQL).
UNKNOWN = None
logger = logging.getLogger(__name__)


@dataclass
class _Reads:
    """One board request's reads: how far the replica must have replayed (None: no stamp
    read yet, so the primary), whether the request wrote, how far the replica had replayed
    when last asked, and whether it was found behind (then it is not waited for again)."""

    needed: int | None = None
    primary_only: bool = False
    replayed: int = -1
    behind: bool = False


_reads: contextvars.ContextVar[_Reads | None] = contextvars.ContextVar(
    "board_replica_reads", default=None
)
_down_until = 0.0


def configured() -> bool:
    return ALIAS in connections.settings


@contextmanager
def board_reads(active: bool = True):
    """The reads in this block are a public board request's: they may go to the replica."""
    if not (active and configured()):
        yield
        return
    token = _reads.set(_Reads())
    try:
        with connections[DEFAULT_DB_ALIAS].execute_wrapper(_note_writes):
            yield
    finally:
        _reads.reset(token)


def _note_writes(execute, sql, params, many, context):
    """Every statement on the primary passes here: anything but a SELECT (or WITH ... SELECT,
    the data stamp) is taken for a write, after which the request reads its own writes."""
    if many or not sql.lstrip()[:6].upper().startswith(("SELECT", "WITH")):
        _wrote()
    return execute(sql, params, many, context)


def reads_may_lag(view):
    """A board view that caches nothing under a data stamp reads on the replica as it is."""

    @wraps(view)
    def wrapper(*args, **kwargs):
        state = _reads.get()
        if state is not None and state.needed is None:
            state.needed = 0
        return view(*args, **kwargs)

    return wrapper


def after_stamp(position: int | None) -> None:
    """A data stamp counted at WAL `position` of the primary was read: what is read from now
    on is kept under it, so it may come from the replica only once that is replayed."""
    state = _reads.get()
    if state is None:
        return
    if position is UNKNOWN:
        state.primary_only = True
    else:
        state.needed = max(state.needed or 0, position)


def _wrote() -> None:
    state = _reads.get()
    if state is not None:
        state.primary_only = True


def alias_for_read() -> str | None:
    """The replica for this read, or None (the primary)."""
    state = _reads.get()
    if state is None or state.primary_only or state.needed is None:
        return None
    if connections[DEFAULT_DB_ALIAS].in_atomic_block:
        return None
    if not _has_replayed(state.replayed, state.needed) and not state.behind:
        state.replayed = _wait_for(state.needed)
        state.behind = not _has_replayed(state.replayed, state.needed)
    return ALIAS if _has_replayed(state.replayed, state.needed) else None


# The smallest WAL record, its header (SizeOfXLogRecord).
WAL_RECORD_MIN = 24


def _has_replayed(replayed: int, needed: int) -> bool:
    """Whether a replica at `replayed` (the end of the last record it replayed) has every
    record that ends at or before `needed`. The primary's flush position may lie past the
    end of its last record (alignment, the rest of a page) where the replay position never
    comes; but a record not yet replayed starts at or after `replayed` and is at least
    WAL_RECORD_MIN long, so it ends after `needed` when `needed` is that close."""
    return replayed >= 0 and replayed + WAL_RECORD_MIN > needed


def _wait_for(needed: int) -> int:
    """The replica's replay position once it has `needed`, asking again every 2 ms for at
    most DATABASE_REPLICA_WAIT_MS (streaming on a local network lags a few ms behind a
    commit); or the last position it gave."""
    deadline = time.monotonic() + settings.DATABASE_REPLICA_WAIT_MS / 1000
    while not _has_replayed(replayed := _replayed(), needed) and replayed >= 0:
        if time.monotonic() >= deadline:
            break
        time.sleep(0.002)
    return replayed


def _replayed() -> int:
    """How far the replica has replayed the primary's WAL (bytes), -1 when it does not
    answer or is no replica (a promoted standby answers NULL)."""
    global _down_until
    if time.monotonic() < _down_until:
        return -1
    try:
        with connections[ALIAS].cursor() as cursor:
            cursor.execute("SELECT pg_last_wal_replay_lsn() - '0/0'")
            (position,) = cursor.fetchone()
    except DatabaseError:
        logger.warning("The read replica does not answer: reading on the primary.", exc_info=True)
        _down_until = time.monotonic() + RETRY_SECONDS
        return -1
    return -1 if position is None else int(position)


# The primary's WAL position as the stamp's query sees it, read after the query's snapshot
# was taken: every commit the stamp counts ends at or before it. A commit is flushed before
# it becomes visible (synchronous_commit on, PostgreSQL's default, or any stronger level),
# so the flush position is enough, and it is what a standby can have; with
# synchronous_commit=off a commit is visible before it is flushed, and only the insert
# position is safe (it may then wait for the WAL writer, up to 200 ms).
WAL_POSITION = (
    ", CASE WHEN current_setting('synchronous_commit') = 'off'"
    " THEN pg_current_wal_insert_lsn() ELSE pg_current_wal_flush_lsn() END - '0/0'"
)


def wal_position_sql() -> str:
    """What the data stamp's query adds to read the primary's WAL position with the stamp:
    nothing without a replica."""
    if configured() and connections[DEFAULT_DB_ALIAS].vendor == "postgresql":
        return WAL_POSITION
    return ""
