"""Fixtures for the statistics tests: a small agency tree, two fields, three procedures, and a table of dossiers
whose timings were chosen by hand (due instants checked against the 2025 calendar: March 2025 has no day off;
7 April 2025 is the Hùng Kings' day off). Stored columns AND matching events are written, so the statistics
(stored columns) and the checker (events) can both be exercised."""

import datetime as dt
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.contrib.auth import get_user_model

from motcua.catalog.models import Field, Procedure, ProcedureVersion
from motcua.dossiers import lifecycle
from motcua.dossiers import services as dossier_services
from motcua.dossiers.models import Dossier
from motcua.org.models import Agency, Role, StaffRole

LOCAL = ZoneInfo("Asia/Ho_Chi_Minh")
PASSWORD = "pw-motcua-123"  # the staff fixture's users


def at(*args) -> dt.datetime:
    return dt.datetime(*args, tzinfo=LOCAL)


@pytest.fixture
def world(db):
    hn = Agency.objects.create(identifier="H26", name="Thành phố Hà Nội", level="province")
    so = Agency.objects.create(
        identifier="000.00.21.H26", name="Sở Kế hoạch và Đầu tư", level="department", parent=hn
    )
    quan = Agency.objects.create(
        identifier="000.00.33.H26", name="UBND Quận Hai Bà Trưng", level="district", parent=hn
    )
    phuong = Agency.objects.create(
        identifier="000.01.33.H26", name="UBND Phường Bạch Đằng", level="commune", parent=quan
    )
    f1 = Field.objects.create(code="thanh-lap-doanh-nghiep", name="Thành lập và phát triển doanh nghiệp")
    f2 = Field.objects.create(code="ho-kinh-doanh", name="Thành lập và hoạt động của hộ kinh doanh")
    procs = {}
    for code, name, field in (
        ("1.001001", "Đăng ký thành lập doanh nghiệp tư nhân", f1),
        ("1.001612", "Đăng ký thành lập hộ kinh doanh", f2),
        ("1.001002", "Đăng ký thay đổi nội dung đăng ký doanh nghiệp", f1),
    ):
        p = Procedure.objects.create(code=code, name=name, field=field, level="province")
        ProcedureVersion.objects.create(
            procedure=p,
            effective_from=dt.date(2020, 1, 1),
            name=name,
            field=field,
            level="province",
            legal_days=Decimal(5),
        )
        procs[code] = p
    return {"hn": hn, "so": so, "quan": quan, "phuong": phuong, "f1": f1, "f2": f2, "procs": procs}


def make_dossier(
    code: str,
    *,
    agency: Agency,
    procedure: Procedure,
    channel: str = "online",
    submitted=None,
    received=None,
    limit_hours=Decimal(40),
    due=None,
    resolved=None,
    classification: str = "",
    stopped=None,
    refused=None,
    field_snapshot=None,
    counting_starts=None,
) -> Dossier:
    """Store the columns as given and append the events that produced them (submit/register, receive,
    resolve | stop | refuse)."""
    first = submitted or received
    state = "submitted"
    if received:
        state = "processing"
    if resolved:
        state = "resolved"
    if stopped:
        state = "stopped"
    if refused:
        state = "refused"
    d = Dossier.objects.create(
        code=code,
        agency=agency,
        procedure=procedure,
        field_id_snapshot=field_snapshot,
        channel=channel,
        state=state,
        applicant_name="Nguyễn Văn An",
        applicant_name_ascii="nguyen van an",
        limit_hours=limit_hours if received else None,
        submitted_at=first,
        received_at=received,
        counting_starts_at=counting_starts or received,
        due_at=due,
        initial_due_at=due,
        resolved_at=resolved,
        outcome="approved" if resolved else "",
        classification=classification,
        stopped_at=stopped,
        refused_at=refused,
        processing_seconds=lifecycle.processing_seconds(
            counting_starts or received, resolved, 0, dossier_services.AgencyCalendar(agency)
        )
        if resolved
        else None,
    )
    seq = 0
    prev_state = None

    def event(action, when, to_state, data=None, reason=""):
        nonlocal seq, prev_state
        seq += 1
        dossier_services.record_event(
            d,
            seq=seq,
            action=action,
            at=when,
            actor=None,
            actor_name="test",
            from_state=prev_state,
            to_state=to_state,
            data=data or {},
            reason=reason,
        )
        prev_state = to_state

    event(
        "submit" if channel == "online" else "register",
        first,
        "submitted",
        {"channel": channel, "procedure": procedure.code},
    )
    if received:
        event(
            "receive",
            received,
            "received",
            {"limit_hours": str(limit_hours), "due_at": due.isoformat() if due else None},
        )
    if refused:
        event("refuse", refused, "refused", reason="Không thuộc thẩm quyền")
    if stopped:
        event("stop", stopped, "stopped", reason="Công dân rút hồ sơ")
    if resolved:
        event("resolve", resolved, "resolved", {"outcome": "approved"})
    d.version = seq
    d.save(update_fields=["last_event_hash", "version"])
    return d


