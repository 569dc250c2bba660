"""Contract §4/§5/§7 through the services, with the real calendar and explicit instants."""

import datetime as dt

import pytest

from motcua.core.errors import Conflict, NotFound, PermissionDenied, Unprocessable
from motcua.dossiers import services
from motcua.dossiers.lifecycle import classify
from motcua.dossiers.models import Dossier, DossierEvent

from .conftest import APPLICANT, act, local


def online_filing(org, at, **over) -> dict:
    """The arguments of the citizen's online filing of 1.001612 at the department, with `over` replacing any."""
    return {
        "actor": org["users"]["citizen"],
        "procedure_code": "1.001612",
        "agency_identifier": "000.00.21.H26",
        "channel": "online",
        "applicant": APPLICANT,
        "at": at,
        **over,
    }


def file_online(org, at, **kw):
    d, _ = services.dossier_file(**online_filing(org, at, **kw))
    return d


def test_code_format_and_daily_sequence(org):
    a = file_online(org, local(2025, 3, 3, 9, 0))
    b = file_online(org, local(2025, 3, 3, 16, 0))
    c = file_online(org, local(2025, 3, 4, 8, 5))
    assert [a.code, b.code, c.code] == [
        "000.00.21.H26-250303-0001",
        "000.00.21.H26-250303-0002",
        "000.00.21.H26-250304-0001",
    ]
    # registration date is the LOCAL date: 23:30 UTC on 03/03 is 06:30 on 04/03 in Hanoi
    d = file_online(org, dt.datetime(2025, 3, 3, 23, 30, tzinfo=dt.UTC))
    assert d.code == "000.00.21.H26-250304-0002"


def test_receive_computes_due_across_tet(org):
    d = file_online(org, local(2025, 1, 24, 9, 0))
    d = act(org, d, "receive", "officer", local(2025, 1, 24, 10, 0))
    assert d.state == "received"
    assert d.received_at == local(2025, 1, 24, 10, 0)
    assert d.counting_starts_at == local(2025, 1, 24, 10, 0)
    # 3 working days = 24 h: Fri 24/01 10-17 (6h), Tết 27-31/01 off, Mon 03/02 (8h), Tue 04/02 (8h), Wed 2h
    assert d.due_at == local(2025, 2, 5, 10, 0)
    assert d.steps.count() == 2
    first = d.steps.get(order=1)
    assert first.started_at == local(2025, 1, 24, 10, 0) and first.due_at == local(2025, 2, 4, 10, 0)


def test_after_cutoff_counts_from_next_working_day(org):
    d = file_online(org, local(2024, 5, 3, 15, 30))
    d = act(org, d, "receive", "officer", local(2024, 5, 3, 15, 30))
    assert d.counting_starts_at == local(2024, 5, 4, 8, 0)  # make-up Saturday
    assert d.due_at == local(2024, 5, 7, 17, 0)


def test_first_step_starts_when_received_even_after_hours(org):
    """Received after the cut-off and handed on the same evening: the first step began at reception (its budget
    counts from the next working day's opening), so it cannot end before it began."""
    d = file_online(org, local(2024, 5, 3, 15, 30))
    d = act(org, d, "receive", "officer", local(2024, 5, 3, 16, 0))
    first = d.steps.get(order=1)
    assert first.started_at == local(2024, 5, 3, 16, 0)
    assert first.due_at == local(2024, 5, 6, 17, 0)  # 16 h from the make-up Saturday's opening: Sat, Mon
    d = act(org, d, "hand_over", "unit_head", local(2024, 5, 3, 16, 30))
    first = d.steps.get(order=1)
    assert first.started_at <= first.completed_at == local(2024, 5, 3, 16, 30)
    assert first.classification == "early"
    second = d.steps.get(order=2)
    assert second.started_at == local(2024, 5, 3, 16, 30)
    assert second.due_at == local(2024, 5, 4, 17, 0)  # 8 h, also from the counting start


