"""Browser: an overseer logs in, opens the ranking, drills from a late count to the dossiers behind it, and opens
the leader-style dashboard of an agency; charts are drawn by the vendored Chart.js."""

import datetime as dt
from decimal import Decimal

import pytest

from motcua.catalog.models import Field, Procedure, ProcedureVersion

from .conftest import PASSWORD, at, make_dossier

# the live server, Chromium and the sign_in fixture: conftest.py at the top; Vietnamese number format (75,00 %)
pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.browser_context_args(locale="vi-VN"),
]
RANKING = "/thong-ke/giam-sat/"


def test_overseer_drills_down_to_late_dossiers(page, live_server, table, staff, sign_in):
    base = live_server.url
    sign_in("giamsat.test", PASSWORD, RANKING)
    page.goto(f"{base}/thong-ke/giam-sat/?from=2025-03-01&to=2025-03-31")
    assert page.locator("h1").inner_text().startswith("Giám sát tình hình giải quyết TTHC")
    rows = page.locator("#ranking tbody tr")
    assert rows.first.get_attribute("data-agency") == "000.01.33.H26"
    assert page.evaluate("typeof Chart") == "function"
    assert page.evaluate("!!Chart.getChart(document.getElementById('chart-ranking'))")

    page.locator('tr[data-agency="000.00.21.H26"] a.late-link').click()
    page.wait_for_url("**/thong-ke/ho-so/**")
    assert "Giải quyết quá hạn: 1 hồ sơ" in page.locator("h1").inner_text()
    links = page.locator("#dossier-list tbody a")
    assert links.count() == 1
    assert links.first.inner_text() == "000.00.21.H26-TEST-D03"
    assert links.first.get_attribute("href") == "/staff/dossiers/000.00.21.H26-TEST-D03/"

    page.goto(f"{base}/thong-ke/giam-sat/?from=2025-03-01&to=2025-03-31")
    page.locator('tr[data-agency="000.00.21.H26"] th a').click()
    page.wait_for_url("**/thong-ke/lanh-dao/**")
    assert "Sở Kế hoạch và Đầu tư" in page.locator("h1").inner_text()
    assert page.locator('[data-figure="on_time_rate"]').first.inner_text() == "75,00 %"
    assert page.evaluate("!!Chart.getChart(document.getElementById('chart-monthly'))")


def test_leader_dashboard_in_browser(page, live_server, table, staff, sign_in):
    sign_in("lanhdao.test", PASSWORD, "/thong-ke/lanh-dao/")
    page.fill("#f-from", "2025-03-01")
    page.fill("#f-to", "2025-03-31")
    page.click(".stats-filters button[type=submit]")
    page.wait_for_url("**from=2025-03-01**")
    assert page.locator('[data-figure="received"]').first.inner_text() == "8"
    assert page.locator('[data-figure="online_share"]').inner_text() == "50,00 %"
    page.locator('[data-figure="late"]').first.click()
    page.wait_for_url("**/thong-ke/ho-so/**")
    assert page.locator("#dossier-list tbody a").first.inner_text() == "000.00.21.H26-TEST-D03"


def test_chart_legends_follow_the_interface_language(page, live_server, table, staff, sign_in):
    """The charts' legends are the page's words: in English, the monthly chart says "Received", "On-time rate (%)"
    (they were written in Vietnamese in the script whatever the language chosen)."""
    base = live_server.url
    sign_in("lanhdao.test", PASSWORD, "/thong-ke/lanh-dao/")  # signs out first: cookies cleared, then English
    page.context.add_cookies([{"name": "django_language", "value": "en", "url": base}])
    page.goto(f"{base}/thong-ke/lanh-dao/?from=2025-02-01&to=2025-03-31")
    legends = page.evaluate(
        "Chart.getChart(document.getElementById('chart-monthly')).data.datasets.map(d => d.label)"
    )
    assert legends[0] == "Received" and "On-time rate (%)" in legends
    assert not any("Tiếp nhận" in x or "Tỷ lệ" in x for x in legends), legends
    fields = page.evaluate("Chart.getChart(document.getElementById('chart-fields')).data.datasets[0].label")
    assert fields == "Early and on-time rate (%)"


