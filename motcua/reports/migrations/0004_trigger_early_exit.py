"""The PostgreSQL summary trigger functions skip their upsert when the statement's rows contribute nothing: an
insert or delete of dossiers never received, resolved, stopped or refused, an update that changes none of the
counted columns (ADR 0017). The counts are unchanged; nothing is recounted."""

from django.db import migrations

from motcua.reports import summary


class Migration(migrations.Migration):
    dependencies = [("reports", "0003_processing_time")]

    operations = [migrations.RunPython(summary.refresh_functions, migrations.RunPython.noop)]
