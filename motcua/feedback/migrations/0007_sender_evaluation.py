"""The sender's evaluation of a PAKN's answer (hài lòng / không hài lòng, a reason, when). Existing PAKN were never
evaluated: the fields stay empty (None = not evaluated), which the satisfaction rate counts as not dissatisfied."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("feedback", "0006_counterdesk_used"),
    ]

    operations = [
        migrations.AddField(
            model_name="feedback",
            name="sender_satisfied",
            field=models.BooleanField(blank=True, null=True, verbose_name="người gửi hài lòng với trả lời"),
        ),
        migrations.AddField(
            model_name="feedback",
            name="sender_reason",
            field=models.TextField(blank=True, verbose_name="ý kiến của người gửi về trả lời"),
        ),
        migrations.AddField(
            model_name="feedback",
            name="sender_evaluated_at",
            field=models.DateTimeField(blank=True, null=True, verbose_name="thời điểm người gửi đánh giá"),
        ),
    ]
