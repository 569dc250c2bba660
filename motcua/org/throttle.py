"""Login throttling (and the public lookup's rate limit, below): after LOGIN_MAX_ATTEMPTS failed sign-ins for one (username, client IP) within
LOGIN_LOCKOUT_SECONDS, further attempts are refused for LOGIN_LOCKOUT_SECONDS from the last failure.

The counts live in the database (`LoginThrottle`), so every worker process of a multi-process server sees
the same numbers; see docs/adr/0003-organisation-and-roles.md. Failures are recorded from Django's
`user_login_failed` signal and cleared by `user_logged_in` (wired in `OrgConfig.ready`), so every login form
that authenticates with the request — ours and the admin's — counts; the check itself is in
`motcua.org.forms.ThrottleMixin`.
"""

import datetime as dt
import math

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from .models import LoginThrottle


def _max_attempts() -> int:
    return max(1, int(getattr(settings, "LOGIN_MAX_ATTEMPTS", 5)))


def _window() -> dt.timedelta:
    return dt.timedelta(seconds=max(1, int(getattr(settings, "LOGIN_LOCKOUT_SECONDS", 900))))


def normalise_username(username: str | None) -> str:
    return (username or "").strip().lower()[:150]


def client_ip(request) -> str:
    """The peer address. X-Forwarded-For is not trusted: behind a reverse proxy, have the proxy set
    REMOTE_ADDR (e.g. gunicorn --forwarded-allow-ips) rather than letting clients choose their own key."""
    if request is None:
        return ""
    return (request.META.get("REMOTE_ADDR") or "")[:45]


def seconds_locked(username: str, ip: str, *, now: dt.datetime | None = None) -> int:
    """Seconds until (username, ip) may try again; 0 if not locked."""
    now = now or timezone.now()
    locked_until = (
        LoginThrottle.objects.filter(username=normalise_username(username), ip=ip)
        .values_list("locked_until", flat=True)
        .first()
    )
    if locked_until is None or locked_until <= now:
        return 0
    return max(1, math.ceil((locked_until - now).total_seconds()))


def record_failure(
    username: str,
    ip: str,
    *,
    now: dt.datetime | None = None,
    max_attempts: int | None = None,
    window: dt.timedelta | None = None,
) -> LoginThrottle:
    """Count one failure for (username, ip); lock the pair for `window` once `max_attempts` are reached within
    it (defaults: the login settings)."""
    now = now or timezone.now()
    window = window or _window()
    max_attempts = max_attempts or _max_attempts()
    key = normalise_username(username)
    with transaction.atomic():
        # Forget stale records (no failure within the window, no lock running): keeps the table small.
        LoginThrottle.objects.filter(first_failure_at__lt=now - window).filter(
            Q(locked_until__isnull=True) | Q(locked_until__lte=now)
        ).exclude(username=key, ip=ip).delete()
        row, _ = LoginThrottle.objects.select_for_update().get_or_create(
            username=key, ip=ip, defaults={"failures": 0, "first_failure_at": now}
        )
        lock_running = row.locked_until is not None and row.locked_until > now
        if not lock_running and now - row.first_failure_at >= window:
            row.failures = 0
            row.first_failure_at = now
            row.locked_until = None
        row.failures += 1
        if row.failures >= max_attempts:
            row.locked_until = now + window
        row.save()
    return row


# Rate limits of public pages (same table and lock semantics; keys that no username can take) -------------

LOOKUP_KEY = "#tra-cuu"  # '#' is not allowed in usernames


def lookup_limit() -> tuple[int, dt.timedelta]:
    """(lookups, window) allowed per client IP on the public status lookup: LOOKUP_RATE_LIMIT lookups within
    LOOKUP_RATE_WINDOW_SECONDS (defaults 60 in 300 s), then HTTP 429 until the window has passed."""
    limit = max(1, int(getattr(settings, "LOOKUP_RATE_LIMIT", 60)))
    window = dt.timedelta(seconds=max(1, int(getattr(settings, "LOOKUP_RATE_WINDOW_SECONDS", 300))))
    return limit, window


def check_rate(key: str, ip: str, *, limit: int, window: dt.timedelta, now: dt.datetime | None = None) -> int:
    """Count one request of `ip` under `key`. Returns 0 when it may be served, else the seconds to wait (the
    request over the limit is refused, not counted)."""
    wait = seconds_locked(key, ip, now=now)
    if wait:
        return wait
    record_failure(key, ip, now=now, max_attempts=limit, window=window)
    return 0


def reset(username: str, ip: str) -> None:
    LoginThrottle.objects.filter(username=normalise_username(username), ip=ip).delete()


# Signal receivers (connected in OrgConfig.ready) ------------------------------------------------------


def on_login_failed(sender, credentials, request=None, **kwargs) -> None:
    if request is None:  # e.g. test client .login() or scripts: no client to throttle
        return
    username = credentials.get("username") or credentials.get("email") or ""
    record_failure(username, client_ip(request))


def on_logged_in(sender, request, user, **kwargs) -> None:
    if request is None:
        return
    reset(user.get_username(), client_ip(request))
