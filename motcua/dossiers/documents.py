"""Dossier files: every upload is bounded in size, its type sniffed from its content (never from its name or the
browser's claim), hashed with SHA-256, and kept through Django's default storage (filesystem by default,
S3-compatible by configuration). The hash goes into the event of the action the file belongs to.

Accepted: PDF, JPEG, PNG, DOCX, XLSX. Refused: anything else, in particular executables and scripts, Office
files with macros (vbaProject.bin) or that load a template or object from another machine when opened, PDFs that carry JavaScript, launch actions, embedded files or rich media
(also inside compressed object streams: `pdfcheck`), and password-protected PDFs.
"""

from __future__ import annotations

import hashlib
import io
import logging
import os
import re
import shlex
import subprocess
import unicodedata
import zipfile
from dataclasses import dataclass

from django.conf import settings
from django.core.files.base import File
from django.db import transaction

from motcua.core.errors import DomainError, Unprocessable
from motcua.core.storage import guarded, storage_errors
from motcua.core.text import nfc, size_over_text, size_text
from motcua.org.models import Role

from . import pdfcheck
from .models import DocumentKind, Dossier, DossierDocument, State
from .services import DOCUMENTS_CACHE

logger = logging.getLogger(__name__)

PDF = "application/pdf"
JPEG = "image/jpeg"
PNG = "image/png"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

EXTENSIONS = {PDF: "pdf", JPEG: "jpg", PNG: "png", DOCX: "docx", XLSX: "xlsx"}
# The extensions a kept name may end in for each type (any case); another gets the type's own added (typed_name).
NAME_EXTENSIONS = {
    PDF: {"pdf"},
    JPEG: {"jpg", "jpeg", "jpe", "jfif"},
    PNG: {"png"},
    DOCX: {"docx"},
    XLSX: {"xlsx"},
}
ACCEPTED_TEXT = "PDF, JPEG, PNG, DOCX, XLSX"
SNIFF_BYTES = 4096  # enough for every magic number checked here

# Magic numbers of things that must never be stored as a dossier document (clearer messages than "unknown type").
EXECUTABLE_MAGIC = (
    (b"MZ", "tệp chạy Windows (.exe/.dll)", "a Windows executable (.exe/.dll)"),
    (b"\x7fELF", "tệp chạy Linux (ELF)", "a Linux executable (ELF)"),
    (b"\xfe\xed\xfa\xce", "tệp chạy macOS (Mach-O)", "a macOS executable (Mach-O)"),
    (b"\xfe\xed\xfa\xcf", "tệp chạy macOS (Mach-O)", "a macOS executable (Mach-O)"),
    (b"\xcf\xfa\xed\xfe", "tệp chạy macOS (Mach-O)", "a macOS executable (Mach-O)"),
    (b"\xce\xfa\xed\xfe", "tệp chạy macOS (Mach-O)", "a macOS executable (Mach-O)"),
    (b"\xca\xfe\xba\xbe", "tệp chạy Java/macOS", "a Java class or macOS universal binary"),
    (b"#!", "tệp lệnh (script)", "a script"),
    (b"\xd0\xcf\x11\xe0", "tệp Office cũ (.doc/.xls, có thể chứa macro)", "a legacy Office file (.doc/.xls)"),
)
SCRIPT_MARKERS = (b"<script", b"<?php", b"<%", b"<html", b"<!doctype html", b"@echo off", b"powershell")


@dataclass(frozen=True)
class Inspected:
    """What an upload turned out to be, before anything is stored."""

    content_type: str
    sha256: str
    size: int
    name: str

    @property
    def extension(self) -> str:
        return EXTENSIONS[self.content_type]


def _refuse(message: str, message_en: str, code: str = "bad_file") -> Unprocessable:
    return Unprocessable(message, message_en, code=code)


