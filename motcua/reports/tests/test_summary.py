"""The statistics summary table (ADR 0017): maintained exactly by the database triggers under every writer, and the
summary read path gives figures IDENTICAL to the raw reference queries for any period, scope and clock."""

import datetime as dt
import io
import random
import re

import pytest
from django.core.management import call_command
from django.db.models import Case, F, Value, When

from motcua.catalog.models import Field
from motcua.dossiers import services
from motcua.dossiers.models import Dossier
from motcua.dossiers.tests.conftest import local, org  # noqa: F401  (the lifecycle fixture)
from motcua.dossiers.tests.test_migration_io import _gen, _native_history, run, write
from motcua.reports import exports, selectors, summary, verify
from motcua.reports.models import StatsCell

from .conftest import at, make_dossier

BASE = at(2025, 1, 1, 0)


def assert_table_exact():
    """The maintained table = the SQL recount = the independent Python recount of the stored columns."""
    stored = summary.stored_cells()
    assert summary.diff_cells(summary.python_recount_from_dossiers(), stored) == []
    assert summary.diff_cells(summary.sql_recount(), stored) == []


def edge_history(world, rng: random.Random, n: int):
    """Random dossiers with the edge cases of the contributions: instants exactly at local month starts, due
    before / at reception, resolved at reception, no due date, field snapshots differing from the procedure's
    field or absent, received in the future of some clocks. Like the lifecycle, never both resolved and stopped
    and never closed before reception (the raw reference assumes both)."""
    agencies = [world["so"], world["quan"], world["phuong"], world["hn"]]
    procs = list(world["procs"].values())
    fields = [world["f1"].pk, world["f2"].pk, None, None]
    month_starts = [at(2025, m, 1) for m in range(1, 9)]
    rows = []

    def instant(lo_days=0, hi_days=200):
        if rng.random() < 0.12:
            return rng.choice(month_starts)
        return BASE + dt.timedelta(minutes=rng.randint(lo_days * 1440, hi_days * 1440))

    for i in range(n):
        received = instant()
        kind = rng.random()
        refused = stopped = resolved = None
        received_at = received
        if kind < 0.05:
            refused, received_at = received, None
        elif kind < 0.13:
            stopped = rng.choice(
                [received, received + dt.timedelta(minutes=rng.randint(0, 40 * 1440)), instant()]
            )
            stopped = max(stopped, received)
        elif kind < 0.85:
            resolved = rng.choice(
                [received, received + dt.timedelta(minutes=rng.randint(0, 40 * 1440)), instant(), instant()]
            )
            resolved = max(resolved, received)
        due = None
        if received_at and rng.random() < 0.93:
            due = rng.choice(
                [
                    received + dt.timedelta(minutes=rng.randint(-600, 25 * 1440)),
                    received,
                    instant(),
                    resolved or received,
                ]
            )
        classification = verify.classify(resolved, due) if resolved and due else ("early" if resolved else "")
        paused = None  # an open pause (supplement, payment), before, at or after the due instant
        if received_at and not resolved and not stopped and rng.random() < 0.3:
            paused = rng.choice([received, received + dt.timedelta(minutes=rng.randint(0, 30 * 1440)), due])
            paused = max(paused or received, received)
        rows.append(
            Dossier(
                code=f"EDGE-{i:05d}",
                agency=rng.choice(agencies),
                procedure=rng.choice(procs),
                field_id_snapshot=rng.choice(fields),
                channel=rng.choice(["online", "counter", "postal"]),
                state="resolved" if resolved else "processing",
                applicant_name="X",
                applicant_name_ascii="x",
                received_at=received_at,
                due_at=due,
                resolved_at=resolved,
                classification=classification,
                stopped_at=stopped,
                refused_at=refused,
                processing_seconds=rng.choice([None, 0, rng.randint(1, 400 * 3600)]) if resolved else None,
                paused_since=paused,
            )
        )
    Dossier.objects.bulk_create(rows)


