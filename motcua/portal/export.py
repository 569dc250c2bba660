"""Tải dữ liệu của tôi ("download my data"): everything the system holds about one account, as a ZIP (ADR 0024 addendum).

Personal-data law (Law 91/2025/QH15, Decree 356/2025/NĐ-CP; rules §10) lets the data subject obtain their personal
data; the citizen downloads it from their account page (or `GET /api/v1/me/export`) at once, with no staff step.

The archive holds `du-lieu-ca-nhan.json` (UTF-8, NFC, instants ISO 8601 with +07:00 as the API writes them),
`doc-truoc.txt` (what is inside, in Vietnamese then English) and, under `tai-lieu/<dossier code>/` and
`tai-lieu/nhap-<draft>/`, the files themselves while their total stays within FILES_MAX_BYTES (default 50 MB): a
file that would pass it is listed only (`"file": null`), to download from the dossier's page.

Only ever the given account's data: its profile, the dossiers whose applicant it is (`applicant_user`; those a
community team member filed for residents are the residents'), their events, documents, access record (without the
readers' addresses), payments; its ratings, PAKN and unfinished drafts. The archive is built in an anonymous
temporary file (bounded memory, nothing left on disk) and the download is recorded nowhere but the per-account
rate count.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import tempfile
import unicodedata
import zipfile
from decimal import Decimal

from django.conf import settings
from django.db.models import Prefetch
from django.utils import timezone

from motcua.core.errors import Throttled
from motcua.core.storage import StorageUnavailable, open_stored
from motcua.dossiers import access_log, lifecycle
from motcua.dossiers.models import Dossier, DossierAccess, DossierDocument, DossierEvent
from motcua.dossiers.selectors import iso as api_iso
from motcua.dossiers.services import instants_in
from motcua.dossiers.workflow import TRANSITIONS
from motcua.org import throttle

from .models import CitizenProfile, Draft, Payment

JSON_NAME = "du-lieu-ca-nhan.json"
README_NAME = "doc-truoc.txt"
FORMAT = "motcua-personal-data/1"
RATE_KEY = "#tai-du-lieu"  # '#': no username can take the key; the `ip` column holds the account's id
UNSAFE = re.compile(r"[\x00-\x1f\x7f/\\:*?\"<>|]+")


def files_max_bytes() -> int:
    """PERSONAL_DATA_EXPORT_FILES_MAX_BYTES (default 52428800 = 50 MB): the files put in one archive, in all."""
    return max(0, int(getattr(settings, "PERSONAL_DATA_EXPORT_FILES_MAX_BYTES", 50 * 1024 * 1024)))


def export_wait(user) -> int:
    """Count one export of `user`'s data (PERSONAL_DATA_EXPORT_RATE_LIMIT within
    PERSONAL_DATA_EXPORT_RATE_WINDOW_SECONDS, default 5 in 3600 s, per account whatever the address): 0 when it
    may be built, else the seconds to wait. Each archive reads every dossier and may copy 50 MB of files."""
    limit, window = throttle.configured_limit(
        "PERSONAL_DATA_EXPORT_RATE_LIMIT", 5, "PERSONAL_DATA_EXPORT_RATE_WINDOW_SECONDS", 3600
    )
    return throttle.check_rate(RATE_KEY, str(user.pk), limit=limit, window=window)


def check_export(user) -> None:
    """Count one export of `user`'s data (export_wait); over the limit, Throttled (429 with Retry-After), the same
    refusal for the account page and the API."""
    wait = export_wait(user)
    if wait:
        minutes = throttle.wait_minutes(wait)
        raise Throttled(
            f"Bạn đã tải dữ liệu cá nhân nhiều lần trong thời gian ngắn. Vui lòng thử lại sau {minutes} phút.",
            f"You have downloaded your personal data several times in a short time. Please try again in {minutes}"
            " minutes.",
            retry_after=wait,
        )


def filename(user, now: dt.datetime | None = None) -> str:
    day = timezone.localtime(now or timezone.now()).date().isoformat()
    return f"du-lieu-ca-nhan_{safe_part(user.get_username())}_{day}.zip"


def safe_part(text: str) -> str:
    """`text` as one path part in the archive (a code may hold "/", a file name anything): NFC, no separators or
    control characters, never "." or "..", at most 120 characters."""
    out = UNSAFE.sub("_", unicodedata.normalize("NFC", text)).strip(" .")
    return out[:120] or "_"


def _iso(value: dt.datetime | None) -> str | None:
    """An instant as the API writes it: local time, +07:00, to the second (contract §2)."""
    return api_iso(value.replace(microsecond=0)) if value else None


def _nfc(value):
    if isinstance(value, str):
        return unicodedata.normalize("NFC", value)
    if isinstance(value, dict):
        return {_nfc(k): _nfc(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_nfc(v) for v in value]
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, dt.datetime):
        return _iso(value)
    if isinstance(value, dt.date):
        return value.isoformat()
    return value


class _Files:
    """The files put in the archive, within the budget (listed only beyond it)."""

    def __init__(self, budget: int):
        self.budget = budget
        self.left = budget
        self.wanted: list[tuple[dict, object]] = []  # (the entry naming its path in the archive, FieldFile)
        self.listed_only = 0
        self.included = 0

    def take(self, stored, folder: str) -> dict:
        """The entry of `stored` (a dossier's document or a draft's file: both have these fields) with its path in
        the archive under `folder`, or "file": null beyond the budget."""
        entry = {
            "name": stored.name,
            "kind": stored.kind,
            "content_type": stored.content_type,
            "size": stored.size,
            "sha256": stored.sha256,
            "uploaded_at": _iso(stored.uploaded_at),
            "file": None,
        }
        if entry["size"] > self.left:
            self.listed_only += 1
            return entry
        self.left -= entry["size"]
        entry["file"] = f"tai-lieu/{safe_part(folder)}/{stored.pk}-{safe_part(entry['name'])}"
        self.wanted.append((entry, stored.file))
        self.included += 1
        return entry


def _account(user) -> dict:
    profile = CitizenProfile.objects.filter(user=user).first()
    return {
        "account": {
            "username": user.get_username(),
            "first_name": user.first_name,
            "last_name": user.last_name,
            "full_name": user.get_full_name(),
            "email": user.email,
            "created_at": _iso(user.date_joined),
            "last_login": _iso(user.last_login),
            "is_staff": user.is_staff,
        },
        "profile": {
            "full_name": profile.full_name,
            "phone": profile.phone,
            "id_number": profile.id_number,
            "address": profile.address,
            "oidc_sub": profile.oidc_sub,
            "privacy_notice": profile.privacy_notice,
            "privacy_accepted_at": _iso(profile.privacy_accepted_at),
            "created_at": _iso(profile.created_at),
            "updated_at": _iso(profile.updated_at),
        }
        if profile
        else None,
    }


def _payment(p: Payment) -> dict:
    return {
        "reference": p.reference,
        "amount": p.amount,
        "provider": p.provider,
        "status": p.status,
        "note": p.note,
        "refund_due": p.refund_due,
        "created_at": _iso(p.created_at),
        "paid_at": _iso(p.paid_at),
    }


def _dossier(d: Dossier, files: _Files) -> dict:
    events = [
        {
            "seq": e.seq,
            "action": e.action,
            "label": str(TRANSITIONS[e.action].display) if e.action in TRANSITIONS else e.action,
            "at": _iso(e.at),
            "actor": e.actor_name,
            "from_state": e.from_state or None,
            "to_state": e.to_state,
            "reason": e.reason,
            "data": instants_in(e.data or {}, lifecycle.LOCAL),
        }
        for e in d.events.all()  # prefetched in order (collect)
    ]
    documents = [files.take(doc, d.code) for doc in d.documents.all()]
    return {
        "code": d.code,
        "procedure": {"code": d.procedure.code, "name": d.procedure.name},
        "agency": {"identifier": d.agency.identifier, "name": d.agency.name},
        "channel": d.channel,
        "state": d.state,
        "state_label": str(lifecycle.state_label(d.state)),
        "applicant": {
            "kind": d.applicant_kind,
            "name": d.applicant_name,
            "id_number": d.applicant_id_number,
            "address": d.applicant_address,
            "phone": d.applicant_phone,
            "email": d.applicant_email,
        },
        "representative": d.representative or None,
        "form_data": d.form_data,
        "result_method": d.result_method,
        "submitted_at": _iso(d.submitted_at),
        "received_at": _iso(d.received_at),
        "due_at": _iso(d.due_at),
        "initial_due_at": _iso(d.initial_due_at),
        "new_return_at": _iso(d.new_return_at),
        "resolved_at": _iso(d.resolved_at),
        "returned_at": _iso(d.returned_at),
        "refused_at": _iso(d.refused_at),
        "stopped_at": _iso(d.stopped_at),
        "outcome": d.outcome or None,
        "events": events,
        "documents": documents,
        # who else read it (ADR 0024), newest first, without the readers' network addresses
        "access_record": [access_log.entry_dict(a) for a in d.accesses.all()],
        "payments": [_payment(p) for p in d.payments.all()],
    }


def _ratings(user) -> list[dict]:
    from motcua.feedback.models import Rating

    return [
        {
            "dossier": r.dossier.code,
            "channel": r.channel,
            "overall": r.overall,
            "scores": r.scores,
            "comment": r.comment,
            "created_at": _iso(r.created_at),
        }
        for r in Rating.objects.filter(user=user).select_related("dossier").order_by("created_at", "pk")
    ]


def _feedback(user) -> list[dict]:
    from motcua.feedback.models import Feedback

    rows = Feedback.objects.filter(user=user).select_related("dossier", "procedure", "agency")
    return [
        {
            "reference": f.reference,
            "kind": f.kind,
            "subject": f.subject,
            "dossier": f.dossier.code if f.dossier_id else None,
            "procedure": f.procedure.code if f.procedure_id else None,
            "agency": {"identifier": f.agency.identifier, "name": f.agency.name},
            "title": f.title,
            "content": f.content,
            "contact": {
                "name": f.contact_name,
                "phone": f.contact_phone,
                "email": f.contact_email,
                "address": f.contact_address,
            },
            "status": f.status,
            "received_at": _iso(f.received_at),
            "due_at": _iso(f.due_at),
            "answer": f.answer,
            "answered_at": _iso(f.answered_at),
            "answer_public": f.answer_public,
            "public_title": f.public_title,
            "public_content": f.public_content,
            "sender_satisfied": f.sender_satisfied,
            "sender_reason": f.sender_reason,
            "sender_evaluated_at": _iso(f.sender_evaluated_at),
            "rejected_at": _iso(f.rejected_at),
            "rejected_reason": f.rejected_reason,
            "closed_at": _iso(f.closed_at),
        }
        for f in rows.order_by("received_at", "pk")
    ]


def _drafts(user, files: _Files) -> list[dict]:
    rows = Draft.objects.filter(user=user, submitted_at__isnull=True).select_related("procedure", "agency")
    return [
        {
            "procedure": {"code": dr.procedure.code, "name": dr.procedure.name},
            "agency": dr.agency.identifier if dr.agency_id else None,
            "step": dr.step,
            "data": dr.data,
            "created_at": _iso(dr.created_at),
            "updated_at": _iso(dr.updated_at),
            "files": [files.take(f, f"nhap-{dr.pk}") for f in dr.files.order_by("uploaded_at", "pk")],
        }
        for dr in rows.order_by("created_at", "pk")
    ]


def collect(user, *, budget: int | None = None) -> tuple[dict, _Files]:
    """The export's content (as Python values; `_nfc` makes it JSON's) and the files chosen for the archive."""
    files = _Files(files_max_bytes() if budget is None else budget)
    # each dossier's events, documents, access record (newest first, as access_log.entries) and payments: four
    # queries per chunk of dossiers, not per dossier
    dossiers = (
        Dossier.objects.filter(applicant_user=user)
        .select_related("procedure", "agency")
        .prefetch_related(
            Prefetch("events", DossierEvent.objects.order_by("seq")),
            Prefetch("documents", DossierDocument.objects.order_by("uploaded_at", "pk")),
            Prefetch("accesses", DossierAccess.objects.order_by("-at", "-pk")),
            Prefetch("payments", Payment.objects.order_by("created_at", "pk")),
        )
        .order_by("submitted_at", "created_at", "pk")
    )
    data = {
        "format": FORMAT,
        "generated_at": _iso(timezone.now()),
        **_account(user),
        "dossiers": [_dossier(d, files) for d in dossiers.iterator(chunk_size=100)],
        "ratings": _ratings(user),
        "feedback": _feedback(user),
        "drafts": _drafts(user, files),
    }
    data["files"] = {
        "max_total_bytes": files.budget,
        "included": files.included,
        "listed_only": files.listed_only,
    }
    return data, files


README = """\
DỮ LIỆU CÁ NHÂN CỦA BẠN — HỆ THỐNG MỘT CỬA ĐIỆN TỬ
Tài khoản: {username}    Thời điểm tạo: {generated}