def sniff(first_bytes: bytes, zip_names: list[str] | None = None) -> str:
    """The content type of a file from its first bytes (and, for ZIP-based Office files, the names of the ZIP's
    members). Raises Unprocessable with a Vietnamese/English message for anything not accepted."""
    head = bytes(first_bytes or b"")
    if not head:
        raise _refuse("Tệp rỗng (0 byte).", "The file is empty.", "empty_file")
    for magic, vi, en in EXECUTABLE_MAGIC:
        if head.startswith(magic):
            raise _refuse(
                f"Không nhận tệp này: nội dung là {vi}. Chỉ nhận {ACCEPTED_TEXT}.",
                f"File refused: its content is {en}. Accepted: {ACCEPTED_TEXT}.",
                "executable_file",
            )
    if head.startswith(b"%PDF-"):
        return PDF
    if head.startswith(b"\xff\xd8\xff"):
        return JPEG
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return PNG
    if head.startswith(b"PK\x03\x04"):
        return _sniff_ooxml(zip_names)
    lowered = head[:1024].lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if any(lowered.startswith(m) or m in lowered[:256] for m in SCRIPT_MARKERS):
        raise _refuse(
            f"Không nhận tệp này: nội dung là mã lệnh/trang web (script, HTML). Chỉ nhận {ACCEPTED_TEXT}.",
            f"File refused: its content is a script or HTML. Accepted: {ACCEPTED_TEXT}.",
            "executable_file",
        )
    raise _refuse(
        f"Không nhận loại tệp này (nhận diện theo nội dung tệp). Chỉ nhận {ACCEPTED_TEXT}.",
        f"File type not accepted (detected from its content). Accepted: {ACCEPTED_TEXT}.",
        "bad_file_type",
    )


def _sniff_ooxml(zip_names: list[str] | None) -> str:
    names = list(zip_names or [])
    lowered = [n.lower() for n in names]
    if "[content_types].xml" not in lowered:
        raise _refuse(
            f"Không nhận tệp nén ZIP (không phải tài liệu Word/Excel). Chỉ nhận {ACCEPTED_TEXT}.",
            f"ZIP archives are not accepted (not a Word/Excel document). Accepted: {ACCEPTED_TEXT}.",
            "bad_file_type",
        )
    if any(n.endswith("vbaproject.bin") or n.endswith("vbaprojectsignature.bin") for n in lowered):
        raise _refuse(
            "Không nhận tài liệu Word/Excel có chứa macro (vbaProject.bin). Hãy lưu lại dạng .docx/.xlsx "
            "không macro hoặc PDF.",
            "Word/Excel documents containing macros (vbaProject.bin) are not accepted. Save as macro-free "
            ".docx/.xlsx or PDF.",
            "macro_file",
        )
    if any(
        n.endswith(".exe") or n.endswith(".dll") or n.endswith(".js") or n.endswith(".vbs") for n in lowered
    ):
        raise _refuse(
            "Không nhận tài liệu có nhúng tệp chạy/mã lệnh.",
            "Documents embedding executables or scripts are not accepted.",
            "executable_file",
        )
    if any(n.startswith("word/") for n in lowered):
        return DOCX
    if any(n.startswith("xl/") for n in lowered):
        return XLSX
    raise _refuse(
        f"Chỉ nhận tài liệu Word (.docx) hoặc Excel (.xlsx) trong các định dạng Office. Chỉ nhận {ACCEPTED_TEXT}.",
        f"Only Word (.docx) or Excel (.xlsx) Office documents are accepted. Accepted: {ACCEPTED_TEXT}.",
        "bad_file_type",
    )


# Relationships that Word or Excel follows by itself when the file is opened: a template, OLE object, frame or
# sub-document loaded from another machine (a macro template; CVE-2022-30190's ms-msdt: link; an officer's Windows
# credentials sent to a \\host\share path). A hyperlink is external too, but followed only when clicked: not refused.
REMOTE_TYPES = ("/attachedtemplate", "/oleobject", "/frame", "/subdocument")
# One .rels part is read up to this (real ones are a few KB): a zip bomb inflates no further, a bigger one is refused
MAX_RELS_BYTES = 1024 * 1024


