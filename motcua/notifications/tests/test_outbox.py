import datetime as dt
import io
import threading
import time

import pytest
from django.core import mail
from django.core.mail.backends.base import BaseEmailBackend
from django.core.management import call_command
from django.db import connection, transaction
from django.utils import timezone

from motcua.core.errors import Conflict
from motcua.dossiers import services as dossiers
from motcua.dossiers.models import Dossier
from motcua.notifications import services
from motcua.notifications.models import Channel, Outbox, Status
from motcua.notifications.recipients import RecipientError, normalise_phone
from motcua.notifications.sms import MemoryAdapter

from .factories import APPLICANT, add_result, local


def file_online(world, at=None, **applicant):
    dossier, _ = dossiers.dossier_file(
        actor=world["citizen"],
        procedure_code="1.001612",
        agency_identifier="000.00.21.H26",
        channel="online",
        applicant={**APPLICANT, **applicant},
        at=at or local(2025, 1, 24, 9, 0),
    )
    return dossier


def act(world, dossier, action, who="officer", at=None, **params):
    return dossiers.dossier_act(
        code=dossier.code, action=action, actor=world[who], params=params, at=at or local(2025, 1, 24, 10, 0)
    )


# --- what is queued, and when it is sent ---------------------------------------------------------------------


def test_receipt_queues_one_email_and_one_sms_sent_after_commit(world, django_capture_on_commit_callbacks):
    dossier = file_online(world)
    assert Outbox.objects.count() == 0  # filing (submit) itself notifies nothing
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        act(world, dossier, "receive")
    assert len(callbacks) == 1
    rows = {r.channel: r for r in Outbox.objects.all()}
    assert set(rows) == {Channel.EMAIL, Channel.SMS}
    assert rows[Channel.EMAIL].recipient == "an.nguyen@example.vn"
    assert rows[Channel.SMS].recipient == "0912345678"
    assert all(r.status == Status.SENT and r.attempts == 1 and r.sent_at for r in rows.values())
    assert len(mail.outbox) == 1
    msg = mail.outbox[0]
    assert msg.to == ["an.nguyen@example.vn"]
    assert msg.subject == f"Hồ sơ {dossier.code} đã được tiếp nhận"
    # contract §2 example: received Fri 24/01/2025 10:00, 3 working days → due 05/02/2025 10:00 (Tết off)
    assert "10:00 ngày 05/02/2025" in msg.body
    assert "03 ngày làm việc" in msg.body
    assert f"https://dichvucong.example.vn/ho-so-cua-toi/{dossier.code}/" in msg.body
    assert MemoryAdapter.outbox == [{"to": "0912345678", "body": rows[Channel.SMS].body}]
    assert dossier.code in rows[Channel.SMS].body


def test_nothing_is_sent_for_a_rolled_back_action(world, django_capture_on_commit_callbacks):
    dossier = file_online(world)
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        with pytest.raises(RuntimeError):
            with transaction.atomic():
                act(world, dossier, "receive")
                assert Outbox.objects.count() == 2  # written inside the action's transaction …
                raise RuntimeError("the surrounding request failed")
    assert Outbox.objects.count() == 0  # … and gone with it
    assert callbacks == []
    assert mail.outbox == [] and MemoryAdapter.outbox == []
    assert Dossier.objects.get(pk=dossier.pk).state == "submitted"


def test_a_refused_action_notifies_nothing(world, django_capture_on_commit_callbacks):
    dossier = file_online(world)
    with django_capture_on_commit_callbacks(execute=True):
        with pytest.raises(Conflict):
            act(world, dossier, "resolve", who="leader", outcome="approved")  # not received yet
    assert Outbox.objects.count() == 0 and mail.outbox == []


