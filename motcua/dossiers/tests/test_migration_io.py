"""Migration import / export of dossier histories (contract §8), with the real calendar and explicit instants."""

import contextlib
import datetime as dt
import importlib.util
import io
import json
import re
from collections import Counter
from decimal import Decimal
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.test import Client

from motcua.catalog.models import Procedure, ProcedureVersion
from motcua.dossiers import migration_io, selectors, services
from motcua.dossiers.models import DailySequence, Dossier, DossierEvent, DossierStep, IdempotencyKey

from .conftest import APPLICANT, limit_unset, local

REPO = Path(__file__).resolve().parents[3]
SO = "000.00.21.H26"

# The contract §8 example, verbatim.
CONTRACT_RECORD = {
    "code": "000.00.21.H26-230103-0001",
    "procedure": "1.001612",
    "agency": "000.00.21.H26",
    "channel": "online",
    "applicant": {"kind": "individual", "name": "Nguyễn Văn A", "id_number": "001203012345"},
    "working_days": 5,
    "due_at": "2023-01-10T10:00:00+07:00",
    "events": [
        {"action": "submit", "at": "2023-01-03T09:12:00+07:00"},
        {"action": "receive", "at": "2023-01-03T10:00:00+07:00"},
        {"action": "resolve", "at": "2023-01-09T16:30:00+07:00", "outcome": "approved"},
        {"action": "return_result", "at": "2023-01-10T08:15:00+07:00", "method": "counter"},
    ],
}


def record(code, events, **kw):
    rec = {
        "code": code,
        "procedure": "1.001612",
        "agency": SO,
        "channel": "online",
        "applicant": {"kind": "individual", "name": "Trần Thị Bình", "id_number": "001185000123"},
        "events": [{"action": a, "at": t, **p} for a, t, *rest in events for p in [rest[0] if rest else {}]],
    }
    rec.update(kw)
    return rec


def write(tmp_path, lines, name="history.jsonl") -> str:
    path = tmp_path / name
    with open(path, "w", encoding="utf-8") as fh:
        for line in lines:
            fh.write((line if isinstance(line, str) else json.dumps(line, ensure_ascii=False)) + "\n")
    return str(path)


def run(*args):
    out, err = io.StringIO(), io.StringIO()
    quiet = ["--quiet"] if args[0] == "export-dossiers" else []  # the import's summary is read below
    try:
        call_command(*args, *quiet, stdout=out, stderr=err)
    except CommandError as exc:
        return 1, out.getvalue(), err.getvalue() + str(exc)
    return 0, out.getvalue(), err.getvalue()


def timings(d: Dossier) -> dict:
    return {f: getattr(d, f) for f in services.TIMING_FIELDS}


# --- the contract example ----------------------------------------------------------------------------------------


def test_contract_example_becomes_an_ordinary_dossier(org, tmp_path):
    rc, out, err = run("import-dossiers", write(tmp_path, [CONTRACT_RECORD]))
    assert rc == 0, err
    d = Dossier.objects.get(code="000.00.21.H26-230103-0001")
    assert d.imported and d.state == "returned"
    assert d.agency == org["so"] and d.procedure == org["procedure"] and d.procedure_version == org["version"]
    assert d.field_id_snapshot == org["field"].pk
    assert d.limit_hours == Decimal(40)
    assert d.submitted_at == local(2023, 1, 3, 9, 12)
    assert d.received_at == d.counting_starts_at == local(2023, 1, 3, 10, 0)
    # 5 working days from Tue 03/01 10:00 = Tue 10/01 10:00, as the old system said: the replay agrees
    assert d.due_at == d.initial_due_at == local(2023, 1, 10, 10, 0)
    assert d.resolved_at == local(2023, 1, 9, 16, 30) and d.outcome == "approved"
    assert d.classification == "early"
    assert d.returned_at == local(2023, 1, 10, 8, 15) and d.return_method == "counter"
    assert d.applicant_name == "Nguyễn Văn A" and d.applicant_name_ascii == "nguyen van a"
    events = list(d.events.order_by("seq"))
    assert [(e.action, e.from_state, e.to_state) for e in events] == [
        ("submit", "", "submitted"),
        ("receive", "submitted", "received"),
        ("resolve", "received", "resolved"),
        ("return_result", "resolved", "returned"),
    ]
    assert events[2].data["outcome"] == "approved" and events[3].data["method"] == "counter"
    assert services.verify_chain(d) == []
    assert d.version == 4 and d.last_event_hash == events[-1].hash
    # visible like a native dossier: officers' list, public lookup
    assert selectors.visible_dossiers(org["users"]["officer"]).filter(pk=d.pk).exists()
    assert selectors.dossier_public(d)["due_at"] == "2023-01-10T10:00:00+07:00"
    # summary: records, by state, by year of reception
    assert "returned=1" in out and "2023=1" in out


def test_imported_pending_dossier_continues_natively(org, tmp_path):
    rec = record(
        "OLD-2025-77",
        [("submit", "2025-03-03T08:30:00+07:00"), ("receive", "2025-03-03T09:00:00+07:00")],
    )
    assert run("import-dossiers", write(tmp_path, [rec]))[0] == 0
    d = services.dossier_act(
        code="OLD-2025-77",
        action="resolve",
        actor=org["users"]["leader"],
        params={"outcome": "approved"},
        at=local(2025, 3, 6, 9, 0),
    )
    assert d.state == "resolved" and d.classification == "on_time"  # due Thu 06/03 09:00 (3 days)
    assert d.events.count() == 3 and services.verify_chain(d) == []


# --- limits and deadlines ----------------------------------------------------------------------------------------


def test_limit_from_the_version_in_force_at_the_first_event(org, tmp_path):
    ProcedureVersion.objects.create(
        procedure=org["procedure"],
        effective_from=dt.date(2025, 3, 1),
        name="v2",
        field=org["field"],
        level="commune",
        legal_days=Decimal(3),
        registered_days=Decimal(2),
    )
    tet = record("A-1", [("submit", "2025-01-24T09:00:00+07:00"), ("receive", "2025-01-24T10:00:00+07:00")])
    old_version = record(  # filed under v1 (3 days) on Fri 28/02, received under v2: v1 applies
        "A-2", [("submit", "2025-02-28T16:00:00+07:00"), ("receive", "2025-03-03T09:00:00+07:00")]
    )
    new_version = record(  # registered (shortened) limit of v2: 2 days
        "A-3", [("submit", "2025-03-03T08:00:00+07:00"), ("receive", "2025-03-03T09:00:00+07:00")]
    )
    explicit = record(  # working_days given: the limit applied by the old system
        "A-4",
        [("submit", "2025-03-03T08:00:00+07:00"), ("receive", "2025-03-03T09:00:00+07:00")],
        working_days=0.5,
    )
    assert run("import-dossiers", write(tmp_path, [tet, old_version, new_version, explicit]))[0] == 0
    got = {d.code: d for d in Dossier.objects.all()}
    assert got["A-1"].due_at == local(2025, 2, 5, 10, 0)  # contract §2 example, across Tết 2025
    assert got["A-2"].limit_hours == 24 and got["A-2"].due_at == local(2025, 3, 6, 9, 0)
    assert got["A-3"].limit_hours == 16 and got["A-3"].due_at == local(2025, 3, 5, 9, 0)
    assert got["A-4"].limit_hours == 4 and got["A-4"].due_at == local(2025, 3, 3, 14, 0)


def test_makeup_saturday_and_cutoff(org, tmp_path):
    rec = record(
        "B-1",
        [
            ("register", "2025-04-25T15:20:00+07:00"),
            ("receive", "2025-04-25T15:30:00+07:00"),
            ("resolve", "2025-04-26T16:00:00+07:00", {"outcome": "approved"}),
        ],
        channel="counter",
        working_days=1,
    )
    assert run("import-dossiers", write(tmp_path, [rec]))[0] == 0
    d = Dossier.objects.get(code="B-1")
    assert d.counting_starts_at == local(2025, 4, 26, 8, 0)  # Sat 26/04/2025 is a make-up working day
    assert d.due_at == local(2025, 4, 26, 17, 0)
    assert d.classification == "on_time"


