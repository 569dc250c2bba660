import datetime as dt
from decimal import Decimal

import pytest
from django.contrib.auth import get_user_model
from django.utils import timezone

from motcua.dossiers import services as dossiers
from motcua.notifications.tests.factories import APPLICANT, PASSWORD
from motcua.portal import services
from motcua.portal.models import Payment
from motcua.portal.payments import FakeGateway, PaymentGateway, PaymentStart


@pytest.fixture
def awaiting(world):
    dossier, _ = dossiers.dossier_file(
        actor=world["citizen"],
        procedure_code="1.001612",
        agency_identifier="000.00.21.H26",
        channel="online",
        applicant=APPLICANT,
    )
    dossiers.dossier_act(code=dossier.code, action="receive", actor=world["officer"])
    return dossiers.dossier_act(
        code=dossier.code, action="request_payment", actor=world["specialist"], params={"amount": 1400000}
    )


def start(client, dossier):
    client.login(username="congdan", password=PASSWORD)
    r = client.post(f"/ho-so-cua-toi/{dossier.code}/thanh-toan/")
    assert r.status_code == 302 and r["Location"].startswith("/thanh-toan/fake/FAKE")
    return Payment.objects.get(), r["Location"]


def test_pay_through_the_fake_gateway(client, world, awaiting):
    client.login(username="congdan", password=PASSWORD)
    assert "1.400.000 đồng" in client.get(f"/ho-so-cua-toi/{awaiting.code}/").content.decode()
    payment, gateway_url = start(client, awaiting)
    assert (payment.amount, payment.status, payment.payer) == (
        Decimal("1400000"),
        "pending",
        world["citizen"],
    )
    page = client.get(gateway_url).content.decode()
    assert "1.400.000 đồng" in page and "Thanh toán" in page and "Hủy" in page
    r = client.post(gateway_url, {"action": "paid"})
    assert r.status_code == 302 and r["Location"].startswith("/thanh-toan/ket-qua/?ref=")
    r = client.get(r["Location"])
    assert r.status_code == 302 and r["Location"] == f"/ho-so-cua-toi/{awaiting.code}/"
    awaiting.refresh_from_db()
    payment.refresh_from_db()
    assert awaiting.state == "received" and payment.status == "paid" and payment.paid_at
    event = awaiting.events.order_by("-seq").first()
    assert event.action == "confirm_payment" and event.actor.username == "system:000.00.21.H26"
    assert event.data["paid_reference"] == payment.reference


def test_the_same_callback_twice_confirms_once(client, world, awaiting):
    payment, gateway_url = start(client, awaiting)
    callback = "/thanh-toan/ket-qua/?" + FakeGateway.callback_query(payment.reference, "paid")
    client.get(callback)
    client.get(callback)
    r = client.post(
        "/thanh-toan/ket-qua/",
        {"ref": payment.reference, "status": "paid", "sig": FakeGateway.sign(payment.reference, "paid")},
    )
    assert r.status_code == 200
    assert r.json() == {"reference": payment.reference, "status": "paid", "refund_due": False}
    assert awaiting.events.filter(action="confirm_payment").count() == 1
    # a late "cancelled" for a paid payment changes nothing either
    client.get("/thanh-toan/ket-qua/?" + FakeGateway.callback_query(payment.reference, "cancelled"))
    payment.refresh_from_db()
    assert payment.status == "paid"


def test_forged_or_unknown_callbacks_are_refused(client, world, awaiting):
    payment, _ = start(client, awaiting)
    forged = f"/thanh-toan/ket-qua/?ref={payment.reference}&status=paid&sig={'0' * 64}"
    r = client.get(forged)
    assert r.status_code == 400 and "sai chữ ký" in r.content.decode()
    r = client.post("/thanh-toan/ket-qua/", {"ref": payment.reference, "status": "paid"})
    assert r.status_code == 400 and r.json()["error"] == "invalid_callback"
    r = client.get("/thanh-toan/ket-qua/?" + FakeGateway.callback_query("FAKEUNKNOWN", "paid"))
    assert r.status_code == 404
    awaiting.refresh_from_db()
    payment.refresh_from_db()
    assert awaiting.state == "awaiting_payment" and payment.status == "pending"


