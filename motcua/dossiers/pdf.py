"""The printable forms of Circular 03/2025/TT-VPCP (Phụ lục I), rendered to PDF from HTML templates with
WeasyPrint, from the dossier and its EVENTS (never from numbers typed by hand):

01 Giấy tiếp nhận hồ sơ và hẹn trả kết quả            (receipt,    from the `receive` event)
02 Phiếu yêu cầu bổ sung, hoàn thiện hồ sơ            (supplement, from a `request_supplement` event)
03 Phiếu từ chối tiếp nhận giải quyết hồ sơ           (refusal,    from the `refuse` event)
04 Phiếu xin lỗi và đề nghị gia hạn thời gian giải quyết (apology, from the `apologize` event)
05 Thông báo dừng giải quyết hồ sơ                    (stop,       from the `stop` event)
06 Phiếu kiểm soát quá trình giải quyết hồ sơ          (control,    from assign/hand_over/... events and steps)
07 Sổ theo dõi hồ sơ                                   (tracking book of an agency for a period, from events)

Each form carries the national header, the agency, a number derived from the dossier code and the event's
sequence number, the place and date line, and a QR code of the dossier code.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import logging
from dataclasses import dataclass
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.http import content_disposition_header
from django.utils.translation import gettext_lazy

from motcua.core.errors import NotFound
from motcua.org.models import ONE_STOP_KINDS, Agency, AgencyLevel, Role, StaffRole, Unit

from . import circulars, lifecycle
from .models import (
    Channel,
    Classification,
    DocumentKind,
    Dossier,
    DossierEvent,
    DossierStep,
    Outcome,
    ReturnMethod,
)

LOCAL = lifecycle.LOCAL
logging.getLogger("weasyprint.progress").setLevel(
    logging.WARNING
)  # one INFO line per rendering step otherwise
NATIONAL_NAME = "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM"
NATIONAL_MOTTO = "Độc lập - Tự do - Hạnh phúc"


@dataclass(frozen=True)
class FormSpec:
    key: str
    number: str  # "01" … "07" (Circular 03/2025 Phụ lục I; a form dated earlier: circulars.circular_on)
    title: str
    action: str  # the event the form is issued from
    suffix: str  # number suffix before the issuing unit's abbreviation ("PBS" in "…/PBS-TTPVHCC")
    template: str
    citizen: bool  # the applicant may download it
    landscape: bool = False
    outcome: str = ""  # only for a `resolve` event with this outcome

    @property
    def display(self) -> str:
        """The form's name in the interface language (the PDF itself is Vietnamese: `title`)."""
        return str(FORM_LABELS.get(self.key, self.title))

    def matches(self, action: str, data: dict | None) -> bool:
        return action == self.action and (not self.outcome or (data or {}).get("outcome") == self.outcome)


FORMS: dict[str, FormSpec] = {
    s.key: s
    for s in [
        FormSpec("receipt", "01", "Giấy tiếp nhận hồ sơ và hẹn trả kết quả", "receive", "", "receipt", True),
        FormSpec(
            "supplement",
            "02",
            "Phiếu yêu cầu bổ sung, hoàn thiện hồ sơ",
            "request_supplement",
            "PBS",
            "supplement",
            True,
        ),
        FormSpec(
            "refusal", "03", "Phiếu từ chối tiếp nhận giải quyết hồ sơ", "refuse", "PTC", "refusal", True
        ),
        FormSpec(
            "apology",
            "04",
            "Phiếu xin lỗi và đề nghị gia hạn thời gian giải quyết",
            "apologize",
            "PXL",
            "apology",
            True,
        ),
        FormSpec("stop", "05", "Thông báo dừng giải quyết hồ sơ", "stop", "TBD", "stop", True),
        FormSpec(
            "control",
            "06",
            "Phiếu kiểm soát quá trình giải quyết hồ sơ",
            "receive",
            "PKS",
            "control",
            False,
            landscape=True,
        ),
        # Not numbered in Circular 03/2025: the written notice that the dossier is not eligible (rules §1.3).
        FormSpec(
            "ineligible",
            "",
            "Thông báo hồ sơ không đủ điều kiện giải quyết",
            "resolve",
            "TB",
            "ineligible",
            True,
            outcome="ineligible",
        ),
    ]
}
# The forms' names for the screens (gettext: English when chosen); the PDFs keep the official Vietnamese `title`.
FORM_LABELS = {
    "receipt": gettext_lazy("Giấy tiếp nhận hồ sơ và hẹn trả kết quả"),
    "supplement": gettext_lazy("Phiếu yêu cầu bổ sung, hoàn thiện hồ sơ"),
    "refusal": gettext_lazy("Phiếu từ chối tiếp nhận giải quyết hồ sơ"),
    "apology": gettext_lazy("Phiếu xin lỗi và đề nghị gia hạn thời gian giải quyết"),
    "stop": gettext_lazy("Thông báo dừng giải quyết hồ sơ"),
    "control": gettext_lazy("Phiếu kiểm soát quá trình giải quyết hồ sơ"),
    "ineligible": gettext_lazy("Thông báo hồ sơ không đủ điều kiện giải quyết"),
    "tracking": gettext_lazy("Sổ theo dõi hồ sơ"),
}

TRACKING_BOOK = FormSpec("tracking", "07", "Sổ theo dõi hồ sơ", "receive", "STD", "tracking", False, True)


# --- formatting -----------------------------------------------------------------------------------------------


def local(value: dt.datetime | None) -> dt.datetime | None:
    return value.astimezone(LOCAL) if value else None


def fmt_date(value) -> str:
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        value = value.astimezone(LOCAL).date()
    return f"{value:%d/%m/%Y}"


def fmt_dt(value: dt.datetime | None) -> str:
    """dd/mm/yyyy hh:mm, local time."""
    return f"{value.astimezone(LOCAL):%d/%m/%Y %H:%M}" if value else ""


def fmt_hm_date(value: dt.datetime | None) -> str:
    """'10 giờ 00 phút, ngày 05/02/2025' — how the forms write an instant."""
    if not value:
        return ""
    v = value.astimezone(LOCAL)
    return f"{v:%H} giờ {v:%M} phút, ngày {v:%d/%m/%Y}"


