"""Server-rendered statistics pages: figures shown, access rules, the drill-down list."""

import re
from decimal import Decimal

import pytest

from .conftest import at, make_dossier

MARCH = {"from": "2025-03-01", "to": "2025-03-31"}


def figure(html: str, name: str) -> str:
    m = re.search(rf'data-figure="{name}"[^>]*>([^<]*)<', html)
    assert m, name
    return m.group(1).strip()


def test_public_page_shows_contract_figures(client, table):
    r = client.get("/thong-ke/", {**MARCH, "agency": "000.00.21.H26"})
    assert r.status_code == 200
    html = r.content.decode()
    assert figure(html, "received") == "8"
    assert figure(html, "resolved") == "4"
    assert figure(html, "late") == "1"
    assert figure(html, "on_time_rate") == "75,00 %"
    assert figure(html, "index_2_1") == "50,00 %"
    # the caption says what the contract counts: early ones too, not only "đúng hạn, trong hạn"
    assert "(trước hạn + đúng hạn + đang trong hạn) / (tiếp nhận + chuyển sang)" in html
    assert "Thành lập và hoạt động của hộ kinh doanh" in html  # by-field table
    # Chart.js from the site's own static files; every script's source is the site's (the page carries a random
    # CSP nonce, so a bare "cdn" substring test could fail on the nonce's letters).
    sources = re.findall(r'<script\b[^>]*\bsrc="([^"]+)"', html)
    assert "/static/reports/chart.umd.min.js" in sources
    assert all(src.startswith("/static/") for src in sources), sources
    assert "Nguyễn" not in html  # public: no personal data


def date_field(html: str, name: str) -> tuple[str, str | None]:
    """(the value a period field shows, the error message under it or None)."""
    m = re.search(rf'<input [^>]*name="{name}" value="([^"]*)"[^>]*>', html)
    assert m, name
    error = re.search(r'aria-describedby="([^"]+)"', m.group(0))
    if not error:
        return m.group(1), None
    message = re.search(rf'id="{error.group(1)}">([^<]*)<', html)
    assert message, error.group(1)
    return m.group(1), message.group(1)


def test_public_page_wrong_period_keeps_what_was_typed(client, table):
    """A wrong period used to reset the form to the default period (year to date) and show that period's figures
    under a generic notice: the user read this year's figures as those of the dates they typed. The fields keep
    what was typed, each error is under its field, and no figure is shown until the period is right."""
    r = client.get("/thong-ke/", {"from": "2025-13-01", "to": "31/02/2025", "agency": "000.00.21.H26"})
    assert r.status_code == 400  # the page with the dates as typed and their errors; a wrong input's status
    html = r.content.decode()
    assert date_field(html, "from") == (
        "2025-13-01",
        "Ngày không hợp lệ: “2025-13-01” — nhập ngày theo dạng dd/mm/yyyy.",
    )
    assert date_field(html, "to") == (
        "31/02/2025",
        "Ngày không hợp lệ: “31/02/2025” — nhập ngày theo dạng dd/mm/yyyy.",
    )
    assert 'aria-invalid="true"' in html
    assert '<option value="000.00.21.H26" selected>' in html  # the other filters kept too
    assert "data-figure" not in html and "Kỳ thống kê từ" not in html and "export.xlsx" not in html
    assert "chưa hiển thị số liệu" in html

    html = client.get("/thong-ke/", {"from": "2025-04-01", "to": "2025-03-01"}).content.decode()
    assert date_field(html, "from") == ("01/04/2025", None)
    assert date_field(html, "to") == (
        "01/03/2025",
        "Ngày kết thúc (01/03/2025) trước ngày bắt đầu (01/04/2025).",
    )
    assert "data-figure" not in html
    html = client.get("/thong-ke/", {"from": "01/01/1800", "to": "2025-03-01"}).content.decode()
    assert date_field(html, "from") == (
        "01/01/1800",
        "Ngày ngoài khoảng cho phép (từ năm 1900 đến năm 2999).",
    )
    assert "data-figure" not in html

    # a right period (either form) shows its figures, the fields in dd/mm/yyyy; an empty field takes its default
    html = client.get("/thong-ke/", {**MARCH, "agency": "000.00.21.H26"}).content.decode()
    assert date_field(html, "from") == ("01/03/2025", None) and figure(html, "received") == "8"
    html = client.get("/thong-ke/", {"from": "01/03/2025", "to": ""}).content.decode()
    assert date_field(html, "from") == ("01/03/2025", None) and "data-figure" in html


def test_dashboards_wrong_period_keep_what_was_typed(client, table, staff):
    """The leader's and the overseer's pages: the same — no figures of another period under the dates typed.
    The leader's lists of overdue and due-soon dossiers are of now, not of the period: they stay."""
    client.force_login(staff["leader"])
    html = client.get("/thong-ke/lanh-dao/", {"from": "2025-02-30", "to": "2025-03-31"}).content.decode()
    assert date_field(html, "from")[0] == "2025-02-30" and date_field(html, "from")[1]
    assert date_field(html, "to") == ("31/03/2025", None)
    assert 'id="index766"' not in html and 'data-figure="received"' not in html
    assert 'data-figure="overdue_now"' in html
    # longer than the monthly trend can show: said under the field, not replaced by the last twelve months
    html = client.get("/thong-ke/lanh-dao/", {"from": "2000-01-01", "to": "2025-03-31"}).content.decode()
    value, error = date_field(html, "from")
    assert value == "01/01/2000" and "tối đa 240 tháng" in error
    assert 'data-figure="received"' not in html
    client.force_login(staff["overseer"])
    html = client.get("/thong-ke/giam-sat/", {"from": "2025-03-01", "to": "abc"}).content.decode()
    assert date_field(html, "to") == ("abc", "Ngày không hợp lệ: “abc” — nhập ngày theo dạng dd/mm/yyyy.")
    assert 'id="ranking"' not in html and "data-figure" not in html