Tệp nén này chứa toàn bộ dữ liệu cá nhân mà hệ thống lưu về tài khoản của bạn, theo quyền của chủ thể dữ liệu
(Luật Bảo vệ dữ liệu cá nhân số 91/2025/QH15, Nghị định 356/2025/NĐ-CP).

- {json_name}: dữ liệu ở dạng JSON (mã UTF-8, thời điểm theo ISO 8601, múi giờ +07:00), gồm:
  · account, profile: tài khoản (tên đăng nhập, họ tên, thư điện tử, ngày tạo, lần đăng nhập cuối) và hồ sơ cá
    nhân (số điện thoại, số định danh cá nhân, địa chỉ);
  · dossiers: {n_dossiers} hồ sơ bạn là người nộp — thủ tục, cơ quan, trạng thái, các mốc thời gian, thông tin
    người nộp và người được ủy quyền, tờ khai điện tử, quá trình xử lý (events), tài liệu (documents: tên, loại,
    dung lượng, mã SHA-256), nhật ký truy cập (access_record: ai đã xem, với tư cách gì, khi nào, xem gì) và
    thanh toán (payments);
  · ratings: {n_ratings} đánh giá hài lòng bạn đã gửi; feedback: {n_feedback} phản ánh, kiến nghị (PAKN) bạn đã
    gửi; drafts: {n_drafts} hồ sơ đang soạn dở.