def test_full_path_with_pause_classification_and_chain(org):
    d = file_online(org, local(2025, 3, 3, 8, 30))
    d = act(org, d, "receive", "officer", local(2025, 3, 3, 9, 0))
    assert d.due_at == local(2025, 3, 6, 9, 0)
    d = act(org, d, "assign", "unit_head", local(2025, 3, 3, 9, 30), assignee="cv")
    d = act(
        org,
        d,
        "request_supplement",
        "specialist",
        local(2025, 3, 3, 14, 0),
        reason="Thiếu biên bản họp",
        items=[{"name": "Biên bản họp thành viên hộ gia đình", "reason": "Chưa có chữ ký"}],
    )
    assert d.state == "supplement_requested" and d.paused_since == local(2025, 3, 3, 14, 0)
    # paused Mon 14:00 → Tue 10:00 = 3h + 2h = 5 working hours; due moves from Thu 09:00 to Thu 15:00
    d = act(org, d, "supplement", "citizen", local(2025, 3, 4, 10, 0))
    assert d.state == "processing"
    assert d.due_at == local(2025, 3, 6, 15, 0)
    assert float(d.paused_hours) == 5.0
    d = act(org, d, "hand_over", "specialist", local(2025, 3, 5, 11, 0), to="ld")
    d = act(org, d, "resolve", "leader", local(2025, 3, 6, 13, 59), outcome="approved")
    assert d.state == "resolved" and d.classification == "on_time"
    # processing time (Decision 766 indicator 2.2): Mon 09:00-17:00 7 h, Tue 8 h, Wed 8 h, Thu 08:00-13:59 4 h 59 min
    # (lunch 12:00-13:00) = 27 h 59 min, minus the 5 paused hours = 22 h 59 min
    assert d.processing_seconds == (22 * 60 + 59) * 60
    d = act(org, d, "return_result", "officer", local(2025, 3, 7, 8, 0), method="counter")
    assert d.state == "returned"
    actions = list(d.events.order_by("seq").values_list("action", flat=True))
    assert actions == [
        "submit",
        "receive",
        "assign",
        "request_supplement",
        "supplement",
        "hand_over",
        "resolve",
        "return_result",
    ]
    assert services.verify_chain(d) == []
    # tampering is detected
    DossierEvent.objects.filter(dossier=d, seq=3).update(reason="sửa lén")
    assert any("#3" in p for p in services.verify_chain(Dossier.objects.get(pk=d.pk)))


def test_classify_boundaries():
    due = local(2025, 3, 6, 14, 0)
    assert classify(local(2025, 3, 5, 16, 0), due) == "early"
    assert classify(local(2025, 3, 6, 8, 0), due) == "on_time"
    assert classify(due, due) == "on_time"
    assert classify(due + dt.timedelta(minutes=1), due) == "late"


def test_late_and_apology_rules(org):
    d = file_online(org, local(2025, 3, 3, 8, 30))
    d = act(org, d, "receive", "officer", local(2025, 3, 3, 9, 0))  # due Thu 06/03 09:00
    with pytest.raises(Unprocessable):
        act(org, d, "apologize", "leader", local(2025, 3, 4, 9, 0), reason="Chờ xác minh")  # no new date
    with pytest.raises(Unprocessable):  # new date must be after due
        act(
            org,
            d,
            "apologize",
            "leader",
            local(2025, 3, 4, 9, 0),
            reason="x",
            new_return_at=local(2025, 3, 5, 9, 0).isoformat(),
        )
    with pytest.raises(Conflict):  # Thu is the due date: too late (latest Wed 05/03)
        act(
            org,
            d,
            "apologize",
            "leader",
            local(2025, 3, 6, 8, 0),
            reason="x",
            new_return_at=local(2025, 3, 10, 9, 0).isoformat(),
        )
    d = act(
        org,
        d,
        "apologize",
        "leader",
        local(2025, 3, 5, 16, 0),
        reason="Chờ ý kiến cơ quan thuế",
        new_return_at=local(2025, 3, 10, 9, 0).isoformat(),
    )
    assert d.new_return_at == local(2025, 3, 10, 9, 0) and d.due_at == local(2025, 3, 6, 9, 0)
    with pytest.raises(Conflict):
        act(
            org,
            d,
            "apologize",
            "leader",
            local(2025, 3, 5, 16, 30),
            reason="again",
            new_return_at=local(2025, 3, 11, 9, 0).isoformat(),
        )
    d = act(
        org,
        d,
        "resolve",
        "leader",
        local(2025, 3, 7, 9, 0),
        outcome="ineligible",
        reason="Không đủ điều kiện",
    )
    assert d.classification == "late"