def test_each_notified_action_uses_its_vietnamese_template(world, django_capture_on_commit_callbacks):
    dossier = file_online(world)
    with django_capture_on_commit_callbacks(execute=True):
        act(world, dossier, "receive")
        act(
            world,
            dossier,
            "request_supplement",
            at=local(2025, 1, 24, 11, 0),
            reason="Thiếu chữ ký",
            items=[{"name": "Giấy đề nghị", "reason": "chưa ký"}],
        )
        act(world, dossier, "supplement", who="citizen", at=local(2025, 2, 3, 9, 0))
        act(
            world,
            dossier,
            "apologize",
            who="leader",
            at=local(2025, 2, 3, 10, 0),
            reason="Chờ ý kiến cơ quan thuế",
            new_return_at=local(2025, 2, 10, 16, 0),
        )
        act(world, dossier, "resolve", who="leader", at=local(2025, 2, 4, 9, 0), outcome="approved")
    subjects = [m.subject for m in mail.outbox]
    code = dossier.code
    due = dossier.events.get(action="supplement").data["due_at"]  # the appointment moved by the time paused
    due_text = timezone.localtime(dt.datetime.fromisoformat(due)).strftime("%H:%M ngày %d/%m/%Y")
    assert subjects == [
        f"Hồ sơ {code} đã được tiếp nhận",
        f"Hồ sơ {code}: yêu cầu bổ sung, hoàn thiện hồ sơ",
        f"Hồ sơ {code}: tiếp tục giải quyết, hẹn trả kết quả {due_text}",
        f"Hồ sơ {code}: thư xin lỗi và hẹn lại ngày trả kết quả",
        f"Hồ sơ {code} đã có kết quả giải quyết",
    ]  # the supplement (the citizen's own) is news for its new appointment
    assert "sau khi nhận đủ tài liệu bổ sung" in mail.outbox[2].body and due_text in mail.outbox[2].body
    supplement, apology, resolved = mail.outbox[1].body, mail.outbox[3].body, mail.outbox[4].body
    assert "Lý do: Thiếu chữ ký" in supplement and "1. Giấy đề nghị — chưa ký" in supplement
    assert "Chờ ý kiến cơ quan thuế" in apology and "16:00 ngày 10/02/2025" in apology
    assert "giải quyết xong lúc 09:00 ngày 04/02/2025" in resolved
    texts = [m["body"] for m in MemoryAdapter.outbox]
    assert len(texts) == 5 and all(t.isascii() for t in texts), texts  # GSM 7-bit: 160 characters a message
    assert "Hen lai: 16:00 ngay 10/02/2025" in texts[3]
    assert (
        f"mức độ hài lòng: https://dichvucong.example.vn/danh-gia/{code}/" in resolved
    )  # the rating invited
    assert f"https://dichvucong.example.vn/ho-so-cua-toi/{code}/" in supplement  # an account: its page


def test_payment_request_tells_the_amount(world, django_capture_on_commit_callbacks):
    dossier = act(world, file_online(world), "receive")
    with django_capture_on_commit_callbacks(execute=True):
        act(world, dossier, "request_payment", who="specialist", at=local(2025, 1, 24, 11, 0), amount=1400000)
    assert mail.outbox[-1].subject == f"Hồ sơ {dossier.code}: yêu cầu thực hiện nghĩa vụ tài chính"
    assert "1.400.000 đồng" in mail.outbox[-1].body
    assert "1.400.000 dong" in MemoryAdapter.outbox[-1]["body"]


def test_refusal_notice(world, django_capture_on_commit_callbacks):
    dossier = file_online(world, email="", phone="")  # only the account's e-mail is known
    with django_capture_on_commit_callbacks(execute=True):
        act(world, dossier, "refuse", reason="Không thuộc thẩm quyền của Sở")
    assert [r.channel for r in Outbox.objects.all()] == [Channel.EMAIL]
    assert mail.outbox[0].to == ["an.nguyen@example.vn"]  # from the citizen account
    assert "Lý do: Không thuộc thẩm quyền của Sở" in mail.outbox[0].body


def test_a_stopped_dossier_is_notified_with_the_reason(world, django_capture_on_commit_callbacks):
    """A dossier the agency stops (the supplement never came, say) will have no result: the applicant, who would
    otherwise wait for the appointment, is told, with the reason."""
    dossier = act(world, file_online(world), "receive")
    with django_capture_on_commit_callbacks(execute=True):
        act(
            world,
            dossier,
            "stop",
            who="leader",
            reason="Quá thời hạn bổ sung hồ sơ",
            at=local(2025, 1, 24, 11, 0),
        )
    assert mail.outbox[-1].subject == f"Hồ sơ {dossier.code}: dừng giải quyết"
    body = mail.outbox[-1].body
    assert "Lý do: Quá thời hạn bổ sung hồ sơ" in body and "11:00 ngày 24/01/2025" in body
    assert f"https://dichvucong.example.vn/ho-so-cua-toi/{dossier.code}/" in body
    assert MemoryAdapter.outbox[-1] == {
        "to": "0912345678",
        "body": f"Ho so {dossier.code} da dung giai quyet. Ly do va thong bao dung: "
        f"https://dichvucong.example.vn/ho-so-cua-toi/{dossier.code}/",
    }


