"""Decision 766 indicator 2.2 from the summary: the cells count the resolved dossiers with a stored processing time
(`timed`) and sum those times (`processing_seconds`, dossiers.0003). The triggers are reinstalled with the new
contributions and the table is recounted (ADR 0017)."""

from django.db import migrations, models

from motcua.reports import summary


class Migration(migrations.Migration):
    dependencies = [("reports", "0002_open_dossiers_index"), ("dossiers", "0003_processing_seconds")]

    operations = [
        # the old triggers go first: SQLite remakes the cell table to add the columns, and its rename fails while
        # triggers on the dossier table refer to the cell table
        migrations.RunPython(summary.drop_on_unmigrate, migrations.RunPython.noop),
        migrations.AddField(model_name="statscell", name="timed", field=models.BigIntegerField(default=0)),
        migrations.AddField(
            model_name="statscell", name="processing_seconds", field=models.BigIntegerField(default=0)
        ),
        migrations.RunPython(summary.fill_on_migrate, summary.drop_on_unmigrate),
    ]