PAUSED = [
    ("submit", "2025-03-03T08:30:00+07:00"),
    ("receive", "2025-03-03T09:00:00+07:00"),
    ("request_supplement", "2025-03-03T14:00:00+07:00", {"reason": "Thiếu biên bản họp"}),
    ("supplement", "2025-03-04T10:00:00+07:00"),
    ("resolve", "2025-03-06T14:00:00+07:00", {"outcome": "approved"}),
]


def test_pause_moves_due_like_native(org, tmp_path):
    assert run("import-dossiers", write(tmp_path, [record("C-1", PAUSED)]))[0] == 0
    d = Dossier.objects.get(code="C-1")
    assert d.initial_due_at == local(2025, 3, 6, 9, 0)
    assert d.paused_hours == 5 and d.due_at == local(2025, 3, 6, 15, 0)  # Mon 14:00 → Tue 10:00 = 5 h
    assert d.classification == "on_time" and d.supplement_rounds == 1
    supplement = d.events.get(action="supplement")
    assert supplement.data["paused_hours_total"] == "5" and supplement.data["due_at"].startswith(
        "2025-03-06T08"
    )


def test_given_due_at_is_the_final_appointment(org, tmp_path):
    same = record(
        "C-2", PAUSED, due_at="2025-03-06T15:00:00+07:00"
    )  # what the replay gives: kept as replayed
    other = record("C-3", PAUSED, due_at="2025-03-07T17:00:00")  # naive = +07:00; the old system's own date
    assert run("import-dossiers", write(tmp_path, [same, other]))[0] == 0
    a, b = Dossier.objects.get(code="C-2"), Dossier.objects.get(code="C-3")
    assert a.initial_due_at == local(2025, 3, 6, 9, 0) and a.due_at == local(2025, 3, 6, 15, 0)
    assert b.due_at == local(2025, 3, 7, 17, 0) and b.paused_hours == 5  # pauses already included: not moved
    assert b.classification == "early"  # resolved Thu 06/03, appointment Fri 07/03
    assert b.events.get(action="receive").data["fixed_due"] is True
    assert "fixed_due" not in a.events.get(action="receive").data
    assert verify_stats("2025-03-01", "2025-03-31")[0] == 0


def test_due_at_without_any_limit(org, tmp_path):
    proc = Procedure.objects.create(code="1.000002", name="Thủ tục không có thời hạn", field=org["field"],
                                    level="commune")  # fmt: skip
    ProcedureVersion.objects.create(procedure=proc, effective_from=dt.date(2020, 1, 1), name=proc.name,
                                    field=org["field"], level="commune")  # fmt: skip
    events = [("submit", "2025-03-03T08:00:00+07:00"), ("receive", "2025-03-03T09:00:00+07:00")]
    with_due = record("D-1", events, procedure="1.000002", due_at="2025-03-04T17:00:00+07:00")
    rc, _, err = run("import-dossiers", write(tmp_path, [with_due]))
    assert rc == 0, err
    d = Dossier.objects.get(code="D-1")
    assert d.due_at == local(2025, 3, 4, 17, 0) and d.limit_hours == 15  # Mon 09:00 → Tue 17:00 = 7 + 8 h
    without = record("D-2", events, procedure="1.000002")
    rc, _, err = run("import-dossiers", write(tmp_path, [without], "b.jsonl"))
    assert rc == 1 and "Dòng 1 (D-2)" in err and "no single time limit" in err


# --- validation: all or nothing, every bad line named ------------------------------------------------------------


@pytest.mark.parametrize("jobs", ["0", "1"])
def test_every_bad_line_is_reported_and_nothing_is_stored(org, tmp_path, jobs):
    proc = Procedure.objects.create(
        code="1.000003", name="Không thời hạn", field=org["field"], level="commune"
    )
    ProcedureVersion.objects.create(procedure=proc, effective_from=dt.date(2020, 1, 1), name=proc.name,
                                    field=org["field"], level="commune")  # fmt: skip
    ok = [("submit", "2025-03-03T08:00:00+07:00"), ("receive", "2025-03-03T09:00:00+07:00")]
    lines = [
        record("E-1", ok),  # 1 good
        '{"code": "E-2", "procedure": ',  # 2 not JSON
        record("E-3", ok, procedure="9.999999"),  # 3
        record("E-4", ok, agency="000.00.99.H26"),  # 4
        record(
            "E-5",
            [
                ("submit", "2025-03-03T08:00:00+07:00"),
                ("resolve", "2025-03-03T09:00:00+07:00", {"outcome": "approved"}),
            ],
        ),  # 5
        record(
            "E-6", [("submit", "2025-03-03T08:00:00+07:00"), ("receive", "2025-03-02T09:00:00+07:00")]
        ),  # 6
        record("E-7", [("submit", "2099-03-03T08:00:00+07:00")]),  # 7 future
        record("E-8", [("submit", "1989-12-31T08:00:00+07:00")]),  # 8 before 1990
        record("E-9", ok, applicant={"kind": "individual", "name": "A", "id_number": "999203012345"}),  # 9
        record("E-1", ok),  # 10 duplicate code
        record("E-11", ok + [("resolve", "2025-03-04T09:00:00+07:00")]),  # 11 no outcome
        record(
            "E-12",
            ok
            + [
                ("resolve", "2025-03-04T09:00:00+07:00", {"outcome": "approved"}),
                ("return_result", "2025-03-04T10:00:00+07:00"),
            ],
        ),  # 12 no method
        record("E-13", ok + [("apologize", "2025-03-03T10:00:00+07:00")]),  # 13 no new_return_at
        record("E-14", ok, procedure="1.000003"),  # 14 no limit, no due_at
        record("E-15", [("submit", "2025-03-03T08:00:00+07:00")], channel="counter"),  # 15
        record("E-16", []),  # 16
        record("E-17", [("submit", "03/03/2025 08:00")]),  # 17 not ISO
        "",  # 18 blank: skipped
        record("E-19", ok, working_days=-1),  # 19
        record("E-20", [("submit", "2025-03-03T08:00:00+07:00"), ("fly", "2025-03-03T09:00:00+07:00")]),  # 20
        record(
            "E-21", ok, applicant={"kind": "organization", "name": "Công ty X", "id_number": "0100109107"}
        ),
        "[1, 2]",  # 22
        record(
            "E-23",
            [
                ("submit", "2025-03-03T08:00:00+07:00"),
                ("refuse", "2025-03-03T09:00:00+07:00"),
                ("receive", "2025-03-03T10:00:00+07:00"),
            ],
        ),  # 23 received after refusal
        json.dumps(record("E-24", ok))[:-1] + ', "old_fee": 1e400}',  # 24 not a JSON number, in a kept key
        json.dumps(record("E-25", ok, old_fee=float("nan"))),  # 25 Python writes NaN; JSON has none
    ]
    path = write(tmp_path, lines)
    rc, out, err = run("import-dossiers", path, "--jobs", jobs)
    assert rc == 1
    expected = {
        2: "Not valid JSON",
        3: "Unknown procedure '9.999999'",
        4: "Unknown agency '000.00.99.H26'",
        5: "Event 2 (resolve",
        6: "earlier than the dossier's previous action",
        7: "in the future",
        8: "before 1990",
        9: "province code '999'",
        10: "Duplicate dossier code",
        11: "'outcome' must be",
        12: "'method' must be",
        13: "Missing 'new_return_at'",
        14: "no single time limit",
        15: "requires channel 'online'",
        16: "non-empty 'events'",
        17: "not an ISO 8601 datetime",
        19: "'working_days' = -1",
        20: "unknown action 'fly'",
        21: "tax/enterprise code",
        22: "must be a JSON object",
        23: "Event 3 (receive",
        24: "1e400 is out of range",
        25: "NaN is not allowed",
    }
    bad_lines = [
        int(line.split("| Line ")[1].split(":")[0]) for line in err.splitlines() if "| Line " in line
    ]
    assert bad_lines == sorted(expected)  # every bad line, once, in file order
    for n, reason in expected.items():
        line = next(x for x in err.splitlines() if f"| Line {n}:" in x)
        assert reason in line and line.startswith(f"Dòng {n}"), line
    assert "23 dòng lỗi" in err and "nothing was imported" in err
    assert Dossier.objects.count() == 0 and DossierEvent.objects.count() == 0
    assert DailySequence.objects.count() == 0


