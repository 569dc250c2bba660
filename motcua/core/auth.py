"""Bearer-token authentication for the API (Authorization: Bearer <token>)."""

import datetime as dt

from django.db.models import Subquery
from django.http import HttpRequest
from django.utils import timezone
from ninja.errors import AuthenticationError
from ninja.security import HttpBearer

from . import refcache
from .models import ApiToken, RefStamp, hash_token
from .prepared import Prepared

LAST_USED_RESOLUTION = dt.timedelta(minutes=1)
# Every bearer-token request starts here: compiled once (motcua.core.prepared). key_hash is unique. The same
# statement reads the reference-data stamp (motcua.core.refcache), so the request needs no read of its own.
_TOKEN = Prepared(
    lambda key_hash: (
        ApiToken.objects.select_related("user")
        .annotate(refstamp=Subquery(RefStamp.objects.filter(pk=1).values("stamp")))
        .filter(key_hash=key_hash, revoked=False)[:1]
    ),
    str,
)


class TokenExpired(AuthenticationError):
    """A token past its `expires_at`: 401 like any refused token, saying why (motcua.api.on_auth_error)."""

    def __init__(self, expires_at: dt.datetime):
        super().__init__()
        self.expires_at = expires_at


def user_for_token(raw: str):
    """The token's user; None for an unknown, revoked token or a deactivated user; raises TokenExpired for a token
    past its expiry (checked on the row the prepared read loaded: no query of its own)."""
    token = _TOKEN.first(hash_token(raw))
    if token is None:
        return None
    refcache.note(token.refstamp)
    if not token.user.is_active:
        return None
    now = timezone.now()
    if token.expired(now):
        raise TokenExpired(token.expires_at)
    if token.last_used_at is None or now - token.last_used_at >= LAST_USED_RESOLUTION:
        # "last used" is for operators reviewing tokens: a minute's resolution spares a write per request.
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return token.user


class BearerAuth(HttpBearer):
    def __call__(self, request: HttpRequest):
        """django-ninja's, reading the header from the WSGI environ: `request.headers` builds a mapping of every
        header on first use, about a fiftieth of a filing+reception pair when nothing else needs it (the API's
        own header reads use META too)."""
        value = request.META.get("HTTP_AUTHORIZATION")
        if not value:
            return None
        scheme, _, token = value.partition(" ")
        if scheme.lower() != self.openapi_scheme:
            return None
        # RFC 6750 §2.1: one or more spaces after the scheme; a token never holds a space
        return self.authenticate(request, token.strip(" "))

    def authenticate(self, request: HttpRequest, token: str):
        user = user_for_token(token)
        if user is not None:
            request.user = user
        return user
