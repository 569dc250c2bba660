"""Decision 766 indicators: values, score conversion, configuration, per-period rows."""

import pytest

from motcua.reports import index766, selectors


def test_score_conversion():
    assert index766.score(40, 4, 50) == 3.2  # below target: R × Pmax / T
    assert index766.score(60, 4, 50) == 4.0  # target reached: Pmax
    assert index766.score(50, 20, None) == 10.0  # no target: R × Pmax
    assert index766.score(None, 20, None) is None
    assert index766.score(80, None, None) is None


def test_indicators_for_march(table, world):
    period = selectors.make_period("2025-03-01", "2025-03-31")
    data = index766.indicators(period=period, agency=world["so"], now=None)
    ind = {i["code"]: i for i in data["indicators"]}
    assert ind["2.1"]["value"] == 50.0 and ind["2.1"]["score"] == 10.0
    assert ind["2.1"]["detail"] == {"numerator": 5, "denominator": 10}
    # 2.2: working hours from counting start to resolution, by hand:
    # D01 33 h, D02 39.5 h, D03 40 h 1 min, D04 77 h -> 189.5167 h / 4 / 8 = 5.92 working days
    assert ind["2.2"]["value"] == 5.92 and ind["2.2"]["detail"]["completed"] == 4
    assert ind["2.2"]["score"] is None
    assert ind["3.3"]["value"] == 50.0 and ind["3.3"]["score"] == 4.0
    for code in ("5.2", "5.4"):
        assert ind[code]["value"] is None and ind[code]["score"] is None
        assert ind[code]["note"] == "không có dữ liệu"
    assert data["score_available"] == 14.0 and data["pmax_available"] == 24


def test_configured_target(table, world, settings):
    settings.MOTCUA_INDEX766 = {"2.1": {"target": 95}, "3.3": {"pmax": 10, "target": 80}}
    period = selectors.make_period("2025-03-01", "2025-03-31")
    ind = {i["code"]: i for i in index766.indicators(period=period, agency=world["so"])["indicators"]}
    assert ind["2.1"]["score"] == pytest.approx(10.53)  # 50 × 20 / 95
    assert ind["3.3"]["score"] == 6.25  # 50 × 10 / 80


def test_report_by_month_with_children(table, world):
    data = index766.index_report(
        date_from="2025-02-01", date_to="2025-03-31", agency=world["hn"], by="month", children=True
    )
    keys = [(r["agency"], r["period"]) for r in data["rows"]]
    assert keys == [
        ("H26", "2025-02"),
        ("H26", "2025-03"),
        ("000.00.21.H26", "2025-02"),
        ("000.00.21.H26", "2025-03"),
        ("000.00.33.H26", "2025-02"),
        ("000.00.33.H26", "2025-03"),
    ]
    district_feb = data["rows"][4]
    assert {i["code"]: i["value"] for i in district_feb["indicators"]}["2.1"] is None  # nothing: null, not 0
    assert data["unverified_weights"] is True


def test_satisfaction_group_from_ratings_and_feedback(table, world):
    from decimal import Decimal

    from motcua.feedback.models import Feedback, Rating

    from .conftest import at

    Rating.objects.create(dossier=table["D01"], overall=1, created_at=at(2025, 3, 8, 9))  # Không hài lòng
    Rating.objects.create(dossier=table["D04"], overall=4, created_at=at(2025, 3, 6, 9))  # Rất hài lòng
    Feedback.objects.create(
        reference="PAKN-TEST-1",
        kind="complaint",
        subject="dossier",
        dossier=table["D02"],
        agency=world["so"],
        title="Chậm trả lời",
        content="Nội dung",
        contact_name="Lê Văn C",
        received_at=at(2025, 3, 12, 9),
        working_days=Decimal(5),
        due_at=at(2025, 3, 19, 9),
        answered_at=at(2025, 3, 14, 10),
        on_time=True,
        status="answered",
        sender_satisfied=False,
        sender_reason="Chưa rõ",
        sender_evaluated_at=at(2025, 3, 15, 9),
    )
    period = selectors.make_period("2025-03-01", "2025-03-31")
    ind = {i["code"]: i for i in index766.indicators(period=period, agency=world["so"])["indicators"]}
    assert ind["5.2"]["value"] == 100.0 and ind["5.2"]["score"] == 6.0
    assert ind["5.3"]["value"] == 50.0 and ind["5.3"]["score"] is None  # informative
    # PAKN satisfaction: 1 answered, its sender not satisfied -> (1 - 1) / 1
    assert ind["5.3p"]["value"] == 0.0 and ind["5.3p"]["score"] is None  # informative
    assert ind["5.3p"]["detail"] == {"answered": 1, "sender_dissatisfied": 1, "sender_evaluated": 1}
    # 4 resolved: late D03 (25 %), with a complaint or a "Không hài lòng" rating D01 D02 (50 %)
    assert ind["5.4"]["value"] == 25.0
    assert ind["5.4"]["detail"] == {"resolved": 4, "late": 1, "with_feedback_or_dissatisfied": 2}
    assert ind["5.4"]["score"] == pytest.approx(1.67)  # 25 × 6 / 90
    # the ward has neither ratings nor PAKN: no data, not zero
    ward = {i["code"]: i for i in index766.indicators(period=period, agency=world["phuong"])["indicators"]}
    assert ward["5.4"]["value"] is None and ward["5.4"]["note"] == "không có dữ liệu"