- tai-lieu/: tệp tài liệu của hồ sơ ({included} tệp). Mỗi tài liệu trong JSON có trường "file" chỉ đường dẫn
  của tệp trong thư mục này; tổng dung lượng tệp kèm theo tối đa {max_mb} MB, tài liệu vượt quá được liệt kê
  ("file": null, {listed_only} tệp) và tải từ trang hồ sơ tại mục "Hồ sơ của tôi". Mã SHA-256 cho phép kiểm tra
  tệp là bản hệ thống lưu.

Không có trong tệp: hồ sơ bạn nộp hộ người khác với tư cách thành viên tổ công nghệ số cộng đồng (đó là dữ liệu
của người dân), mật khẩu (hệ thống chỉ lưu mã băm), địa chỉ mạng của người đã xem hồ sơ.
Hãy giữ tệp này cẩn thận: nó chứa số định danh, địa chỉ và giấy tờ của bạn.

---
YOUR PERSONAL DATA — Mot Cua one-stop system. {json_name} holds your account, profile, the dossiers you filed
as applicant (with their history, documents, access record and payments), your ratings, PAKN (feedback) and
drafts, as JSON (UTF-8, ISO 8601 instants in +07:00). tai-lieu/ holds the documents' files up to {max_mb} MB in
all; beyond that they are listed only ("file": null). Keep this file safe: it holds your ID number and papers.
"""


def readme(user, data: dict) -> str:
    n_docs = data["files"]
    return unicodedata.normalize(
        "NFC",
        README.format(
            username=user.get_username(),
            generated=timezone.localtime().strftime("%d/%m/%Y %H:%M"),
            json_name=JSON_NAME,
            n_dossiers=len(data["dossiers"]),
            n_ratings=len(data["ratings"]),
            n_feedback=len(data["feedback"]),
            n_drafts=len(data["drafts"]),
            included=n_docs["included"],
            listed_only=n_docs["listed_only"],
            max_mb=n_docs["max_total_bytes"] // (1024 * 1024),
        ),
    )


def build_zip(user):
    """The archive in an anonymous temporary file (unlinked at once, spooled to disk: memory stays bounded
    whatever the files weigh), rewound; the caller streams it and closes it."""
    data, files = collect(user)
    out = tempfile.TemporaryFile(prefix="motcua-export-")
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as z:
        for entry, field_file in files.wanted:
            try:
                src = open_stored(field_file)
            except StorageUnavailable:  # logged by the store's guard; the data goes out, the file is listed
                entry["file"], entry["file_unavailable"] = None, True
                files.included -= 1
                continue
            # the entry dated as the upload (local time), not 1980
            when = timezone.localtime(dt.datetime.fromisoformat(entry["uploaded_at"]))
            info = zipfile.ZipInfo(entry["file"], date_time=when.timetuple()[:6])
            info.compress_type = zipfile.ZIP_DEFLATED
            with src, z.open(info, "w", force_zip64=True) as dst:
                while chunk := src.read(1024 * 1024):
                    dst.write(chunk)
        data["files"]["included"] = files.included
        z.writestr(README_NAME, readme(user, data).encode("utf-8"))
        z.writestr(JSON_NAME, json.dumps(_nfc(data), ensure_ascii=False, indent=2).encode("utf-8"))
    out.seek(0)
    return out
