"""`motcua verify-stats`: consistent data passes; a corrupted stored column is caught and named."""

import io

import pytest
from django.core.management import CommandError, call_command

from motcua.dossiers.models import Dossier
from motcua.reports import verify

from .conftest import at


def run(*args):
    out = io.StringIO()
    try:
        call_command("verify-stats", *args, stdout=out)
        code = 0
    except SystemExit as exc:
        code = exc.code
    return code, out.getvalue()


def test_consistent_data_exits_zero(table):
    code, out = run("--from", "2025-03-01", "--to", "2025-03-31", "--now", "2025-06-01T12:00:00+07:00")
    assert code == 0, out
    assert "RESULT: consistent" in out
    assert "000.00.21.H26" in out and "000.01.33.H26" in out


def test_replay_matches_the_hand_made_due_instants(table, world):
    report = verify.verify(date_from="2025-02-01", date_to="2025-04-30", now=at(2025, 6, 1))
    # the table's due instants were written by hand; the replay computes them with the calendar
    assert report.dossier_diffs == []
    assert report.checked == 15
    assert report.ok


def test_corrupted_classification_is_reported(table):
    Dossier.objects.filter(code="000.00.21.H26-TEST-D03").update(classification="early")
    code, out = run(
        "--from", "2025-03-01", "--to", "2025-03-31", "--agency", "H26", "--now", "2025-06-01T12:00:00+07:00"
    )
    assert code == 1
    assert "DIFFERENCES FOUND" in out
    assert "000.00.21.H26-TEST-D03  classification: stored early  events late" in out
    # the department and the province both disagree on early/late; the district does not appear as DIFF
    assert "000.00.21.H26" in out and "late 0≠1" in out


def test_corrupted_processing_time_is_reported_and_moves_indicator_2_2(table, world):
    from motcua.reports import index766, selectors

    period = selectors.make_period("2025-03-01", "2025-03-31")
    before = {i["code"]: i for i in index766.indicators(period=period, agency=world["so"])["indicators"]}
    Dossier.objects.filter(code="000.00.21.H26-TEST-D01").update(processing_seconds=1)
    code, out = run("--from", "2025-03-01", "--to", "2025-03-31", "--now", "2025-06-01T12:00:00+07:00")
    assert code == 1
    # D01: Mon 03/03 09:00 -> Fri 07/03 10:00 = 7 + 8 + 8 + 8 + 2 = 33 working hours
    assert "000.00.21.H26-TEST-D01  processing_seconds: stored 1  events 118800" in out
    after = {i["code"]: i for i in index766.indicators(period=period, agency=world["so"])["indicators"]}
    assert before["2.2"]["value"] == 5.92 and after["2.2"]["value"] < before["2.2"]["value"]


def test_corrupted_received_at_moves_a_dossier_between_periods(table):
    Dossier.objects.filter(code="000.00.21.H26-TEST-D09").update(received_at=at(2025, 2, 27, 8, 30))
    report = verify.verify(date_from="2025-03-01", date_to="2025-03-31", now=at(2025, 6, 1))
    assert not report.ok
    assert verify.Report.differences(report.total_api, report.total_events) == [
        "received",
        "received_online",
        "carried_over",
    ]  # index 2.1 is unchanged: one fewer received, one more carried over
    assert [(c, col) for c, col, _s, _r in report.dossier_diffs] == [
        ("000.00.21.H26-TEST-D09", "received_at")
    ]


