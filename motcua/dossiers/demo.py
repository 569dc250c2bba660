"""Demo dossiers (loaded by `motcua demo` after the organisation and the catalogue).

A handful of dossiers at the demo agencies, in different states, made through the real services
(`dossier_file` / `dossier_act`) with instants in the past — at office hours of recent working days — so that
inboxes, timelines, forms and statistics look like a working office. Idempotent: nothing is created when any
non-imported dossier already exists at the demo agencies.
"""

from __future__ import annotations

import datetime as dt
import sys
from zoneinfo import ZoneInfo

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from motcua.catalog.models import Offering, Procedure
from motcua.org.models import Agency

from . import documents, services
from .models import Dossier

LOCAL = ZoneInfo("Asia/Ho_Chi_Minh")
DEPARTMENT = "000.00.21.H26"
DISTRICT = "000.00.33.H26"
BACH_KHOA = "000.02.33.H26"
DEMO_PROCEDURE = "1.001612"
# A province-level reference procedure with a published internal process (Cấp lại giấy chứng nhận đủ điều kiện
# kinh doanh giám định…), else any procedure the department offers.
REFERENCE_PROCEDURE = "1.001123"

PEOPLE = [
    ("Đặng Thị Ngọc Hương", "001185012345", "15 Tạ Quang Bửu, Bách Khoa, Hai Bà Trưng, Hà Nội", "0912345601"),
    ("Nguyễn Văn Hùng", "001080023456", "22 Phố Huế, Hai Bà Trưng, Hà Nội", "0912345602"),
    ("Trần Thị Mai Anh", "001192034567", "8 Lò Đúc, Hai Bà Trưng, Hà Nội", "0912345603"),
    ("Lê Quang Minh", "001088045678", "120 Bạch Mai, Hai Bà Trưng, Hà Nội", "0912345604"),
    ("Phạm Thị Thu Hà", "001195056789", "5 Minh Khai, Hai Bà Trưng, Hà Nội", "0912345605"),
    ("Vũ Đức Thắng", "001079067890", "40 Trần Khát Chân, Hai Bà Trưng, Hà Nội", "0912345606"),
    ("Hoàng Thị Lan Phương", "001190078901", "3 Đại Cồ Việt, Hai Bà Trưng, Hà Nội", "0912345607"),
    ("Bùi Văn Toàn", "001084089012", "17 Kim Ngưu, Hai Bà Trưng, Hà Nội", "0912345608"),
    ("Ngô Thị Bích Ngọc", "001197090123", "61 Thanh Nhàn, Hai Bà Trưng, Hà Nội", "0912345609"),
    ("Đỗ Minh Khang", "001086001234", "9 Lê Thanh Nghị, Hai Bà Trưng, Hà Nội", "0912345610"),
]
# What each applicant's online application for 1.001612 says on its e-form (the portal's wizard requires the
# starred fields, so an online demo dossier carries them): household business name, premises, trades (with
# their VSIC codes, as the registration office asks), capital in đồng, workers.
HOUSEHOLD_BUSINESSES = [
    ("Hộ kinh doanh Ngọc Hương", "Tạp hóa, bán lẻ lương thực, thực phẩm (4711)", 80_000_000, 2),
    ("Hộ kinh doanh Hùng Phát", "Sửa chữa xe máy (4542)", 50_000_000, 1),
    ("Hộ kinh doanh Mai Anh", "Bán lẻ hàng may mặc (4771)", 120_000_000, 2),
    ("Hộ kinh doanh Quang Minh", "Dịch vụ ăn uống, quán cà phê (5630)", 150_000_000, 4),
    ("Hộ kinh doanh Thu Hà", "Cắt tóc, làm đầu, gội đầu (9631)", 40_000_000, 2),
    ("Hộ kinh doanh Đức Thắng", "Bán buôn đồ uống có cồn (4633)", 300_000_000, 3),
    ("Hộ kinh doanh Lan Phương", "Bán lẻ thuốc, dụng cụ y tế (4772)", 200_000_000, 2),
    ("Hộ kinh doanh Văn Toàn", "Sản xuất đồ gỗ gia dụng (3100)", 250_000_000, 5),
    ("Hộ kinh doanh Bích Ngọc", "Bán lẻ hoa tươi, cây cảnh (4773)", 30_000_000, 1),
    ("Hộ kinh doanh Minh Khang", "Photocopy, chuẩn bị tài liệu (8219)", 60_000_000, 1),
]