def test_no_apology_while_the_clock_is_paused(org):
    """While the applicant is to supplement (or to pay), the due date is not known: it moves later by the time
    paused. An apology then would promise a "new" date the resumed dossier may not even reach, so it is refused
    (409, nothing written, not offered on the screens) and taken once the dossier resumes."""
    d = file_online(org, local(2025, 3, 3, 8, 30))
    d = act(org, d, "receive", "officer", local(2025, 3, 3, 9, 0))  # due Thu 06/03 09:00
    d = act(
        org,
        d,
        "request_supplement",
        "officer",
        local(2025, 3, 3, 14, 0),
        reason="Thiếu biên bản họp",
        items=[{"name": "Biên bản họp thành viên hộ gia đình", "reason": "Chưa có chữ ký"}],
    )
    events = d.events.count()
    with pytest.raises(Conflict) as refused:
        act(
            org,
            d,
            "apologize",
            "leader",
            local(2025, 3, 4, 9, 0),
            reason="Chờ ý kiến cơ quan thuế",
            new_return_at=local(2025, 3, 7, 16, 0).isoformat(),
        )
    assert refused.value.code == "apology_paused" and "tạm dừng" in refused.value.message
    d = Dossier.objects.get(pk=d.pk)
    assert d.events.count() == events and d.new_return_at is None
    # the applicant supplements on Wed 10:00 (paused Mon 14:00 → Wed 10:00: 13 working hours): due Fri 15:00
    d = act(org, d, "supplement", "citizen", local(2025, 3, 5, 10, 0))
    assert d.due_at == local(2025, 3, 7, 15, 0)
    d = act(
        org,
        d,
        "apologize",
        "leader",
        local(2025, 3, 5, 11, 0),
        reason="Chờ ý kiến cơ quan thuế",
        new_return_at=local(2025, 3, 11, 16, 0).isoformat(),
    )
    assert d.new_return_at == local(2025, 3, 11, 16, 0) and d.due_at == local(2025, 3, 7, 15, 0)


def test_the_screens_do_not_offer_an_apology_while_the_clock_is_paused(org):
    from django.utils import timezone

    d = file_online(org, local(2025, 3, 3, 8, 30))
    d = act(org, d, "receive", "officer", local(2025, 3, 3, 9, 0))
    now = timezone.now()
    # an appointment a fortnight ahead (the screens judge by today's date): offered while the clock runs …
    Dossier.objects.filter(pk=d.pk).update(due_at=now + dt.timedelta(days=14))
    d = Dossier.objects.get(pk=d.pk)
    assert services._may_succeed("apologize", d)
    # … not while it is paused
    Dossier.objects.filter(pk=d.pk).update(paused_since=now, state="supplement_requested")
    d = Dossier.objects.get(pk=d.pk)
    assert not services._may_succeed("apologize", d)


def test_refused_action_changes_nothing(org):
    d = file_online(org, local(2025, 3, 3, 8, 30))
    before = (d.state, d.version, d.events.count())
    with pytest.raises(Conflict):
        act(org, d, "resolve", "leader", local(2025, 3, 3, 9, 0), outcome="approved")
    with pytest.raises(Unprocessable):
        act(org, d, "refuse", "officer", local(2025, 3, 3, 9, 0), reason="x" * 2001)  # too long
    with pytest.raises(NotFound):
        act(org, d, "receive", "other_officer", local(2025, 3, 3, 9, 0))  # other agency: cannot see it
    d.refresh_from_db()
    assert (d.state, d.version, d.events.count()) == before


