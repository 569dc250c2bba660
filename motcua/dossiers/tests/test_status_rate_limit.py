"""The public status API is rate limited per client IP like the lookup page: over STATUS_API_RATE_LIMIT lookups
(found or not) within the window, HTTP 429 with Retry-After and a Vietnamese + English JSON message, and no
lookup; the refused request is not counted; another IP is served; the limit lifts after the window; the API's
count and the lookup page's are separate. `check_rate` (one statement) counts exactly as before."""

import datetime as dt

import pytest
from django.db import transaction
from django.test import Client
from django.utils import timezone

from motcua.org import throttle
from motcua.org.models import LoginThrottle

from .test_api import BODY, call

MISSING = "000.00.21.H26-250101-9999"


@pytest.fixture(autouse=True)
def small_limit(settings):
    settings.STATUS_API_RATE_LIMIT = 3
    settings.STATUS_API_RATE_WINDOW_SECONDS = 300


def status(client: Client, code: str, ip: str = "203.0.113.7"):
    return client.get(f"/api/v1/dossiers/{code}/status", REMOTE_ADDR=ip)


def test_lookups_over_the_limit_get_429(org, token):
    c = Client()
    code = call(c, "post", "/api/v1/dossiers", token("citizen"), BODY).json()["code"]
    assert status(c, code).status_code == 200
    assert status(c, MISSING).status_code == 404  # misses count too
    assert status(c, code).status_code == 200
    r = status(c, code)
    assert r.status_code == 429
    assert 240 < int(r["Retry-After"]) <= 300
    assert r.json() == {
        "error": "throttled",
        "message": "Bạn đã tra cứu quá nhiều lần trong thời gian ngắn. Vui lòng thử lại sau 5 phút.",
        "message_en": "Too many lookups in a short time. Please try again in 5 minutes.",
    }
    # refused requests are not counted and look nothing up: still 429, the same row
    assert status(c, MISSING).status_code == 429
    row = LoginThrottle.objects.get(username=throttle.STATUS_API_KEY, ip="203.0.113.7")
    assert row.failures == 3 and row.locked_until > timezone.now()
    # another client is served; the lookup page has its own count
    assert status(c, code, ip="198.51.100.2").status_code == 200
    assert c.get("/tra-cuu/", {"ma": code}, REMOTE_ADDR="203.0.113.7").status_code == 200
    assert not LoginThrottle.objects.filter(username=throttle.LOOKUP_KEY, failures__gt=1).exists()


def test_limit_lifts_after_the_window(org, token):
    c = Client()
    code = call(c, "post", "/api/v1/dossiers", token("citizen"), BODY).json()["code"]
    for _ in range(3):
        assert status(c, code).status_code == 200
    assert status(c, code).status_code == 429
    past = timezone.now() - dt.timedelta(seconds=301)
    LoginThrottle.objects.filter(username=throttle.STATUS_API_KEY).update(
        first_failure_at=past, locked_until=past
    )
    r = status(c, code)
    assert r.status_code == 200 and r.json()["code"] == code
    assert LoginThrottle.objects.get(username=throttle.STATUS_API_KEY).failures == 1


def test_openapi_documents_the_429(org):
    spec = Client().get("/api/v1/openapi.json").json()
    responses = spec["paths"]["/api/v1/dossiers/{code}/status"]["get"]["responses"]
    assert {"200", "404", "429"} <= set(responses)