def test_a_result_sent_by_post_is_notified_with_its_tracking_number_not_one_handed_over(
    world, django_capture_on_commit_callbacks
):
    """The applicant waiting for the post is told it left and with which tracking number; one handed the result at
    the counter is standing there and is told nothing more."""
    posted = act(world, file_online(world), "receive")
    posted = act(world, posted, "resolve", who="leader", outcome="approved", at=local(2025, 1, 24, 11, 0))
    with django_capture_on_commit_callbacks(execute=True):
        act(
            world,
            posted,
            "return_result",
            method="post",
            tracking_number="EA123456789VN",
            at=local(2025, 1, 24, 14, 0),
        )
    assert mail.outbox[-1].subject == f"Kết quả hồ sơ {posted.code} đã được gửi"
    body = mail.outbox[-1].body
    assert "qua dịch vụ bưu chính lúc 14:00 ngày 24/01/2025, số vận đơn EA123456789VN" in body
    assert MemoryAdapter.outbox[-1] == {
        "to": "0912345678",
        "body": f"Ket qua ho so {posted.code} da gui qua buu chinh, so van don EA123456789VN.",
    }
    # delivered electronically: the message ends with the link, as every other one does — a full stop after it
    # is taken into the address by some phones (".../ho-so-cua-toi/<code>/." is no page)
    online = act(world, file_online(world), "receive")
    online = act(world, online, "resolve", who="leader", outcome="approved", at=local(2025, 1, 24, 11, 0))
    add_result(world, online)
    with django_capture_on_commit_callbacks(execute=True):
        act(world, online, "return_result", method="electronic", at=local(2025, 1, 24, 14, 0))
    assert MemoryAdapter.outbox[-1]["body"] == (
        f"Ket qua ho so {online.code} da tra dien tu: https://dichvucong.example.vn/ho-so-cua-toi/{online.code}/"
    )
    handed = act(world, file_online(world), "receive")
    handed = act(world, handed, "resolve", who="leader", outcome="approved", at=local(2025, 1, 24, 11, 0))
    before = Outbox.objects.count()
    with django_capture_on_commit_callbacks(execute=True):
        act(world, handed, "return_result", method="counter", at=local(2025, 1, 24, 14, 0))
    assert Outbox.objects.count() == before


def test_the_import_notifies_nobody_but_a_live_action_on_a_carried_over_dossier_does(world, tmp_path):
    """Open dossiers carried over from the previous system: their history is not news (the import sends nothing,
    even for recent events), the next action taken here is."""
    import json

    from django.core.management import call_command

    now = timezone.localtime()
    record = {
        "code": "000.00.21.H26-OLD-0001", "procedure": "1.001612", "agency": "000.00.21.H26", "channel": "online",
        "applicant": {"kind": "individual", "name": "Nguyễn Văn An", "id_number": "001203012345",
                      "phone": "0912345678", "email": "an.nguyen@example.vn"},
        "events": [{"action": "submit", "at": (now - dt.timedelta(hours=2)).isoformat()},
                   {"action": "receive", "at": (now - dt.timedelta(hours=1)).isoformat()}],
    }  # fmt: skip
    path = tmp_path / "old.jsonl"
    path.write_text(json.dumps(record, ensure_ascii=False) + "\n", encoding="utf-8")
    call_command("import-dossiers", str(path), "--quiet", stdout=io.StringIO(), stderr=io.StringIO())
    dossier = Dossier.objects.get(imported=True)
    assert Outbox.objects.count() == 0
    act(world, dossier, "request_supplement", at=timezone.now(), reason="Thiếu bản sao giấy tờ")
    assert Outbox.objects.filter(dossier=dossier).count() == 2  # e-mail and SMS to the applicant


def test_back_dated_events_are_history_not_news(world, settings):
    settings.MOTCUA_NOTIFY_MAX_EVENT_AGE_HOURS = 72
    old = file_online(world, at=timezone.now() - dt.timedelta(days=10))
    act(world, old, "receive", at=timezone.now() - dt.timedelta(days=10))
    assert Outbox.objects.count() == 0
    recent = file_online(world, at=timezone.now() - dt.timedelta(minutes=5))
    act(world, recent, "receive", at=timezone.now() - dt.timedelta(minutes=1))
    assert Outbox.objects.filter(dossier=recent).count() == 2


# --- deduplication --------------------------------------------------------------------------------------------


