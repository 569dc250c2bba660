import datetime as dt
import re

import pytest
from django.urls import reverse
from django.utils import timezone

from motcua.core.errors import Unprocessable
from motcua.feedback import services
from motcua.feedback.models import Feedback, Status
from motcua.feedback.selectors import redact

from .conftest import make_dossier

SENDER = {"name": "Trần Thị Bình", "phone": "0912345678", "email": "binh@example.vn"}


def new(world, *, at=None, agency=None, **kw):
    kw.setdefault("subject", "agency")
    if kw["subject"] != "dossier":
        kw.setdefault("agency_identifier", (agency or world["ward"]).identifier)
    return services.feedback_submit(
        kind=kw.pop("kind", "reflection"),
        title=kw.pop("title", "Thái độ tiếp dân"),
        content=kw.pop("content", "Nội dung"),
        contact=kw.pop("contact", SENDER),
        at=at or timezone.now(),
        **kw,
    )


def test_submit_page_anonymous_with_contact(client, world):
    url = reverse("feedback:submit")
    assert client.get(url).status_code == 200
    data = {
        "kind": "recommendation",
        "subject": "procedure",
        "procedure_code": "1.001193",
        "agency": world["ward"].identifier,
        "title": "Rút ngắn thời gian",
        "content": "Đề nghị rút ngắn.",
        "name": "Lê Văn Cường",
        "phone": "0987654321",
        "email": "cuong@example.vn",
    }
    anonymous = client.post(url, {**data, "name": "", "phone": ""})
    assert anonymous.status_code == 422 and "ẩn danh" in anonymous.content.decode()
    assert not Feedback.objects.exists()
    not_offered = client.post(url, {**data, "agency": world["dept"].identifier})
    assert not_offered.status_code == 422 and not Feedback.objects.exists()
    ok = client.post(url, data)
    assert ok.status_code == 201
    fb = Feedback.objects.get()
    assert fb.reference in ok.content.decode() and fb.agency == world["ward"]
    assert fb.contact_phone == "0987654321"


def test_the_same_pakn_page_sent_twice_at_once_is_one_pakn(client, world):
    """Three taps on "Gửi" at once filed three PAKN (the half-hour duplicate check reads what is committed): each had
    to be answered and counted against the agency's on-time rate. The page carries its own key: the same page is
    one PAKN; a later sending is told it was sent, with its number."""
    url = reverse("feedback:submit")
    page = client.get(url).content.decode()
    key = re.search(r'name="submission" value="([0-9a-f]{32})"', page).group(1)
    fb = services.feedback_submit(
        kind="reflection", subject="agency", agency_identifier=world["ward"].identifier, title="Đèn hỏng",
        content="Đèn đường hỏng", contact=SENDER, submission_key=key,
    )  # fmt: skip
    # the second sending of the same page, as if it had been served while the first was being stored
    data = {"submission": key, "kind": "reflection", "subject": "agency", "agency": world["ward"].identifier,
            "title": "Đèn hỏng, sửa giúp", "content": "Khác nội dung vẫn là cùng một trang gửi lại", **SENDER}  # fmt: skip
    r = client.post(url, data)
    assert r.status_code == 200 and fb.reference in r.content.decode()
    assert "đã được gửi" in r.content.decode()
    assert Feedback.objects.count() == 1
    # a new page has a new key: another PAKN
    del data["submission"]
    assert client.post(url, data).status_code == 201 and Feedback.objects.count() == 2


def test_pakn_sent_from_one_address_are_limited(client, world, settings):
    """A PAKN needs no account and each one unanswered counts against the agency's on-time rate: one address sends
    PAKN_RATE_LIMIT within the window, then 429 with Retry-After and nothing filed; another address is not
    affected, and the same PAKN sent again (shown, not filed) is not counted."""
    settings.PAKN_RATE_LIMIT = 3
    settings.PAKN_RATE_WINDOW_SECONDS = 3600
    url = reverse("feedback:submit")
    data = {"kind": "reflection", "subject": "agency", "agency": world["ward"].identifier, **SENDER}
    for n in range(3):
        sent = client.post(
            url, {**data, "title": f"Phản ánh {n}", "content": "Nội dung."}, REMOTE_ADDR="10.9.9.9"
        )
        assert sent.status_code == 201
    again = client.post(url, {**data, "title": "Phản ánh 0", "content": "Nội dung."}, REMOTE_ADDR="10.9.9.9")
    assert again.status_code == 200
    over = client.post(url, {**data, "title": "Phản ánh 4", "content": "Nội dung."}, REMOTE_ADDR="10.9.9.9")
    assert over.status_code == 429
    assert int(over["Retry-After"]) > 3000
    assert "quá nhiều phản ánh" in over.content.decode()
    assert Feedback.objects.count() == 3
    elsewhere = client.post(
        url, {**data, "title": "Phản ánh 5", "content": "Nội dung."}, REMOTE_ADDR="10.9.9.8"
    )
    assert elsewhere.status_code == 201
    # a signed-in citizen on the same (shared) address is counted on their own account
    client.force_login(world["users"]["citizen"])
    own = client.post(url, {**data, "title": "Phản ánh 6", "content": "Nội dung."}, REMOTE_ADDR="10.9.9.9")
    assert own.status_code == 201


