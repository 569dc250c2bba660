"""Contract §5 statistics on the hand-made table of conftest.py. Expected values are counted by hand from the
table's comments, not from the code."""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from motcua.core.errors import NotFound, Unprocessable
from motcua.reports import selectors

from .conftest import at

MARCH = dict(date_from="2025-03-01", date_to="2025-03-31")
LATER = at(2025, 6, 1, 12)  # "now" well after the period: E = end of March


def counts(d: dict) -> dict:
    return {k: d[k] for k in selectors.COUNT_KEYS}


def test_department_march_every_rule(table, world):
    s = selectors.on_time_stats(**MARCH, agency=world["so"], now=LATER)
    assert counts(s) == {
        # D01 D02 D03 D05 D06 D07 D09 D15 (D10 at 01/04 00:00 excluded, D08 never received)
        "received": 8,
        "received_online": 4,  # D01 D05 D06 D09
        "received_counter": 2,  # D02 D07
        "received_postal": 2,  # D03 D15
        "carried_over": 2,  # D04 D12 (D11 resolved, D14 stopped in February)
        "resolved": 4,  # D01 D02 D03 D04
        "early": 2,  # D01 D04
        "on_time": 1,  # D02
        "late": 1,  # D03 (one minute)
        "stopped": 1,  # D07
        "refused": 1,  # D08
        "pending_within": 2,  # D06 (due 04/04), D15 (due 01/04 17:00)
        "pending_overdue": 3,  # D05 (resolved after the period), D09, D12
    }
    assert s["received_by_channel"] == {"online": 4, "counter": 2, "postal": 2}
    assert s["pending"] == 5
    assert s["on_time_rate"] == 75.0  # 3 / 4
    assert s["index_2_1"] == 50.0  # (2 + 1 + 2) / (8 + 2)
    assert s["from"] == "2025-03-01" and s["to"] == "2025-03-31"
    assert s["agency"] == "000.00.21.H26" and s["field"] is None and s["procedure"] is None
    assert s["as_of"] == "2025-04-01T00:00:00+07:00"


def test_whole_province_includes_subtree(table, world):
    s = selectors.on_time_stats(**MARCH, agency=world["hn"], now=LATER)
    # the department's table + D13 (ward of the district, received 05/03, resolved early 06/03)
    assert (s["received"], s["resolved"], s["early"], s["received_online"]) == (9, 5, 3, 5)
    assert s["on_time_rate"] == 80.0  # 4 / 5
    assert s["index_2_1"] == pytest.approx(54.55)  # (3+1+2) / 11 = 54.5454..
    unscoped = selectors.on_time_stats(**MARCH, now=LATER)
    assert counts(unscoped) == counts(s)


def test_district_scope_is_its_subtree_only(table, world):
    s = selectors.on_time_stats(**MARCH, agency=world["quan"], now=LATER)
    assert (s["received"], s["resolved"], s["early"], s["carried_over"], s["pending"]) == (1, 1, 1, 0, 0)
    assert s["on_time_rate"] == 100.0 and s["index_2_1"] == 100.0
    ward = selectors.on_time_stats(**MARCH, agency=world["phuong"], now=LATER)
    assert counts(ward) == counts(s)


def test_empty_denominators_give_null_rates(table, world):
    s = selectors.on_time_stats(date_from="2024-01-01", date_to="2024-01-31", agency=world["so"], now=LATER)
    assert all(s[k] == 0 for k in selectors.COUNT_KEYS)
    assert s["on_time_rate"] is None and s["index_2_1"] is None


def test_now_inside_the_period_measures_pending_at_now(table, world):
    now = at(2025, 3, 20, 12)
    s = selectors.on_time_stats(**MARCH, agency=world["so"], now=now)
    # pending at 20/03 12:00: D05 (received 10:00 that day, due 27/03) within; D09, D12 overdue
    assert (s["pending_within"], s["pending_overdue"]) == (1, 2)
    assert s["as_of"] == "2025-03-20T12:00:00+07:00"