@pytest.fixture
def table(world):
    """The known-answer table (period of the tests: March 2025)."""
    so, ph = world["so"], world["phuong"]
    p1, p2, p3 = (world["procs"][c] for c in ("1.001001", "1.001612", "1.001002"))
    f2 = world["f2"]
    h = Decimal(40)  # 5 working days
    rows = {
        # early: resolved on 07/03, due 10/03
        "D01": dict(
            procedure=p2,
            channel="online",
            received=at(2025, 3, 3, 9),
            due=at(2025, 3, 10, 9),
            resolved=at(2025, 3, 7, 10),
            classification="early",
        ),
        # on time: resolved on the due date, before the due instant
        "D02": dict(
            procedure=p2,
            channel="counter",
            received=at(2025, 3, 4, 10),
            due=at(2025, 3, 11, 10),
            resolved=at(2025, 3, 11, 9, 30),
            classification="on_time",
        ),
        # late by one minute on the due date; field snapshot f2 although its procedure is in f1 now
        "D03": dict(
            procedure=p1,
            channel="postal",
            received=at(2025, 3, 5, 14),
            due=at(2025, 3, 12, 14),
            resolved=at(2025, 3, 12, 14, 1),
            classification="late",
            field_snapshot=f2.pk,
        ),
        # carried over from February (10 working days), resolved early in March
        "D04": dict(
            procedure=p1,
            channel="counter",
            received=at(2025, 2, 20, 10),
            limit_hours=Decimal(80),
            due=at(2025, 3, 6, 10),
            resolved=at(2025, 3, 5, 16),
            classification="early",
        ),
        # resolved after the period end (late) -> pending overdue at the end of March
        "D05": dict(
            procedure=p1,
            channel="online",
            received=at(2025, 3, 20, 10),
            due=at(2025, 3, 27, 10),
            resolved=at(2025, 4, 2, 10),
            classification="late",
        ),
        # resolved after the period end, due in April -> pending within time at the end of March
        "D06": dict(
            procedure=p3,
            channel="online",
            received=at(2025, 3, 28, 10),
            due=at(2025, 4, 4, 10),
            resolved=at(2025, 4, 3, 10),
            classification="early",
        ),
        # stopped in the period
        "D07": dict(
            procedure=p1,
            channel="counter",
            received=at(2025, 3, 10, 10),
            due=at(2025, 3, 17, 10),
            stopped=at(2025, 3, 12, 11),
        ),
        # refused at reception (never received)
        "D08": dict(
            procedure=p1, channel="online", submitted=at(2025, 3, 11, 9), refused=at(2025, 3, 11, 15)
        ),
        # never resolved, overdue at the end of the period
        "D09": dict(
            procedure=p3, channel="online", received=at(2025, 3, 3, 8, 30), due=at(2025, 3, 10, 8, 30)
        ),
        # received exactly at 00:00 on 01/04 (after the period); counting starts 08:00; 1 working day
        "D10": dict(
            procedure=p1,
            channel="online",
            received=at(2025, 4, 1, 0, 0),
            limit_hours=Decimal(8),
            counting_starts=at(2025, 4, 1, 8),
            due=at(2025, 4, 1, 17),
        ),
        # received and resolved in February: outside everything
        "D11": dict(
            procedure=p1,
            channel="online",
            received=at(2025, 2, 10, 10),
            due=at(2025, 2, 17, 10),
            resolved=at(2025, 2, 14, 10),
            classification="early",
        ),
        # received in February, still open: carried over and overdue
        "D12": dict(procedure=p1, channel="counter", received=at(2025, 2, 10, 9), due=at(2025, 2, 17, 9)),
        # received in February, stopped in February: not carried over
        "D14": dict(
            procedure=p1,
            channel="online",
            received=at(2025, 2, 27, 10),
            due=at(2025, 3, 6, 10),
            stopped=at(2025, 2, 28, 10),
        ),
        # received at 23:59 on the last day (after office hours): counts as received; 1 working day
        "D15": dict(
            procedure=p3,
            channel="postal",
            received=at(2025, 3, 31, 23, 59),
            limit_hours=Decimal(8),
            counting_starts=at(2025, 4, 1, 8),
            due=at(2025, 4, 1, 17),
        ),
    }
    out = {}
    for key, spec in rows.items():
        spec.setdefault("limit_hours", h)
        out[key] = make_dossier(f"000.00.21.H26-TEST-{key}", agency=so, **spec)
    # a ward of the district: early, in March
    out["D13"] = make_dossier(
        "000.01.33.H26-TEST-D13",
        agency=ph,
        procedure=p2,
        channel="online",
        received=at(2025, 3, 5, 10),
        limit_hours=h,
        due=at(2025, 3, 12, 10),
        resolved=at(2025, 3, 6, 10),
        classification="early",
    )
    return out


@pytest.fixture
def staff(world):
    """Users: a leader of the department, an overseer of the province, a citizen without roles."""
    User = get_user_model()
    leader = User.objects.create_user("lanhdao.test", password=PASSWORD)
    StaffRole.objects.create(user=leader, agency=world["so"], role=Role.LEADER)
    overseer = User.objects.create_user("giamsat.test", password=PASSWORD)
    StaffRole.objects.create(user=overseer, agency=world["hn"], role=Role.OVERSEER)
    citizen = User.objects.create_user("congdan.test", password=PASSWORD)
    return {"leader": leader, "overseer": overseer, "citizen": citizen}
