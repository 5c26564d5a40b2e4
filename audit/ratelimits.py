"""Rate limits on what visitors can send, counted per client address in the shared cache
(django-ratelimit; Redis when REDIS_URL is set).

When the cache cannot be reached the limits fail open (RATELIMIT_FAIL_OPEN, default True):
a resident's suggestion or an official's log-in is still accepted, and /healthz/ reports the
cache as down. Log-ins stay protected by django-axes, whose lockouts live in the database,
and the public forms by their honeypot and one-time token.
"""

import functools
import logging
import math

from django.conf import settings
from django.shortcuts import render
from django_ratelimit.core import get_usage

logger = logging.getLogger("audit")


def check(request, *, group: str, rate: str, key: str = "ip"):
    """Count this request; the refusal page (429) when the client is over `rate`, else None."""
    usage = get_usage(request, group=group, key=key, rate=rate, increment=True)
    if usage is None or not usage["should_limit"]:
        return None
    logger.warning("rate limit %s reached by %s", group, request.META.get("REMOTE_ADDR"))
    return refusal(request, usage["time_left"])


def refusal(request, seconds: int):
    """The Chinese refusal page, saying how long to wait."""
    minutes = math.ceil(seconds / 60) if seconds > 0 else None
    response = render(request, "audit/rate_limited.html", {"minutes": minutes}, status=429)
    if seconds > 0:
        response["Retry-After"] = str(seconds)
    return response


def limit(rate_setting: str, *, methods: tuple = ("POST",), key: str = "ip"):
    """Decorate a view: at most the rate in settings.<rate_setting> (django-ratelimit syntax,
    e.g. "5/h") per client address for these methods, then the refusal page. The rate is
    read on each request, so the environment and tests can change it.

        @limit("RESIDENT_POST_RATE")
        def challenge_new(request, ...): ...
    """

    def decorator(view):
        group = f"{view.__module__}.{view.__qualname__}"

        @functools.wraps(view)
        def wrapped(request, *args, **kwargs):
            if request.method in methods:
                refused = check(request, group=group, rate=getattr(settings, rate_setting), key=key)
                if refused is not None:
                    return refused
            return view(request, *args, **kwargs)

        return wrapped

    return decorator
