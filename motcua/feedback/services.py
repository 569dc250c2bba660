"""Writes on ratings and PAKN. Keyword-only, one transaction each; bad input raises a DomainError (Vietnamese
`message`, English `message_en`) and changes nothing."""

from __future__ import annotations

import datetime as dt
import hmac
import logging
import re
import uuid
from decimal import Decimal, InvalidOperation

from django.conf import settings
from django.core import signing
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.utils import timezone

from motcua.catalog.models import Offering, Procedure
from motcua.core.errors import Conflict, DomainError, NotFound, PermissionDenied, Unprocessable
from motcua.core.i18n import vietnamese
from motcua.core.text import check_text, code_forms, identifier_form, nfc, nfc_lines
from motcua.dossiers.models import Dossier, State
from motcua.org import throttle
from motcua.org.models import Agency, Role
from motcua.org.selectors import heads_of, is_one_stop_officer, roles_of
from motcua.workdays.services import compute_deadline

from .models import OPEN_STATUSES, Channel, Criterion, Feedback, Kind, Level, Rating, Status, Subject
from .selectors import sender_notification_key, sender_notifications

logger = logging.getLogger(__name__)

DEFAULT_PAKN_WORKING_DAYS = Decimal(10)
RATABLE_STATES = (State.RESOLVED, State.RETURNED)
RATING_VERIFY_KEY = "#danh-gia"  # '#' is not allowed in usernames (org.throttle)
PAKN_KEY = "#phan-anh"  # PAKN sent per client IP (submission_wait)
MAX_COMMENT = 2000
MAX_CONTENT = 5000
# Roles that may handle (answer, reject) a PAKN of their agency. Overseers only read.
HANDLER_ROLES = (Role.OFFICER, Role.SPECIALIST, Role.UNIT_HEAD, Role.LEADER, Role.ADMIN)
_PHONE = re.compile(r"^(\+84|0)\d{9,10}$")


def contact_phone(value) -> str:
    """A sender's phone number as stored: spaces, dots, dashes and brackets left out."""
    return re.sub(r"[\s.\-()]", "", value or "")


def phone_problem(value) -> bool:
    """Whether a sender's phone number, as typed, is not one (the PAKN form says so beside the field)."""
    phone = contact_phone(value)
    return bool(phone) and not _PHONE.match(phone)


def pakn_working_days() -> Decimal:
    """Handling time of a PAKN in working days: settings.MOTCUA_PAKN_WORKING_DAYS, default 10."""
    return Decimal(str(getattr(settings, "MOTCUA_PAKN_WORKING_DAYS", DEFAULT_PAKN_WORKING_DAYS)))


def _now(at: dt.datetime | None) -> dt.datetime:
    return at or timezone.now()


# --- ratings --------------------------------------------------------------------------------------------------


def _level(value, what: str, what_en: str) -> int:
    try:
        level = int(value)
    except (TypeError, ValueError):
        level = 0
    if level not in Level.values:
        raise Unprocessable(
            f"{what}: chọn một mức Rất hài lòng / Hài lòng / Bình thường / Không hài lòng.",
            f"{what_en}: choose one of the four satisfaction levels (1–4).",
            code="bad_level",
        )
    return level


def can_rate(user, dossier: Dossier) -> bool:
    return (
        getattr(user, "is_authenticated", False)
        and dossier.applicant_user_id == user.pk
        and dossier.state in RATABLE_STATES
        and not Rating.objects.filter(dossier=dossier).exists()
    )


def _id_key(value) -> str:
    """An ID or tax number as compared: letters and digits only, upper case (spaces, dots and dashes typed
    around the groups do not matter)."""
    return "".join(ch for ch in nfc(str(value or "")).upper() if ch.isalnum())


def receipt_holder_matches(dossier: Dossier, id_number) -> bool:
    """True if `id_number` is the applicant's ID or tax number (or that of the authorised representative) as
    recorded on the dossier; False when the dossier has none to compare with."""
    given = _id_key(id_number)
    if not given:
        return False
    recorded = [dossier.applicant_id_number, (dossier.representative or {}).get("id_number")]
    return any(hmac.compare_digest(given.encode(), _id_key(r).encode()) for r in recorded if _id_key(r))


def verification_wait(ip: str) -> int:
    """Count one rating by receipt from `ip` (RATING_VERIFY_RATE_LIMIT attempts within
    RATING_VERIFY_RATE_WINDOW_SECONDS, default 10 in 900 s): 0 when it may be tried, else the seconds to wait.
    The ID or tax number is what proves the holder of a receipt is the applicant, so guessing it is limited."""
    limit, window = throttle.configured_limit(
        "RATING_VERIFY_RATE_LIMIT", 10, "RATING_VERIFY_RATE_WINDOW_SECONDS", 900
    )
    return throttle.check_rate(RATING_VERIFY_KEY, ip, limit=limit, window=window)


