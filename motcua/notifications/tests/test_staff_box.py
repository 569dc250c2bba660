"""The staff dossier page shows what was sent to the applicant; a failed message is flagged and a one-stop officer
of the agency may send it again."""

import pytest
from django.contrib.auth import get_user_model
from django.core import mail
from django.core.management import call_command
from django.urls import reverse

from motcua.core.errors import PermissionDenied
from motcua.notifications import services
from motcua.notifications.models import Outbox, Status
from motcua.notifications.sms import MemoryAdapter
from motcua.org.models import Agency, Role, StaffRole

from .factories import PASSWORD
from .test_outbox import act, file_online


@pytest.fixture
def failed(world, settings):
    """A received dossier whose e-mail went out and whose text message failed for good."""
    settings.MOTCUA_NOTIFY_ON_COMMIT = False
    dossier = act(world, file_online(world), "receive")
    call_command("send-outbox")
    sms = Outbox.objects.get(dossier=dossier, channel="sms")
    Outbox.objects.filter(pk=sms.pk).update(
        status=Status.FAILED, last_error="ProviderError: số thuê bao không tồn tại", attempts=5
    )
    return dossier, sms


def page(client, user, dossier):
    client.force_login(user)
    return client.get(reverse("dossiers:detail", args=[dossier.code]))


def test_the_dossier_page_lists_what_was_sent_and_flags_a_failure(client, world, failed):
    dossier, sms = failed
    body = page(client, world["officer"], dossier).content.decode()
    assert "Thông báo cho người nộp" in body and "1 thông báo không gửi được" in body
    assert f'data-outbox="{sms.pk}" data-status="failed"' in body and "số thuê bao không tồn tại" in body
    assert 'data-status="sent"' in body and "Tiếp nhận hồ sơ" in body  # the e-mail of the receipt
    assert reverse("notifications:resend", args=[sms.pk]) in body
    # a specialist of the agency reads it, without the button: the desk talks to the applicant
    body = page(client, world["specialist"], dossier).content.decode()
    assert "1 thông báo không gửi được" in body and reverse("notifications:resend", args=[sms.pk]) not in body


def test_an_officer_sends_a_failed_message_again(client, world, failed, settings):
    dossier, sms = failed
    client.force_login(world["officer"])
    MemoryAdapter.outbox.clear()
    response = client.post(reverse("notifications:resend", args=[sms.pk]))
    assert response.status_code == 302 and response["Location"] == reverse(
        "dossiers:detail", args=[dossier.code]
    )
    sms.refresh_from_db()
    assert (sms.status, sms.attempts) == (Status.PENDING, 0)  # delivery is left to send-outbox here
    call_command("send-outbox")
    sms.refresh_from_db()
    assert sms.status == Status.SENT and len(MemoryAdapter.outbox) == 1 and len(mail.outbox) == 1
    # sent now: nothing to send again
    again = client.post(reverse("notifications:resend", args=[sms.pk]))
    assert again.status_code == 409 and "không thành công" in again.content.decode()


def test_the_resend_address_opened_goes_back_to_the_dossier(client, world, failed):
    """Opened rather than posted (signing in again, the browser's history): the officer lands on the dossier page,
    told nothing was done, and the message stays failed; someone who may not resend it lands on the inbox."""
    dossier, sms = failed
    url = reverse("notifications:resend", args=[sms.pk])
    client.force_login(world["officer"])
    r = client.get(url)
    assert r.status_code == 302 and r["Location"] == reverse("dossiers:detail", args=[dossier.code])
    assert client.put(url).status_code == 405
    client.force_login(world["specialist"])
    assert client.get(url)["Location"] == reverse("dossiers:inbox")
    sms.refresh_from_db()
    assert sms.status == Status.FAILED


def test_delivered_right_away_when_the_site_sends_after_commit(
    client, world, failed, settings, django_capture_on_commit_callbacks
):
    dossier, sms = failed
    settings.MOTCUA_NOTIFY_ON_COMMIT = True
    client.force_login(world["officer"])
    MemoryAdapter.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        assert client.post(reverse("notifications:resend", args=[sms.pk])).status_code == 302
    sms.refresh_from_db()
    assert sms.status == Status.SENT and MemoryAdapter.outbox[-1]["to"] == sms.recipient


def test_who_may_send_again(client, world, failed):
    dossier, sms = failed
    User = get_user_model()
    elsewhere = User.objects.create_user("mc.khac", password=PASSWORD)
    other_agency = Agency.objects.create(identifier="000.00.22.H26", name="Sở Tư pháp", level="department")
    StaffRole.objects.create(user=elsewhere, agency=other_agency, role=Role.OFFICER)
    url = reverse("notifications:resend", args=[sms.pk])
    for user, status in ((world["specialist"], 403), (elsewhere, 403), (world["citizen"], 403)):
        client.force_login(user)
        assert client.post(url).status_code == status
    sms.refresh_from_db()
    assert sms.status == Status.FAILED  # refused: nothing changed
    client.force_login(world["officer"])
    assert client.post(reverse("notifications:resend", args=[999999])).status_code == 404
    assert (
        client.get(url).status_code == 302 and client.put(url).status_code == 405
    )  # opened: back to the page
    client.logout()
    assert client.post(url).status_code == 302  # to the sign-in page
    with pytest.raises(PermissionDenied):  # the service refuses it too, whatever calls it
        services.resend(pk=sms.pk, user=elsewhere)


def test_an_applicant_without_contacts_is_told_at_the_desk(client, world, settings):
    settings.MOTCUA_NOTIFY_ON_COMMIT = False
    from motcua.dossiers import services as dossiers

    d, _ = dossiers.dossier_file(
        actor=world["officer"],
        procedure_code="1.001612",
        agency_identifier="000.00.21.H26",
        channel="counter",
        applicant={"kind": "individual", "name": "Lê Văn Cường", "id_number": "001203012345"},
        receive=True,
    )
    body = page(client, world["officer"], d).content.decode()
    assert (
        "không để lại thư điện tử hoặc số điện thoại" in body
        and not Outbox.objects.filter(dossier=d).exists()
    )


def test_a_message_not_sent_for_want_of_a_provider_is_flagged_on_the_dossier_page(client, world, settings):
    settings.MOTCUA_NOTIFY_ON_COMMIT = False
    settings.MOTCUA_SMS_ADAPTER = "motcua.notifications.sms.DisabledAdapter"
    dossier = act(world, file_online(world), "receive")
    call_command("send-outbox")
    sms = Outbox.objects.get(dossier=dossier, channel="sms")
    assert sms.status == Status.FAILED
    body = page(client, world["officer"], dossier).content.decode()
    assert f'data-outbox="{sms.pk}" data-status="failed"' in body
    assert "Chưa cấu hình nhà cung cấp SMS: tin nhắn không được gửi." in body
