"""The default evaluation criteria: those displayed on a provincial portal (rules §1.6). Seeded by migration
0002; operators edit, deactivate or add criteria in the admin."""

DEFAULT_CRITERIA = [
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


def ensure_default_criteria(model=None) -> int:
    """Create the default criteria that are missing (never overwrites an operator's edits). Returns how many
    were created. `model` lets the data migration pass its historical model."""
    if model is None:
        from .models import Criterion as model
    created = 0
    for order, (code, label) in enumerate(DEFAULT_CRITERIA, start=1):
        _, new = model.objects.get_or_create(code=code, defaults={"label": label, "order": order})
        created += new
    return created