def random_period(rng: random.Random):
    kind = rng.random()
    if kind < 0.25:  # whole months
        m1 = rng.randint(1, 8)
        m2 = min(12, m1 + rng.randint(0, 4))
        d1 = dt.date(2025, m1, 1)
        d2 = dt.date(2025 + (m2 == 12), m2 % 12 + 1, 1) - dt.timedelta(days=1)
    else:  # partial months, long and short
        d1 = dt.date(2024, 12, 1) + dt.timedelta(days=rng.randint(0, 260))
        d2 = d1 + dt.timedelta(days=rng.choice([0, 1, 5, 20, 40, 90, 200]))
    clock = rng.random()
    if clock < 0.3:  # "now" inside the period (today)
        now = selectors.local_midnight(d1) + dt.timedelta(
            minutes=rng.randint(0, (d2 - d1).days * 1440 + 1439)
        )
    elif clock < 0.45:  # now before the period (future period)
        now = selectors.local_midnight(d1) - dt.timedelta(minutes=rng.randint(1, 90 * 1440))
    elif clock < 0.55:  # now at a month start or a midnight
        now = selectors.local_midnight(rng.choice([d1, d2, dt.date(2025, rng.randint(1, 9), 1)]))
    else:
        now = at(2025, 1, 1) + dt.timedelta(minutes=rng.randint(0, 400 * 1440))
    return d1, d2, now


def raw(settings_fixture, fn, **kw):
    settings_fixture.MOTCUA_STATS_SUMMARY = False
    try:
        return fn(**kw)
    finally:
        settings_fixture.MOTCUA_STATS_SUMMARY = True


def compare_everything(settings, world, rng, periods=8):
    procs = list(world["procs"].values())
    scopes = [
        {},
        {"agency": world["hn"]},
        {"agency": world["quan"]},
        {"agency": world["so"]},
        {"agency": world["phuong"]},
        {"field": world["f1"]},
        {"field": world["f2"]},
        {"agency": world["quan"], "field": world["f2"]},
        {"procedure": rng.choice(procs)},
    ]
    for _ in range(periods):
        d1, d2, now = random_period(rng)
        for scope in scopes:
            kw = {"date_from": d1, "date_to": d2, "now": now, **scope}
            assert selectors.on_time_stats(**kw) == raw(settings, selectors.on_time_stats, **kw), (
                kw,
                "total",
            )
            # the raw counts, indicator 2.2's sums included
            period = selectors.make_period(d1, d2)
            counts = {"period": period, "now": now, **scope}
            fast, ref = selectors.scope_counts(**counts), raw(settings, selectors.scope_counts, **counts)
            assert {k: int(fast[k] or 0) for k in ref} == {k: int(v or 0) for k, v in ref.items()}, (
                kw,
                "counts",
            )
            assert "timed" in ref and "processing_seconds" in ref
        # open data: per (agency, field), of one field too
        for scope in (
            {},
            {"agency": world["quan"]},
            {"field": world["f2"]},
            {"agency": world["so"], "field": world["f1"]},
        ):
            kw = {"date_from": d1, "date_to": d2, "now": now, **scope}
            fast, ref = exports.open_data(**kw), raw(settings, exports.open_data, **kw)
            assert (fast["rows"], fast["total"]) == (ref["rows"], ref["total"]), (kw, "open data")
        for by in ("month", "quarter", "agency", "field", "channel", "year"):
            scope = rng.choice(scopes[:8])
            kw = {"date_from": d1, "date_to": d2, "now": now, "by": by, **scope}
            assert selectors.breakdown(**kw) == raw(settings, selectors.breakdown, **kw), (kw, by)


@pytest.mark.parametrize("seed", [1, 2, 3, 4])
def test_summary_path_equals_the_raw_reference(world, settings, seed):
    rng = random.Random(seed)
    edge_history(world, rng, 300)
    assert_table_exact()
    compare_everything(settings, world, rng)