def test_field_filter_uses_snapshot_then_procedure_field(table, world):
    s = selectors.on_time_stats(**MARCH, agency=world["so"], field=world["f2"], now=LATER)
    # D01 D02 (procedure in f2) + D03 (procedure in f1 but filed under f2)
    assert (s["received"], s["resolved"], s["early"], s["on_time"], s["late"]) == (3, 3, 1, 1, 1)
    assert s["on_time_rate"] == pytest.approx(66.67)
    assert s["index_2_1"] == pytest.approx(66.67)
    by_name = selectors.on_time_stats(**MARCH, agency=world["so"], field=world["f2"].name, now=LATER)
    assert counts(by_name) == counts(s) and by_name["field"] == "ho-kinh-doanh"
    capitals = selectors.on_time_stats(**MARCH, agency=world["so"], field="HO-KINH-DOANH", now=LATER)
    assert counts(capitals) == counts(s) and capitals["field"] == "ho-kinh-doanh"  # was 404 no_field
    f1 = selectors.on_time_stats(**MARCH, agency=world["so"], field="thanh-lap-doanh-nghiep", now=LATER)
    assert f1["received"] == 5 and f1["carried_over"] == 2 and f1["resolved"] == 1


def test_procedure_filter(table, world):
    s = selectors.on_time_stats(**MARCH, procedure="1.001612", now=LATER)
    # D01 D02 (department) + D13 (ward)
    assert (s["received"], s["early"], s["on_time"], s["late"]) == (3, 2, 1, 0)
    assert s["on_time_rate"] == 100.0


def test_single_query_for_the_figures(table, world):
    qs = selectors.scoped(agency=None)
    period = selectors.make_period("2025-03-01", "2025-03-31")
    with CaptureQueriesContext(connection) as ctx:
        selectors.period_counts(qs, period, LATER)
    # the figures in one query; the period is over, so one more looks for a clock stopped or resumed after its end
    # (reports.asof: none here, so no read of their events)
    assert len(ctx.captured_queries) == 2
    assert "clock_changed_at" in ctx.captured_queries[1]["sql"]
    with CaptureQueriesContext(connection) as ctx:
        selectors.period_counts(qs, selectors.make_period("2025-03-01", "2099-12-31"), LATER)
    assert len(ctx.captured_queries) == 1  # a period not over: nothing can have happened after its end yet


@pytest.mark.parametrize("by", ["agency", "field", "procedure", "channel"])
def test_breakdown_rows_sum_to_total(table, world, by):
    data = selectors.breakdown(**MARCH, by=by, agency=world["hn"], now=LATER)
    for key in selectors.COUNT_KEYS:
        assert sum(r[key] for r in data["rows"]) == data["total"][key], key
    assert data["total"]["received"] == 9


def test_breakdown_by_agency_ranks_and_labels(table, world):
    data = selectors.breakdown(**MARCH, by="agency", agency=world["hn"], now=LATER)
    keys = [r["key"] for r in data["rows"]]
    assert keys[0] == "000.01.33.H26"  # 100 % on time
    assert keys[1] == "000.00.21.H26"  # 75 %
    assert set(keys[2:]) == {"H26", "000.00.33.H26"}  # no resolved dossiers: no rate, last
    ward = data["rows"][0]
    assert ward["label"] == "UBND Phường Bạch Đằng" and ward["on_time_rate"] == 100.0


def test_breakdown_by_month_and_quarter(table, world):
    data = selectors.breakdown(
        date_from="2025-02-01", date_to="2025-04-30", by="month", agency=world["so"], now=LATER
    )
    assert [r["key"] for r in data["rows"]] == ["2025-02", "2025-03", "2025-04"]
    feb, mar, apr = data["rows"]
    assert feb["received"] == 4  # D04 D11 D12 D14
    assert mar["received"] == 8
    assert apr["received"] == 1  # D10
    assert apr["resolved"] == 2 and apr["late"] == 1 and apr["early"] == 1  # D05 late, D06 early
    # received and resolved over sub-periods add up to the whole
    for key in ("received", "resolved", "early", "on_time", "late", "stopped", "refused"):
        assert sum(r[key] for r in data["rows"]) == data["total"][key]
    quarters = selectors.breakdown(
        date_from="2025-02-15", date_to="2025-04-30", by="quarter", agency=world["so"], now=LATER
    )
    assert [(r["key"], r["from"], r["to"]) for r in quarters["rows"]] == [
        ("2025-Q1", "2025-02-15", "2025-03-31"),
        ("2025-Q2", "2025-04-01", "2025-04-30"),
    ]