def test_the_same_pakn_sent_again_files_no_duplicate(client, world):
    """The browser's reload of the answer page (the form sent again), or the back button then "Gửi" again: the same
    PAKN (sender, kind, target, title and content) within the half hour is shown again, not filed a second time for
    the agency to answer twice. Anything changed, or another sender, is a PAKN of its own."""
    url = reverse("feedback:submit")
    data = {
        "kind": "reflection",
        "subject": "agency",
        "agency": world["ward"].identifier,
        "title": "Thái độ tiếp dân",
        "content": "Cán bộ trả lời chậm.\nĐề nghị chấn chỉnh.",
        **SENDER,
    }
    first = client.post(url, data)
    assert first.status_code == 201
    fb = Feedback.objects.get()
    again = client.post(url, {**data, "content": "  Cán bộ trả lời chậm.\r\nĐề nghị chấn chỉnh. "})
    assert again.status_code == 200 and Feedback.objects.count() == 1
    html = again.content.decode()
    assert fb.reference in html and "đã được gửi" in html
    assert client.post(url, {**data, "title": "Thái độ tiếp dân (2)"}).status_code == 201
    assert client.post(url, {**data, "name": "Lê Văn Cường"}).status_code == 201  # another sender
    assert Feedback.objects.count() == 3
    client.force_login(world["users"]["citizen"])  # an account's PAKN is its own
    assert client.post(url, data).status_code == 201
    assert client.post(url, data).status_code == 200
    assert Feedback.objects.count() == 4


def test_public_list_shows_only_public_answers_without_personal_data(client, world):
    officer = world["users"]["ward_officer"]
    d = make_dossier(world)
    pub = new(
        world,
        subject="dossier",
        dossier_code=d.code,
        user=world["users"]["citizen"],
        title="Hồ sơ chậm",
        content="Tôi là Nguyễn Văn An, CCCD 001203012345, gọi 0912 345 678 hoặc an@example.vn",
    )
    services.feedback_answer(
        reference=pub.reference,
        user=officer,
        answer="Đã xin lỗi ông An qua số 0912345678.",
        public=True,
        public_content="Tôi là Nguyễn Văn An, hồ sơ trả chậm.",
    )
    private = new(world, title="Việc riêng tư")
    services.feedback_answer(reference=private.reference, user=officer, answer="Trả lời riêng", public=False)
    new(world, title="Chưa trả lời")
    html = client.get(reverse("feedback:public")).content.decode()
    assert "Hồ sơ chậm" in html and pub.reference in html
    for secret in (
        "Việc riêng tư",
        "Chưa trả lời",
        "001203012345",
        "0912345678",
        "0912 345 678",
        "an@example.vn",
        d.code,
        "binh@example.vn",
        "congdan",
    ):
        assert secret not in html
    filtered = client.get(reverse("feedback:public"), {"co-quan": world["dept"].identifier}).content.decode()
    assert "Hồ sơ chậm" not in filtered


def test_redact():
    assert redact("CCCD 001203012345, ĐT +84 912 345 678, a.b@x.vn") == "CCCD [đã ẩn], ĐT [đã ẩn], [đã ẩn]"
    assert redact("Năm 2025 có 12 ngày") == "Năm 2025 có 12 ngày"


def test_redact_numbers_however_grouped_and_dossier_codes():
    text = (
        "CCCD 001.203.012.345 (hoặc 001 203 012 345), CMND 123-456-789, MST 0101234567-001, ĐT 0912.345.678, "
        "(024) 3825 1234, +84-912-345-678, CCCD001203012345, mã 000.00.21.H26-261125-0001 và 000.02.33.h26 - 250110 - 12"
    )
    out = redact(text)
    secrets = "001 203 345 456-789 0101234567 0912 3825 H26 h26 261125 250110".split()
    for secret in secrets:
        assert secret not in out, (secret, out)
    assert out.count("[đã ẩn]") == 10
    # what is not personal stays: dates, small numbers, amounts of money, decision numbers
    kept = "Ngày 12/11/2025, lệ phí 1.200.000.000 đồng, Quyết định 468/QĐ-TTg, nhà số 12 ngõ 34"
    assert redact(kept) == kept


def test_redact_known_names_and_addresses_without_diacritics_or_case():
    out = redact(
        "Tôi, NGUYỄN VĂN AN (Nguyen Van An), ở Nhà số 12, ngõ 34 phố Huế; anh Văn An đã đến. An toàn là trên hết.",
        phrases=["Nguyễn Văn An", "nhà số 12 ngõ 34 Phố Huế"],
        literals=["congdan"],
    )
    assert out == "Tôi, [đã ẩn] ([đã ẩn]), ở [đã ẩn]; anh [đã ẩn] đã đến. An toàn là trên hết."


PII_TITLE = "Hỏi về hồ sơ của Nguyễn Văn An"
PII_CONTENT = (
    "CCCD 001.203.012.345 (hoặc 001 203 012 345), nhà số 12 ngõ 34 Phố Huế, gọi 0912 345 678. "
    "Mã hồ sơ {code}. Hồ sơ chưa có kết quả."
)
SECRETS = ("Nguyễn Văn An", "001.203.012.345", "001 203 012 345", "0912 345 678", "ngõ 34")


