"""Seed the evaluation criteria displayed on a provincial portal (rules §1.6). Operators edit them in the admin."""

from django.db import migrations

CRITERIA = [
    ("chat-luong-chung", "Chất lượng phục vụ chung"),
    ("thuan-tien-truc-tuyen", "Mức độ thuận tiện khi sử dụng dịch vụ công trực tuyến"),
    ("dung-han", "Hồ sơ được giải quyết đúng hẹn"),
    ("thai-do-can-bo", "Thái độ, tinh thần phục vụ của cán bộ, công chức"),
    ("tong-thoi-gian", "Tổng thời gian giải quyết thủ tục hành chính so với quy định"),
    ("thoi-gian-tung-co-quan", "Thời gian giải quyết của từng cơ quan so với quy định"),
    ("so-lan-lien-he", "Số lần phải liên hệ để hoàn thiện hồ sơ"),
    ("so-co-quan-lien-he", "Số cơ quan, đơn vị phải liên hệ"),
    ("mot-cua", "Tiếp nhận, giải quyết và trả kết quả tại Bộ phận Một cửa"),
    ("cong-khai-tthc", "Công khai, minh bạch thủ tục hành chính"),
    ("xu-ly-pakn", "Tiếp nhận, xử lý phản ánh, kiến nghị"),
    ("dich-vu-truc-tuyen", "Tiến độ và chất lượng cung cấp dịch vụ công trực tuyến"),
]


def seed(apps, schema_editor):
    Criterion = apps.get_model("feedback", "Criterion")
    for order, (code, label) in enumerate(CRITERIA, start=1):
        Criterion.objects.get_or_create(code=code, defaults={"label": label, "order": order})


def unseed(apps, schema_editor):
    apps.get_model("feedback", "Criterion").objects.filter(code__in=[c for c, _ in CRITERIA]).delete()


class Migration(migrations.Migration):
    dependencies = [("feedback", "0001_initial")]
    operations = [migrations.RunPython(seed, unseed)]
