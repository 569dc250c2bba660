"""A dossier whose clock stopped before its due instant (a supplement or payment still awaited) is pending within
time, not overdue, for any period end: its due instant moves by the paused time when the applicant acts (contract
§5). So a quarter's published figures do not change when the applicant answers later."""

import datetime as dt

from motcua.dossiers import services
from motcua.dossiers.tests.conftest import act, local, org  # noqa: F401  (the lifecycle fixture)
from motcua.dossiers.tests.test_lifecycle import file_online
from motcua.reports import selectors, verify

SO = "000.00.21.H26"


def stats(day_to: dt.date, now: dt.datetime) -> dict:
    return selectors.on_time_stats(date_from=dt.date(2025, 3, 1), date_to=day_to, agency=SO, now=now)


def pending(figures: dict) -> tuple[int, int]:
    return figures["pending_within"], figures["pending_overdue"]


def test_a_stopped_clock_is_not_overdue_and_the_figures_stay_put(org):  # noqa: F811
    d = file_online(org, local(2025, 3, 3, 8, 30))
    d = act(org, d, "receive", "officer", local(2025, 3, 3, 9, 0))  # due Thu 06/03 09:00
    d = act(org, d, "request_supplement", "specialist", local(2025, 3, 4, 9, 0), reason="Thiếu bản sao")
    late = file_online(org, local(2025, 3, 3, 8, 40))
    late = act(org, late, "receive", "officer", local(2025, 3, 3, 9, 10))  # due 06/03 09:10
    late = act(
        org, late, "request_supplement", "specialist", local(2025, 3, 7, 9, 0), reason="Bổ sung"
    )  # overdue
    # as of 10/03 (both still paused): the first was stopped with 2 working days left — within; the second was
    # already overdue when it paused — overdue
    before = stats(dt.date(2025, 3, 9), now=local(2025, 3, 10, 9, 0))
    assert pending(before) == (1, 1) and before["index_2_1"] == 50.0
    overdue, soon = selectors.overdue_and_due_soon(agency_ids=[org["so"].pk], now=local(2025, 3, 10, 9, 0))
    assert [x.code for x in overdue] == [late.code] and soon == []
    # the same figures from the events alone (verify-stats), and on the summary path and the raw path alike
    report = verify.verify(
        date_from=dt.date(2025, 3, 1), date_to=dt.date(2025, 3, 9), now=local(2025, 3, 10, 9)
    )
    assert pending(report.total_events) == (1, 1) and report.agency_diffs == [] and report.dossier_diffs == []
    assert report.summary_diffs == []
    # the applicant answers on 12/03: the first's due instant moves by the 6 working days paused, and the period
    # that ended on 09/03 keeps its figures
    d = act(org, d, "supplement", "citizen", local(2025, 3, 12, 9, 0))
    assert d.due_at == local(2025, 3, 14, 9, 0)
    after = stats(dt.date(2025, 3, 9), now=local(2025, 3, 13, 9, 0))
    assert pending(after) == pending(before)
    assert services.current_step(d) is not None


def test_a_pause_in_a_period_that_ended_before_it_changes_nothing(org):  # noqa: F811
    d = file_online(org, local(2025, 3, 3, 8, 30))
    d = act(org, d, "receive", "officer", local(2025, 3, 3, 9, 0))  # due 06/03 09:00
    # end of the period 07/03: overdue then (no pause yet)
    assert pending(stats(dt.date(2025, 3, 7), now=local(2025, 3, 10, 8, 0))) == (0, 1)
    act(org, d, "request_supplement", "specialist", local(2025, 3, 10, 9, 0), reason="Bổ sung")
    # paused after its due instant: still overdue for that period, and now
    assert pending(stats(dt.date(2025, 3, 7), now=local(2025, 3, 11, 8, 0))) == (0, 1)
    assert pending(stats(dt.date(2025, 3, 11), now=local(2025, 3, 11, 8, 0))) == (0, 1)


