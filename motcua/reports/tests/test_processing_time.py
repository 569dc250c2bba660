"""Decision 766 indicator 2.2 reads the processing time stored at resolution: the backfill of dossiers resolved
before the column existed gives the lifecycle's value, and the summary carries the sums."""

import pytest

from motcua.dossiers import services
from motcua.dossiers.models import Dossier
from motcua.reports import index766, selectors, summary


def test_backfill_gives_the_stored_value_of_the_lifecycle(table, world):
    stored = dict(Dossier.objects.filter(resolved_at__isnull=False).values_list("code", "processing_seconds"))
    assert stored and all(v is not None for v in stored.values())
    # D02 by hand: Tue 04/03 10:00-17:00 = 6 h (lunch 12-13), Wed-Mon 4 working days = 32 h,
    # Tue 11/03 08:00-09:30 = 1.5 h: 39.5 h
    assert stored["000.00.21.H26-TEST-D02"] == int(39.5 * 3600)
    Dossier.objects.update(processing_seconds=None)
    assert index766.average_processing_days(
        selectors.scope_counts(selectors.make_period("2025-03-01", "2025-03-31"), agency=world["so"])
    ) == (None, 0)
    assert services.backfill_processing_seconds(batch=3) == len(stored)
    assert (
        dict(Dossier.objects.filter(resolved_at__isnull=False).values_list("code", "processing_seconds"))
        == stored
    )
    assert services.backfill_processing_seconds() == 0  # nothing left to fill
    # the triggers kept the summary exact through the backfill's bulk updates
    assert summary.diff_cells(summary.python_recount_from_dossiers(), summary.stored_cells()) == []


def test_indicator_2_2_is_none_without_a_resolved_dossier(world):
    period = selectors.make_period("2025-03-01", "2025-03-31")
    ind = {i["code"]: i for i in index766.indicators(period=period, agency=world["so"])["indicators"]}
    assert ind["2.2"]["value"] is None and ind["2.2"]["detail"] == {"completed": 0}
    assert ind["2.2"]["note"] == "không có dữ liệu"


@pytest.mark.django_db(transaction=True)
def test_the_summary_migration_applies_over_existing_data(table):
    """reports.0003 on a database with dossiers and the old triggers (SQLite remakes the cell table to add the
    columns — it failed while the triggers referred to it): back to 0002 and forward again."""
    from django.db import connection
    from django.db.migrations.executor import MigrationExecutor

    executor = MigrationExecutor(connection)
    executor.migrate([("reports", "0002_open_dossiers_index")])
    assert summary.installed_triggers(connection) == set()
    # triggers in place as before the upgrade (the current SQL stands in for the old: the same tables)
    with connection.cursor() as cur:
        for sql in summary.install_sql(connection.vendor):
            cur.execute(sql)
    executor = MigrationExecutor(connection)
    executor.migrate([("reports", "0003_processing_time")])
    assert summary.installed_triggers(connection) == summary.TRIGGERS
    stored = summary.stored_cells()
    assert summary.diff_cells(summary.python_recount_from_dossiers(), stored) == []
    assert (
        sum(c["timed"] for c in stored.values()) == Dossier.objects.filter(resolved_at__isnull=False).count()
    )
