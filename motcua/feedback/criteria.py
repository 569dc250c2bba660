"""The default evaluation criteria: those displayed on a provincial portal (rules §1.6). Seeded by migration
0002; operators edit, deactivate or add criteria in the admin."""

# code, Vietnamese label (as the portal displays it), English label (the interface in English)
DEFAULT_CRITERIA = [
    ("chat-luong-chung", "Chất lượng phục vụ chung", "Overall quality of service"),
    (
        "thuan-tien-truc-tuyen",
        "Mức độ thuận tiện khi sử dụng dịch vụ công trực tuyến",
        "Ease of using the online public services",
    ),
    ("dung-han", "Hồ sơ được giải quyết đúng hẹn", "Dossier resolved by the appointment"),
    (
        "thai-do-can-bo",
        "Thái độ, tinh thần phục vụ của cán bộ, công chức",
        "Attitude and service of the officials",
    ),
    (
        "tong-thoi-gian",
        "Tổng thời gian giải quyết thủ tục hành chính so với quy định",
        "Total time to resolve the procedure against the prescribed time",
    ),
    (
        "thoi-gian-tung-co-quan",
        "Thời gian giải quyết của từng cơ quan so với quy định",
        "Each agency's resolution time against the prescribed time",
    ),
    (
        "so-lan-lien-he",
        "Số lần phải liên hệ để hoàn thiện hồ sơ",
        "Number of contacts needed to complete the dossier",
    ),
    ("so-co-quan-lien-he", "Số cơ quan, đơn vị phải liên hệ", "Number of agencies and units to contact"),
    (
        "mot-cua",
        "Tiếp nhận, giải quyết và trả kết quả tại Bộ phận Một cửa",
        "Reception, resolution and return of results at the one-stop unit",
    ),
    (
        "cong-khai-tthc",
        "Công khai, minh bạch thủ tục hành chính",
        "Publicity and transparency of administrative procedures",
    ),
    (
        "xu-ly-pakn",
        "Tiếp nhận, xử lý phản ánh, kiến nghị",
        "Reception and handling of feedback and petitions",
    ),
    (
        "dich-vu-truc-tuyen",
        "Tiến độ và chất lượng cung cấp dịch vụ công trực tuyến",
        "Progress and quality of the online public services",
    ),
]


def ensure_default_criteria(model=None) -> int:
    """Create the default criteria that are missing (never overwrites an operator's edits). Returns how many
    were created. `model` lets the data migration pass its historical model."""
    if model is None:
        from .models import Criterion as model
    created = 0
    # migration 0002's historical model has no English label (added by 0009, which fills it in)
    bilingual = any(f.name == "label_en" for f in model._meta.get_fields())
    for order, (code, label, label_en) in enumerate(DEFAULT_CRITERIA, start=1):
        defaults = {"label": label, "order": order, **({"label_en": label_en} if bilingual else {})}
        _, new = model.objects.get_or_create(code=code, defaults=defaults)
        created += new
    return created


def fill_english_labels(model) -> int:
    """Give the default criteria their English label where the Vietnamese one is still the default (an operator's
    edited label is theirs to translate). Returns how many were filled."""
    filled = 0
    for code, label, label_en in DEFAULT_CRITERIA:
        filled += model.objects.filter(code=code, label=label, label_en="").update(label_en=label_en)
    return filled
