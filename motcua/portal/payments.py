"""Online payment of fees through a payment gateway.

A provider implements `PaymentGateway` and is chosen by settings.MOTCUA_PAYMENT_GATEWAY (a dotted path). The
demo and the tests use `FakeGateway`: its "provider page" is served locally at /thanh-toan/fake/<ref>/ with
"Thanh toán" / "Hủy" buttons, and it calls back to /thanh-toan/ket-qua/ with an HMAC-signed payload, the way real
Vietnamese gateways return to the merchant (signed query string on the browser return, signed server-to-server
notification).
"""

from __future__ import annotations

import secrets
from abc import ABC, abstractmethod
from dataclasses import dataclass
from decimal import Decimal
from urllib.parse import urlencode

from django.conf import settings
from django.http import HttpRequest
from django.urls import reverse
from django.utils.crypto import constant_time_compare, salted_hmac
from django.utils.module_loading import import_string

DEFAULT_GATEWAY = "motcua.portal.payments.FakeGateway"


class InvalidCallback(Exception):
    """A callback that cannot be trusted (missing fields, bad signature)."""


@dataclass(frozen=True)
class PaymentStart:
    reference: str
    redirect_url: str


class PaymentGateway(ABC):
    name = "abstract"

    @abstractmethod
    def create_payment(self, dossier, amount: Decimal) -> PaymentStart:
        """Register a payment of `amount` đồng for `dossier` with the provider. Returns the reference (unique,
        stored on Payment) and the URL to send the citizen's browser to."""

    @abstractmethod
    def verify_callback(self, request: HttpRequest) -> tuple[str, bool]:
        """Check a callback (browser return or server notification). Returns (reference, paid); raises
        InvalidCallback when it is not authentic."""


class FakeGateway(PaymentGateway):
    """A local stand-in for a provider (demo, tests). Never use in production."""

    name = "fake"
    SALT = "motcua.portal.payments.FakeGateway"

    def create_payment(self, dossier, amount: Decimal) -> PaymentStart:
        reference = "FAKE" + secrets.token_hex(8).upper()
        return PaymentStart(reference, reverse("portal:fake_gateway", args=[reference]))

    @classmethod
    def sign(cls, reference: str, status: str) -> str:
        return salted_hmac(cls.SALT, f"{reference}|{status}", algorithm="sha256").hexdigest()

    @classmethod
    def callback_query(cls, reference: str, status: str) -> str:
        return urlencode({"ref": reference, "status": status, "sig": cls.sign(reference, status)})

    def verify_callback(self, request: HttpRequest) -> tuple[str, bool]:
        params = request.POST if request.method == "POST" else request.GET
        reference, status, sig = params.get("ref", ""), params.get("status", ""), params.get("sig", "")
        if not reference or status not in ("paid", "cancelled") or not sig:
            raise InvalidCallback("missing or invalid fields")
        if not constant_time_compare(sig, self.sign(reference, status)):
            raise InvalidCallback("bad signature")
        return reference, status == "paid"


class DisabledGateway(PaymentGateway):
    """The production default until a real provider is configured: online payment is simply not offered."""

    name = "disabled"

    def create_payment(self, dossier, amount: Decimal) -> PaymentStart:
        from motcua.core.errors import Unprocessable

        raise Unprocessable(
            "Thanh toán trực tuyến chưa được cấu hình; vui lòng nộp phí tại Bộ phận Một cửa hoặc chuyển khoản "
            "theo hướng dẫn của cơ quan.",
            "Online payment is not configured; pay at the one-stop counter or by bank transfer.",
            code="payment_unavailable",
        )

    def verify_callback(self, request: HttpRequest) -> tuple[str, bool]:
        raise InvalidCallback("online payment is not configured")


def get_gateway() -> PaymentGateway:
    return import_string(getattr(settings, "MOTCUA_PAYMENT_GATEWAY", DEFAULT_GATEWAY))()


def fake_gateway_enabled() -> bool:
    return isinstance(get_gateway(), FakeGateway)