def test_summary_path_is_used_and_reads_few_rows(world, settings, django_assert_max_num_queries):
    rng = random.Random(5)
    edge_history(world, rng, 100)
    # whole months in the past: two queries on the summary table (the months, the balance before), and one for
    # each period end for the dossiers whose clock stopped or resumed after it (reports.asof, the partial index
    # on clock_changed_at; one more for their events when there are any — edge_history has no pause)
    with django_assert_max_num_queries(3):
        selectors.on_time_stats(date_from="2025-01-01", date_to="2025-06-30", now=at(2026, 1, 1))
    with django_assert_max_num_queries(2 + 7):  # six months and the total
        selectors.breakdown(date_from="2025-01-01", date_to="2025-06-30", by="month", now=at(2026, 1, 1))


def test_writes_of_every_kind_keep_the_table_exact(world):
    rng = random.Random(9)
    edge_history(world, rng, 120)
    assert_table_exact()
    # UPDATE of timing columns through the ORM (many rows in one statement), then single rows
    Dossier.objects.filter(code__endswith="1").update(resolved_at=None, classification="")
    assert_table_exact()
    d = Dossier.objects.filter(received_at__isnull=False).first()
    d.due_at = at(2025, 3, 1)
    d.resolved_at = at(2025, 4, 1)
    d.classification = "late"
    d.agency = world["phuong"]
    d.channel = "postal"
    d.save()
    assert_table_exact()
    # a change that touches no timing changes nothing
    before = summary.stored_cells()
    Dossier.objects.update(applicant_name="Y")
    assert summary.stored_cells() == before
    # one statement over many rows of which only one changes a counted column (PostgreSQL's trigger looks for
    # any changed row before it upserts)
    pks = list(Dossier.objects.filter(received_at__isnull=False).values_list("pk", flat=True)[:20])
    moved = Dossier.objects.filter(received_at__isnull=False).exclude(channel="postal").first().pk
    Dossier.objects.filter(pk__in=[*pks, moved]).update(
        applicant_name="Z", channel=Case(When(pk=moved, then=Value("postal")), default=F("channel"))
    )
    assert summary.stored_cells() != before
    assert_table_exact()
    # deletes
    Dossier.objects.filter(code__endswith="3").delete()
    assert_table_exact()


def test_a_procedure_moved_to_another_field_moves_its_dossiers_without_snapshot(world, settings):
    rng = random.Random(11)
    edge_history(world, rng, 150)
    p = world["procs"]["1.001001"]
    assert Dossier.objects.filter(procedure=p, field_id_snapshot__isnull=True).exists()
    p.field = world["f2"]
    p.save()
    assert_table_exact()
    third = Field.objects.create(code="dat-dai", name="Đất đai")
    p.field = third
    p.save(update_fields=["field"])
    assert_table_exact()
    for f in (world["f1"], world["f2"], third):
        kw = {"date_from": "2025-01-01", "date_to": "2025-05-15", "field": f, "now": at(2025, 4, 20, 10)}
        assert selectors.on_time_stats(**kw) == raw(settings, selectors.on_time_stats, **kw)


def test_triggers_lost_to_a_schema_change_are_reinstalled_after_migrate(world):
    """SQLite drops a table's triggers when a migration remakes the table: the post-migrate check puts them back
    and recounts, and then the table follows writes again."""
    from django.db import connection

    rng = random.Random(15)
    edge_history(world, rng, 40)
    assert summary.installed_triggers(connection) >= summary.TRIGGERS
    assert summary.ensure_triggers(connection, verbosity=0) is False  # nothing to do
    with connection.cursor() as cur:
        for sql in summary.uninstall_sql(connection.vendor):
            cur.execute(sql)
    Dossier.objects.filter(code__endswith="2").update(resolved_at=None, classification="")  # not counted
    assert summary.diff_cells(summary.sql_recount(), summary.stored_cells()) != []
    assert summary.ensure_triggers(connection, verbosity=0) is True
    assert summary.installed_triggers(connection) >= summary.TRIGGERS
    assert_table_exact()
    Dossier.objects.filter(code__endswith="4").delete()
    assert_table_exact()