def submission_wait(ip: str, user=None) -> int:
    """Count one PAKN sent from `ip` (PAKN_RATE_LIMIT within PAKN_RATE_WINDOW_SECONDS, default 10 in 3600 s): 0
    when it may be filed, else the seconds to wait. A PAKN needs no account (a name, phone and e-mail do), the
    agency must answer each within its deadline and an unanswered one counts against its published on-time rate:
    without a bound one script could fill an agency's queue and sink its figures (ADR 0016 addendum). A signed-in
    sender is counted per account, not per address: citizens filing from the one-stop office's shared computer or a
    ward's network do not use up each other's count."""
    limit, window = throttle.configured_limit("PAKN_RATE_LIMIT", 10, "PAKN_RATE_WINDOW_SECONDS", 3600)
    who = f"u{user.pk}" if getattr(user, "is_authenticated", False) else ip
    return throttle.check_rate(PAKN_KEY, who, limit=limit, window=window)


def may_record_counter(user, dossier: Dossier) -> bool:
    """A one-stop officer of the dossier's agency (or a superuser) enters the paper evaluation forms handed in
    at the desk."""
    return is_one_stop_officer(user, dossier.agency)


COUNTER_TOKEN_SALT = "motcua.feedback.counter-rating"


def counter_token_seconds() -> int:
    """How long a rating QR shown at the counter stays valid: RATING_COUNTER_TOKEN_SECONDS, default 30 minutes."""
    return max(60, int(getattr(settings, "RATING_COUNTER_TOKEN_SECONDS", 1800)))


def counter_token(dossier: Dossier, officer) -> str:
    """A signed, time-limited token for a QR the one-stop officer shows at the counter: whoever scans it rates this
    dossier without typing the applicant's number (they are standing at the desk). Refused unless the officer may
    record counter ratings for the dossier."""
    if not may_record_counter(officer, dossier):
        raise PermissionDenied(
            "Chỉ cán bộ Bộ phận Một cửa của cơ quan tiếp nhận hồ sơ mới tạo được mã QR mời đánh giá.",
            "Only a one-stop officer of the receiving agency may show a rating QR.",
        )
    return signing.TimestampSigner(salt=COUNTER_TOKEN_SALT).sign(f"{dossier.code}|{officer.pk}")


def counter_token_officer(dossier: Dossier, token: str | None):
    """The officer who showed the rating QR `token` for this dossier, if the token is genuine, for this dossier,
    not expired, and the officer still may record counter ratings; else None."""
    if not token:
        return None
    try:
        value = signing.TimestampSigner(salt=COUNTER_TOKEN_SALT).unsign(
            str(token)[:200], max_age=counter_token_seconds()
        )
    except signing.BadSignature:  # SignatureExpired is one
        return None
    code, _, officer_pk = value.rpartition("|")
    if code != dossier.code or not officer_pk.isdigit():
        return None
    from django.contrib.auth import get_user_model

    officer = get_user_model().objects.filter(pk=int(officer_pk), is_active=True).first()
    return officer if officer is not None and may_record_counter(officer, dossier) else None