def _refuse_remote_content(uploaded_file) -> None:
    """Refuse a Word/Excel file whose relationship parts (`*.rels`) point a REMOTE_TYPES relationship outside
    the file (TargetMode="External"). Read with the XML parser, as Office reads them (prefixes, character
    references); a part that does not parse is skipped, as Office cannot follow it either."""
    from xml.etree import ElementTree

    with zipfile.ZipFile(uploaded_file) as zf:
        for info in zf.infolist()[:10_000]:
            if not info.filename.lower().endswith(".rels"):
                continue
            try:
                with zf.open(info) as part:
                    data = part.read(MAX_RELS_BYTES + 1)
                if len(data) > MAX_RELS_BYTES:
                    raise _refuse(
                        "Tài liệu Word/Excel bị hỏng hoặc có cấu trúc bất thường.",
                        "The Word/Excel document is damaged or abnormally built.",
                        "bad_file_type",
                    )
                root = ElementTree.fromstring(data)
            except (
                zipfile.BadZipFile,
                OSError,
                ValueError,
                NotImplementedError,
                RuntimeError,
                ElementTree.ParseError,
            ):
                continue
            for rel in root.iter():
                if not str(rel.tag).endswith("Relationship"):
                    continue
                external = (rel.get("TargetMode") or "").strip().lower() == "external"
                if external and (rel.get("Type") or "").strip().lower().endswith(REMOTE_TYPES):
                    raise _refuse(
                        "Không nhận tài liệu Word/Excel tự tải nội dung từ máy khác khi mở (mẫu, đối tượng nhúng "
                        "từ xa). Hãy lưu thành tệp mới hoặc PDF.",
                        "Word/Excel documents that load content from another machine when opened (a remote "
                        "template or embedded object) are not accepted. Save a new copy or a PDF.",
                        "remote_content",
                    )


def max_bytes() -> int:
    return int(getattr(settings, "MOTCUA_UPLOAD_MAX_BYTES", 20 * 1024 * 1024))


def max_size_text(en: bool = False) -> str:
    """The largest file accepted, as the pages say it before an upload ("20 MB")."""
    return size_text(max_bytes(), en)


MAX_FILENAME = 200


def clean_filename(name: str) -> str:
    """The name shown to people: basename only, NFC, no control characters, at most 200 characters. A longer
    name is shortened in its stem, keeping its extension (".pdf"), so it still says what kind of file it is."""
    base = os.path.basename(str(name or "").replace("\\", "/"))
    base = nfc("".join(ch for ch in base if unicodedata.category(ch)[0] != "C"))
    if len(base) > MAX_FILENAME:
        stem, dot, ext = base.rpartition(".")
        if dot and stem and 0 < len(ext) <= 10:
            base = stem[: MAX_FILENAME - len(ext) - 2].rstrip() + "…." + ext
        else:
            base = base[: MAX_FILENAME - 1] + "…"
    return base or "tai-lieu"


def typed_name(name: str, content_type: str) -> str:
    """`name` (cleaned) ending in an extension of the sniffed `content_type`: a download is saved under this name
    and its extension decides what opens the file, so "CCCD.hta" holding a JPEG becomes "CCCD.hta.jpg" (never run
    as an HTML application) while "Giấy đề nghị.PDF" holding a PDF stays as it is."""
    base = clean_filename(name)
    stem, dot, ext = base.rpartition(".")
    if dot and stem and ext.lower() in NAME_EXTENSIONS[content_type]:
        return base
    return clean_filename(f"{base}.{EXTENSIONS[content_type]}")


def inspect_upload(uploaded_file) -> Inspected:
    """Check an upload (size bound, content type by magic bytes, Office internals) and hash it. Stores nothing.
    `uploaded_file` is any Django File/UploadedFile (seekable)."""
    size = getattr(uploaded_file, "size", None)
    limit = max_bytes()
    name = clean_filename(getattr(uploaded_file, "name", ""))
    if size is not None and size > limit:
        raise _refuse(
            f"Tệp “{name}” quá lớn ({size_over_text(size, limit)}); dung lượng tối đa mỗi tệp là "
            f"{size_text(limit)}.",
            f"File “{name}” is too large ({size_over_text(size, limit, en=True)}); the maximum per file is "
            f"{size_text(limit, en=True)}.",
            "file_too_large",
        )
    uploaded_file.seek(0)
    head = uploaded_file.read(SNIFF_BYTES)
    zip_names = None
    if head.startswith(b"PK\x03\x04"):
        uploaded_file.seek(0)
        try:
            with zipfile.ZipFile(uploaded_file) as zf:
                zip_names = zf.namelist()
        except (zipfile.BadZipFile, OSError, ValueError) as exc:
            raise _refuse(
                f"Tệp “{name}” bị hỏng hoặc không phải tài liệu Word/Excel hợp lệ.",
                f"File “{name}” is damaged or not a valid Word/Excel document.",
                "bad_file_type",
            ) from exc
    try:
        content_type = sniff(head, zip_names)
        if zip_names is not None:
            uploaded_file.seek(0)
            _refuse_remote_content(uploaded_file)
    except Unprocessable as exc:
        raise _refuse(f"Tệp “{name}”: {exc.message}", f"File “{name}”: {exc.message_en}", exc.code) from exc
    digest = hashlib.sha256()
    total = 0
    uploaded_file.seek(0)
    for chunk in iter(lambda: uploaded_file.read(1024 * 1024), b""):
        total += len(chunk)
        if total > limit:
            raise _refuse(
                f"Tệp “{name}” quá lớn; dung lượng tối đa mỗi tệp là {size_text(limit)}.",
                f"File “{name}” is too large; the maximum per file is {size_text(limit, en=True)}.",
                "file_too_large",
            )
        digest.update(chunk)
    if content_type == PDF:  # the bytes, the inflated streams, the parsed object graph (pdfcheck)
        uploaded_file.seek(0)
        try:
            active = pdfcheck.has_active_content(uploaded_file.read())
        except pdfcheck.PasswordProtected as exc:
            raise _refuse(
                f"Tệp “{name}” là PDF có mật khẩu: hãy nộp bản không đặt mật khẩu để cán bộ đọc được.",
                f"File “{name}” is a password-protected PDF: upload a copy without a password.",
                "password_protected",
            ) from exc
        if active:
            raise _refuse(
                f"Tệp “{name}”: không nhận PDF có mã lệnh (JavaScript), lệnh mở chương trình hoặc tệp đính kèm nhúng.",
                f"File “{name}”: PDFs with JavaScript, launch actions or embedded files are not accepted.",
                "executable_file",
            )
    scan(uploaded_file, name)
    uploaded_file.seek(0)
    return Inspected(
        content_type=content_type,
        sha256=digest.hexdigest(),
        size=total,
        name=typed_name(name, content_type),
    )