class Clock:
    """Instants at office hours of the working days before today (per the demo agency's calendar)."""

    def __init__(self, agency: Agency, today: dt.date):
        self.cal = services.AgencyCalendar(agency)
        self.days: list[dt.date] = []
        d = today - dt.timedelta(days=1)
        while len(self.days) < 25:
            if self.cal.is_working_day(d):
                self.days.append(d)
            d -= dt.timedelta(days=1)

    def at(self, back: int, hour: int, minute: int = 0) -> dt.datetime:
        """`back` working days before today (1 = the previous working day), at hh:mm local."""
        return dt.datetime.combine(self.days[back - 1], dt.time(hour, minute), tzinfo=LOCAL)


def _users() -> dict:
    User = get_user_model()
    names = [
        "motcua.mc",
        "chuyenvien",
        "truongphong",
        "lanhdao",
        "quan.mc",
        "quan.cv",
        "quan.tp",
        "quan.ld",
        "phuong.bachkhoa.mc",
        "congdan",
    ]
    return {u.username: u for u in User.objects.filter(username__in=names)}


def _demo_pdf(title: str) -> bytes:
    from .pdf import html_to_pdf

    html = (
        "<html lang='vi'><body style='font-family: DejaVu Serif, serif'>"
        f"<h3>{title}</h3><p>Tài liệu số hóa minh họa (dữ liệu demo).</p></body></html>"
    )
    return html_to_pdf(html, title=title)


class Builder:
    def __init__(self, users: dict, out):
        self.u = users
        self.out = out
        self.people = iter(zip(PEOPLE, HOUSEHOLD_BUSINESSES, strict=True))
        self.stored: list = []
        self.created: list[Dossier] = []
        self._pdf: bytes | None = None

    def applicant(self) -> tuple[dict, dict]:
        """The next applicant, and the e-form of their household business as the portal's wizard takes it."""
        (name, idn, address, phone), (business, trades, capital, workers) = next(self.people)
        form = {
            "ten_ho_kinh_doanh": business,
            "dia_chi_tru_so": address,
            "nganh_nghe_kinh_doanh": trades,
            "von_kinh_doanh": capital,
            "so_lao_dong": workers,
            "dien_thoai": phone,
        }
        return {
            "kind": "individual",
            "name": name,
            "id_number": idn,
            "address": address,
            "phone": phone,
        }, form

    def pdf_file(self, name: str):
        if self._pdf is None:
            self._pdf = _demo_pdf("Giấy đề nghị đăng ký hộ kinh doanh")
        return documents.bytes_file(self._pdf, name)

    def result_file(self, dossier: Dossier, number: str):
        """The signed result of one dossier (its own bytes: a result is not the application form)."""
        title = f"Giấy chứng nhận đăng ký hộ kinh doanh số {number}"
        business = (dossier.form_data or {}).get("ten_ho_kinh_doanh") or dossier.applicant_name
        pdf = _demo_pdf(f"{title} — {business} (hồ sơ {dossier.code})")
        return documents.bytes_file(pdf, "Giấy chứng nhận đăng ký hộ kinh doanh.pdf")

    def attach(self, dossier: Dossier, who: str, kind: str = "component", upload=None, info=None) -> None:
        version = dossier.procedure_version
        component = version.components.order_by("order").first() if version and kind == "component" else None
        self.stored.append(
            documents.store_upload(
                dossier=dossier,
                uploaded_file=upload or self.pdf_file((component.name if component else "Tài liệu") + ".pdf"),
                kind=kind,
                component=component,
                actor=self.u[who],
                inspected=info,
            )
        )

    def file(
        self,
        *,
        agency: str,
        procedure: str,
        at: dt.datetime,
        online: bool,
        officer: str,
        result_method: str | None = None,
    ) -> Dossier:
        """Filed online by the demo citizen (with the e-form of 1.001612 filled in) or registered at the counter
        (the paper form is the scanned component), with one scanned component whose hash goes into the filing
        event. The result is received as the applicant chose: electronically online, at the counter otherwise,
        unless `result_method` says otherwise."""
        who = "congdan" if online else officer
        upload = self.pdf_file("Giấy đề nghị.pdf")
        info = documents.inspect_upload(upload)
        applicant, form = self.applicant()
        dossier, _ = services.dossier_file(
            actor=self.u[who],
            procedure_code=procedure,
            agency_identifier=agency,
            channel="online" if online else "counter",
            applicant=applicant,
            form_data=form if online and procedure == DEMO_PROCEDURE else None,
            result_method=result_method or ("electronic" if online else "counter"),
            at=at,
            file_hashes=[info.sha256],
        )
        self.attach(dossier, who, upload=upload, info=info)
        self.created.append(dossier)
        return dossier

    def rate(self, dossier: Dossier, who: str, at: dt.datetime, **rating) -> None:
        """The applicant's rating through the rating service: from their account, or on a paper form that a
        one-stop officer enters (`counter=True`)."""
        from motcua.feedback.services import rating_create

        rating_create(user=self.u[who], dossier_code=dossier.code, at=at, **rating)

    def act(self, dossier: Dossier, action: str, who: str, at: dt.datetime, **params) -> Dossier:
        return services.dossier_act(
            code=dossier.code, action=action, actor=self.u[who], params=params, at=at, record_uploads=True
        )