def rating_create(
    *,
    user,
    dossier_code: str,
    overall,
    scores: dict | None = None,
    comment: str = "",
    id_number: str | None = None,
    counter: bool = False,
    token: str | None = None,
    at: dt.datetime | None = None,
) -> Rating:
    """Rate a dossier once, after the result (state resolved or returned). Who may:
    - the applicant's account (`user` is the dossier's applicant_user): channel account;
    - with `id_number`, whoever holds the receipt and gives the applicant's (or representative's) ID or tax
      number as recorded on the dossier — the walk-in applicant, who has no account: channel receipt;
    - with `counter`, a one-stop officer of the dossier's agency entering a paper evaluation form handed in at the
      desk (or on a tablet at the counter): channel counter, the officer kept as `recorded_by`;
    - with `token`, whoever scanned the QR an officer showed at the counter (`counter_token`, time-limited):
      channel counter, that officer kept as `recorded_by`."""
    at = _now(at)
    with transaction.atomic():
        dossier = (
            Dossier.objects.select_for_update()
            .select_related("agency")
            .filter(code__in=code_forms(dossier_code))
            .first()
        )
        if dossier is None:
            raise NotFound(f"Không tìm thấy hồ sơ '{dossier_code}'.", f"Dossier '{dossier_code}' not found.")
        rater, recorded_by = (user if getattr(user, "is_authenticated", False) else None), None
        if counter:
            if not may_record_counter(user, dossier):
                raise PermissionDenied(
                    "Chỉ cán bộ Bộ phận Một cửa của cơ quan tiếp nhận hồ sơ mới được nhập phiếu đánh giá giấy.",
                    "Only a one-stop officer of the receiving agency may enter a paper evaluation form.",
                )
            channel, rater, recorded_by = Channel.COUNTER, None, user
        elif token is not None:
            officer = counter_token_officer(dossier, token)
            if officer is None:
                raise PermissionDenied(
                    "Mã QR đánh giá đã hết hạn hoặc không đúng cho hồ sơ này. Hãy nhờ cán bộ tạo mã mới, hoặc đánh "
                    "giá bằng số định danh của người nộp.",
                    "The rating QR has expired or is not this dossier's. Ask the officer for a new one, or rate with "
                    "the applicant's ID number.",
                    code="bad_token",
                )
            channel, recorded_by = Channel.COUNTER, officer
        elif id_number is not None:
            if not receipt_holder_matches(dossier, id_number):
                raise PermissionDenied(
                    "Số định danh cá nhân hoặc mã số thuế không khớp với người nộp hồ sơ này. Vui lòng nhập đúng số "
                    "ghi trên hồ sơ, hoặc đánh giá bằng phiếu tại Bộ phận Một cửa.",
                    "The ID or tax number does not match this dossier's applicant.",
                    code="not_applicant",
                )
            channel = Channel.RECEIPT
        elif rater is None or dossier.applicant_user_id != rater.pk:
            raise PermissionDenied(
                "Chỉ người nộp hồ sơ (chủ tài khoản) mới được đánh giá hồ sơ này; người nộp tại quầy nhập số định "
                "danh cá nhân hoặc mã số thuế ghi trên hồ sơ.",
                "Only the dossier's applicant may rate it (the account that filed it, or with the applicant's ID "
                "or tax number).",
            )
        else:
            channel = Channel.ACCOUNT
        if dossier.state not in RATABLE_STATES:
            raise Conflict(
                "Hồ sơ chưa có kết quả giải quyết; chỉ đánh giá được sau khi hồ sơ đã xử lý xong hoặc đã trả kết quả.",
                "The dossier has no result yet; it can be rated once resolved or returned.",
                code="not_ratable",
            )
        if Rating.objects.filter(dossier=dossier).exists():
            raise Conflict(
                "Hồ sơ này đã được đánh giá; mỗi hồ sơ chỉ được đánh giá một lần.",
                "This dossier was already rated; a dossier is rated once.",
                code="already_rated",
            )
        overall_level = _level(overall, "Mức độ hài lòng chung", "Overall satisfaction")
        criteria = {c.code: c for c in Criterion.objects.filter(active=True)}
        clean_scores: dict[str, int] = {}
        for code, value in (scores or {}).items():
            if value in (None, ""):
                continue
            criterion = criteria.get(code)
            if criterion is None:
                raise Unprocessable(
                    f"Tiêu chí đánh giá '{code}' không tồn tại hoặc không còn dùng.",
                    f"Unknown or inactive criterion '{code}'.",
                    code="bad_criterion",
                )
            clean_scores[code] = _level(
                value, f"Tiêu chí “{criterion.label}”", f"Criterion “{criterion.label_en or code}”"
            )
        missing = [c for c in criteria.values() if c.required and c.code not in clean_scores]
        if missing:
            raise Unprocessable(
                "Chưa chấm các tiêu chí bắt buộc: " + "; ".join(c.label for c in missing) + ".",
                "Required criteria not scored: " + "; ".join(c.label_en or c.code for c in missing) + ".",
                code="missing_criteria",
            )
        check_text(comment, "Ý kiến góp ý", "The comment", lines=True)
        comment = nfc_lines(comment)  # a comment's lines kept, as the form's text area holds them
        if len(comment) > MAX_COMMENT:
            raise Unprocessable(
                f"Ý kiến tối đa {MAX_COMMENT} ký tự.", f"Comment: at most {MAX_COMMENT} characters."
            )
        try:
            with transaction.atomic():
                return Rating.objects.create(
                    dossier=dossier,
                    user=rater,
                    channel=channel,
                    recorded_by=recorded_by,
                    overall=overall_level,
                    scores=clean_scores,
                    comment=comment,
                    created_at=at,
                )
        except IntegrityError as exc:  # a concurrent rating won
            raise Conflict(
                "Hồ sơ này đã được đánh giá; mỗi hồ sơ chỉ được đánh giá một lần.",
                "This dossier was already rated; a dossier is rated once.",
                code="already_rated",
            ) from exc


# --- PAKN -----------------------------------------------------------------------------------------------------


def _clean_contact(user, contact: dict) -> dict:
    for key, vi, en in (
        ("name", "Họ và tên", "The name"),
        ("phone", "Số điện thoại", "The phone number"),
        ("email", "Thư điện tử", "The e-mail address"),
        ("address", "Địa chỉ", "The address"),
    ):
        check_text(contact.get(key), vi, en)
    name = nfc(contact.get("name"))
    phone = contact_phone(contact.get("phone"))
    email = (contact.get("email") or "").strip()
    address = nfc(contact.get("address"))
    authenticated = getattr(user, "is_authenticated", False)
    if authenticated:
        name = name or nfc(user.get_full_name()) or user.get_username()
        email = email or (user.email or "")
    elif not (name and phone and email):
        raise Unprocessable(
            "Không nhận phản ánh ẩn danh: hãy đăng nhập, hoặc ghi đủ họ tên, số điện thoại và thư điện tử.",
            "Anonymous feedback is not accepted: sign in, or give your name, phone number and e-mail.",
            code="anonymous",
        )
    if phone_problem(phone):
        raise Unprocessable(
            "Số điện thoại không hợp lệ (10 chữ số bắt đầu bằng 0, hoặc dạng +84…).",
            "Invalid phone number (10 digits starting with 0, or the +84 form).",
            code="bad_phone",
        )
    if email:
        try:
            validate_email(email)
        except ValidationError as exc:
            raise Unprocessable("Địa chỉ thư điện tử không hợp lệ.", "Invalid e-mail address.") from exc
    if len(name) > 255 or len(address) > 500:
        raise Unprocessable("Họ tên hoặc địa chỉ quá dài.", "Name or address too long.")
    return {"contact_name": name, "contact_phone": phone, "contact_email": email, "contact_address": address}


