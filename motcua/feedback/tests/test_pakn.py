import importlib.util

import pytest

from motcua.core.errors import Conflict, NotFound, PermissionDenied, Unprocessable
from motcua.feedback import services
from motcua.feedback.models import Feedback, Kind, Status

from .conftest import local, make_dossier

SENDER = {"name": "Trần Thị Bình", "phone": "0912345678", "email": "binh@example.vn"}


def submit(world, *, at, user=None, kind="reflection", subject="agency", **kw):
    kw.setdefault("agency_identifier", world["ward"].identifier if subject != "dossier" else "")
    return services.feedback_submit(
        user=user,
        kind=kind,
        subject=subject,
        title=kw.pop("title", "Hướng dẫn chưa rõ"),
        content=kw.pop("content", "Cán bộ hướng dẫn chưa rõ ràng."),
        contact=kw.pop("contact", SENDER),
        at=at,
        **kw,
    )


def test_deadline_is_ten_working_days_across_tet(world):
    # Fri 24/01/2025 10:00; 25–26 weekend, 27/01–02/02 Tết off: 6 h on the 24th + 9 days (03–13/02) + 2 h.
    fb = submit(world, at=local(2025, 1, 24, 10, 0))
    assert fb.working_days == 10
    assert fb.due_at == local(2025, 2, 14, 10, 0)
    assert fb.status == Status.RECEIVED
    assert fb.reference.startswith("PAKN-250124-")


def test_deadline_is_configurable(world, settings):
    settings.MOTCUA_PAKN_WORKING_DAYS = 5
    fb = submit(world, at=local(2025, 1, 24, 10, 0))
    assert fb.due_at == local(2025, 2, 7, 10, 0)
    fb2 = submit(world, at=local(2025, 1, 24, 10, 0), working_days=1)
    assert fb2.due_at == local(2025, 2, 3, 10, 0)


def test_received_after_cutoff_counts_from_next_working_day(world):
    fb = submit(world, at=local(2025, 3, 7, 16, 0), working_days=1)  # Fri after the 15:00 cut-off
    assert fb.due_at == local(2025, 3, 10, 17, 0)


def test_routing(world):
    d = make_dossier(world, agency=world["district"])
    fb = submit(world, at=local(2025, 3, 3, 9), subject="dossier", dossier_code=d.code)
    assert (fb.agency, fb.dossier, fb.procedure) == (world["district"], d, world["procedure"])
    fb = submit(world, at=local(2025, 3, 3, 9), subject="procedure", procedure_code="1.001193")
    assert fb.agency == world["ward"] and fb.procedure == world["procedure"]
    fb = submit(world, at=local(2025, 3, 3, 9), subject="agency", agency_identifier=world["dept"].identifier)
    assert fb.agency == world["dept"] and fb.procedure is None
    # typed in lower case, with spaces around (ADR 0003: identifiers are upper case; it was "not found")
    typed = f"  {world['dept'].identifier.lower()} "
    assert (
        submit(world, at=local(2025, 3, 3, 9), subject="agency", agency_identifier=typed).agency
        == world["dept"]
    )


@pytest.mark.parametrize(
    "kw,error",
    [
        (
            {"subject": "procedure", "procedure_code": "1.001193", "agency_identifier": "000.00.21.H26"},
            Unprocessable,
        ),
        ({"subject": "procedure", "procedure_code": "1.001193", "agency_identifier": ""}, Unprocessable),
        ({"subject": "procedure", "procedure_code": "9.999999"}, NotFound),
        ({"subject": "dossier", "dossier_code": "KHONG-CO"}, NotFound),
        ({"subject": "agency", "agency_identifier": "000.99.99.H26"}, NotFound),
        ({"subject": "agency", "agency_identifier": ""}, Unprocessable),
        ({"subject": "other"}, Unprocessable),
        ({"kind": "praise"}, Unprocessable),
        ({"title": "  "}, Unprocessable),
        ({"contact": {"name": "Ẩn danh"}}, Unprocessable),
        ({"contact": {"name": "A", "phone": "123", "email": "a@example.vn"}}, Unprocessable),
        ({"contact": {"name": "A", "phone": "0912345678", "email": "not-an-email"}}, Unprocessable),
        ({"working_days": 0}, Unprocessable),
    ],
)
def test_bad_submissions_change_nothing(world, kw, error):
    with pytest.raises(error):
        submit(world, at=local(2025, 3, 3, 9), **kw)
    assert not Feedback.objects.exists()


