"""SMS / Zalo adapters. A provider (an SMS brandname gateway, Zalo ZNS) implements `MessageAdapter.send` and is
chosen by settings.MOTCUA_SMS_ADAPTER (dotted path). Development (DEBUG on) uses the console adapter, tests the
memory one; in production without a provider the disabled adapter refuses every message, so the outbox records it
as not sent (never "sent" to standard output). `send` raises on failure; the outbox retries, except after a
`PermanentFailure`, which no retry can cure."""

import logging
import sys
from abc import ABC, abstractmethod

from django.conf import settings
from django.utils.module_loading import import_string

logger = logging.getLogger(__name__)

DEFAULT_ADAPTER = "motcua.notifications.sms.ConsoleAdapter"
DISABLED_ADAPTER = "motcua.notifications.sms.DisabledAdapter"


class PermanentFailure(Exception):
    """A failure that retrying cannot cure: the message is marked failed at once."""


class SmsNotConfigured(PermanentFailure):
    pass


# Kept on the outbox row (`last_error`) and shown on the staff dossier page: short, both languages.
NOT_CONFIGURED = (
    "Chưa cấu hình nhà cung cấp SMS: tin nhắn không được gửi. / No SMS provider configured: not sent."
)


class MessageAdapter(ABC):
    @abstractmethod
    def send(self, *, to: str, body: str) -> str:
        """Send `body` to the mobile number `to` (0xxxxxxxxx). Returns the provider's message id; raises on
        failure."""


class ConsoleAdapter(MessageAdapter):
    """Prints the message (development)."""

    def send(self, *, to: str, body: str) -> str:
        sys.stdout.write(f"[SMS → {to}] {body}\n")
        sys.stdout.flush()
        return "console"


class DisabledAdapter(MessageAdapter):
    """Production without a provider (DEBUG off, MOTCUA_SMS_ADAPTER unset): nothing is sent, and each message is
    recorded as failed with a message saying why; a one-stop officer can send it again once a provider is set."""

    def send(self, *, to: str, body: str) -> str:
        raise SmsNotConfigured(NOT_CONFIGURED)


class MemoryAdapter(MessageAdapter):
    """Keeps messages in `MemoryAdapter.outbox` (tests)."""

    outbox: list[dict] = []

    def send(self, *, to: str, body: str) -> str:
        MemoryAdapter.outbox.append({"to": to, "body": body})
        return f"mem-{len(MemoryAdapter.outbox)}"


def get_adapter() -> MessageAdapter:
    return import_string(getattr(settings, "MOTCUA_SMS_ADAPTER", DEFAULT_ADAPTER))()
