"""`motcua verify-history`: every dossier's hash chain is recomputed; a break is named and the exit is non-zero."""

import datetime as dt
import io
import json
from decimal import Decimal

from django.core.management import call_command
from django.core.management.base import CommandError
from hypothesis import given
from hypothesis import strategies as st

from motcua.dossiers import migration_io, services
from motcua.dossiers.models import Dossier, DossierEvent

from .conftest import APPLICANT, local


def verify(*args):
    out, err = io.StringIO(), io.StringIO()
    try:
        call_command("verify-history", *args, stdout=out, stderr=err)
    except CommandError as exc:
        return 1, out.getvalue(), err.getvalue() + str(exc)
    return 0, out.getvalue(), err.getvalue()


def _dossiers(org, tmp_path):
    u = org["users"]
    d, _ = services.dossier_file(actor=u["citizen"], procedure_code="1.001612", agency_identifier="000.00.21.H26",
                                 channel="online", applicant=APPLICANT, at=local(2025, 3, 3, 8, 30))  # fmt: skip
    for action, who, at, params in [
        ("receive", "officer", local(2025, 3, 3, 9, 0), {}),
        ("request_supplement", "specialist", local(2025, 3, 3, 14, 0), {"reason": "Thiếu biên bản"}),
        ("supplement", "citizen", local(2025, 3, 4, 10, 0), {}),
        ("resolve", "leader", local(2025, 3, 6, 13, 0), {"outcome": "approved"}),
    ]:
        services.dossier_act(code=d.code, action=action, actor=u[who], params=params, at=at)
    rec = {
        "code": "OLD-1", "procedure": "1.001612", "agency": "000.00.21.H26", "channel": "counter",
        "applicant": {"kind": "individual", "name": "Phạm Văn Cũ", "id_number": "012345678"},
        "events": [
            {"action": "register", "at": "2024-11-04T09:00:00+07:00", "actor": "Nguyễn Thị Mai"},
            {"action": "receive", "at": "2024-11-04T09:05:00+07:00", "actor": "Nguyễn Thị Mai"},
            {"action": "assign", "at": "2024-11-04T10:00:00+07:00", "assignee": "Đỗ Ngọc Lan"},
            {"action": "resolve", "at": "2024-11-06T10:00:00+07:00", "outcome": "approved"},
        ],
    }  # fmt: skip
    path = tmp_path / "h.jsonl"
    path.write_text(json.dumps(rec, ensure_ascii=False) + "\n", encoding="utf-8")
    result = migration_io.import_dossiers(str(path))
    assert result.ok and result.created == 1
    return d, Dossier.objects.get(code="OLD-1")


def test_intact_chains_pass(org, tmp_path):
    _dossiers(org, tmp_path)
    rc, out, err = verify()
    assert rc == 0, err
    assert "Checked 2 dossier(s), 9 event(s); 0 broken" in out


def test_an_altered_event_is_named(org, tmp_path):
    native, imported = _dossiers(org, tmp_path)
    # queryset.update bypasses the model's immutability guard, as a direct SQL edit would
    DossierEvent.objects.filter(dossier=imported, seq=3).update(data={"assignee": "người khác"})
    rc, out, err = verify()
    assert rc == 1
    assert "OLD-1: event #3 (assign) was altered" in err
    assert native.code not in err  # the intact dossier is not named
    assert "1 broken" in out and "1 dossier(s)" in err
    # restricting to the other dossier passes
    assert verify("--code", native.code)[0] == 0


def test_a_moved_time_a_deleted_event_and_a_rewritten_head_are_named(org, tmp_path):
    native, imported = _dossiers(org, tmp_path)
    DossierEvent.objects.filter(dossier=native, seq=2).update(at=local(2025, 3, 3, 8, 0))
    DossierEvent.objects.filter(dossier=imported, seq=4).delete()  # queryset delete: no guard either
    rc, _, err = verify()
    assert rc == 1
    assert f"{native.code}: event #2 (receive) was altered" in err
    assert "OLD-1: the dossier's last hash does not match its last event" in err
    DossierEvent.objects.filter(dossier=imported, seq=2).delete()
    rc, _, err = verify("--agency", "000.00.21.H26")
    assert "OLD-1: event #3 out of sequence (expected #2)" in err