def test_signed_in_sender_needs_no_contact_details(world):
    fb = submit(world, at=local(2025, 3, 3, 9), user=world["users"]["citizen"], contact={})
    assert fb.user == world["users"]["citizen"]
    assert fb.contact_name == "Nguyễn Văn An" and fb.contact_email == "congdan@example.vn"


def test_complaint_needs_own_dossier(world):
    d = make_dossier(world)
    with pytest.raises(Unprocessable):
        submit(
            world, at=local(2025, 3, 3, 9), kind="complaint", subject="agency", user=world["users"]["citizen"]
        )
    with pytest.raises(PermissionDenied):
        submit(
            world,
            at=local(2025, 3, 3, 9),
            kind="complaint",
            subject="dossier",
            dossier_code=d.code,
            user=world["users"]["citizen2"],
        )
    with pytest.raises(PermissionDenied):  # not signed in
        submit(world, at=local(2025, 3, 3, 9), kind="complaint", subject="dossier", dossier_code=d.code)
    fb = submit(
        world,
        at=local(2025, 3, 3, 9),
        kind="complaint",
        subject="dossier",
        dossier_code=d.code,
        user=world["users"]["citizen"],
    )
    assert fb.kind == Kind.COMPLAINT and Feedback.objects.count() == 1


def test_on_time_and_late_answers(world):
    officer = world["users"]["ward_officer"]
    a = submit(world, at=local(2025, 3, 3, 10))  # due 17/03 10:00
    b = submit(world, at=local(2025, 3, 3, 10))
    a = services.feedback_start(reference=a.reference, user=officer, at=local(2025, 3, 4, 9))
    assert (a.taken_by, a.taken_at) == (officer, local(2025, 3, 4, 9))  # who took it up, and when
    a = services.feedback_answer(
        reference=a.reference, user=officer, answer="Đã chấn chỉnh.", at=local(2025, 3, 17, 10, 0)
    )
    b = services.feedback_answer(
        reference=b.reference, user=officer, answer="Xin lỗi.", at=local(2025, 3, 17, 10, 1)
    )
    assert (a.status, a.on_time, a.answered_by) == (Status.ANSWERED, True, officer)
    assert (b.status, b.on_time) == (Status.ANSWERED, False)
    with pytest.raises(Conflict):
        services.feedback_answer(reference=a.reference, user=officer, answer="Lần hai")
    assert Feedback.objects.get(pk=a.pk).answer == "Đã chấn chỉnh."
    services.feedback_close(reference=a.reference, user=officer, at=local(2025, 3, 18, 9))
    assert Feedback.objects.get(pk=a.pk).status == Status.CLOSED


def test_only_handlers_of_the_agency_answer(world):
    fb = submit(world, at=local(2025, 3, 3, 10))
    for who in ("district_officer", "dept_officer", "overseer", "citizen"):
        with pytest.raises(PermissionDenied):
            services.feedback_answer(reference=fb.reference, user=world["users"][who], answer="x")
    with pytest.raises(NotFound):
        services.feedback_answer(reference="PAKN-0", user=world["users"]["ward_officer"], answer="x")
    with pytest.raises(Unprocessable):
        services.feedback_answer(reference=fb.reference, user=world["users"]["ward_officer"], answer="  ")
    fb.refresh_from_db()
    assert fb.status == Status.RECEIVED and fb.answer == "" and fb.answered_at is None


