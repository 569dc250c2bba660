"""The unique constraint whose duplicates 0003_staffrole_unique_no_unit resolved (a migration of its own: see there)."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("org", "0003_staffrole_unique_no_unit"),
    ]

    operations = [
        migrations.AddConstraint(
            model_name="staffrole",
            constraint=models.UniqueConstraint(
                condition=models.Q(("unit__isnull", True)),
                fields=("user", "agency", "role"),
                name="staffrole_unique_no_unit",
                violation_error_message="Cán bộ này đã có vai trò này tại cơ quan (không gắn đơn vị); không thêm trùng.",
            ),
        ),
    ]
