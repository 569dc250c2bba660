from django.db import migrations, models


def fill_public_titles(apps, schema_editor):
    """PAKN published before the public title existed: their title, redacted as the public page showed it, so
    that the public search reads only published text from now on (the question of those without a public
    content is no longer shown: see ADR 0016)."""
    from motcua.feedback.redaction import known_personal_data, redact

    Feedback = apps.get_model("feedback", "Feedback")
    rows = Feedback.objects.filter(answer_public=True, public_title="").select_related("dossier", "user")
    for fb in rows.iterator(chunk_size=500):
        phrases, literals = known_personal_data(fb)
        fb.public_title = redact(fb.title, phrases=phrases, literals=literals)[:300]
        fb.save(update_fields=["public_title"])


class Migration(migrations.Migration):
    dependencies = [
        ("feedback", "0004_counter_desks"),
        ("dossiers", "0001_initial"),
    ]

    operations = [
        migrations.AddField(
            model_name="feedback",
            name="public_title",
            field=models.CharField(
                blank=True,
                help_text="Tiêu đề phản ánh đã lược bỏ thông tin cá nhân để công khai (trống = tiêu đề gốc đã che).",
                max_length=300,
                verbose_name="tiêu đề công khai",
            ),
        ),
        migrations.AlterField(
            model_name="feedback",
            name="public_content",
            field=models.TextField(
                blank=True,
                help_text="Nội dung phản ánh đã lược bỏ thông tin cá nhân, do cán bộ viết hoặc xác nhận khi công "
                "khai (trống = không công khai nội dung câu hỏi; nội dung gốc không bao giờ được công khai).",
                verbose_name="nội dung công khai",
            ),
        ),
        migrations.RunPython(fill_public_titles, migrations.RunPython.noop),
    ]