def test_reject_needs_a_reason(world):
    fb = submit(world, at=local(2025, 3, 3, 10))
    officer = world["users"]["ward_officer"]
    with pytest.raises(Unprocessable):
        services.feedback_reject(reference=fb.reference, user=officer, reason=" ")
    fb = services.feedback_reject(reference=fb.reference, user=officer, reason="Không thuộc thẩm quyền.")
    assert fb.status == Status.REJECTED and fb.on_time is None
    with pytest.raises(Conflict):
        services.feedback_answer(reference=fb.reference, user=officer, answer="x")
    with pytest.raises(Conflict):
        services.feedback_close(reference=fb.reference, user=officer)


@pytest.mark.skipif(
    importlib.util.find_spec("motcua.notifications.services") is None, reason="notifications not installed"
)
def test_answer_notifies_the_sender(world, settings):
    from motcua.notifications.models import Outbox

    settings.MOTCUA_NOTIFY_ON_COMMIT = False
    fb = submit(world, at=local(2025, 3, 3, 10))
    services.feedback_answer(
        reference=fb.reference, user=world["users"]["ward_officer"], answer="Đã xử lý xong."
    )
    rows = Outbox.objects.filter(template="feedback_answered").order_by("channel")
    assert [(r.channel, r.recipient) for r in rows] == [("email", "binh@example.vn"), ("sms", "0912345678")]
    assert fb.reference in rows[0].body and "Đã xử lý xong." in rows[0].body


@pytest.mark.skipif(
    importlib.util.find_spec("motcua.notifications.services") is None, reason="notifications not installed"
)
def test_an_answer_recorded_long_after_it_was_given_is_not_sent(world, settings):
    """Back-dated answers (late data entry, the demo history) are history, as back-dated dossier events are."""
    import datetime as dt

    from django.utils import timezone

    from motcua.notifications.models import Outbox

    settings.MOTCUA_NOTIFY_ON_COMMIT = False
    officer = world["users"]["ward_officer"]
    now = timezone.now()
    old = submit(world, at=now - dt.timedelta(days=10))
    services.feedback_answer(
        reference=old.reference, user=officer, answer="Đã xử lý.", at=now - dt.timedelta(days=4)
    )
    assert not Outbox.objects.filter(template="feedback_answered").exists()
    recent = submit(world, at=now - dt.timedelta(days=10))
    services.feedback_answer(
        reference=recent.reference, user=officer, answer="Đã xử lý.", at=now - dt.timedelta(hours=2)
    )
    assert (
        Outbox.objects.filter(template="feedback_answered").count() == 2
    )  # e-mail and SMS of the recent one
    settings.MOTCUA_NOTIFY_MAX_EVENT_AGE_HOURS = None  # no limit: an operator who wants every answer sent
    third = submit(world, at=now - dt.timedelta(days=10))
    services.feedback_answer(
        reference=third.reference, user=officer, answer="Đã xử lý.", at=now - dt.timedelta(days=4)
    )
    assert Outbox.objects.filter(template="feedback_answered").count() == 4


