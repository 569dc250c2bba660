"""The PostgreSQL summary trigger functions read the row of a one-row statement (every live action) and its
procedure once and fan it out into its contributions with a LATERAL VALUES list; a statement of many rows keeps
one SELECT per contribution kind (ADR 0017, addendum 28/11/2026). The SQL computes the same contributions; the
functions are replaced and nothing is recounted."""

from django.db import migrations

from motcua.reports import summary


class Migration(migrations.Migration):
    dependencies = [("reports", "0005_stopped_clock_not_overdue")]

    operations = [migrations.RunPython(summary.refresh_functions, migrations.RunPython.noop)]