def test_field_chart_names_every_field(page, live_server, world, table, staff, sign_in):
    """With sixteen fields the leader's chart by field named only every other one (Chart.js skipped labels to fit a
    fixed height); every field a dossier was resolved in is named on the axis now."""
    for i in range(14):
        field = Field.objects.create(code=f"linh-vuc-{i:02}", name=f"Lĩnh vực thử {i:02}")
        proc = Procedure.objects.create(code=f"9.{i:06}", name=f"Thủ tục {i}", field=field, level="province")
        ProcedureVersion.objects.create(
            procedure=proc, effective_from=dt.date(2020, 1, 1), name=proc.name, field=field, level="province",
            legal_days=Decimal(5),
        )  # fmt: skip
        make_dossier(
            f"000.00.21.H26-TEST-F{i:02}", agency=world["so"], procedure=proc, channel="online",
            received=at(2025, 3, 3, 9), limit_hours=Decimal(40), due=at(2025, 3, 10, 9),
            resolved=at(2025, 3, 7, 10), classification="early",
        )  # fmt: skip
    base = live_server.url
    sign_in("lanhdao.test", PASSWORD, "/thong-ke/lanh-dao/")
    page.goto(f"{base}/thong-ke/lanh-dao/?from=2025-03-01&to=2025-03-31")
    labels, ticks = page.evaluate(
        "(() => { const c = Chart.getChart(document.getElementById('chart-fields'));"
        " return [c.data.labels.length, c.scales.y.ticks.length]; })()"
    )
    assert labels == 16 and ticks == labels


def test_ranking_chart_on_a_phone_has_one_row_per_agency(page, live_server, table, staff, sign_in):
    """At 360 px the ranking's agency identifiers were drawn on top of each other under vertical bars; on a narrow
    screen the chart is drawn with one row per agency, every identifier named."""
    page.set_viewport_size({"width": 360, "height": 740})
    sign_in("giamsat.test", PASSWORD, RANKING)
    page.goto(f"{live_server.url}/thong-ke/giam-sat/?from=2025-03-01&to=2025-03-31")
    axis, labels, ticks = page.evaluate(
        "(() => { const c = Chart.getChart(document.getElementById('chart-ranking'));"
        " return [c.options.indexAxis, c.data.labels.length, c.scales.y.ticks.length]; })()"
    )
    assert axis == "y" and labels >= 2 and ticks == labels
    page.set_viewport_size({"width": 1280, "height": 900})
    page.reload()
    assert page.evaluate("Chart.getChart(document.getElementById('chart-ranking')).options.indexAxis") == "x"


def test_ranking_table_fits_a_desktop_window(page, live_server, table, staff, sign_in):
    """At 1280×800 the agencies' ranking (14 columns) was 1,139 px wide inside its 1,068 px box: the satisfaction
    rate was out of sight unless the overseer scrolled the table sideways. Its headings are grouped (resolved,
    pending) and wrap at a word: every column fits, in Vietnamese and in English."""
    from django.conf import settings

    page.set_viewport_size({"width": 1280, "height": 800})
    sign_in("giamsat.test", PASSWORD, RANKING)
    url = f"{live_server.url}/thong-ke/giam-sat/?from=2025-03-01&to=2025-03-31"
    measure = (
        "(() => { const t = document.getElementById('ranking'), box = t.closest('.table-scroll');"
        " const right = box.getBoundingClientRect().right;"
        " return [box.scrollWidth, box.clientWidth, [...t.querySelectorAll('th, td')]"
        ".filter(c => c.getBoundingClientRect().right > right + 0.5).length]; })()"
    )
    for language in ("vi", "en"):
        page.context.add_cookies([{"name": settings.LANGUAGE_COOKIE_NAME, "value": language, "url": url}])
        page.goto(url)
        scroll, box, outside = page.evaluate(measure)
        assert scroll <= box and outside == 0, (language, scroll, box, outside)
        headings = page.locator("#ranking thead th").all_inner_texts()
        assert len(headings) == 16  # 12 of one row + 2 groups (resolved: 4, pending: 2)
    assert "Satisfaction rate (%)" in " ".join(h.replace("\n", " ") for h in headings)