def test_cancelling_keeps_the_fee_due(client, world, awaiting):
    payment, gateway_url = start(client, awaiting)
    r = client.get(client.post(gateway_url, {"action": "cancelled"})["Location"])
    assert r.status_code == 302
    payment.refresh_from_db()
    awaiting.refresh_from_db()
    assert payment.status == "cancelled" and awaiting.state == "awaiting_payment"
    # … and the citizen can start again
    r = client.post(f"/ho-so-cua-toi/{awaiting.code}/thanh-toan/")
    assert r.status_code == 302 and Payment.objects.count() == 2


def test_nothing_to_pay_and_other_peoples_dossiers(client, world, awaiting):
    client.login(username="congdan2", password=PASSWORD)
    assert client.post(f"/ho-so-cua-toi/{awaiting.code}/thanh-toan/").status_code == 404
    client.logout()
    payment, _ = start(client, awaiting)
    client.get("/thanh-toan/ket-qua/?" + FakeGateway.callback_query(payment.reference, "paid"))
    r = client.post(f"/ho-so-cua-toi/{awaiting.code}/thanh-toan/")
    assert r.status_code == 409 and Payment.objects.count() == 1


def test_the_system_account_cannot_sign_in(world, awaiting):
    user = services.system_account(world["so"])
    assert user.username == "system:000.00.21.H26" and not user.has_usable_password()
    assert services.system_account(world["so"]).pk == user.pk
    assert get_user_model().objects.filter(username__startswith="system:").count() == 1
    # nor is it anyone's colleague: never offered, nor taken, as the holder of a step (a step given it was stranded)
    from motcua.core.errors import Unprocessable
    from motcua.dossiers import services as dossier_services
    from motcua.dossiers.forms import _staff_choices

    assert user.username not in {u for u, _ in _staff_choices({world["so"].pk})}
    assert not dossier_services.working_staff([world["so"].pk]).filter(user=user).exists()
    step = dossier_services.steps_of(awaiting)[0]
    with pytest.raises(Unprocessable):
        dossier_services._step_assignee(user.username, step)


class OtherGateway(PaymentGateway):
    name = "other"

    def create_payment(self, dossier, amount):
        return PaymentStart("OTHER-1", "https://pay.example.vn/checkout/OTHER-1")

    def verify_callback(self, request):
        return request.GET["ref"], True


def test_gateway_chosen_by_settings(client, world, awaiting, settings):
    settings.MOTCUA_PAYMENT_GATEWAY = f"{__name__}.OtherGateway"
    client.login(username="congdan", password=PASSWORD)
    r = client.post(f"/ho-so-cua-toi/{awaiting.code}/thanh-toan/")
    assert r["Location"] == "https://pay.example.vn/checkout/OTHER-1"
    assert Payment.objects.get().provider == "other"
    assert client.get("/thanh-toan/fake/OTHER-1/").status_code == 404  # the fake page is off


def test_disabled_gateway_offers_nothing(client, world, awaiting, settings):
    settings.MOTCUA_PAYMENT_GATEWAY = "motcua.portal.payments.DisabledGateway"
    client.login(username="congdan", password=PASSWORD)
    r = client.post(f"/ho-so-cua-toi/{awaiting.code}/thanh-toan/")
    assert r.status_code == 422 and "chưa được cấu hình" in r.content.decode()
    assert Payment.objects.count() == 0
    forged = "/thanh-toan/ket-qua/?" + FakeGateway.callback_query("FAKE123", "paid")
    assert client.get(forged).status_code == 400


def test_pressing_pay_twice_resumes_the_pending_payment(client, world, awaiting):
    payment, gateway_url = start(client, awaiting)
    # a second tab, or the back button and "Thanh toán trực tuyến" again: the same transaction, not a second one
    r = client.post(f"/ho-so-cua-toi/{awaiting.code}/thanh-toan/")
    assert r.status_code == 302 and r["Location"] == gateway_url
    assert Payment.objects.count() == 1
    client.get(client.post(gateway_url, {"action": "paid"})["Location"])
    awaiting.refresh_from_db()
    assert awaiting.state == "received" and awaiting.events.filter(action="confirm_payment").count() == 1


def test_an_abandoned_pending_payment_does_not_block_a_new_one(client, world, awaiting):
    payment, gateway_url = start(client, awaiting)
    old = timezone.now() - dt.timedelta(minutes=services.PAYMENT_RESUME_MINUTES + 1)
    Payment.objects.filter(pk=payment.pk).update(created_at=old)
    r = client.post(f"/ho-so-cua-toi/{awaiting.code}/thanh-toan/")
    assert r.status_code == 302 and r["Location"] != gateway_url
    assert Payment.objects.filter(status="pending").count() == 2


