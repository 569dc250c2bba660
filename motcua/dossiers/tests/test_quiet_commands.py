"""`-v 0` is quiet in every command that prints progress or a summary: errors only (on stderr, with a non-zero
exit), while what a script reads is still printed — `deadline`'s due instant, `apitoken`'s token."""

import io
import json
import re

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from motcua.catalog.data import __file__ as data_init

from .test_views import file_online


def run(*args, verbosity=0):
    out, err = io.StringIO(), io.StringIO()
    call_command(*args, verbosity=verbosity, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def test_deadline_at_v0_prints_the_due_instant_alone(db):
    out, err = run("deadline", "--start", "2025-01-24T10:00:00+07:00", "--working-days", "3")
    assert out == "2025-02-05T10:00:00+07:00\n" and err == ""
    out, _ = run("deadline", "--start", "2025-01-24T10:00:00+07:00", "--working-days", "3", verbosity=1)
    assert out.splitlines()[-1] == "2025-02-05T10:00:00+07:00" and len(out.splitlines()) > 1


def test_apitoken_at_v0_prints_the_token_and_nothing_else(org):
    out, err = run("apitoken", org["users"]["officer"].username)
    assert re.fullmatch(r"\S{20,}\n", out) and err == ""
    out, err = run("apitoken", org["users"]["officer"].username, "--revoke")
    assert out == "" and err == ""
    out, _ = run("apitoken", org["users"]["officer"].username, "--revoke", verbosity=1)
    assert "Revoked 0 API token(s)" in out


def test_verify_history_at_v0_prints_nothing_when_all_is_well(org):
    file_online(org)
    assert run("verify-history") == ("", "")
    out, _ = run("verify-history", verbosity=1)
    assert "Checked 1 dossier(s)" in out


def test_verify_history_at_v0_still_names_a_broken_chain(org):
    from motcua.dossiers.models import DossierEvent

    d = file_online(org)
    DossierEvent.objects.filter(dossier=d).update(data={"forged": True})
    with pytest.raises(CommandError):
        out, err = io.StringIO(), io.StringIO()
        try:
            call_command("verify-history", verbosity=0, stdout=out, stderr=err)
        finally:
            assert out.getvalue() == "" and f"BROKEN {d.code}" in err.getvalue()


def test_send_outbox_at_v0_prints_no_summary(org, monkeypatch):
    from django.db import connection

    assert run("send-outbox") == ("", "")
    # the watching sender closes its connection between passes: here it holds the test's transaction
    monkeypatch.setattr(connection, "close", lambda: None)
    assert run("send-outbox", "--watch", "1", "--passes", "1") == ("", "")
    out, _ = run("send-outbox", verbosity=1)
    assert "sent=" in out


def test_rebuild_stats_and_remind_apologies_at_v0(org):
    file_online(org)
    assert run("rebuild-stats") == ("", "")
    assert run("remind-apologies", "--email") == ("", "")
    out, _ = run("remind-apologies", verbosity=1)
    assert "no apology reminders" in out


def test_import_procedures_at_v0_prints_errors_only(org, tmp_path):
    from pathlib import Path

    source = Path(data_init).parent / "reference_procedures.json"
    assert run("import-procedures", str(source), "--dry-run") == ("", "")
    out, _ = run("import-procedures", str(source), "--dry-run", verbosity=1)
    assert out.strip()
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps([{"code": "x"}]), encoding="utf-8")
    out, err = io.StringIO(), io.StringIO()
    with pytest.raises(CommandError):
        call_command("import-procedures", str(bad), verbosity=0, stdout=out, stderr=err)
    assert out.getvalue() == "" and err.getvalue().strip()
