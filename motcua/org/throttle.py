"""Login throttling (and the public lookup's rate limit, below): after LOGIN_MAX_ATTEMPTS failed sign-ins for one (username, client IP) within
LOGIN_LOCKOUT_SECONDS, further attempts are refused for LOGIN_LOCKOUT_SECONDS from the last failure; and after
LOGIN_IP_MAX_FAILURES failed sign-ins from one client IP, whatever the account names, within LOGIN_IP_WINDOW_SECONDS,
every sign-in from that address is refused for LOGIN_IP_WINDOW_SECONDS (password spraying: one address trying a few
passwords on each of many accounts). A success clears the (username, IP) count, never the address's.

The counts live in the database (`LoginThrottle`), so every worker process of a multi-process server sees
the same numbers; see docs/adr/0003-organisation-and-roles.md. Failures are recorded from Django's
`user_login_failed` signal and cleared by `user_logged_in` (wired in `OrgConfig.ready`), so every login form
that authenticates with the request — ours and the admin's — counts; the check itself is in
`motcua.org.forms.ThrottleMixin`.
"""

import datetime as dt
import functools
import hashlib
import ipaddress
import math

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connections, transaction
from django.db.models import Q
from django.utils import timezone

from motcua.core.prepared import statement_cursor
from motcua.core.proxies import is_trusted_proxy

from .models import LoginThrottle


def _max_attempts() -> int:
    return max(1, int(getattr(settings, "LOGIN_MAX_ATTEMPTS", 5)))


def _window() -> dt.timedelta:
    return dt.timedelta(seconds=max(1, int(getattr(settings, "LOGIN_LOCKOUT_SECONDS", 900))))


def configured_limit(
    limit_setting: str, default_limit: int, window_setting: str, default_window: int
) -> tuple[int, dt.timedelta]:
    """(count, window) of a rate limit from its two settings (at least 1 and 1 s): every limit of this table is
    configured so (LOOKUP_RATE_LIMIT / LOOKUP_RATE_WINDOW_SECONDS, PAKN_RATE_LIMIT / …)."""
    limit = max(1, int(getattr(settings, limit_setting, default_limit)))
    window = dt.timedelta(seconds=max(1, int(getattr(settings, window_setting, default_window))))
    return limit, window


def wait_minutes(wait: int) -> int:
    """A wait in seconds as whole minutes for a message (at least one)."""
    return max(1, math.ceil(wait / 60))


# Failed sign-ins per client IP across account names: '#' is not allowed in usernames, so no account shares the key.
LOGIN_IP_KEY = "#dang-nhap"


def login_ip_limit() -> tuple[int, dt.timedelta]:
    """(failures, window) allowed per client IP whatever the account names: LOGIN_IP_MAX_FAILURES failed sign-ins
    within LOGIN_IP_WINDOW_SECONDS (defaults 100 in 900 s) lock the address out of signing in for that long."""
    return configured_limit("LOGIN_IP_MAX_FAILURES", 100, "LOGIN_IP_WINDOW_SECONDS", 900)


def normalise_username(username: str | None) -> str:
    """The throttle's key for what was typed in the sign-in box: every spelling that signs in the same way gets
    the same key, or a guesser would get a fresh count with each. A mobile number in any of the forms the
    e-mail-or-phone backend accepts ("0912 345 678", "+84912345678", "(0912)345678"…) is its canonical form; the
    rest is compared as the database compares e-mail addresses (iexact is UPPER() = UPPER(): "ı" and "i" are
    one letter there), so upper-cased, then lower-cased."""
    from motcua.notifications.recipients import RecipientError, normalise_phone

    key = (username or "").strip()
    if "@" not in key and not key.startswith("#"):
        try:
            key = normalise_phone(key)
        except RecipientError:
            pass
    return key.upper().lower()[:150]


_trusted = is_trusted_proxy