def test_dry_run_checks_and_stores_nothing(org, tmp_path):
    path = write(tmp_path, [CONTRACT_RECORD])
    rc, out, _ = run("import-dossiers", path, "--dry-run")
    assert rc == 0 and "Dry run: 1 records, 0 bad; 1 would be created, 0 would be skipped" in out
    assert "sẽ tạo 1, sẽ bỏ qua (đã có, trùng khớp) 0" in out and "tạo mới" not in out
    assert Dossier.objects.count() == 0
    bad = dict(CONTRACT_RECORD, procedure="0.000000")
    rc, _, err = run("import-dossiers", write(tmp_path, [bad], "bad.jsonl"), "--dry-run")
    assert rc == 1 and "Line 1" in err
    assert Dossier.objects.count() == 0
    # after a real import, a dry run of the same file would create nothing
    assert run("import-dossiers", path)[0] == 0
    rc, out, _ = run("import-dossiers", path, "--dry-run")
    assert rc == 0 and "0 would be created, 1 would be skipped" in out


@pytest.mark.parametrize(
    "key, vi",
    [("agency", "Thiếu mã cơ quan"), ("procedure", "Thiếu mã thủ tục"), ("channel", "Thiếu kênh nộp")],
)
def test_a_missing_agency_procedure_or_channel_is_named_as_missing(org, tmp_path, key, vi):
    rec = {k: v for k, v in CONTRACT_RECORD.items() if k != key}
    rc, _, err = run("import-dossiers", write(tmp_path, [rec]), "--dry-run")
    assert rc == 1 and "'None'" not in err
    assert f"Missing the {key}" in err and vi in err


def test_identifiers_legacy_cmnd_organisations_and_local_times(org, tmp_path):
    ok = [("submit", "2023-01-03T09:12:00"), ("receive", "2023-01-03T10:00:00")]  # naive = local +07:00
    cmnd = record("F-1", ok, applicant={"kind": "individual", "name": "Lê Văn Cũ", "id_number": "012345678"})
    company = record("F-2", ok, applicant={"kind": "organization", "name": "Công ty Cổ phần ABC",
                                           "id_number": "0100109106"})  # fmt: skip
    no_id = record("F-3", ok, applicant={"kind": "individual", "name": "Không Có Số"})
    assert run("import-dossiers", write(tmp_path, [cmnd, company, no_id]))[0] == 0
    got = {d.code: d for d in Dossier.objects.all()}
    assert got["F-1"].applicant_id_number == "012345678"
    assert got["F-2"].applicant_id_number == "0100109106" and got["F-2"].applicant_kind == "organization"
    assert got["F-1"].received_at == local(2023, 1, 3, 10, 0)
    bad_org = record("F-4", ok, applicant={"kind": "organization", "name": "X", "id_number": "012345678"})
    rc, _, err = run("import-dossiers", write(tmp_path, [bad_org], "b.jsonl"))
    assert rc == 1 and "Line 1" in err

    # the British spelling is read as the same kind, and importing its file again changes nothing
    british = record("F-5", ok, applicant={"kind": "organisation", "name": "Hợp tác xã Bình Minh",
                                           "id_number": "0100109106"})  # fmt: skip
    path = write(tmp_path, [british], "c.jsonl")
    assert run("import-dossiers", path)[0] == 0
    stored = Dossier.objects.get(code="F-5")
    assert stored.applicant_kind == "organization"
    events = list(stored.events.values_list("hash", flat=True))
    rc, _, err = run("import-dossiers", path)
    assert rc == 0, err
    assert list(Dossier.objects.get(code="F-5").events.values_list("hash", flat=True)) == events


# --- idempotence, conflicts, sequences, atomicity ----------------------------------------------------------------


def test_importing_twice_changes_nothing_and_a_changed_record_is_a_conflict(org, tmp_path):
    recs = [CONTRACT_RECORD, record("G-1", PAUSED), record("G-2", PAUSED[:3])]
    path = write(tmp_path, recs)
    assert run("import-dossiers", path)[0] == 0
    before = {d.code: (d.updated_at, d.last_event_hash) for d in Dossier.objects.all()}
    n_events = DossierEvent.objects.count()
    rc, out, err = run("import-dossiers", path)
    assert rc == 0, err
    assert "0 created, 3 skipped" in out
    assert {d.code: (d.updated_at, d.last_event_hash) for d in Dossier.objects.all()} == before
    assert DossierEvent.objects.count() == n_events
    changed = json.loads(json.dumps(recs[1]))
    changed["events"][-1]["at"] = "2025-03-07T14:00:00+07:00"
    new = record("G-3", PAUSED)
    rc, _, err = run("import-dossiers", write(tmp_path, [new, recs[0], changed], "changed.jsonl"))
    assert rc == 1
    assert "Line 3: A dossier with this code already exists with different content" in err
    assert "events" in err
    assert not Dossier.objects.filter(code="G-3").exists()  # all or nothing
    # same events (same chain), another applicant: still a conflict, named
    renamed = dict(
        recs[2], applicant={"kind": "individual", "name": "Người Khác", "id_number": "001185000123"}
    )
    rc, _, err = run("import-dossiers", write(tmp_path, [renamed], "renamed.jsonl"))
    assert rc == 1 and "(applicant_name)" in err


@pytest.mark.parametrize("jobs", ["0", "1"])
def test_importing_twice_after_the_dossiers_went_on_here_changes_nothing(org, tmp_path, jobs):
    """Pending dossiers imported, then handled here (officers resolve them): the same file imported again is
    already present (its history is the beginning of the stored one), not a conflict, and nothing changes."""
    pending = record("P-1", PAUSED[:4])
    path = write(tmp_path, [pending, record("P-2", PAUSED), CONTRACT_RECORD])
    assert run("import-dossiers", path)[0] == 0
    services.dossier_act(code="P-1", action="resolve", actor=org["users"]["leader"],
                         params={"outcome": "approved"}, at=local(2025, 3, 5, 9, 0))  # fmt: skip
    before = {d.code: (d.updated_at, d.last_event_hash, d.state) for d in Dossier.objects.all()}
    n_events = DossierEvent.objects.count()
    rc, out, err = run("import-dossiers", path, "--jobs", jobs)
    assert rc == 0, err
    assert "0 created, 3 skipped" in out and "handled here since (skipped)" in out
    assert {d.code: (d.updated_at, d.last_event_hash, d.state) for d in Dossier.objects.all()} == before
    assert DossierEvent.objects.count() == n_events
    # the stored history begins with the record's, but the record names another applicant: a conflict
    other = dict(pending, applicant={"kind": "individual", "name": "Người Khác", "id_number": "001185000123"})
    rc, _, err = run("import-dossiers", write(tmp_path, [other], "other.jsonl"), "--jobs", jobs)
    assert rc == 1 and "(applicant_name" in err
    # a record that goes further than what is stored, or elsewhere, stays a conflict
    longer = record("P-1", PAUSED)
    rc, _, err = run("import-dossiers", write(tmp_path, [longer], "longer.jsonl"), "--jobs", jobs)
    assert rc == 1 and "conflict" in err


def test_daily_sequence_is_raised_past_imported_codes(org, tmp_path):
    recs = [
        record(f"{SO}-250303-0007", [("submit", "2025-03-03T09:00:00+07:00")]),
        record(f"{SO}-250303-0003", [("submit", "2025-03-03T08:00:00+07:00")]),
        record("SKHDT-2025-0099", [("submit", "2025-03-04T08:00:00+07:00")]),  # older format: no effect
    ]
    assert run("import-dossiers", write(tmp_path, recs))[0] == 0
    assert DailySequence.objects.get(agency=org["so"], day=dt.date(2025, 3, 3)).last == 7
    assert not DailySequence.objects.filter(day=dt.date(2025, 3, 4)).exists()
    d, _ = services.dossier_file(actor=org["users"]["citizen"], procedure_code="1.001612", agency_identifier=SO,
                                 channel="online", applicant=APPLICANT, at=local(2025, 3, 3, 16, 0))  # fmt: skip
    assert d.code == f"{SO}-250303-0008"
    # a code of another known agency's format raises that agency's sequence
    rec = record("000.00.22.H26-250305-0012", [("submit", "2025-03-05T08:00:00+07:00")])
    assert run("import-dossiers", write(tmp_path, [rec], "b.jsonl"))[0] == 0
    assert DailySequence.objects.get(agency=org["other"], day=dt.date(2025, 3, 5)).last == 12


