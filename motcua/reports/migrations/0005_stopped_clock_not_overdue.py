"""A dossier whose clock stopped (supplement, payment) before its due instant and is still stopped is pending
within time, not overdue (contract §5: its due instant moves by the paused time when the applicant acts). The
contributions now read `paused_since`: the triggers are reinstalled from the current definitions and the summary
table is recounted (ADR 0017, addendum)."""

from django.db import migrations

from motcua.reports import summary


class Migration(migrations.Migration):
    dependencies = [("reports", "0004_trigger_early_exit"), ("dossiers", "0003_processing_seconds")]

    operations = [migrations.RunPython(summary.fill_on_migrate, migrations.RunPython.noop)]