def fmt_hm_words(value: dt.datetime | None) -> str:
    """'10 giờ 00 phút, ngày 05 tháng 02 năm 2025' — where a form writes an instant "… giờ … phút, ngày … tháng …
    năm …" (Form 01's reception and appointment, Form 04's appointments, the control slip's appointment); the
    control slip's rows, "…giờ…phút, ngày…/…/…", keep `fmt_hm_date`."""
    if not value:
        return ""
    v = value.astimezone(LOCAL)
    return f"{v:%H} giờ {v:%M} phút, {date_words(v.date())}"


def date_words(d: dt.date) -> str:
    """'ngày 05 tháng 02 năm 2025', 'ngày 29 tháng 6 năm 2026': how an administrative document writes its date
    (Decree 30/2020/NĐ-CP, Phụ lục I: a day below 10 and the months 1 and 2 take a leading zero, the months 3 to 12
    none)."""
    month = f"{d.month:02d}" if d.month <= 2 else str(d.month)
    return f"ngày {d:%d} tháng {month} năm {d:%Y}"


def place_date(agency: Agency, when: dt.datetime | dt.date | None) -> str:
    """'Hà Nội, ngày 05 tháng 02 năm 2025' (the agency's place name, else its nearest ancestor's)."""
    place = place_name(agency)
    if when is None:
        return f"{place}, ngày ... tháng ... năm ......"
    return f"{place}, {date_words(_day(when))}"


def place_name(agency: Agency) -> str:
    node, seen = agency, set()
    while node is not None and node.pk not in seen:
        if node.place_name:
            return node.place_name
        seen.add(node.pk)
        node = node.parent
    return "......"


def days_text(limit_hours) -> str:
    if limit_hours is None:
        return ""
    days = Decimal(limit_hours) / 8
    if days == 0:
        return "Trong ngày"
    if days == days.to_integral_value():
        return f"{int(days):02d} ngày làm việc"
    return f"{format(days.normalize(), 'f').replace('.', ',')} ngày làm việc ({format(Decimal(limit_hours).normalize(), 'f')} giờ)"


def copies_text(component) -> str:
    """'01 bản chính, 01 bản sao' — how many originals and copies of a component the procedure asks for (Form 01
    lists each component received with them); '' when the procedure says neither."""
    if component is None:
        return ""
    parts = [
        f"{n:02d} {label}"
        for n, label in ((component.originals, "bản chính"), (component.copies, "bản sao"))
        if n
    ]
    return ", ".join(parts)


def qr_data_uri(text: str) -> str:
    import segno

    return segno.make(text, error="m", micro=False).svg_data_uri(scale=3, border=1)


def code_tail(dossier: Dossier) -> str:
    """'000.00.21.H26-250303-0007' -> '250303-0007' (the registration date and daily sequence)."""
    prefix = dossier.agency.identifier + "-"
    return dossier.code[len(prefix) :] if dossier.code.startswith(prefix) else dossier.code


def form_number(spec: FormSpec, dossier: Dossier, event: DossierEvent | None, abbreviation: str) -> str:
    """'Số: 250303-0007/TTPVHCC' (receipt) or '250303-0007.03/PBS-TTPVHCC' (event #3 of the dossier), ending in the
    abbreviation of the one-stop unit that issues it (`number_abbreviation`)."""
    tail = code_tail(dossier)
    if spec.key == "receipt" or event is None:
        base = tail
    else:
        base = f"{tail}.{event.seq:02d}"
    return f"{base}/{spec.suffix + '-' if spec.suffix else ''}{abbreviation}"


# An agency without a one-stop unit recorded: the name Decree 118/2025 Art. 1 gives a one-stop unit at its level
# (a province's or commune's is its public-service centre; a ministry's or department's, its Bộ phận Tiếp nhận và
# Trả kết quả).
CENTRE_LEVELS = frozenset({AgencyLevel.PROVINCE, AgencyLevel.COMMUNE})


def one_stop_unit(agency: Agency, actor=None) -> Unit | None:
    """The agency's one-stop unit (kind "Bộ phận Một cửa" or "Trung tâm Phục vụ hành chính công"): the one where
    `actor` (the officer who received the dossier) holds a role when the agency has several, else the first."""
    units = sorted((u for u in agency.units.all() if u.kind in ONE_STOP_KINDS), key=lambda u: u.pk)
    if len(units) > 1 and actor is not None:
        held = set(
            StaffRole.objects.filter(user=actor, agency=agency, unit__in=units).values_list(
                "unit_id", flat=True
            )
        )
        units = [u for u in units if u.pk in held] or units
    return units[0] if units else None


def number_abbreviation(agency: Agency, unit: Unit | None) -> str:
    """The issuing unit's abbreviation in the forms' numbers: the unit's own or its kind's (TTPVHCC for a
    public-service centre, BPTNTKQ for a one-stop section), else by the agency's level."""
    if unit is not None:
        return unit.number_abbreviation
    return "TTPVHCC" if agency.level in CENTRE_LEVELS else "BPTNTKQ"


def _receiving_unit(dossier: Dossier) -> Unit | None:
    receive = dossier.events.filter(action="receive").select_related("actor").first()
    return one_stop_unit(dossier.agency, receive.actor if receive else None)


def dated_spec(spec: FormSpec, day: dt.date) -> tuple[FormSpec, circulars.FormCircular]:
    """The form as the circular in force on `day` numbers and titles it (Circular 01/2018 before Circular 03/2025)."""
    circular = circulars.circular_on(day)
    return (
        dataclasses.replace(
            spec,
            number=circular.numbers.get(spec.key, ""),
            title=circular.titles.get(spec.key, spec.title),
        ),
        circular,
    )


def sign_note(circular: circulars.FormCircular, signer: str) -> str:
    """The line under a signature block where the circular's template has one ("(Chữ ký số của người tiếp nhận hồ sơ
    nếu là biểu mẫu điện tử)"), else ''."""
    text = circular.text("digital_signature_note")
    return text.format(signer=signer) if text else ""