@pytest.mark.skipif(
    importlib.util.find_spec("motcua.notifications.services") is None, reason="notifications not installed"
)
def test_a_rejection_tells_the_sender_why(world, settings):
    """A sender without an account (name, phone and e-mail) has no page to look at: a PAKN refused as not under
    the agency's competence must reach them, with the reason, as an answer does."""
    from motcua.notifications.models import Outbox

    settings.MOTCUA_NOTIFY_ON_COMMIT = False
    settings.MOTCUA_SITE_URL = "https://dichvucong.example.vn"
    fb = submit(world, at=local(2025, 3, 3, 10))
    officer = world["users"]["ward_officer"]
    services.feedback_reject(
        reference=fb.reference, user=officer, reason="Không thuộc thẩm quyền của Phường."
    )
    rows = Outbox.objects.filter(template="feedback_rejected").order_by("channel")
    assert [(r.channel, r.recipient) for r in rows] == [("email", "binh@example.vn"), ("sms", "0912345678")]
    email, sms = rows
    assert fb.reference in email.subject and "không được xử lý" in email.subject
    assert "Lý do: Không thuộc thẩm quyền của Phường." in email.body and "UBND Phường Bách Khoa" in email.body
    assert sms.body.isascii() and fb.reference in sms.body
    assert "cua-toi" not in email.body  # no account: no page of theirs to link
    # a signed-in sender is sent to their own PAKN page, where the reason is shown
    mine = submit(
        world, at=local(2025, 3, 3, 11), user=world["users"]["citizen"], contact={"phone": "0987654321"}
    )
    services.feedback_reject(reference=mine.reference, user=officer, reason="Trùng lặp.")
    texts = Outbox.objects.filter(template="feedback_rejected", recipient="0987654321")
    assert [r.body for r in texts] == [
        f"Phan anh, kien nghi {mine.reference} cua Ong/Ba khong duoc xu ly. Ly do: https://dichvucong.example.vn/phan-anh/cua-toi/"
    ]


@pytest.mark.skipif(
    importlib.util.find_spec("motcua.notifications.services") is None, reason="notifications not installed"
)
def test_an_answer_texted_to_a_signed_in_sender_says_where_to_read_it(world, settings):
    """A text message cannot carry the answer: one to a sender with an account links their PAKN page."""
    from motcua.notifications.models import Outbox

    settings.MOTCUA_NOTIFY_ON_COMMIT = False
    settings.MOTCUA_SITE_URL = "https://dichvucong.example.vn"
    fb = submit(
        world, at=local(2025, 3, 3, 10), user=world["users"]["citizen2"], contact={"phone": "0987654321"}
    )
    services.feedback_answer(
        reference=fb.reference, user=world["users"]["ward_officer"], answer="Đã xử lý xong."
    )
    (row,) = Outbox.objects.filter(template="feedback_answered")
    assert row.body == (
        f"Phan anh, kien nghi {fb.reference} cua Ong/Ba da duoc tra loi. Xem: https://dichvucong.example.vn/phan-anh/cua-toi/"
    )  # not "PAKN PAKN-…"


@pytest.mark.skipif(
    importlib.util.find_spec("motcua.notifications.services") is None, reason="notifications not installed"
)
def test_the_answer_to_a_sender_without_account_carries_the_evaluation_link(world, settings, client):
    """No account, no page of theirs: the e-mail and the text message carry a signed link to evaluate the answer."""
    from motcua.notifications.models import Outbox

    settings.MOTCUA_NOTIFY_ON_COMMIT = False
    settings.MOTCUA_SITE_URL = "https://dichvucong.example.vn"
    fb = submit(world, at=local(2025, 3, 3, 10))
    services.feedback_answer(
        reference=fb.reference, user=world["users"]["ward_officer"], answer="Đã xử lý xong."
    )
    email, sms = Outbox.objects.filter(template="feedback_answered").order_by("channel")
    prefix = "https://dichvucong.example.vn/phan-anh/danh-gia/"
    link = sms.body.split("Danh gia: ", 1)[1]
    assert sms.body.isascii() and link.startswith(prefix) and fb.reference in sms.body
    assert sms.body == f"Phan anh, kien nghi {fb.reference} cua Ong/Ba da duoc tra loi. Danh gia: {link}"
    assert link in email.body and "không cần đăng nhập" in email.body and "trong 90 ngày" in email.body
    assert "cua-toi" not in email.body
    assert services.evaluation_link_reference(link.removeprefix(prefix).rstrip("/")) == fb.reference
    assert client.get(link.removeprefix("https://dichvucong.example.vn")).status_code == 200
    # a refusal has no answer to evaluate: no link
    other = submit(world, at=local(2025, 3, 3, 11))
    services.feedback_reject(reference=other.reference, user=world["users"]["ward_officer"], reason="Trùng.")
    assert not any("danh-gia" in r.body for r in Outbox.objects.filter(template="feedback_rejected"))