def test_pause_moves_the_replayed_due(world):
    """A supplement request of 1 working day after reception moves the due instant by 8 working hours."""
    from decimal import Decimal

    from motcua.dossiers.services import record_event

    from .conftest import make_dossier

    # received 03/03 09:00 with 5 working days -> 10/03 09:00; paused 04/03 09:00 -> 05/03 09:00 (8 working
    # hours) -> due 11/03 09:00; resolved 11/03 08:00 -> on time
    d = make_dossier(
        "000.00.21.H26-TEST-P2",
        agency=world["so"],
        procedure=world["procs"]["1.001001"],
        received=at(2025, 3, 3, 9),
        limit_hours=Decimal(40),
        due=at(2025, 3, 11, 9),
    )
    seq = d.events.count()
    for i, (action, when, to_state) in enumerate(
        [
            ("request_supplement", at(2025, 3, 4, 9), "supplement_requested"),
            ("supplement", at(2025, 3, 5, 9), "processing"),
            ("resolve", at(2025, 3, 11, 8), "resolved"),
        ],
        start=1,
    ):
        record_event(
            d,
            seq=seq + i,
            action=action,
            at=when,
            actor=None,
            actor_name="test",
            from_state="processing",
            to_state=to_state,
            data={"outcome": "approved"} if action == "resolve" else {},
            reason="Thiếu giấy tờ" if action == "request_supplement" else "",
        )
    # processing time: 03/03 09:00 -> 10/03 09:00 = 40 h, -> 10/03 17:00 = 47 h (11/03 08:00 opens the day),
    # minus the 8 paused hours = 39 h
    Dossier.objects.filter(pk=d.pk).update(
        resolved_at=at(2025, 3, 11, 8),
        classification="on_time",
        state="resolved",
        paused_hours=8,
        processing_seconds=39 * 3600,
    )
    report = verify.verify(date_from="2025-03-01", date_to="2025-03-31", now=at(2025, 6, 1))
    assert report.dossier_diffs == [], report.dossier_diffs
    assert report.total_events["on_time"] == 1


def test_bad_arguments():
    with pytest.raises(CommandError):
        call_command("verify-stats", "--from", "2025-03-31", "--to", "2025-03-01")
    with pytest.raises(CommandError, match="dd/mm/yyyy"):
        call_command("verify-stats", "--from", "32/03/2025", "--to", "2025-03-31")


@pytest.mark.django_db
def test_a_bad_now_is_named_in_both_languages():
    with pytest.raises(CommandError) as exc:
        call_command("verify-stats", "--from", "2025-03-01", "--to", "2025-03-31", "--now", "hom-nay")
    assert "--now: 'hom-nay' không phải thời điểm ISO 8601" in str(exc.value)
    assert "is not an ISO 8601 instant" in str(exc.value)


@pytest.mark.django_db
def test_a_day_or_now_outside_the_supported_years_is_named_not_a_traceback():
    """--now 0001-01-01T00:00+07:00 ended in an OverflowError; so did export-dossiers --to 31/12/9999."""
    with pytest.raises(CommandError) as exc:
        call_command(
            "verify-stats", "--from", "2025-03-01", "--to", "2025-03-31", "--now", "0001-01-01T00:00:00+07:00"
        )
    assert "phải thuộc các năm 1900–2999" in str(exc.value) and "must be within the years 1900-2999" in str(
        exc.value
    )
    with pytest.raises(CommandError, match="'31/12/9999' must be within the years 1900-2999"):
        call_command("verify-stats", "--from", "01/01/2025", "--to", "31/12/9999")
    with pytest.raises(CommandError, match="--to: '31/12/9999' must be within the years 1900-2999"):
        call_command("export-dossiers", "--to", "31/12/9999", "--quiet", stdout=io.StringIO())
    with pytest.raises(CommandError, match="--effective-from: '0001-01-01' must be within the years"):
        call_command("import-procedures", "/nonexistent.json", "--effective-from", "0001-01-01")


NOW = "2025-06-01T12:00:00+07:00"


def test_days_as_pages_show_them(db):
    """--from/--to take the day as every page shows it (dd/mm/yyyy), as well as ISO."""
    iso = io.StringIO()
    call_command("verify-stats", "--from", "2025-03-01", "--to", "2025-03-31", "--now", NOW, stdout=iso)
    shown = io.StringIO()
    call_command("verify-stats", "--from", "01/03/2025", "--to", "31/03/2025", "--now", NOW, stdout=shown)
    assert shown.getvalue() == iso.getvalue() and "2025" in iso.getvalue()
