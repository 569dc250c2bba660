"""A role held in an agency without a unit, once per user.

The unique rule (user, agency, unit, role) let identical rows with a NULL unit in. Every reader asks whether the
user holds an active role (org.selectors.roles_of), so duplicates changed nothing but the admin's lists. Before
the constraint is added each group is merged into its oldest row (lowest id): active if any of them was, from the
earliest `since` given; the others are removed and named in the migration's output.
The constraint comes in the next migration: on PostgreSQL an index cannot be built in the transaction that
deleted rows with pending foreign-key trigger events."""

import sys

from django.db import migrations, models


def merge_duplicates(apps, schema_editor):
    StaffRole = apps.get_model("org", "StaffRole")
    groups = (
        StaffRole.objects.filter(unit__isnull=True)
        .values("user_id", "agency_id", "role")
        .annotate(n=models.Count("id"))
        .filter(n__gt=1)
    )
    for g in list(groups):
        rows = list(
            StaffRole.objects.filter(
                user_id=g["user_id"], agency_id=g["agency_id"], role=g["role"], unit__isnull=True
            ).order_by("pk")
        )
        kept, others = rows[0], rows[1:]
        kept.active = any(r.active for r in rows)
        dates = [r.since for r in rows if r.since is not None]
        kept.since = min(dates) if dates else None
        kept.save(update_fields=["active", "since"])
        for r in others:
            sys.stdout.write(
                f"\n  org.0003: vai trò trùng #{r.pk} gộp vào #{kept.pk} / duplicate staff role #{r.pk} "
                f"(user {g['user_id']}, agency {g['agency_id']}, {g['role']}, no unit) merged into #{kept.pk}"
            )
            r.delete()


class Migration(migrations.Migration):
    dependencies = [
        ("org", "0002_agency_kind_login_throttle"),
    ]

    operations = [
        migrations.RunPython(merge_duplicates, migrations.RunPython.noop),
    ]
