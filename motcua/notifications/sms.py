"""SMS / Zalo adapters. A provider (an SMS brandname gateway, Zalo ZNS) implements `MessageAdapter.send` and is
chosen by settings.MOTCUA_SMS_ADAPTER (dotted path); development uses the console adapter, tests the memory one.
`send` raises on failure; the outbox retries."""

import logging
import sys
from abc import ABC, abstractmethod

from django.conf import settings
from django.utils.module_loading import import_string

logger = logging.getLogger(__name__)

DEFAULT_ADAPTER = "motcua.notifications.sms.ConsoleAdapter"


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


class MemoryAdapter(MessageAdapter):
    """Keeps messages in `MemoryAdapter.outbox` (tests)."""

    outbox: list[dict] = []

    def send(self, *, to: str, body: str) -> str:
        MemoryAdapter.outbox.append({"to": to, "body": body})
        return f"mem-{len(MemoryAdapter.outbox)}"


def get_adapter() -> MessageAdapter:
    return import_string(getattr(settings, "MOTCUA_SMS_ADAPTER", DEFAULT_ADAPTER))()