def test_publishing_needs_a_confirmed_public_content(client, world):
    """The QA repro: 'Công khai' ticked with the public content empty publishes nothing; the officer gets a
    redacted draft and a preview, then confirms what is published."""
    d = make_dossier(world)
    fb = new(
        world,
        subject="dossier",
        dossier_code=d.code,
        user=world["users"]["citizen"],
        contact={},
        title=PII_TITLE,
        content=PII_CONTENT.format(code=d.code),
    )
    url = reverse("feedback:staff_detail", args=[fb.reference])
    client.force_login(world["users"]["ward_officer"])
    answer = "Hồ sơ của ông Nguyễn Văn An (mã " + d.code + ") đã có kết quả."
    first = client.post(url, {"op": "answer", "answer": answer, "public": "on", "public_content": ""})
    assert first.status_code == 422
    fb.refresh_from_db()
    assert fb.status == Status.RECEIVED and not fb.answer_public and fb.answer == ""
    preview = first.context["preview"]
    draft = first.context["answer_form"]["public_content"].value()
    for text in (preview["title"], preview["question"], preview["answer"], draft):
        for secret in (*SECRETS[:4], d.code):
            assert secret not in text, (secret, text)
    assert "ngõ 34" in draft  # a free-text address cannot be found: the officer must take it out
    assert "Xác nhận công khai và gửi trả lời" in first.content.decode()
    # the officer edits the draft: what they now see is previewed again before anything is published
    edited = draft.replace("nhà số 12 ngõ 34 Phố Huế", "[địa chỉ đã ẩn]")
    data = {
        "op": "answer",
        "answer": answer,
        "public": "on",
        "public_content": edited,
        "public_title": first.context["answer_form"]["public_title"].value(),
        "confirm": preview["digest"],
    }
    second = client.post(url, data)
    assert second.status_code == 200 and "preview" in second.context
    assert Feedback.objects.get(pk=fb.pk).status == Status.RECEIVED
    third = client.post(url, {**data, "confirm": second.context["preview"]["digest"]})
    assert third.status_code == 302
    fb.refresh_from_db()
    assert fb.status == Status.ANSWERED and fb.answer_public and fb.answer == answer
    client.logout()
    html = client.get(reverse("feedback:public")).content.decode()
    assert fb.reference in html and "Hồ sơ chưa có kết quả" in html and "[địa chỉ đã ẩn]" in html
    for secret in (*SECRETS, d.code, "Văn An", "congdan"):
        assert secret not in html, secret
    # the public search reads only what is published: a search for the name finds nothing
    found = client.get(reverse("feedback:public"), {"q": "Nguyễn Văn An"}).content.decode()
    assert fb.reference not in found
    assert fb.reference in client.get(reverse("feedback:public"), {"q": "chưa có kết quả"}).content.decode()


def test_the_public_search_cannot_find_what_the_page_hides(client, world):
    """The officer's public content still holds a phone number and a name: the page masks them, and the search
    (which reads what is stored as published) does not find the PAKN by them either."""
    fb = new(world, title="Bà Trần Thị Bình hỏi thời hạn", content=PII_CONTENT.format(code="x"))
    services.feedback_answer(
        reference=fb.reference,
        user=world["users"]["ward_officer"],
        answer="Đã có kết quả.",
        public=True,
        public_content="Bà Trần Thị Bình (điện thoại 0912 345 678) hỏi về thời hạn trả kết quả.",
    )
    fb.refresh_from_db()
    assert "0912 345 678" not in fb.public_content and "Trần Thị Bình" not in fb.public_content
    assert "Trần Thị Bình" not in fb.public_title
    for q in ("0912 345 678", "345 678", "Trần Thị Bình", "Thị Bình"):
        assert fb.reference not in client.get(reverse("feedback:public"), {"q": q}).content.decode(), q
    assert fb.reference in client.get(reverse("feedback:public"), {"q": "thời hạn trả"}).content.decode()


def test_the_service_refuses_to_publish_without_public_content(world):
    fb = new(world, title=PII_TITLE, content=PII_CONTENT.format(code="x"))
    with pytest.raises(Unprocessable) as exc:
        services.feedback_answer(
            reference=fb.reference, user=world["users"]["ward_officer"], answer="Đã trả lời.", public=True
        )
    assert exc.value.code == "public_content_required"
    fb.refresh_from_db()
    assert fb.status == Status.RECEIVED and not fb.answer_public


def test_a_pakn_published_before_the_rule_shows_no_original_content(client, world):
    """Rows answered publicly with no public content (before this rule): the public page shows the redacted title
    and answer, never the original content; the title, answer and search are redacted or read published text."""
    d = make_dossier(world)
    fb = new(
        world,
        subject="dossier",
        dossier_code=d.code,
        title=PII_TITLE,
        content=PII_CONTENT.format(code=d.code),
    )
    Feedback.objects.filter(pk=fb.pk).update(
        status=Status.ANSWERED,
        answer="Đã gọi ông Nguyen Van An qua số 0912.345.678 về hồ sơ " + d.code,
        answered_at=timezone.now(),
        answer_public=True,
        public_content="",
        public_title="",
    )
    html = client.get(reverse("feedback:public")).content.decode()
    assert fb.reference in html and "Nội dung câu hỏi không được công khai." in html
    for secret in (*SECRETS, "Nguyen Van An", "0912.345.678", d.code, "Trần Thị Bình"):
        assert secret not in html, secret


def test_staff_list_scope_and_highlights(client, world):
    now = timezone.now()
    overdue = new(world, at=now - dt.timedelta(days=40), title="Quá hạn rồi")
    soon = new(world, at=now - dt.timedelta(days=1), working_days=1, title="Sắp đến hạn")
    fresh = new(world, at=now, working_days=30, title="Còn nhiều thời gian")
    other = new(world, agency=world["dept"], title="Của Sở")
    url = reverse("feedback:staff_list")
    assert client.get(url).status_code == 302
    client.force_login(world["users"]["citizen"])
    assert client.get(url).status_code == 403
    client.force_login(world["users"]["ward_officer"])
    html = client.get(url).content.decode()
    assert overdue.reference in html and fresh.reference in html and other.reference not in html
    assert f'class="overdue-row" data-reference="{overdue.reference}"' in html
    assert f'class="" data-reference="{fresh.reference}"' in html
    row = html.split(f'data-reference="{soon.reference}"')[0].rsplit("<tr", 1)[1]
    assert "overdue-row" in row or "due-soon-row" in row
    client.force_login(world["users"]["overseer"])
    html = client.get(url).content.decode()
    assert other.reference in html and overdue.reference in html  # overseer reads the whole city


