"""The reference-data stamp (motcua.core.refcache): its table and its one row. The triggers that change it are
installed after every migrate (refcache.install_triggers, a post_migrate handler), so a later migration that
rebuilds one of the watched tables (SQLite rebuilds a table for most ALTERs) cannot leave it unwatched."""

from django.db import migrations, models


def first_row(apps, schema_editor):
    apps.get_model("core", "RefStamp").objects.using(schema_editor.connection.alias).get_or_create(
        pk=1, defaults={"stamp": "initial"}
    )


class Migration(migrations.Migration):
    dependencies = [("core", "0001_initial")]

    operations = [
        migrations.CreateModel(
            name="RefStamp",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("stamp", models.CharField(max_length=36)),
            ],
            options={"verbose_name": "Dấu thay đổi dữ liệu danh mục"},
        ),
        migrations.RunPython(first_row, migrations.RunPython.noop),
    ]
