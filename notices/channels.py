"""How a notice leaves the building: e-mail through Django's backends, and WeChat Work
(企业微信) or DingTalk group robots through their webhooks.

Each sender raises `DeliveryError` with a message for the township's failures page; the
services decide about retries. Robots accept about 20 messages a minute each (DingTalk then
blocks for 10 minutes), so every robot address has a per-minute budget in the cache.
"""

import base64
import hashlib
import hmac
import json
import logging
import socket
import time
import urllib.error
import urllib.parse
import urllib.request

from django.conf import settings
from django.core.cache import cache
from django.core.mail import EmailMessage
from django.utils import translation
from django.utils.translation import gettext as _

from .models import Robot, robot_host_allowed

logger = logging.getLogger(__name__)

# Message size limits of the robots' text messages, in UTF-8 bytes.
TEXT_BYTES = {Robot.Kind.WECOM: 2048, Robot.Kind.DINGTALK: 18000}
# Error codes meaning "too many messages": WeChat Work 45009, DingTalk 130101.
RATE_LIMIT_CODES = {45009: 60, 130101: 600}


class DeliveryError(Exception):
    """A failed attempt; the message is shown to the township."""


class RateLimited(DeliveryError):
    """Not a failure of the channel: try again after `retry_after` seconds."""

    def __init__(self, message: str, retry_after: float):
        super().__init__(message)
        self.retry_after = retry_after


def email_message(notice, addresses: list[str]) -> EmailMessage:
    with translation.override(settings.LANGUAGE_CODE):
        subject = _("%(township)s: notice for %(village)s, %(period)s") % {
            "township": notice.township.name,
            "village": notice.village.name,
            "period": notice.period,
        }
        body = notice.body
        site = getattr(settings, "SITE_URL", "")
        if site:
            body += "\n" + site.rstrip("/") + notice.get_absolute_url()
    return EmailMessage(subject, body, settings.DEFAULT_FROM_EMAIL, addresses)


def truncate_bytes(text: str, limit: int) -> str:
    data = text.encode("utf-8")
    if len(data) <= limit:
        return text
    return data[: limit - 3].decode("utf-8", errors="ignore") + "…"


def _signed(url: str, secret: str) -> str:
    """DingTalk signing (加签): HMAC-SHA256 of "timestamp\\nsecret" keyed by the secret."""
    timestamp = str(round(time.time() * 1000))
    digest = hmac.new(
        secret.encode("utf-8"), f"{timestamp}\n{secret}".encode(), hashlib.sha256
    ).digest()
    sign = urllib.parse.quote_plus(base64.b64encode(digest))
    joiner = "&" if "?" in url else "?"
    return f"{url}{joiner}timestamp={timestamp}&sign={sign}"


def _take_slot(url: str) -> None:
    """One of the robot's messages this minute, or RateLimited until the next minute."""
    minute = int(time.time() // 60)
    key = f"notices:robot:{hashlib.sha256(url.encode()).hexdigest()[:20]}:{minute}"
    try:
        cache.add(key, 0, timeout=120)
        used = cache.incr(key)
    except Exception:  # the cache is down: send anyway rather than hold every notice
        logger.warning("robot rate budget unavailable (cache error)", exc_info=True)
        return
    if used > settings.NOTICE_ROBOT_PER_MINUTE:
        raise RateLimited(_("Robot limit reached for this minute."), 61 - time.time() % 60)


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    # A redirect could lead the server past the robot-host check to an internal address.
    def redirect_request(self, *args, **kwargs):
        return None


_opener = urllib.request.build_opener(_NoRedirects)


def post_robot(robot: Robot, text: str) -> None:
    """Send a text message to a group robot; raise DeliveryError unless it says errcode 0."""
    if not robot.has_robot:
        raise DeliveryError(_("No group robot is set up."))
    if not robot_host_allowed(robot.robot_url):
        raise DeliveryError(_("The robot address is not a WeChat Work or DingTalk address."))
    _take_slot(robot.robot_url)
    url = robot.robot_url
    if robot.robot_kind == Robot.Kind.DINGTALK and robot.robot_secret:
        url = _signed(url, robot.robot_secret)
    payload = {
        "msgtype": "text",
        "text": {"content": truncate_bytes(text, TEXT_BYTES[robot.robot_kind])},
    }
    request = urllib.request.Request(
        url,
        data=json.dumps(payload, ensure_ascii=False).encode("utf-8"),
        headers={"Content-Type": "application/json; charset=utf-8"},
        method="POST",
    )
    timeout = settings.NOTICE_WEBHOOK_TIMEOUT
    try:
        with _opener.open(request, timeout=timeout) as response:
            raw = response.read(65536)
    except urllib.error.HTTPError as error:
        raise DeliveryError(f"HTTP {error.code} {error.reason}") from error
    except TimeoutError as error:
        raise DeliveryError(_("No answer within %(seconds)s s.") % {"seconds": timeout}) from error
    except (urllib.error.URLError, OSError) as error:
        reason = getattr(error, "reason", error)
        if isinstance(reason, TimeoutError | socket.timeout):
            raise DeliveryError(
                _("No answer within %(seconds)s s.") % {"seconds": timeout}
            ) from error
        raise DeliveryError(str(reason)) from error
    try:
        answer = json.loads(raw.decode("utf-8"))
    except ValueError as error:
        raise DeliveryError(_("The robot did not answer in JSON.")) from error
    code = answer.get("errcode", 0) if isinstance(answer, dict) else -1
    if code != 0:
        message = f"errcode {code}: {answer.get('errmsg', '')}"
        if code in RATE_LIMIT_CODES:
            raise RateLimited(message, RATE_LIMIT_CODES[code])
        raise DeliveryError(message)
