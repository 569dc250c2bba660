"""Who took a PAKN up ("Nhận xử lý") and when. It was not recorded before: PAKN already taken up keep it empty
(shown as not recorded), nothing is guessed."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("feedback", "0007_sender_evaluation"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name="feedback",
            name="taken_by",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.SET_NULL,
                related_name="+",
                to=settings.AUTH_USER_MODEL,
                verbose_name="người nhận xử lý",
            ),
        ),
        migrations.AddField(
            model_name="feedback",
            name="taken_at",
            field=models.DateTimeField(blank=True, null=True, verbose_name="thời điểm nhận xử lý"),
        ),
    ]
