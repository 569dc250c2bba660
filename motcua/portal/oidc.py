"""OpenID Connect sign-in for citizens (national e-ID style providers) through mozilla-django-oidc.

Enabled when settings.OIDC_RP_CLIENT_ID is set (settings.py reads it and the endpoints from the environment).
Claims mapped: `sub` (the account link), `name`, `email`, `phone_number`, and the personal identification number
from the claim named by settings.OIDC_ID_NUMBER_CLAIM (default "personal_id"), validated as a 12-digit số định
danh cá nhân.

Accounts are linked by `sub` only — never by an e-mail or ID number a local account typed in itself, which
would let someone who pre-registered with another person's e-mail capture that person's e-ID sign-in.
"""

from __future__ import annotations

import hashlib
import logging

from django.conf import settings
from django.db import IntegrityError, transaction
from django.http import Http404
from django.views.generic import View
from mozilla_django_oidc.auth import OIDCAuthenticationBackend
from mozilla_django_oidc.utils import import_from_settings
from mozilla_django_oidc.views import OIDCAuthenticationCallbackView, OIDCAuthenticationRequestView

from motcua.core.text import nfc
from motcua.dossiers.validators import IdentifierError, clean_personal_id
from motcua.notifications.recipients import RecipientError, normalise_email, normalise_phone

from .models import CitizenProfile

logger = logging.getLogger(__name__)

DEFAULTS = {
    "OIDC_AUTHENTICATION_CALLBACK_URL": "portal:oidc_callback",
    "OIDC_RP_SCOPES": "openid profile email phone",
    "OIDC_RP_SIGN_ALGO": "RS256",
    "OIDC_ID_NUMBER_CLAIM": "personal_id",
    "LOGIN_REDIRECT_URL_FAILURE": "/accounts/login/?oidc=loi",
}


def oidc_enabled() -> bool:
    return bool(getattr(settings, "OIDC_RP_CLIENT_ID", ""))


def provider_name() -> str:
    return getattr(settings, "OIDC_PROVIDER_NAME", "") or "VNeID"


def get_setting(attr, *args):
    if hasattr(settings, attr):
        return getattr(settings, attr)
    if attr in DEFAULTS:
        return DEFAULTS[attr]
    return import_from_settings(attr, *args)


def _claims_profile(claims: dict) -> dict:
    """Validated profile values from the provider's claims (invalid values are dropped, never stored)."""
    out: dict = {}
    name = nfc(
        claims.get("name") or " ".join(filter(None, [claims.get("family_name"), claims.get("given_name")]))
    )
    if name:
        out["full_name"] = name[:255]
    id_claim = get_setting("OIDC_ID_NUMBER_CLAIM")
    if claims.get(id_claim):
        try:
            out["id_number"] = clean_personal_id(str(claims[id_claim]))
        except IdentifierError:
            logger.warning("OIDC: ignoring an invalid personal ID claim")
    if claims.get("phone_number"):
        try:
            out["phone"] = normalise_phone(str(claims["phone_number"]))
        except RecipientError:
            logger.warning("OIDC: ignoring an invalid phone_number claim")
    if claims.get("address"):
        address = claims["address"]
        text = address.get("formatted") if isinstance(address, dict) else address
        if text:
            out["address"] = nfc(str(text))[:500]
    return out


def _email(claims: dict) -> str:
    try:
        return normalise_email(claims.get("email") or "")
    except RecipientError:
        return ""


class CitizenOIDCBackend(OIDCAuthenticationBackend):
    get_settings = staticmethod(get_setting)

    def verify_claims(self, claims) -> bool:
        return bool(claims.get("sub"))

    def filter_users_by_claims(self, claims):
        sub = str(claims.get("sub") or "")
        if not sub:
            return self.UserModel.objects.none()
        return self.UserModel.objects.filter(citizen_profile__oidc_sub=sub)

    def describe_user_by_claims(self, claims):
        return f"sub {claims.get('sub')}"

    def create_user(self, claims):
        sub = str(claims["sub"])
        username = "oidc-" + hashlib.sha256(sub.encode()).hexdigest()[:24]
        values = _claims_profile(claims)
        with transaction.atomic():
            user = self.UserModel.objects.create_user(
                username, email=_email(claims), first_name=values.get("full_name", "")[:150]
            )
            user.set_unusable_password()
            user.save(update_fields=["password"])
            profile = CitizenProfile.objects.create(user=user, oidc_sub=sub)
            self._apply(profile, values)
        return user

    def update_user(self, user, claims):
        values = _claims_profile(claims)
        profile = CitizenProfile.objects.get(user=user)
        self._apply(profile, values)
        email = _email(claims)
        changed = []
        if email and user.email != email:
            user.email, changed = email, [*changed, "email"]
        if values.get("full_name") and user.first_name != values["full_name"][:150]:
            user.first_name, changed = values["full_name"][:150], [*changed, "first_name"]
        if changed:
            user.save(update_fields=changed)
        return user

    @staticmethod
    def _apply(profile: CitizenProfile, values: dict) -> None:
        """The provider is authoritative for what it asserts; a phone already used by another account is kept
        off this profile rather than failing the sign-in."""
        for key in ("full_name", "id_number", "address"):
            if values.get(key):
                setattr(profile, key, values[key])
        phone = values.get("phone")
        if phone and not CitizenProfile.objects.filter(phone=phone).exclude(pk=profile.pk).exists():
            profile.phone = phone
        try:
            with transaction.atomic():
                profile.save()
        except IntegrityError:
            profile.phone = ""
            profile.save()


class _OnlyWhenConfigured:
    get_settings = staticmethod(get_setting)

    def __init__(self, *args, **kwargs):
        if oidc_enabled():
            super().__init__(*args, **kwargs)
        else:
            View.__init__(self, *args, **kwargs)

    def dispatch(self, request, *args, **kwargs):
        if not oidc_enabled():
            raise Http404("Đăng nhập bằng tài khoản định danh điện tử chưa được cấu hình.")
        return super().dispatch(request, *args, **kwargs)


class Authenticate(_OnlyWhenConfigured, OIDCAuthenticationRequestView):
    pass


class Callback(_OnlyWhenConfigured, OIDCAuthenticationCallbackView):
    @property
    def success_url(self):
        return self.request.session.get("oidc_login_next") or "/ho-so-cua-toi/"
