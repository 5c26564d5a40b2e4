"""Writing to the security event log. Other apps call `record` for what only they know
about (exports of personal data, imports); log-ins, refusals and role changes are recorded
here from Django's and django-axes' signals."""

import ipaddress
import logging

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction
from django_otp.plugins.otp_totp.models import TOTPDevice

from villages.models import Membership

from .models import SecurityEvent

logger = logging.getLogger("audit")


def client_ip(request) -> str | None:
    """The client's address: REMOTE_ADDR, or behind a proxy the header named by
    RATELIMIT_IP_META_KEY (e.g. HTTP_X_REAL_IP, set by the proxy, never by the client).
    The one definition shared by the rate limits, django-axes and the event log."""
    if request is None:
        return None
    key = settings.RATELIMIT_IP_META_KEY or "REMOTE_ADDR"
    value = request.META.get(key) or request.META.get("REMOTE_ADDR") or ""
    # X-Forwarded-For style lists: the proxy appends the address it saw last.
    value = value.split(",")[-1].strip()
    try:
        return str(ipaddress.ip_address(value))
    except ValueError:
        return None


def axes_client_ip(request) -> str | None:
    """AXES_CLIENT_IP_CALLABLE: the same address as the rate limits."""
    return client_ip(request) or "0.0.0.0"


def _district_id(user) -> int | None:
    """The district an account belongs to, through its first role (one query)."""
    if user is None or not user.pk:
        return None
    row = (
        Membership.objects.filter(user=user)
        .values_list("district_id", "township__district_id", "village__township__district_id")
        .order_by("pk")
        .first()
    )
    return next((value for value in row if value), None) if row else None


_OWN_DISTRICT = object()


def record(
    request, kind: str, *, user=None, username: str = "", district_id=_OWN_DISTRICT, **detail
) -> SecurityEvent:
    """Append one event: who (the request's user, or `user`/`username` when the event is
    about an account that is not logged in), from where (address, browser, path), and any
    JSON-serialisable `detail`. The event is shown to the administrators of the user's
    district, or of `district_id` when given (a role granted in that district). Call it
    inside the transaction whose work it records, so a rolled-back import leaves no event.

        record(request, SecurityEvent.Kind.EXPORT, what="suggestions", rows=120)
    """
    if user is None and request is not None:
        request_user = getattr(request, "user", None)
        if request_user is not None and request_user.is_authenticated:
            user = request_user
    if user is None and username:
        user = get_user_model().objects.filter(username=username).first()
    if user is not None and not username:
        username = user.get_username()
    meta = request.META if request is not None else {}
    event = SecurityEvent.objects.create(
        kind=kind,
        user=user,
        username=username[:150],
        district_id=_district_id(user) if district_id is _OWN_DISTRICT else district_id,
        ip_address=client_ip(request),
        user_agent=meta.get("HTTP_USER_AGENT", "")[:300],
        path=(request.path if request is not None else "")[:300],
        detail=detail,
    )
    logger.info(
        "security event %s",
        kind,
        extra={"event": kind, "username": username, "ip": event.ip_address, "path": event.path},
    )
    return event


def otp_device_for(user) -> TOTPDevice:
    """The user's authenticator app: the confirmed one, else the one being set up, else a
    new unconfirmed device (confirmed later by its first right code)."""
    device = TOTPDevice.objects.filter(user=user).order_by("-confirmed", "pk").first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name="app", confirmed=False)
    return device


@transaction.atomic
def otp_device_verify(request, *, device: TOTPDevice, code: str) -> tuple[TOTPDevice, bool]:
    """Check a code against the device, locked: two posts of the same code at once cannot
    both pass, and the first right code confirms a device being set up. Returns the locked
    device and whether the code was accepted."""
    device = TOTPDevice.objects.select_for_update().get(pk=device.pk)
    accepted = device.verify_token(code)
    if accepted and not device.confirmed:
        device.confirmed = True
        device.save(update_fields=["confirmed"])
        record(request, SecurityEvent.Kind.OTP_ENROLLED)
    return device, accepted
