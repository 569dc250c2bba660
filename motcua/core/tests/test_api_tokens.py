"""API bearer tokens expire (API_TOKEN_MAX_AGE_DAYS, fixed when issued), an expired one is refused with 401
saying so, and `motcua apitoken <user> --revoke` revokes a user's tokens. ADR 0001, addendum on tokens."""

import datetime as dt
import re
from io import StringIO

import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command
from django.utils import timezone

from motcua.core import auth
from motcua.core.models import ApiToken, hash_token

from .test_settings import settings_of


@pytest.fixture
def user(db):
    return get_user_model().objects.create_user("canbo", password="pw-123456-x")


def apitoken(*args) -> tuple[str, str]:
    out, err = StringIO(), StringIO()
    call_command("apitoken", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def get(client, raw):
    return client.get("/api/v1/dossiers", HTTP_AUTHORIZATION=f"Bearer {raw}")


def test_the_command_prints_the_token_alone_and_its_expiry_on_stderr(user, settings):
    settings.API_TOKEN_MAX_AGE_DAYS = 90
    before = timezone.now()
    out, err = apitoken("canbo")
    assert re.fullmatch(r"mc_[A-Za-z0-9_\-]{43}\n", out)  # contract §6: the token, alone
    assert err == ""  # not at a terminal: nothing else, even on stderr (a script may merge the two)
    out, err = apitoken("canbo", "-v", "2")
    token = ApiToken.objects.get(key_hash=hash_token(out.strip()))
    assert before + dt.timedelta(days=90) <= token.expires_at <= timezone.now() + dt.timedelta(days=90)
    day = timezone.localtime(token.expires_at).strftime("%d/%m/%Y")
    assert "Mã có hiệu lực đến" in err and day in err and f"valid until {day}" in err
    out, err = apitoken("canbo", "--days", "7", "-v", "2")
    token = ApiToken.objects.get(key_hash=hash_token(out.strip()))
    assert token.expires_at - token.created_at == pytest.approx(
        dt.timedelta(days=7), abs=dt.timedelta(seconds=5)
    )
    assert timezone.localtime(token.expires_at).strftime("%d/%m/%Y") in err


def test_days_beyond_the_setting_or_not_positive_are_refused_and_issue_nothing(user, settings):
    settings.API_TOKEN_MAX_AGE_DAYS = 90
    for days in ("91", "0", "-3"):
        with pytest.raises(CommandError) as exc:
            apitoken("canbo", "--days", days)
        assert "1–90" in str(exc.value) and "số ngày hiệu lực" in str(exc.value), days
    assert not ApiToken.objects.exists()


def test_a_max_age_of_zero_issues_tokens_that_never_expire(user, settings, client):
    settings.API_TOKEN_MAX_AGE_DAYS = 0
    out, err = apitoken("canbo", "-v", "2")
    assert ApiToken.objects.get().expires_at is None and "không có hạn dùng" in err
    assert get(client, out.strip()).status_code == 200
    out, _ = apitoken("canbo", "--days", "400")  # no ceiling then; a limit may still be asked for
    assert ApiToken.objects.get(key_hash=hash_token(out.strip())).expires_at is not None


def test_an_expired_token_is_refused_with_401_saying_it_expired(user, client):
    raw = ApiToken.issue(user, days=30)
    assert get(client, raw).status_code == 200
    token = ApiToken.objects.get()
    expired_at = timezone.now() - dt.timedelta(minutes=1)
    ApiToken.objects.filter(pk=token.pk).update(expires_at=expired_at, last_used_at=None)
    r = get(client, raw)
    assert r.status_code == 401
    body = r.json()
    when = timezone.localtime(expired_at).strftime("%d/%m/%Y %H:%M")
    assert body["error"] == "token_expired"
    assert body["message"].startswith(f"Mã truy cập đã hết hạn lúc {when}")
    assert body["message_en"].startswith(f"The access token expired at {when}")
    assert ApiToken.objects.get().last_used_at is None  # a refused token is not "used"
    # the rating route, which also takes anonymous callers, refuses it too rather than going on anonymously
    r = client.post(
        "/api/v1/dossiers/X-1/rating",
        {"overall": 5},
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {raw}",
    )
    assert r.status_code == 401 and r.json()["error"] == "token_expired"


def test_the_expiry_check_adds_no_query(user, django_assert_num_queries):
    """The expiry is read on the row the prepared token lookup already loads: one statement either way."""
    fresh = ApiToken.issue(user, days=30)
    old = ApiToken.issue(user, days=30)
    ApiToken.objects.update(last_used_at=timezone.now())  # no "last used" write in the way
    ApiToken.objects.filter(key_hash=hash_token(old)).update(
        expires_at=timezone.now() - dt.timedelta(seconds=1)
    )
    auth.user_for_token(fresh)  # the statement compiled on this connection
    with django_assert_num_queries(1):
        assert auth.user_for_token(fresh) == user
    with django_assert_num_queries(1), pytest.raises(auth.TokenExpired):
        auth.user_for_token(old)


def test_a_deactivated_users_token_is_refused(user, client):
    raw = ApiToken.issue(user)
    assert get(client, raw).status_code == 200
    user.is_active = False
    user.save()
    r = get(client, raw)
    assert r.status_code == 401 and r.json()["error"] == "unauthorized"


def test_revoke_revokes_all_the_users_tokens_and_only_theirs(user, client):
    other = get_user_model().objects.create_user("khac")
    mine = [ApiToken.issue(user) for _ in range(2)]
    theirs = ApiToken.issue(other)
    out, _ = apitoken("canbo", "--revoke")
    assert out == "Đã thu hồi 2 mã truy cập của 'canbo'. / Revoked 2 API token(s) of 'canbo'.\n"
    assert ApiToken.objects.filter(user=user).count() == 2  # revoked, not deleted: the admin still lists them
    for raw in mine:
        assert get(client, raw).status_code == 401
    assert get(client, theirs).status_code == 200
    assert apitoken("canbo", "--revoke")[0].startswith("Đã thu hồi 0 mã truy cập")
    with pytest.raises(CommandError, match="--revoke không đi cùng --days"):
        apitoken("canbo", "--revoke", "--days", "3")


def test_the_setting_is_read_from_the_environment(monkeypatch):
    monkeypatch.delenv("API_TOKEN_MAX_AGE_DAYS", raising=False)
    assert settings_of({}, "API_TOKEN_MAX_AGE_DAYS") == {"API_TOKEN_MAX_AGE_DAYS": 90}
    assert settings_of({"API_TOKEN_MAX_AGE_DAYS": "0"}, "API_TOKEN_MAX_AGE_DAYS") == {
        "API_TOKEN_MAX_AGE_DAYS": 0
    }
    from .test_settings import motcua

    run = motcua({"API_TOKEN_MAX_AGE_DAYS": "-1"}, "check")
    assert run.returncode == 2 and "Traceback" not in run.stderr
    assert run.stderr.startswith("motcua: lỗi cấu hình / configuration error: API_TOKEN_MAX_AGE_DAYS='-1'")
    assert "cần một số nguyên từ 0 đến 36500" in run.stderr and "whole number from 0 to 36500" in run.stderr


@pytest.mark.django_db(transaction=True)
def test_the_migration_gives_earlier_tokens_one_period_from_then(settings):
    from django.db import connection
    from django.db.migrations.executor import MigrationExecutor

    settings.API_TOKEN_MAX_AGE_DAYS = 30
    before = [("core", "0002_refstamp")]
    executor = MigrationExecutor(connection)
    executor.migrate(before)
    old = MigrationExecutor(connection).loader.project_state(before).apps
    owner = old.get_model("auth", "User").objects.create(username="cu")
    Token_ = old.get_model("core", "ApiToken")
    live = Token_.objects.create(user=owner, key_hash="a" * 64)
    revoked = Token_.objects.create(user=owner, key_hash="b" * 64, revoked=True)
    start = timezone.now()
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(executor.loader.graph.leaf_nodes())
    expires = ApiToken.objects.get(pk=live.pk).expires_at
    assert start + dt.timedelta(days=30) <= expires <= timezone.now() + dt.timedelta(days=30)
    assert ApiToken.objects.get(pk=revoked.pk).expires_at is None  # refused anyway


@pytest.mark.parametrize(
    "header, status",
    [
        ("Bearer {raw}", 200),
        ("bearer {raw}", 200),  # the scheme is case-insensitive (RFC 9110 §11.1)
        ("BEARER {raw}", 200),
        ("Bearer  {raw}", 200),  # RFC 6750 §2.1: one or more spaces (django-ninja's own reading took one)
        ("Bearer {raw}  ", 200),
        ("Bearer {raw} x", 401),  # a token holds no space
        ("Basic {raw}", 401),
        ("{raw}", 401),
        ("Bearer", 401),
        ("", 401),
    ],
)
def test_the_authorization_header_is_read_as_rfc_6750_writes_it(user, client, header, status):
    raw = ApiToken.issue(user)
    r = client.get("/api/v1/dossiers", HTTP_AUTHORIZATION=header.format(raw=raw))
    assert r.status_code == status, r.content
