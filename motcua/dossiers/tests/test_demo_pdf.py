"""The demo's sample PDFs (the files the demo dossiers carry, which a citizen downloads from the portal)."""

import io

from pypdf import PdfReader

from motcua.dossiers.demo import _demo_pdf


def test_the_demo_pdf_says_its_language(caplog):
    """Rendered without <html lang>, every `make run` logged WeasyPrint's 'Missing required "lang" attribute' and
    the downloaded file named no language for a screen reader."""
    data = _demo_pdf("Giấy đề nghị đăng ký hộ kinh doanh")
    assert PdfReader(io.BytesIO(data)).trailer["/Root"].get("/Lang") == "vi"
    assert "lang" not in caplog.text