def _day(when) -> dt.date:
    if isinstance(when, dt.datetime):
        return when.astimezone(LOCAL).date()
    return when


def person_names(usernames) -> dict[str, str]:
    names = {u for u in usernames if u}
    if not names:
        return {}
    out = {}
    for u in get_user_model().objects.filter(username__in=names):
        out[u.username] = u.get_full_name() or u.username
    return out


def user_label(user, username: str = "") -> str:
    """The person's name as a form prints it: the account's full name; for an event with no account (an imported
    history names its actors as the previous system wrote them), the full name of the account with that username
    if there is one — the control slip already resolved them so, and Form 01 printed "motcua.mc" where a person
    signs — else the name as written."""
    user = _account(user, username)
    if user is not None:
        return user.get_full_name() or user.get_username()
    return username or ""


def _account(user, username: str = ""):
    """`user`, or with none the account whose username an imported event names (None if there is none)."""
    if user is None and username:
        return get_user_model().objects.filter(username=username).first()
    return user


# --- reading events -------------------------------------------------------------------------------------------


def _events(dossier: Dossier) -> list[DossierEvent]:
    return list(dossier.events.select_related("actor").order_by("seq"))


def step_completers(events) -> dict[int, str]:
    """Who completed each step, by step number, from the log (in order): the giver of the hand-over that closed
    it, or whoever resolved or stopped the dossier at it. A step taken without an assignment (its role's holder, a
    head) was still done by someone: the workflow table and Form 06 name that person instead of a blank."""
    done: dict[int, str] = {}
    for e in events:
        data = e.data or {}
        if e.action == "hand_over" and not data.get("within_agency"):
            order = data.get("from_step")
        elif e.action in ("resolve", "stop"):
            order = e.step_order
        else:
            continue
        if order is not None:
            done[order] = user_label(e.actor, e.actor_name)
    return done


def _parse_dt(value) -> dt.datetime | None:
    if not value:
        return None
    if isinstance(value, dt.datetime):
        return value
    try:
        return dt.datetime.fromisoformat(str(value))
    except ValueError:
        return None


def due_at_as_of(events: list[DossierEvent], seq: int) -> dt.datetime | None:
    """The appointment in force right after event #seq, replayed from the events' recorded due_at values."""
    due = None
    for e in events:
        if e.seq > seq:
            break
        if e.action in ("receive", "supplement", "confirm_payment") and e.data.get("due_at"):
            due = _parse_dt(e.data["due_at"]) or due
    return due


def form_event(dossier: Dossier, form: str, seq: int | None = None) -> DossierEvent:
    """The event a form is issued from (the latest one, or #seq). NotFound when the dossier has none."""
    spec = FORMS.get(form)
    if spec is None:
        raise NotFound(f"Không có mẫu phiếu '{form}'.", f"No form '{form}'.")
    qs = dossier.events.select_related("actor").filter(action=spec.action)
    if seq is not None:
        qs = qs.filter(seq=seq)
    event = next((e for e in qs.order_by("-seq") if spec.matches(e.action, e.data)), None)
    if event is None:
        raise NotFound(
            f"Hồ sơ {dossier.code} chưa có {spec.title.lower()}"
            + (f" (Mẫu số {spec.number})." if spec.number else "."),
            f"Dossier {dossier.code} has no form '{spec.key}' yet.",
            code="form_not_available",
        )
    return event


def available_forms(dossier: Dossier) -> list[dict]:
    """Forms the dossier has (one entry per issued form; several supplement requests give several entries)."""
    actions = list(dossier.events.order_by("seq").values_list("action", "seq", "data", "at"))
    out = []
    for key, spec in FORMS.items():
        issued = [(s, at) for a, s, data, at in actions if spec.matches(a, data)]
        if not issued:
            continue
        # numbered as the circular in force on the form's date numbers it (the form printed is the same)
        if key == "supplement":
            for n, (s, at) in enumerate(issued, start=1):
                dated = dated_spec(spec, _day(at))[0]
                out.append(
                    {"key": key, "spec": dated, "seq": s, "round": n if len(issued) > 1 else None, "at": at}
                )
        else:
            at = issued[0][1] if key == "control" else issued[-1][1]
            out.append(
                {"key": key, "spec": dated_spec(spec, _day(at))[0], "seq": None, "round": None, "at": at}
            )
    return out


def form_content_disposition(dossier: Dossier, form: str, seq: int | None = None, available=None) -> str:
    """The Content-Disposition of a form's PDF, for the staff page's download and the API's alike: shown in the
    browser (inline), named by the dossier's code and the number the form carries — the circular of its date
    numbers it (a 2023 control slip is Form 05, a 2023 stop notice has no number) — e.g.
    "000.00.21.H26-250124-0001-mau-01.pdf", else by the form's key. `available`: the forms listed for the reader
    (default: every form of the dossier); without `seq`, the last one issued, which is the one rendered. A "/" or
    "\\" of an imported code becomes "_"; a name beyond ASCII is also given as filename* (RFC 6266)."""
    forms = available_forms(dossier) if available is None else available
    matching = [f for f in forms if f["key"] == form and (seq is None or f["seq"] == seq)]
    spec = matching[-1]["spec"] if matching else FORMS.get(form)
    number = spec.number if spec is not None else ""
    name = f"{dossier.code}-mau-{number}" if number else f"{dossier.code}-{form}"
    return content_disposition_header(False, name.replace("/", "_").replace("\\", "_") + ".pdf")


# --- contexts -------------------------------------------------------------------------------------------------