def test_pre_reception_supplement_asked_once_then_refuse(org):
    d = file_online(org, local(2025, 3, 3, 8, 30))
    d = act(
        org,
        d,
        "request_supplement",
        "officer",
        local(2025, 3, 3, 9, 0),
        reason="Thiếu giấy đề nghị",
        items=[{"name": "Giấy đề nghị", "reason": "Chưa ký"}],
    )
    assert d.paused_since is None  # before reception the clock has not started
    d = act(org, d, "supplement", "citizen", local(2025, 3, 4, 9, 0))
    assert d.state == "submitted"
    with pytest.raises(Conflict):
        act(org, d, "request_supplement", "officer", local(2025, 3, 4, 10, 0), reason="lần hai")
    d = act(org, d, "refuse", "officer", local(2025, 3, 4, 10, 0), reason="Không thuộc thẩm quyền")
    assert d.state == "refused" and d.refused_at == local(2025, 3, 4, 10, 0)


def test_payment_pause_and_withdrawal_stop(org):
    d = file_online(org, local(2025, 3, 3, 8, 30))
    d = act(org, d, "receive", "officer", local(2025, 3, 3, 9, 0))
    with pytest.raises(Unprocessable):
        act(org, d, "request_payment", "specialist", local(2025, 3, 3, 10, 0), amount=-5)
    d = act(org, d, "request_payment", "specialist", local(2025, 3, 3, 10, 0), amount=100000)
    assert d.state == "awaiting_payment"
    d = act(org, d, "confirm_payment", "officer", local(2025, 3, 3, 11, 0))
    assert d.state == "received" and d.due_at == local(2025, 3, 6, 10, 0)
    d = act(org, d, "request_withdrawal", "citizen", local(2025, 3, 4, 9, 0))
    assert d.state == "withdrawal_requested"
    d = act(org, d, "stop", "officer", local(2025, 3, 4, 10, 0), reason="Công dân rút hồ sơ")
    assert d.state == "stopped" and d.stopped_at == local(2025, 3, 4, 10, 0)
    # the step under way ends with the stop, unfinished: not "early" as if its holder had done it
    step = services.steps_of(d)[0]
    assert step.completed_at == d.stopped_at and step.classification == ""
    from motcua.dossiers import pdf

    slip = " ".join(pdf.render_form_html("control", d).split())
    assert "Dừng xử lý" in slip and "Trước hạn" not in slip


def test_a_withdrawal_asked_before_reception_can_be_stopped_not_resolved(org):
    """Contract §5: resolved = early + on_time + late, and only reception gives a dossier its due instant. A
    dossier withdrawn before reception was resolvable (resolved with no due date, counted in `resolved` and in
    none of its parts); it can only be stopped, and the refusal changes nothing."""
    d = file_online(org, local(2025, 3, 3, 8, 30))
    d = act(org, d, "request_withdrawal", "citizen", local(2025, 3, 3, 9, 0))
    assert d.state == "withdrawal_requested"
    leader = org["users"]["leader"]
    assert "resolve" not in services.allowed_actions(leader, d)
    before = (d.state, d.version, d.events.count(), d.resolved_at)
    with pytest.raises(Conflict) as refused:
        act(org, d, "resolve", "leader", local(2025, 3, 3, 10, 0), outcome="approved")
    assert refused.value.code == "transition_not_allowed"
    assert "chưa được tiếp nhận" in refused.value.message
    d.refresh_from_db()
    assert (d.state, d.version, d.events.count(), d.resolved_at) == before
    d = act(org, d, "stop", "officer", local(2025, 3, 3, 10, 0), reason="Công dân rút hồ sơ")
    assert d.state == "stopped"
    # after reception a withdrawal request may still end in a resolution (the decision was already taken)
    e = file_online(org, local(2025, 3, 3, 8, 45))
    e = act(org, e, "receive", "officer", local(2025, 3, 3, 9, 0))
    e = act(org, e, "request_withdrawal", "citizen", local(2025, 3, 3, 9, 30))
    assert "resolve" in services.allowed_actions(leader, e)
    e = act(org, e, "resolve", "leader", local(2025, 3, 3, 10, 0), outcome="approved")
    assert e.state == "resolved" and e.classification == "early"


