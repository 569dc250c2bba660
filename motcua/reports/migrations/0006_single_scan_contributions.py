"""The PostgreSQL summary trigger functions read each changed dossier (and its procedure) once and fan it out into
its contributions with a LATERAL VALUES list, instead of one SELECT per contribution (ADR 0017, addendum). The SQL
computes the same contributions; the functions are replaced and nothing is recounted."""

from django.db import migrations

from motcua.reports import summary


class Migration(migrations.Migration):
    dependencies = [("reports", "0005_stopped_clock_not_overdue")]

    operations = [migrations.RunPython(summary.refresh_functions, migrations.RunPython.noop)]
