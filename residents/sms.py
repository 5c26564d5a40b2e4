"""Text messages through a pluggable backend, like Django's e-mail backends: SMS_BACKEND names
a class with `send(phone, text)`. The default writes to the log; a real provider (Aliyun,
Tencent Cloud SMS...) is a deployment setting with a small class of its own."""

import logging

from django.conf import settings
from django.utils.module_loading import import_string

logger = logging.getLogger(__name__)

# Messages sent with the locmem backend, for tests (as django.core.mail.outbox).
outbox: list[tuple[str, str]] = []


class ConsoleBackend:
    def send(self, phone: str, text: str) -> None:
        logger.info("SMS to %s: %s", phone, text)


class LocmemBackend:
    def send(self, phone: str, text: str) -> None:
        outbox.append((phone, text))


def send_sms(phone: str, text: str) -> None:
    import_string(settings.SMS_BACKEND)().send(phone, text)
