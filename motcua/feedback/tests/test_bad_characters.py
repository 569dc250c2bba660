"""PAKN (feedback), ratings and desks refuse control and hiding characters (core.text.bad_char) with a message
naming the field — on the web form, on the field, and in the services whatever calls them — and store nothing;
a multi-line text keeps its lines."""

import pytest
from django.urls import reverse

from motcua.core.errors import Unprocessable
from motcua.feedback import desks, services
from motcua.feedback.models import Feedback, Status

from .conftest import local
from .test_pakn import SENDER, submit


def test_submit_page_marks_the_field_and_stores_nothing(client, world):
    url = reverse("feedback:submit")
    data = {
        "kind": "recommendation",
        "subject": "agency",
        "agency": world["ward"].identifier,
        "title": "Rút ngắn thời gian",
        "content": "Đề nghị rút ngắn.\nCảm ơn.",
        "name": "Lê Văn Cường",
        "phone": "0987654321",
        "email": "cuong@example.vn",
    }
    for field, value in (
        ("title", "Rút\u202e ngắn"),
        ("content", "Đề nghị\x1b[2J"),
        ("name", "Lê Văn\u200b"),
    ):
        r = client.post(url, {**data, field: value})
        assert r.status_code in (400, 422), field
        errors = " ".join(r.context["form"].errors[field])
        assert errors.startswith("Có ký tự không hợp lệ U+"), field
    assert not Feedback.objects.exists()
    assert client.post(url, data).status_code == 201
    assert Feedback.objects.get().content == "Đề nghị rút ngắn.\nCảm ơn."


def test_services_refuse_whatever_calls_them(world):
    with pytest.raises(Unprocessable) as exc:
        submit(world, at=local(2025, 3, 3, 10), contact={**SENDER, "address": "Số 1\x85"})
    assert exc.value.code == "bad_characters" and exc.value.message.startswith(
        "Địa chỉ chứa ký tự không hợp lệ"
    )
    with pytest.raises(Unprocessable):
        submit(world, at=local(2025, 3, 3, 10), content="Nội dung\ufeff")
    assert not Feedback.objects.exists()
    fb = submit(world, at=local(2025, 3, 3, 10))
    officer = world["users"]["ward_officer"]
    for call in (
        lambda: services.feedback_answer(reference=fb.reference, user=officer, answer="Trả lời\x07"),
        lambda: services.feedback_reject(reference=fb.reference, user=officer, reason="Không\u2066 thuộc"),
    ):
        with pytest.raises(Unprocessable) as exc:
            call()
        assert exc.value.code == "bad_characters"
    fb.refresh_from_db()
    assert fb.status == Status.RECEIVED and fb.answer == "" and fb.rejected_reason == ""


def test_a_rejection_reason_keeps_its_lines_and_its_bound(world):
    """The reject form is a text area: its points were collapsed into one line; and the service had no bound."""
    fb = submit(world, at=local(2025, 3, 3, 10))
    officer = world["users"]["ward_officer"]
    with pytest.raises(Unprocessable):
        services.feedback_reject(reference=fb.reference, user=officer, reason="x" * 2001)
    fb = services.feedback_reject(
        reference=fb.reference, user=officer, reason="1. Không thuộc thẩm quyền.\r\n2. Đã chuyển Sở Tư pháp."
    )
    assert fb.rejected_reason == "1. Không thuộc thẩm quyền.\n2. Đã chuyển Sở Tư pháp."


def test_a_desk_label_is_checked(world):
    officer = world["users"]["ward_officer"]
    with pytest.raises(Unprocessable) as exc:
        desks.desk_create(actor=officer, agency=world["ward"], number=1, label="Quầy\x1b")
    assert exc.value.code == "bad_characters" and "Tên quầy" in exc.value.message