def _route(*, user, subject: str, dossier_code: str, procedure_code: str, agency_identifier: str) -> dict:
    """Find the responsible agency: the dossier's agency, the chosen agency, or for a procedure the chosen agency
    that offers it."""
    if subject == Subject.DOSSIER:
        forms = code_forms(dossier_code)
        if not forms:
            raise Unprocessable(
                "Hãy nhập mã hồ sơ mà Ông/Bà phản ánh (ghi trên giấy tiếp nhận, ví dụ 000.00.21.H26-250124-0001).",
                "Enter the code of the dossier (on the receipt, e.g. 000.00.21.H26-250124-0001).",
                code="dossier_required",
            )
        dossier = Dossier.objects.select_related("agency", "procedure").filter(code__in=forms).first()
        if dossier is None:
            code = forms[-1]
            raise NotFound(f"Không tìm thấy hồ sơ {code}.", f"Dossier {code} not found.")
        return {"dossier": dossier, "procedure": dossier.procedure, "agency": dossier.agency}
    agency = None
    if agency_identifier:
        agency = Agency.objects.filter(identifier=identifier_form(agency_identifier), active=True).first()
        if agency is None:
            raise NotFound(f"Không có cơ quan mã '{agency_identifier}'.", f"No agency '{agency_identifier}'.")
    if subject == Subject.PROCEDURE:
        code = (procedure_code or "").strip()
        procedure = Procedure.objects.filter(code=code).first()
        if procedure is None:
            raise NotFound(f"Không có thủ tục mã '{code}'.", f"No procedure '{code}'.")
        if agency is None:
            raise Unprocessable(
                "Hãy chọn cơ quan thực hiện thủ tục mà bạn phản ánh.",
                "Choose the agency that handles the procedure.",
                code="agency_required",
            )
        if not Offering.objects.filter(agency=agency, procedure=procedure).exists():
            raise Unprocessable(
                f"{agency.name} không thực hiện thủ tục {procedure.code}; hãy chọn cơ quan có niêm yết thủ tục này.",
                f"{agency.identifier} does not offer procedure {procedure.code}.",
                code="not_offered",
            )
        return {"dossier": None, "procedure": procedure, "agency": agency}
    if subject == Subject.AGENCY:
        if agency is None:
            raise Unprocessable("Hãy chọn cơ quan bị phản ánh.", "Choose the agency.", code="agency_required")
        return {"dossier": None, "procedure": None, "agency": agency}
    raise Unprocessable(
        "Đối tượng phản ánh phải là hồ sơ, thủ tục hoặc cơ quan.",
        "Subject must be 'dossier', 'procedure' or 'agency'.",
        code="bad_subject",
    )


def content_text(content: str | None) -> str:
    """A PAKN's text as it is stored: each line NFC, the whole trimmed (the lines kept as typed). What the duplicate
    check compares a form sent again with (views._same_feedback)."""
    return "\n".join(nfc(line) for line in (content or "").strip().splitlines()).strip()


