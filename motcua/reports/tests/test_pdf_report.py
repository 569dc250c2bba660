"""The PDF statistics report (GET /api/v1/stats/export.pdf): same figures as the API and the XLSX export, the
official layout (national header, agency, period, signer block, footnote), the same errors."""

import re
import shutil
import subprocess
from html import unescape

import pytest

from motcua.reports import exports, selectors
from motcua.reports import pdf as report_pdf

URL = "/api/v1/stats/export.pdf"
PARAMS = {"from": "2025-03-01", "to": "2025-03-31", "agency": "000.00.21.H26"}


def pdf_text(data: bytes, params: dict) -> str:
    """The text of the PDF, whitespace squashed: poppler's pdftotext on the bytes; on a machine without
    poppler-utils (`make browser-deps` installs it) WeasyPrint's laid-out text of the report's HTML for the same
    parameters."""
    assert data.startswith(b"%PDF-")
    exe = shutil.which("pdftotext")
    if exe:
        out = subprocess.run(
            [exe, "-raw", "-enc", "UTF-8", "-", "-"], input=data, capture_output=True, check=True
        )
        text = out.stdout.decode("utf-8")
    else:
        from motcua.dossiers.tests.test_pdf import layout_text

        html = report_pdf.report_html(
            date_from=params["from"],
            date_to=params["to"],
            agency=selectors.agency_by_identifier(params.get("agency")),
            field=selectors.field_by_code(params.get("field")),
            procedure=selectors.procedure_by_code(params.get("procedure")),
        )
        text = layout_text(html)
    return " ".join(text.split())


def row_text(label: str, figures: dict) -> str:
    return " ".join([label, *(c["text"] for c in report_pdf._cells(figures))])


def test_pdf_downloads_with_the_api_totals(client, table):
    r = client.get(URL, PARAMS)
    assert r.status_code == 200, r.content[:500]
    assert r["Content-Type"] == "application/pdf"
    assert r["Content-Disposition"] == (
        'inline; filename="bao-cao-tthc_000.00.21.H26_2025-03-01_2025-03-31.pdf"'
    )
    assert r.content.startswith(b"%PDF-") and len(r.content) > 10_000
    text = pdf_text(r.content, PARAMS)
    api = client.get("/api/v1/stats/on-time", PARAMS).json()
    # known answers of the table fixture (see test_api.test_on_time_public_with_every_count)
    assert (api["received"], api["carried_over"], api["resolved"]) == (8, 2, 4)
    assert (api["on_time_rate"], api["index_2_1"]) == (75.0, 50.0)
    # the official frame
    for piece in (
        "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
        "Độc lập - Tự do - Hạnh phúc",
        "SỞ KẾ HOẠCH VÀ ĐẦU TƯ",
        "Kỳ báo cáo: Từ ngày 01/03/2025 đến ngày 31/03/2025",
        "NGƯỜI LẬP BIỂU",
        "THỦ TRƯỞNG CƠ QUAN",
        "Báo cáo được lập tự động từ dữ liệu hồ sơ",
        "lệnh motcua verify-stats",
        "số liệu tính đến hết ngày 31/03/2025",
    ):
        assert piece in text, piece
    # the headline figures are the API's
    assert "Tổng số hồ sơ nhận giải quyết: 10" in text
    assert f"Đã giải quyết {api['resolved']} (trước hạn {api['early']}, đúng hạn {api['on_time']}" in text
    assert "Tỷ lệ giải quyết trước hạn và đúng hạn: 75,00 %" in text
    assert "Chỉ số 2.1 (Quyết định 766/QĐ-TTg): 50,00 %" in text
    # the totals row: every XLSX column, from the API's figures
    total = exports._xlsx_figures({**api, "pending": api["pending_within"] + api["pending_overdue"]})
    expected_total = [total[key] for _g, _l, key in exports.XLSX_COLUMNS]
    assert expected_total == [10, 4, 4, 2, 4, 2, 1, 1, 5, 2, 3, 1, 1, 75.0, 50.0]
    assert "Tổng cộng 10 4 4 2 4 2 1 1 5 2 3 1 1 75,00 50,00" in text
    # a field row equals the API filtered by that field
    hkd = client.get("/api/v1/stats/on-time", {**PARAMS, "field": "ho-kinh-doanh"}).json()
    assert row_text("Thành lập và hoạt động của hộ kinh doanh", hkd) in text


def test_pdf_rows_equal_the_xlsx_rows(client, table):
    """Row by row, the PDF's cells are the XLSX cells (same selector call), formatted the Vietnamese way."""
    from io import BytesIO

    from openpyxl import load_workbook

    ws = load_workbook(BytesIO(client.get("/api/v1/stats/export.xlsx", PARAMS).content)).active
    text = pdf_text(client.get(URL, PARAMS).content, PARAMS)
    keys = [key for _g, _l, key in exports.XLSX_COLUMNS]
    for row in (7, 8, 9):
        label = ws.cell(row, 2).value
        cells = []
        for i, key in enumerate(keys):
            value = ws.cell(row, 3 + i).value
            cells.append(report_pdf.fmt_rate(value) if key in ("on_time_rate", "index_2_1") else str(value))
        assert " ".join([label, *cells]) in text, (label, cells)


