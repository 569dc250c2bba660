"""A step that ended with its dossier's stop was classified (early, on time, late) as if its holder had finished
it; it is now left unclassified (services._complete_step). This clears the classification of the steps already
stored so: those of stopped dossiers that ended at the stop itself."""

from django.db import migrations
from django.db.models import F


def unclassify(apps, schema_editor):
    DossierStep = apps.get_model("dossiers", "DossierStep")
    DossierStep.objects.filter(
        dossier__state="stopped", completed_at=F("dossier__stopped_at"), completed_at__isnull=False
    ).exclude(classification="").update(classification="")


class Migration(migrations.Migration):
    dependencies = [("dossiers", "0005_dossier_access")]
    operations = [migrations.RunPython(unclassify, migrations.RunPython.noop)]
