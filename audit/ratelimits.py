"""Rate limits on what visitors can send, counted in the shared cache (django-ratelimit;
Redis when REDIS_URL is set).

Two tools:
- `limit`, a decorator that counts every request of a view per client address (log-in
  posts, look-ups) and answers the refusal page (429);
- `FormLimits` for the public forms: per client address (high, because a village office or a
  mobile network puts many residents behind one address), per browser (tight, one person: a
  random id in a signed cookie, set by `identify_browser`) and per contact typed in the form.
  Only valid posts count, and a refused post is shown again with its text and the time to
  come back, so nothing a resident typed is lost.

When the cache cannot be reached the limits fail open (RATELIMIT_FAIL_OPEN, default True):
a resident's suggestion or an official's log-in is still accepted, and /healthz/ reports the
cache as down. Log-ins stay protected by django-axes, whose lockouts live in the database,
and the public forms by their honeypot and one-time token.
"""

import datetime
import functools
import logging
import math
import uuid
from collections.abc import Iterable
from dataclasses import dataclass

from django.conf import settings
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django_ratelimit.core import get_usage

from lib.forms import status_for

logger = logging.getLogger("audit")

BROWSER_COOKIE = "browser"
BROWSER_COOKIE_SALT = "audit.ratelimits.browser"
BROWSER_COOKIE_AGE = 365 * 24 * 3600


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
    e.g. "30/h") per client address for these methods, then the refusal page. The rate is
    read on each request, so the environment and tests can change it. For a form residents
    fill in, use `FormLimits` instead: it counts valid posts only and keeps the text.

        @limit("LOGIN_RATE")
        def login(request): ...
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


# --- The public forms: per address, per browser, per contact ----------------------------------


def identify_browser(view):
    """Decorate a public form's view: `request.browser_id` is the browser's random id, kept in
    a signed cookie for a year (set on the response the first time). It identifies a browser,
    not a person, and is used for nothing but the per-browser limits. A client that drops its
    cookies gets a new id each time and meets the per-address limit instead."""

    @functools.wraps(view)
    def wrapped(request, *args, **kwargs):
        known = request.get_signed_cookie(BROWSER_COOKIE, default=None, salt=BROWSER_COOKIE_SALT)
        request.browser_id = known or uuid.uuid4().hex
        response = view(request, *args, **kwargs)
        if known is None:
            response.set_signed_cookie(
                BROWSER_COOKIE,
                request.browser_id,
                salt=BROWSER_COOKIE_SALT,
                max_age=BROWSER_COOKIE_AGE,
                secure=settings.SESSION_COOKIE_SECURE,
                httponly=True,
                samesite="Lax",
            )
        return response

    return wrapped


@dataclass(frozen=True)
class Refusal:
    """A post over one of a form's limits: which one (address, browser or contact) and how
    many seconds until its window ends (-1 when the cache is down and limits fail closed)."""

    scope: str
    seconds: int

    @property
    def minutes(self) -> int | None:
        return math.ceil(self.seconds / 60) if self.seconds > 0 else None

    @property
    def until(self) -> datetime.datetime | None:
        if self.seconds <= 0:
            return None
        return timezone.localtime() + datetime.timedelta(seconds=self.seconds)

    @property
    def message(self) -> str:
        """What the form says above the fields it shows again."""
        why = {
            "address": _("This form was sent many times from this network in a short time."),
            "browser": _(
                "This phone or computer has sent this form several times in a short time."
            ),
            "contact": _(
                "This form was sent several times with this phone number or e-mail address in "
                "a short time."
            ),
        }[self.scope]
        until = self.until
        if until is None:
            wait = _("What you wrote is kept below: please send it again later.")
            return _("%(why)s %(wait)s") % {"why": why, "wait": wait}
        when = until.strftime("%H:%M" if until.date() == timezone.localdate() else "%Y-%m-%d %H:%M")
        wait = _(
            "What you wrote is kept below: please send it again after %(time)s "
            "(in %(minutes)s min)."
        ) % {"time": when, "minutes": self.minutes}
        # Translators: two sentences one after the other (Chinese puts no space between).
        return _("%(why)s %(wait)s") % {"why": why, "wait": wait}


def _browser(group, request) -> str:
    return request.browser_id


@dataclass(frozen=True)
class FormLimits:
    """The limits of one public form, each named by a setting (django-ratelimit syntax, read
    on each request): per client address, per browser and, when the form has one, per
    contact (a phone number or e-mail address typed in it). Only valid posts count: call
    `refusal` once the form is valid, and `count` once what it sent is stored (or `admit`,
    both at once). The browser needs `identify_browser` on the view.

        SUGGESTION_LIMITS = FormLimits("suggest", address="SUGGESTION_ADDRESS_RATE",
                                       browser="SUGGESTION_BROWSER_RATE",
                                       contact="SUGGESTION_CONTACT_RATE")
    """

    group: str
    address: str
    browser: str
    contact: str = ""

    def _limits(self, request, contacts: Iterable[str]) -> list[tuple[str, str, object]]:
        """(scope, rate, key) of each limit that applies to this request."""
        limits = [("address", getattr(settings, self.address), "ip")]
        if getattr(request, "browser_id", None):
            limits.append(("browser", getattr(settings, self.browser), _browser))
        if self.contact:
            rate = getattr(settings, self.contact)
            for contact in {c.strip().lower() for c in contacts if c and c.strip()}:
                limits.append(("contact", rate, lambda group, request, c=contact: c))
        return limits

    def _usage(self, request, scope: str, rate: str, key, *, increment: bool):
        group = f"{self.group}:{scope}"
        return get_usage(request, group=group, key=key, rate=rate, increment=increment)

    def refusal(self, request, *, contacts: Iterable[str] = ()) -> Refusal | None:
        """The first limit this post would go over, without counting it; None when it may
        be stored."""
        for scope, rate, key in self._limits(request, contacts):
            usage = self._usage(request, scope, rate, key, increment=False)
            if usage is not None and usage["count"] >= usage["limit"]:
                logger.warning("form limit %s:%s reached", self.group, scope)
                return Refusal(scope, usage["time_left"])
        return None

    def count(self, request, *, contacts: Iterable[str] = ()) -> None:
        """Count a stored post against every limit."""
        for scope, rate, key in self._limits(request, contacts):
            self._usage(request, scope, rate, key, increment=True)

    def admit(self, request, *, contacts: Iterable[str] = ()) -> Refusal | None:
        """`refusal`, and when there is none, `count`."""
        refused = self.refusal(request, contacts=contacts)
        if refused is None:
            self.count(request, contacts=contacts)
        return refused


def form_page(request, template: str, context: dict, *, refused: Refusal | None = None):
    """Render a public form: 429 with Retry-After when a post was refused (the form shows the
    refusal's message and what was typed), else 400 for an invalid post, 200 otherwise."""
    status = 429 if refused is not None else status_for(request)
    response = render(request, template, context, status=status)
    if refused is not None and refused.seconds > 0:
        response["Retry-After"] = str(refused.seconds)
    return response
