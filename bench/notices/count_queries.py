"""Loaded into the benchmark's Celery worker (`celery ... -I count_queries`): counts the SQL
statements each task runs and adds them up in Redis, per task name, with a histogram, so
the report can say how many queries a notice costs. Not part of the app."""

import os

import redis
from celery.signals import task_postrun, task_prerun
from django.db import connections

_store = redis.Redis.from_url(os.environ["BENCH_REDIS_URL"])
_current = {"queries": 0}


def _count(execute, sql, params, many, context):
    _current["queries"] += 1
    return execute(sql, params, many, context)


@task_prerun.connect
def _start(task=None, **kwargs):
    _current["queries"] = 0
    for connection in connections.all():
        if _count not in connection.execute_wrappers:
            connection.execute_wrappers.append(_count)


@task_postrun.connect
def _finish(task=None, retval=None, **kwargs):
    name, queries = task.name.rsplit(".", 1)[-1], _current["queries"]
    pipe = _store.pipeline()
    pipe.hincrby("bench:queries", name, queries)
    pipe.hincrby("bench:tasks", name, 1)
    pipe.hincrby(f"bench:histogram:{name}", queries, 1)
    if isinstance(retval, dict) and "email" in retval:
        # A township batch: its queries less the one UPDATE per e-mail sent.
        pipe.hincrby("bench:histogram:batch-fixed", queries - retval["email"], 1)
    pipe.execute()
