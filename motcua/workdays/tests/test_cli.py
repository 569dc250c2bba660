"""`motcua deadline`: the due instant on the last line; bad input -> CommandError (non-zero exit)."""

import os
import subprocess
import sys
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

pytestmark = pytest.mark.django_db


def run(*args):
    out = StringIO()
    call_command("deadline", *args, stdout=out)
    return out.getvalue().strip().splitlines()


def test_last_line_is_the_due_instant():
    lines = run("--start", "2025-01-24T10:00:00+07:00", "--working-days", "3")
    assert lines[-1] == "2025-02-05T10:00:00+07:00"
    lines = run("--start", "2024-05-03T15:30:00+07:00", "--working-days", "1")
    assert lines[-1] == "2024-05-04T17:00:00+07:00"
    assert any("2024-05-04T08:00:00+07:00" in line for line in lines[:-1])  # counting start shown
    assert run("--start", "2025-03-04T09:00", "--hours", "3.5")[-1] == "2025-03-04T13:30:00+07:00"


@pytest.mark.parametrize(
    "args",
    [
        ("--start", "not-a-date", "--working-days", "3"),
        ("--start", "2025-01-24T10:00:00+07:00", "--working-days", "-2"),
        ("--start", "2025-01-24T10:00:00+07:00", "--hours", "x"),
        ("--start", "2025-01-24T10:00:00+07:00", "--working-days", "1", "--agency", "NO.SUCH"),
    ],
)
def test_errors_are_bilingual_command_errors(args):
    with pytest.raises(CommandError) as exc:
        run(*args)
    assert " / " in str(exc.value)  # Vietnamese / English


def test_console_script_exit_codes(tmp_path):
    # A separate process on an empty, unmigrated database: the national calendar still works.
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{tmp_path / 'cli.sqlite3'}"}
    exe = [sys.executable, "-m", "motcua.manage", "deadline"]
    ok = subprocess.run(
        [*exe, "--start", "2025-01-24T10:00:00+07:00", "--working-days", "3"],
        capture_output=True,
        text=True,
        env=env,
    )
    assert ok.returncode == 0, ok.stderr
    assert ok.stdout.strip().splitlines()[-1] == "2025-02-05T10:00:00+07:00"
    bad = subprocess.run(
        [*exe, "--start", "x", "--working-days", "3"], capture_output=True, text=True, env=env
    )
    assert bad.returncode != 0 and "ISO 8601" in bad.stderr