def test_numbers_an_action_takes_are_finite_and_bounded(org):
    """The service's own bounds, whatever the caller (web form, API, import of a future channel): an inter-agency
    step's budget in (0, 99,999.99] working hours, a fee in whole đồng below 10¹⁴ (the payment record's 14 digits),
    a limit at reception in [0, 3,650] working days. A refused action changes nothing."""
    d = file_online(org, local(2025, 3, 3, 8, 30))
    for days in ("NaN", "1e400", -1, 3651, [], True):
        with pytest.raises(Unprocessable) as refused:
            act(org, d, "receive", "officer", local(2025, 3, 3, 9, 0), working_days=days)
        assert refused.value.code == "bad_limit", days
    d = act(org, d, "receive", "officer", local(2025, 3, 3, 9, 0))
    events, steps = d.events.count(), d.steps.count()
    for hours in ("NaN", "Infinity", "1e400", 0, "100000", "abc"):
        with pytest.raises(Unprocessable) as refused:
            act(
                org,
                d,
                "hand_over",
                "specialist",
                local(2025, 3, 3, 10, 0),
                to_agency="000.00.40.H26",
                hours=hours,
            )
        assert refused.value.code == "bad_hours", hours
        assert "99.999,99" in refused.value.message and "99,999.99" in refused.value.message_en
    for amount in (1e308, 10**14, "Infinity", 0.5, 150000.5):
        with pytest.raises(Unprocessable) as refused:
            act(org, d, "request_payment", "specialist", local(2025, 3, 3, 10, 0), amount=amount)
        assert refused.value.code == "bad_amount", amount
    d.refresh_from_db()
    assert (d.state, d.events.count(), d.steps.count()) == ("received", events, steps)
    d = act(org, d, "request_payment", "specialist", local(2025, 3, 3, 10, 0), amount="150000")
    assert d.state == "awaiting_payment"


def test_inter_agency_step(org):
    d = file_online(org, local(2025, 3, 3, 8, 30))
    d = act(org, d, "receive", "officer", local(2025, 3, 3, 9, 0))
    d = act(org, d, "hand_over", "specialist", local(2025, 3, 3, 10, 0), to_agency="000.00.40.H26", hours=4)
    step = d.steps.get(order=2)
    assert step.inter_agency and step.agency.identifier == "000.00.40.H26"
    assert step.due_at == local(2025, 3, 3, 15, 0)
    assert list(d.steps.order_by("order").values_list("order", flat=True)) == [1, 2, 3]
    # the partner agency's specialist may act on the step while it is with them
    d = act(org, d, "hand_over", "tax_specialist", local(2025, 3, 3, 14, 0))
    step.refresh_from_db()
    assert step.completed_at == local(2025, 3, 3, 14, 0) and step.classification == "on_time"
    assert d.steps.get(order=3).started_at == local(2025, 3, 3, 14, 0)


def test_a_dossier_is_not_resolved_while_the_partner_agency_holds_it(org):
    """A leader resolved a dossier while the partner agency held its inter-agency step: the step was completed in
    the receiving agency's name and Form 06 said the partner had handed the dossier back. Refused (409, nothing
    changed, no button offered) until the partner hands its result back."""
    from motcua.core.errors import Conflict

    d = file_online(org, local(2025, 3, 3, 8, 30))
    d = act(org, d, "receive", "officer", local(2025, 3, 3, 9, 0))
    d = act(org, d, "hand_over", "specialist", local(2025, 3, 3, 10, 0), to_agency="000.00.40.H26", hours=4)
    events = d.events.count()
    assert "resolve" not in services.allowed_actions(org["users"]["leader"], d)
    with pytest.raises(Conflict) as refused:
        act(org, d, "resolve", "leader", local(2025, 3, 3, 11, 0), outcome="approved")
    assert refused.value.code == "partner_step_open" and "liên thông" in refused.value.message
    d.refresh_from_db()
    assert d.state == "processing" and d.events.count() == events
    assert d.steps.get(order=2).completed_at is None
    d = act(
        org, d, "hand_over", "tax_specialist", local(2025, 3, 3, 14, 0)
    )  # the partner's result comes back
    assert "resolve" in services.allowed_actions(org["users"]["leader"], d)
    d = act(org, d, "resolve", "leader", local(2025, 3, 3, 15, 0), outcome="approved")
    assert d.state == "resolved"


