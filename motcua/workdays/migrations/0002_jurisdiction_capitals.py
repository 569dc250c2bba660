"""Calendar jurisdiction codes in capitals, on the agencies and on the overrides alike: the agency form now stores
the code so ("hbt-loduc" is HBT-LODUC, as an agency identifier), and the two are compared exactly. An override
is never edited by the application (append-only); this rewrites the code's spelling only, not its meaning."""

from django.db import migrations
from django.db.models.functions import Trim, Upper


def capitals(apps, schema_editor):
    for model in (apps.get_model("org", "Agency"), apps.get_model("workdays", "CalendarOverride")):
        model.objects.exclude(jurisdiction="").update(jurisdiction=Upper(Trim("jurisdiction")))


class Migration(migrations.Migration):
    dependencies = [("org", "0006_unit_form_abbreviation"), ("workdays", "0001_initial")]
    operations = [migrations.RunPython(capitals, migrations.RunPython.noop)]
