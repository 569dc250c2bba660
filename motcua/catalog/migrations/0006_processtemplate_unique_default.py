"""The unique constraint whose duplicates 0005_processtemplate_one_default resolved (a migration of its own: see there)."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("catalog", "0005_processtemplate_one_default"),
    ]

    operations = [
        migrations.AddConstraint(
            model_name="processtemplate",
            constraint=models.UniqueConstraint(
                condition=models.Q(("agency__isnull", True)),
                fields=("procedure",),
                name="processtemplate_unique_default",
                violation_error_message=(
                    "Thủ tục này đã có quy trình nội bộ mặc định (không gắn cơ quan): hãy sửa quy trình đó, hoặc "
                    "chọn cơ quan cho quy trình riêng của cơ quan."
                ),
            ),
        ),
    ]