def test_a_flush_that_deletes_the_cells_first_leaves_an_empty_table(world):
    """SQLite's flush deletes table by table in no fixed order: cells first, then dossiers whose delete triggers
    write negative cells. The post-migrate check that follows every flush empties them."""
    from django.db import connection

    edge_history(world, random.Random(17), 30)
    StatsCell.objects.all().delete()
    Dossier.objects.all().delete()  # the delete triggers leave the negatives of every contribution
    assert StatsCell.objects.exists()
    assert summary.clear_if_no_dossiers(connection) is True
    assert not StatsCell.objects.exists()
    assert summary.clear_if_no_dossiers(connection) is False


def test_rebuild_restores_a_damaged_table_and_reports_the_changes(world):
    rng = random.Random(13)
    edge_history(world, rng, 80)
    good = summary.stored_cells()
    cells = list(StatsCell.objects.order_by("pk"))
    StatsCell.objects.filter(pk=cells[0].pk).update(received=cells[0].received + 5)
    StatsCell.objects.filter(pk=cells[1].pk).delete()
    StatsCell.objects.create(
        month=dt.date(2031, 1, 1), agency_id=world["so"].pk, field_id=0, channel="online", late=2
    )
    report = verify.verify(date_from="2025-01-01", date_to="2025-03-31", now=at(2025, 6, 1))
    assert not report.ok and len(report.summary_diffs) == 3
    assert "summary table cells that differ" in verify.render(report)
    out = io.StringIO()
    call_command("rebuild-stats", stdout=out)
    text = out.getvalue()
    assert "1 added, 1 removed, 1 changed" in text, text
    assert summary.stored_cells() == good
    out = io.StringIO()
    call_command("rebuild-stats", stdout=out)
    assert "0 added, 0 removed, 0 changed" in out.getvalue()


def test_verify_stats_is_clean_on_a_consistent_database(world, table):
    out = io.StringIO()
    call_command("verify-stats", "--from", "2025-03-01", "--to", "2025-03-31", "--now", "2025-04-15T12:00:00+07:00",
                 stdout=out)  # fmt: skip
    assert "summary table equals a recount: OK" in out.getvalue()


# --- the real writers: lifecycle services and the migration import ----------------------------------------------


def test_every_lifecycle_action_keeps_the_table_exact(org, monkeypatch, settings):  # noqa: F811
    calls = {"n": 0}
    real_file, real_act = services.dossier_file, services.dossier_act

    def checked(fn):
        def wrapper(*args, **kw):
            result = fn(*args, **kw)
            calls["n"] += 1
            assert_table_exact()
            return result

        return wrapper

    monkeypatch.setattr(services, "dossier_file", checked(real_file))
    monkeypatch.setattr(services, "dossier_act", checked(real_act))
    _native_history(org)
    assert calls["n"] > 20
    assert StatsCell.objects.exists()
    rng = random.Random(3)
    for _ in range(15):
        d1 = dt.date(2025, 1, 1) + dt.timedelta(days=rng.randint(0, 180))
        d2 = d1 + dt.timedelta(days=rng.randint(0, 120))
        now = local(2025, 1, 1, 0, 0) + dt.timedelta(hours=rng.randint(0, 24 * 220))
        for by in (None, "month", "agency", "field"):
            kw = {"date_from": d1, "date_to": d2, "now": now}
            if by is None:
                assert selectors.on_time_stats(**kw) == raw(settings, selectors.on_time_stats, **kw)
            else:
                kw["by"] = by
                assert selectors.breakdown(**kw) == raw(settings, selectors.breakdown, **kw)


