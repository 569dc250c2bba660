"""`processing_seconds`: the working time of a resolved dossier from its counting start to its resolution minus the
paused time, stored at resolution (lifecycle `resolve`, native and imported alike) so that Decision 766 indicator
2.2 is a sum (ADR 0017) instead of one calendar computation per dossier at read time. Existing resolved dossiers
are filled here by the same rule."""

from django.db import migrations, models


def backfill(apps, schema_editor):
    from motcua.dossiers.services import backfill_processing_seconds

    backfill_processing_seconds()


class Migration(migrations.Migration):
    dependencies = [("dossiers", "0002_index_diet"), ("org", "0002_agency_kind_login_throttle"), ("workdays", "0001_initial")]

    operations = [
        migrations.AddField(
            model_name="dossier",
            name="processing_seconds",
            field=models.BigIntegerField(blank=True, null=True),
        ),
        migrations.RunPython(backfill, migrations.RunPython.noop, elidable=True),
    ]
