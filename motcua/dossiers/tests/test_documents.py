"""Uploads: type sniffed from content (PDF, JPEG, PNG, DOCX, XLSX), executables/scripts/macros refused, size
bounded, SHA-256 recorded, files kept through Django's default storage."""

import hashlib
import io
import struct
import zipfile
import zlib

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from motcua.core.errors import Unprocessable
from motcua.dossiers import documents, services
from motcua.dossiers.models import DossierDocument

from .conftest import APPLICANT, local


@pytest.fixture(autouse=True)
def fast_hasher(settings, tmp_path):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.MEDIA_ROOT = str(tmp_path / "media")


# --- real small files, made here -------------------------------------------------------------------------------


def make_pdf() -> bytes:
    from weasyprint import HTML

    return HTML(string="<p>Giấy đề nghị đăng ký hộ kinh doanh</p>").write_pdf()


def make_png() -> bytes:
    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data))
            + kind
            + data
            + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
        )

    raw = b"\x00\xff\x00\x00"  # one red pixel, filter byte 0
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0))
        + chunk(b"IDAT", zlib.compress(raw))
        + chunk(b"IEND", b"")
    )


def make_jpeg() -> bytes:
    from PIL import Image

    buf = io.BytesIO()
    Image.new("RGB", (4, 4), (200, 10, 10)).save(buf, format="JPEG")
    return buf.getvalue()


def make_zip(members: dict[str, bytes]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in members.items():
            zf.writestr(name, data)
    return buf.getvalue()


CT = b'<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"/>'


def make_docx(extra: dict | None = None) -> bytes:
    return make_zip(
        {
            "[Content_Types].xml": CT,
            "_rels/.rels": b"<Relationships/>",
            "word/document.xml": b"<w:document><w:body><w:p><w:r><w:t>Xin chao</w:t></w:r></w:p></w:body></w:document>",
            **(extra or {}),
        }
    )


def make_xlsx() -> bytes:
    from openpyxl import Workbook

    wb = Workbook()
    wb.active["A1"] = "Mã hồ sơ"
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def upload(data: bytes, name: str, content_type: str = "application/octet-stream"):
    return SimpleUploadedFile(name, data, content_type=content_type)


# --- sniffing ----------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "maker, expected",
    [
        (make_pdf, documents.PDF),
        (make_png, documents.PNG),
        (make_jpeg, documents.JPEG),
        (make_docx, documents.DOCX),
        (make_xlsx, documents.XLSX),
    ],
)
def test_accepts_real_small_files_whatever_their_name(maker, expected):
    data = maker()
    # the name and the browser's claimed type lie: the content decides
    info = documents.inspect_upload(upload(data, "anh chup.exe", "text/plain"))
    assert info.content_type == expected
    assert info.sha256 == hashlib.sha256(data).hexdigest() and info.size == len(data)


def test_sniff_function_directly():
    assert documents.sniff(b"%PDF-1.7\n...") == documents.PDF
    assert documents.sniff(b"PK\x03\x04", ["[Content_Types].xml", "xl/workbook.xml"]) == documents.XLSX
    with pytest.raises(Unprocessable) as exc:
        documents.sniff(b"PK\x03\x04", ["readme.txt"])
    assert "ZIP" in exc.value.message


@pytest.mark.parametrize(
    "data, code, words",
    [
        (
            b"MZ\x90\x00\x03\x00\x00\x00" + b"\x00" * 64 + b"This program cannot be run in DOS mode",
            "executable_file",
            "tệp chạy Windows",
        ),
        (b"\x7fELF\x02\x01\x01" + b"\x00" * 32, "executable_file", "ELF"),
        (b"#!/bin/sh\nrm -rf /\n", "executable_file", "script"),
        (b"<html><script>alert(1)</script></html>", "executable_file", "script"),
        (b"Hello, plain text", "bad_file_type", "Chỉ nhận PDF, JPEG, PNG, DOCX, XLSX"),
        (b"", "empty_file", "rỗng"),
    ],
)
def test_refuses_executables_scripts_and_unknown(data, code, words):
    with pytest.raises(Unprocessable) as exc:
        documents.inspect_upload(upload(data, "giay-to.pdf", "application/pdf"))
    assert exc.value.code == code
    assert words in exc.value.message
    assert exc.value.message_en  # English too