def test_staff_list_filters_dissatisfied_senders_and_shows_who_took_each_up(client, world):
    officer = world["users"]["ward_officer"]
    officer.first_name, officer.last_name = "Phạm Thị", "Hoa"
    officer.save()
    unhappy = new(world, title="Không hài lòng")
    happy = new(world, title="Hài lòng")
    pending = new(world, title="Chưa trả lời")
    for fb in (unhappy, happy, pending):
        services.feedback_start(reference=fb.reference, user=officer)
    for fb, satisfied in ((unhappy, False), (happy, True)):
        services.feedback_answer(reference=fb.reference, user=officer, answer="Đã xử lý.")
        services.feedback_evaluate(
            reference=fb.reference,
            token=services.evaluation_token(fb),
            satisfied=satisfied,
            reason="Chưa xong.",
        )
    untaken = new(world, title="Chưa nhận")
    client.force_login(officer)
    url = reverse("feedback:staff_list")
    html = client.get(url, {"trang-thai": "khong-hai-long"}).content.decode()
    assert 'value="khong-hai-long" selected' in html and "Người gửi không hài lòng" in html
    assert f'data-reference="{unhappy.reference}"' in html
    for other in (happy, pending, untaken):
        assert f'data-reference="{other.reference}"' not in html
    html = client.get(url, {"trang-thai": "all"}).content.decode()
    row = html.split(f'data-reference="{pending.reference}"', 1)[1].split("</tr>", 1)[0]
    assert '<td class="pakn-taken-by">Phạm Thị Hoa</td>' in row
    row = html.split(f'data-reference="{untaken.reference}"', 1)[1].split("</tr>", 1)[0]
    assert "Phạm Thị Hoa" not in row and "pakn-taken-by" in row
    row = html.split(f'data-reference="{unhappy.reference}"', 1)[1].split("</tr>", 1)[0]
    assert 'data-evaluation="dissatisfied"' in row


def test_staff_answer_form(client, world):
    fb = new(world)
    url = reverse("feedback:staff_detail", args=[fb.reference])
    client.force_login(world["users"]["dept_officer"])
    assert client.get(url).status_code == 404  # another agency's PAKN is invisible
    client.force_login(world["users"]["overseer"])
    page = client.get(url).content.decode()
    assert "Trả lời phản ánh" not in page  # reads, cannot answer
    assert client.post(url, {"op": "answer", "answer": "x"}).status_code == 403
    client.force_login(world["users"]["ward_officer"])
    assert client.post(url, {"op": "answer", "answer": ""}).status_code == 400
    assert client.post(url, {"op": "start"}).status_code == 302
    assert Feedback.objects.get().status == Status.PROCESSING
    answer = {"op": "answer", "answer": "Đã chấn chỉnh cán bộ.", "public": "on"}
    resp = client.post(url, answer)
    assert resp.status_code == 422  # publishing: a public content to confirm first
    assert Feedback.objects.get().status == Status.PROCESSING
    form = resp.context["answer_form"]
    confirmed = {
        **answer,
        "public_title": form["public_title"].value(),
        "public_content": form["public_content"].value(),
        "confirm": form["confirm"].value(),
    }
    resp = client.post(url, {**confirmed, "confirm": "forged"})
    assert resp.status_code == 200 and Feedback.objects.get().status == Status.PROCESSING
    resp = client.post(url, confirmed)
    assert resp.status_code == 302
    fb.refresh_from_db()
    assert fb.status == Status.ANSWERED and fb.answer_public and fb.on_time
    assert client.post(url, {"op": "answer", "answer": "Lần nữa"}).status_code == 409
    assert client.post(url, {"op": "bogus"}).status_code == 400


def test_the_desk_sees_whether_the_sender_was_told(client, world, settings):
    """An answer or a refusal the sender was never sent (the provider failed for good) must show on the PAKN page,
    as on the dossier page: the sender may otherwise never learn it, and nobody at the desk would know to call."""
    from motcua.notifications import services as outbox
    from motcua.notifications.models import Outbox

    settings.MOTCUA_NOTIFY_ON_COMMIT = False
    settings.MOTCUA_OUTBOX_MAX_ATTEMPTS = 1
    settings.MOTCUA_SMS_ADAPTER = "motcua.notifications.sms.MemoryAdapter"
    fb = new(world)
    other = new(world, title="Của người khác")
    services.feedback_answer(reference=fb.reference, user=world["users"]["ward_officer"], answer="Đã xử lý.")
    services.feedback_answer(reference=other.reference, user=world["users"]["ward_officer"], answer="Khác.")
    sms = Outbox.objects.get(template="feedback_answered", channel="sms", dedupe_key__contains=f"-{fb.pk}:")
    Outbox.objects.filter(pk=sms.pk).update(status="failed", last_error="Nhà mạng từ chối số thuê bao.")
    outbox.send_outbox()
    client.force_login(world["users"]["ward_officer"])
    page = client.get(reverse("feedback:staff_detail", args=[fb.reference])).content.decode()
    assert "Thông báo cho người gửi" in page and "không gửi được" in page
    assert f'data-outbox="{sms.pk}" data-status="failed"' in page and "Nhà mạng từ chối số thuê bao." in page
    assert page.count("data-outbox=") == 2  # its e-mail and text, not the other PAKN's
    quiet = client.get(reverse("feedback:staff_detail", args=[other.reference])).content.decode()
    assert "Thông báo cho người gửi" in quiet and "không gửi được" not in quiet