def test_code_clash_with_a_native_dossier(org, tmp_path):
    d, _ = services.dossier_file(actor=org["users"]["citizen"], procedure_code="1.001612", agency_identifier=SO,
                                 channel="online", applicant=APPLICANT, at=local(2025, 3, 3, 9, 0))  # fmt: skip
    clash = record(d.code, [("submit", "2025-03-03T10:00:00+07:00")])
    rc, _, err = run("import-dossiers", write(tmp_path, [clash]))
    assert rc == 1 and f"Dòng 1 ({d.code})" in err and "conflict" in err
    # the same dossier exported from here is identical: skipped, not a conflict
    buf = io.StringIO()
    migration_io.export_dossiers(buf)
    rc, out, err = run("import-dossiers", write(tmp_path, buf.getvalue().splitlines(), "same.jsonl"))
    assert rc == 0 and "1 skipped" in out, err
    assert Dossier.objects.get(code=d.code).imported is False


def test_a_failure_midway_leaves_the_database_as_before(org, tmp_path, monkeypatch):
    recs = [record(f"H-{i}", PAUSED) for i in range(7)]
    calls = []

    def failing(real):
        def wrapped(*args):
            calls.append(len(args[-1]))
            if len(calls) == 3:
                raise RuntimeError("killed")
            return real(*args)

        return wrapped

    monkeypatch.setattr(migration_io, "_bulk_write", failing(migration_io._bulk_write))  # SQLite
    monkeypatch.setattr(
        migration_io._CopyWriter, "__call__", failing(migration_io._CopyWriter.__call__)
    )  # PG
    with pytest.raises(RuntimeError):
        migration_io.import_dossiers(write(tmp_path, recs), batch_size=2)
    assert calls == [2, 2, 2]
    assert Dossier.objects.count() == 0 and DossierEvent.objects.count() == 0


# --- export and the round trip -----------------------------------------------------------------------------------


def _native_history(org):
    """Dossiers built through the services with explicit instants: every path that changes a timing."""
    u = org["users"]

    def file(at, channel="online", receive=False, **kw):
        actor = u["citizen"] if channel == "online" else u["officer"]
        # a limit set by the officer: for a procedure whose catalogue entry gives none
        unset = limit_unset(org["version"]) if "working_days" in kw else contextlib.nullcontext()
        with unset:
            d, _ = services.dossier_file(actor=actor, procedure_code="1.001612", agency_identifier=SO,
                                         channel=channel, applicant=APPLICANT, at=at, receive=receive, **kw)  # fmt: skip
        return d

    def act(d, action, who, at, **params):
        return services.dossier_act(code=d.code, action=action, actor=u[who], params=params, at=at)

    # early, across Tết
    d = file(local(2025, 1, 24, 9, 0))
    act(d, "receive", "officer", local(2025, 1, 24, 10, 0))
    act(d, "assign", "unit_head", local(2025, 1, 24, 10, 30), assignee="cv")
    act(d, "hand_over", "specialist", local(2025, 2, 3, 11, 0), to="ld")
    act(d, "resolve", "leader", local(2025, 2, 4, 9, 0), outcome="approved")
    act(d, "return_result", "officer", local(2025, 2, 4, 14, 0), method="counter")
    # supplement pause, on time
    d = file(local(2025, 3, 3, 8, 30))
    act(d, "receive", "officer", local(2025, 3, 3, 9, 0))
    act(d, "request_supplement", "specialist", local(2025, 3, 3, 14, 0), reason="Thiếu biên bản",
        items=[{"name": "Biên bản họp", "reason": "Chưa ký"}])  # fmt: skip
    act(d, "supplement", "citizen", local(2025, 3, 4, 10, 0))
    act(d, "resolve", "leader", local(2025, 3, 6, 13, 59), outcome="approved")
    # payment pause, late, after an apology
    d = file(local(2025, 4, 25, 15, 30), channel="counter", receive=True)  # counts from Sat 26/04 (make-up)
    act(d, "apologize", "leader", local(2025, 4, 25, 16, 0), reason="Chờ xác minh",
        new_return_at="2025-05-20T16:00:00+07:00")  # fmt: skip
    act(d, "request_payment", "specialist", local(2025, 4, 28, 9, 0), amount=100000)
    act(d, "confirm_payment", "specialist", local(2025, 5, 5, 10, 0))
    act(d, "resolve", "leader", local(2025, 5, 15, 9, 0), outcome="ineligible", reason="Không đủ điều kiện")
    act(d, "return_result", "officer", local(2025, 5, 16, 9, 0), method="post")
    # asked once before reception, then refused
    d = file(local(2025, 3, 10, 9, 0))
    act(d, "request_supplement", "officer", local(2025, 3, 10, 10, 0), reason="Thiếu giấy tờ")
    act(d, "supplement", "citizen", local(2025, 3, 11, 10, 0))
    act(d, "refuse", "officer", local(2025, 3, 11, 14, 0), reason="Không đủ điều kiện")
    # withdrawal then stop
    d = file(local(2025, 3, 12, 9, 0), channel="postal", receive=True, working_days=5)
    act(d, "request_withdrawal", "officer", local(2025, 3, 13, 9, 0), reason="Công dân xin rút")
    act(d, "stop", "leader", local(2025, 3, 13, 10, 0), reason="Dừng theo đề nghị")
    # pending: paused now; and pending overdue
    d = file(local(2025, 6, 2, 9, 0))
    act(d, "receive", "officer", local(2025, 6, 2, 9, 30))
    act(d, "request_supplement", "specialist", local(2025, 6, 3, 9, 0), reason="Bổ sung")
    d = file(local(2025, 6, 5, 9, 0), channel="counter", receive=True, working_days=0.5)
    # only submitted
    file(local(2025, 6, 6, 20, 0))


COMPARED = services.TIMING_FIELDS + (
    "channel", "applicant_kind", "applicant_name", "applicant_id_number", "applicant_phone", "result_method",
    "procedure_id", "agency_id", "procedure_version_id", "field_id_snapshot",
)  # fmt: skip


def _empty_dossier_tables():
    """Delete every dossier row and every row of any app's table that points at dossiers (outbox, ratings...),
    with raw SQL so that apps' models without a table in this test database are not touched."""
    existing = set(connection.introspection.table_names())
    order: list = []
    seen: set = set()

    def visit(model):
        if model in seen:
            return
        seen.add(model)
        for rel in model._meta.related_objects:
            visit(rel.related_model)
        order.append(model)

    for model in (IdempotencyKey, DossierStep, DossierEvent, Dossier, DailySequence):
        visit(model)
    with connection.cursor() as cur:
        for model in order:
            if model._meta.db_table in existing:
                cur.execute(f'DELETE FROM "{model._meta.db_table}"')
    assert Dossier.objects.count() == 0


def _stats():
    try:
        from motcua.reports.selectors import on_time_stats
    except ImportError:
        return None
    periods = [(dt.date(2025, 1, 1), dt.date(2025, 3, 31)), (dt.date(2025, 4, 1), dt.date(2025, 12, 31))]
    now = local(2025, 7, 1, 12, 0)
    return [on_time_stats(date_from=a, date_to=b, now=now) for a, b in periods]


def verify_stats(date_from, date_to, now="2025-07-03T12:00:00+07:00"):
    """The reports app's independent checker (replays the events) agrees with the stored columns."""
    out = io.StringIO()
    try:
        call_command("verify-stats", "--from", date_from, "--to", date_to, "--now", now, stdout=out)
    except SystemExit as exc:
        return exc.code or 0, out.getvalue()
    return 0, out.getvalue()


