"""Settings read from the environment at start-up, with DEBUG off as in production: what must be set, what is
derived, and how a misconfiguration stops the start (one clear line, no traceback)."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured

from motcua.settings import site_url

ROOT = Path(__file__).resolve().parents[3]
PROD = {"DEBUG": "0", "SECRET_KEY": "test-secret-key-for-settings", "MEDIA_ROOT": "/var/lib/motcua/media"}
ERROR = "motcua: lỗi cấu hình / configuration error: "


def _env(extra: dict) -> dict:
    keep = {
        k: v for k, v in os.environ.items() if not k.startswith(("MOTCUA_", "EMAIL_", "DEBUG", "ALLOWED_"))
    }
    keep.pop("SECRET_KEY", None)
    keep.pop("MEDIA_ROOT", None)
    keep.pop("TRUSTED_PROXIES", None)
    return {**keep, "DJANGO_SETTINGS_MODULE": "motcua.settings", "PYTHONPATH": str(ROOT), **extra}


def settings_of(extra: dict, *names: str) -> dict:
    code = (
        "import json; from django.conf import settings as s; "
        f"print(json.dumps({{n: getattr(s, n, None) for n in {list(names)!r}}}, default=str))"
    )
    run = subprocess.run(
        [sys.executable, "-c", code], env=_env(extra), cwd=ROOT, capture_output=True, text=True, timeout=60
    )
    assert run.returncode == 0, run.stderr
    return json.loads(run.stdout)


def motcua(extra: dict, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "motcua.manage", *args],
        env=_env(extra),
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_site_url_rules(monkeypatch):
    monkeypatch.delenv("PORT", raising=False)
    assert site_url("https://dvc.example.vn/", debug=False, allowed_hosts=[]) == "https://dvc.example.vn"
    assert site_url("", debug=True, allowed_hosts=["a.vn", "b.vn"]) == "http://127.0.0.1:8000"
    # `PORT=8005 make run`: the links in the demo's messages go to that server, not to port 8000
    monkeypatch.setenv("PORT", "8005")
    assert site_url("", debug=True, allowed_hosts=[]) == "http://127.0.0.1:8005"
    monkeypatch.setenv("PORT", "80; rm")
    assert site_url("", debug=True, allowed_hosts=[]) == "http://127.0.0.1:8000"
    assert (
        site_url("", debug=False, allowed_hosts=["motcua.example.gov.vn"]) == "https://motcua.example.gov.vn"
    )
    for hosts in (["a.vn", "b.vn"], ["*"], [".example.gov.vn"], []):
        with pytest.raises(
            ImproperlyConfigured, match="MOTCUA_SITE_URL phải được đặt .* MOTCUA_SITE_URL must be set"
        ):
            site_url("", debug=False, allowed_hosts=hosts)
    with pytest.raises(ImproperlyConfigured, match="phải là địa chỉ của trang.* must be the site's address"):
        site_url("motcua.example.gov.vn", debug=False, allowed_hosts=[])


def test_production_site_url_is_set_or_derived():
    got = settings_of({**PROD, "ALLOWED_HOSTS": "motcua.example.gov.vn"}, "MOTCUA_SITE_URL")
    assert got["MOTCUA_SITE_URL"] == "https://motcua.example.gov.vn"
    got = settings_of(
        {**PROD, "ALLOWED_HOSTS": "a.vn,b.vn", "MOTCUA_SITE_URL": "https://dvc.example.vn"}, "MOTCUA_SITE_URL"
    )
    assert got["MOTCUA_SITE_URL"] == "https://dvc.example.vn"


def test_a_misconfiguration_stops_the_command_with_one_clear_line():
    run = motcua({**PROD, "ALLOWED_HOSTS": "a.vn,b.vn"}, "check")
    assert run.returncode == 2
    assert run.stderr.startswith(f"{ERROR}MOTCUA_SITE_URL phải được đặt khi DEBUG tắt")
    assert "MOTCUA_SITE_URL must be set when DEBUG is off" in run.stderr
    assert "Traceback" not in run.stderr
    run = motcua({"DEBUG": "0"}, "check")
    assert run.returncode == 2
    assert "SECRET_KEY phải được đặt" in run.stderr and "SECRET_KEY must be set" in run.stderr
    assert "Traceback" not in run.stderr
    assert motcua({**PROD, "ALLOWED_HOSTS": "motcua.example.gov.vn"}, "check").returncode == 0
    # ALLOWED_HOSTS set but empty: the server started and refused every request with 400
    run = motcua({**PROD, "ALLOWED_HOSTS": " ", "MOTCUA_SITE_URL": "https://motcua.example.gov.vn"}, "check")
    assert run.returncode == 2
    assert run.stderr.startswith(f"{ERROR}ALLOWED_HOSTS đang trống")
    assert "ALLOWED_HOSTS is empty" in run.stderr
    assert "Traceback" not in run.stderr


def test_the_sms_adapter_defaults_to_the_console_only_in_development():
    got = settings_of({**PROD, "ALLOWED_HOSTS": "motcua.example.gov.vn"}, "MOTCUA_SMS_ADAPTER")
    assert got["MOTCUA_SMS_ADAPTER"] == "motcua.notifications.sms.DisabledAdapter"
    assert settings_of({"DEBUG": "1"}, "MOTCUA_SMS_ADAPTER")["MOTCUA_SMS_ADAPTER"].endswith(".ConsoleAdapter")
    chosen = {
        **PROD,
        "ALLOWED_HOSTS": "a.vn",
        "MOTCUA_SMS_ADAPTER": "motcua.notifications.sms.ConsoleAdapter",
    }
    assert settings_of(chosen, "MOTCUA_SMS_ADAPTER")["MOTCUA_SMS_ADAPTER"].endswith(".ConsoleAdapter")


def test_development_keeps_no_database_connection_open_between_requests():
    """runserver starts a thread per request: persistent connections there pile up until PostgreSQL refuses
    clients. Production (DEBUG=0) keeps them 60 s; CONN_MAX_AGE overrides."""

    def _conn_max_age(env: dict) -> int:
        return settings_of(
            {k: v for k, v in env.items() if k != "CONN_MAX_AGE"}
            | ({"CONN_MAX_AGE": env["CONN_MAX_AGE"]} if "CONN_MAX_AGE" in env else {}),
            "DATABASES",
        )["DATABASES"]["default"]["CONN_MAX_AGE"]

    dev = _conn_max_age({"DEBUG": "1", "DATABASE_URL": "postgres://postgres@127.0.0.1:5432/x"})
    prod = _conn_max_age(
        {"DEBUG": "0", "SECRET_KEY": "k" * 50, "ALLOWED_HOSTS": "motcua.example.vn", "MEDIA_ROOT": "/srv/media",
         "DATABASE_URL": "postgres://postgres@127.0.0.1:5432/x"}
    )  # fmt: skip
    chosen = _conn_max_age(
        {"DEBUG": "1", "CONN_MAX_AGE": "30", "DATABASE_URL": "postgres://postgres@127.0.0.1:5432/x"}
    )
    assert (dev, prod, chosen) == (0, 60, 30)


@pytest.mark.parametrize(
    "extra, vietnamese, english",
    [
        # a password with an unencoded '#' or a port that is not a number: the URL cannot be parsed
        (
            {"DATABASE_URL": "postgres://motcua:s3cr#t@127.0.0.1:abc/motcua"},
            "DATABASE_URL không đọc được: cần dạng postgres://",
            "DATABASE_URL cannot be read: it must look like postgres://",
        ),
        (
            {"DATABASE_URL": "mysql://motcua:s3cr3t@127.0.0.1/motcua"},
            "DATABASE_URL dùng loại cơ sở dữ liệu 'mysql' không được hỗ trợ",
            "DATABASE_URL names an unsupported database 'mysql'",
        ),
        (
            {"DATABASE_URL": "postgres://motcua:s3cr3t@127.0.0.1:5432"},
            "DATABASE_URL thiếu tên cơ sở dữ liệu",
            "DATABASE_URL lacks the database name",
        ),
        (
            {"CONN_MAX_AGE": "abc"},
            "CONN_MAX_AGE='abc' không hợp lệ: cần một số nguyên từ 0 trở lên",
            "CONN_MAX_AGE='abc' is not valid: it must be a whole number of at least 0",
        ),
        (
            {"STATUS_API_RATE_LIMIT": "-5"},
            "STATUS_API_RATE_LIMIT='-5' không hợp lệ",
            "STATUS_API_RATE_LIMIT='-5' is not valid: it must be a whole number of at least 0, "
            "e.g. STATUS_API_RATE_LIMIT=60",
        ),
        (
            {"MOTCUA_UPLOAD_MAX_BYTES": "20MB"},
            "MOTCUA_UPLOAD_MAX_BYTES='20MB' không hợp lệ: cần một số nguyên từ 1 trở lên, ví dụ "
            "MOTCUA_UPLOAD_MAX_BYTES=20971520",
            "MOTCUA_UPLOAD_MAX_BYTES='20MB' is not valid",
        ),
        (
            {"EMAIL_HOST": "smtp.example.vn", "EMAIL_PORT": "70000"},
            "EMAIL_PORT='70000' không hợp lệ: cần một số nguyên từ 1 đến 65535",
            "EMAIL_PORT='70000' is not valid: it must be a whole number from 1 to 65535",
        ),
        (
            {"DEBUG": "flase"},
            "DEBUG='flase' không hợp lệ: dùng 1 (bật) hoặc 0 (tắt)",
            "DEBUG='flase' is not valid: use 1 (on) or 0 (off)",
        ),
        (
            {"TRUSTED_PROXIES": "nginx.local"},
            "TRUSTED_PROXIES: 'nginx.local' không phải địa chỉ IP hay dải mạng",
            "'nginx.local' is not an IP address or network",
        ),
        (
            {"MOTCUA_STORAGE": "s3", "MOTCUA_S3_BUCKET": "hoso", "MOTCUA_S3_ADDRESSING_STYLE": "host"},
            "MOTCUA_STORAGE=s3 cấu hình sai: MOTCUA_S3_ADDRESSING_STYLE phải là 'path', 'virtual' hoặc 'auto'",
            "MOTCUA_STORAGE=s3 is misconfigured: MOTCUA_S3_ADDRESSING_STYLE must be",
        ),
        (
            {"ALLOWED_HOSTS": "https://motcua.example.gov.vn"},
            "ALLOWED_HOSTS: 'https://motcua.example.gov.vn' không phải tên miền",
            "ALLOWED_HOSTS: 'https://motcua.example.gov.vn' is not a host name",
        ),
        (
            {"ALLOWED_HOSTS": "motcua.example.gov.vn,motcua.example.gov.vn:8101"},
            "ALLOWED_HOSTS: 'motcua.example.gov.vn:8101' không phải tên miền",
            "without https://, a path or a port",
        ),
        (
            {"API_TOKEN_MAX_AGE_DAYS": "99999999999"},
            "API_TOKEN_MAX_AGE_DAYS='99999999999' không hợp lệ: cần một số nguyên từ 0 đến 36500",
            "API_TOKEN_MAX_AGE_DAYS='99999999999' is not valid: it must be a whole number from 0 to 36500",
        ),
    ],
    ids=["db-unreadable", "db-unsupported", "db-unnamed", "conn-max-age", "rate-limit", "upload-bytes",
         "email-port", "debug", "trusted-proxies", "s3", "hosts-url", "hosts-port", "token-days"],
)  # fmt: skip
def test_every_configuration_error_is_one_line_in_vietnamese_then_english(extra, vietnamese, english):
    """Operators read Vietnamese first; settings load before translations, so the message carries both
    languages ("tiếng Việt — English"), names the variable and shows a valid value. Nothing is started (exit 2)
    and a password in DATABASE_URL is never repeated."""
    run = motcua({**PROD, "ALLOWED_HOSTS": "motcua.example.gov.vn", **extra}, "check")
    assert run.returncode == 2, run.stderr
    assert run.stdout == ""
    assert "Traceback" not in run.stderr
    lines = run.stderr.splitlines()
    assert len(lines) == 1, run.stderr
    assert lines[0].startswith(ERROR + vietnamese.split(":")[0])
    vi, _, en = lines[0].removeprefix(ERROR).partition(" — ")
    assert vietnamese in vi and english in en, run.stderr
    assert "s3cr" not in run.stderr


def test_numbers_and_switches_in_range_are_read():
    got = settings_of(
        {
            **PROD,
            "ALLOWED_HOSTS": "a.vn",
            "STATUS_API_RATE_LIMIT": " 0 ",
            "DEBUG": "Off",
            "CONN_MAX_AGE": "",
            "DATABASE_URL": "",
        },
        "STATUS_API_RATE_LIMIT",
        "DEBUG",
        "DATABASES",
    )
    assert got["STATUS_API_RATE_LIMIT"] == 0 and got["DEBUG"] is False
    assert got["DATABASES"]["default"]["CONN_MAX_AGE"] == 0  # SQLite: none kept open, whatever is set


def test_production_keeps_its_files_apart_from_the_development_server():
    """`make run` and `make serve` in one checkout both defaulted to its media/ folder: the demo's files and the
    citizens' lay together. Development keeps media/; with DEBUG off MEDIA_ROOT must name an absolute folder
    (unless the files go to S3)."""
    run = motcua({k: v for k, v in PROD.items() if k != "MEDIA_ROOT"} | {"ALLOWED_HOSTS": "a.vn"}, "check")
    assert run.returncode == 2 and "Traceback" not in run.stderr
    assert run.stderr.startswith(f"{ERROR}MEDIA_ROOT phải được đặt khi DEBUG tắt")
    assert "MEDIA_ROOT must be set when DEBUG is off" in run.stderr and "/var/lib/motcua/media" in run.stderr
    run = motcua({**PROD, "ALLOWED_HOSTS": "a.vn", "MEDIA_ROOT": "media"}, "check")
    assert run.returncode == 2 and "MEDIA_ROOT='media' phải là đường dẫn tuyệt đối" in run.stderr
    assert settings_of({"DEBUG": "1"}, "MEDIA_ROOT")["MEDIA_ROOT"] == str(ROOT / "media")
    assert (
        settings_of({**PROD, "ALLOWED_HOSTS": "a.vn"}, "MEDIA_ROOT")["MEDIA_ROOT"] == "/var/lib/motcua/media"
    )
    s3 = {"MOTCUA_STORAGE": "s3", "MOTCUA_S3_BUCKET": "ho-so", "ALLOWED_HOSTS": "a.vn"}
    assert settings_of({k: v for k, v in PROD.items() if k != "MEDIA_ROOT"} | s3, "MEDIA_ROOT")["MEDIA_ROOT"]


def test_the_total_of_a_request_is_read_and_never_below_one_largest_file():
    """MOTCUA_UPLOAD_MAX_REQUEST_BYTES (default 100 MB; at least one largest file and 1 MB of other fields, so a
    raised MOTCUA_UPLOAD_MAX_BYTES raises the default with it) and MOTCUA_UPLOAD_MAX_FILES (Django's
    DATA_UPLOAD_MAX_NUMBER_FILES, default 50)."""
    names = ("MOTCUA_UPLOAD_MAX_REQUEST_BYTES", "DATA_UPLOAD_MAX_NUMBER_FILES")
    got = settings_of({}, *names)
    assert got == {"MOTCUA_UPLOAD_MAX_REQUEST_BYTES": 104857600, "DATA_UPLOAD_MAX_NUMBER_FILES": 50}
    got = settings_of({"MOTCUA_UPLOAD_MAX_BYTES": "209715200", "MOTCUA_UPLOAD_MAX_FILES": "30"}, *names)
    assert got == {"MOTCUA_UPLOAD_MAX_REQUEST_BYTES": 209715200 + 1048576, "DATA_UPLOAD_MAX_NUMBER_FILES": 30}
    run = motcua({**PROD, "ALLOWED_HOSTS": "a.vn", "MOTCUA_UPLOAD_MAX_REQUEST_BYTES": "20971520"}, "check")
    assert run.returncode == 2 and len(run.stderr.splitlines()) == 1, run.stderr
    assert "MOTCUA_UPLOAD_MAX_REQUEST_BYTES=20971520 nhỏ hơn một tệp lớn nhất" in run.stderr
    assert "cần ít nhất 22020096" in run.stderr and "it must be at least 22020096" in run.stderr
    run = motcua({**PROD, "ALLOWED_HOSTS": "a.vn", "MOTCUA_UPLOAD_MAX_FILES": "5"}, "check")
    assert run.returncode == 2 and "MOTCUA_UPLOAD_MAX_FILES='5' không hợp lệ" in run.stderr


@pytest.mark.parametrize(
    "url, where",
    [
        ("postgres://motcua:s3cr3t@127.0.0.1:1/motcua", "127.0.0.1:1/motcua"),
        ("sqlite:////khong-co-thu-muc/motcua.sqlite3", "/khong-co-thu-muc/motcua.sqlite3"),
    ],
    ids=["server-down", "sqlite-folder-missing"],
)
def test_a_database_that_does_not_answer_is_one_line_not_a_traceback(url, where):
    """`make serve` with DATABASE_URL naming a server that is down (or a database not created yet): `migrate`
    printed forty lines of psycopg's traceback. One line now names the database (never the password) and what to
    check, in Vietnamese then English, with a non-zero exit."""
    run = motcua(
        {**PROD, "ALLOWED_HOSTS": "motcua.example.gov.vn", "DATABASE_URL": url}, "migrate", "--noinput"
    )
    assert run.returncode == 1, run.stderr
    assert "Traceback" not in run.stderr and "s3cr" not in run.stderr
    [line] = [x for x in run.stderr.splitlines() if x.startswith("motcua: ")]
    vi, _, en = line.partition(" — ")
    assert f"không kết nối được cơ sở dữ liệu {where}" in vi and "kiểm tra DATABASE_URL" in vi
    assert f"cannot connect to the database {where}" in en and "check DATABASE_URL" in en
    # --traceback still shows the driver's own report
    run = motcua(
        {**PROD, "ALLOWED_HOSTS": "motcua.example.gov.vn", "DATABASE_URL": url}, "migrate", "--traceback"
    )
    assert "Traceback" in run.stderr


def test_production_without_database_url_warns_that_it_serves_the_checkouts_sqlite(tmp_path):
    """`make serve` without DATABASE_URL served db.sqlite3, the database `make run` fills with demo accounts
    (published password) — silently. `check` and `migrate` (the start of `make serve`) now say so."""
    env = {**PROD, "ALLOWED_HOSTS": "motcua.example.gov.vn"}
    keep = _env(env)
    keep.pop("DATABASE_URL", None)
    run = subprocess.run(
        [sys.executable, "-m", "motcua.manage", "check"], env=keep, cwd=ROOT, capture_output=True, text=True
    )
    assert run.returncode == 0, run.stderr
    assert "motcua.W003" in run.stderr and "DEBUG is off but DATABASE_URL is not set" in run.stderr
    assert "chưa đặt DATABASE_URL" in run.stderr
    named = motcua({**env, "DATABASE_URL": f"sqlite:///{tmp_path / 'prod.sqlite3'}"}, "check")
    assert named.returncode == 0 and "motcua.W003" not in named.stderr
    assert "motcua.W003" not in motcua({"DEBUG": "1"}, "check").stderr  # development: db.sqlite3 is meant


def test_production_with_a_weak_secret_key_warns():
    """A SECRET_KEY of any length was accepted with DEBUG off ("abc" signed the sessions and the password-reset
    links); Django's own check of it runs only under `check --deploy`. `check` and `migrate` now warn (motcua.W004),
    naming the length, never the key."""
    env = {
        **PROD,
        "ALLOWED_HOSTS": "motcua.example.gov.vn",
        "DATABASE_URL": "sqlite:////tmp/motcua-w004.sqlite3",
    }
    for weak in ("abc", "x" * 80, "k3y-" * 12):  # short; long but one character; 48 characters
        run = motcua({**env, "SECRET_KEY": weak}, "check")
        assert run.returncode == 0, run.stderr
        assert "motcua.W004" in run.stderr and f"{len(weak)} characters" in run.stderr, run.stderr
        assert f"SECRET_KEY yếu: {len(weak)} ký tự" in run.stderr
        assert weak not in run.stderr.replace("SECRET_KEY", "")
    strong = motcua({**env, "SECRET_KEY": "Zq8-" + "r7Yt2pLm" * 6}, "check")
    assert strong.returncode == 0 and "motcua.W004" not in strong.stderr, strong.stderr
    # development keeps its built-in key without a word
    assert "motcua.W004" not in motcua({"DEBUG": "1"}, "check").stderr


def test_ssl_redirect_without_trusted_proxies_warns():
    """SECURE_SSL_REDIRECT=1 without TRUSTED_PROXIES behind the README's HTTPS proxy: every request looks like plain
    HTTP to the application, which redirects it to itself for ever. `check` and `migrate` now say so (motcua.W005);
    with the proxy named, or with the redirect off, nothing is said."""
    env = {
        **PROD,
        "ALLOWED_HOSTS": "motcua.example.gov.vn",
        "DATABASE_URL": "sqlite:////tmp/motcua-w005.sqlite3",
        "SECURE_SSL_REDIRECT": "1",
    }
    run = motcua(env, "check")
    assert run.returncode == 0, run.stderr
    assert "motcua.W005" in run.stderr and "TRUSTED_PROXIES is not set" in run.stderr, run.stderr
    assert "chưa đặt TRUSTED_PROXIES" in run.stderr
    assert "motcua.W005" not in motcua({**env, "TRUSTED_PROXIES": "127.0.0.1"}, "check").stderr
    assert "motcua.W005" not in motcua({**env, "SECURE_SSL_REDIRECT": "0"}, "check").stderr
    assert "motcua.W005" not in motcua({"DEBUG": "1", "SECURE_SSL_REDIRECT": "1"}, "check").stderr


HTTPS_SETTINGS = (
    "SECURE_HSTS_SECONDS",
    "SECURE_HSTS_INCLUDE_SUBDOMAINS",
    "SECURE_HSTS_PRELOAD",
    "SECURE_SSL_REDIRECT",
    "SECURE_REDIRECT_EXEMPT",
    "SESSION_COOKIE_SECURE",
    "CSRF_COOKIE_SECURE",
)


def test_https_settings_are_read_from_the_environment():
    """HSTS and the redirect to HTTPS are the operator's choice (off by default: a LAN on plain HTTP, or a proxy
    the app cannot see, would be locked out); cookies are Secure by default. A public HTTPS site turns them on."""
    base = {**PROD, "ALLOWED_HOSTS": "motcua.example.gov.vn"}
    assert settings_of(base, *HTTPS_SETTINGS) == {
        "SECURE_HSTS_SECONDS": 0,
        "SECURE_HSTS_INCLUDE_SUBDOMAINS": False,
        "SECURE_HSTS_PRELOAD": False,
        "SECURE_SSL_REDIRECT": False,
        "SECURE_REDIRECT_EXEMPT": ["^healthz$"],
        "SESSION_COOKIE_SECURE": True,
        "CSRF_COOKIE_SECURE": True,
    }
    public = {
        "SECURE_HSTS_SECONDS": "31536000",
        "SECURE_HSTS_INCLUDE_SUBDOMAINS": "1",
        "SECURE_HSTS_PRELOAD": "1",
        "SECURE_SSL_REDIRECT": "1",
    }
    got = settings_of({**base, **public}, *HTTPS_SETTINGS)
    assert got["SECURE_HSTS_SECONDS"] == 31536000
    assert (
        got["SECURE_HSTS_INCLUDE_SUBDOMAINS"]
        is got["SECURE_HSTS_PRELOAD"]
        is got["SECURE_SSL_REDIRECT"]
        is True
    )
    lan = settings_of({**base, "SESSION_COOKIE_SECURE": "0", "CSRF_COOKIE_SECURE": "0"}, *HTTPS_SETTINGS)
    assert lan["SESSION_COOKIE_SECURE"] is lan["CSRF_COOKIE_SECURE"] is False
    run = motcua({**base, "SECURE_HSTS_PRELOAD": "ja"}, "check")
    assert run.returncode == 2 and "SECURE_HSTS_PRELOAD='ja' is not valid" in run.stderr


def test_a_public_https_site_passes_the_deploy_check_on_https(tmp_path):
    """With the settings README gives a public HTTPS site, `check --deploy` has nothing to say about HTTPS."""
    env = {
        **PROD,
        "SECRET_KEY": "x7-" + "k2Lq9vT4" * 8,
        "ALLOWED_HOSTS": "motcua.example.gov.vn",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
        "TRUSTED_PROXIES": "127.0.0.1",
        "SECURE_HSTS_SECONDS": "31536000",
        "SECURE_SSL_REDIRECT": "1",
    }
    run = motcua(env, "check", "--deploy")
    output = run.stdout + run.stderr
    for check in ("security.W004", "security.W008", "security.W012", "security.W016"):
        assert check not in output, output
    default = motcua({**env, "SECURE_HSTS_SECONDS": "", "SECURE_SSL_REDIRECT": ""}, "check", "--deploy")
    assert (
        "security.W004" in default.stdout + default.stderr
        and "security.W008" in default.stdout + default.stderr
    )


@pytest.mark.django_db
def test_the_health_probe_is_not_redirected_to_https(client, settings):
    settings.SECURE_SSL_REDIRECT = True  # SECURE_REDIRECT_EXEMPT as settings.py sets it
    settings.SECURE_HSTS_SECONDS = 31536000
    assert client.get("/healthz").status_code == 200
    r = client.get("/thu-tuc/")
    assert r.status_code == 301 and r["Location"] == "https://testserver/thu-tuc/"
    secure = client.get("/thu-tuc/", secure=True)
    assert secure["Strict-Transport-Security"] == "max-age=31536000"