def _common(spec: FormSpec, dossier: Dossier, event: DossierEvent | None, when, *, form_day=None) -> dict:
    """What every form carries. `when` dates the form (the place and date line); `form_day`, when given, is the day
    that chooses the circular instead (the control slip, opened at reception)."""
    agency = dossier.agency
    unit = _receiving_unit(dossier)
    spec, circular = dated_spec(spec, form_day or _day(when or dossier.created_at))
    return {
        "spec": spec,
        "circular": circular,
        "dossier": dossier,
        "agency": agency,
        "one_stop_unit": unit,
        "one_stop_name": unit.name if unit else "Bộ phận Một cửa",
        "parent_name": agency.parent.name if agency.parent_id else "",
        "national_name": NATIONAL_NAME,
        "national_motto": NATIONAL_MOTTO,
        "number": form_number(spec, dossier, event, number_abbreviation(agency, unit)),
        "place_date": place_date(agency, when),
        "qr": qr_data_uri(dossier.code),
        "applicant_title": "Tổ chức" if dossier.applicant_kind == "organization" else "Ông/Bà",
        "procedure_name": (
            dossier.procedure_version.name if dossier.procedure_version_id else dossier.procedure.name
        ),
        "representative": dossier.representative or {},
        "event": event,
    }


def _submitted_documents(dossier: Dossier, kinds=("component", "authorisation")):
    qs = dossier.documents.select_related("component").filter(kind__in=kinds)
    return list(qs.order_by("component__order", "uploaded_at", "pk"))


def receipt_context(dossier: Dossier) -> dict:
    spec = FORMS["receipt"]
    event = form_event(dossier, "receipt")
    events = _events(dossier)
    ctx = _common(spec, dossier, event, event.at)
    docs = _submitted_documents(dossier)
    # what the applicant supplemented before reception (Form 02 at the check, then `supplement`) is part of the
    # dossier received; a supplement asked for during processing came after the receipt and is not on it
    supplied_before = {
        h for e in events if e.action == "supplement" and e.seq < event.seq for h in (e.file_hashes or [])
    }
    supplements = [d for d in _submitted_documents(dossier, ("supplement",)) if d.sha256 in supplied_before]
    version_components = (
        {c.order: c for c in dossier.procedure_version.components.all()}
        if dossier.procedure_version_id
        else {}
    )
    paper = {
        c.get("order")
        for c in (event.data or {}).get("paper_components") or []
        if isinstance(c, dict) and c.get("order") is not None
    }
    components = []
    for d in docs:
        if d.component_id:
            label = d.component.name
        elif d.kind == DocumentKind.AUTHORISATION:
            label = str(DocumentKind.AUTHORISATION.label)  # the name, not a bare file name; the file follows
        else:
            label = d.name
        order = d.component.order if d.component_id else 10**6
        # a paper document is counted as the procedure asks for it (originals, copies); a file alone is the file
        copies = copies_text(version_components.get(order)) if order in paper else ""
        components.append({"name": label, "file": d.name, "order": order, "copies": copies})
    # handed in on paper at the counter, as the reception recorded them (a component also filed as a file is
    # listed once, with its file)
    filed = {d.component.order for d in docs if d.component_id}
    for c in (event.data or {}).get("paper_components") or []:
        if isinstance(c, dict) and c.get("order") not in filed:
            components.append(
                {
                    "name": c.get("name", ""),
                    "file": "",
                    "order": c.get("order") or 0,
                    "copies": copies_text(version_components.get(c.get("order"))),
                }
            )
    for d in supplements:
        if d.component_id:
            # the applicant's corrected copy of a component (the signed form for the unsigned one): listed under
            # the component, in place of the file it stands for
            components = [c for c in components if c.get("order") != d.component.order or c.get("supplement")]
            components.append(
                {
                    "name": d.component.name,
                    "file": d.name,
                    "order": d.component.order,
                    "copies": "",
                    "supplement": True,
                }
            )
        else:
            components.append({"name": "Tài liệu bổ sung", "file": d.name, "order": 10**6, "copies": ""})
    components.sort(key=lambda c: c["order"])  # stable: a component's files keep their upload order
    if not components and dossier.procedure_version_id and dossier.channel != Channel.ONLINE:
        # no file recorded (a paper dossier): the required components, which reception checked; an optional
        # one ("nếu có") is not written on the receipt as received when nothing says it was. An online dossier has
        # no paper: with no file, the receipt says that nothing was filed rather than list what was not
        for c in sorted(version_components.values(), key=lambda c: c.order):
            if c.required:
                components.append({"name": c.name, "file": "", "copies": copies_text(c)})
    limit = event.data.get("limit_hours", dossier.limit_hours)
    try:
        limit = Decimal(str(limit)) if limit is not None else None
    except Exception:  # noqa: BLE001
        limit = dossier.limit_hours
    due = _parse_dt(event.data.get("due_at")) or due_at_as_of(events, event.seq) or dossier.initial_due_at
    ctx.update(
        {
            "officer": user_label(event.actor, event.actor_name),
            "sign_note": sign_note(ctx["circular"], "người tiếp nhận hồ sơ"),
            "received_text": fmt_hm_words(event.at),
            "due_text": fmt_hm_words(due),
            "due_date": fmt_date(due),
            "limit_text": days_text(limit),
            "components": components,
            "nothing_filed_online": not components and dossier.channel == Channel.ONLINE,
            "result_place": result_place(dossier, ctx["one_stop_name"], ctx["agency"]),
            "channel": Channel(dossier.channel).label if dossier.channel else "",
            "book_volume": f"{local(event.at):%Y}",
            "book_number": f"{book_entry(dossier.agency_id, event.at, dossier.code):04d}",
        }
    )
    return ctx


def result_place(dossier: Dossier, one_stop_name: str, agency) -> str:
    """Form 01's item 6, "Đăng ký nhận kết quả tại: …", completed with where the result goes (the method's label,
    "Tại Bộ phận Một cửa", read "nhận kết quả tại: Tại Bộ phận Một cửa")."""
    method = dossier.result_method
    if method == ReturnMethod.POST:
        address = dossier.applicant_address
        return (
            f"địa chỉ {address} (qua dịch vụ bưu chính)"
            if address
            else "địa chỉ của người nộp (qua dịch vụ bưu chính)"
        )
    if method == ReturnMethod.ELECTRONIC:
        return "tài khoản dịch vụ công trực tuyến của người nộp (kết quả điện tử)"
    return f"{one_stop_name} — {agency.name}" if method == ReturnMethod.COUNTER else ""