def test_export_then_import_into_an_empty_database_reproduces_everything(org, tmp_path):
    _native_history(org)
    before = {d.code: {f: getattr(d, f) for f in COMPARED} for d in Dossier.objects.all()}
    events_before = {
        d.code: [
            (e.action, e.at, e.from_state, e.to_state, e.reason, e.actor_name)
            for e in d.events.order_by("seq")
        ]
        for d in Dossier.objects.all()
    }
    stats_before = _stats()
    path = tmp_path / "export.jsonl"
    rc, _, err = run("export-dossiers", "-o", str(path))
    assert rc == 0, err
    first_export = path.read_text(encoding="utf-8")
    assert len(first_export.splitlines()) == len(before) == 8

    _empty_dossier_tables()

    rc, out, err = run("import-dossiers", str(path))
    assert rc == 0, err
    after = {d.code: {f: getattr(d, f) for f in COMPARED} for d in Dossier.objects.all()}
    assert after.keys() == before.keys()
    for code in before:
        assert after[code] == before[code], code
    for d in Dossier.objects.all():
        got = [
            (e.action, e.at, e.from_state, e.to_state, e.reason, e.actor_name)
            for e in d.events.order_by("seq")
        ]
        assert got == events_before[d.code]
        assert services.verify_chain(d) == []
    # the sequences came back: the next registration that day does not collide
    assert DailySequence.objects.get(agency=org["so"], day=dt.date(2025, 6, 6)).last == 1
    # exporting again gives the same file
    buf = io.StringIO()
    migration_io.export_dossiers(buf)
    assert buf.getvalue() == first_export
    if stats_before is not None:
        assert _stats() == stats_before


def test_export_filters(org, tmp_path):
    _native_history(org)
    rc, out, _ = run("export-dossiers", "--from", "2025-03-01", "--to", "2025-03-31")
    out_march = out
    codes = [json.loads(x)["code"] for x in out.splitlines()]
    assert (
        sorted(codes)
        == sorted(
            Dossier.objects.filter(
                submitted_at__date__gte="2025-03-01", submitted_at__date__lte="2025-03-31"
            ).values_list("code", flat=True)
        )
        and len(codes) == 3
    )
    rc, out, _ = run("export-dossiers", "--agency", "000.00.22.H26")
    assert rc == 0 and out == ""
    # the province: its own dossiers (none), or with --subtree its departments' too, as the statistics count it
    assert run("export-dossiers", "--agency", "H26")[1] == ""
    assert (
        len(run("export-dossiers", "--agency", "H26", "--subtree")[1].splitlines()) == Dossier.objects.count()
    )
    assert run("export-dossiers", "--subtree")[0] == 1
    # the day as pages show it, or as ISO; anything else is refused naming both forms
    assert run("export-dossiers", "--from", "01/03/2025", "--to", "31/03/2025")[1] == out_march
    rc, _, err = run("export-dossiers", "--from", "31/02/2025")
    assert rc == 1 and "dd/mm/yyyy hoặc YYYY-MM-DD" in err and "--from" in err
    assert run("export-dossiers", "--to", "2025-3-1x")[0] == 1
    assert run("export-dossiers", "--agency", "nope")[0] == 1
    rec = json.loads(run("export-dossiers", "--from", "2025-04-25", "--to", "2025-04-25")[1])
    assert rec["working_days"] == 3 and rec["due_at"] == "2025-05-07T09:00:00+07:00"
    assert rec["channel"] == "counter" and rec["events"][0]["action"] == "register"
    assert rec["events"][2] == {
        "action": "apologize", "at": "2025-04-25T16:00:00+07:00", "new_return_at": "2025-05-20T16:00:00+07:00",
        "reason": "Chờ xác minh", "actor": "ld",
    }  # fmt: skip


# --- a generated realistic file against an independent recount ---------------------------------------------------


