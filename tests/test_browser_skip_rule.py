"""The top conftest's rule: browser tests are skipped where Debian's chromium is missing, on SQLite and on
PostgreSQL alike (it used to return early on a PostgreSQL DATABASE_URL and skip nothing)."""

import os
import shutil
from pathlib import Path

import pytest

POSTGRES = "postgres://postgres@127.0.0.1:5432/motcua"


class Item:
    def __init__(self, *keywords):
        self.keywords = dict.fromkeys(keywords, True)
        self.markers = []

    def add_marker(self, marker):
        self.markers.append(marker)


@pytest.fixture
def rule(request):
    """The top conftest.py as pytest loaded it."""
    return request.config.pluginmanager.get_plugin(str(Path(request.config.rootpath, "conftest.py")))


@pytest.fixture
def no_chromium(monkeypatch):
    """chromium neither on PATH nor at /usr/bin/chromium (for this test only; nothing is uninstalled)."""
    exists = os.path.exists
    monkeypatch.setattr(shutil, "which", lambda name, *a, **kw: None)
    monkeypatch.setattr(os.path, "exists", lambda path: path != "/usr/bin/chromium" and exists(path))


def skipped(rule, items):
    rule.pytest_collection_modifyitems(None, items)
    return [[m.kwargs.get("reason") for m in item.markers] for item in items]


@pytest.mark.parametrize("database", ["", "sqlite:///db.sqlite3", POSTGRES])
def test_browser_tests_skip_without_chromium_whatever_the_database(rule, no_chromium, monkeypatch, database):
    monkeypatch.setenv("DATABASE_URL", database)
    assert rule.chromium_path() is None
    reasons = skipped(rule, [Item("browser", "django_db"), Item("django_db")])
    assert reasons == [["Debian chromium not installed (apt-get install chromium)"], []]


@pytest.mark.parametrize("database", ["", POSTGRES])
def test_browser_tests_run_where_chromium_is(rule, monkeypatch, database):
    monkeypatch.setenv("DATABASE_URL", database)
    monkeypatch.setattr(shutil, "which", lambda name, *a, **kw: f"/opt/bin/{name}")
    assert rule.chromium_path() == "/opt/bin/chromium"
    assert skipped(rule, [Item("browser")]) == [[]]