def test_leader_dashboard_requires_login(client, table):
    r = client.get("/thong-ke/lanh-dao/")
    assert r.status_code == 302 and "/accounts/login/" in r["Location"]


def test_leader_dashboard(client, table, staff):
    client.force_login(staff["leader"])
    r = client.get("/thong-ke/lanh-dao/", {"from": "2025-02-01", "to": "2025-03-31"})
    assert r.status_code == 200
    html = r.content.decode()
    assert "Sở Kế hoạch và Đầu tư" in html
    assert "Tháng 02/2025" in html and "Tháng 03/2025" in html
    assert 'id="f-field"' not in html  # the leader view has no field filter
    # the period fields show dd/mm/yyyy whatever the browser's language, and that form is read back
    assert re.search(r'id="f-from" name="from" value="01/02/2025"', html)
    assert re.search(r'id="f-to" name="to" value="31/03/2025"', html)
    again = client.get("/thong-ke/lanh-dao/", {"from": "01/02/2025", "to": "31/03/2025"}).content.decode()
    assert figure(again, "received") == "12"
    assert figure(html, "received") == "12"  # 4 in February + 8 in March
    # each count of the month and field tables too (the month's own period; the field's dossiers)
    assert re.search(
        r'<td><a href="/thong-ke/ho-so/\?from=2025-03-01&amp;to=2025-03-31&amp;kind=received[^"]*">8</a>',
        html,
    )
    assert 'kind=resolved&amp;agency=000.00.21.H26&amp;field=ho-kinh-doanh"' in html
    # each count of the cards leads to the dossiers behind it
    for kind in ("received", "carried_over", "resolved", "early", "on_time", "late", "stopped", "refused"):
        assert re.search(
            rf'<a href="/thong-ke/ho-so/\?[^"]*kind={kind}&amp;agency=000.00.21.H26" data-figure="{kind}">',
            html,
        ), kind
    # D09 and D12 are open and overdue today: listed with links to the staff dossier pages
    assert 'href="/staff/dossiers/000.00.21.H26-TEST-D09/"' in html
    assert 'href="/staff/dossiers/000.00.21.H26-TEST-D12/"' in html
    # Decision 766 block: satisfaction has no data yet, shown as such (never 0)
    row = re.search(r'<tr data-indicator="5.4">(.*?)</tr>', html, re.S).group(1)
    assert "không có dữ liệu" in row
    # the leader reads only the department: the province is refused
    r = client.get("/thong-ke/lanh-dao/", {**MARCH, "agency": "H26"})
    html = r.content.decode()
    assert r.status_code == 200 and "trong phạm vi xem" in html
    assert "<h1>Bảng điều hành — Sở Kế hoạch và Đầu tư</h1>" in html


def test_citizen_has_no_dashboards(client, table, staff):
    client.force_login(staff["citizen"])
    assert client.get("/thong-ke/lanh-dao/").status_code == 403
    assert client.get("/thong-ke/giam-sat/").status_code == 403
    assert client.get("/thong-ke/ho-so/", {**MARCH, "classification": "late"}).status_code == 403


def test_leader_is_not_an_overseer(client, table, staff):
    client.force_login(staff["leader"])
    assert client.get("/thong-ke/giam-sat/").status_code == 403


def test_overseer_ranking_and_drill_down(client, table, staff):
    client.force_login(staff["overseer"])
    r = client.get("/thong-ke/giam-sat/", MARCH)
    assert r.status_code == 200
    html = r.content.decode()
    order = re.findall(r'<tr data-agency="([^"]+)">', html)
    assert order[:2] == ["000.01.33.H26", "000.00.21.H26"]  # 100 % then 75 %
    assert "/thong-ke/lanh-dao/?from=2025-03-01&amp;to=2025-03-31&amp;agency=000.00.21.H26" in html
    late = re.search(r'<tr data-agency="000.00.21.H26">.*?class="late-link" href="([^"]+)"', html, re.S)
    assert late
    url = late.group(1).replace("&amp;", "&")
    listing = client.get(url)
    assert listing.status_code == 200
    text = listing.content.decode()
    assert "000.00.21.H26-TEST-D03" in text
    assert "TEST-D01" not in text and "TEST-D02" not in text
    # the overseer may open the leader-style view of any agency of the province
    assert client.get("/thong-ke/lanh-dao/", {**MARCH, "agency": "000.01.33.H26"}).status_code == 200


@pytest.mark.parametrize(
    "params,status",
    [
        ({**MARCH, "agency": "000.00.21.H26", "classification": "soon"}, 400),
        ({**MARCH, "agency": "000.00.21.H26", "kind": "everything"}, 400),
        ({**MARCH, "agency": "000.01.33.H26", "kind": "received"}, 403),  # outside the leader's agency
    ],
)
def test_dossier_list_rejects_bad_input(client, table, staff, params, status):
    client.force_login(staff["leader"])
    assert client.get("/thong-ke/ho-so/", params).status_code == status


def test_dossier_list_pending_overdue(client, table, staff):
    client.force_login(staff["leader"])
    r = client.get("/thong-ke/ho-so/", {**MARCH, "agency": "000.00.21.H26", "kind": "pending_overdue"})
    html = r.content.decode()
    # at the end of March (the period is over): D05, D09, D12
    assert sorted(re.findall(r"TEST-(D\d\d)/", html)) == ["D05", "D09", "D12"]
    assert "3 hồ sơ" in html