@pytest.mark.parametrize("jobs", ["1"])
def test_the_migration_import_keeps_the_table_exact(org, tmp_path, settings, jobs):  # noqa: F811
    recs = list(_gen().generate(300, seed=5))
    rc, out, err = run("import-dossiers", write(tmp_path, recs), "--jobs", jobs, "--batch-size", "70")
    assert rc == 0, err
    assert Dossier.objects.count() == 300
    assert_table_exact()
    rng = random.Random(8)
    for _ in range(10):
        d1 = dt.date(2024, 11, 1) + dt.timedelta(days=rng.randint(0, 240))
        d2 = d1 + dt.timedelta(days=rng.randint(0, 150))
        now = local(2025, 1, 1, 0, 0) + dt.timedelta(hours=rng.randint(0, 24 * 200))
        kw = {"date_from": d1, "date_to": d2, "now": now}
        assert selectors.on_time_stats(**kw) == raw(settings, selectors.on_time_stats, **kw)
        assert selectors.breakdown(by="month", **kw) == raw(settings, selectors.breakdown, by="month", **kw)


def test_a_period_from_before_1976_is_read_from_the_summary_when_nothing_is_that_old(
    settings, table, world, monkeypatch
):
    """`from=1900-01-01` (any public caller) sent every figure to the raw queries, which read every row of the
    dossier table. With no dossier instant before 01/01/1976 the period counts exactly as if it started then: the
    summary serves it, with the raw reference's figures. A dossier of 1975 keeps the raw path (and counts)."""
    now = at(2025, 4, 10, 12)
    scopes = [{}, {"agency": world["hn"]}, {"agency": world["so"], "field": world["f2"]}]
    expected = {}
    for i, scope in enumerate(scopes):
        for d1, d2 in (
            (dt.date(1900, 1, 1), dt.date(2999, 12, 31)),
            (dt.date(1975, 6, 1), dt.date(2025, 3, 31)),
        ):
            kw = {"date_from": d1, "date_to": d2, "now": now, **scope}
            expected[i, d1] = raw(settings, selectors.on_time_stats, **kw)
            assert expected[i, d1]["from"] == d1.isoformat()
    by_agency = raw(
        settings, selectors.breakdown, date_from="1900-01-01", date_to="2025-03-31", by="agency", now=now
    )

    def no_raw(*args, **kwargs):
        raise AssertionError("the raw reference query was used")

    with monkeypatch.context() as m:
        m.setattr(selectors, "period_counts", no_raw)
        m.setattr(selectors, "grouped_counts", no_raw)
        for i, scope in enumerate(scopes):
            for d1, d2 in (
                (dt.date(1900, 1, 1), dt.date(2999, 12, 31)),
                (dt.date(1975, 6, 1), dt.date(2025, 3, 31)),
            ):
                got = selectors.on_time_stats(date_from=d1, date_to=d2, now=now, **scope)
                assert got == expected[i, d1]
        got = selectors.breakdown(date_from="1900-01-01", date_to="2025-03-31", by="agency", now=now)
        assert got == by_agency
    assert expected[0, dt.date(1900, 1, 1)]["received"] > 0

    make_dossier(
        "OLD-1975", agency=world["so"], procedure=world["procs"]["1.001612"], received=at(1975, 12, 30, 9)
    )
    old = selectors.on_time_stats(date_from="1975-06-01", date_to="2025-03-31", now=now)
    assert old == raw(
        settings, selectors.on_time_stats, date_from="1975-06-01", date_to="2025-03-31", now=now
    )
    assert old["received"] == expected[0, dt.date(1975, 6, 1)]["received"] + 1
    later = selectors.on_time_stats(date_from="1976-01-01", date_to="2025-03-31", now=now)
    assert later["carried_over"] == old["carried_over"] + 1  # still pending: carried into 1976


def test_verify_stats_says_its_agency_rows_include_the_agencies_under_them(world, table):
    """An operator compared the district's row with the overseer's ranking (its own dossiers) and saw a false
    mismatch; the rates also read 100.0 beside 96.38."""
    out = io.StringIO()
    call_command("verify-stats", "--from", "2025-03-01", "--to", "2025-03-31", "--now", "2025-04-15T12:00:00+07:00",
                 stdout=out)  # fmt: skip
    text = out.getvalue()
    assert "gồm cả cơ quan cấp dưới / by agency, the agencies under it included" in text
    assert "agency (+ under it)" in text
    assert re.search(r"on_time_rate\s+80\.00\s+80\.00\s+OK", text), text