@dataclass(frozen=True)
class Requester:
    """Who asked for a supplement or a payment during processing: the agency in whose name (`agency`) and the agency
    holding the dossier then (`step_agency`, when an inter-agency step was under way; else None)."""

    agency: Agency
    step_agency: Agency | None

    @property
    def partner(self) -> bool:
        return self.step_agency is not None and self.agency.pk == self.step_agency.pk


def requester(dossier: Dossier, event: DossierEvent, steps: list[DossierStep] | None = None) -> Requester:
    """Read from what the event recorded (`requesting_agency`, `step_agency`); for an event recorded before it did, the
    step under way then (the event's step order) and the roles the actor holds: a partner's staff without a role
    at the receiving agency asked in the partner's name (as they could before ADR 0004's 27/11/2026 addendum)."""
    data = event.data or {}
    agencies = {dossier.agency.identifier: dossier.agency}
    wanted = {data.get("requesting_agency"), data.get("step_agency")} - {None, ""} - set(agencies)
    if wanted:
        agencies.update({a.identifier: a for a in Agency.objects.filter(identifier__in=wanted)})
    if data.get("step_agency"):
        return Requester(
            agencies.get(data.get("requesting_agency"), dossier.agency), agencies.get(data["step_agency"])
        )
    if steps is None:
        steps = list(dossier.steps.select_related("agency").order_by("order"))
    step = next((s for s in steps if s.order == event.step_order), None) if event.step_order else None
    if step is None or step.agency_id == dossier.agency_id:
        return Requester(dossier.agency, None)
    from motcua.org.selectors import roles_of

    held = {r.agency_id for r in roles_of(event.actor)} if event.actor_id else set()
    partner_asks = step.agency_id in held and dossier.agency_id not in held
    return Requester(step.agency if partner_asks else dossier.agency, step.agency)


def supplement_context(dossier: Dossier, seq: int | None = None) -> dict:
    spec = FORMS["supplement"]
    event = form_event(dossier, "supplement", seq)
    ctx = _common(spec, dossier, event, event.at)
    items = [
        {"name": i.get("name", ""), "reason": i.get("reason", "")}
        for i in (event.data.get("items") or [])
        if isinstance(i, dict)
    ]
    who = requester(dossier, event)
    officer = user_label(event.actor, event.actor_name)
    ctx.update(
        {
            "items": items,
            "reason": event.reason,
            # A partner agency that found the dossier incomplete during its inter-agency step asks through the
            # receiving agency's one-stop unit, which sends this form in its own name and number series and stays
            # the applicant's contact (rules §1.3; ADR 0019, 29/11/2026): the partner and its officer are named as
            # those who asked; the one-stop officer who sends it signs.
            "partner_request": who.partner,
            "requesting_agency": who.agency,
            "requested_by": officer if who.partner else "",
            "officer": "" if who.partner else officer,
            "contact": f"{ctx['one_stop_name']} {dossier.agency.name}" if who.partner else officer,
            "sign_note": sign_note(ctx["circular"], "người hướng dẫn"),
            "before_reception": event.from_state == "submitted",
            "round": dossier.events.filter(action="request_supplement", seq__lte=event.seq).count(),
            "asked_at": fmt_hm_date(event.at),
        }
    )
    return ctx


def refusal_context(dossier: Dossier) -> dict:
    spec = FORMS["refusal"]
    event = form_event(dossier, "refusal")
    ctx = _common(spec, dossier, event, event.at)
    ctx.update(
        {
            "reason": event.reason,
            "officer": user_label(event.actor, event.actor_name),
            "sign_note": sign_note(ctx["circular"], "người tiếp nhận hồ sơ"),
        }
    )
    return ctx


def apology_context(dossier: Dossier) -> dict:
    spec = FORMS["apology"]
    event = form_event(dossier, "apology")
    events = _events(dossier)
    ctx = _common(spec, dossier, event, event.at)
    new_at = _parse_dt(event.data.get("new_return_at")) or dossier.new_return_at
    due = due_at_as_of(events, event.seq) or dossier.due_at
    ctx.update(
        {
            "reason": event.reason,
            # "Ngày 27 tháng 11 năm 2026, <agency> tiếp nhận …" (the form: "Ngày… tháng… năm …")
            "received_date": date_words(_day(dossier.received_at)).capitalize()
            if dossier.received_at
            else "",
            "due_text": fmt_hm_words(due),
            "due_date": fmt_date(due),
            # the receipt gave another time when the clock stopped since (supplement, payment): both are said, or
            # the letter's "the time on the receipt" would not be the receipt's
            "receipt_due_text": fmt_hm_words(dossier.initial_due_at)
            if dossier.initial_due_at and due and dossier.initial_due_at != due
            else "",
            "new_return_text": fmt_hm_words(new_at),
            "new_return_date": fmt_date(new_at),
            "sign_hint": ctx["circular"].text("apology_sign_hint") or "(Ký và ghi rõ họ tên)",
            "sign_note": sign_note(ctx["circular"], "Thủ trưởng cơ quan, đơn vị"),
            # signed by the head of the agency (Form 04): the name printed only when a leader sent it; an officer or
            # unit head who prepared it leaves the head to sign by hand
            "signer": user_label(event.actor, event.actor_name)
            if _is_leader(_account(event.actor, event.actor_name), dossier)
            else "",
        }
    )
    return ctx


def step_stopped(step, dossier: Dossier) -> bool:
    """The step ended with the dossier's stop (withdrawal, stop notice), not finished by its holder."""
    return (
        dossier.state == "stopped"
        and step.completed_at is not None
        and not step.classification
        and step.completed_at == dossier.stopped_at
    )


def _is_leader(user, dossier: Dossier) -> bool:
    from motcua.org.selectors import has_role

    return user is not None and has_role(user, Role.LEADER, dossier.agency)