def test_lists_name_only_dossiers_of_agencies_the_reader_reads(client, table, staff, world):
    """An officer, specialist or unit head of the district reads the district's dossiers, not its wards' (ADR
    0003): the district's figures count the wards (public statistics), but the list behind a figure and the
    dashboard's overdue lists name a ward's dossier only to a leader, overseer or administrator above it."""
    from django.contrib.auth import get_user_model

    from motcua.org.models import Role, StaffRole

    officer = get_user_model().objects.create_user("quan.cv.test", password="x")
    StaffRole.objects.create(user=officer, agency=world["quan"], role=Role.SPECIALIST)
    leader = get_user_model().objects.create_user("quan.ld.test", password="x")
    StaffRole.objects.create(user=leader, agency=world["quan"], role=Role.LEADER)
    district = {**MARCH, "agency": "000.00.33.H26", "kind": "received"}
    client.force_login(officer)
    html = client.get("/thong-ke/ho-so/", district).content.decode()
    assert "000.01.33.H26-TEST-D13" not in html and "và các cơ quan cấp dưới" not in html
    assert client.get("/staff/dossiers/000.01.33.H26-TEST-D13/").status_code == 404  # as its page says
    make_dossier(
        "000.01.33.H26-TEST-D14",
        agency=world["phuong"],
        procedure=world["procs"]["1.001612"],
        received=at(2025, 3, 5, 10),
        limit_hours=Decimal(40),
        due=at(2025, 3, 12, 10),
    )
    dashboard = client.get("/thong-ke/lanh-dao/", {**MARCH, "agency": "000.00.33.H26"}).content.decode()
    assert "000.01.33.H26-TEST-D14" not in dashboard
    from motcua.feedback.models import Rating

    Rating.objects.create(
        dossier=table["D13"], overall=1, comment="Cán bộ phường hẹn lại ba lần", created_at=at(2025, 3, 7, 9)
    )
    ratings = client.get("/thong-ke/danh-gia/", {**MARCH, "agency": "000.00.33.H26"}).content.decode()
    assert "hẹn lại ba lần" not in ratings and "000.01.33.H26-TEST-D13" not in ratings
    client.force_login(leader)
    ratings = client.get("/thong-ke/danh-gia/", {**MARCH, "agency": "000.00.33.H26"}).content.decode()
    assert "hẹn lại ba lần" in ratings
    html = client.get("/thong-ke/ho-so/", district).content.decode()
    assert "000.01.33.H26-TEST-D13" in html and "và các cơ quan cấp dưới" in html
    dashboard = client.get("/thong-ke/lanh-dao/", {**MARCH, "agency": "000.00.33.H26"}).content.decode()
    assert "000.01.33.H26-TEST-D14" in dashboard


def test_leader_dashboard_in_english(client, table, staff):
    """Python-side titles follow the interface language: Decision 766 indicators, months, drill-down titles."""
    from django.conf import settings

    client.force_login(staff["leader"])
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    html = client.get("/thong-ke/lanh-dao/", MARCH).content.decode()
    assert "2.1. Share of dossiers resolved or in progress on time" in html
    assert "Tỷ lệ hồ sơ đã và đang xử lý đúng hạn" not in html
    assert "no data" in html and "không có dữ liệu" not in html
    assert ">03/2025<" in html and "Tháng 03/2025" not in html
    html = client.get("/thong-ke/ho-so/", {**MARCH, "kind": "late"}).content.decode()
    assert "Resolved late" in html and "Giải quyết quá hạn" not in html
    # the API keeps the Vietnamese
    api = client.get("/api/v1/stats/index766", {**MARCH, "agency": "000.00.21.H26"}).json()
    names = {i["code"]: i["name"] for i in api["rows"][0]["indicators"]}
    assert names["2.1"] == "Tỷ lệ hồ sơ đã và đang xử lý đúng hạn, trong hạn"


@pytest.mark.parametrize("path", ["/thong-ke/ho-so/", "/thong-ke/danh-gia/"])
def test_lists_name_an_unknown_agency(client, table, staff, path):
    """A mistyped agency code behind a figure is a 404 that says so, not the generic 'may not see' 403; an
    agency that exists outside the user's scope stays a 403."""
    client.force_login(staff["overseer"])
    r = client.get(path, {**MARCH, "agency": "000.99.33.H26"})
    assert r.status_code == 404
    assert "Không có cơ quan mã &#x27;000.99.33.H26&#x27;." in r.content.decode()
    client.force_login(staff["leader"])
    assert client.get(path, {**MARCH, "agency": "000.01.33.H26"}).status_code == 403


def test_page_notices_follow_the_language(client, table, staff):
    """Bad input on the statistics pages is explained in the page's language (the API's message_en)."""
    from django.conf import settings

    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    html = client.get(
        "/thong-ke/", {"from": "2025-04-01", "to": "2025-03-01", "field": "nope"}
    ).content.decode()
    # dates day first in English too (README): the page is read by people, not parsed
    assert date_field(html, "from") == ("01/04/2025", None) and date_field(html, "to")[0] == "01/03/2025"
    assert "No field &#x27;nope&#x27; — showing every field." in html
    assert "Không có lĩnh vực" not in html
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "vi"
    html = client.get("/thong-ke/", {"field": "nope"}).content.decode()
    assert "Không có lĩnh vực mã &#x27;nope&#x27; — hiển thị mọi lĩnh vực." in html
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    client.force_login(staff["overseer"])
    html = client.get("/thong-ke/ho-so/", {"from": "31/02/2025"}).content.decode()
    assert date_field(html, "from")[1] == "Not a valid date: “31/02/2025” — enter the date as dd/mm/yyyy."
    assert "The period is not valid: no figures are shown." in html
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "vi"
    html = client.get("/thong-ke/ho-so/", {"from": "31/02/2025"}).content.decode()
    assert date_field(html, "from")[1] == "Ngày không hợp lệ: “31/02/2025” — nhập ngày theo dạng dd/mm/yyyy."


