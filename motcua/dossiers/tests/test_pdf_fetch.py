"""The PDF renderer fetches nothing but `data:` URLs: a file of the server or an address on the network slipped
into a form's HTML (an image, a style sheet) is never read (pdf.url_fetcher; ADR 0019 addendum)."""

import base64
import http.server
import io
import threading

import pypdf
from PIL import Image

from motcua.dossiers import pdf


def _png(color: str = "red") -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (40, 40), color).save(out, "PNG")
    return out.getvalue()


def _images_and_text(data: bytes) -> tuple[int, str]:
    page = pypdf.PdfReader(io.BytesIO(data)).pages[0]
    return len(page.images), page.extract_text()


def _page(head: str = "", body: str = "") -> str:
    return f"<html lang='vi'><head>{head}</head><body><p>Giấy tiếp nhận</p>{body}</body></html>"


def test_a_local_file_is_never_read(tmp_path):
    image = tmp_path / "secret.png"
    image.write_bytes(_png())
    sheet = tmp_path / "secret.css"
    sheet.write_text('body::after { content: "BI-MAT-MAY-CHU"; }')
    html = _page(f'<link rel="stylesheet" href="{sheet.as_uri()}">', f'<img src="{image.as_uri()}" alt="x">')
    images, text = _images_and_text(pdf.html_to_pdf(html))
    assert images == 0
    assert "BI-MAT-MAY-CHU" not in text
    assert "Giấy tiếp nhận" in text


def test_the_network_is_never_contacted():
    hits: list[str] = []

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802 - the standard library's name
            hits.append(self.path)
            body = _png()
            self.send_response(200)
            self.send_header("Content-Type", "image/png")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    server = http.server.HTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        url = f"http://127.0.0.1:{server.server_port}/latest/meta-data/"
        images, _ = _images_and_text(pdf.html_to_pdf(_page(body=f'<img src="{url}" alt="x">')))
    finally:
        server.shutdown()
        server.server_close()
    assert hits == []
    assert images == 0


def test_data_urls_still_render():
    """The forms' QR codes are data: URLs."""
    uri = "data:image/png;base64," + base64.b64encode(_png("blue")).decode()
    images, _ = _images_and_text(pdf.html_to_pdf(_page(body=f'<img src="{uri}" alt="QR">')))
    assert images == 1