def stop_context(dossier: Dossier) -> dict:
    spec = FORMS["stop"]
    event = form_event(dossier, "stop")
    ctx = _common(spec, dossier, event, event.at)
    withdrawal = (
        dossier.events.filter(action="request_withdrawal", seq__lt=event.seq).order_by("-seq").first()
    )
    by_post = dossier.channel == "postal" or dossier.result_method == "post"
    ctx.update(
        {
            "reason": event.reason,
            # a dossier sent by post (or whose result goes by post) gets its papers back the same way
            "paper_return": "qua dịch vụ bưu chính, theo địa chỉ đã đăng ký"
            if by_post
            else "tại Bộ phận Một cửa",
            "withdrawal": withdrawal,
            "withdrawal_text": fmt_hm_date(withdrawal.at) if withdrawal else "",
            "received_text": fmt_hm_date(dossier.received_at),
            "submitted_text": fmt_hm_date(dossier.submitted_at),
            "stopped_text": fmt_hm_date(event.at),
            "signer": user_label(event.actor, event.actor_name),
        }
    )
    return ctx


CLASS_LABELS = dict(Classification.choices)


def reception_holder(first: DossierStep | None, events: list[DossierEvent]) -> str:
    """The username of whoever held the first step from reception ('' for nobody): reception gives a one-stop
    step to the receiving officer (services._instantiate_steps) and records it on the step, not in the event; a
    later `assign` of that step names the holder it replaced (its `previous_assignee`), so the step's holder now
    is the holder at reception only when no assignment of the step followed."""
    if first is None:
        return ""
    for e in events:
        if e.action == "assign" and e.step_order == first.order:
            return e.data.get("previous_assignee", "")
    return first.assignee.username if first.assignee_id else ""


# A unit the history does not name (an imported dossier's events carry the action and the instant only): said so,
# not guessed ("Phòng chuyên môn", "Lãnh đạo cơ quan" were printed beside people of other units).
UNRECORDED = "(không ghi nhận)"


def control_rows(dossier: Dossier, events: list[DossierEvent], steps: list[DossierStep]) -> list[dict]:
    """Rows of Form 06, one per hand-over, derived from the events (Giao/Nhận, time, giver, receiver, result)."""
    usernames = set()
    for e in events:
        usernames.add(e.actor_name)
        for k in ("assignee", "receiver", "giver", "previous_assignee"):
            usernames.add(e.data.get(k, ""))
    # The step started at reception is the one with the lowest order at that time.
    first = min(steps, key=lambda s: s.order) if steps else None
    first_holder = reception_holder(first, events)
    names = person_names(usernames | {first_holder})
    one_stop = f"Bộ phận Một cửa — {dossier.agency.short_name or dossier.agency.name}"
    by_order = {s.order: s for s in steps}
    rows: list[dict] = []
    current_actor = one_stop

    def asker(e: DossierEvent) -> tuple[str, str]:
        """Who gives the dossier back to the one-stop unit for a supplement or payment (the unit on the row), and a
        note when that is not the step's holder: during a partner's step, the receiving agency may ask itself."""
        who = requester(dossier, e, steps)
        if who.step_agency is None or who.partner:
            return current_actor, ""
        return who.agency.name, f" (trong bước liên thông tại {who.step_agency.name})"

    def add(giver_unit, receiver_unit, at, giver, receiver, result="", note=""):
        rows.append(
            {
                "giver_unit": giver_unit,
                "receiver_unit": receiver_unit,
                "at": fmt_hm_date(at),
                "at_short": fmt_dt(at),
                "giver": giver,
                "receiver": receiver,
                "result": CLASS_LABELS.get(result, ""),
                "note": note,
            }
        )

    for e in events:
        actor = names.get(e.actor_name, e.actor_name)
        if e.action == "receive":
            target = first.actor if first else UNRECORDED
            receiver = names.get(first_holder, first_holder)
            add(one_stop, target, e.at, actor, receiver, note="Tiếp nhận hồ sơ, chuyển xử lý")
            current_actor = target
        elif e.action == "assign":
            step = by_order.get(e.step_order)
            add(
                e.data.get("step_actor") or (step.actor if step else current_actor),
                e.data.get("step_actor") or (step.actor if step else current_actor),
                e.at,
                actor,
                names.get(e.data.get("assignee", ""), e.data.get("assignee", "")),
                note=(f"Phân công xử lý bước {e.step_order}" if e.step_order else "Phân công xử lý")
                + (
                    f", thay cho {names.get(e.data['previous_assignee'], e.data['previous_assignee'])}"
                    if e.data.get("previous_assignee")
                    else ""
                ),
            )
        elif e.action == "hand_over":
            giver_unit = e.data.get("from_actor") or current_actor
            receiver_unit = e.data.get("to_actor") or UNRECORDED
            if e.data.get("within_agency"):
                # within the partner agency (trình ký): the same step, its due instant unchanged
                due = _parse_dt(e.data.get("step_due_at"))
                note = "Chuyển xử lý trong cơ quan phối hợp, giữ hạn bước liên thông"
                note += f" ({fmt_hm_date(due)})" if due is not None else ""
            else:
                note = "Chuyển liên thông" if e.data.get("inter_agency") else "Chuyển bước xử lý"
            if e.data.get("note"):
                note += f": {e.data['note']}"
            add(
                giver_unit,
                receiver_unit,
                e.at,
                actor,
                names.get(e.data.get("receiver", ""), e.data.get("receiver", "")),
                result=e.data.get("step_result") or e.data.get("part_result", ""),
                note=note,
            )
            current_actor = receiver_unit
        elif e.action == "request_supplement" and e.from_state != "submitted":
            unit, where = asker(e)
            add(unit, one_stop, e.at, actor, "", note=f"Yêu cầu bổ sung hồ sơ{where}: {e.reason}")
        elif e.action == "supplement" and e.from_state == "supplement_requested":
            add(one_stop, current_actor, e.at, actor, "", note="Hồ sơ đã được bổ sung")
        elif e.action == "request_payment":
            unit, where = asker(e)
            add(unit, one_stop, e.at, actor, "", note=f"Yêu cầu thực hiện nghĩa vụ tài chính{where}")
        elif e.action == "confirm_payment":
            add(one_stop, current_actor, e.at, actor, "", note="Đã thực hiện nghĩa vụ tài chính")
        elif e.action == "apologize":
            new_at = _parse_dt(e.data.get("new_return_at"))
            add(current_actor, one_stop, e.at, actor, "", note=f"Xin lỗi, hẹn lại ngày trả: {fmt_dt(new_at)}")
        elif e.action == "resolve":
            # the step the resolution completed: the event's own step; by its instant only for an event that
            # names none (a hand-over and the resolution in the same second completed two steps at that instant)
            done = by_order.get(e.step_order) if e.step_order else None
            done = done or max(
                (s for s in steps if s.completed_at == e.at), key=lambda s: s.order, default=None
            )
            outcome = Outcome(e.data.get("outcome")).label if e.data.get("outcome") in Outcome.values else ""
            add(
                done.actor if done else current_actor,
                one_stop,
                e.at,
                actor,
                "",
                result=done.classification if done else "",
                note=f"Hoàn thành giải quyết: {outcome}",
            )
            current_actor = one_stop
        elif e.action == "return_result":
            label = return_label(e.data)
            add(
                one_stop,
                dossier.applicant_name,
                e.at,
                actor,
                e.data.get("received_by", ""),
                result=dossier.classification,
                note=f"Trả kết quả: {label}",
            )
        elif e.action == "stop":
            add(current_actor, one_stop, e.at, actor, "", note=f"Dừng xử lý: {e.reason}")
    return rows