@pytest.mark.parametrize(
    "path, extra, table_id",
    [
        ("/thong-ke/ho-so/", {"kind": "late", "own": "1"}, "dossier-list"),
        ("/thong-ke/danh-gia/", {"level": "1"}, "rating-list"),
    ],
)
def test_lists_behind_a_figure_wrong_period_keep_what_was_typed(client, table, staff, path, extra, table_id):
    """The lists an overseer reaches from a figure: a wrong period fell back to the default period (year to date,
    last twelve months) and listed its dossiers or ratings under the API's notice ("Tham số 'from' …"), so they
    were read as the period typed. As on the statistics pages now: the dates as typed, what is wrong under the
    field, one alert, no list and no figure; the link's other parameters kept for the corrected period."""
    client.force_login(staff["overseer"])
    query = {"agency": "000.00.21.H26", **extra}
    html = client.get(path, {**query, "from": "31/02/2025", "to": "2025-03-31"}).content.decode()
    assert date_field(html, "from") == (
        "31/02/2025",
        "Ngày không hợp lệ: “31/02/2025” — nhập ngày theo dạng dd/mm/yyyy.",
    )
    assert date_field(html, "to") == ("31/03/2025", None)
    assert 'role="alert">Kỳ thống kê chưa hợp lệ: chưa hiển thị số liệu.' in html
    assert f'id="{table_id}"' not in html and "data-figure" not in html and "kỳ từ" not in html
    assert "Tham số" not in html and "TEST-D" not in html
    for name, value in query.items():
        assert f'<input type="hidden" name="{name}" value="{value}">' in html
    html = client.get(path, {**query, "from": "2025-04-01", "to": "2025-03-01"}).content.decode()
    assert date_field(html, "to") == (
        "01/03/2025",
        "Ngày kết thúc (01/03/2025) trước ngày bắt đầu (01/04/2025).",
    )
    assert f'id="{table_id}"' not in html
    # a right period lists as before, the period said once
    html = client.get(path, {**query, **MARCH}).content.decode()
    assert f'id="{table_id}"' in html and "kỳ từ 01/03/2025 đến 31/03/2025" in html
    assert 'role="alert"' not in html and 'aria-invalid="true"' not in html


def test_overseer_ranking_ties_and_total_row(client, table, staff, world):
    """Equal on-time rates share a rank; the table ends with the scope's total (its sub-agencies included),
    which is the sum of the rows and the figures above the table."""
    from .conftest import at, make_dossier

    make_dossier(  # the district itself: one early dossier in March, 100 % like its ward
        "000.00.33.H26-TEST-Q1",
        agency=world["quan"],
        procedure=world["procs"]["1.001612"],
        received=at(2025, 3, 4, 9),
        due=at(2025, 3, 11, 9),
        resolved=at(2025, 3, 6, 9),
        classification="early",
    )
    client.force_login(staff["overseer"])
    html = client.get("/thong-ke/giam-sat/", MARCH).content.decode()
    ranks = dict(re.findall(r'<tr data-agency="([^"]+)"><td>([^<]*)</td>', html))
    assert ranks["000.00.33.H26"] == ranks["000.01.33.H26"] == "1"
    assert ranks["000.00.21.H26"] == "3"  # 75 %: two agencies rank above it
    assert ranks["H26"] == "—"  # nothing resolved: no rate, no rank
    total = re.search(r'<tr id="ranking-total">(.*?)</tr>', html, re.S).group(1)
    cells = [re.sub(r"<[^>]+>", "", c) for c in re.findall(r"<td>(.*?)</td>", total, re.S)]
    assert cells[1:4] == ["10", "2", "6"]  # received 8 + 1 + 1, carried over, resolved 4 + 1 + 1
    assert figure(html, "received") == "10" and figure(html, "resolved") == "6"
    # every count leads to its dossiers: the totals' (the sub-agencies' included), each row's (the agency's own)
    received = '<a href="/thong-ke/ho-so/?from=2025-03-01&amp;to=2025-03-31&amp;kind=received&amp;agency=H26"'
    assert f'{received} data-figure="received">10</a>' in html and f"<td>{received}>10</a></td>" in total
    so = re.search(r'<tr data-agency="000.00.21.H26">(.*?)</tr>', html, re.S).group(1)
    assert "kind=carried_over&amp;own=1" in so and "kind=pending_within&amp;own=1" in so
    assert "gồm các cơ quan cấp dưới" in total
    # an agency nobody rated: its satisfaction rate is "—" as every rate without data (the cell was empty)
    province = re.search(r'<tr data-agency="H26">(.*?)</tr>', html, re.S).group(1)
    assert [c.strip() for c in re.findall(r"<td>(.*?)</td>", province, re.S)[-2:]] == [
        "0",
        '<span class="muted" title="Chưa có hồ sơ để tính">—</span>',
    ]


def test_public_page_says_a_scope_includes_its_sub_agencies(client, table):
    html = client.get("/thong-ke/", {**MARCH, "agency": "000.00.33.H26"}).content.decode()
    assert "UBND Quận Hai Bà Trưng (gồm các cơ quan cấp dưới)" in html
    assert figure(html, "received") == "1"  # the ward's D13
    html = client.get("/thong-ke/", {**MARCH, "agency": "000.01.33.H26"}).content.decode()
    assert "(gồm các cơ quan cấp dưới)" not in html  # a ward has none


def test_leader_overdue_list_counts_all_and_says_when(client, table, staff, monkeypatch):
    """The dashboard's list of overdue dossiers shows its first rows, but its heading counts them all (it used to
    count the rows shown, capped at 50), says it is as of now, not the period's end, and links to the whole
    list."""
    from motcua.reports import views

    monkeypatch.setattr(views, "OPEN_LIST_LIMIT", 1)
    client.force_login(staff["leader"])
    html = client.get("/thong-ke/lanh-dao/", MARCH).content.decode()
    assert figure(html, "overdue_now") == "4"  # D09, D10, D12, D15 are open and overdue today
    section = html.split('id="qua-han"')[1].split('id="sap-den-han"')[0]
    assert len(re.findall(r'href="/staff/dossiers/', section)) == 1
    assert (
        "Tại thời điểm hiện tại" in section and "Hiển thị 1 hồ sơ quá hạn lâu nhất trong 4 hồ sơ." in section
    )
    url = re.search(r'<a href="([^"]+)">Xem tất cả</a>', section).group(1).replace("&amp;", "&")
    listing = client.get(url).content.decode()
    assert sorted(re.findall(r"TEST-(D\d\d)/", listing)) == ["D09", "D10", "D12", "D15"]