def test_a_pause_after_the_period_does_not_rewrite_its_pending_figures(org):  # noqa: F811
    """Pending within / overdue at the end of a past period is the dossier's state then: a supplement asked after
    the period and answered later moves due_at, but not the period's figures (found by an oracle written from the
    contract: a dossier overdue on 10/03 read "within" once its later pause had moved due_at past 10/03)."""
    end = dt.date(2025, 3, 9)  # E = 10/03 00:00
    never_paused_then = file_online(org, local(2025, 3, 3, 8, 30))
    never_paused_then = act(
        org, never_paused_then, "receive", "officer", local(2025, 3, 3, 9, 0)
    )  # due 06/03 09:00
    paused_late = file_online(org, local(2025, 3, 3, 8, 40))
    paused_late = act(org, paused_late, "receive", "officer", local(2025, 3, 3, 9, 10))  # due 06/03 09:10
    paused_late = act(
        org, paused_late, "request_supplement", "specialist", local(2025, 3, 6, 10, 0), reason="Bổ sung"
    )
    on_time = file_online(org, local(2025, 3, 3, 8, 50))
    on_time = act(org, on_time, "receive", "officer", local(2025, 3, 7, 9, 0))  # due 12/03 09:00: within at E
    as_of_then = local(2025, 3, 10, 8, 0)
    assert pending(stats(end, now=as_of_then)) == (1, 2)
    # after the period: the first is paused on 11/03 and answered on 25/03 (due moves to 20/03), the second,
    # paused since after its due instant, answered on 12/03 (due moves to 12/03 09:10): both were overdue at E
    act(
        org, never_paused_then, "request_supplement", "specialist", local(2025, 3, 11, 9, 0), reason="Bổ sung"
    )
    d = act(org, never_paused_then, "supplement", "citizen", local(2025, 3, 25, 9, 0))
    assert d.due_at > local(2025, 3, 10)
    d = act(org, paused_late, "supplement", "citizen", local(2025, 3, 12, 10, 0))
    assert d.due_at > local(2025, 3, 10)
    now = local(2025, 3, 26, 9, 0)
    summary_path = stats(end, now=now)  # agency scope: the summary table
    raw_path = selectors.on_time_stats(  # procedure scope: the dossier table
        date_from=dt.date(2025, 3, 1), date_to=end, procedure=org["procedure"], now=now
    )
    assert pending(summary_path) == pending(raw_path) == (1, 2)
    assert summary_path["index_2_1"] == raw_path["index_2_1"]
    # the breakdowns and the lists behind the figures agree
    for by in ("agency", "field", "procedure", "channel"):
        total = selectors.breakdown(date_from=dt.date(2025, 3, 1), date_to=end, by=by, now=now)["total"]
        assert pending(total) == (1, 2), by
    # by month: each month's end as the clock stood then — February's end: nothing received; 09/03 as above
    rows = selectors.breakdown(date_from=dt.date(2025, 2, 1), date_to=end, by="month", now=now)["rows"]
    assert [pending(r) for r in rows] == [(0, 0), (1, 2)]
    # at 01/04 all three are overdue: both pauses are over (dues moved to 20/03 09:00 and 12/03 09:10), the third
    # was due 12/03 09:00 — the same one query serves every month's end
    quarter = selectors.breakdown(
        date_from=dt.date(2025, 1, 1), date_to=dt.date(2025, 3, 31), by="month", now=now
    )
    assert [pending(r) for r in quarter["rows"]] == [(0, 0), (0, 0), (0, 3)]
    behind = {
        kind: {
            x.code
            for x in selectors.dossiers_behind(date_from=dt.date(2025, 3, 1), date_to=end, kind=kind, now=now)
        }
        for kind in ("pending_within", "pending_overdue")
    }
    assert behind == {
        "pending_within": {on_time.code},
        "pending_overdue": {never_paused_then.code, paused_late.code},
    }
    # verify-stats replays the events to the same figures, independently
    report = verify.verify(date_from=dt.date(2025, 3, 1), date_to=end, now=now)
    assert pending(report.total_events) == (1, 2)
    assert report.agency_diffs == [] and report.dossier_diffs == [] and report.summary_diffs == []


def test_imported_histories_are_counted_as_they_stood_at_a_past_periods_end(org, tmp_path):  # noqa: F811
    """The oracle's own case, through the migration import (contract §8): received Mon 24/03/2025 09:00 for 3
    working days (due 27/03 09:00), a supplement asked on 02/04 and given on 20/05, resolved on 21/05. At the end
    of the week 24–30/03 it was overdue, never paused; the API said within."""
    import json

    from motcua.dossiers import migration_io

    record = {
        "code": "X1-OVERDUE-THEN-PAUSED",
        "procedure": org["procedure"].code,
        "agency": SO,
        "channel": "counter",
        "applicant": {"kind": "individual", "name": "Nguyễn Văn A", "id_number": "001203012345"},
        "events": [
            {"action": "register", "at": "2025-03-24T08:50:00+07:00"},
            {"action": "receive", "at": "2025-03-24T09:00:00+07:00"},
            {"action": "request_supplement", "at": "2025-04-02T09:00:00+07:00"},
            {"action": "supplement", "at": "2025-05-20T09:00:00+07:00"},
            {"action": "resolve", "at": "2025-05-21T09:00:00+07:00", "outcome": "approved"},
        ],
    }
    path = tmp_path / "history.jsonl"
    path.write_text(json.dumps(record, ensure_ascii=False) + "\n", encoding="utf-8")
    report = migration_io.import_dossiers(str(path))
    assert report.ok, [str(p) for p in report.problems]
    week = selectors.on_time_stats(
        date_from=dt.date(2025, 3, 24), date_to=dt.date(2025, 3, 30), agency=SO, now=local(2025, 6, 1)
    )
    assert pending(week) == (0, 1) and week["index_2_1"] == 0.0
    report = verify.verify(
        date_from=dt.date(2025, 3, 24), date_to=dt.date(2025, 3, 30), now=local(2025, 6, 1)
    )
    assert pending(report.total_events) == (0, 1) and report.agency_diffs == [] and report.summary_diffs == []