def test_interleaved_agencies_in_small_batches(org, tmp_path):
    """Dossiers of two agencies alternate in id order: checking one agency reads an id range that also holds the
    other's events (dense ids), and must neither count nor judge them."""
    lines = []
    for i in range(10):
        agency = "000.00.21.H26" if i % 2 == 0 else "000.00.22.H26"
        lines.append(
            json.dumps(
                {
                    "code": f"MIX-{i}", "procedure": "1.001612", "agency": agency, "channel": "counter",
                    "applicant": {"kind": "individual", "name": "Phạm Văn Cũ", "id_number": "012345678"},
                    "events": [
                        {"action": "register", "at": "2024-11-04T09:00:00+07:00", "actor": "Nguyễn Thị Mai"},
                        {"action": "receive", "at": "2024-11-04T09:05:00+07:00", "actor": "Nguyễn Thị Mai"},
                    ],
                },
                ensure_ascii=False,
            )
        )  # fmt: skip
    path = tmp_path / "mix.jsonl"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    assert migration_io.import_dossiers(str(path)).created == 10
    DossierEvent.objects.filter(dossier__code="MIX-3", seq=2).update(reason="sửa")
    for chunk in (1, 2, 3, 10):
        n, events, problems = migration_io.verify_history(agency="000.00.21.H26", chunk=chunk)
        assert (n, events, problems) == (5, 10, []), chunk
        n, events, problems = migration_io.verify_history(chunk=chunk)
        assert (n, events) == (10, 20) and problems == ["MIX-3: event #2 (receive) was altered"], chunk


# --- the event data as stored and hashed ------------------------------------------------------------------------

_SCALARS = (
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False)
    | st.text()
    | st.decimals(allow_nan=False, allow_infinity=False)
    | st.dates()
    | st.datetimes(timezones=st.sampled_from([dt.UTC, services.LOCAL]))
)
_VALUES = st.recursive(
    _SCALARS,
    lambda inner: (
        st.lists(inner, max_size=3) | st.tuples(inner) | st.dictionaries(st.text(), inner, max_size=3)
    ),
    max_leaves=8,
)


def _round_trip(data):
    return json.loads(json.dumps(data, default=services._json_default))


def _same(got, expected):
    assert got == expected
    assert json.dumps(got, sort_keys=True) == json.dumps(expected, sort_keys=True)  # true is not 1


@given(st.dictionaries(st.text(max_size=3), _SCALARS | _VALUES, max_size=6))
def test_clean_data_is_the_json_round_trip(data):
    """Event data is stored and hashed as a JSON round trip gives it back; the direct conversion of scalars must
    give exactly that (values and their types), so the hashes of new and imported events never change."""
    got = services._clean_data(data)
    _same(got, _round_trip(data))
    assert got is not data


def test_clean_data_examples():
    at = dt.datetime(2026, 11, 26, 15, 0, tzinfo=services.LOCAL)
    data = {"due_at": at, "limit_hours": Decimal("120.0"), "day": at.date(), "n": 3, "ok": True, "x": None}
    assert services._clean_data(data) == {
        "due_at": "2026-11-26T08:00:00+00:00",
        "limit_hours": "120.0",
        "day": "2026-11-26",
        "n": 3,
        "ok": True,
        "x": None,
    }
    items = [{"name": "Tờ khai", "reason": "thiếu chữ ký"}]
    cleaned = services._clean_data({"items": items, "pair": (1, 2)})
    assert cleaned == {"items": items, "pair": [1, 2]} and cleaned["items"] is not items
    _same(services._clean_data({1: "a", "b": at}), {"1": "a", "b": "2026-11-26T08:00:00+00:00"})


def test_files_are_read_back_and_compared_with_their_recorded_hash(org, settings, tmp_path):
    """`--files`: after a restore or a storage move, every stored file is read back; a missing or changed one is
    named and the exit is non-zero. Without `--files` the files are not read."""
    from motcua.dossiers import documents

    from .test_documents import make_png

    settings.MEDIA_ROOT = str(tmp_path / "media")
    u = org["users"]
    d, _ = services.dossier_file(actor=u["officer"], procedure_code="1.001612", agency_identifier="000.00.21.H26",
                                 channel="counter", applicant=APPLICANT, receive=True)  # fmt: skip
    kept, changed, lost = (
        documents.store_upload(
            dossier=d, uploaded_file=documents.bytes_file(data, name), kind="other", actor=u["officer"]
        )
        for data, name in ((make_png(), "a.png"), (make_png() + b"1", "b.png"), (make_png() + b"2", "c.png"))
    )
    code, out, _ = verify("--files")
    assert code == 0 and "Checked 3 file(s); 0 missing, unreadable or different" in out
    with changed.file.storage.open(changed.file.name, "wb") as fh:  # the disk's copy no longer what was filed
        fh.write(make_png() + b"tampered")
    lost.file.storage.delete(lost.file.name)
    code, out, err = verify("--files", "--code", d.code)
    assert code == 1 and "2 file(s) missing or different" in err
    assert f"#{changed.pk} b.png" in err and "content differs" in err
    assert f"#{lost.pk} c.png" in err and "missing or unreadable" in err and f"#{kept.pk} " not in err
    assert verify()[0] == 0  # the chains themselves are intact; files are read only when asked