def test_pages_say_when_the_figures_are_counted(client, table, staff):
    """The pending figures are counted at the period's end, or now if sooner: the pages give that instant, and
    a period that has not started says its figures are today's pending dossiers (contract §5, E = min(X, now))."""
    html = client.get("/thong-ke/", MARCH).content.decode()
    assert "Số liệu tính đến hết ngày 31/03/2025." in html
    assert "chưa bắt đầu" not in html
    client.force_login(staff["overseer"])
    future = {"from": "01/01/2999", "to": "31/01/2999"}
    for path in ("/thong-ke/", "/thong-ke/giam-sat/", "/thong-ke/lanh-dao/"):
        html = client.get(path, future).content.decode()
        assert "Kỳ thống kê chưa bắt đầu" in html, path
        assert figure(html, "received") == "0"
    # today's pending dossiers of the province: D09, D10, D12, D15 (all overdue)
    assert figure(html, "carried_over") == "4" and figure(html, "pending") == "4"


def test_by_field_tables_end_with_the_total(client, table, staff):
    """The by-field tables end with the scope's total, which is the sum of their rows and the figures above."""
    pages = [client.get("/thong-ke/", MARCH).content.decode()]
    client.force_login(staff["leader"])
    pages.append(client.get("/thong-ke/lanh-dao/", MARCH).content.decode())
    for html in pages:
        body = html.split('<tr class="rows-total">')[0].split("<tbody>")[-1]  # the by-field table's rows
        count = r"<td>(?:<a [^>]+>)?(\d+)(?:</a>)?</td>"  # the leader's counts link to their dossiers
        rows = [re.findall(count, tr) for tr in re.findall(r"<tr>(.*?)</tr>", body, re.S)]
        assert len(rows) == 2
        total = re.findall(count, re.search(r'<tr class="rows-total">(.*?)</tr>', html, re.S).group(1))
        assert total == [str(sum(int(r[i]) for r in rows)) for i in range(8)]
        assert total[0] == figure(html, "received") and total[2] == figure(html, "resolved")


def test_leader_dashboard_refuses_a_period_too_long_to_show_by_month(client, table, staff):
    """The dashboard's trend is month by month (at most 240 months): a longer period (here 27 years) is explained
    under the field, which keeps the dates typed, and no figures are shown — it used to be a server error."""
    client.force_login(staff["leader"])
    r = client.get("/thong-ke/lanh-dao/", {"from": "01/01/2000", "to": "31/12/2026"})
    assert r.status_code == 400
    html = r.content.decode()
    assert date_field(html, "from") == (
        "01/01/2000",
        "Kỳ thống kê quá dài để xem diễn biến theo tháng (tối đa 240 tháng).",
    )
    assert 'data-figure="received"' not in html
    # 240 months exactly is still shown month by month
    r = client.get("/thong-ke/lanh-dao/", {"from": "01/01/2006", "to": "31/12/2025"})
    assert r.status_code == 200 and "quá dài" not in r.content.decode()
    assert "Tháng 12/2025" in r.content.decode()
    # the widest period the statistics accept
    r = client.get("/thong-ke/lanh-dao/", {"from": "1900-01-01", "to": "2999-12-31"})
    assert r.status_code == 400 and "quá dài" in r.content.decode()


def test_public_page_lists_fields_in_vietnamese_order(client, world):
    """The field filter lists the fields as a Vietnamese reader looks for them (and as the by-field table sorts
    its rows): 'Điện lực' among the D's, 'Thành …' before 'Thiết …' — code-point order put every 'Đ…' after
    'X…' and 'Thiết' before 'Thành'."""
    from motcua.catalog.models import Field

    for code, name in (("dien-luc", "Điện lực"), ("du-lich", "Du lịch"), ("xnk", "Xuất nhập khẩu")):
        Field.objects.create(code=code, name=name)
    Field.objects.create(code="thiet-bi-y-te", name="Thiết bị y tế")
    html = client.get("/thong-ke/").content.decode()
    select = html.split('id="f-field"')[1].split("</select>")[0]
    names = re.findall(r"<option value=\"[^\"]+\"[^>]*>([^<]+)</option>", select)
    assert names == [
        "Du lịch",
        "Điện lực",
        "Thành lập và hoạt động của hộ kinh doanh",
        "Thành lập và phát triển doanh nghiệp",
        "Thiết bị y tế",
        "Xuất nhập khẩu",
    ]


def test_pages_say_sub_agencies_only_when_there_are_some(client, table, staff):
    """The leader's dashboard, the lists behind its figures and the PDF report say "including sub-agencies" for
    a district (it has a ward) but not for a ward, which has none — they said it for every agency."""
    from motcua.org.models import Agency
    from motcua.reports import pdf

    client.force_login(staff["overseer"])
    for identifier, has in (("000.00.33.H26", True), ("000.01.33.H26", False)):
        q = {**MARCH, "agency": identifier}
        leader = client.get("/thong-ke/lanh-dao/", q).content.decode()
        listing = client.get("/thong-ke/ho-so/", {**q, "kind": "received"}).content.decode()
        ratings = client.get("/thong-ke/danh-gia/", q).content.decode()
        assert ("(gồm các cơ quan cấp dưới)" in leader) is has, identifier
        assert ("và các cơ quan cấp dưới" in listing) is has, identifier
        assert ("và các cơ quan cấp dưới" in ratings) is has, identifier
        line = pdf.report_context(
            date_from="2025-03-01", date_to="2025-03-31", agency=Agency.objects.get(identifier=identifier)
        )["agency_line"]
        assert line.endswith(", gồm các cơ quan cấp dưới") is has, line


