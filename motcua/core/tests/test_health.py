"""`GET /healthz` answers 200 when the worker can serve, 503 when its database cannot."""

import pytest
from django.db import DatabaseError

from motcua.core import health


@pytest.fixture(autouse=True)
def _fresh(monkeypatch):
    monkeypatch.setattr(health, "_migrated", False)


def test_a_migrated_database_is_healthy(client, db):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok", "migrations": "ok"}
    assert "no-cache" in response["Cache-Control"] and response["Content-Type"] == "application/json"
    assert client.post("/healthz").status_code == 405


def test_a_database_that_does_not_answer_is_unavailable(client, db, monkeypatch):
    def down(self, *args, **kwargs):
        raise DatabaseError("connection refused")

    with monkeypatch.context() as m:  # only for this request: the test database is rolled back afterwards
        m.setattr("django.db.backends.utils.CursorWrapper.execute", down)
        response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json() == {"status": "unavailable", "database": "unavailable", "migrations": "unknown"}


def test_unapplied_migrations_make_the_worker_unavailable(client, db, monkeypatch):
    from django.db.migrations.executor import MigrationExecutor

    monkeypatch.setattr(MigrationExecutor, "migration_plan", lambda self, targets: [("reports", "9999_new")])
    response = client.get("/healthz")
    assert response.status_code == 503 and response.json()["migrations"] == "pending"
    monkeypatch.undo()
    health._migrated = False
    assert client.get("/healthz").status_code == 200  # after `migrate`