def test_one_row_per_event_channel_and_recipient(world):
    dossier = file_online(world)
    act(world, dossier, "receive")
    event = dossier.events.get(action="receive")
    again = services.notify(
        recipient_email="An.Nguyen@EXAMPLE.vn", template="received", context={"code": "x"}, event=event
    )
    assert [r.pk for r in again] == [Outbox.objects.get(channel="email").pk]
    assert Outbox.objects.count() == 2


def test_notify_without_event_dedupes_on_content(world):
    ctx = {"reference": "PAKN-2025-0001", "answer": "Đã xử lý.", "name": "Trần Thị Bình"}
    first = services.notify(recipient_email="binh@example.vn", template="feedback_answered", context=ctx)
    second = services.notify(recipient_email="binh@example.vn", template="feedback_answered", context=ctx)
    assert len(first) == 1 and [r.pk for r in second] == [first[0].pk]
    other = services.notify(
        recipient_email="binh@example.vn",
        template="feedback_answered",
        context={**ctx, "answer": "Bổ sung trả lời."},
    )
    assert other[0].pk != first[0].pk
    assert first[0].subject == "Phản ánh, kiến nghị PAKN-2025-0001 đã được trả lời"
    assert "Kính gửi Ông/Bà Trần Thị Bình" in first[0].body and "Đã xử lý." in first[0].body


def test_the_answer_carries_the_evaluation_link_when_there_is_no_account_page(world):
    """feedback_answered: the sender's page (`url`) when signed in; otherwise the signed evaluation link, in the
    e-mail with how long it lasts, in the text message in ASCII."""
    link = "https://dvc.example.vn/phan-anh/danh-gia/PAKN-250303-00001:1abc:sig/"
    ctx = {"reference": "PAKN-250303-00001", "answer": "Đã xử lý.", "evaluate_url": link, "evaluate_days": 90}
    email, sms = sorted(
        services.notify(
            recipient_email="binh@example.vn",
            recipient_phone="0912345678",
            template="feedback_answered",
            context=ctx,
        ),
        key=lambda r: r.channel,
    )
    assert link in email.body and "trong 90 ngày" in email.body and "không chia sẻ" in email.body
    assert sms.body == f"Phan anh, kien nghi PAKN-250303-00001 cua Ong/Ba da duoc tra loi. Danh gia: {link}"
    assert sms.body.isascii()
    signed_in = services.notify(
        recipient_phone="0987654321",
        template="feedback_answered",
        context={**ctx, "url": "https://dvc.example.vn/phan-anh/cua-toi/"},
    )
    assert [r.body.split(". ", 1)[1] for r in signed_in] == ["Xem: https://dvc.example.vn/phan-anh/cua-toi/"]


def test_invalid_recipients_are_skipped_and_unknown_templates_refused(world):
    assert services.notify(recipient_email="not-an-email", template="received", context={}) == []
    rows = services.notify(recipient_phone="+84 98 765 4321", template="feedback_answered", context={})
    assert [(r.channel, r.recipient) for r in rows] == [("sms", "0987654321")]
    with pytest.raises(ValueError):
        services.notify(recipient_email="a@example.vn", template="no_such_template", context={})


@pytest.mark.parametrize(
    "raw,expected",
    [
        ("0912345678", "0912345678"),
        ("+84912345678", "0912345678"),
        ("84 912 345 678", "0912345678"),
        ("0351.234.567", "0351234567"),
        ("(+84) 70-123-4567", "0701234567"),
    ],
)
def test_phone_normalisation(raw, expected):
    assert normalise_phone(raw) == expected


@pytest.mark.parametrize("raw", ["0212345678", "091234567", "09123456789", "+8491234567", "abc", ""])
def test_phone_rejected(raw):
    with pytest.raises(RecipientError) as exc:
        normalise_phone(raw)
    assert "03, 05, 07, 08 hoặc 09" in exc.value.message


# --- delivery: claims, retries, failures ----------------------------------------------------------------------


def queue(n: int) -> list[Outbox]:
    rows = []
    for i in range(n):
        rows += services.notify(
            recipient_email=f"user{i}@example.vn",
            template="feedback_answered",
            context={"reference": f"R{i}"},
        )
    return rows


def test_two_senders_interleaved_send_each_message_once(db):
    queue(3)
    seen_by_a = services.due_ids()  # sender A lists the due rows …
    assert len(seen_by_a) == 3
    counts_b = services.send_outbox()  # … sender B sends them all meanwhile …
    assert counts_b["sent"] == 3
    assert [services.deliver_one(pk) for pk in seen_by_a] == [None, None, None]  # … A's claims all lose
    assert sorted(m.to[0] for m in mail.outbox) == [f"user{i}@example.vn" for i in range(3)]
    assert services.send_outbox()["sent"] == 0  # and a later run finds nothing to do