def test_counts_are_written_with_the_languages_thousands_separator(client, world, staff):
    """Counts of a thousand and more were written 1234 on the statistics pages while the PDF report of the same
    figures wrote 1.234: a Vietnamese page writes 1.234 (rates 97,21 %), an English one 1,234."""
    from django.conf import settings

    from motcua.dossiers.models import Dossier

    from .conftest import at

    Dossier.objects.bulk_create(
        Dossier(
            code=f"000.00.21.H26-TEST-N{i:04}",
            agency=world["so"],
            procedure=world["procs"]["1.001612"],
            channel="counter",
            state="processing",
            applicant_name="Nguyễn Văn An",
            applicant_name_ascii="nguyen van an",
            submitted_at=at(2025, 3, 3, 9),
            received_at=at(2025, 3, 3, 9),
            counting_starts_at=at(2025, 3, 3, 9),
        )
        for i in range(1234)
    )
    html = client.get("/thong-ke/", MARCH).content.decode()
    assert figure(html, "received") == "1.234" and figure(html, "pending") == "1.234"
    assert "Trực tiếp 1.234" in html
    row = re.search(r"<th scope=\"row\">Thành lập và hoạt động của hộ kinh doanh</th>(.*?)</tr>", html, re.S)
    assert re.findall(r"<td>([^<]*)</td>", row.group(1))[0] == "1.234"  # the by-field table
    client.force_login(staff["overseer"])
    html = client.get("/thong-ke/giam-sat/", MARCH).content.decode()
    assert figure(html, "received") == "1.234"
    assert re.search(r'<tr data-agency="000.00.21.H26">.*?<td><a [^>]+>1.234</a></td>', html, re.S)
    html = client.get("/thong-ke/ho-so/", {**MARCH, "agency": "H26", "kind": "received"}).content.decode()
    assert "Tiếp nhận trong kỳ: 1.234 hồ sơ" in html
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    html = client.get("/thong-ke/", MARCH).content.decode()
    assert figure(html, "received") == "1,234"


def test_pages_take_a_datetime_beyond_the_calendar_as_out_of_range(client, table, staff):
    """`from=9999-12-31T23:00:00-05:00` (local date in year 10000) was an HTTP 500 on every statistics page."""
    client.force_login(staff["overseer"])
    for path in ("/thong-ke/", "/thong-ke/giam-sat/", "/thong-ke/ho-so/", "/thong-ke/danh-gia/"):
        r = client.get(path, {"from": "9999-12-31T23:00:00-05:00", "to": "2025-03-31"})
        assert r.status_code == 400, path
        value, error = date_field(r.content.decode(), "from")
        assert value == "9999-12-31T23:00:00-05:00"
        assert error == "Ngày ngoài khoảng cho phép (từ năm 1900 đến năm 2999).", path


