import datetime as dt

from django.urls import reverse
from django.utils import timezone

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
        reference=pub.reference, user=officer, answer="Đã xin lỗi ông An qua số 0912345678.", public=True
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
    resp = client.post(url, {"op": "answer", "answer": "Đã chấn chỉnh cán bộ.", "public": "on"})
    assert resp.status_code == 302
    fb.refresh_from_db()
    assert fb.status == Status.ANSWERED and fb.answer_public and fb.on_time
    assert client.post(url, {"op": "answer", "answer": "Lần nữa"}).status_code == 409
    assert client.post(url, {"op": "bogus"}).status_code == 400


def test_my_feedback_page(client, world):
    fb = new(world, user=world["users"]["citizen"], contact={})
    services.feedback_answer(
        reference=fb.reference, user=world["users"]["ward_officer"], answer="Cảm ơn ông."
    )
    new(world, title="Của người khác")
    client.force_login(world["users"]["citizen"])
    html = client.get(reverse("feedback:mine")).content.decode()
    assert "Cảm ơn ông." in html and "Của người khác" not in html