def _gen():
    spec = importlib.util.spec_from_file_location("gen_history", REPO / "bench" / "gen_history.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


# Independent due-date arithmetic for the simple cases (no pause, default office hours, whole hours), written
# from contract §2 and rules §6.3 without the calendar app.
OFF = {dt.date.fromisoformat(x) for x in (
    "2024-01-01 2024-02-08 2024-02-09 2024-02-12 2024-02-13 2024-02-14 2024-04-18 2024-04-29 2024-04-30 2024-05-01 "
    "2024-09-02 2024-09-03 2025-01-01 2025-01-27 2025-01-28 2025-01-29 2025-01-30 2025-01-31 2025-04-07 2025-04-30 "
    "2025-05-01 2025-05-02 2025-09-01 2025-09-02").split()}  # fmt: skip
MAKEUP = {dt.date(2024, 5, 4), dt.date(2025, 4, 26)}


def _working(day):
    return day in MAKEUP or (day.weekday() < 5 and day not in OFF)


def _due(received: dt.datetime, hours: Decimal) -> dt.datetime:
    r = received.astimezone(migration_io.LOCAL)
    day, t = r.date(), r.time()
    if _working(day) and t < dt.time(15):
        start = max(r, local(day.year, day.month, day.day, 8))
        if dt.time(12) <= t < dt.time(13):
            start = local(day.year, day.month, day.day, 13)
    else:
        day += dt.timedelta(days=1)
        while not _working(day):
            day += dt.timedelta(days=1)
        start = local(day.year, day.month, day.day, 8)
    left = dt.timedelta(hours=float(hours))
    cur, day = start, start.date()
    while True:
        if _working(day):
            for a, b in ((8, 12), (13, 17)):
                seg_a = max(cur, local(day.year, day.month, day.day, a))
                seg_b = local(day.year, day.month, day.day, b)
                if seg_a >= seg_b:
                    continue
                if left <= seg_b - seg_a:
                    return seg_a + left
                left -= seg_b - seg_a
        day += dt.timedelta(days=1)
        cur = local(day.year, day.month, day.day, 0)


def _classify(resolved, due):
    if resolved > due:
        return "late"
    return "early" if resolved.astimezone(migration_io.LOCAL).date() < due.astimezone(migration_io.LOCAL).date() \
        else "on_time"  # fmt: skip


@pytest.mark.parametrize("jobs", ["0", "1"])
def test_generated_history_imports_and_matches_an_independent_recount(org, tmp_path, jobs):
    gen = _gen()
    recs = list(gen.generate(600, seed=11))
    path = write(tmp_path, recs)
    rc, out, err = run("import-dossiers", path, "--jobs", jobs, "--batch-size", "150")
    assert rc == 0, err
    assert Dossier.objects.count() == 600 and Dossier.objects.filter(imported=True).count() == 600
    assert sum(len(r["events"]) for r in recs) == DossierEvent.objects.count()

    def month(at):
        return dt.datetime.fromisoformat(at).astimezone(migration_io.LOCAL).strftime("%Y-%m")

    expected = Counter()
    classes, simple = Counter(), 0
    for r in recs:
        first = {}
        for e in r["events"]:
            first.setdefault(e["action"], e)
        for action, key in (("receive", "received"), ("resolve", "resolved"), ("stop", "stopped"),
                            ("refuse", "refused")):  # fmt: skip
            if action in first:
                expected[(key, month(first[action]["at"]))] += 1
        if "receive" in first:
            expected[("received_" + r["channel"], month(first["receive"]["at"]))] += 1
        paused = any(e["action"] in ("request_payment", "confirm_payment") for e in r["events"]) or any(
            e["action"] == "request_supplement" and e["at"] > first.get("receive", {"at": "9"})["at"]
            for e in r["events"]
        )
        if "resolve" in first and not paused:
            rec_at = dt.datetime.fromisoformat(first["receive"]["at"])
            if "due_at" in r:
                due = dt.datetime.fromisoformat(r["due_at"])
            else:
                due = _due(rec_at, Decimal(str(r.get("working_days", 3))) * 8)
            cls = _classify(dt.datetime.fromisoformat(first["resolve"]["at"]), due)
            classes[(r["code"], cls)] += 1
            simple += 1
    got = Counter()
    for d in Dossier.objects.all():
        for key, value in (("received", d.received_at), ("resolved", d.resolved_at), ("stopped", d.stopped_at),
                           ("refused", d.refused_at)):  # fmt: skip
            if value is not None:
                got[(key, value.astimezone(migration_io.LOCAL).strftime("%Y-%m"))] += 1
        if d.received_at is not None:
            got[
                ("received_" + d.channel, d.received_at.astimezone(migration_io.LOCAL).strftime("%Y-%m"))
            ] += 1
    assert got == expected
    stored = {(code, cls) for code, cls in Dossier.objects.filter(
        code__in=[c for c, _ in classes]).values_list("code", "classification")}  # fmt: skip
    assert stored == set(classes)
    kinds = Counter(cls for _, cls in classes)
    assert simple > 300 and kinds["early"] and kinds["on_time"] and kinds["late"]
    # the file exercises what it should: Tết, the make-up Saturday, pauses, refusals, stops, pending dossiers
    states = Counter(Dossier.objects.values_list("state", flat=True))
    assert states["refused"] and states["stopped"] and states["returned"]
    assert sum(states[s] for s in ("received", "processing", "supplement_requested", "awaiting_payment",
                                   "submitted", "resolved")) >= 5  # fmt: skip
    assert Dossier.objects.filter(received_at__date=dt.date(2025, 4, 26)).exists()
    assert Dossier.objects.filter(received_at__date=dt.date(2025, 1, 24)).exists()
    assert Dossier.objects.filter(paused_hours__gt=0).exists()
    assert run("verify-history")[0] == 0
    rc, report = verify_stats("2024-12-01", "2025-07-03")
    assert rc == 0, report


def _die(chunk):
    import os

    os._exit(3)


@pytest.mark.skipif(connection.vendor != "postgresql", reason="worker processes are used on PostgreSQL only")
def test_a_dying_worker_fails_the_import_instead_of_hanging(org, tmp_path, monkeypatch):
    from concurrent.futures.process import BrokenProcessPool

    monkeypatch.setattr(migration_io, "_work", _die)
    with pytest.raises(BrokenProcessPool):
        migration_io.import_dossiers(write(tmp_path, [record(f"K-{i}", PAUSED) for i in range(500)]), jobs=1)
    assert Dossier.objects.count() == 0


def test_awkward_text_survives_storage_exactly(org, tmp_path):
    """Tabs, newlines, backslashes, quotes and non-Latin text in free text and extra event data (COPY escaping on
    PostgreSQL, bulk_create elsewhere): stored exactly, chain intact."""
    note = 'tab\there\\back "quoted" new\nline — Hà Nội ✓'
    rec = record(
        "TXT-1",
        [
            ("submit", "2025-03-03T08:00:00+07:00", {"note": note, "nested": {"k": ["\\", "\t"]}}),
            ("refuse", "2025-03-03T09:00:00+07:00", {"reason": "Lý do\\có gạch chéo", "actor": "Cán bộ\tA"}),
        ],
        applicant={"kind": "individual", "name": "Lê Thị \\Hoa", "address": 'Số 1 "ngõ" 2'},
    )
    assert run("import-dossiers", write(tmp_path, [rec]))[0] == 0
    d = Dossier.objects.get(code="TXT-1")
    assert d.applicant_name == "Lê Thị \\Hoa" and d.applicant_address == 'Số 1 "ngõ" 2'
    first, second = d.events.order_by("seq")
    assert first.data["note"] == note and first.data["nested"] == {"k": ["\\", "\t"]}
    assert (
        second.reason == "Lý do\\có gạch chéo" and second.actor_name == "Cán bộ A"
    )  # NFC text, spaces collapsed
    assert services.verify_chain(d) == []
    nul = json.dumps(dict(rec, code="TXT-2")).replace("Hoa", "Ho\\u0000a")
    rc, _, err = run("import-dossiers", write(tmp_path, [nul], "nul.jsonl"))
    assert rc == 1 and "NUL" in err


@pytest.mark.parametrize("jobs", ["0", "1"])
def test_json_the_parser_or_the_database_cannot_take_is_a_bad_line(org, tmp_path, jobs):
    """Nesting too deep for the parser, an integer too long for Python, a lone UTF-16 surrogate (valid JSON
    grammar, not Unicode text: neither UTF-8 nor the databases take it): each is a bad line named with its number,
    the other bad lines are still reported, and nothing is stored — not a traceback half way."""
    ok = [("submit", "2025-03-03T08:00:00+07:00"), ("receive", "2025-03-03T09:00:00+07:00")]
    good = json.dumps(record("J-OK", ok), ensure_ascii=False)
    lone = json.dumps(record("J-NAME", ok, applicant={"kind": "individual", "name": "Lê \ud800"}))
    lines = [
        good,
        '{"code": "J-DEEP", "form_data": ' + "[" * 100_000 + "]" * 100_000 + "}",
        good.replace("J-OK", "J-INT").replace('"events"', '"working_days": ' + "9" * 5000 + ', "events"'),
        lone,
        json.dumps(
            record("J-REASON", [ok[0], ("refuse", "2025-03-03T09:00:00+07:00", {"reason": "\udc80"})])
        ),
        json.dumps(record("J-FORM", ok, form_data={"ghi_chu": "\udfff"})),
        json.dumps(record("J-EXTRA", ok, legacy_note="\ud83d")),
        json.dumps(record("J-PAIR", ok, applicant={"kind": "individual", "name": "Lê 😀"})),  # a pair: fine
        '{"code": "J-LAST", "procedure": "9.999999"}',
    ]
    rc, out, err = run("import-dossiers", write(tmp_path, lines), "--jobs", jobs)
    assert rc == 1 and "Traceback" not in err
    reported = {
        int(line.split(":")[0].removeprefix("Dòng ").split()[0])
        for line in err.splitlines()
        if line.startswith("Dòng ")
    }
    assert reported == {2, 3, 4, 5, 6, 7, 9}, err
    assert "Line 2: Not valid JSON" in err and "Line 3: Not valid JSON" in err
    assert "Line 4: The line contains a lone surrogate" in err
    assert not Dossier.objects.exists()
    assert run("import-dossiers", write(tmp_path, [good, lines[7]], "fine.jsonl"), "--jobs", jobs)[0] == 0
    assert Dossier.objects.get(code="J-PAIR").applicant_name == "Lê 😀"


def test_a_name_given_twice_in_a_record_is_a_bad_line(org, tmp_path):
    """Two "due_at" in one record: which appointment the old system gave is unknown; json would keep the last."""
    ok = [("submit", "2025-03-03T08:00:00+07:00"), ("receive", "2025-03-03T09:00:00+07:00")]
    good = json.dumps(record("K-OK", ok), ensure_ascii=False)
    twice = good.replace("K-OK", "K-TWICE").replace(
        '"events"', '"due_at": "2025-03-06T09:00:00+07:00", "due_at": "2025-03-07T09:00:00+07:00", "events"'
    )
    rc, out, err = run("import-dossiers", write(tmp_path, [good, twice]))
    assert rc == 1 and "Line 2: Not valid JSON (duplicate key 'due_at'" in err
    assert not Dossier.objects.exists()


def test_a_line_that_is_not_utf8_is_named(org, tmp_path):
    good = json.dumps(record("U-1", [("submit", "2025-03-03T08:00:00+07:00")]), ensure_ascii=False)
    latin1 = json.dumps(record("U-2", [("submit", "2025-03-03T08:00:00+07:00")]), ensure_ascii=False)
    path = tmp_path / "mixed.jsonl"
    path.write_bytes(b"\xef\xbb\xbf" + good.encode() + b"\r\n" + latin1.encode("utf-8").replace(
        "Trần Thị Bình".encode(), "Tr\xe2n".encode("latin-1")) + b"\n")  # fmt: skip
    rc, _, err = run("import-dossiers", str(path))
    assert rc == 1 and "Line 2: The line is not UTF-8 text." in err and "Line 1" not in err
    assert Dossier.objects.count() == 0


# --- the import's own encodings agree with the reference ones ---------------------------------------------------

AWKWARD = ['', 'tab\there', 'back\\slash', '"quoted"', 'new\nline\r\n', 'Hà Nội — ✓ 🏛', 'e\u0301', '\u2028\u2029',
           '\x01\x1f\x7f', '</script>', '{"k": 1}', ' lead and trail ']  # fmt: skip


def test_import_event_hash_is_byte_identical_to_the_services_one():
    """migration_io._event_hash assembles services.event_hash's canonical JSON from parts encoded once: the same
    hash for awkward text, every JSON value kind in data (nested, unordered keys), unsorted file hashes."""
    datas = [
        {},
        {"outcome": "approved"},
        {"z": 1, "a": [3, 1, {"y": None, "b": True}], "m": 1.5, "n": -0.0, "big": 10**20, "f": 1e-7},
        {"Tên": "Nguyễn", "émoji": "🏛", "nested": {"k": ["\\", "\t", "\u2028"]}, "": ""},
        {"due_at": "2025-01-15T07:45:00+00:00", "limit_hours": "24.00", "fixed_due": True},
    ]
    at = dt.datetime(2025, 1, 9, 10, 5, 0, 123456, tzinfo=dt.UTC)
    n = 0
    for text in AWKWARD:
        for data in datas:
            for files in ([], ["b" * 64, "a" * 64], [text]):
                for prev in ("", "f" * 64):
                    args = dict(code=f"C-{text}", seq=n + 1, action="request_supplement", at=at, actor=text,
                                from_state="received", to_state="supplement_requested", reason=text[::-1],
                                data=data, file_hashes=files, prev_hash=prev)  # fmt: skip
                    expected = services.event_hash(step_order=None, **args)
                    got = migration_io._event_hash(
                        migration_io._json_str(args["code"]), args["seq"], args["action"], at.isoformat(),
                        args["actor"], args["from_state"], args["to_state"], args["reason"],
                        migration_io._canonical(data) if data else "{}",
                        migration_io._canonical(sorted(files)) if files else "[]", prev,
                    )  # fmt: skip
                    assert got == expected, args
                    n += 1
    assert n == len(AWKWARD) * len(datas) * 3 * 2


def test_copy_rows_read_back_give_the_same_fingerprint(org):
    """The PostgreSQL writer compares a stored dossier with a record by reading the compared columns back from the
    record's COPY row (the worker sends no values): the same fingerprint as from the values themselves."""
    prep = migration_io.Preparer(now=local(2025, 7, 1, 12, 0))
    plans = migration_io._copy_plans()
    recs = [
        CONTRACT_RECORD,
        record("FP-1", PAUSED, working_days=0.5, applicant={"kind": "individual", "name": 'Lê \\ "Hoa"\tB',
                                                            "address": "Số 1\nngõ 2", "id_number": "001185000123"}),
        record("FP-2", [("submit", "2025-03-03T08:00:00+07:00")], result_method="post"),
        record("FP-3", PAUSED[:3], due_at="2025-03-20T10:00:00+07:00"),
    ]  # fmt: skip
    for i, rec in enumerate(recs, start=1):
        p = prep.prepare(json.loads(json.dumps(rec)), i)
        row = plans[0].text(p.fields)
        assert plans[0].fingerprint(row) == p.fingerprint
        values = plans[0].values(row, migration_io.COMPARED_FIELDS)
        assert values["applicant_name"] == p.fields["applicant_name"]
        assert values["due_at"] == p.fields["due_at"] and values["limit_hours"] == p.fields["limit_hours"]
        # and a changed column changes it
        other = dict(p.fields, applicant_address=p.fields["applicant_address"] + "x")
        assert plans[0].fingerprint(plans[0].text(other)) != p.fingerprint


def test_importing_an_export_into_the_same_database_changes_nothing(org, tmp_path):
    """Native events store their instants in UTC, the export writes them in local time: the same dossier read
    back (an apology's new return date included) is identical, not a conflict."""
    _native_history(org)
    _apologised(org)
    path = tmp_path / "export.jsonl"
    assert run("export-dossiers", "-o", str(path))[0] == 0
    assert '"new_return_at":"2025-03-12T16:00:00+07:00"' in path.read_text(encoding="utf-8")
    events = DossierEvent.objects.count()
    rc, out, err = run("import-dossiers", str(path))
    assert rc == 0, err + out
    assert DossierEvent.objects.count() == events and Dossier.objects.count() == 9


def _apologised(org):
    """A dossier received online and apologised for through the services (the new date a datetime, as the web
    form and the API give it)."""
    u = org["users"]
    d, _ = services.dossier_file(actor=u["citizen"], procedure_code="1.001612", agency_identifier=SO,
                                 channel="online", applicant=APPLICANT, at=local(2025, 3, 3, 8, 30))  # fmt: skip
    services.dossier_act(
        code=d.code, action="receive", actor=u["officer"], params={}, at=local(2025, 3, 3, 9)
    )
    return services.dossier_act(
        code=d.code, action="apologize", actor=u["leader"], at=local(2025, 3, 4, 9),
        params={"reason": "Chờ xác minh", "new_return_at": local(2025, 3, 12, 16, 0)},
    )  # fmt: skip


@pytest.mark.parametrize("offset", ["+09:99", "+15:00", "-14:60"])
def test_an_impossible_utc_offset_is_refused_on_its_line(org, tmp_path, offset):
    rec = record(
        "OFF-1", [("submit", f"2023-01-03T09:00:00{offset}"), ("receive", "2023-01-04T10:00:00+07:00")]
    )
    rc, out, err = run("import-dossiers", write(tmp_path, [rec]))
    assert rc == 1 and "độ lệch múi giờ không hợp lệ" in out + err and not Dossier.objects.exists()


def test_the_forms_of_an_imported_dossier_name_the_people_not_their_usernames(org, tmp_path):
    """An imported history names its actors as the previous system wrote them; where that is a username of an
    account here, Form 01 printed "mc" where the receiving officer signs, and Form 02 "liên hệ với cv", while the
    control slip already gave their names. A name that is no username is printed as written."""
    from motcua.dossiers import pdf

    org["users"]["officer"].first_name, org["users"]["officer"].last_name = "Nguyễn Thị", "Hoa"
    org["users"]["officer"].save()
    org["users"]["specialist"].first_name, org["users"]["specialist"].last_name = "Trần Văn", "Bình"
    org["users"]["specialist"].save()
    events = [
        ("submit", "2025-03-03T08:00:00+07:00"),
        ("receive", "2025-03-03T09:00:00+07:00", {"actor": "mc"}),
        ("request_supplement", "2025-03-04T09:00:00+07:00", {"actor": "cv", "reason": "Thiếu bản sao"}),
    ]
    other = [("submit", "2025-03-03T08:00:00+07:00"), ("receive", "2025-03-03T09:30:00+07:00",
                                                        {"actor": "Lê Văn Cũ (hệ thống cũ)"})]  # fmt: skip
    assert (
        run(
            "import-dossiers", write(tmp_path, [record("IMP-NAMES-1", events), record("IMP-NAMES-2", other)])
        )[0]
        == 0
    )
    d = Dossier.objects.get(code="IMP-NAMES-1")
    receipt = " ".join(pdf.render_form_html("receipt", d).split())
    assert "Nguyễn Thị Hoa" in receipt and ">mc<" not in receipt
    supplement = " ".join(pdf.render_form_html("supplement", d).split())
    assert "Trần Văn Bình" in supplement and "liên hệ với cv" not in supplement
    old = " ".join(pdf.render_form_html("receipt", Dossier.objects.get(code="IMP-NAMES-2")).split())
    assert "Lê Văn Cũ (hệ thống cũ)" in old
    # the control slip names no unit the history does not: the reception went to a unit not recorded
    slip = " ".join(pdf.render_form_html("control", d).split())
    assert "(không ghi nhận)" in slip and "Phòng chuyên môn" not in slip


def test_the_api_shows_event_instants_in_local_time(org, token):
    d = _apologised(org)
    r = Client().get(f"/api/v1/dossiers/{d.code}", HTTP_AUTHORIZATION=f"Bearer {token('officer')}")
    apology = next(e for e in r.json()["events"] if e["action"] == "apologize")
    assert apology["data"]["new_return_at"] == "2025-03-12T16:00:00+07:00"
    received = next(e for e in r.json()["events"] if e["action"] == "receive")
    assert received["data"]["due_at"] == "2025-03-06T09:00:00+07:00"
    # stored as recorded (UTC): the hash chain is over the stored data
    assert DossierEvent.objects.get(dossier=d, action="apologize").data["new_return_at"].endswith("+00:00")


@pytest.mark.parametrize("code", ["123/2019/HS", "HS/0001"])
def test_an_imported_code_with_a_slash_is_reached_through_the_api(org, token, tmp_path, code):
    """Contract §8: imported dossiers keep their codes, any unique code — a previous system's "123/2019/HS" too.
    The API reads it, tells its status and takes its actions like any other."""
    rec = record(code, [("submit", "2025-03-03T09:00:00+07:00"), ("receive", "2025-03-03T10:00:00+07:00")])
    assert run("import-dossiers", write(tmp_path, [rec]))[0] == 0
    c, officer = Client(), token("officer")
    auth = {"HTTP_AUTHORIZATION": f"Bearer {officer}"}
    r = c.get(f"/api/v1/dossiers/{code}", **auth)
    assert r.status_code == 200 and r.json()["code"] == code and r.json()["state"] == "received"
    assert c.get(f"/api/v1/dossiers/{code}/status").json()["code"] == code
    # the public lookup without a token: a code typed in lower case is found, an unknown one is a 404 (not 401)
    assert Client().get(f"/api/v1/dossiers/{code.lower()}/status").json()["code"] == code
    r = Client().get("/api/v1/dossiers/XX/YY/status")
    assert r.status_code == 404 and "Không tìm thấy hồ sơ 'XX/YY'" in r.json()["message"]
    r = c.post(f"/api/v1/dossiers/{code}/request_supplement", {"reason": "Thiếu bản sao"},
               content_type="application/json", **auth)  # fmt: skip
    assert r.status_code == 200 and r.json()["state"] == "supplement_requested"
    forms = {f["form"]: f["url"] for f in c.get(f"/api/v1/dossiers/{code}/forms", **auth).json()["forms"]}
    assert forms["receipt"] == f"/api/v1/dossiers/{code}/forms/receipt"
    assert c.get(forms["receipt"], **auth).content.startswith(b"%PDF")
    r = c.post(f"/api/v1/dossiers/{code}/nonsense", {}, content_type="application/json", **auth)
    assert r.status_code == 404 and r.json()["error"] == "unknown_action"
    assert c.get("/api/v1/dossiers/999/9999/XX", **auth).status_code == 404


def test_the_staff_screens_list_and_open_a_dossier_with_a_slash_in_its_code(org, tmp_path, client):
    rec = record(
        "123/2019/HS", [("submit", "2025-03-03T09:00:00+07:00"), ("receive", "2025-03-03T10:00:00+07:00")]
    )
    assert run("import-dossiers", write(tmp_path, [rec]))[0] == 0
    client.force_login(org["users"]["officer"])
    inbox = client.get("/staff/", {"tab": "all"})
    assert inbox.status_code == 200 and 'href="/staff/dossiers/123/2019/HS/"' in inbox.content.decode()
    page = client.get("/staff/dossiers/123/2019/HS/")
    assert page.status_code == 200 and page.context["dossier"].code == "123/2019/HS"
    pdf = client.get("/staff/dossiers/123/2019/HS/forms/receipt.pdf")
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf"


@pytest.mark.parametrize("quiet", [["--quiet"], ["-v", "0"]])
def test_quiet_prints_nothing_but_the_data_and_the_errors(org, tmp_path, quiet):
    """--quiet (or -v 0) is for scripts: the import prints nothing when it succeeds (exit status 0 says so), the
    export only the dossiers' lines on stdout and nothing at all with -o; errors are still printed."""

    def quietly(*args):
        out, err = io.StringIO(), io.StringIO()
        call_command(*args, *quiet, stdout=out, stderr=err)
        return out.getvalue(), err.getvalue()

    assert quietly("import-dossiers", write(tmp_path, [CONTRACT_RECORD])) == ("", "")
    assert Dossier.objects.filter(code="000.00.21.H26-230103-0001").exists()
    assert quietly("import-dossiers", write(tmp_path, [CONTRACT_RECORD]), "--dry-run") == ("", "")
    target = tmp_path / "ho-so.jsonl"
    assert quietly("export-dossiers", "-o", str(target)) == ("", "")
    assert [json.loads(x)["code"] for x in target.read_text().splitlines()] == ["000.00.21.H26-230103-0001"]
    out, err = quietly("export-dossiers")
    assert err == "" and out == target.read_text()
    # a bad file is still reported, line by line, and refused
    out, err = io.StringIO(), io.StringIO()
    with pytest.raises(CommandError, match="nothing was imported"):
        call_command(
            "import-dossiers", write(tmp_path, ['{"code": "X"}'], "bad.jsonl"), *quiet, stdout=out, stderr=err
        )
    assert out.getvalue() == "" and "Line 1" in err.getvalue()


def test_a_line_that_is_not_json_says_what_is_wrong_in_vietnamese(org, tmp_path):
    """The Vietnamese half named the parser's English ("Expecting ',' delimiter"); it now says what is wrong."""
    ok = [("submit", "2025-03-03T08:00:00+07:00"), ("receive", "2025-03-03T09:00:00+07:00")]
    good = json.dumps(record("V-OK", ok), ensure_ascii=False)
    trailing = good.replace("V-OK", "V-COMMA")[:-1] + ",}"
    twice = good.replace("V-OK", "V-TWICE").replace('"events"', '"channel": "online", "events"')
    rc, out, err = run("import-dossiers", write(tmp_path, [good, trailing, twice]))
    assert rc == 1
    assert f"(cột {len(trailing) - 1}: thừa dấu phẩy trước dấu }})" in err, err
    assert 'tên trường "channel" có hai lần trong cùng một đối tượng' in err, err
    assert "Line 2: Not valid JSON (Illegal trailing comma" in err
    assert not Dossier.objects.exists()


def test_the_contracts_annotated_example_says_how_to_write_json_lines(org, tmp_path):
    """The contract's example is one record over several lines, annotated with "#" comments: copied as it is,
    each line was "Not valid JSON (Extra data, column 13)" with no word of what to change."""
    example = [
        '{"code": "000.00.21.H26-230103-0001", "procedure": "1.001612", "agency": "000.00.21.H26",',
        ' "working_days": 5,                      # optional: the limit applied',
        ' "events": [{"action": "submit", "at": "2023-01-03T09:12:00+07:00"}]}',
        '{"code": "X"}  # a note after a record',
    ]
    rc, out, err = run("import-dossiers", write(tmp_path, example))
    assert rc == 1 and not Dossier.objects.exists()
    lines = {int(m[0]): m[1] for m in re.findall(r"Dòng (\d+): (.*?) \| Line", err)}
    assert "một đối tượng JSON trên một dòng, JSON Lines" in lines[1], lines
    assert "không có chú thích (# …)" in lines[2] and "không có chú thích (# …)" in lines[4], lines
    assert "one JSON object per line" in err and "JSON Lines has no comments" in err


def test_an_apology_the_previous_system_recorded_in_a_pause_is_imported(org, tmp_path):
    """Live, an apology waits for the clock to run again (services: apology_paused); a history from another system
    is kept as it was recorded, apology in the pause included."""
    events = [
        *PAUSED[:3],
        (
            "apologize",
            "2025-03-04T09:00:00+07:00",
            {"new_return_at": "2025-03-10T16:00:00+07:00", "reason": "x"},
        ),
        *PAUSED[3:],
    ]
    rc, _, err = run("import-dossiers", write(tmp_path, [record("AP-1", events)]))
    assert rc == 0, err
    d = Dossier.objects.get(code="AP-1")
    assert d.new_return_at is not None and d.events.filter(action="apologize").exists()
