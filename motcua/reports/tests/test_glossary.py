"""Every published figure says what it counts (reports.glossary), the same words on the dashboards, under the Excel
table and in the PDF report. Only the two rates' formulas were shown: nothing said that "đúng hạn" is the appointment's
day (not "within the limit"), what "carried over" counts, or what Decision 766's index 2.1 is."""

from io import BytesIO

from openpyxl import load_workbook

from motcua.reports import glossary
from motcua.reports.tests.test_pdf_report import PARAMS, pdf_text

ON_TIME = "giải quyết xong trong ngày hẹn trả, không muộn hơn giờ hẹn (muộn hơn giờ hẹn là quá hạn)."
INDEX = "tỷ lệ hồ sơ đã và đang xử lý đúng hạn, trong hạn"


def test_public_page_explains_each_figure(client, table):
    html = client.get("/thong-ke/", PARAMS).content.decode()
    assert "Cách tính các số liệu" in html
    for term, definition in glossary.vietnamese_terms():
        assert f"<dt>{term}</dt><dd>{definition}</dd>" in html
    assert ON_TIME in html and INDEX in html
    assert "thư xin lỗi hẹn lại ngày trả không làm thay đổi hạn này" in html


def test_dashboards_explain_each_figure(client, table, django_user_model):
    from motcua.org.models import Agency, Role, StaffRole

    user = django_user_model.objects.create_user("hdnd.glossary", password="x-Glossary-2026")
    StaffRole.objects.create(
        user=user, agency=Agency.objects.get(identifier="000.00.21.H26"), role=Role.OVERSEER
    )
    client.force_login(user)
    html = client.get("/thong-ke/giam-sat/", PARAMS).content.decode()
    assert "Cách tính các số liệu" in html and ON_TIME in html


def test_xlsx_states_what_each_figure_counts_under_the_table(client, table):
    ws = load_workbook(BytesIO(client.get("/api/v1/stats/export.xlsx", PARAMS).content)).active
    assert ws.cell(9, 2).value == "Tổng cộng"  # the table's cells stay where they were
    texts = [ws.cell(r, 1).value for r in range(10, ws.max_row + 1)]
    assert "Cách tính các số liệu" in texts
    assert f"Đúng hạn: {ON_TIME}" in texts
    assert any(t and t.startswith("Chỉ số 2.1 (Quyết định 766/QĐ-TTg): " + INDEX) for t in texts)


def test_pdf_states_what_each_figure_counts(client, table):
    text = pdf_text(client.get("/api/v1/stats/export.pdf", PARAMS).content, PARAMS)
    assert "Cách tính:" in text
    assert f"Đúng hạn: {ON_TIME}" in text
    assert "Trước hạn: giải quyết xong vào một ngày trước ngày hẹn trả." in text
    assert INDEX in text