def test_a_sender_without_account_evaluates_with_the_link_token(world):
    officer = world["users"]["ward_officer"]
    fb = submit(world, at=local(2025, 3, 3, 10))
    other = submit(world, at=local(2025, 3, 3, 10))
    token = services.evaluation_token(fb)
    with pytest.raises(Conflict) as not_yet:
        services.feedback_evaluate(
            reference=fb.reference, token=token, satisfied=True, at=local(2025, 3, 4, 9)
        )
    assert not_yet.value.code == "not_answered"
    for ref in (fb.reference, other.reference):
        services.feedback_answer(reference=ref, user=officer, answer="Đã xử lý.", at=local(2025, 3, 5, 9))
    with pytest.raises(NotFound):  # without the token, or with another PAKN's, or a tampered one
        services.feedback_evaluate(reference=fb.reference, satisfied=True)
    with pytest.raises(NotFound):
        services.feedback_evaluate(reference=other.reference, token=token, satisfied=True)
    with pytest.raises(NotFound):
        services.feedback_evaluate(reference=fb.reference, token=token + "x", satisfied=True)
    with pytest.raises(Unprocessable) as no_reason:
        services.feedback_evaluate(reference=fb.reference, token=token, satisfied=False, reason=" ")
    assert no_reason.value.code == "reason_required"
    fb = services.feedback_evaluate(
        reference=fb.reference, token=token, satisfied=True, at=local(2025, 3, 6, 9)
    )
    assert (fb.sender_satisfied, fb.sender_evaluated_at) == (True, local(2025, 3, 6, 9))
    with pytest.raises(Conflict) as again:
        services.feedback_evaluate(reference=fb.reference, token=token, satisfied=False, reason="Đổi ý")
    assert again.value.code == "already_evaluated"
    # a PAKN sent from an account: its token (never sent) opens nothing
    mine = submit(world, at=local(2025, 3, 3, 10), user=world["users"]["citizen"], contact={})
    services.feedback_answer(
        reference=mine.reference, user=officer, answer="Đã xử lý.", at=local(2025, 3, 5, 9)
    )
    with pytest.raises(NotFound):
        services.feedback_evaluate(
            reference=mine.reference, token=services.evaluation_token(mine), satisfied=True
        )


def test_rolled_back_answer_changes_nothing_when_notify_fails(world, monkeypatch):
    fb = submit(world, at=local(2025, 3, 3, 10))

    def boom(fb):
        raise RuntimeError("outbox down")

    monkeypatch.setattr(services, "_notify_answer", boom)
    with pytest.raises(RuntimeError):
        services.feedback_answer(reference=fb.reference, user=world["users"]["ward_officer"], answer="x")
    fb.refresh_from_db()
    assert fb.status == Status.RECEIVED and fb.answered_at is None