def test_permissions_citizen_cannot_receive(org):
    d = file_online(org, local(2025, 3, 3, 8, 30))
    with pytest.raises(PermissionDenied):
        act(org, d, "receive", "citizen", local(2025, 3, 3, 9, 0))
    with pytest.raises(NotFound):
        act(org, d, "request_withdrawal", "citizen2", local(2025, 3, 3, 9, 0))


def test_counter_registration_requires_officer_and_validates_id(org):
    with pytest.raises(PermissionDenied):
        services.dossier_file(
            actor=org["users"]["citizen"],
            procedure_code="1.001612",
            agency_identifier="000.00.21.H26",
            channel="counter",
            applicant=APPLICANT,
        )
    with pytest.raises(Unprocessable) as e:
        services.dossier_file(
            actor=org["users"]["officer"],
            procedure_code="1.001612",
            agency_identifier="000.00.21.H26",
            channel="counter",
            applicant={**APPLICANT, "id_number": "999203012345"},
        )
    assert "mã tỉnh" in e.value.message
    d, created = services.dossier_file(
        actor=org["users"]["officer"],
        procedure_code="1.001612",
        agency_identifier="000.00.21.H26",
        channel="postal",
        applicant={"kind": "organization", "name": "Công ty TNHH A", "id_number": "0100233488"},
        receive=True,
        at=local(2025, 3, 3, 9, 0),
    )
    assert created and d.state == "received" and d.channel == "postal"
    assert Dossier.objects.count() == 1


def test_chain_holds_for_unnormalised_reason(org):
    d = file_online(org, local(2025, 3, 3, 8, 30))
    d = act(org, d, "refuse", "officer", local(2025, 3, 3, 9, 0), reason="  Không   thuộc\nthẩm quyền ")
    assert d.events.get(seq=2).reason == "Không thuộc\nthẩm quyền"  # spaces collapsed, the line kept
    assert services.verify_chain(Dossier.objects.get(pk=d.pk)) == []


def test_pauses_are_recorded_to_the_column_precision_live_and_on_replay(org):
    """Two pauses of fractional working hours: `paused_hours` (2 decimals in the database) is the sum of each pause
    rounded to 0.01 h, so the live path (which reads the total back between actions) and a replay of the same
    events (the import, verify-stats) store the same total and the same processing time."""
    from motcua.dossiers import lifecycle

    d = file_online(org, local(2025, 3, 3, 8, 30))
    d = act(org, d, "receive", "officer", local(2025, 3, 3, 9, 0))
    d = act(org, d, "assign", "unit_head", local(2025, 3, 3, 9, 30), assignee="cv")
    for start, end in (
        (local(2025, 3, 3, 10, 0, 0), local(2025, 3, 3, 10, 20, 38)),  # 20 min 38 s = 0.343889 h -> 0.34
        (local(2025, 3, 4, 9, 0, 0), local(2025, 3, 4, 9, 0, 15)),  # 15 s = 0.004167 h -> 0.00
    ):
        d = act(org, d, "request_supplement", "specialist", start, reason="Thiếu giấy tờ",
                items=[{"name": "Tờ khai", "reason": "Thiếu chữ ký"}])  # fmt: skip
        d = act(org, d, "supplement", "citizen", end)
    assert (
        str(d.paused_hours) == "0.34"
    )  # (summed unrounded, the replay would store 0.35 and the live path 0.34)
    d = act(org, d, "hand_over", "specialist", local(2025, 3, 4, 11, 0), to="ld")
    d = act(org, d, "resolve", "leader", local(2025, 3, 5, 10, 0), outcome="approved")
    # Mon 09:00-17:00 7 h + Tue 8 h + Wed 08:00-10:00 2 h = 17 h, minus 0.34 h = 16.66 h
    assert d.processing_seconds == round(16.66 * 3600)
    # the same events replayed at once give the same totals
    cal = services.AgencyCalendar(d.agency)
    snap = lifecycle.Snapshot(limit_hours=d.limit_hours)
    for e in d.events.order_by("seq"):
        params = {**e.data, **({"limit_hours": d.limit_hours} if e.action == "receive" else {})}
        snap = lifecycle.apply(snap, e.action, e.at, params, cal)
    assert snap.paused_hours == d.paused_hours and snap.processing_seconds == d.processing_seconds