def test_refuses_office_file_with_macros():
    docm = make_docx({"word/vbaProject.bin": b"\xd0\xcf\x11\xe0 macro"})
    with pytest.raises(Unprocessable) as exc:
        documents.inspect_upload(upload(docm, "don.docx"))
    assert exc.value.code == "macro_file" and "macro" in exc.value.message


def test_refuses_damaged_zip_and_pdf_with_javascript():
    with pytest.raises(Unprocessable):
        documents.inspect_upload(upload(b"PK\x03\x04garbage-not-a-zip", "a.docx"))
    evil = b"%PDF-1.4\n1 0 obj << /OpenAction << /S /JavaScript /JS (app.alert(1)) >> >> endobj\n%%EOF"
    with pytest.raises(Unprocessable) as exc:
        documents.inspect_upload(upload(evil, "a.pdf"))
    assert "JavaScript" in exc.value.message


def test_refuses_oversized_file(settings):
    settings.MOTCUA_UPLOAD_MAX_BYTES = 1024
    data = b"%PDF-1.4\n" + b"0" * 2000
    with pytest.raises(Unprocessable) as exc:
        documents.inspect_upload(upload(data, "lon.pdf"))
    assert (
        exc.value.code == "file_too_large" and "quá lớn" in exc.value.message and "1 KB" in exc.value.message
    )
    # exactly at the bound is fine
    documents.inspect_upload(upload(b"%PDF-1.4\n" + b"0" * (1024 - 9), "vua.pdf"))


def test_clean_filename():
    assert documents.clean_filename("C:\\Users\\x\\Giấy đề nghị.pdf") == "Giấy đề nghị.pdf"
    assert documents.clean_filename("../../etc/passwd\x00") == "passwd"


# --- storing --------------------------------------------------------------------------------------------------


def test_store_upload_keeps_file_and_hash_and_event_records_it(org):
    d, _ = services.dossier_file(
        actor=org["users"]["officer"],
        procedure_code="1.001612",
        agency_identifier="000.00.21.H26",
        channel="counter",
        applicant=APPLICANT,
        at=local(2025, 3, 3, 9, 0),
    )
    data = make_pdf()
    doc = documents.store_upload(
        dossier=d,
        uploaded_file=upload(data, "Giấy đề nghị.pdf"),
        kind="component",
        actor=org["users"]["officer"],
    )
    assert isinstance(doc, DossierDocument) and doc.pk
    assert doc.sha256 == hashlib.sha256(data).hexdigest() and doc.content_type == documents.PDF
    assert doc.name == "Giấy đề nghị.pdf"
    assert (
        doc.file.name.endswith(".pdf") and doc.sha256[:16] in doc.file.name
    )  # derived name, not the uploader's
    with doc.file.open("rb") as fh:
        assert fh.read() == data
    assert documents.unrecorded_hashes(d) == [doc.sha256]
    d = services.dossier_act(
        code=d.code,
        action="receive",
        actor=org["users"]["officer"],
        params={"file_hashes": documents.unrecorded_hashes(d)},
        at=local(2025, 3, 3, 9, 30),
    )
    assert d.events.get(action="receive").file_hashes == [doc.sha256]
    assert documents.unrecorded_hashes(d) == []
    assert services.verify_chain(d) == []


def test_store_upload_refuses_bad_kind_and_foreign_component(org):
    from motcua.catalog.models import Procedure, ProcedureComponent, ProcedureVersion

    d, _ = services.dossier_file(
        actor=org["users"]["officer"],
        procedure_code="1.001612",
        agency_identifier="000.00.21.H26",
        channel="counter",
        applicant=APPLICANT,
        at=local(2025, 3, 3, 9, 0),
    )
    with pytest.raises(Unprocessable):
        documents.store_upload(dossier=d, uploaded_file=upload(make_png(), "a.png"), kind="virus", actor=None)
    other = Procedure.objects.create(code="1.000001", name="Khác", field=org["field"], level="commune")
    v = ProcedureVersion.objects.create(
        procedure=other,
        effective_from=local(2020, 1, 1).date(),
        name="Khác",
        field=org["field"],
        level="commune",
    )
    comp = ProcedureComponent.objects.create(version=v, name="Tờ khai")
    with pytest.raises(Unprocessable):
        documents.store_upload(
            dossier=d, uploaded_file=upload(make_png(), "a.png"), kind="component", component=comp, actor=None
        )
    assert not d.documents.exists()