def _already_loaded(agency_ids: list[int]) -> bool:
    return Dossier.objects.filter(agency_id__in=agency_ids, imported=False).exists()


def load(*, stdout=None) -> dict:
    out = stdout or sys.stdout
    agencies = {
        a.identifier: a for a in Agency.objects.filter(identifier__in=[DEPARTMENT, DISTRICT, BACH_KHOA])
    }
    users = _users()
    procedure = Procedure.objects.filter(code=DEMO_PROCEDURE).first()
    missing = [i for i in (DEPARTMENT, DISTRICT, BACH_KHOA) if i not in agencies]
    missing += [
        u
        for u in ("motcua.mc", "chuyenvien", "truongphong", "lanhdao", "quan.mc", "congdan")
        if u not in users
    ]
    if procedure is None:
        missing.append(DEMO_PROCEDURE)
    if missing:
        out.write(f"Hồ sơ mẫu: bỏ qua, thiếu dữ liệu demo ({', '.join(missing)}).\n")
        return {"created": 0, "skipped": True}
    demo_agency_ids = list(
        Agency.objects.filter(path__startswith=agencies[DISTRICT].path).values_list("pk", flat=True)
    ) + [agencies[DEPARTMENT].pk]
    if _already_loaded(demo_agency_ids):
        out.write("Hồ sơ mẫu: đã có sẵn, không tạo thêm gì (demo dossiers already loaded).\n")
        return {"created": 0, "skipped": True}
    reference = (
        Procedure.objects.filter(code=REFERENCE_PROCEDURE, offerings__agency=agencies[DEPARTMENT]).first()
        or Procedure.objects.filter(offerings__agency=agencies[DEPARTMENT], active=True)
        .exclude(code=DEMO_PROCEDURE)
        .order_by("code")
        .first()
    )
    b = Builder(users, out)
    try:
        with transaction.atomic():
            _build(b, agencies, reference, timezone.localdate())
    except Exception:
        documents.discard(b.stored)
        raise
    by_state: dict[str, int] = {}
    for d in b.created:
        d.refresh_from_db()
        by_state[d.get_state_display()] = by_state.get(d.get_state_display(), 0) + 1
    summary = ", ".join(f"{n} {label.lower()}" for label, n in by_state.items())
    out.write(f"Hồ sơ mẫu: đã tạo {len(b.created)} hồ sơ ({summary}).\n")
    return {"created": len(b.created), "skipped": False, "codes": [d.code for d in b.created]}


