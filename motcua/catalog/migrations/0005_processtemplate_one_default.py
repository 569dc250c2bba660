"""One default internal process (agency blank) per procedure.

The unique rule (procedure, agency) let several rows with a NULL agency in. Reception used the oldest (lowest id:
dossiers.services.process_steps; the import updates `.first()`, the same row), so the newer ones never applied.
Before the constraint is added, each newer duplicate is removed with its steps, and named in the migration's
output with what it held, so an operator can re-enter it as an agency's own process if it was meant as one.
Nothing a dossier holds refers to a template (its steps are copied at reception), so no dossier changes.
The constraint comes in the next migration: on PostgreSQL an index cannot be built in the transaction that
deleted rows with pending foreign-key trigger events."""

import sys

from django.db import migrations, models


def remove_newer_defaults(apps, schema_editor):
    ProcessTemplate = apps.get_model("catalog", "ProcessTemplate")
    duplicated = (
        ProcessTemplate.objects.filter(agency__isnull=True)
        .values("procedure_id")
        .annotate(n=models.Count("id"))
        .filter(n__gt=1)
        .values_list("procedure_id", flat=True)
    )
    for procedure_id in list(duplicated):
        rows = list(
            ProcessTemplate.objects.filter(procedure_id=procedure_id, agency__isnull=True)
            .select_related("procedure")
            .order_by("pk")
        )
        kept, newer = rows[0], rows[1:]
        for t in newer:
            steps = "; ".join(
                f"{s.order}. {s.actor} ({s.role}, {s.hours} h)" for s in t.steps.order_by("order")
            )
            sys.stdout.write(
                f"\n  catalog.0005: thủ tục {t.procedure.code}: xóa quy trình mặc định trùng #{t.pk} (giữ #{kept.pk}, "
                f"quy trình tiếp nhận vẫn dùng) / procedure {t.procedure.code}: removed duplicate default process "
                f"#{t.pk} (kept #{kept.pk}, the one reception used); total {t.total_hours} h; steps: {steps or '—'}"
            )
            t.delete()


class Migration(migrations.Migration):
    dependencies = [
        ("catalog", "0004_procedure_name_sort"),
    ]

    operations = [
        migrations.RunPython(remove_newer_defaults, migrations.RunPython.noop),
    ]