def test_february_figures(table, world):
    s = selectors.on_time_stats(date_from="2025-02-01", date_to="2025-02-28", agency=world["so"], now=LATER)
    # received: D04 (20/02), D11 (10/02), D12 (10/02), D14 (27/02)
    assert s["received"] == 4
    # resolved D11 early; stopped D14; pending at 01/03 00:00: D04 (due 06/03: within), D12 (overdue)
    assert (s["resolved"], s["early"], s["stopped"], s["pending_within"], s["pending_overdue"]) == (
        1,
        1,
        1,
        1,
        1,
    )
    # consecutive periods: pending at the end of February == carried over into March
    march = selectors.on_time_stats(**MARCH, agency=world["so"], now=LATER)
    assert march["carried_over"] == s["pending_within"] + s["pending_overdue"]


def test_drill_down_lists_match_counts(table, world):
    late = selectors.dossiers_behind(**MARCH, kind="late", agency=world["so"], now=LATER)
    assert [d.code for d in late] == ["000.00.21.H26-TEST-D03"]
    overdue = selectors.dossiers_behind(**MARCH, kind="pending_overdue", agency=world["so"], now=LATER)
    assert sorted(d.code[-3:] for d in overdue) == ["D05", "D09", "D12"]


def test_rate_rounding_half_up():
    assert selectors.rate(2, 3) == 66.67
    assert selectors.rate(1, 8) == 12.5
    assert selectors.rate(1, 6) == 16.67
    assert selectors.rate(0, 5) == 0.0
    assert selectors.rate(0, 0) is None


@pytest.mark.parametrize(
    "kwargs,exc",
    [
        (dict(date_from="", date_to="2025-03-31"), Unprocessable),
        (dict(date_from="2025-13-01", date_to="2025-03-31"), Unprocessable),
        (dict(date_from="2025-04-01", date_to="2025-03-31"), Unprocessable),
        (dict(date_from="2025-03-01", date_to="2025-03-31", agency="999.99.99.H99"), NotFound),
        (dict(date_from="2025-03-01", date_to="2025-03-31", field="khong-co"), NotFound),
        (dict(date_from="2025-03-01", date_to="2025-03-31", procedure="9.999999"), NotFound),
    ],
)
def test_bad_input(world, kwargs, exc):
    with pytest.raises(exc) as info:
        selectors.on_time_stats(**kwargs)
    assert info.value.message and info.value.message_en


def test_sub_periods_are_clipped():
    p = selectors.make_period(dt.date(2024, 11, 15), dt.date(2025, 2, 10))
    assert [(k, str(s.date_from), str(s.date_to)) for k, _l, s in selectors.sub_periods(p, "month")] == [
        ("2024-11", "2024-11-15", "2024-11-30"),
        ("2024-12", "2024-12-01", "2024-12-31"),
        ("2025-01", "2025-01-01", "2025-01-31"),
        ("2025-02", "2025-02-01", "2025-02-10"),
    ]
    assert [k for k, _l, _s in selectors.sub_periods(p, "year")] == ["2024", "2025"]


def test_dates_accept_display_form_and_iso_datetimes():
    assert selectors.parse_date("31/03/2025", "to") == dt.date(2025, 3, 31)
    # 2025-03-31T20:00Z is 01/04 03:00 in Hà Nội
    assert selectors.parse_date("2025-03-31T20:00:00+00:00", "to") == dt.date(2025, 4, 1)
    assert selectors.parse_date("2025-03-31T20:00:00", "to") == dt.date(2025, 3, 31)


def test_agency_scope_conditions_all_list_and_complement(table, world):
    from decimal import Decimal

    from motcua.org.models import Agency

    from .conftest import make_dossier

    other = Agency.objects.create(identifier="H29", name="Thành phố Hồ Chí Minh", level="province")
    make_dossier(
        "H29-TEST-X1",
        agency=other,
        procedure=world["procs"]["1.001001"],
        received=at(2025, 3, 3, 9),
        limit_hours=Decimal(40),
        due=at(2025, 3, 10, 9),
    )
    everything = selectors.on_time_stats(**MARCH, now=LATER)
    hanoi = selectors.on_time_stats(**MARCH, agency=world["hn"], now=LATER)  # 4 of 5 agencies: complement
    hcm = selectors.on_time_stats(**MARCH, agency=other, now=LATER)  # 1 of 5: list
    assert (everything["received"], hanoi["received"], hcm["received"]) == (10, 9, 1)
    assert str(selectors._agency_condition(world["hn"])).startswith("(NOT")
