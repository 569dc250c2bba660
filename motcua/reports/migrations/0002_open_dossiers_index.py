"""A partial index on the open dossiers (no resolution, not stopped) by (agency, due_at): the leader dashboard's
overdue / due-soon lists (`selectors.overdue_and_due_soon`) read it instead of walking the whole due_at index
(at 10M dossiers: seconds → milliseconds). Small: only the open dossiers are in it."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("reports", "0001_statscell")]

    operations = [
        migrations.RunSQL(
            "CREATE INDEX IF NOT EXISTS dossier_open_due ON dossiers_dossier (agency_id, due_at) "
            "WHERE resolved_at IS NULL AND stopped_at IS NULL",
            "DROP INDEX IF EXISTS dossier_open_due",
        ),
    ]