def _build(b: Builder, agencies: dict, reference: Procedure | None, today: dt.date) -> None:
    c = Clock(agencies[DEPARTMENT], today)
    so, p = DEPARTMENT, DEMO_PROCEDURE

    # 1. Submitted online yesterday afternoon: waiting in the officer's "to receive" inbox.
    b.file(agency=so, procedure=p, at=c.at(1, 16, 20), online=True, officer="motcua.mc")

    # 2. Processing: received 2 working days ago, handed to the specialist, assigned by the unit head. Due
    #    tomorrow: shows as due soon and in the "apology can still be sent" list.
    d = b.file(agency=so, procedure=p, at=c.at(2, 8, 40), online=True, officer="motcua.mc")
    d = b.act(d, "receive", "motcua.mc", c.at(2, 9, 0))
    d = b.act(d, "hand_over", "motcua.mc", c.at(2, 9, 30))
    d = b.act(d, "assign", "truongphong", c.at(2, 10, 0), assignee="chuyenvien")

    # 3. Supplement requested during processing (one written list of every missing or wrong item).
    d = b.file(agency=so, procedure=p, at=c.at(3, 9, 30), online=False, officer="motcua.mc")
    d = b.act(d, "receive", "motcua.mc", c.at(3, 9, 45))
    d = b.act(d, "hand_over", "motcua.mc", c.at(3, 10, 15), to="chuyenvien")
    d = b.act(
        d,
        "request_supplement",
        "chuyenvien",
        c.at(2, 14, 0),
        reason="Hồ sơ chưa đầy đủ, hợp lệ",
        items=[
            {
                "name": "Giấy đề nghị đăng ký hộ kinh doanh",
                "reason": "Ngành, nghề kinh doanh ghi chưa đúng mã ngành",
            },
            {
                "name": "Bản sao biên bản họp thành viên hộ gia đình",
                "reason": "Chưa có chữ ký của đủ các thành viên",
            },
        ],
    )

    # 4. Resolved early, result ready at the counter (officer's "to return" inbox).
    d = b.file(agency=so, procedure=p, at=c.at(6, 8, 30), online=True, officer="motcua.mc")
    d = b.act(d, "receive", "motcua.mc", c.at(6, 9, 0))
    d = b.act(d, "hand_over", "motcua.mc", c.at(6, 9, 20), to="chuyenvien")
    d = b.act(d, "hand_over", "chuyenvien", c.at(5, 10, 0), to="truongphong")
    d = b.act(d, "hand_over", "truongphong", c.at(5, 14, 0), to="lanhdao")
    b.attach(d, "lanhdao", kind="result", upload=b.result_file(d, "0125/GCN-HKD"))
    d = b.act(d, "resolve", "lanhdao", c.at(5, 15, 30), outcome="approved", result_number="0125/GCN-HKD")

    # 5. Returned: the whole path, with an inter-agency step at the district (tax information).
    d = b.file(agency=so, procedure=p, at=c.at(9, 8, 15), online=False, officer="motcua.mc")
    d = b.act(d, "receive", "motcua.mc", c.at(9, 8, 30))
    d = b.act(d, "hand_over", "motcua.mc", c.at(9, 9, 0), to="chuyenvien")
    d = b.act(
        d,
        "hand_over",
        "chuyenvien",
        c.at(8, 9, 0),
        to_agency=DISTRICT,
        hours=4,
        to="quan.cv",
        note="Xác minh thông tin đăng ký thuế hộ kinh doanh",
    )
    d = b.act(d, "hand_over", "quan.cv", c.at(8, 11, 0), to="truongphong")
    d = b.act(d, "hand_over", "truongphong", c.at(7, 10, 0), to="lanhdao")
    b.attach(d, "lanhdao", kind="result", upload=b.result_file(d, "0118/GCN-HKD"))
    d = b.act(d, "resolve", "lanhdao", c.at(7, 14, 0), outcome="approved", result_number="0118/GCN-HKD")
    d = b.act(d, "return_result", "motcua.mc", c.at(6, 9, 10), method="counter", received_by=d.applicant_name)
    # a paper evaluation form handed in at the desk, entered by the officer
    b.rate(
        d,
        "motcua.mc",
        c.at(6, 9, 20),
        overall=4,
        counter=True,
        scores={"thai-do-can-bo": 4, "mot-cua": 4},
        comment="Cán bộ hướng dẫn tận tình, trả kết quả đúng hẹn.",
    )

    # 6. Late, with an apology sent in time (at least one working day before the due date); the applicant asked
    #    for the result by post.
    d = b.file(
        agency=so, procedure=p, at=c.at(12, 8, 45), online=True, officer="motcua.mc", result_method="post"
    )
    d = b.act(d, "receive", "motcua.mc", c.at(12, 9, 0))  # due 3 working days later, 09:00
    d = b.act(d, "hand_over", "motcua.mc", c.at(12, 9, 30), to="chuyenvien")
    d = b.act(
        d,
        "apologize",
        "lanhdao",
        c.at(11, 15, 0),
        reason="Cần lấy ý kiến cơ quan thuế về ngành, nghề kinh doanh có điều kiện",
        new_return_at=c.at(6, 16, 0),
    )
    d = b.act(d, "hand_over", "chuyenvien", c.at(8, 10, 0), to="truongphong")
    d = b.act(d, "hand_over", "truongphong", c.at(8, 15, 0), to="lanhdao")
    b.attach(d, "lanhdao", kind="result", upload=b.result_file(d, "0120/GCN-HKD"))
    d = b.act(d, "resolve", "lanhdao", c.at(7, 10, 0), outcome="approved", result_number="0120/GCN-HKD")
    d = b.act(d, "return_result", "motcua.mc", c.at(7, 15, 0), method="post", tracking_number="EA123456789VN")
    # the citizen rates the late one from their account
    b.rate(
        d,
        "congdan",
        c.at(6, 20, 0),
        overall=2,
        scores={"dung-han": 1},
        comment="Kết quả trả chậm so với hẹn ban đầu, nhưng có thư xin lỗi và hẹn lại rõ ràng.",
    )

    # 7. The reference procedure at the department, registered at the counter and received yesterday.
    if reference is not None and reference.version_at(c.at(1, 10, 0).date()) is not None:
        d = b.file(agency=so, procedure=reference.code, at=c.at(1, 10, 0), online=False, officer="motcua.mc")
        days = None if d.limit_hours is not None else 5
        d = b.act(d, "receive", "motcua.mc", c.at(1, 10, 5), **({"working_days": days} if days else {}))

    # 8. District: one refused at reception (Form 03), one received at the ward of Bách Khoa.
    if Offering.objects.filter(agency=agencies[DISTRICT], procedure__code=p).exists():
        d = b.file(agency=DISTRICT, procedure=p, at=c.at(2, 10, 30), online=True, officer="quan.mc")
        d = b.act(
            d,
            "refuse",
            "quan.mc",
            c.at(2, 11, 0),
            reason="Địa điểm kinh doanh không thuộc địa bàn quận; đề nghị nộp tại nơi đặt trụ sở hộ kinh doanh",
        )
    if (
        "phuong.bachkhoa.mc" in b.u
        and Offering.objects.filter(agency=agencies[BACH_KHOA], procedure__code=p).exists()
    ):
        d = b.file(
            agency=BACH_KHOA, procedure=p, at=c.at(1, 8, 20), online=True, officer="phuong.bachkhoa.mc"
        )
        d = b.act(d, "receive", "phuong.bachkhoa.mc", c.at(1, 8, 35))