def return_method_label(method) -> str:
    """The label of a return_result event's `method` ('' for none or an unknown one)."""
    return str(ReturnMethod(method).label) if method in ReturnMethod.values else ""


def return_label(data: dict) -> str:
    """How a result was returned, from the return_result event's data: the method, and a postal tracking number
    when one was recorded ("Qua bưu chính, số vận đơn EA123456789VN")."""
    label = return_method_label(data.get("method"))
    tracking = (data.get("tracking_number") or "").strip()
    return f"{label}, số vận đơn {tracking}" if label and tracking else label


def control_context(dossier: Dossier) -> dict:
    spec = FORMS["control"]
    event = form_event(dossier, "control")  # the slip exists from reception on
    events = _events(dossier)
    steps = list(dossier.steps.select_related("agency", "assignee").order_by("order"))
    partners = sorted({s.agency.name for s in steps if s.agency_id != dossier.agency_id})
    done = step_completers(events)
    due = dossier.due_at
    last = events[-1] if events else event
    ctx = _common(spec, dossier, event, last.at, form_day=_day(event.at))  # the slip opened at reception
    ctx.update(
        {
            "rows": control_rows(dossier, events, steps),
            "partners": partners,
            "received_text": fmt_hm_words(dossier.received_at),
            "due_text": fmt_hm_words(due),
            "due_date": fmt_date(due),
            "new_return_text": fmt_hm_words(dossier.new_return_at),
            "steps": [
                {
                    "order": s.order,
                    "actor": s.actor,
                    "agency": s.agency.name,
                    "assignee": user_label(s.assignee)
                    if s.assignee_id
                    else (done.get(s.order, "") if s.completed_at else ""),
                    "started": fmt_dt(s.started_at),
                    "due": fmt_dt(s.due_at),
                    "completed": fmt_dt(s.completed_at),
                    "result": CLASS_LABELS.get(s.classification, "")
                    or ("Dừng xử lý" if step_stopped(s, dossier) else ""),
                }
                for s in steps
            ],
            "classification": CLASS_LABELS.get(dossier.classification, ""),
        }
    )
    return ctx


def ineligible_context(dossier: Dossier) -> dict:
    spec = FORMS["ineligible"]
    event = form_event(dossier, "ineligible")
    ctx = _common(spec, dossier, event, event.at)
    ctx.update(
        {
            "reason": event.reason,
            "received_text": fmt_hm_date(dossier.received_at),
            "result_number": event.data.get("result_number", ""),
            "signer": user_label(event.actor, event.actor_name),
        }
    )
    return ctx


CONTEXTS = {
    "receipt": receipt_context,
    "supplement": supplement_context,
    "refusal": refusal_context,
    "apology": apology_context,
    "stop": stop_context,
    "control": control_context,
    "ineligible": ineligible_context,
}


def form_context(form: str, dossier: Dossier, seq: int | None = None) -> dict:
    if form not in CONTEXTS:
        raise NotFound(f"Không có mẫu phiếu '{form}'.", f"No form '{form}'.")
    if form == "supplement":
        return supplement_context(dossier, seq)
    return CONTEXTS[form](dossier)


def render_form_html(form: str, dossier: Dossier, seq: int | None = None) -> str:
    with translation.override("vi"):  # official forms are Vietnamese whatever the interface language
        ctx = form_context(form, dossier, seq)
        return render_to_string(f"dossiers/forms/{ctx['spec'].template}.html", ctx)


def render_form_pdf(form: str, dossier: Dossier, seq: int | None = None) -> bytes:
    html = render_form_html(form, dossier, seq)
    return html_to_pdf(html, title=f"{FORMS[form].title} — {dossier.code}")


# --- Form 07: the tracking book ----------------------------------------------------------------------------


def _receptions_before(agency_id: int, year: int, before: dt.datetime, code: str | None = None) -> int:
    """How many dossiers `agency` received in `year` (local) before the instant `before` — and, at that very
    instant, with a code before `code`: the tracking book's order (reception time, then code)."""
    lo = dt.datetime(year, 1, 1, tzinfo=LOCAL)
    qs = DossierEvent.objects.filter(action="receive", dossier__agency_id=agency_id, at__gte=lo)
    n = qs.filter(at__lt=before).count()
    if code is not None:
        n += qs.filter(at=before, dossier__code__lt=code).count()
    return n


def book_entry(agency_id: int, at: dt.datetime, code: str) -> int:
    """A reception's number in the agency's tracking book of its year (Form 07's STT, Form 01's "Số thứ tự"): its
    place among the year's receptions by time, then code. (It was the day's sequence of the dossier code, so the
    book's entry 0002 came back every day, and Form 07 numbered its rows within the printed period.)"""
    return _receptions_before(agency_id, local(at).year, at, code) + 1


