"""Values of the Redis cache kept in this process, forgotten the moment Redis says they changed.

Redis's own server-assisted client-side caching (CLIENT TRACKING, Redis 6+): one connection
per process asks Redis to report every change to keys under a prefix (BCAST mode, redirected
to itself and read as the `__redis__:invalidate` channel); before each read the process takes
whatever reports have arrived (one poll of the socket, a few µs) and forgets those keys. A
value read here is therefore as fresh as one read from Redis, without the round trip: Redis
queues the report before it answers the write, so by the time a writer's delete returns the
report is on every reader's socket (tests/ops/test_near.py).

redis-py's built-in client-side cache does the same but needs Redis 7.4; Debian 12 (and
servers a county runs) ship 7.0. When the cache is not Redis (the embedded default, tests),
or the tracking connection fails, every read goes to the cache as before; after a failure
the connection is tried again after CACHE_RETRY_SECONDS. A value is kept at most
NEAR_CACHE_SECONDS in any case, which bounds a report lost in a way the socket did not show.
"""

import logging
import os
import threading
import time

import redis
from django.conf import settings
from django.core.cache import cache, caches
from redis.exceptions import RedisError

from .cache import RedisCache

logger = logging.getLogger("ops")

_CHANNEL = b"__redis__:invalidate"
_ABSENT = object()  # kept for a key Redis does not hold: its creation is reported too


class NearCache:
    """`get_many` for keys that start with `prefix`, kept in this process while Redis reports
    no change to them; everything else (and writes) go to Django's cache as usual."""

    def __init__(self, prefix: str):
        self.prefix = prefix
        self._lock = threading.Lock()
        self._values: dict[str, tuple] = {}  # full cache key -> (value, monotonic deadline)
        self._reports = 0  # reports taken so far: a read that spans one keeps nothing
        self._connection = None
        self._pid = None
        self._retry_at = 0.0

    # --- reading ---------------------------------------------------------------------------

    def get_many(self, keys: list[str], also: tuple = ()) -> dict:
        """The values of `keys` (under the prefix), from this process when it has them; the
        rest, with the keys in `also` (never kept here), in one round trip to the cache."""
        with self._lock:
            if not self._listening():
                return cache.get_many([*keys, *also])
            now = time.monotonic()
            full = {key: cache.make_key(key) for key in keys}
            found, known = {}, set()
            for key, full_key in full.items():
                kept = self._values.get(full_key)
                if kept is not None and kept[1] > now:
                    known.add(key)
                    if kept[0] is not _ABSENT:
                        found[key] = kept[0]
            reports = self._reports
        missing = [key for key in keys if key not in known]
        if not missing and not also:
            return found
        fetched = cache.get_many([*missing, *also])
        with self._lock:
            # A report taken meanwhile may be about what was just read: keep nothing then.
            if self._listening() and self._reports == reports:
                deadline = time.monotonic() + settings.NEAR_CACHE_SECONDS
                for key in missing:  # a key Redis does not have is kept as such too
                    self._values[full[key]] = (fetched.get(key, _ABSENT), deadline)
        return {**found, **fetched}

    def tracking(self) -> bool:
        """Whether Redis reports changes to this process (else every read goes to Redis)."""
        return self._connection is not None and self._pid == os.getpid()

    def forget(self, keys: list[str]) -> None:
        """Forget at once what this process itself changed (Redis will report it too)."""
        with self._lock:
            for key in keys:
                self._values.pop(cache.make_key(key), None)

    # --- the tracking connection ----------------------------------------------------------

    def _listening(self) -> bool:
        """Take the reports that have arrived; False when reads must go to the cache."""
        if self._pid != os.getpid():  # a forked worker: the parent's socket is not ours
            self._connection, self._pid, self._values = None, os.getpid(), {}
        if self._connection is None and (time.monotonic() < self._retry_at or not self._connect()):
            return False
        try:
            while self._connection.can_read(timeout=0):
                self._take(self._connection.read_response())
        except (RedisError, OSError) as error:
            self._fail(error)
            return False
        return True

    def _take(self, message) -> None:
        if not (isinstance(message, list) and message[:2] == [b"message", _CHANNEL]):
            return  # the subscription's own confirmation
        self._reports += 1
        if message[2] is None:  # FLUSHDB / FLUSHALL
            self._values.clear()
            return
        for key in message[2]:
            self._values.pop(key.decode(), None)

    def _connect(self) -> bool:
        url = _redis_url()
        if url is None:
            self._retry_at = float("inf")  # not Redis: nothing to track, ever
            return False
        try:
            connection = redis.ConnectionPool.from_url(
                url, protocol=2, socket_timeout=2, socket_connect_timeout=2
            ).make_connection()
            connection.connect()
            connection.send_command("CLIENT", "ID")
            client_id = connection.read_response()
            prefix = cache.make_key(self.prefix)
            connection.send_command(
                "CLIENT", "TRACKING", "ON", "REDIRECT", client_id, "BCAST", "PREFIX", prefix
            )
            connection.read_response()
            connection.send_command("SUBSCRIBE", _CHANNEL)
            connection.read_response()
        except (RedisError, OSError) as error:
            self._fail(error)
            return False
        self._connection, self._values = connection, {}
        return True

    def _fail(self, error) -> None:
        logger.warning("near cache off for now (%s): reading from the cache", error)
        if self._connection is not None:
            self._connection.disconnect()
        self._connection, self._values = None, {}
        self._retry_at = time.monotonic() + settings.CACHE_RETRY_SECONDS


def _redis_url() -> str | None:
    backend = caches["default"]
    return backend._servers[0] if isinstance(backend, RedisCache) else None
