"""Seed the evaluation criteria displayed on a provincial portal (rules §1.6). Operators edit them in the admin."""

from django.db import migrations

from motcua.feedback.criteria import DEFAULT_CRITERIA, ensure_default_criteria


def seed(apps, schema_editor):
    ensure_default_criteria(apps.get_model("feedback", "Criterion"))


def unseed(apps, schema_editor):
    apps.get_model("feedback", "Criterion").objects.filter(code__in=[c for c, *_ in DEFAULT_CRITERIA]).delete()


class Migration(migrations.Migration):
    dependencies = [("feedback", "0001_initial")]
    operations = [migrations.RunPython(seed, unseed)]
