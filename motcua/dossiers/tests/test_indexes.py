"""The indexes on dossiers, events and steps are exactly those ADR 0018 lists (each read by a query in the code):
adding one means adding its line to the ADR; the LIKE twins and the redundant FK indexes stay away."""

import pytest
from django.db import connection

from motcua.dossiers.models import Dossier, DossierEvent, DossierStep

# Column tuples of the non-primary-key indexes (unique ones included), the same on SQLite and PostgreSQL.
EXPECTED = {
    Dossier: {
        ("code",),
        ("agency_id", "received_at"),
        ("agency_id", "resolved_at"),
        ("state", "agency_id"),
        ("received_at",),
        ("resolved_at",),
        ("due_at",),
        ("stopped_at",),  # partial: NOT NULL
        ("procedure_id",),
        ("applicant_user_id",),  # partial
        ("filed_by_id",),  # partial
        ("refused_at",),  # partial; reports migration 0001 (statistics: partial months, ADR 0017)
        ("agency_id", "due_at"),  # partial, open dossiers; reports migration 0002 (overdue lists, ADR 0017)
        (
            "clock_changed_at",
            "received_at",
        ),  # partial; a past period's pending figures (reports.asof, ADR 0010)
    },
    DossierEvent: {("dossier_id", "seq"), ("action", "at"), ("actor_id",)},
    DossierStep: {("dossier_id", "order"), ("agency_id",), ("assignee_id",), ("agency_id", "assignee_id")},
}
PARTIAL = {
    "dossier_stopped_at",
    "dossier_applicant_user",
    "dossier_filed_by",
    "dossier_refused_at",
    "dossier_clock_changed",
    "dossierevent_actor",
}


def _indexes(model) -> dict[str, tuple]:
    with connection.cursor() as cur:
        found = connection.introspection.get_constraints(cur, model._meta.db_table)
    return {
        name: tuple(info["columns"])
        for name, info in found.items()
        if (info["index"] or info["unique"]) and not info["primary_key"]
    }


@pytest.mark.django_db
@pytest.mark.parametrize("model", list(EXPECTED), ids=lambda m: m.__name__)
def test_only_the_documented_indexes(model):
    found = _indexes(model)
    assert sorted(set(found.values())) == sorted(EXPECTED[model])
    assert len(found) == len(EXPECTED[model]), found  # no column set indexed twice (e.g. a LIKE twin)


@pytest.mark.django_db
def test_partial_indexes_skip_nulls_on_postgresql():
    if connection.vendor != "postgresql":
        pytest.skip("pg_indexes")
    with connection.cursor() as cur:
        cur.execute(
            "SELECT indexname, indexdef FROM pg_indexes WHERE tablename IN "
            "('dossiers_dossier', 'dossiers_dossierevent', 'dossiers_dossierstep')"
        )
        defs = dict(cur.fetchall())
    assert not [n for n, d in defs.items() if "pattern_ops" in d]
    for name in PARTIAL:
        assert defs[name].endswith("IS NOT NULL)"), defs[name]
    # open steps someone holds (transfer.py): neither the completed nor the unassigned ones
    held = defs["dossierstep_open_held"]
    assert "assignee_id IS NOT NULL" in held and "completed_at IS NULL" in held, held