def test_pdf_whole_system_and_no_rate(client, table):
    """No agency: 'Toàn hệ thống'; a scope without resolved dossiers shows '—' for the rate, never 0."""
    params = {"from": "2025-03-01", "to": "2025-03-31", "procedure": "1.001002"}
    r = client.get(URL, params)
    assert r.status_code == 200
    text = pdf_text(r.content, params)
    assert "Đơn vị báo cáo: Toàn hệ thống" in text
    assert "Tỷ lệ giải quyết trước hạn và đúng hạn: —;" in text
    assert "Chỉ số 2.1 (Quyết định 766/QĐ-TTg): 66,67 %" in text


@pytest.mark.parametrize(
    "params,status",
    [
        ({"to": "2025-03-31"}, 422),
        ({"from": "2025-03-01"}, 422),
        ({"from": "2025-02-30", "to": "2025-03-31"}, 422),
        ({"from": "2025-04-01", "to": "2025-03-31"}, 422),
        ({"from": "2025-03-01", "to": "2025-03-31", "agency": "000.99.99.H26"}, 404),
        ({"from": "2025-03-01", "to": "2025-03-31", "field": "khong-ton-tai"}, 404),
        ({"from": "2025-03-01", "to": "2025-03-31", "procedure": "9.999999"}, 404),
    ],
)
def test_pdf_bad_input_same_errors_as_xlsx(client, world, params, status):
    pdf = client.get(URL, params)
    xlsx = client.get("/api/v1/stats/export.xlsx", params)
    assert pdf.status_code == xlsx.status_code == status
    assert pdf["Content-Type"] == xlsx["Content-Type"] == "application/json; charset=utf-8"
    assert pdf.json() == xlsx.json()
    assert pdf.json()["message"] and pdf.json()["message_en"]


def _export_links(html: str) -> dict[str, str]:
    links = {}
    for m in re.finditer(r'href="(/api/v1/stats/export\.(xlsx|pdf)\?[^"]*)"', html):
        links[m.group(2)] = unescape(m.group(1))
    return links


@pytest.mark.parametrize(
    "page,who,agency",
    [
        ("/thong-ke/", None, "000.00.21.H26"),
        ("/thong-ke/lanh-dao/", "leader", "000.00.21.H26"),
        ("/thong-ke/giam-sat/", "overseer", "H26"),
    ],
)
def test_dashboards_link_the_pdf_next_to_the_xlsx(client, table, staff, page, who, agency):
    if who:
        client.force_login(staff[who])
    html = client.get(page, {**PARAMS, "agency": agency}).content.decode()
    links = _export_links(html)
    assert set(links) == {"xlsx", "pdf"}, links
    assert links["pdf"] == links["xlsx"].replace("export.xlsx", "export.pdf")
    assert f"agency={agency}" in links["pdf"] and "from=2025-03-01" in links["pdf"]
    client.logout()  # the export is public, like the XLSX
    r = client.get(links["pdf"])
    assert r.status_code == 200 and r["Content-Type"] == "application/pdf"
    text = pdf_text(r.content, {**PARAMS, "agency": agency})
    api = client.get("/api/v1/stats/on-time", {**PARAMS, "agency": agency}).json()
    assert f"Tổng số hồ sơ nhận giải quyết: {api['received'] + api['carried_over']}" in text


def test_summary_sentence_writes_counts_like_the_table(table, monkeypatch):
    """The report's opening sentence writes thousands as the table does ('1.008'), not '1008' beside '1.008'."""
    real = selectors.on_time_stats

    def bigger(**kwargs):
        stats = real(**kwargs)
        for k in ("received", "received_online", "resolved", "early", "pending", "pending_within"):
            stats[k] += 1000
        return stats

    monkeypatch.setattr(selectors, "on_time_stats", bigger)
    html = report_pdf.report_html(
        date_from="2025-03-01", date_to="2025-03-31", agency=selectors.agency_by_identifier("000.00.21.H26")
    )
    text = " ".join(unescape(re.sub(r"<[^>]+>", " ", html)).split())
    assert "tiếp nhận trong kỳ 1.008, trong đó trực tuyến 1.004;" in text
    assert "Đã giải quyết 1.004 (trước hạn 1.002, đúng hạn 1, quá hạn 1)" in text
    assert "đang giải quyết 1.005 (trong hạn 1.002, quá hạn 3)" in text


def test_report_files_are_named_by_their_scope(client, table):
    """Two fields' reports of one period had the same file name (the second saved as '… (1).xlsx')."""
    for url, stem in (
        ("/api/v1/stats/export.xlsx", "thong-ke-tthc"),
        ("/api/v1/stats/export.pdf", "bao-cao-tthc"),
    ):
        r = client.get(url, {**PARAMS, "field": "ho-kinh-doanh"})
        assert r.status_code == 200
        ext = url.rsplit(".", 1)[1]
        assert (
            f'filename="{stem}_000.00.21.H26_ho-kinh-doanh_2025-03-01_2025-03-31.{ext}"'
            in r["Content-Disposition"]
        )
        r = client.get(url, {"from": PARAMS["from"], "to": PARAMS["to"]})
        assert f'filename="{stem}_tat-ca_2025-03-01_2025-03-31.{ext}"' in r["Content-Disposition"]