def feedback_submit(
    *,
    user=None,
    kind: str,
    subject: str,
    title: str,
    content: str,
    dossier_code: str = "",
    procedure_code: str = "",
    agency_identifier: str = "",
    contact: dict | None = None,
    working_days=None,
    at: dt.datetime | None = None,
    submission_key: str = "",
) -> Feedback:
    """Receive a PAKN and route it; due `working_days` (default settings, 10) working days later in the
    responsible agency's calendar. `submission_key`: the form page's own key — the same page sent twice at once
    (three taps on "Gửi") is one PAKN: a later sending gets the first, marked `replayed`."""
    at = _now(at)
    submission_key = (submission_key or "")[:64]
    if submission_key:
        earlier = Feedback.objects.filter(submission_key=submission_key).first()
        if earlier is not None:
            earlier.replayed = True
            return earlier
    if kind not in Kind.values:
        raise Unprocessable(
            "Loại phản ánh phải là phản ánh, kiến nghị hoặc khiếu nại.",
            "Kind must be 'reflection', 'recommendation' or 'complaint'.",
            code="bad_kind",
        )
    if kind == Kind.COMPLAINT and subject != Subject.DOSSIER:
        raise Unprocessable(
            "Khiếu nại về việc giải quyết phải nêu mã hồ sơ.",
            "A complaint about handling must name the dossier code.",
            code="dossier_required",
        )
    check_text(title, "Tiêu đề", "The title")
    check_text(content, "Nội dung", "The content", lines=True)
    title = nfc(title)
    content = content_text(content)
    if not title or not content:
        raise Unprocessable(
            "Hãy nhập tiêu đề và nội dung phản ánh.", "Title and content are required.", code="required"
        )
    if len(title) > 300 or len(content) > MAX_CONTENT:
        raise Unprocessable(
            f"Tiêu đề tối đa 300 ký tự, nội dung tối đa {MAX_CONTENT} ký tự.",
            f"Title at most 300, content at most {MAX_CONTENT} characters.",
        )
    contact_fields = _clean_contact(user, contact or {})
    route = _route(
        user=user,
        subject=subject,
        dossier_code=dossier_code,
        procedure_code=procedure_code,
        agency_identifier=agency_identifier,
    )
    if kind == Kind.COMPLAINT:
        dossier = route["dossier"]
        if not getattr(user, "is_authenticated", False) or dossier.applicant_user_id != user.pk:
            raise PermissionDenied(
                "Chỉ người nộp hồ sơ (đăng nhập bằng tài khoản của mình) mới khiếu nại về việc giải quyết hồ sơ.",
                "Only the dossier's applicant (signed in) may complain about its handling.",
            )
    try:
        days = Decimal(str(working_days)) if working_days is not None else pakn_working_days()
    except InvalidOperation:
        days = Decimal(-1)
    if days <= 0 or days > 90:
        raise Unprocessable(
            "Thời hạn xử lý phải từ 0,5 đến 90 ngày làm việc.", "working_days must be within (0, 90]."
        )
    deadline = compute_deadline(at, working_days=days, agency=route["agency"])
    try:
        return _create_feedback(
            at,
            submission_key=submission_key,
            kind=kind,
            subject=subject,
            title=title,
            content=content,
            user=user if getattr(user, "is_authenticated", False) else None,
            received_at=at,
            working_days=days,
            due_at=deadline.due_at,
            **route,
            **contact_fields,
        )
    except IntegrityError:
        # the same page sent at once: the other request's row took the key first (its insert made this one wait
        # on the key's unique index) — this one is its repeat
        earlier = Feedback.objects.filter(submission_key=submission_key).first() if submission_key else None
        if earlier is None:
            raise
        earlier.replayed = True
        return earlier


def _create_feedback(at, **fields) -> Feedback:
    with transaction.atomic():
        fb = Feedback.objects.create(
            reference=f"tmp-{uuid.uuid4().hex[:24]}",  # max 30 characters
            **fields,
        )
        fb.reference = f"PAKN-{timezone.localtime(at):%y%m%d}-{fb.pk:05d}"
        fb.save(update_fields=["reference"])
    return fb


def may_handle(user, feedback: Feedback) -> bool:
    if not getattr(user, "is_authenticated", False):
        return False
    if user.is_superuser:
        return True
    return any(r.agency_id == feedback.agency_id and r.role in HANDLER_ROLES for r in roles_of(user))


def _locked(reference: str, user) -> Feedback:
    fb = Feedback.objects.select_for_update().filter(reference=(reference or "").strip()).first()
    if fb is None:
        raise NotFound(f"Không tìm thấy phản ánh '{reference}'.", f"Feedback '{reference}' not found.")
    if not may_handle(user, fb):
        raise PermissionDenied(
            "Bạn không có quyền xử lý phản ánh của cơ quan này.",
            "You may not handle feedback of this agency.",
        )
    return fb


def feedback_start(*, reference: str, user, at: dt.datetime | None = None) -> Feedback:
    """received → processing (an officer takes it up): who and when are kept (`taken_by`, `taken_at`)."""
    at = _now(at)
    with transaction.atomic():
        fb = _locked(reference, user)
        if fb.status != Status.RECEIVED:
            raise Conflict(
                f"Phản ánh đang ở trạng thái '{vietnamese(fb.get_status_display)}', không thể chuyển sang đang xử lý.",
                f"Feedback is '{fb.status}'; it cannot move to processing.",
                code="bad_status",
            )
        fb.status = Status.PROCESSING
        fb.taken_by = user
        fb.taken_at = at
        fb.save(update_fields=["status", "taken_by", "taken_at", "updated_at"])
        return fb