def test_a_duplicate_payment_is_flagged_for_refund_not_called_a_success(client, world, awaiting):
    first, first_url = start(client, awaiting)
    Payment.objects.filter(pk=first.pk).update(
        created_at=timezone.now() - dt.timedelta(minutes=services.PAYMENT_RESUME_MINUTES + 1)
    )
    second_url = client.post(f"/ho-so-cua-toi/{awaiting.code}/thanh-toan/")["Location"]
    second = Payment.objects.exclude(pk=first.pk).get()
    r = client.get(client.post(second_url, {"action": "paid"})["Location"], follow=True)
    assert "Thanh toán thành công" in r.content.decode()
    # the abandoned checkout is paid after all: the fee was already paid
    r = client.get(client.post(first_url, {"action": "paid"})["Location"], follow=True)
    page = r.content.decode()
    assert "Thanh toán thành công" not in page
    assert f"Giao dịch {first.reference} (1.400.000 đồng) là khoản nộp trùng" in page
    assert "hoàn lại số tiền này cho bạn" in page
    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.status, first.refund_due, second.refund_due) == ("paid", True, False)
    assert awaiting.events.filter(action="confirm_payment").count() == 1
    # the dossier page keeps saying so after the one-time message
    page = client.get(f"/ho-so-cua-toi/{awaiting.code}/").content.decode()
    assert "Khoản nộp trùng" in page
    # the server notification says it too
    r = client.post(
        "/thanh-toan/ket-qua/",
        {"ref": first.reference, "status": "paid", "sig": FakeGateway.sign(first.reference, "paid")},
    )
    assert r.json() == {"reference": first.reference, "status": "paid", "refund_due": True}
    # and the staff dossier page shows it to the desk
    client.login(username=world["officer"].username, password=PASSWORD)
    staff = client.get(f"/staff/dossiers/{awaiting.code}/").content.decode()
    assert "Cần hoàn tiền" in staff and first.reference in staff and second.reference in staff
    assert "Khoản nộp trùng cần đối soát và hoàn tiền cho người nộp: 1." in staff


def test_a_payment_callback_without_a_signed_in_payer_names_the_refund(client, world, awaiting):
    first, first_url = start(client, awaiting)
    services.payment_callback(reference=first.reference, paid=True)
    dup = Payment.objects.create(
        dossier=awaiting,
        amount=first.amount,
        reference="FAKEDUP1",
        provider="fake",
        request_seq=first.request_seq,
    )
    client.logout()
    r = client.get("/thanh-toan/ket-qua/?" + FakeGateway.callback_query(dup.reference, "paid"))
    assert r.status_code == 200 and "là khoản nộp trùng" in r.content.decode()


def test_payment_messages_in_english(client, world, awaiting):
    payment, gateway_url = start(client, awaiting)
    client.cookies["django_language"] = "en"
    r = client.get(client.post(gateway_url, {"action": "paid"})["Location"], follow=True)
    page = r.content.decode()
    assert f"Payment successful (transaction {payment.reference})." in page
    assert "Thanh toán thành công" not in page
    dup = Payment.objects.create(
        dossier=awaiting,
        amount=payment.amount,
        reference="FAKEDUP2",
        provider="fake",
        request_seq=payment.request_seq,
    )
    r = client.get("/thanh-toan/ket-qua/?" + FakeGateway.callback_query(dup.reference, "paid"), follow=True)
    page = r.content.decode()
    assert "Transaction FAKEDUP2 (1,400,000 đồng) is a duplicate payment" in page
    assert "Duplicate payment: the fee had already been paid" in page and "khoản nộp trùng" not in page


def test_amounts_are_grouped_for_the_reader(client, world, awaiting):
    """In English the fee read "Amount due: 1.400.000 đồng" — 1.4 to a reader in English — while the e-form's
    numbers on the same page were grouped the English way."""
    client.login(username="congdan", password=PASSWORD)
    assert "1.400.000 đồng" in client.get(f"/ho-so-cua-toi/{awaiting.code}/").content.decode()
    client.cookies["django_language"] = "en"
    page = client.get(f"/ho-so-cua-toi/{awaiting.code}/").content.decode()
    assert "Amount due: <strong>1,400,000 đồng</strong>" in page and "1.400.000" not in page
