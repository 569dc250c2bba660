"""Cross-cutting models: API tokens."""

import datetime as dt
import hashlib
import secrets

from django.conf import settings
from django.db import models
from django.utils import timezone


def hash_token(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


class ApiToken(models.Model):
    """A bearer token for the HTTP API. Only the SHA-256 of the token is stored."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens")
    key_hash = models.CharField(max_length=64, unique=True)
    label = models.CharField(max_length=100, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked = models.BooleanField(default=False)
    # fixed when issued (settings.API_TOKEN_MAX_AGE_DAYS, or fewer days asked for); null: never expires
    expires_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = "Mã truy cập API"
        verbose_name_plural = "Mã truy cập API"

    def __str__(self) -> str:
        return f"{self.user} ({self.label or format(self.created_at, '%d/%m/%Y')})"

    @classmethod
    def issue(cls, user, label: str = "", days: int | None = None) -> str:
        """A new token for the user (the raw token: only its hash is kept)."""
        return cls.issue_with_expiry(user, label=label, days=days)[0]

    @classmethod
    def issue_with_expiry(cls, user, label: str = "", days: int | None = None) -> tuple[str, "ApiToken"]:
        """`days`: valid that many days from now; None: settings.API_TOKEN_MAX_AGE_DAYS; 0: never expires."""
        if days is None:
            days = settings.API_TOKEN_MAX_AGE_DAYS
        expires_at = timezone.now() + dt.timedelta(days=days) if days else None
        raw = "mc_" + secrets.token_urlsafe(32)
        token = cls.objects.create(user=user, key_hash=hash_token(raw), label=label, expires_at=expires_at)
        return raw, token

    def expired(self, now: dt.datetime) -> bool:
        return self.expires_at is not None and self.expires_at <= now


class RefStamp(models.Model):
    """One row whose `stamp` changes (database triggers, motcua.core.refcache) whenever reference data changes:
    agencies, units, staff roles, fields, procedures, their versions and internal processes. Processes cache that
    data and compare the stamp they cached it under with the current one, read with every API token."""

    stamp = models.CharField(max_length=36)

    class Meta:
        verbose_name = "Dấu thay đổi dữ liệu danh mục"

    def __str__(self) -> str:
        return self.stamp


class CheckedTextModel:
    """A model mixin: `full_clean` (the admin's forms, a service that calls it) refuses a text field holding a
    control, invisible formatting or noncharacter (core.text.bad_char), on the field, naming it — a TextField as a
    text of several lines, a CharField without choices as a single-line value."""

    def clean_fields(self, exclude=None):
        from django.core.exceptions import ValidationError

        from .i18n import in_page_language
        from .text import BadCharacters, check_chars

        errors: dict = {}
        try:
            super().clean_fields(exclude=exclude)
        except ValidationError as exc:
            errors = exc.update_error_dict(errors)
        for field in self._meta.concrete_fields:
            if (exclude and field.name in exclude) or field.name in errors or field.choices:
                continue
            if not isinstance(field, (models.CharField, models.TextField)):
                continue
            value = getattr(self, field.attname)
            label = str(field.verbose_name)
            try:
                check_chars(value, label[:1].upper() + label[1:], lines=isinstance(field, models.TextField))
            except BadCharacters as exc:
                errors[field.name] = [ValidationError(in_page_language(exc), code="bad_characters")]
        if errors:
            raise ValidationError(errors)