class SlowRecordingBackend(BaseEmailBackend):
    sent: list[str] = []
    lock = threading.Lock()

    def send_messages(self, messages):
        time.sleep(0.02)  # widen the window in which a second sender could pick the same row
        with self.lock:
            for m in messages:
                SlowRecordingBackend.sent.extend(m.to)
        return len(messages)


@pytest.mark.django_db(transaction=True)
def test_concurrent_senders_in_threads_send_each_message_once(settings):
    if connection.vendor == "sqlite" and connection.is_in_memory_db():
        # The in-memory test database is shared-cache: a conflicting access fails at once with "table is
        # locked" (no busy wait), unlike the WAL file database the app runs on. PostgreSQL runs this test.
        pytest.skip("concurrent writers need a file or PostgreSQL database")
    settings.MAILERS = {"default": {"BACKEND": f"{__name__}.SlowRecordingBackend"}}
    settings.MOTCUA_NOTIFY_ON_COMMIT = False  # in autocommit mode on_commit would send at once
    SlowRecordingBackend.sent = []
    queue(12)
    assert SlowRecordingBackend.sent == []
    barrier = threading.Barrier(2)
    results, errors = [], []

    def run():
        try:
            barrier.wait()
            results.append(services.send_outbox())
        except Exception as exc:  # noqa: BLE001
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert errors == []
    assert sorted(SlowRecordingBackend.sent) == sorted(f"user{i}@example.vn" for i in range(12))
    assert sum(r["sent"] for r in results) == 12
    assert Outbox.objects.filter(status=Status.SENT).count() == 12


class FailingBackend(BaseEmailBackend):
    calls = 0

    def send_messages(self, messages):
        FailingBackend.calls += 1
        raise ConnectionRefusedError("SMTP server down")


def test_failing_backend_is_retried_with_backoff_then_marked_failed(db, settings):
    settings.MAILERS = {"default": {"BACKEND": f"{__name__}.FailingBackend"}}
    settings.MOTCUA_OUTBOX_MAX_ATTEMPTS = 4
    settings.MOTCUA_OUTBOX_BACKOFF_SECONDS = 60
    FailingBackend.calls = 0
    (row,) = queue(1)
    now = timezone.now()
    waits = []
    for attempt in range(1, 5):
        counts = services.send_outbox(now=now)
        row.refresh_from_db()
        assert row.attempts == attempt and "SMTP server down" in row.last_error
        if attempt < 4:
            assert counts["retry"] == 1 and row.status == Status.PENDING
            waits.append((row.next_attempt_at - now).total_seconds())
            # not due yet: an early run leaves it alone
            assert services.send_outbox(now=now + dt.timedelta(seconds=1))["skipped"] == 0
            assert FailingBackend.calls == attempt
            now = row.next_attempt_at
        else:
            assert counts["failed"] == 1 and row.status == Status.FAILED and row.next_attempt_at is None
    assert waits == [60, 120, 240]  # exponential backoff
    services.send_outbox(now=now + dt.timedelta(days=1))
    assert FailingBackend.calls == 4  # a failed message is not retried again
    assert row.sent_at is None


def test_backoff_is_capped():
    assert services.backoff(1) == dt.timedelta(minutes=1)
    assert services.backoff(30) == dt.timedelta(hours=6)


def test_a_crashed_sender_is_released_after_the_lease(db, settings):
    settings.MOTCUA_OUTBOX_LEASE_SECONDS = 600
    (row,) = queue(1)
    now = timezone.now()
    assert services.claim(row.pk, now)
    assert not services.claim(row.pk, now)  # claimed once only
    assert services.send_outbox(now=now + dt.timedelta(seconds=60))["sent"] == 0  # lease still running
    counts = services.send_outbox(now=now + dt.timedelta(seconds=601))
    assert counts["released"] == 1 and counts["sent"] == 1
    assert len(mail.outbox) == 1


def test_send_outbox_command(db, capsys):
    queue(2)
    call_command("send-outbox")
    out = capsys.readouterr().out
    assert "Đã gửi 2" in out and "sent=2" in out
    assert len(mail.outbox) == 2
    call_command("send-outbox")
    assert "sent=0" in capsys.readouterr().out