def client_ip(request) -> str:
    """The client's address: the peer (REMOTE_ADDR), or, when the peer is one of TRUSTED_PROXIES, the address
    X-Forwarded-For names before the trusted proxies — read from the right, so a client cannot choose its own
    key by sending the header itself (only what our proxies appended is believed)."""
    if request is None:
        return ""
    address = (request.META.get("REMOTE_ADDR") or "").strip()
    if address and getattr(settings, "TRUSTED_PROXIES", None) and _trusted(address):
        hops = [h.strip() for h in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if h.strip()]
        while hops:
            address = hops.pop()
            if not _trusted(address):
                break
    return address[:45]


def throttle_address(ip: str) -> str:
    """The address a count is kept under: an IPv6 client's /64 network (one subscriber's line or one host's
    privacy addresses: a client rotating through its /64 would otherwise start every count afresh), an
    IPv4-mapped address as IPv4, anything else as it is. IPv4 costs one membership test: the public lookups count
    every request."""
    if ":" not in ip:
        return ip
    try:
        address = ipaddress.ip_address(ip)
    except ValueError:
        return ip
    if address.version == 6:
        if address.ipv4_mapped is not None:
            return str(address.ipv4_mapped)
        return str(ipaddress.ip_network(f"{address}/64", strict=False))
    return ip


def seconds_locked(username: str, ip: str, *, now: dt.datetime | None = None) -> int:
    """Seconds until (username, ip) may try again; 0 if not locked."""
    ip = throttle_address(ip)
    now = now or timezone.now()
    locked_until = (
        LoginThrottle.objects.filter(username=normalise_username(username), ip=ip)
        .values_list("locked_until", flat=True)
        .first()
    )
    if locked_until is None or locked_until <= now:
        return 0
    return max(1, math.ceil((locked_until - now).total_seconds()))


# How old an unlocked record must be before any count deletes it. The table holds counts with different windows (a
# public lookup's five minutes, a sign-in's fifteen, a reset link's hour): a count may delete only records past the
# longest of them, or a lookup would wipe a sign-in count it did not own and let a guesser start again early.
STALE_AFTER = dt.timedelta(days=1)


def _forget_stale(key: str, ip: str, *, now: dt.datetime, window: dt.timedelta) -> None:
    """Delete the records of others with no count for a day (or the caller's window, when longer) and no lock
    running: keeps the table small (the record of (key, ip) itself is being written)."""
    LoginThrottle.objects.filter(first_failure_at__lt=now - max(window, STALE_AFTER)).filter(
        Q(locked_until__isnull=True) | Q(locked_until__lte=now)
    ).exclude(username=key, ip=ip).delete()


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
    ip = throttle_address(ip)
    now = now or timezone.now()
    window = window or _window()
    max_attempts = max_attempts or _max_attempts()
    key = normalise_username(username)
    with transaction.atomic():
        _forget_stale(key, ip, now=now, window=window)
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
    return configured_limit("LOOKUP_RATE_LIMIT", 60, "LOOKUP_RATE_WINDOW_SECONDS", 300)


def status_api_limit() -> tuple[int | None, dt.timedelta]:
    """(lookups, window) allowed per client IP on the public status API (GET /api/v1/dossiers/<code>/status):
    STATUS_API_RATE_LIMIT lookups within STATUS_API_RATE_WINDOW_SECONDS (defaults those of the lookup page, 60
    in 300 s), then HTTP 429 until the window has passed. A limit of 0 turns the count off (limit None) — for a
    deployment whose reverse proxy limits the rate itself (nginx `limit_req`): the count is a database write on
    every read."""
    configured = int(getattr(settings, "STATUS_API_RATE_LIMIT", 60))
    if configured <= 0:
        return None, dt.timedelta(0)
    window = dt.timedelta(seconds=max(1, int(getattr(settings, "STATUS_API_RATE_WINDOW_SECONDS", 300))))
    return configured, window