def test_the_leader_and_the_overseer_open_on_the_same_period_the_current_quarter(client, table, staff):
    """The leader's dashboard opened on the last twelve months and the overseer's on the year to date: one agency's
    figures differed between the two by the period alone. Both open on the current quarter to date, in dd/mm/yyyy."""
    from django.utils import timezone

    today = timezone.localdate()
    start = today.replace(month=3 * ((today.month - 1) // 3) + 1, day=1)
    shown = f"Kỳ thống kê từ {start:%d/%m/%Y} đến {today:%d/%m/%Y}"
    for who, url in (("leader", "/thong-ke/lanh-dao/"), ("overseer", "/thong-ke/giam-sat/")):
        client.force_login(staff[who])
        r = client.get(url)
        html = r.content.decode()
        assert r.status_code == 200 and shown in html, who
        assert (r.context["period"].date_from, r.context["period"].date_to) == (start, today), who
        assert date_field(html, "from") == (f"{start:%d/%m/%Y}", None), who
    client.force_login(staff["leader"])
    r = client.get("/thong-ke/danh-gia/")
    assert (r.context["period"].date_from, r.context["period"].date_to) == (start, today)


def test_the_lists_lead_back_to_the_readers_own_dashboard(client, table, staff):
    """A People's Council member (overseer only) goes back from the dossiers or ratings behind a figure to the
    overseers' page; a leader to the leaders' dashboard — the same agency and period."""
    query = {**MARCH, "agency": "000.00.21.H26"}
    back = re.compile(r'<nav class="breadcrumb"[^>]*><a href="([^"]+)">([^<]+)</a>')
    client.force_login(staff["overseer"])
    for path in ("/thong-ke/ho-so/", "/thong-ke/danh-gia/"):
        href, label = back.search(client.get(path, query).content.decode()).groups()
        assert href.startswith("/thong-ke/giam-sat/?agency=000.00.21.H26&amp;from=2025-03-01")
        assert label.startswith("Giám sát tình hình giải quyết TTHC — ")
        assert client.get(href.replace("&amp;", "&")).status_code == 200
    client.force_login(staff["leader"])
    href, label = back.search(client.get("/thong-ke/ho-so/", query).content.decode()).groups()
    assert href.startswith("/thong-ke/lanh-dao/?agency=000.00.21.H26") and label.startswith(
        "Bảng điều hành — "
    )


def _row_cells(html: str, agency: str) -> list[str]:
    row = re.search(rf'<tr data-agency="{re.escape(agency)}">(.*?)</tr>', html, re.S)
    assert row, agency
    return [re.sub(r"<[^>]+>", "", c).strip() for c in re.findall(r"<td>(.*?)</td>", row.group(1), re.S)]


def test_the_overseer_compares_agencies_within_one_field(client, table, staff, world):
    """An HĐND overseer compares the agencies in one field (land, business registration, …): the ranking, its
    satisfaction columns, the lists behind its figures and the downloads are of that field's dossiers only. The
    web page had no field filter (the API had `field=`)."""
    from motcua.feedback.models import Rating

    Rating.objects.create(dossier=table["D01"], overall=1, created_at=at(2025, 3, 8, 9))  # D01: hộ kinh doanh
    Rating.objects.create(dossier=table["D04"], overall=4, created_at=at(2025, 3, 6, 9))  # D04: doanh nghiệp
    client.force_login(staff["overseer"])
    every = client.get("/thong-ke/giam-sat/", MARCH).content.decode()
    sở_every = _row_cells(every, "000.00.21.H26")
    assert sở_every[-2:] == ["2", "50,00"]  # both ratings

    html = client.get("/thong-ke/giam-sat/", {**MARCH, "field": "ho-kinh-doanh"}).content.decode()
    assert '<option value="ho-kinh-doanh" selected>' in html
    assert "lĩnh vực Thành lập và hoạt động của hộ kinh doanh" in html
    sở = _row_cells(html, "000.00.21.H26")
    # D01, D02 and D03 (its snapshot is the field it was filed under) were resolved in March in this field
    assert sở[3:7] == ["3", "1", "1", "1"]  # resolved, early, on time, late
    assert sở[-2:] == ["1", "0,00"]  # D01's "Không hài lòng" only
    assert int(sở[1]) < int(sở_every[1])  # fewer received than in every field
    assert "export.xlsx?from=2025-03-01&amp;to=2025-03-31&amp;agency=H26&amp;field=ho-kinh-doanh" in html

    late = re.search(r'<tr data-agency="000.00.21.H26">.*?class="late-link" href="([^"]+)"', html, re.S)
    listing = client.get(late.group(1).replace("&amp;", "&"))
    assert listing.status_code == 200 and "field=ho-kinh-doanh" in late.group(1)
    assert "000.00.21.H26-TEST-D03" in listing.content.decode()
    ratings = re.search(r'<tr data-agency="000.00.21.H26">.*?href="(/thong-ke/danh-gia/[^"]+)"', html, re.S)
    text = client.get(ratings.group(1).replace("&amp;", "&")).content.decode()
    assert "TEST-D01" in text and "TEST-D04" not in text
    assert ", lĩnh vực Thành lập và hoạt động của hộ kinh doanh —" in text
    assert '<input type="hidden" name="field" value="ho-kinh-doanh">' in text  # the level filter keeps it
    # the list's way back keeps the field
    assert re.search(r'<nav class="breadcrumb"[^>]*><a href="[^"]*field=ho-kinh-doanh', text)

    other = client.get("/thong-ke/giam-sat/", {**MARCH, "field": "thanh-lap-doanh-nghiep"}).content.decode()
    assert _row_cells(other, "000.00.21.H26")[6] == "0"  # D03 counts in its filing's field, not here
    assert _row_cells(other, "000.00.21.H26")[-2:] == ["1", "100,00"]  # D04's rating

    unknown = client.get("/thong-ke/giam-sat/", {**MARCH, "field": "khong-co"}).content.decode()
    assert "Không có lĩnh vực mã &#x27;khong-co&#x27; — hiển thị mọi lĩnh vực." in unknown
    assert _row_cells(unknown, "000.00.21.H26") == sở_every
    # a list behind a figure with an unknown field says so: no list of another scope under its heading
    r = client.get("/thong-ke/ho-so/", {**MARCH, "agency": "000.00.21.H26", "field": "khong-co"})
    assert r.status_code == 404 and "Không có lĩnh vực mã" in r.content.decode()
    r = client.get("/thong-ke/danh-gia/", {**MARCH, "agency": "000.00.21.H26", "field": "khong-co"})
    assert r.status_code == 404


def test_statistics_pages_offer_the_quarters_and_years_in_one_click(client, table, staff, monkeypatch):
    """Agencies report by quarter and year: the statistics pages link each quarter of this year so far, the year
    to date and last year's quarters and year, keeping the page's agency and field; the period shown is marked."""
    import datetime as dt

    from django.utils import timezone

    monkeypatch.setattr(timezone, "localdate", lambda *a, **k: dt.date(2025, 5, 20))
    client.force_login(staff["overseer"])
    html = client.get(
        "/thong-ke/giam-sat/", {"from": "2025-01-01", "to": "2025-03-31", "field": "ho-kinh-doanh"}
    ).content.decode()
    nav = re.search(r'<nav class="period-shortcuts"[^>]*>(.*?)</nav>', html, re.S).group(1)
    links = re.findall(r'<a href="\?([^"]+)"( aria-current="true")?>([^<]+)</a>', nav)
    assert [label for _, _, label in links] == [
        "Quý I/2025",
        "Quý II/2025 (đến nay)",
        "Năm 2025 (đến nay)",
        "Quý I/2024",
        "Quý II/2024",
        "Quý III/2024",
        "Quý IV/2024",
        "Năm 2024",
    ]
    query = {label: q.replace("&amp;", "&") for q, _, label in links}
    assert query["Quý II/2025 (đến nay)"] == "field=ho-kinh-doanh&from=2025-04-01&to=2025-05-20"
    assert query["Quý IV/2024"].endswith("from=2024-10-01&to=2024-12-31")
    assert [label for _, current, label in links if current] == ["Quý I/2025"]
    # the public page and the leader's dashboard have them too; a link opens its period
    public = client.get("/thong-ke/", {"agency": "000.00.21.H26"}).content.decode()
    assert 'aria-current="true">Năm 2025 (đến nay)</a>' in public  # its default: the year to date
    client.force_login(staff["leader"])
    leader = client.get("/thong-ke/lanh-dao/").content.decode()
    q2 = re.search(r'<a href="\?([^"]+)" aria-current="true">([^<]+)</a>', leader)
    assert q2.group(2) == "Quý II/2025 (đến nay)"  # its default: the quarter to date
    r = client.get("/thong-ke/lanh-dao/?" + query["Quý I/2024"].replace("field=ho-kinh-doanh&", ""))
    assert (r.context["period"].date_from, r.context["period"].date_to) == (
        dt.date(2024, 1, 1),
        dt.date(2024, 3, 31),
    )


def test_public_page_filters_by_procedure_as_the_api_does(client, table):
    """`/thong-ke/?procedure=` was ignored: the page showed every procedure's totals under a link naming one. Now
    the figures are the procedure's (as GET /api/v1/stats/on-time?procedure= gives them), the heading names it,
    the form keeps it; an unknown code is said, and every procedure's figures are shown."""
    whole = client.get("/api/v1/stats/on-time", MARCH).json()
    own = client.get("/api/v1/stats/on-time", {**MARCH, "procedure": "1.001612"}).json()
    assert own["received"] != whole["received"]  # the fixture tells them apart
    html = client.get("/thong-ke/", {**MARCH, "procedure": "1.001612"}).content.decode()
    for name in ("received", "resolved", "late"):
        assert figure(html, name) == str(own[name]), name
    assert "thủ tục 1.001612" in html and 'name="procedure" value="1.001612"' in html
    assert "procedure=1.001612" in re.search(r'href="/api/v1/stats/export.xlsx\?([^"]*)"', html).group(1)
    assert "procedure" not in re.search(r'href="/api/v1/stats/open-data.csv\?([^"]*)"', html).group(1)
    unknown = client.get("/thong-ke/", {**MARCH, "procedure": "9.999999"}).content.decode()
    assert "Không có thủ tục mã &#x27;9.999999&#x27; — hiển thị mọi thủ tục." in unknown
    assert figure(unknown, "received") == str(whole["received"])
    # the procedure's page links to its figures
    page = client.get("/thu-tuc/1.001612/").content.decode()
    assert 'href="/thong-ke/?procedure=1.001612"' in page


@pytest.mark.parametrize(
    "path, user", [("/thong-ke/giam-sat/", "overseer"), ("/thong-ke/lanh-dao/", "leader")]
)
def test_staff_dashboards_say_they_do_not_filter_by_procedure(client, table, staff, path, user):
    """The overseer's and the leader's dashboards ignored `procedure=` without a word (a link naming a procedure
    showed every procedure's figures); they say so, and where the procedure's figures are."""
    client.force_login(staff[user])
    page = client.get(path, {**MARCH, "procedure": "1.001612"}).content.decode()
    assert "Trang này không lọc theo thủ tục" in page and "/thong-ke/?procedure=1.001612" in page
    assert "không lọc theo thủ tục" not in client.get(path, MARCH).content.decode()


def test_the_leader_page_shows_how_each_indicator_is_computed_with_the_periods_numbers(
    client, table, staff, world
):
    """An overseer reading "5.3p: 100,00 %" could not tell that no sender had evaluated any answer; nor could any
    766 value be checked. Each indicator with a value shows its formula with the period's own numbers."""
    import datetime as dt
    from decimal import Decimal

    from motcua.feedback.models import Feedback

    from .conftest import at

    Feedback.objects.create(
        reference="PAKN-HOW-1",
        kind="complaint",
        subject="dossier",
        dossier=table["D02"],
        agency=world["so"],
        title="Chậm",
        content="Nội dung",
        contact_name="Lê Văn C",
        received_at=at(2025, 3, 12, 9),
        working_days=Decimal(5),
        due_at=at(2025, 3, 12, 9) + dt.timedelta(days=7),
        answered_at=at(2025, 3, 14, 10),
        on_time=True,
        status="answered",
    )
    client.force_login(staff["leader"])
    html = client.get("/thong-ke/lanh-dao/", MARCH).content.decode()

    def how(code):
        row = re.search(rf'<tr data-indicator="{re.escape(code)}">(.*?)</tr>', html, re.S).group(1)
        found = re.search(r'data-how="[^"]+">(.*?)</small>', row, re.S)
        return found.group(1) if found else None

    assert how("2.1").endswith("= 5 / 10")  # as the indicator's value, 50 %
    assert "bình quân trên 4 hồ sơ đã giải quyết" in how("2.2")
    assert "= 4 / 8" in how("3.3") and "Cổng Dịch vụ công quốc gia" in how("3.3")
    assert "= 1 / (1 + 0)" in how("5.2")
    assert "= (1 − 0) / 1; 0 người gửi đã đánh giá" in how("5.3p")
    assert "Chưa người gửi nào đánh giá" in how("5.3p")
    assert how("5.4") is not None and how("5.3") is None  # no rating in March: no value, no formula
    client.cookies["django_language"] = "en"
    english = client.get("/thong-ke/lanh-dao/", MARCH).content.decode()
    assert "No sender has evaluated an answer yet" in english


def test_one_date_typed_takes_its_year_when_the_default_other_end_does_not_fit(client, table):
    """Only "to" typed (31/12/2025) on a page whose default start is this year's 01/01 was refused as ending before
    a start nobody typed: the untyped end gives way to the typed date's year."""
    html = client.get("/thong-ke/", {"to": "31/03/2025"}).content.decode()
    assert "trước ngày bắt đầu" not in html
    assert re.search(r'id="f-from" name="from" value="01/01/2025"', html)
    html = client.get("/thong-ke/", {"from": "01/03/2999"}).content.decode()
    assert re.search(r'id="f-to" name="to" value="31/12/2999"', html) and "trước ngày bắt đầu" not in html
    # both typed the wrong way round: still refused, naming both
    html = client.get("/thong-ke/", {"from": "31/03/2025", "to": "01/03/2025"}).content.decode()
    assert "Ngày kết thúc (01/03/2025) trước ngày bắt đầu (31/03/2025)." in html
