"""The project's Redis cache (config/cache.py), made to fail soft: when Redis cannot be
reached a read is a miss, a write is dropped and `incr` reports a missing key (so
django-ratelimit applies RATELIMIT_FAIL_OPEN), each logged. Pages then answer from the
database, only slower.

After a failure the cache is skipped for CACHE_RETRY_SECONDS (per process), so a Redis that
hangs costs one socket timeout every few seconds, not one per cache call.
"""

import logging
import time

from django.conf import settings
from django.core.cache.backends.base import DEFAULT_TIMEOUT
from redis.exceptions import RedisError

from config.cache import RedisCache

logger = logging.getLogger("ops")

# Location → monotonic time until which the cache counts as down (shared by threads).
_down_until: dict[str, float] = {}


class FailSoftRedisCache(RedisCache):
    def _call(self, method: str, fallback, *args, **kwargs):
        location = str(self._servers)
        if time.monotonic() < _down_until.get(location, 0):
            return fallback
        try:
            return getattr(RedisCache, method)(self, *args, **kwargs)
        except RedisError as error:
            _down_until[location] = time.monotonic() + settings.CACHE_RETRY_SECONDS
            logger.warning("cache unreachable (%s failed: %s); answering without it", method, error)
            return fallback

    def ping(self) -> None:
        """For /healthz/: raises when Redis does not answer (skips the fail-soft path)."""
        self._cache.get_client(write=True).ping()
        _down_until.pop(str(self._servers), None)

    def add(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        return self._call("add", False, key, value, timeout, version)

    def get(self, key, default=None, version=None):
        return self._call("get", default, key, default, version)

    def set(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        return self._call("set", None, key, value, timeout, version)

    def touch(self, key, timeout=DEFAULT_TIMEOUT, version=None):
        return self._call("touch", False, key, timeout, version)

    def delete(self, key, version=None):
        return self._call("delete", False, key, version)

    def get_many(self, keys, version=None):
        return self._call("get_many", {}, keys, version)

    def has_key(self, key, version=None):
        return self._call("has_key", False, key, version)

    def incr(self, key, delta=1, version=None):
        missing = object()
        value = self._call("incr", missing, key, delta, version)
        if value is missing:
            raise ValueError("The cache is unreachable.")  # what Django says of a missing key
        return value

    def set_many(self, data, timeout=DEFAULT_TIMEOUT, version=None):
        return self._call("set_many", list(data), data, timeout, version)

    def delete_many(self, keys, version=None):
        return self._call("delete_many", None, keys, version)

    def clear(self):
        return self._call("clear", False)