def _notify_sender(
    fb: Feedback, *, template: str, at: dt.datetime, context: dict, evaluation_link: bool = False
) -> None:
    """Queue `template` for the PAKN's sender (after commit; a key per PAKN and outcome, so a retry sends nothing
    new). The sender's own page (`/phan-anh/cua-toi/`) is linked when they sent it signed in; otherwise, with
    `evaluation_link` (the answer), the signed link to evaluate the answer without signing in (`evaluate_url`)."""
    try:
        from motcua.notifications.services import notify
        from motcua.notifications.signals import is_news_at, site_url
    except ImportError:  # the notifications app is optional
        return
    if not (fb.contact_email or fb.contact_phone):
        return
    # an outcome recorded long after it was given (late data entry, the demo history) is history, not news
    if not is_news_at(at):
        return
    if evaluation_link and not fb.user_id:
        from django.urls import reverse

        context = {
            **context,
            "evaluate_url": site_url() + reverse("feedback:evaluate_link", args=[evaluation_token(fb)]),
            "evaluate_days": evaluation_link_days(),
        }
    notify(
        recipient_email=fb.contact_email or None,
        recipient_phone=fb.contact_phone or None,
        template=template,
        context={
            "name": fb.contact_name,
            "reference": fb.reference,
            "code": fb.dossier.code if fb.dossier_id else "",
            "url": f"{site_url()}/phan-anh/cua-toi/" if fb.user_id else "",
            **context,
        },
        dossier=fb.dossier if fb.dossier_id else None,
        key=sender_notification_key(template, fb),
    )


def _notify_answer(fb: Feedback) -> None:
    _notify_sender(
        fb,
        template="feedback_answered",
        at=fb.answered_at,
        context={"answered_by": fb.agency.name, "answer": fb.answer},
        evaluation_link=True,
    )


def _notify_rejection(fb: Feedback) -> None:
    _notify_sender(
        fb,
        template="feedback_rejected",
        at=fb.rejected_at,
        context={"agency_name": fb.agency.name, "reason": fb.rejected_reason},
    )


def feedback_answer(
    *,
    reference: str,
    user,
    answer: str,
    public: bool = False,
    public_content: str = "",
    public_title: str = "",
    at: dt.datetime | None = None,
) -> Feedback:
    """Answer a received or in-progress PAKN; classify it on time when answered_at ≤ due_at; notify the sender
    (after commit). Publishing the answer (`public`) needs the public content of the question, written or confirmed
    by the officer: the original content is never published (an address written in it cannot be found reliably).
    An empty `public_title` publishes the title redacted (`selectors.redact_for`)."""
    at = _now(at)
    check_text(answer, "Nội dung trả lời", "The answer", lines=True)
    check_text(public_title, "Tiêu đề công khai", "The public title")
    check_text(public_content, "Nội dung phản ánh công khai", "The public content", lines=True)
    answer = "\n".join(nfc(line) for line in (answer or "").strip().splitlines()).strip()
    if not answer:
        raise Unprocessable("Hãy nhập nội dung trả lời.", "The answer is required.", code="required")
    if len(answer) > 10000:
        raise Unprocessable("Nội dung trả lời tối đa 10000 ký tự.", "Answer: at most 10000 characters.")
    public_content = content_text(public_content)
    public_title = nfc(public_title)
    if public and not public_content:
        raise Unprocessable(
            "Để công khai câu trả lời, hãy viết nội dung phản ánh công khai (đã lược bỏ họ tên, địa chỉ, số giấy tờ, "
            "mã hồ sơ) hoặc xác nhận bản nháp được gợi ý; nội dung gốc không được công khai.",
            "To publish the answer, write the public content of the question (without names, addresses, ID "
            "numbers, dossier codes) or confirm the suggested draft; the original content is never published.",
            code="public_content_required",
        )
    if len(public_content) > MAX_CONTENT or len(public_title) > 300:
        raise Unprocessable(
            f"Tiêu đề công khai tối đa 300 ký tự, nội dung công khai tối đa {MAX_CONTENT} ký tự.",
            f"Public title at most 300, public content at most {MAX_CONTENT} characters.",
        )
    with transaction.atomic():
        fb = _locked(reference, user)
        if fb.status not in OPEN_STATUSES:
            raise Conflict(
                f"Phản ánh đang ở trạng thái '{vietnamese(fb.get_status_display)}', không thể trả lời.",
                f"Feedback is '{fb.status}'; it cannot be answered.",
                code="bad_status",
            )
        if at < fb.received_at:
            raise Unprocessable(
                "Thời điểm trả lời không được trước thời điểm tiếp nhận.",
                "The answer cannot precede the reception.",
            )
        fb.status = Status.ANSWERED
        fb.answer = answer
        fb.answer_public = bool(public)
        from .selectors import redact_for

        # stored as published (redacted): the public search reads these, so it cannot find what the page hides
        fb.public_content = redact_for(fb, public_content) if public else public_content
        fb.public_title = redact_for(fb, public_title or fb.title)[:300] if public else public_title
        fb.answered_at = at
        fb.answered_by = user
        fb.on_time = at <= fb.due_at
        fb.save()
        _notify_answer(fb)
        return fb


