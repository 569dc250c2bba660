"""API tokens expire (settings.API_TOKEN_MAX_AGE_DAYS). A token issued before this migration gets a full period
from the migration on — not from its issue, which would cut every integration off at once on upgrade, and not
never, which would keep the oldest tokens (the likeliest leaked) valid for ever. ADR 0001, addendum on tokens."""

import datetime as dt

from django.conf import settings
from django.db import migrations, models
from django.utils import timezone


def give_existing_tokens_a_period(apps, schema_editor):
    days = settings.API_TOKEN_MAX_AGE_DAYS
    if not days:  # expiry turned off: the tokens stay as they were
        return
    ApiToken = apps.get_model("core", "ApiToken")
    ApiToken.objects.filter(expires_at__isnull=True, revoked=False).update(
        expires_at=timezone.now() + dt.timedelta(days=days)
    )


class Migration(migrations.Migration):
    dependencies = [
        ("core", "0002_refstamp"),
    ]

    operations = [
        migrations.AddField(
            model_name="apitoken",
            name="expires_at",
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.RunPython(give_existing_tokens_a_period, migrations.RunPython.noop),
    ]