@pytest.mark.parametrize(
    "change, error",
    [
        ({"applicant": {**APPLICANT, "kind": "household"}}, Unprocessable),
        ({"applicant": {**APPLICANT, "name": "  "}}, Unprocessable),
        ({"applicant": {**APPLICANT, "id_number": "001203012346x"}}, Unprocessable),
        ({"channel": "fax"}, Unprocessable),
        ({"result_method": "pigeon"}, Unprocessable),
        ({"procedure_code": "9.999999"}, NotFound),
        ({"agency_identifier": "000.00.99.H26"}, NotFound),
        ({"working_days": 5}, PermissionDenied),  # a citizen does not set the time limit
        ({"representative": {"name": "Trần Văn Bốn", "id_number": "12"}}, Unprocessable),
        ({"representative": {"name": "  ", "phone": "0912345678"}}, Unprocessable),  # whose number?
        ({"representative": {"name": "Trần Văn Bốn", "email": "bon@"}}, Unprocessable),
        ({"representative": {"name": "Trần Văn Bốn", "phone": "12345"}}, Unprocessable),
        ({"representative": {"name": "B" * 256}}, Unprocessable),
        ({"representative": {"name": "Trần Văn Bốn", "relationship": "con"}}, Unprocessable),  # not dropped
        ({"applicant": {**APPLICANT, "phone": "0912 345 678 ext 12"}}, Unprocessable),
        ({"applicant": {**APPLICANT, "phone": "+1 202"}}, Unprocessable),  # too short for any country
        ({"applicant": {**APPLICANT, "email": "binh at example.vn"}}, Unprocessable),
        ({"applicant": {**APPLICANT, "address": "Số 1 " * 101}}, Unprocessable),  # 505 characters
    ],
)
def test_a_refused_filing_stores_nothing_and_leaves_no_gap_in_the_codes(org, change, error):
    """Contract §3: codes are gap-free. A filing refused for its input takes no number, so the next one is 0001."""
    at = local(2025, 3, 3, 9, 0)
    with pytest.raises(error):
        services.dossier_file(**online_filing(org, at, **change))
    assert not Dossier.objects.exists() and not DossierEvent.objects.exists()
    d, created = services.dossier_file(**online_filing(org, at))
    assert created and d.code == "000.00.21.H26-250303-0001"


def test_the_representative_is_stored_as_checked(org):
    """Trimmed, NFC, the ID's digits; phone numbers as written (spaces kept); empty fields left out."""
    import unicodedata

    at_counter = {"actor": org["users"]["officer"], "channel": "counter"}
    d, _ = services.dossier_file(
        **online_filing(
            org,
            local(2025, 3, 3, 9, 0),
            **at_counter,
            applicant={**APPLICANT, "phone": "024 3826 1234", "email": " binh@example.vn "},
            representative={
                "name": unicodedata.normalize("NFD", " Trần Văn Bốn "),
                "id_number": "001 203 012 345",
                "phone": "+84 912 345 678",
                "address": "",
                "authorisation_document": "Giấy ủy quyền số 12/2025, ngày 01/03/2025",
            },
        )
    )
    d.refresh_from_db()
    assert d.representative == {
        "name": "Trần Văn Bốn",
        "id_number": "001203012345",
        "phone": "+84 912 345 678",
        "authorisation_document": "Giấy ủy quyền số 12/2025, ngày 01/03/2025",
    }
    # a landline is a phone; the e-mail address is trimmed
    assert (d.applicant_phone, d.applicant_email) == ("024 3826 1234", "binh@example.vn")
    # a foreign applicant's own number, international form
    abroad, _ = services.dossier_file(
        **online_filing(
            org, local(2025, 3, 3, 9, 2), **at_counter, applicant={**APPLICANT, "phone": "+1 (202) 555-0100"}
        )
    )
    assert abroad.applicant_phone == "+1 (202) 555-0100"
    # an empty form's fields: no representative
    blank = {"name": "", "id_number": " "}
    empty, _ = services.dossier_file(
        **online_filing(org, local(2025, 3, 3, 9, 5), **at_counter, representative=blank)
    )
    assert empty.representative == {}