def feedback_reject(*, reference: str, user, reason: str, at: dt.datetime | None = None) -> Feedback:
    """Refuse to handle a PAKN (e.g. not under this agency's competence, duplicate) — a reason is required; the
    sender is told why (after commit), as an answer is told."""
    at = _now(at)
    check_text(reason, "Lý do từ chối", "The reason", lines=True)
    reason = nfc_lines(reason)  # its points one per line, as the form's text area holds them
    if not reason:
        raise Unprocessable("Hãy nêu lý do từ chối.", "A reason is required.", code="required")
    if len(reason) > MAX_COMMENT:
        raise Unprocessable(
            f"Lý do từ chối tối đa {MAX_COMMENT} ký tự.",
            f"Reason: at most {MAX_COMMENT} characters.",
            code="too_long",
        )
    with transaction.atomic():
        fb = _locked(reference, user)
        if fb.status not in OPEN_STATUSES:
            raise Conflict(
                f"Phản ánh đang ở trạng thái '{vietnamese(fb.get_status_display)}', không thể từ chối.",
                f"Feedback is '{fb.status}'; it cannot be rejected.",
                code="bad_status",
            )
        fb.status = Status.REJECTED
        fb.rejected_reason = reason
        fb.rejected_at = at
        fb.rejected_by = user
        fb.save()
        _notify_rejection(fb)
        return fb


def feedback_resend_notification(*, reference: str, user, outbox_id: int):
    """Send a failed notification to the PAKN's sender again (its answer or refusal), on the request of someone who
    may handle the PAKN — after checking the sender's address or number, say. The row must be one of this PAKN's
    (`selectors.sender_notifications`); the dossier page's one-stop officers resend a dossier's own notifications."""
    try:
        from motcua.notifications.models import Outbox
        from motcua.notifications.services import requeue
    except ImportError:  # the notifications app is optional
        raise NotFound("Không có thông báo để gửi lại.", "No notification to send again.") from None
    with transaction.atomic():
        fb = _locked(reference, user)
        mine = {r.pk for r in sender_notifications(fb)}
        row = Outbox.objects.select_for_update().filter(pk=outbox_id).first() if outbox_id in mine else None
        if row is None:
            raise NotFound(
                f"Không tìm thấy thông báo số {outbox_id} của phản ánh này.",
                f"Notification {outbox_id} of this feedback not found.",
            )
        requeue(row, user)
        row.refresh_from_db()
        return row


EVALUABLE_STATUSES = (Status.ANSWERED, Status.CLOSED)
EVALUATION_TOKEN_SALT = "motcua.feedback.sender-evaluation"
DEFAULT_EVALUATION_LINK_DAYS = 90


def evaluation_link_days() -> int:
    """How long the evaluation link sent with an answer stays valid, in days from the answer's notification:
    settings.MOTCUA_PAKN_EVALUATION_LINK_DAYS, default 90."""
    return max(1, int(getattr(settings, "MOTCUA_PAKN_EVALUATION_LINK_DAYS", DEFAULT_EVALUATION_LINK_DAYS)))


def evaluation_token(fb: Feedback) -> str:
    """A signed token (salted for this purpose alone, bound to the PAKN's reference, dated) for the link in the
    answer notification of a sender without an account: `/phan-anh/danh-gia/<token>/` lets them evaluate the
    answer once without signing in (`evaluation_link_reference`)."""
    return signing.TimestampSigner(salt=EVALUATION_TOKEN_SALT).sign(fb.reference)


def evaluation_link_reference(token: str | None) -> str:
    """The reference of the PAKN an evaluation link's `token` is for. NotFound for a bad or tampered token (as if
    the page did not exist); 410 `link_expired` past `evaluation_link_days`."""
    try:
        return signing.TimestampSigner(salt=EVALUATION_TOKEN_SALT).unsign(
            str(token or "")[:200], max_age=dt.timedelta(days=evaluation_link_days())
        )
    except signing.SignatureExpired:
        days = evaluation_link_days()
        raise DomainError(
            f"Đường dẫn đánh giá đã hết hạn ({days} ngày kể từ khi trả lời). Nếu vấn đề chưa được giải quyết, "
            "Ông/Bà có thể gửi phản ánh mới.",
            f"The evaluation link has expired ({days} days after the answer). If the matter is not resolved, "
            "you may send a new feedback.",
            code="link_expired",
            status=410,
        ) from None
    except signing.BadSignature:
        raise NotFound("Không tìm thấy trang.", "Page not found.") from None


def may_evaluate(user, fb: Feedback, *, by_link: bool = False) -> bool:
    """The sender may evaluate the answer once: answered (or closed after the answer), not yet evaluated — from the
    account that sent it, or (`by_link`: a genuine evaluation link for it) when it was sent without an account."""
    sender = (
        (fb.user_id is None)
        if by_link
        else (getattr(user, "is_authenticated", False) and fb.user_id == user.pk)
    )
    return bool(sender) and fb.status in EVALUABLE_STATUSES and fb.sender_satisfied is None