def scan(uploaded_file, name: str) -> None:
    """Run MOTCUA_UPLOAD_SCAN_COMMAND (when set) with the file on standard input. Exit 0: clean. Exit 1: the
    scanner found malware — refused (422). Anything else, a timeout or a missing scanner: the file is refused
    too (503, try again later): an upload is never accepted unscanned while a scanner is configured."""
    command = getattr(settings, "MOTCUA_UPLOAD_SCAN_COMMAND", "")
    if not command:
        return
    uploaded_file.seek(0)
    data = uploaded_file.read()
    timeout = getattr(settings, "MOTCUA_UPLOAD_SCAN_TIMEOUT_SECONDS", 60)
    try:
        done = subprocess.run(
            shlex.split(command), input=data, capture_output=True, timeout=timeout, check=False
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        logger.error("Upload scan of '%s' did not run: %s", name, exc)
        done = None
    if done is not None and done.returncode == 0:
        return
    if done is not None and done.returncode == 1:
        found = done.stdout.decode(errors="replace").strip()[:500]
        logger.warning("Upload scan refused '%s' (%s bytes, sha256 %s): %s", name, len(data),
                       hashlib.sha256(data).hexdigest(), found)  # fmt: skip
        raise _refuse(
            f"Tệp “{name}” bị phần mềm diệt virus phát hiện có mã độc nên không được tiếp nhận. Vui lòng kiểm tra "
            "lại máy tính và nộp bản sạch.",
            f"File “{name}” was flagged by the virus scanner and is not accepted. Check your computer and upload a "
            "clean copy.",
            "malware_found",
        )
    if done is not None:
        logger.error("Upload scan of '%s' failed with exit %s: %s", name, done.returncode,
                     done.stderr.decode(errors="replace").strip()[:500])  # fmt: skip
    raise DomainError(
        f"Chưa kiểm tra được virus cho tệp “{name}” nên chưa thể nhận tệp. Vui lòng thử lại sau ít phút.",
        f"File “{name}” could not be scanned for viruses, so it was not accepted. Please try again in a few "
        "minutes.",
        code="scan_unavailable",
        status=503,
    )


def _valid_kind(kind: str) -> str:
    if kind not in DocumentKind.values:
        raise _refuse(
            f"Loại tài liệu '{kind}' không hợp lệ.", f"Unknown document kind '{kind}'.", "bad_document_kind"
        )
    return kind


# Letters, digits and hyphens from the dossier code; its dots become underscores, so that the only dot left in a
# stored name is the extension's: Django's storages treat everything from a name's first dot as its extension
# ("a.tar.gz") and put the collision suffix before it, which put it inside the code (000_JrcJyTL.00.21.H26-…pdf).
_SAFE = re.compile(r"[^0-9A-Za-z-]+")


def store_upload(
    *,
    dossier: Dossier,
    uploaded_file,
    kind: str,
    component=None,
    actor,
    inspected: Inspected | None = None,
) -> DossierDocument:
    """Check and store one upload for `dossier`; returns the DossierDocument (its sha256 is what events record).
    The stored name is derived from the dossier code and the content hash, never from the uploader's name."""
    _valid_kind(kind)
    if (
        component is not None
        and dossier.procedure_version_id
        and component.version_id != dossier.procedure_version_id
    ):
        raise _refuse(
            "Thành phần hồ sơ không thuộc thủ tục của hồ sơ này.",
            "The component does not belong to this dossier's procedure.",
            "bad_component",
        )
    info = inspected or inspect_upload(uploaded_file)
    uploaded_file.seek(0)
    stored_name = f"{_SAFE.sub('_', dossier.code)}-{info.sha256[:16]}.{info.extension}"
    doc = DossierDocument(
        dossier=dossier,
        kind=kind,
        component=component,
        name=info.name,
        content_type=info.content_type,
        size=info.size,
        sha256=info.sha256,
        uploaded_by=actor if getattr(actor, "is_authenticated", False) else None,
    )
    with guarded(name=stored_name):  # the store down: 503, and the caller's transaction stores nothing
        doc.file.save(stored_name, File(uploaded_file, name=stored_name), save=False)
    doc.save()
    cached = getattr(dossier, DOCUMENTS_CACHE, None)  # selectors.documents_of's list, when read already
    if cached is not None:
        cached.append(doc)
    return doc


# Staff of the dossier's agency (or of an agency holding one of its steps) who may add files while it is open
UPLOADING_ROLES = (Role.OFFICER, Role.SPECIALIST, Role.UNIT_HEAD, Role.LEADER)
CLOSED_STATES = (State.REFUSED, State.STOPPED, State.RETURNED)
# What the applicant (or whoever filed for them) may add: the dossier's own papers, before reception or when asked
APPLICANT_KINDS = (DocumentKind.COMPONENT, DocumentKind.SUPPLEMENT, DocumentKind.AUTHORISATION)
APPLICANT_STATES = (State.SUBMITTED, State.SUPPLEMENT_REQUESTED)


def may_upload(user, dossier: Dossier, kind: str | None = None) -> bool:
    """Whether `user` may add a file (of `kind`, when given) to `dossier`: staff of its agency or of an agency that
    holds one of its steps, while it is open; its applicant (or the account that filed it) only the dossier's own
    papers, before reception or while a supplement is asked for."""
    from motcua.org.selectors import roles_of

    from .services import steps_of

    if dossier.state in CLOSED_STATES or not getattr(user, "is_authenticated", False):
        return False
    if user.is_superuser:
        return True
    if kind == DocumentKind.CONSENT and user.pk != dossier.filed_by_id:
        return False  # the resident's signed consent is the evidence of the member who filed (ADR 0016)
    agencies = {dossier.agency_id, *(s.agency_id for s in steps_of(dossier))}
    if any(r.agency_id in agencies and r.role in UPLOADING_ROLES for r in roles_of(user)):
        return True
    applicant = user.pk in (dossier.applicant_user_id, dossier.filed_by_id)
    # (the consent slip: only the filer is still here, above)
    kinds = (*APPLICANT_KINDS, DocumentKind.CONSENT)
    return applicant and dossier.state in APPLICANT_STATES and (kind is None or kind in kinds)


MAX_FILES_PER_UPLOAD = 20


def add_files(*, dossier: Dossier, user, files: list, kind: str, component_order: int | None = None) -> list:
    """Store `files` (of `kind`, for the procedure's component numbered `component_order` if given) on `dossier`,
    all or none: every file is checked before any is stored. Their hashes go into the event of the next action
    (services.dossier_act with record_uploads). Refusals: PermissionDenied, Unprocessable."""
    from motcua.core.errors import PermissionDenied

    _valid_kind(kind)
    if not may_upload(user, dossier, kind):
        raise PermissionDenied(
            "Bạn không thể thêm tệp loại này vào hồ sơ (hồ sơ đã kết thúc, không thuộc cơ quan của bạn, hoặc "
            "người nộp chỉ được bổ sung giấy tờ của hồ sơ khi chưa tiếp nhận hay khi được yêu cầu bổ sung).",
            "You may not add this kind of file to the dossier (it is closed, not your agency's, or an applicant "
            "adds the dossier's own papers only before reception or when asked to supplement).",
            code="upload_not_allowed",
        )
    if not files:
        raise _refuse(
            "Chọn ít nhất một tệp (trường 'files').", "Send at least one file ('files').", "no_files"
        )
    if len(files) > MAX_FILES_PER_UPLOAD:
        raise _refuse(
            f"Mỗi lần tải lên tối đa {MAX_FILES_PER_UPLOAD} tệp.",
            f"At most {MAX_FILES_PER_UPLOAD} files per upload.",
            "too_many_files",
        )
    component = None
    if component_order is not None:
        version = dossier.procedure_version
        component = version.components.filter(order=component_order).first() if version else None
        if kind != DocumentKind.COMPONENT or component is None:
            raise _refuse(
                f"Thủ tục không có thành phần hồ sơ số {component_order} (chỉ dùng với loại 'component').",
                f"The procedure has no component number {component_order} (only with kind 'component').",
                "bad_component",
            )
    inspected = inspect_all([(f, kind, component) for f in files])
    stored: list = []
    try:
        with transaction.atomic():
            store_all(dossier, inspected, user, stored)
    except Exception:
        discard(stored)
        raise
    return stored


def inspect_all(uploads) -> list[tuple]:
    """Check every (file, kind, component) before anything is stored: one bad file refuses the whole action.
    Returns (file, kind, component, Inspected) for store_all."""
    return [(f, kind, comp, inspect_upload(f)) for f, kind, comp in uploads]


def store_all(dossier: Dossier, inspected, user, stored: list) -> None:
    """Store inspect_all's files on the dossier, appending each document to `stored` (for discard on failure)."""
    for f, kind, comp, info in inspected:
        stored.append(
            store_upload(
                dossier=dossier, uploaded_file=f, kind=kind, component=comp, actor=user, inspected=info
            )
        )


def discard(documents) -> None:
    """Delete stored files of documents whose database rows were rolled back (a refused action)."""
    for doc in documents:
        try:
            if doc.file and doc.file.name:
                doc.file.storage.delete(doc.file.name)
        except Exception:  # noqa: BLE001 — best effort clean-up of orphans
            pass


def unrecorded_hashes(dossier: Dossier) -> list[str]:
    """Hashes of the dossier's documents that no event records yet (uploaded separately, before an action)."""
    recorded: set[str] = set()
    for hashes in dossier.events.values_list("file_hashes", flat=True):
        recorded.update(hashes or [])
    seen: list[str] = []
    for h in dossier.documents.order_by("uploaded_at", "pk").values_list("sha256", flat=True):
        if h not in recorded and h not in seen:
            seen.append(h)
    return seen


def bytes_file(data: bytes, name: str) -> File:
    """A Django File over bytes (tests, demo data)."""
    return File(io.BytesIO(data), name=name)


def verify_files(
    *, agency: str | None = None, code: str | None = None, on_problem=None
) -> tuple[int, list[str]]:
    """Read every stored file of the selected dossiers back from storage and compare its SHA-256 with the one
    recorded when it was uploaded (and written into the dossier's event chain): after a restore, a storage move
    (filesystem → S3) or a disk fault, a file that is missing, unreadable or different is named. Returns (files
    checked, problems); `on_problem` is called with each problem as it is found. Reads in chunks: any file size."""
    qs = DossierDocument.objects.select_related("dossier").order_by("pk")
    if agency:
        qs = qs.filter(dossier__agency__identifier=agency)
    if code:
        qs = qs.filter(dossier__code=code)
    problems: list[str] = []
    checked = 0
    for doc in qs.iterator(chunk_size=500):
        checked += 1
        where = f"{doc.dossier.code}: #{doc.pk} {doc.name} ({doc.file.name})"
        try:
            digest = hashlib.sha256()
            with doc.file.storage.open(doc.file.name, "rb") as fh:
                for block in iter(lambda: fh.read(1 << 20), b""):
                    digest.update(block)
        except (*storage_errors(), ValueError) as exc:  # missing or unreadable, or the store unreachable
            problem = f"{where}: tệp không đọc được / file missing or unreadable ({type(exc).__name__})"
        else:
            if digest.hexdigest() == doc.sha256:
                continue
            problem = f"{where}: nội dung khác với khi nộp / content differs from the upload (SHA-256)"
        problems.append(problem)
        if on_problem is not None:
            on_problem(problem)
    return checked, problems
