from django.db import migrations, models


def fill_first_visits(apps, schema_editor):
    """Logs recorded before the field existed say how many households were visited, not how many for the first
    time: they count as first visits (an upper bound — some may have been revisits; see ADR 0016), so no figure
    already shown drops to nothing and no log is lost."""
    OutreachLog = apps.get_model("community", "OutreachLog")
    OutreachLog.objects.update(households_first_visit=models.F("households_visited"))


class Migration(migrations.Migration):
    dependencies = [
        ("community", "0001_initial"),
    ]

    operations = [
        migrations.AddField(
            model_name="outreachlog",
            name="households_first_visit",
            field=models.PositiveIntegerField(
                default=0,
                help_text="Trong số hộ đã đến, số hộ tổ đến lần đầu (chưa từng được tổ đến ở đợt nào trước). Các "
                "dashboard tính hộ đã tiếp cận bằng tổng số này, không vượt quá số hộ của tổ dân phố. Nhật ký ghi "
                "trước khi có trường này được lấy bằng số hộ đã đến (giới hạn trên).",
                verbose_name="số hộ lần đầu được tiếp cận",
            ),
            preserve_default=False,
        ),
        migrations.RunPython(fill_first_visits, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="outreachlog",
            name="households_visited",
            field=models.PositiveIntegerField(
                help_text="Số hộ tổ đến trong đợt này (tính cả hộ đã được đến ở các đợt trước).",
                verbose_name="số hộ đã đến",
            ),
        ),
        migrations.AddConstraint(
            model_name="outreachlog",
            constraint=models.CheckConstraint(
                condition=models.Q(households_first_visit__lte=models.F("households_visited")),
                name="outreachlog_first_visit_within_visited",
            ),
        ),
    ]