STATUS_API_KEY = "#api-status"  # '#' is not allowed in usernames


@functools.cache
def _rate_sql(vendor: str, async_commit: bool = False) -> str:
    """check_rate's statement (built once per database vendor). With `async_commit` (PostgreSQL, outside a
    transaction) the row comes from a one-row subquery that sets synchronous_commit off for the statement's own
    implicit transaction (`set_config(…, true)`, as SET LOCAL): one statement, so it binds its parameters on the
    server and is prepared like the others."""
    q = connections[DEFAULT_DB_ALIAS].ops.quote_name
    meta = LoginThrottle._meta
    table = q(meta.db_table)
    user, ip, failures = (q(meta.get_field(f).column) for f in ("username", "ip", "failures"))
    first, until = (q(meta.get_field(f).column) for f in ("first_failure_at", "locked_until"))
    fresh = f"{table}.{first} <= %(start)s"  # the window of the stored count has passed
    count = f"CASE WHEN {fresh} THEN 1 ELSE {table}.{failures} + 1 END"
    row = "VALUES (%(key)s, %(ip)s, 1, %(now)s, %(first_lock)s)"
    if async_commit:
        row = (
            "SELECT %(key)s, %(ip)s, 1, %(now)s, %(first_lock)s "
            "FROM (SELECT set_config('synchronous_commit', 'off', true)) AS async_commit WHERE true"
        )
    return (
        f"INSERT INTO {table} ({user}, {ip}, {failures}, {first}, {until}) {row} "
        f"ON CONFLICT ({user}, {ip}) DO UPDATE SET {failures} = {count}, "
        f"{first} = CASE WHEN {fresh} THEN %(now)s ELSE {table}.{first} END, "
        f"{until} = CASE WHEN {count} >= %(limit)s THEN %(until)s ELSE NULL END "
        f"WHERE {table}.{until} IS NULL OR {table}.{until} <= %(now)s "
        f"RETURNING {failures}"
    )


def check_rate(key: str, ip: str, *, limit: int, window: dt.timedelta, now: dt.datetime | None = None) -> int:
    """Count one request of `ip` under `key`. Returns 0 when it may be served, else the seconds to wait (the
    request over the limit is refused, not counted).

    The same counting as `record_failure` after `seconds_locked` (a lock running refuses; a window that has
    passed starts again; reaching `limit` locks for `window`), done in one INSERT … ON CONFLICT DO UPDATE …
    RETURNING statement: the public lookups call this on every request. A locked row is left alone (the
    WHERE of the update), so no row comes back and only then is the wait read. On PostgreSQL, outside a
    transaction, the statement commits without waiting for the WAL flush (synchronous_commit off for its own
    implicit transaction only): a count lost in a crash costs nothing, a flush per public lookup would."""
    ip = throttle_address(ip)
    now = now or timezone.now()
    conn = connections[DEFAULT_DB_ALIAS]
    adapt = conn.ops.adapt_datetimefield_value
    params = {
        "key": normalise_username(key),
        "ip": ip,
        "now": adapt(now),
        "start": adapt(now - window),
        "until": adapt(now + window),
        "first_lock": adapt(now + window) if limit <= 1 else None,
        "limit": limit,
    }
    # On PostgreSQL outside a transaction, the statement's own implicit transaction commits without waiting for
    # the WAL flush; inside the caller's transaction (or on SQLite) its durability is not ours to change.
    sql = _rate_sql(conn.vendor, async_commit=conn.vendor == "postgresql" and not conn.in_atomic_block)
    with statement_cursor(conn, sql) as cursor:
        cursor.execute(sql, params)
        row = cursor.fetchone()
    if row is None:  # a lock is running: refused, not counted
        return max(1, seconds_locked(key, ip, now=now))
    # a new count (new row or window passed): forget others' stale records, as record_failure does
    if row[0] == 1:
        _forget_stale(normalise_username(key), ip, now=now, window=window)
    return 0


