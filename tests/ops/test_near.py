"""ops/near.py: values of the Redis cache a process keeps while Redis reports no change to
them (CLIENT TRACKING). Against the real Redis: a change made through any other connection,
as another worker would make it, is seen on the very next read."""

import time
from unittest import mock

import pytest
from django.core.cache import cache
from django.test import override_settings

from ops.near import NearCache

pytestmark = pytest.mark.redis


@pytest.fixture
def near():
    cache.clear()
    near = NearCache("near-test:")
    yield near
    cache.clear()


def reads_from_redis(near, keys, **kwargs):
    """What `near.get_many` returns, and how many times it went to the cache for it."""
    with mock.patch.object(cache, "get_many", wraps=cache.get_many) as went:
        values = near.get_many(keys, **kwargs)
    return values, went.call_count


def test_a_value_read_once_is_then_read_in_the_process(near):
    cache.set("near-test:a", {"stamp": 1})
    assert reads_from_redis(near, ["near-test:a"]) == ({"near-test:a": {"stamp": 1}}, 1)
    assert near.tracking()
    assert reads_from_redis(near, ["near-test:a"]) == ({"near-test:a": {"stamp": 1}}, 0)


def test_a_change_through_another_connection_is_seen_on_the_next_read(near):
    cache.set("near-test:a", "old")
    near.get_many(["near-test:a"])
    # Django's cache client is another connection, as another worker's would be; and nothing
    # tells `near` directly: only Redis's report does.
    cache.set("near-test:a", "new")
    assert reads_from_redis(near, ["near-test:a"]) == ({"near-test:a": "new"}, 1)
    cache.delete("near-test:a")
    assert reads_from_redis(near, ["near-test:a"]) == ({}, 1)


def test_a_value_that_expires_in_redis_is_forgotten_too(near):
    cache.set("near-test:a", "soon gone", timeout=1)
    near.get_many(["near-test:a"])
    cache._cache.get_client(write=True).pexpire(cache.make_key("near-test:a"), 1)
    time.sleep(0.01)
    assert cache.get("near-test:a") is None
    assert reads_from_redis(near, ["near-test:a"]) == ({}, 1)


def test_emptying_the_cache_forgets_everything(near):
    cache.set_many({"near-test:a": 1, "near-test:b": 2})
    near.get_many(["near-test:a", "near-test:b"])
    cache.clear()
    assert reads_from_redis(near, ["near-test:a", "near-test:b"]) == ({}, 1)


def test_keys_outside_the_prefix_are_read_from_redis_each_time(near):
    cache.set_many({"near-test:a": 1, "page": "<html>"})
    near.get_many(["near-test:a"])
    values, round_trips = reads_from_redis(near, ["near-test:a"], also=("page",))
    assert (values, round_trips) == ({"near-test:a": 1, "page": "<html>"}, 1)
    cache.set("page", "<html> new")  # not tracked: read again all the same
    assert reads_from_redis(near, ["near-test:a"], also=("page",))[0]["page"] == "<html> new"


def test_a_read_during_which_the_value_changed_keeps_nothing(near):
    cache.set("near-test:a", "old")
    real_get_many = cache.get_many

    def read_then_another_worker_writes(keys, *args, **kwargs):
        values = real_get_many(keys, *args, **kwargs)
        cache.set("near-test:a", "new")  # lands after the read, before `near` keeps it
        return values

    with mock.patch.object(cache, "get_many", side_effect=read_then_another_worker_writes):
        assert near.get_many(["near-test:a"]) == {"near-test:a": "old"}
    assert reads_from_redis(near, ["near-test:a"]) == ({"near-test:a": "new"}, 1)


@override_settings(NEAR_CACHE_SECONDS=0)
def test_nothing_is_kept_longer_than_near_cache_seconds(near):
    cache.set("near-test:a", 1)
    near.get_many(["near-test:a"])
    assert reads_from_redis(near, ["near-test:a"])[1] == 1


def test_forget_drops_what_this_process_itself_changed(near):
    cache.set("near-test:a", 1)
    near.get_many(["near-test:a"])
    near.forget(["near-test:a"])
    assert reads_from_redis(near, ["near-test:a"])[1] == 1


def test_without_redis_every_read_goes_to_the_cache(settings):
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    near = NearCache("near-test:")
    cache.set("near-test:a", 1)
    assert reads_from_redis(near, ["near-test:a"]) == ({"near-test:a": 1}, 1)
    assert reads_from_redis(near, ["near-test:a"]) == ({"near-test:a": 1}, 1)
    assert not near.tracking()


def test_a_key_redis_does_not_hold_is_known_absent_until_it_is_set(near):
    assert reads_from_redis(near, ["near-test:a"]) == ({}, 1)
    assert reads_from_redis(near, ["near-test:a"]) == ({}, 0)
    cache.set("near-test:a", "now here")
    assert reads_from_redis(near, ["near-test:a"]) == ({"near-test:a": "now here"}, 1)