def test_leader_index_table_on_a_phone_needs_no_sideways_scroll(page, live_server, table, staff, sign_in):
    """At 360 px the Decision 766 table (indicator, value, target, score) was 544 px wide inside a 328 px box: the
    target and the score were out of sight unless the reader scrolled the table sideways. On a phone each indicator
    is a block: its name, then its value, target and score side by side, each named; on a desktop a table still."""
    page.set_viewport_size({"width": 360, "height": 740})
    sign_in("lanhdao.test", PASSWORD, "/thong-ke/lanh-dao/")
    page.goto(f"{live_server.url}/thong-ke/lanh-dao/?from=2025-03-01&to=2025-03-31")
    box = page.locator("#index766").locator("xpath=..")
    assert box.evaluate("e => e.scrollWidth <= e.clientWidth"), box.evaluate(
        "e => [e.scrollWidth, e.clientWidth]"
    )
    row = page.locator('#index766 tr[data-indicator="2.1"]')
    cells = row.locator("td")
    assert cells.count() == 3
    for i, name in enumerate(("Giá trị", "Chỉ tiêu", "Điểm")):
        cell = cells.nth(i)
        right = cell.evaluate("e => e.getBoundingClientRect().right")
        assert right <= 360, (name, right)
        assert cell.evaluate("e => getComputedStyle(e, '::before').content") == f'"{name}"'
    assert cells.nth(0).inner_text() == "50,00 %"  # 4 of 8 received in March (with the carried over) on time
    page.set_viewport_size({"width": 1280, "height": 900})
    assert page.locator("#index766 thead").is_visible()
    assert cells.nth(0).evaluate("e => getComputedStyle(e, '::before').content") in ("none", "normal")


LONG_NAME = (
    "Thủ tục đăng ký kết quả thực hiện nhiệm vụ khoa học và công nghệ cấp tỉnh, cấp cơ sở sử dụng ngân sách nhà "
    "nước và nhiệm vụ khoa học và công nghệ do quỹ của Nhà nước trong lĩnh vực khoa học và công nghệ tài trợ"
)


def test_lists_behind_the_figures_fit_a_desktop_screen(page, live_server, world, table, staff, sign_in):
    """Every cell of the lists behind a figure stayed on one line: one long procedure name (or an applicant's
    comment) made the table thousands of pixels wide, and the reception, due and result dates and the state were
    out of sight to the right. Names, comments and dates wrap now; at 1280 px the whole row is on the screen."""
    from motcua.feedback.models import Rating

    proc = world["procs"]["1.001001"]
    proc.name = LONG_NAME
    proc.save(update_fields=["name"])
    Rating.objects.create(
        dossier=table["D03"],
        overall=1,
        created_at=at(2025, 3, 13, 9),
        comment="Chờ lâu, phải đi lại nhiều lần. " * 8,
    )
    page.set_viewport_size({"width": 1280, "height": 900})
    sign_in("lanhdao.test", PASSWORD, "/thong-ke/lanh-dao/")
    for path, table_id in (
        ("/thong-ke/ho-so/?agency=000.00.21.H26&from=2025-03-01&to=2025-03-31&kind=resolved", "dossier-list"),
        ("/thong-ke/danh-gia/?agency=000.00.21.H26&from=2025-03-01&to=2025-03-31", "rating-list"),
    ):
        page.goto(live_server.url + path)
        box = page.locator(f"#{table_id}").locator("xpath=..")
        assert box.evaluate("e => e.scrollWidth <= e.clientWidth"), (path, box.evaluate("e => e.scrollWidth"))
        assert LONG_NAME in page.locator(f"#{table_id} tbody").inner_text()
        last = page.locator(f"#{table_id} thead th").last
        assert last.evaluate("e => e.getBoundingClientRect().right") <= 1280, path
        # a date is never cut inside itself
        when = page.locator(f"#{table_id} tbody td.when").first
        assert all(len(line) in (5, 10) for line in when.inner_text().split()), when.inner_text()


def test_a_printed_ranking_keeps_its_definitions_and_drops_the_controls(
    page, live_server, table, staff, sign_in
):
    """Printed, the overseer's page kept "Cách tính các số liệu" folded (its definitions lost), printed the period
    form and the buttons, and Chrome repeated the total row after the first page's rows."""
    sign_in("giamsat.test", PASSWORD, RANKING)
    page.goto(f"{live_server.url}{RANKING}?from=2025-03-01&to=2025-03-31")
    terms = page.locator("details.figure-terms")
    assert terms.get_attribute("open") is None
    page.emulate_media(media="print")
    page.evaluate("window.dispatchEvent(new Event('beforeprint'))")
    assert terms.get_attribute("open") is not None
    assert page.locator("form.stats-filters").evaluate("f => getComputedStyle(f).display") == "none"
    assert page.locator("#ranking tfoot").evaluate("t => getComputedStyle(t).display") == "table-row-group"
    page.evaluate("window.dispatchEvent(new Event('afterprint'))")
    page.emulate_media(media="screen")
    assert terms.get_attribute("open") is None
    assert page.locator("form.stats-filters").evaluate("f => getComputedStyle(f).display") != "none"
