"""Whether a desk was ever used (an officer sat there or a tablet was paired with it): only a desk never used may be
deleted from the desks page, a used one can only be closed.

Who sat at a desk was not kept before (leaving empties the seat), so a desk that exists already may have been used:
every existing desk is marked used. An operator can still delete one in the admin."""

from django.db import migrations, models


def mark_existing_desks_used(apps, schema_editor):
    apps.get_model("feedback", "CounterDesk").objects.update(used=True)


class Migration(migrations.Migration):
    dependencies = [
        ("feedback", "0005_public_title"),
    ]

    operations = [
        migrations.AddField(
            model_name="counterdesk",
            name="used",
            field=models.BooleanField(
                default=False,
                editable=False,
                help_text="Đã có cán bộ ngồi quầy hoặc đã gắn màn hình: quầy không xóa được, chỉ đóng được.",
                verbose_name="đã dùng",
            ),
        ),
        migrations.RunPython(mark_existing_desks_used, migrations.RunPython.noop),
    ]