def tracking_rows(agency: Agency, start: dt.date, end: dt.date) -> list[dict]:
    """One row per dossier received by `agency` in [start, end] (local dates), read from the events: the
    `receive` event gives the reception and the appointment, later resume events move it, `apologize` gives
    the new date, `return_result` the return and its method."""
    lo = dt.datetime.combine(start, dt.time.min, tzinfo=LOCAL)
    hi = dt.datetime.combine(end + dt.timedelta(days=1), dt.time.min, tzinfo=LOCAL)
    receives = DossierEvent.objects.filter(
        action="receive", at__gte=lo, at__lt=hi, dossier__agency=agency
    ).select_related("dossier", "dossier__procedure", "dossier__procedure_version", "dossier__agency")
    receives = sorted(receives, key=lambda e: (e.at, e.dossier.code))
    ids = [e.dossier_id for e in receives]
    later: dict[int, list[DossierEvent]] = {}
    for e in DossierEvent.objects.filter(
        dossier_id__in=ids,
        action__in=["supplement", "confirm_payment", "apologize", "return_result", "stop", "resolve"],
    ).order_by("seq"):
        later.setdefault(e.dossier_id, []).append(e)
    step_agencies: dict[int, set[str]] = {}
    for dossier_id, name in DossierStep.objects.filter(dossier_id__in=ids).values_list(
        "dossier_id", "agency__name"
    ):
        step_agencies.setdefault(dossier_id, set()).add(name)
    rows = []
    n, year = 0, None
    for rec in receives:
        d = rec.dossier
        if (
            local(rec.at).year != year
        ):  # the period's first reception of a year: its place in that year's book
            year = local(rec.at).year
            n = _receptions_before(agency.pk, year, rec.at, d.code)
        n += 1
        due = _parse_dt(rec.data.get("due_at"))
        new_return, returned, returned_data, stopped = None, None, {}, None
        for e in later.get(d.pk, []):
            if e.action in ("supplement", "confirm_payment") and e.data.get("due_at"):
                due = _parse_dt(e.data["due_at"]) or due
            elif e.action == "apologize":
                new_return = _parse_dt(e.data.get("new_return_at"))
            elif e.action == "return_result":
                returned = e.at
                returned_data = e.data
            elif e.action == "stop":
                stopped = e.at
        lead_agency = d.agency.name
        others = sorted(step_agencies.get(d.pk, set()) - {lead_agency})
        contact = ", ".join(x for x in (d.applicant_address, d.applicant_phone) if x)
        rows.append(
            {
                "n": n,
                "code": d.code,
                # the name in force when the dossier was filed, as its receipt (Form 01) prints it
                "procedure": d.procedure_version.name if d.procedure_version_id else d.procedure.name,
                "applicant": d.applicant_name,
                "contact": contact,
                "lead_agency": lead_agency + (f" (phối hợp: {', '.join(others)})" if others else ""),
                "received": fmt_dt(rec.at),
                "due": fmt_dt(due),
                "new_return": fmt_dt(new_return),
                "returned": fmt_dt(returned),
                "stopped": fmt_dt(stopped),
                # how it was returned; before the return, how the applicant registered to receive it (Form 01)
                "method": return_label(returned_data)
                if returned
                else (f"Đăng ký: {return_method_label(d.result_method)}" if d.result_method else ""),
                "signed": "",
            }
        )
    return rows


def tracking_context(agency: Agency, start: dt.date, end: dt.date, *, now: dt.datetime | None = None) -> dict:
    from django.utils import timezone

    # the book of a period follows the form in force as the period opens
    spec, circular = dated_spec(TRACKING_BOOK, start)
    unit = one_stop_unit(agency)
    now = now or timezone.now()
    return {
        "spec": spec,
        "circular": circular,
        "agency": agency,
        "one_stop_unit": unit,
        "one_stop_name": unit.name if unit else "Bộ phận Một cửa",
        "parent_name": agency.parent.name if agency.parent_id else "",
        "national_name": NATIONAL_NAME,
        "national_motto": NATIONAL_MOTTO,
        "number": f"{start:%y%m%d}-{end:%y%m%d}/STD-{number_abbreviation(agency, unit)}",
        "place_date": place_date(agency, now),
        "start": fmt_date(start),
        "end": fmt_date(end),
        "rows": tracking_rows(agency, start, end),
        "qr": qr_data_uri(f"{agency.identifier} STD {start:%Y-%m-%d}..{end:%Y-%m-%d}"),
    }


def render_tracking_book_html(agency: Agency, start: dt.date, end: dt.date) -> str:
    with translation.override("vi"):
        return render_to_string("dossiers/forms/tracking.html", tracking_context(agency, start, end))


def render_tracking_book_pdf(agency: Agency, start: dt.date, end: dt.date) -> bytes:
    return html_to_pdf(
        render_tracking_book_html(agency, start, end),
        title=f"Sổ theo dõi hồ sơ — {agency.name} — {start:%d/%m/%Y}–{end:%d/%m/%Y}",
    )


# --- rendering ------------------------------------------------------------------------------------------------


def url_fetcher():
    """What WeasyPrint may load while it renders: `data:` URLs only (the forms' QR codes). Never a file of the
    server (`file:///etc/passwd`, the media folder), never the network (`http://169.254.169.254/…`, an intranet
    host): a form prints a citizen's name, address and e-form values, and an image or style sheet address slipped
    into the page — by a template that one day marks a value safe, or a value in an attribute — must fetch nothing.
    Anything else is refused, and WeasyPrint renders the page without it (ADR 0019 addendum)."""
    from weasyprint.urls import URLFetcher

    return URLFetcher(allowed_protocols={"data"}, allow_redirects=False, timeout=1)


def html_to_pdf(html: str, *, title: str = "") -> bytes:
    from weasyprint import HTML

    # Tagged (WeasyPrint's pdf_tags): headings, paragraphs and tables keep their structure and the document its
    # language (<html lang="vi">), so a screen reader reads a citizen's receipt in order and in Vietnamese; the
    # cost is a few kilobytes, no measurable rendering time.
    document = HTML(string=html, base_url=None, url_fetcher=url_fetcher()).render(pdf_tags=True)
    if title:
        document.metadata.title = title
    document.metadata.authors = ["Mot Cua"]
    return document.write_pdf(pdf_tags=True)