def test_report_reads_its_rows_together_and_equals_the_single_reads(
    table, world, django_assert_max_num_queries
):
    """index_report reads the indicators of all its periods at once per agency (the district's wards by month
    for a year took 13 s, a handful of queries per row); every row equals `indicators` for that period."""
    import datetime as dt
    from decimal import Decimal

    from motcua.feedback.models import Feedback, Rating

    from .conftest import at

    Rating.objects.create(dossier=table["D01"], overall=1, created_at=at(2025, 3, 8, 9))
    Rating.objects.create(dossier=table["D04"], overall=4, created_at=at(2025, 3, 6, 9))
    Rating.objects.create(dossier=table["D13"], overall=3, created_at=at(2025, 4, 2, 9))
    for ref, dossier, received, answered in (
        ("PAKN-T1", table["D02"], at(2025, 3, 12, 9), at(2025, 3, 14, 10)),
        ("PAKN-T2", table["D11"], at(2025, 2, 20, 9), None),  # unanswered: overdue from 27/02
    ):
        Feedback.objects.create(
            reference=ref,
            kind="complaint",
            subject="dossier",
            dossier=dossier,
            agency=dossier.agency,
            title="Chậm",
            content="Nội dung",
            contact_name="Lê Văn C",
            received_at=received,
            working_days=Decimal(5),
            due_at=received + dt.timedelta(days=7),
            answered_at=answered,
            on_time=True if answered else None,
            status="answered" if answered else "received",
            sender_satisfied=False if answered else None,
            sender_evaluated_at=at(2025, 3, 15, 9) if answered else None,
        )
    now = at(2025, 3, 20, 10)  # inside March: the later months have not started
    for by in ("month", "quarter", None):
        with django_assert_max_num_queries(60):
            report = index766.index_report(
                date_from="2025-01-15",
                date_to="2025-06-30",
                agency=world["hn"],
                by=by,
                children=True,
                now=now,
            )
        assert len(report["rows"]) == 3 * (6 if by == "month" else 2 if by == "quarter" else 1)
        for row in report["rows"]:
            agency = selectors.agency_by_identifier(row["agency"])
            single = index766.indicators(
                period=selectors.make_period(row["from"], row["to"]), agency=agency, now=now
            )
            assert {k: row[k] for k in single} == single, (row["agency"], row["period"])
    values = {
        (r["agency"], r["period"]): {i["code"]: i["value"] for i in r["indicators"]}
        for r in index766.index_report(
            date_from="2025-02-01",
            date_to="2025-03-31",
            agency=world["hn"],
            by="month",
            children=True,
            now=now,
        )["rows"]
    }
    assert values[("000.00.21.H26", "2025-03")]["5.4"] is not None  # the satisfaction group has data
    assert values[("000.00.21.H26", "2025-03")]["5.3p"] == 0.0  # T1's sender was not satisfied
    assert values[("000.00.21.H26", "2025-02")]["5.3p"] is None  # nothing answered in February
    assert values[("000.00.21.H26", "2025-02")]["5.2"] == 0.0  # T2 overdue unanswered at the end of February
    # periods before 1976 are read one by one (the summary starts then): the same rows
    old = index766.index_report(
        date_from="1975-11-01", date_to="1976-02-29", agency=world["so"], by="month", now=now
    )
    for row in old["rows"]:
        single = index766.indicators(
            period=selectors.make_period(row["from"], row["to"]), agency=world["so"], now=now
        )
        assert {k: row[k] for k in single} == single
