"""Session policy, abuse limits and refusal logging, for every request.

None of these adds a database query to an ordinary page: the session policy reads only the
session (already loaded for a logged-in user); its decisions that need the database are made
once, at log-in (audit/signals.py), and kept in the session.
"""

import logging
import time
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import SESSION_KEY, logout
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django_otp import DEVICE_ID_SESSION_KEY

from . import ratelimits
from .models import SecurityEvent
from .services import record

logger = logging.getLogger("audit")

# Session keys written at log-in (audit/signals.py).
STARTED = "_audit_started"
SEEN = "_audit_seen"
PASSWORD_EXPIRED = "_audit_password_expired"  # holds the expired hash
OTP_REQUIRED = "_audit_otp_required"
# Writing the last-seen time at most this often keeps a page from saving the session each time.
SEEN_RESOLUTION = 60


def start_session(request, *, password_expired: bool, otp_required: bool) -> None:
    now = int(time.time())
    request.session[STARTED] = now
    request.session[SEEN] = now
    if password_expired:
        request.session[PASSWORD_EXPIRED] = request.user.password
    if otp_required:
        request.session[OTP_REQUIRED] = True


class LoginPolicyMiddleware:
    """For logged-in users: end the session after SESSION_IDLE_SECONDS without a request or
    SESSION_ABSOLUTE_SECONDS after log-in; send a user whose password has expired to change
    it, and a district administrator who must use a one-time code to enter it first."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        session = getattr(request, "session", None)
        if session is not None and session.get(SESSION_KEY):
            response = self._apply(request, session)
            if response is not None:
                return response
        return self.get_response(request)

    def _apply(self, request, session):
        now = int(time.time())
        started, seen = session.get(STARTED), session.get(SEEN)
        if started is None or seen is None:  # a session from before this policy
            session[STARTED] = session[SEEN] = started = seen = now
        idle, lifetime = now - seen, now - started
        if idle > settings.SESSION_IDLE_SECONDS or lifetime > settings.SESSION_ABSOLUTE_SECONDS:
            reason = "idle" if idle > settings.SESSION_IDLE_SECONDS else "lifetime"
            record(request, SecurityEvent.Kind.SESSION_EXPIRED, reason=reason)
            request._audit_expired = True  # the log-out that follows is not a second event
            logout(request)
            messages.info(request, _("You were logged out for your safety. Please log in again."))
            return None  # on as an anonymous visitor: log-in pages redirect as usual
        if idle > SEEN_RESOLUTION:
            session[SEEN] = now
        if request.path.startswith(_always_open()):
            return None
        if session.get(OTP_REQUIRED) and not session.get(DEVICE_ID_SESSION_KEY):
            return redirect(f"{reverse('audit:otp')}?{urlencode({'next': request.path})}")
        if request.path.startswith(reverse("password_change")):
            return None
        expired_hash = session.get(PASSWORD_EXPIRED)
        if expired_hash:
            if getattr(request.user, "password", None) != expired_hash:  # changed
                del session[PASSWORD_EXPIRED]
            else:
                messages.warning(
                    request,
                    _("Your password is older than %(days)s days. Please choose a new one.")
                    % {"days": settings.PASSWORD_MAX_AGE_DAYS},
                )
                return redirect("password_change")
        return None


def _always_open() -> tuple:
    """Pages a user must reach before the policy lets them anywhere else (the password
    change page too, but only once the one-time code is in)."""
    return (
        reverse("logout"),
        reverse("audit:otp"),
        settings.STATIC_URL if settings.STATIC_URL.startswith("/") else f"/{settings.STATIC_URL}",
        "/healthz/",
    )


class AnonymousPostLimitMiddleware:
    """Every POST from a visitor who is not logged in counts against ANONYMOUS_POST_RATE per
    client address, in the shared cache: a backstop under the stricter limits of each form
    (suggestions, challenges, reports, follows, ballots, log-in), so a form added later is
    never unlimited. Read-only paths (READ_ONLY_PATH_PREFIXES) are left to their own 405."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if (
            request.method == "POST"
            and not request.user.is_authenticated
            and not request.path.startswith(settings.READ_ONLY_PATH_PREFIXES)
        ):
            refusal = ratelimits.check(
                request, group="anonymous-post", rate=settings.ANONYMOUS_POST_RATE
            )
            if refusal is not None:
                return refusal
        return self.get_response(request)


class RefusalLogMiddleware:
    """Records every 403 answer (a view's PermissionDenied, a failed CSRF check) as a
    permission refusal: one place for every page, present and future."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if response.status_code == 403:
            try:
                record(request, SecurityEvent.Kind.REFUSED, method=request.method)
            except Exception:  # the refusal stands even if the log cannot be written
                logger.exception("could not record a permission refusal")
        return response