def test_the_sender_evaluates_the_answer_once(world):
    citizen, officer = world["users"]["citizen"], world["users"]["ward_officer"]
    fb = submit(world, at=local(2025, 3, 3, 10), user=citizen, contact={})
    with pytest.raises(Conflict) as not_yet:  # no answer yet
        services.feedback_evaluate(
            reference=fb.reference, user=citizen, satisfied=True, at=local(2025, 3, 4, 9)
        )
    assert not_yet.value.code == "not_answered"
    services.feedback_answer(
        reference=fb.reference, user=officer, answer="Đã xử lý.", at=local(2025, 3, 5, 9)
    )
    for who in ("citizen2", "ward_officer"):  # only the sender's account
        with pytest.raises(NotFound):
            services.feedback_evaluate(reference=fb.reference, user=world["users"][who], satisfied=True)
    with pytest.raises(Unprocessable) as no_reason:  # "Không hài lòng" needs a reason
        services.feedback_evaluate(reference=fb.reference, user=citizen, satisfied=False, reason="  ")
    assert no_reason.value.code == "reason_required"
    with pytest.raises(Unprocessable):  # not before the answer
        services.feedback_evaluate(
            reference=fb.reference, user=citizen, satisfied=False, reason="x", at=local(2025, 3, 5, 8)
        )
    fb.refresh_from_db()
    assert fb.sender_satisfied is None and fb.sender_evaluated_at is None
    services.feedback_close(reference=fb.reference, user=officer, at=local(2025, 3, 6, 9))
    fb = services.feedback_evaluate(  # closed after the answer: still evaluable
        reference=fb.reference,
        user=citizen,
        satisfied=False,
        reason=" Chưa trả lời đúng câu hỏi ",
        at=local(2025, 3, 7, 9),
    )
    assert (fb.sender_satisfied, fb.sender_reason, fb.sender_evaluated_at) == (
        False,
        "Chưa trả lời đúng câu hỏi",
        local(2025, 3, 7, 9),
    )
    with pytest.raises(Conflict) as again:  # once: not changeable
        services.feedback_evaluate(reference=fb.reference, user=citizen, satisfied=True)
    assert again.value.code == "already_evaluated"
    assert Feedback.objects.get(pk=fb.pk).sender_satisfied is False
    rejected = submit(world, at=local(2025, 3, 3, 10), user=citizen, contact={})
    services.feedback_reject(reference=rejected.reference, user=officer, reason="Trùng")
    with pytest.raises(Conflict):  # a refusal has no answer to evaluate
        services.feedback_evaluate(reference=rejected.reference, user=citizen, satisfied=True)


@pytest.mark.skipif(
    importlib.util.find_spec("motcua.notifications.services") is None, reason="notifications not installed"
)
def test_the_handlers_are_told_when_the_sender_is_not_satisfied(world, settings):
    """Whoever took the PAKN up and answered it, and the agency's leaders, get an e-mail with the sender's reason;
    a satisfied sender sends nobody anything."""
    from django.contrib.auth import get_user_model

    from motcua.notifications.models import Outbox
    from motcua.org.models import Role, StaffRole

    settings.MOTCUA_NOTIFY_ON_COMMIT = False
    officer = world["users"]["ward_officer"]
    officer.email = "phuong.mc@example.vn"
    officer.save()
    leader = get_user_model().objects.create_user("chutich", email="chutich@example.vn")
    StaffRole.objects.create(user=leader, agency=world["ward"], role=Role.LEADER)
    unlisted = get_user_model().objects.create_user("khongthu")  # a leader without an e-mail address: skipped
    StaffRole.objects.create(user=unlisted, agency=world["ward"], role=Role.LEADER)
    citizen = world["users"]["citizen"]
    kept, unhappy = (submit(world, at=local(2025, 3, 3, 10), user=citizen, contact={}) for _ in range(2))
    for fb in (kept, unhappy):
        services.feedback_start(reference=fb.reference, user=officer, at=local(2025, 3, 4, 9))
        services.feedback_answer(
            reference=fb.reference, user=officer, answer="Đã xử lý.", at=local(2025, 3, 5, 9)
        )
    services.feedback_evaluate(
        reference=kept.reference, user=citizen, satisfied=True, at=local(2025, 3, 6, 9)
    )
    assert not Outbox.objects.filter(template="feedback_dissatisfied").exists()
    services.feedback_evaluate(
        reference=unhappy.reference, user=citizen, satisfied=False, reason="Vẫn chưa có hướng dẫn.",
        at=local(2025, 3, 6, 9),
    )  # fmt: skip
    rows = Outbox.objects.filter(template="feedback_dissatisfied").order_by("recipient")
    assert [r.recipient for r in rows] == ["chutich@example.vn", "phuong.mc@example.vn"]
    assert all(unhappy.reference in r.body and "Vẫn chưa có hướng dẫn." in r.body for r in rows)
    assert f"/staff/phan-anh/{unhappy.reference}/" in rows[0].body