def test_the_desk_sends_a_failed_message_to_the_sender_again(client, world, settings):
    """A message to the PAKN's sender that failed can be queued again from the PAKN page by whoever may handle the
    PAKN (after checking the number, say), as a dossier's from the dossier page; only a failed one, only one of
    this PAKN's, and not by a reader from elsewhere."""
    from motcua.notifications import services as outbox
    from motcua.notifications.models import Outbox

    settings.MOTCUA_NOTIFY_ON_COMMIT = False
    settings.MOTCUA_OUTBOX_MAX_ATTEMPTS = 1
    settings.MOTCUA_SMS_ADAPTER = "motcua.notifications.sms.MemoryAdapter"
    fb = new(world)
    other = new(world, title="Của người khác")
    officer = world["users"]["ward_officer"]
    services.feedback_answer(reference=fb.reference, user=officer, answer="Đã xử lý.")
    services.feedback_answer(reference=other.reference, user=officer, answer="Khác.")
    outbox.send_outbox()
    sms = Outbox.objects.get(template="feedback_answered", channel="sms", dedupe_key__contains=f"-{fb.pk}:")
    mail = Outbox.objects.get(
        template="feedback_answered", channel="email", dedupe_key__contains=f"-{fb.pk}:"
    )
    foreign = Outbox.objects.get(
        template="feedback_answered", channel="sms", dedupe_key__contains=f"-{other.pk}:"
    )
    Outbox.objects.filter(pk__in=[sms.pk, foreign.pk]).update(
        status="failed", attempts=1, last_error="Hết hạn."
    )
    url = reverse("feedback:staff_detail", args=[fb.reference])

    client.force_login(world["users"]["district_officer"])  # another agency's officer: not this PAKN's desk
    assert client.post(url, {"op": "resend", "outbox": sms.pk}).status_code == 404

    client.force_login(officer)
    page = client.get(url).content.decode()
    assert 'name="op" value="resend"' in page and f'name="outbox" value="{sms.pk}"' in page
    assert f'name="outbox" value="{mail.pk}"' not in page  # sent: nothing to resend
    assert client.post(url, {"op": "resend", "outbox": foreign.pk}).status_code == 404  # another PAKN's
    assert client.post(url, {"op": "resend", "outbox": mail.pk}).status_code == 409  # not failed
    assert client.post(url, {"op": "resend", "outbox": "x"}).status_code == 404
    assert Outbox.objects.get(pk=foreign.pk).status == "failed"
    r = client.post(url, {"op": "resend", "outbox": sms.pk})
    assert r.status_code == 302
    row = Outbox.objects.get(pk=sms.pk)
    assert row.status == "pending" and row.attempts == 0
    assert outbox.send_outbox()["sent"] == 1
    assert Outbox.objects.get(pk=sms.pk).status == "sent"
    assert "không gửi được" not in client.get(url).content.decode()


def test_my_feedback_page(client, world):
    fb = new(world, user=world["users"]["citizen"], contact={})
    services.feedback_answer(
        reference=fb.reference, user=world["users"]["ward_officer"], answer="Cảm ơn ông."
    )
    new(world, title="Của người khác")
    client.force_login(world["users"]["citizen"])
    html = client.get(reverse("feedback:mine")).content.decode()
    assert "Cảm ơn ông." in html and "Của người khác" not in html


def test_pakn_about_a_dossier_needs_its_code_and_takes_it_in_lower_case(client, world):
    d = make_dossier(world)
    url = reverse("feedback:submit")
    data = {
        "kind": "reflection",
        "subject": "dossier",
        "dossier_code": "",
        "title": "Hồ sơ chậm",
        "content": "Chưa có kết quả.",
        **SENDER,
    }
    empty = client.post(url, data)
    assert empty.status_code == 400 and list(empty.context["form"].errors) == ["dossier_code"]
    html = empty.content.decode()
    assert "Nhập mã hồ sơ ghi trên giấy tiếp nhận" in html and "Không tìm thấy hồ sơ" not in html
    assert 'aria-invalid="true"' in html.split('name="dossier_code"', 1)[1].split(">", 1)[0]
    no_agency = client.post(url, {**data, "subject": "agency"})
    assert no_agency.status_code == 400 and list(no_agency.context["form"].errors) == ["agency"]
    assert not Feedback.objects.exists()
    with pytest.raises(Unprocessable) as exc:
        services.feedback_submit(
            kind="reflection", subject="dossier", title="x", content="y", dossier_code="  ", contact=SENDER
        )
    assert exc.value.code == "dossier_required"
    ok = client.post(url, {**data, "dossier_code": " " + d.code.lower() + " "})
    assert ok.status_code == 201
    assert Feedback.objects.get().dossier == d


def test_the_rating_page_takes_a_lower_case_code(client, world):
    d = make_dossier(world, state="resolved")
    client.force_login(world["users"]["citizen"])
    page = client.get(reverse("feedback:rate", args=[d.code.lower()]))
    assert page.status_code == 200 and page.context["dossier"] == d and not page.context["verify"]