def test_check_rate_counts_like_record_failure(db):
    t0 = timezone.now().replace(microsecond=0)
    window = dt.timedelta(seconds=600)

    def hit(seconds, limit=3):
        return throttle.check_rate(
            "#k", "192.0.2.1", limit=limit, window=window, now=t0 + dt.timedelta(seconds=seconds)
        )

    assert [hit(0), hit(10), hit(20)] == [0, 0, 0]  # the third reaches the limit and locks
    assert hit(30) == 590  # locked until t0+20+600
    assert hit(619) == 1
    assert hit(620) == 0  # lock over and the window passed: counting starts again
    row = LoginThrottle.objects.get(username="#k")
    assert (row.failures, row.first_failure_at, row.locked_until) == (1, t0 + dt.timedelta(seconds=620), None)
    assert [hit(700), hit(1219)] == [0, 0]  # 3 within 600 s of t0+620: locked
    assert hit(1220) == 599
    # a window that passed without reaching the limit starts a new count (no lock)
    assert throttle.check_rate("#j", "192.0.2.1", limit=2, window=window, now=t0) == 0
    assert throttle.check_rate("#j", "192.0.2.1", limit=2, window=window, now=t0 + window) == 0
    assert LoginThrottle.objects.get(username="#j").failures == 1
    # a limit of 1 locks on the first request
    assert throttle.check_rate("#i", "192.0.2.1", limit=1, window=window, now=t0) == 0
    assert (
        throttle.check_rate("#i", "192.0.2.1", limit=1, window=window, now=t0 + dt.timedelta(seconds=1))
        == 599
    )
    # stale rows of others (a day past their count, no lock running) are forgotten when a new count starts
    throttle.check_rate("#h", "192.0.2.9", limit=9, window=window, now=t0 + dt.timedelta(days=2))
    assert set(LoginThrottle.objects.values_list("username", flat=True)) == {"#h"}


def test_check_rate_outside_a_transaction(transactional_db):
    """The path the server takes (autocommit; on PostgreSQL one statement with synchronous_commit off for its own
    transaction only, the connection's setting unchanged after it)."""
    from django.db import connection

    t0 = timezone.now()
    window = dt.timedelta(seconds=60)
    assert not connection.in_atomic_block
    results = [throttle.check_rate("#t", "192.0.2.3", limit=2, window=window, now=t0) for _ in range(3)]
    assert results[:2] == [0, 0] and 55 <= results[2] <= 60
    assert LoginThrottle.objects.get(username="#t").failures == 2
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SHOW synchronous_commit")
            assert cursor.fetchone()[0] == "on"


def test_check_rate_does_not_wait_for_the_wal_flush_on_postgresql(transactional_db):
    """The count is one statement whose own implicit transaction has synchronous_commit off (set_config local to
    it): the setting is in force inside that statement, and the connection's own setting is unchanged after it."""
    from django.db import connection

    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL only")
    sent = []

    def recording(execute, sql, params, many, context):
        sent.append(sql)
        return execute(sql, params, many, context)

    with connection.execute_wrapper(recording):
        assert throttle.check_rate("#w", "192.0.2.4", limit=5, window=dt.timedelta(seconds=60)) == 0
    assert sent[0].startswith("INSERT")  # (then, for a new count, the purge of stale rows)
    assert "set_config('synchronous_commit', 'off', true)" in sent[0]
    assert LoginThrottle.objects.get(username="#w").failures == 1
    # what the statement's row source does, observed from inside one statement, then after it
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT current_setting('synchronous_commit') FROM "
            "(SELECT set_config('synchronous_commit', 'off', true)) AS async_commit"
        )
        assert cursor.fetchone()[0] == "off"
        cursor.execute("SHOW synchronous_commit")
        assert cursor.fetchone()[0] == "on"
    # inside a caller's transaction the count keeps that transaction's durability
    sent.clear()
    with transaction.atomic(), connection.execute_wrapper(recording):
        throttle.check_rate("#w", "192.0.2.4", limit=5, window=dt.timedelta(seconds=60))
    assert "set_config" not in sent[0]


def test_a_limit_of_zero_turns_the_count_off(org, token, settings):
    """For a deployment whose reverse proxy limits the rate: no count, no row written, never 429."""
    settings.STATUS_API_RATE_LIMIT = 0
    c = Client()
    code = call(c, "post", "/api/v1/dossiers", token("citizen"), BODY).json()["code"]
    for _ in range(5):
        assert status(c, code).status_code == 200
    assert not LoginThrottle.objects.filter(username=throttle.STATUS_API_KEY).exists()