def feedback_evaluate(
    *,
    reference: str,
    user=None,
    token: str | None = None,
    satisfied: bool,
    reason: str = "",
    at: dt.datetime | None = None,
) -> Feedback:
    """The sender says whether they are satisfied with the answer (Decision 766: PAKN satisfaction rate), once, after
    the answer: from the account that sent the PAKN, or — a PAKN sent without an account — with the `token` of the
    evaluation link sent with the answer (`evaluation_token`). "Không hài lòng" needs a reason: the agency must know
    what to look at again. Not changeable, as a dossier's rating: what a period's figure counted stays counted."""
    at = _now(at)
    check_text(reason, "Ý kiến, lý do", "The reason", lines=True)
    reason = nfc_lines(reason)
    linked = evaluation_link_reference(token) if token is not None else None
    with transaction.atomic():
        fb = Feedback.objects.select_for_update().filter(reference=(reference or "").strip()).first()
        if linked is not None:  # the link is for this PAKN, and only a PAKN sent without an account has one
            sender = fb is not None and fb.user_id is None and linked == fb.reference
        else:
            sender = fb is not None and getattr(user, "is_authenticated", False) and fb.user_id == user.pk
        if not sender:
            # not the sender's: as if it did not exist (the reference alone tells nothing)
            raise NotFound(f"Không tìm thấy phản ánh '{reference}'.", f"Feedback '{reference}' not found.")
        if fb.status not in EVALUABLE_STATUSES:
            raise Conflict(
                "Phản ánh chưa được trả lời; Ông/Bà đánh giá được sau khi nhận được trả lời.",
                "The feedback has not been answered yet; it can be evaluated once answered.",
                code="not_answered",
            )
        if at < fb.answered_at:
            raise Unprocessable(
                "Thời điểm đánh giá không được trước thời điểm trả lời.",
                "The evaluation cannot precede the answer.",
            )
        if fb.sender_satisfied is not None:
            raise Conflict(
                "Ông/Bà đã đánh giá trả lời của phản ánh này; mỗi phản ánh chỉ được đánh giá một lần.",
                "You already evaluated this answer; an answer is evaluated once.",
                code="already_evaluated",
            )
        if not satisfied and not reason:
            raise Unprocessable(
                "Hãy cho biết lý do Ông/Bà không hài lòng với trả lời.",
                "Say why you are not satisfied with the answer.",
                code="reason_required",
            )
        if len(reason) > MAX_COMMENT:
            raise Unprocessable(
                f"Ý kiến tối đa {MAX_COMMENT} ký tự.", f"Reason: at most {MAX_COMMENT} characters."
            )
        fb.sender_satisfied = bool(satisfied)
        fb.sender_reason = reason
        fb.sender_evaluated_at = at
        fb.save(update_fields=["sender_satisfied", "sender_reason", "sender_evaluated_at", "updated_at"])
        if not fb.sender_satisfied:
            _notify_handlers_of_dissatisfaction(fb)
        return fb


def dissatisfaction_recipients(fb: Feedback) -> list:
    """Who is told that a sender is not satisfied with an answer: whoever took the PAKN up and whoever answered it,
    and the leaders and unit heads of the handling agency (active accounts with an e-mail address)."""
    people = [u for u in (fb.taken_by, fb.answered_by) if u is not None and u.is_active] + heads_of(fb.agency)
    seen, out = set(), []
    for u in people:
        if u.pk not in seen and u.email:
            seen.add(u.pk)
            out.append(u)
    return out


def _notify_handlers_of_dissatisfaction(fb: Feedback) -> None:
    """An e-mail to the handlers (after commit, once per PAKN and person): the sender is not satisfied, and why. The
    desk would otherwise see it only by filtering its list."""
    try:
        from motcua.notifications.services import notify
        from motcua.notifications.signals import site_url
    except ImportError:  # the notifications app is optional
        return
    from django.urls import reverse

    context = {
        "reference": fb.reference,
        "title": fb.title,
        "agency_name": fb.agency.name,
        "reason": fb.sender_reason,
        "staff_url": site_url() + reverse("feedback:staff_detail", args=[fb.reference]),
    }
    for user in dissatisfaction_recipients(fb):
        notify(
            recipient_email=user.email,
            template="feedback_dissatisfied",
            context={**context, "name": user.get_full_name() or user.get_username()},
            key=f"feedback-dissatisfied-{fb.pk}-{user.pk}",
        )


def feedback_close(*, reference: str, user, at: dt.datetime | None = None) -> Feedback:
    """answered → closed, by the sender (own PAKN) or a handler of the agency."""
    at = _now(at)
    with transaction.atomic():
        fb = Feedback.objects.select_for_update().filter(reference=(reference or "").strip()).first()
        if fb is None:
            raise NotFound(f"Không tìm thấy phản ánh '{reference}'.", f"Feedback '{reference}' not found.")
        owner = getattr(user, "is_authenticated", False) and fb.user_id == user.pk
        if not (owner or may_handle(user, fb)):
            raise PermissionDenied(
                "Bạn không có quyền đóng phản ánh này.", "You may not close this feedback."
            )
        if fb.status != Status.ANSWERED:
            raise Conflict(
                "Chỉ đóng được phản ánh đã được trả lời.",
                "Only answered feedback can be closed.",
                code="bad_status",
            )
        fb.status = Status.CLOSED
        fb.closed_at = at
        fb.save(update_fields=["status", "closed_at", "updated_at"])
        return fb