def test_pakn_refusals_are_on_their_field_and_in_the_page_language(client, world):
    """The service's refusals were a line above the form, always in Vietnamese, outside the error summary (no focus,
    no link to the field): a wrong phone or an unknown dossier code read in English as Vietnamese."""
    make_dossier(world)
    url = reverse("feedback:submit")
    data = {
        "kind": "reflection",
        "subject": "dossier",
        "dossier_code": "000.02.33.H26-250110-9999",
        "title": "Hồ sơ chậm",
        "content": "Chưa có kết quả.",
        **SENDER,
    }
    unknown = client.post(url, data)
    assert unknown.status_code == 404 and list(unknown.context["form"].errors) == ["dossier_code"]
    html = unknown.content.decode()
    assert 'id="error-summary"' in html and 'href="#id_dossier_code"' in html
    assert "Không tìm thấy hồ sơ 000.02.33.H26-250110-9999." in html
    assert unknown.context["form"]["title"].value() == "Hồ sơ chậm"  # what was typed is kept
    bad_phone = client.post(url, {**data, "phone": "0912"})
    # the form's own check now (400, as for its other fields), beside the field as before
    assert bad_phone.status_code == 400 and list(bad_phone.context["form"].errors) == ["phone"]

    client.cookies["django_language"] = "en"
    english = client.post(url, data).content.decode()
    assert "Dossier 000.02.33.H26-250110-9999 not found." in english and "Không tìm thấy" not in english
    anonymous = client.post(url, {**data, "name": "", "phone": ""})
    assert anonymous.status_code == 422 and "Anonymous feedback is not accepted" in anonymous.content.decode()
    assert not Feedback.objects.exists()


def test_the_criteria_speak_the_page_language(client, world):
    """The rating criteria are data (configurable in the admin), so their Vietnamese labels showed on the English
    pages. Each has an English label (the default ones filled by migration 0009), shown when the page is in
    English; a criterion whose English label is empty keeps its Vietnamese one."""
    from motcua.feedback.models import Criterion

    Criterion.objects.filter(code="mot-cua").update(label_en="")
    d = make_dossier(world, state="returned", owner=None)
    url = reverse("feedback:rate", args=[d.code])
    vietnamese = client.get(url).content.decode()
    assert (
        "Hồ sơ được giải quyết đúng hẹn" in vietnamese
        and "Dossier resolved by the appointment" not in vietnamese
    )
    client.cookies["django_language"] = "en"
    english = client.get(url).content.decode()
    assert (
        "Dossier resolved by the appointment" in english and "Hồ sơ được giải quyết đúng hẹn" not in english
    )
    assert "Tiếp nhận, giải quyết và trả kết quả tại Bộ phận Một cửa" in english  # no English label given
    # a required criterion left unscored: named in English
    Criterion.objects.filter(code="dung-han").update(required=True)
    r = client.post(url, {"overall": "4", "id_number": d.applicant_id_number})
    assert r.status_code == 400
    assert r.context["form"].errors["c_dung-han"] == ["Please score this criterion (required)."]
    # and through the service (the API): the Vietnamese message names it in Vietnamese, the English one in English
    with pytest.raises(Unprocessable) as refused:
        services.rating_create(user=None, dossier_code=d.code, overall=4, id_number=d.applicant_id_number)
    assert refused.value.message == "Chưa chấm các tiêu chí bắt buộc: Hồ sơ được giải quyết đúng hẹn."
    assert refused.value.message_en == "Required criteria not scored: Dossier resolved by the appointment."


def test_the_rating_page_refuses_a_wrong_number_in_the_page_language(client, world):
    d = make_dossier(world, state="returned", owner=None)
    client.cookies["django_language"] = "en"
    r = client.post(reverse("feedback:rate", args=[d.code]), {"overall": "4", "id_number": "001203012346"})
    html = r.content.decode()
    assert r.status_code == 403 and "The ID or tax number does not match" in html
    assert "không khớp" not in html


def test_a_wrong_number_on_the_rating_page_is_on_its_field_and_nothing_typed_is_lost(client, world):
    """The refusal was a line above the form: the number was not marked, focus stayed at the top of the page. A
    missing overall level said Django's "Trường này là bắt buộc." rather than asking to choose one."""
    d = make_dossier(world, state="returned", owner=None)
    url = reverse("feedback:rate", args=[d.code])
    wrong = client.post(url, {"overall": "1", "id_number": "001203012399", "comment": "Chờ lâu"})
    assert wrong.status_code == 403 and list(wrong.context["form"].errors) == ["id_number"]
    html = wrong.content.decode()
    assert 'href="#id_id_number"' in html.split('id="error-summary"', 1)[1].split("</div>", 1)[0]
    assert "không khớp với người nộp hồ sơ này" in html
    assert 'value="001203012399"' in html and "Chờ lâu" in html
    missing = client.post(url, {"id_number": "001203012345"})
    assert missing.status_code == 400 and missing.context["form"].errors["overall"] == [
        "Vui lòng chọn một mục."
    ]