def test_sms_channel_failure_is_retried(db, settings):
    settings.MOTCUA_SMS_ADAPTER = "motcua.notifications.tests.test_outbox.BrokenSms"
    rows = services.notify(
        recipient_phone="0912345678", template="feedback_answered", context={"reference": "Z"}
    )
    services.send_outbox()
    rows[0].refresh_from_db()
    assert (
        rows[0].status == Status.PENDING and rows[0].attempts == 1 and "gateway timeout" in rows[0].last_error
    )


class BrokenSms:
    def send(self, *, to, body):
        raise TimeoutError("gateway timeout")


# --- a walk-in applicant (no account) gets links that work without one ---------------------------------------


def test_a_walk_in_applicant_is_sent_to_the_lookup_the_counter_and_the_rating(
    world, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        dossier, _ = dossiers.dossier_file(
            actor=world["officer"],
            procedure_code="1.001612",
            agency_identifier="000.00.21.H26",
            channel="counter",
            applicant=APPLICANT,
            receive=True,
            at=local(2025, 1, 24, 9, 0),
        )
    assert dossier.applicant_user_id is None
    lookup = f"https://dichvucong.example.vn/tra-cuu/?ma={dossier.code}"
    received = mail.outbox[-1].body
    assert lookup in received and "/ho-so-cua-toi/" not in received
    assert lookup in MemoryAdapter.outbox[-1]["body"]
    with django_capture_on_commit_callbacks(execute=True):
        act(world, dossier, "request_supplement", reason="Thiếu giấy tờ", at=local(2025, 1, 24, 10, 0))
    supplement = mail.outbox[-1].body
    assert "tại Bộ phận Một cửa" in supplement and "trực tuyến" not in supplement
    assert "/ho-so-cua-toi/" not in supplement and lookup in supplement
    assert "/ho-so-cua-toi/" not in MemoryAdapter.outbox[-1]["body"]


def test_a_walk_in_with_only_a_phone_is_texted_what_to_do_and_where(
    world, django_capture_on_commit_callbacks
):
    """A walk-in applicant who left only a mobile number has the text messages and nothing else: they must not be
    sent to the public lookup (the state, masked) to supplement or pay online, which they cannot do there; they are
    told what to supplement and that the supplement, the fee and the result are at the one-stop desk."""
    with django_capture_on_commit_callbacks(execute=True):
        dossier, _ = dossiers.dossier_file(
            actor=world["officer"],
            procedure_code="1.001612",
            agency_identifier="000.00.21.H26",
            channel="counter",
            applicant={**APPLICANT, "email": ""},
            receive=True,
            at=local(2025, 1, 24, 9, 0),
        )
        act(
            world,
            dossier,
            "request_supplement",
            reason="Thiếu giấy tờ",
            items=[{"name": "Giấy đề nghị đăng ký", "reason": "chưa ký"}, {"name": "Bản sao CCCD"}],
            at=local(2025, 1, 24, 10, 0),
        )
        act(world, dossier, "supplement", at=local(2025, 2, 3, 9, 0))
        act(world, dossier, "request_payment", who="specialist", amount=100000, at=local(2025, 2, 3, 10, 0))
        act(world, dossier, "confirm_payment", at=local(2025, 2, 3, 11, 0))
        act(world, dossier, "resolve", who="leader", outcome="approved", at=local(2025, 2, 4, 9, 0))
    assert mail.outbox == []
    texts = {r.template: r.body for r in Outbox.objects.filter(channel=Channel.SMS)}
    lookup = f"https://dichvucong.example.vn/tra-cuu/?ma={dossier.code}"
    assert texts["supplement_requested"] == (
        f"Ho so {dossier.code} can bo sung, hoan thien: Giay de nghi dang ky; Ban sao CCCD. "
        f"Nop bo sung tai Bo phan Mot cua (mang Giay tiep nhan). Tra cuu: {lookup}"
    )
    assert texts["payment_requested"] == (
        f"Ho so {dossier.code} can nop phi, le phi 100.000 dong. "
        f"Nop tai Bo phan Mot cua (mang Giay tiep nhan). Tra cuu: {lookup}"
    )
    assert texts["resolved"] == (
        f"Ho so {dossier.code} da co ket qua. Nhan ket qua tai Bo phan Mot cua (mang Giay tiep nhan). "
        f"Chi tiet: {lookup}"
    )
    assert all(t.isascii() for t in texts.values())
    # refused (a postal filing, say): the reason is on Form 03 at the desk, not on the public lookup
    with django_capture_on_commit_callbacks(execute=True):
        posted, _ = dossiers.dossier_file(
            actor=world["officer"],
            procedure_code="1.001612",
            agency_identifier="000.00.21.H26",
            channel="postal",
            applicant={**APPLICANT, "email": ""},
            at=local(2025, 2, 5, 9, 0),
        )
        act(world, posted, "refuse", reason="Không thuộc thẩm quyền", at=local(2025, 2, 5, 10, 0))
    assert Outbox.objects.get(dossier=posted, template="refused").body == (
        f"Ho so {posted.code} bi tu choi tiep nhan. Phieu tu choi (neu ro ly do) nhan tai Bo phan Mot cua. "
        f"Tra cuu: https://dichvucong.example.vn/tra-cuu/?ma={posted.code}"
    )


def test_an_account_holder_is_texted_what_to_supplement_and_where_the_result_is(
    world, django_capture_on_commit_callbacks
):
    dossier = act(world, file_online(world), "receive")
    mine = f"https://dichvucong.example.vn/ho-so-cua-toi/{dossier.code}/"
    many = [{"name": f"Giấy tờ số {n} theo quy định"} for n in range(1, 9)]
    with django_capture_on_commit_callbacks(execute=True):
        act(world, dossier, "request_supplement", reason="Thiếu", items=many, at=local(2025, 1, 24, 11, 0))
    text = MemoryAdapter.outbox[-1]["body"]
    assert text.startswith(f"Ho so {dossier.code} can bo sung, hoan thien: Giay to so 1 theo quy dinh; ")
    assert f" (...). Chi tiet va nop bo sung: {mine}" in text  # a long list is cut
    with django_capture_on_commit_callbacks(execute=True):
        act(world, dossier, "supplement", who="citizen", at=local(2025, 2, 3, 9, 0))
        act(world, dossier, "resolve", who="leader", outcome="approved", at=local(2025, 2, 4, 9, 0))
    assert MemoryAdapter.outbox[-1]["body"] == (
        f"Ho so {dossier.code} da co ket qua. Nhan ket qua tai Bo phan Mot cua (mang Giay tiep nhan). "
        f"Chi tiet: {mine}"
    )


def test_with_delivery_left_to_send_outbox_the_action_sends_nothing_itself(
    world, settings, django_capture_on_commit_callbacks
):
    """MOTCUA_NOTIFY_ON_COMMIT=0: the rows wait for `motcua send-outbox` (cron), so no provider slows the action."""
    settings.MOTCUA_NOTIFY_ON_COMMIT = False
    dossier = file_online(world)
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        act(world, dossier, "receive")
    assert callbacks == [] and mail.outbox == [] and MemoryAdapter.outbox == []
    assert set(Outbox.objects.values_list("status", flat=True)) == {Status.PENDING}
    out = io.StringIO()
    call_command("send-outbox", stdout=out)
    assert len(mail.outbox) == 1 and len(MemoryAdapter.outbox) == 1
    assert set(Outbox.objects.values_list("status", flat=True)) == {Status.SENT}


# --- the long-running sender (send-outbox --watch) ------------------------------------------------------------


@pytest.fixture
def keep_test_connection(monkeypatch):
    """The sender closes its database connection between passes and when it stops (a long-running process must
    not keep a broken or stale one); inside a test that connection holds the test's transaction."""
    from django.db import connection as conn

    monkeypatch.setattr(conn, "close", lambda: None)


def _queued(world, settings):
    settings.MOTCUA_NOTIFY_ON_COMMIT = False
    act(world, file_online(world), "receive")
    assert set(Outbox.objects.values_list("status", flat=True)) == {Status.PENDING}


def test_the_watching_sender_delivers_what_is_due_pass_after_pass(world, settings, keep_test_connection):
    _queued(world, settings)
    out = io.StringIO()
    call_command("send-outbox", "--watch", "1", "--passes", "2", stdout=out)
    assert set(Outbox.objects.values_list("status", flat=True)) == {Status.SENT}
    assert len(mail.outbox) == 1 and len(MemoryAdapter.outbox) == 1
    text = out.getvalue()
    assert "sent=2" in text and text.count("sent=") == 1  # the idle second pass says nothing
    assert text.rstrip().endswith("Đã dừng. / Stopped.")


def test_the_watching_sender_stops_on_sigterm(world, settings, keep_test_connection):
    import os
    import signal

    _queued(world, settings)
    timer = threading.Timer(0.5, os.kill, (os.getpid(), signal.SIGTERM))
    timer.start()
    before = signal.getsignal(signal.SIGTERM)
    started = time.monotonic()
    out = io.StringIO()
    call_command("send-outbox", "--watch", "30", stdout=out)  # would wait 30 s between passes
    assert time.monotonic() - started < 10 and "Stopped." in out.getvalue()
    assert signal.getsignal(signal.SIGTERM) is before  # the handler is given back
    assert set(Outbox.objects.values_list("status", flat=True)) == {Status.SENT}


def test_the_watching_sender_outlives_a_database_error(world, settings, monkeypatch, keep_test_connection):
    from django.db import OperationalError

    _queued(world, settings)
    real, calls = services.send_outbox, []

    def flaky(**kw):
        calls.append(1)
        if len(calls) == 1:
            raise OperationalError("the database system is starting up")
        return real(**kw)

    import importlib

    module = importlib.import_module("motcua.notifications.management.commands.send-outbox")
    monkeypatch.setattr(module, "send_outbox", flaky)
    out, err = io.StringIO(), io.StringIO()
    call_command("send-outbox", "--watch", "1", "--passes", "2", stdout=out, stderr=err)
    assert "Database error, retrying" in err.getvalue() and len(calls) == 2
    assert set(Outbox.objects.values_list("status", flat=True)) == {Status.SENT}


@pytest.mark.parametrize("value", ["0", "3601", "-5"])
def test_the_watch_interval_is_checked(db, value):
    from django.core.management import CommandError

    with pytest.raises(CommandError, match="--watch"):
        call_command("send-outbox", "--watch", value)


def test_without_an_sms_provider_nothing_is_sent_and_the_message_is_marked_failed(db, settings, capsys):
    """Production's default (DEBUG off, MOTCUA_SMS_ADAPTER unset): not "sent" to standard output, but failed at
    once, with the reason the staff dossier page shows; no retries that cannot succeed."""
    settings.MOTCUA_SMS_ADAPTER = "motcua.notifications.sms.DisabledAdapter"
    rows = services.notify(
        recipient_phone="0912345678",
        recipient_email="a@example.vn",
        template="feedback_answered",
        context={"reference": "Z"},
    )
    counts = services.send_outbox()
    assert counts["sent"] == 1 and counts["failed"] == 1 and counts["retry"] == 0
    sms = Outbox.objects.get(pk=next(r.pk for r in rows if r.channel == Channel.SMS))
    assert sms.status == Status.FAILED and sms.sent_at is None and sms.attempts == 1
    assert sms.last_error.startswith("Chưa cấu hình nhà cung cấp SMS: tin nhắn không được gửi.")
    assert "No SMS provider configured" in sms.last_error
    assert "[SMS" not in capsys.readouterr().out
    assert services.send_outbox(now=timezone.now() + dt.timedelta(days=1))["failed"] == 0  # not retried


def test_the_sms_provider_check_warns_in_production(settings):
    from motcua.notifications.apps import sms_provider_check

    settings.MOTCUA_SMS_ADAPTER = "motcua.notifications.sms.DisabledAdapter"
    assert [w.id for w in sms_provider_check()] == ["motcua.W001"]
    settings.MOTCUA_SMS_ADAPTER = "motcua.notifications.sms.ConsoleAdapter"
    assert sms_provider_check() == []


def test_a_misspelt_sms_adapter_stops_check_and_migrate(settings, db):
    """MOTCUA_SMS_ADAPTER=nope.Adapter passed `check` silently: every text message then failed in the outbox."""
    from django.core.management import call_command
    from django.core.management.base import SystemCheckError

    from motcua.notifications.apps import sms_provider_check

    for path in (
        "nope.Adapter",
        "motcua.notifications.sms.KhongCo",
        "motcua.notifications.sms.NOT_CONFIGURED",
    ):
        settings.MOTCUA_SMS_ADAPTER = path
        [error] = sms_provider_check()
        assert error.id == "motcua.E001" and f"MOTCUA_SMS_ADAPTER={path!r}" in error.msg
        assert "không dùng được" in error.msg and "no text message could be sent" in error.msg
    settings.MOTCUA_SMS_ADAPTER = "nope.Adapter"
    with pytest.raises(SystemCheckError, match="motcua.E001"):
        call_command("check")
    settings.MOTCUA_SMS_ADAPTER = "motcua.notifications.sms.MemoryAdapter"
    assert sms_provider_check() == []
