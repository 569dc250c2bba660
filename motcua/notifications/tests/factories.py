"""Test data shared by the notifications and portal tests: an agency with a one-stop officer and a leader, an
online procedure (version in force with components and an e-form), and a citizen."""

import datetime as dt
from decimal import Decimal
from zoneinfo import ZoneInfo

from django.contrib.auth import get_user_model

from motcua.catalog.models import Field, Offering, Procedure, ProcedureComponent, ProcedureVersion
from motcua.org.models import Agency, Role, StaffRole

LOCAL = ZoneInfo("Asia/Ho_Chi_Minh")
PASSWORD = "Mc-test-pass-2026"

APPLICANT = {
    "kind": "individual",
    "name": "Nguyễn Văn An",
    "id_number": "001203012345",
    "phone": "0912345678",
    "email": "an.nguyen@example.vn",
    "address": "12 Phố Huế, Hai Bà Trưng, Hà Nội",
}


def local(*args) -> dt.datetime:
    return dt.datetime(*args, tzinfo=LOCAL)


def make_world(online_level: str = "partial") -> dict:
    User = get_user_model()
    hn = Agency.objects.create(identifier="H26", name="Thành phố Hà Nội", level="province")
    so = Agency.objects.create(
        identifier="000.00.21.H26", name="Sở Kế hoạch và Đầu tư", level="department", parent=hn
    )
    officer = User.objects.create_user("mc", password=PASSWORD)
    StaffRole.objects.create(user=officer, agency=so, role=Role.OFFICER)
    leader = User.objects.create_user("ld", password=PASSWORD)
    StaffRole.objects.create(user=leader, agency=so, role=Role.LEADER)
    specialist = User.objects.create_user("cv", password=PASSWORD)
    StaffRole.objects.create(user=specialist, agency=so, role=Role.SPECIALIST)
    citizen = User.objects.create_user("congdan", password=PASSWORD, email="an.nguyen@example.vn")
    other = User.objects.create_user("congdan2", password=PASSWORD, email="binh@example.vn")
    field = Field.objects.create(code="ho-kinh-doanh", name="Thành lập và hoạt động của hộ kinh doanh")
    proc = Procedure.objects.create(
        code="1.001612", name="Đăng ký thành lập hộ kinh doanh", field=field, level="commune"
    )
    version = ProcedureVersion.objects.create(
        procedure=proc,
        effective_from=dt.date(2020, 1, 1),
        name=proc.name,
        field=field,
        level="commune",
        legal_days=Decimal(3),
        online_level=online_level,
        form_fields=[
            {"name": "ten_ho_kinh_doanh", "label": "Tên hộ kinh doanh", "type": "text", "required": True},
            {"name": "von_kinh_doanh", "label": "Vốn kinh doanh (đồng)", "type": "number", "required": True},
            {"name": "ngay_bat_dau", "label": "Ngày dự kiến bắt đầu", "type": "date", "required": False},
            {
                "name": "nganh_nghe",
                "label": "Ngành, nghề kinh doanh",
                "type": "select",
                "required": True,
                "options": ["Bán lẻ", "Ăn uống", "Dịch vụ khác"],
            },
            {"name": "ghi_chu", "label": "Ghi chú", "type": "textarea", "required": False},
        ],
    )
    c1 = ProcedureComponent.objects.create(
        version=version, order=1, name="Giấy đề nghị đăng ký hộ kinh doanh", required=True
    )
    c2 = ProcedureComponent.objects.create(
        version=version, order=2, name="Bản sao biên bản họp thành viên hộ gia đình", required=False
    )
    Offering.objects.create(agency=so, procedure=proc, online=True)
    return {
        "hn": hn,
        "so": so,
        "officer": officer,
        "leader": leader,
        "specialist": specialist,
        "citizen": citizen,
        "other": other,
        "procedure": proc,
        "version": version,
        "components": [c1, c2],
    }


PDF_BYTES = b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n2 0 obj<</Type/Pages/Count 0/Kids[]>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"


def add_result(world, dossier):
    """The signed result uploaded to a resolved dossier (an electronic return needs its file)."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    from motcua.dossiers.documents import store_upload

    return store_upload(
        dossier=dossier,
        uploaded_file=SimpleUploadedFile("Giấy chứng nhận.pdf", PDF_BYTES, content_type="application/pdf"),
        kind="result",
        actor=world["leader"],
    )