def test_the_sender_evaluates_the_answer_on_their_pakn_page(client, world):
    citizen = world["users"]["citizen"]
    fb = new(world, user=citizen, contact={})
    url = reverse("feedback:mine_detail", args=[fb.reference])
    assert url == f"/phan-anh/cua-toi/{fb.reference}/"
    client.force_login(citizen)
    page = client.get(url).content.decode()
    assert "Gửi đánh giá" not in page  # not answered yet
    services.feedback_answer(
        reference=fb.reference, user=world["users"]["ward_officer"], answer="Cảm ơn ông."
    )
    assert f'href="{url}#h-evaluation"' in client.get(reverse("feedback:mine")).content.decode()
    page = client.get(url).content.decode()
    assert "Cảm ơn ông." in page and "Gửi đánh giá" in page
    r = client.post(url, {"satisfied": "0", "reason": ""})  # dissatisfied without a reason: on the field
    assert r.status_code == 400 and "id_reason_error" in r.content.decode()
    assert Feedback.objects.get(pk=fb.pk).sender_satisfied is None
    r = client.post(url, {"satisfied": "0", "reason": "Chưa giải quyết được việc."})
    assert r.status_code == 302 and r["Location"] == url
    page = client.get(url).content.decode()
    assert 'data-evaluation="dissatisfied"' in page and "Gửi đánh giá" not in page
    assert client.post(url, {"satisfied": "1"}).status_code == 409  # once
    assert Feedback.objects.get(pk=fb.pk).sender_satisfied is False
    # the desk sees it on the PAKN's staff page
    client.force_login(world["users"]["ward_officer"])
    staff = client.get(reverse("feedback:staff_detail", args=[fb.reference])).content.decode()
    assert 'data-evaluation="dissatisfied"' in staff and "Chưa giải quyết được việc." in staff
    # someone else's PAKN: not found
    client.force_login(world["users"]["citizen2"])
    assert client.get(url).status_code == 404
    assert client.post(url, {"satisfied": "1"}).status_code == 404


def test_the_staff_page_says_a_sender_without_account_evaluates_by_link(client, world):
    fb = new(world)
    services.feedback_answer(reference=fb.reference, user=world["users"]["ward_officer"], answer="Đã xử lý.")
    client.force_login(world["users"]["ward_officer"])
    staff = client.get(reverse("feedback:staff_detail", args=[fb.reference])).content.decode()
    assert "không có tài khoản: đánh giá qua đường dẫn gửi kèm thông báo trả lời" in staff


def test_a_sender_without_account_evaluates_once_by_the_link(client, world):
    """A PAKN sent with name, phone and e-mail only: the answer notification's signed link opens a page where the
    answer is evaluated once, without signing in, with the account page's rules."""
    fb = new(world, content="Đường trước số 12 ngõ 5 ngập nước.")
    url = reverse("feedback:evaluate_link", args=[services.evaluation_token(fb)])
    assert url.startswith("/phan-anh/danh-gia/")
    page = client.get(url)
    assert page.status_code == 200 and page["Cache-Control"] == "no-store"
    assert "Gửi đánh giá" not in page.content.decode()  # not answered yet
    assert client.post(url, {"satisfied": "1"}).status_code == 409
    services.feedback_answer(reference=fb.reference, user=world["users"]["ward_officer"], answer="Cảm ơn bà.")
    html = client.get(url).content.decode()
    assert "Cảm ơn bà." in html and "Gửi đánh giá" in html
    assert "ngõ 5" not in html  # a link can be forwarded: the question is not shown, as in the notification
    r = client.post(url, {"satisfied": "0", "reason": " "})  # dissatisfied without a reason: on the field
    assert r.status_code == 400 and "id_reason_error" in r.content.decode()
    assert 'id="error-summary"' in r.content.decode()
    r = client.post(url, {"satisfied": "0", "reason": "Chưa sửa đường."})
    assert r.status_code == 302 and r["Location"] == url
    fb.refresh_from_db()
    assert (fb.sender_satisfied, fb.sender_reason) == (False, "Chưa sửa đường.") and fb.sender_evaluated_at
    page = client.get(url).content.decode()
    assert 'data-evaluation="dissatisfied"' in page and "Gửi đánh giá" not in page
    assert client.post(url, {"satisfied": "1"}).status_code == 409  # once
    assert Feedback.objects.get(pk=fb.pk).sender_satisfied is False


def test_the_evaluation_link_refuses_bad_tokens_and_accounts(client, world, settings, monkeypatch):
    fb = new(world)
    services.feedback_answer(reference=fb.reference, user=world["users"]["ward_officer"], answer="Đã xử lý.")
    token = services.evaluation_token(fb)
    other = new(world, title="Của người khác")
    tampered = token.replace(fb.reference, other.reference)
    for bad in (tampered, token[:-2] + "xx", "abc"):
        assert client.get(reverse("feedback:evaluate_link", args=[bad])).status_code == 404
        assert (
            client.post(reverse("feedback:evaluate_link", args=[bad]), {"satisfied": "1"}).status_code == 404
        )
    # a token of another purpose (salt) for the same reference is no evaluation link
    from django.core import signing

    foreign = signing.TimestampSigner(salt=services.COUNTER_TOKEN_SALT).sign(fb.reference)
    assert client.get(reverse("feedback:evaluate_link", args=[foreign])).status_code == 404
    # a PAKN sent from an account is evaluated on the account's page, never by link
    mine = new(world, user=world["users"]["citizen"], contact={})
    services.feedback_answer(
        reference=mine.reference, user=world["users"]["ward_officer"], answer="Đã xử lý."
    )
    link = reverse("feedback:evaluate_link", args=[services.evaluation_token(mine)])
    assert client.get(link).status_code == 404 and client.post(link, {"satisfied": "1"}).status_code == 404
    assert Feedback.objects.get(pk=mine.pk).sender_satisfied is None
    # past its days: said so, in the page's language, and nothing recorded
    settings.MOTCUA_PAKN_EVALUATION_LINK_DAYS = 1
    url = reverse("feedback:evaluate_link", args=[token])
    now = signing.time.time()
    monkeypatch.setattr(signing.time, "time", lambda: now + 2 * 86400)  # the signer's clock, two days later
    client.cookies["django_language"] = "en"
    r = client.post(url, {"satisfied": "1"})
    assert r.status_code == 410 and "The evaluation link has expired" in r.content.decode()
    assert Feedback.objects.get(pk=fb.pk).sender_satisfied is None