# "Quên mật khẩu?": reset links asked per client IP and per e-mail address (same table, keys no username can take) ------

PASSWORD_RESET_IP_KEY = "#quen-mat-khau"
PASSWORD_RESET_EMAIL_KEY = "#quen-mat-khau-thu"  # its `ip` column holds a digest of the address, not an IP


def password_reset_limits() -> tuple[int, int, dt.timedelta]:
    """(per IP, per e-mail address, window): PASSWORD_RESET_IP_RATE_LIMIT requests of a reset link per client IP
    and PASSWORD_RESET_EMAIL_RATE_LIMIT per address typed (defaults 10 and 3) within
    PASSWORD_RESET_RATE_WINDOW_SECONDS (default 3600), then HTTP 429 until the window has passed."""
    per_ip, window = configured_limit(
        "PASSWORD_RESET_IP_RATE_LIMIT", 10, "PASSWORD_RESET_RATE_WINDOW_SECONDS", 3600
    )
    per_email = configured_limit(
        "PASSWORD_RESET_EMAIL_RATE_LIMIT", 3, "PASSWORD_RESET_RATE_WINDOW_SECONDS", 3600
    )[0]
    return per_ip, per_email, window


def password_reset_ip_wait(ip: str) -> int:
    """Count one reset request of `ip`: 0 when it may be served, else the seconds to wait."""
    per_ip, _, window = password_reset_limits()
    return check_rate(PASSWORD_RESET_IP_KEY, ip, limit=per_ip, window=window)


def password_reset_email_wait(email: str) -> int:
    """Count one reset request for the address `email` (whether or not an account has it, so the count tells
    nothing): 0 when it may be served, else the seconds to wait. The table keeps a digest, not the address."""
    _, per_email, window = password_reset_limits()
    digest = hashlib.sha256(email.strip().lower().encode()).hexdigest()[:40]
    return check_rate(PASSWORD_RESET_EMAIL_KEY, digest, limit=per_email, window=window)


def clear_login_locks(user) -> int:
    """Forget the failed sign-ins of `user` from every address, under each name the account signs in with (its
    username, its e-mail, its mobile number as stored): after a password reset the locks guarded a password that no
    longer exists, and the owner who just proved the mailbox must not be kept out by them. Returns the rows
    deleted."""
    names = {normalise_username(user.get_username()), normalise_username(getattr(user, "email", ""))}
    profile = getattr(user, "citizen_profile", None)  # portal's one-to-one; none for staff (AttributeError)
    if profile is not None and getattr(profile, "phone", ""):
        names.add(normalise_username(profile.phone))
    names.discard("")
    deleted, _ = LoginThrottle.objects.filter(username__in=names).delete()
    return deleted


def reset(username: str, ip: str) -> None:
    LoginThrottle.objects.filter(username=normalise_username(username), ip=throttle_address(ip)).delete()


# Signal receivers (connected in OrgConfig.ready) ------------------------------------------------------


def on_login_failed(sender, credentials, request=None, **kwargs) -> None:
    """Count the failure for (name typed, client IP) and for the client IP whatever the name. A name beginning
    with '#' signs nobody in and would share a row with one of the keys above: counted for the address only."""
    if request is None:  # e.g. test client .login() or scripts: no client to throttle
        return
    username = credentials.get("username") or credentials.get("email") or ""
    ip = client_ip(request)
    if not normalise_username(username).startswith("#"):
        record_failure(username, ip)
    ip_failures, ip_window = login_ip_limit()
    record_failure(LOGIN_IP_KEY, ip, max_attempts=ip_failures, window=ip_window)


def on_logged_in(sender, request, user, **kwargs) -> None:
    """A success clears the (username, IP) count only: clearing the address's count too would let one account the
    sprayer knows (their own) reopen the address for another round of guesses."""
    if request is None:
        return
    reset(user.get_username(), client_ip(request))
