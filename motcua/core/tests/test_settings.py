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
PROD = {"DEBUG": "0", "SECRET_KEY": "test-secret-key-for-settings"}


def _env(extra: dict) -> dict:
    keep = {
        k: v for k, v in os.environ.items() if not k.startswith(("MOTCUA_", "EMAIL_", "DEBUG", "ALLOWED_"))
    }
    keep.pop("SECRET_KEY", None)
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
        with pytest.raises(ImproperlyConfigured, match="MOTCUA_SITE_URL must be set"):
            site_url("", debug=False, allowed_hosts=hosts)
    with pytest.raises(ImproperlyConfigured, match="must be the site's address"):
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
    assert run.stderr.startswith("motcua: configuration error: MOTCUA_SITE_URL must be set when DEBUG is off")
    assert "Traceback" not in run.stderr
    run = motcua({"DEBUG": "0"}, "check")
    assert run.returncode == 2
    assert "SECRET_KEY must be set" in run.stderr and "Traceback" not in run.stderr
    assert motcua({**PROD, "ALLOWED_HOSTS": "motcua.example.gov.vn"}, "check").returncode == 0
    # ALLOWED_HOSTS set but empty: the server started and refused every request with 400
    run = motcua({**PROD, "ALLOWED_HOSTS": " ", "MOTCUA_SITE_URL": "https://motcua.example.gov.vn"}, "check")
    assert run.returncode == 2
    assert run.stderr.startswith("motcua: configuration error: ALLOWED_HOSTS is empty")
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
        {"DEBUG": "0", "SECRET_KEY": "k" * 50, "ALLOWED_HOSTS": "motcua.example.vn",
         "DATABASE_URL": "postgres://postgres@127.0.0.1:5432/x"}
    )  # fmt: skip
    chosen = _conn_max_age(
        {"DEBUG": "1", "CONN_MAX_AGE": "30", "DATABASE_URL": "postgres://postgres@127.0.0.1:5432/x"}
    )
    assert (dev, prod, chosen) == (0, 60, 30)