def test_the_evaluation_link_page_speaks_english_when_chosen(client, world):
    fb = new(world)
    services.feedback_answer(reference=fb.reference, user=world["users"]["ward_officer"], answer="Đã xử lý.")
    url = reverse("feedback:evaluate_link", args=[services.evaluation_token(fb)])
    client.cookies["django_language"] = "en"
    client.post(url, {"satisfied": "1"})
    r = client.post(url, {"satisfied": "0", "reason": "x"})
    assert r.status_code == 409 and "already evaluated" in r.content.decode()


def test_the_staff_page_says_who_took_the_pakn_up(client, world):
    officer = world["users"]["ward_officer"]
    officer.first_name, officer.last_name = "Phạm Thị", "Hoa"
    officer.save()
    fb = new(world)
    url = reverse("feedback:staff_detail", args=[fb.reference])
    client.force_login(officer)
    assert "pakn-taken-by" not in client.get(url).content.decode()  # not taken up yet
    assert client.post(url, {"op": "start"}).status_code == 302
    fb.refresh_from_db()
    assert fb.taken_by == officer and fb.taken_at is not None
    client.force_login(world["users"]["overseer"])
    page = client.get(url).content.decode()
    assert "Người nhận xử lý" in page and "Phạm Thị Hoa" in page
    # taken up before it was recorded (migration 0008 leaves those empty): said so, nothing guessed
    Feedback.objects.filter(pk=fb.pk).update(taken_by=None, taken_at=None)
    assert "không ghi nhận" in client.get(url).content.decode()


def test_the_staff_page_says_who_refused_the_pakn(client, world):
    """A refused PAKN said "Người nhận xử lý: không ghi nhận" and stored no one: who refused it, and when, is
    recorded and shown."""
    officer = world["users"]["ward_officer"]
    officer.first_name, officer.last_name = "Phạm Thị", "Hoa"
    officer.save()
    fb = new(world)
    services.feedback_reject(
        reference=fb.reference, user=officer, reason="Không thuộc thẩm quyền của phường."
    )
    fb.refresh_from_db()
    assert fb.rejected_by == officer
    client.force_login(world["users"]["overseer"])
    page = client.get(reverse("feedback:staff_detail", args=[fb.reference])).content.decode()
    assert re.search(r'class="pakn-rejected-by small">Người từ chối: Phạm Thị Hoa · \d\d/\d\d/\d{4}', page)


def test_each_error_is_announced_once(client, world):
    """The error summary and each field's message both carried role="alert": a screen reader read every error
    twice. A page with a summary announces the summary only; the staff page, which has none, the field's message."""
    d = make_dossier(world, state="returned", owner=None)
    submit = client.post(reverse("feedback:submit"), {"kind": "reflection", "subject": "agency", **SENDER})
    page = submit.content.decode()
    assert submit.status_code == 400 and page.count('role="alert"') == 1 and 'id="error-summary"' in page
    assert '<span class="errorlist" id="id_title_error">' in page
    assert 'aria-invalid="true" aria-describedby="id_title_error"' in page
    rate = client.post(reverse("feedback:rate", args=[d.code]), {"id_number": ""})
    page = rate.content.decode()
    assert rate.status_code == 400 and page.count('role="alert"') == 1 and 'href="#id_overall_0"' in page
    assert '<span class="errorlist" id="id_overall_error">' in page
    fb = new(world)
    client.force_login(world["users"]["ward_officer"])
    staff = client.post(reverse("feedback:staff_detail", args=[fb.reference]), {"op": "reject", "reason": ""})
    page = staff.content.decode()
    assert staff.status_code == 400 and 'id="error-summary"' not in page
    assert '<span class="errorlist" role="alert" id="id_reason_error">' in page
    assert "<details open><summary>" in page  # the refusal's form, folded, is opened on its error


def test_an_empty_pakn_says_what_is_missing(client, world):
    """Its empty title, content and kind were each "Trường này là bắt buộc.": each now says what to write."""
    r = client.post(
        reverse("feedback:submit"), {"subject": "agency", "agency": world["ward"].identifier, **SENDER}
    )
    errors = r.context["form"].errors
    assert r.status_code == 400 and not Feedback.objects.exists()
    assert errors["title"] == ["Vui lòng ghi tiêu đề phản ánh, kiến nghị."]
    assert errors["content"] == ["Vui lòng ghi nội dung phản ánh, kiến nghị."]
    assert errors["kind"] == ["Chọn loại: phản ánh, kiến nghị hoặc khiếu nại."]


def test_a_wrong_phone_is_named_with_the_forms_other_mistakes(client, world):
    """An empty title and content and the phone "123" were reported in two sendings: the phone's refusal came
    from the service, only once the form's own fields were right."""
    url = reverse("feedback:submit")
    data = {
        "kind": "recommendation",
        "subject": "procedure",
        "procedure_code": "1.001193",
        "agency": world["ward"].identifier,
        "title": "",
        "content": "",
        "name": "Lê Văn Cường",
        "phone": "123",
        "email": "cuong@example.vn",
    }
    r = client.post(url, data)
    page = r.content.decode()
    assert r.status_code == 400 and not Feedback.objects.exists()
    assert set(r.context["form"].errors) == {"title", "content", "phone"}
    assert "Số điện thoại không hợp lệ" in page and "Vui lòng ghi nội dung phản ánh, kiến nghị." in page
    ok = client.post(url, {**data, "title": "Rút ngắn", "content": "Đề nghị.", "phone": "0987 654 321"})
    assert ok.status_code == 201 and Feedback.objects.get().contact_phone == "0987654321"