def _received(org):
    d = file_online(org, local(2025, 3, 3, 8, 30))
    return act(org, d, "receive", "officer", local(2025, 3, 3, 9, 0))


@pytest.mark.parametrize(
    "action, params",
    [
        ("request_supplement", {"reason": "x" * 2001, "items": [{"name": "Giấy A"}]}),
        ("request_supplement", {"reason": "Thiếu", "items": [{"name": "Giấy A", "extra": {"x": 1}}]}),
        ("request_supplement", {"reason": "Thiếu", "items": [{"name": "Giấy A", "reason": "y" * 1001}]}),
        ("request_supplement", {"reason": "Thiếu", "items": [{"name": ["Giấy A"]}]}),
        ("request_supplement", {"reason": "Thiếu", "items": [{"name": "  "}]}),
        ("request_supplement", {"reason": "Thiếu", "items": [{"name": f"Giấy {i}"} for i in range(101)]}),
        ("request_supplement", {"reason": ["not", "text"]}),
        ("request_payment", {"amount": 50000, "note": "n" * 1001}),
    ],
)
def test_an_actions_texts_are_bounded_and_refusal_changes_nothing(org, action, params):
    d = _received(org)
    before = (d.state, d.version, d.events.count())
    with pytest.raises(Unprocessable):
        services.dossier_act(code=d.code, action=action, actor=org["users"]["officer"], params=params)
    d.refresh_from_db()
    assert (d.state, d.version, d.events.count()) == before


def test_supplement_items_are_stored_in_nfc_as_given(org):
    import unicodedata

    d = _received(org)
    nfd = unicodedata.normalize("NFD", "Biên bản họp thành viên")
    params = {
        "reason": "Thiếu giấy tờ",
        "items": [{"name": nfd, "reason": unicodedata.normalize("NFD", "Chưa ký")}],
    }
    d = services.dossier_act(
        code=d.code, action="request_supplement", actor=org["users"]["officer"], params=params
    )
    event = d.events.get(action="request_supplement")
    assert event.data["items"] == [{"name": "Biên bản họp thành viên", "reason": "Chưa ký"}]
    assert params["items"][0]["name"] == nfd  # the caller's dict is not changed


def test_form_data_without_an_e_form_is_kept_as_filed_within_bounds(org):
    """ADR 0021: a version without an e-form keeps form_data as filed — up to 64 KB and five levels."""
    kwargs = online_filing(org, local(2025, 3, 3, 9, 0))
    table = {"thanh_vien": [{"ho_ten": "Nguyễn Văn A", "ty_le": 50}, {"ho_ten": "Trần Thị B", "ty_le": 50}]}
    d, _ = services.dossier_file(**kwargs, form_data=table)
    assert d.form_data == table
    for too_much in ({"ghi_chu": "x" * (64 * 1024)}, {"a": {"b": {"c": {"d": {"e": {"f": 1}}}}}}):
        with pytest.raises(Unprocessable) as exc:
            services.dossier_file(**kwargs, form_data=too_much)
        assert exc.value.code == "bad_form_data"
    assert Dossier.objects.count() == 1


def test_the_control_slips_resolution_row_names_the_step_it_completed(org):
    """A hand-over and the resolution in the same second each complete a step at that instant: the slip's
    resolution row took the first of them (the specialist's step, given by the leader) by its instant. It is the
    event's own step."""
    from motcua.dossiers import pdf

    d = file_online(org, local(2025, 3, 3, 8, 30))
    d = act(org, d, "receive", "officer", local(2025, 3, 3, 9, 0))
    d = act(org, d, "assign", "unit_head", local(2025, 3, 3, 9, 30), step=1, assignee="cv")
    same = local(2025, 3, 4, 10, 0)
    d = act(org, d, "hand_over", "specialist", same, to="ld")
    d = act(org, d, "resolve", "leader", same, outcome="approved")
    events = list(d.events.order_by("seq"))
    rows = pdf.control_rows(d, events, list(services.steps_of(d)))
    resolution = next(r for r in rows if r["note"].startswith("Hoàn thành giải quyết"))
    assert resolution["giver_unit"] == "Lãnh đạo Sở"
