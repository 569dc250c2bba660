"""Browser: one dossier walked through the staff screens from counter registration to the return of the result
(reception, assignment, an inter-agency step and back, a supplement round, resolution), every form downloadable
as PDF; another flow covers refusal, apology and stop."""

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from motcua.catalog.models import (
    Offering,
    Procedure,
    ProcedureComponent,
    ProcedureVersion,
    ProcessStep,
    ProcessTemplate,
)
from motcua.dossiers import services
from motcua.dossiers.models import Dossier
from motcua.org.models import Role

from .conftest import APPLICANT, PASSWORD
from .test_documents import make_pdf, make_png

# the live server, Chromium and the sign_in fixture: conftest.py at the top
pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
STAFF = "/staff/"


@pytest.fixture
def procedure(org):
    """A procedure of its own with two components and a two-step internal process, offered by the department."""
    proc = Procedure.objects.create(
        code="1.009999", name="Cấp giấy phép kinh doanh thử nghiệm", field=org["field"], level="province"
    )
    version = ProcedureVersion.objects.create(
        procedure=proc,
        effective_from=dt.date(2020, 1, 1),
        name=proc.name,
        field=org["field"],
        level="province",
        legal_days=Decimal(5),
    )
    ProcedureComponent.objects.create(version=version, order=1, name="Đơn đề nghị cấp giấy phép")
    ProcedureComponent.objects.create(
        version=version, order=2, name="Bản sao giấy tờ pháp lý", required=False
    )
    tpl = ProcessTemplate.objects.create(procedure=proc, agency=org["so"], total_hours=40)
    ProcessStep.objects.create(
        template=tpl,
        order=1,
        actor="Chuyên viên Phòng ĐKKD",
        role=Role.SPECIALIST,
        hours=32,
        task="Thẩm định hồ sơ",
    )
    ProcessStep.objects.create(
        template=tpl, order=2, actor="Lãnh đạo Sở", role=Role.LEADER, hours=8, task="Ký kết quả"
    )
    Offering.objects.create(agency=org["so"], procedure=proc)
    return proc


def open_action(page, action):
    page.click(f"#act-{action} > summary")
    return f"#act-{action} form"


def submit(page, form):
    with page.expect_navigation():
        page.click(f"{form} button[type=submit]")


def state_of(code):
    return Dossier.objects.get(code=code).state


def assert_pdf(page, url):
    r = page.request.get(url)
    assert r.status == 200, url
    assert r.headers["content-type"] == "application/pdf", url
    assert r.body()[:5] == b"%PDF-"


def test_full_lifecycle_through_the_staff_screens(page, live_server, org, procedure, sign_in):
    base = live_server.url
    # 1. Counter registration by the one-stop officer (scanned component), received afterwards from the page.
    sign_in("mc", PASSWORD, STAFF)
    page.click("text=Tiếp nhận hồ sơ tại quầy")
    page.select_option("#pick-procedure", "1.009999")
    page.click("form[aria-label='Chọn thủ tục'] button")
    page.fill("#id_applicant_name", "Đặng Thị Ngọc Hương")
    page.fill("#id_applicant_id_number", "001185012345")
    page.fill("#id_applicant_address", "15 Tạ Quang Bửu, Hà Nội")
    page.fill("#id_applicant_phone", "0912345601")
    comp = ProcedureComponent.objects.get(version__procedure=procedure, order=1)
    page.set_input_files(
        f"#id_component_{comp.pk}",
        files=[{"name": "don de nghi.pdf", "mimeType": "application/pdf", "buffer": make_pdf()}],
    )
    page.uncheck("#id_receive_now")
    with page.expect_navigation():
        page.click("#counter-form button[type=submit]")
    assert "Đã đăng ký hồ sơ" in page.locator(".messages").inner_text()
    code = page.locator("h1 .mono").inner_text()
    assert state_of(code) == "submitted" and code.startswith("000.00.21.H26-")

    form = open_action(page, "receive")
    submit(page, form)
    assert state_of(code) == "received"
    assert "Được tiếp nhận" in page.locator(".badge").first.inner_text()
    d = Dossier.objects.get(code=code)
    assert d.events.get(action="register").file_hashes == [d.documents.get().sha256]

    # 2. The unit head assigns step 1 to the specialist.
    sign_in("tp", PASSWORD, STAFF)
    page.click("a[data-tab=assign]")
    page.click(f"tr[data-code='{code}'] a")
    form = open_action(page, "assign")
    page.select_option(f"{form} select[name=assignee]", "cv")
    submit(page, form)
    assert Dossier.objects.get(code=code).steps.get(order=1).assignee.username == "cv"

    # 3. The specialist asks for a supplement (one written list), the officer records it with the new file.
    sign_in("cv", PASSWORD, STAFF)
    page.click(f"tr[data-code='{code}'] a")
    form = open_action(page, "request_supplement")
    page.fill(f"{form} textarea[name=reason]", "Hồ sơ chưa đầy đủ")
    page.locator(f"{form} input[name=item_name]").nth(0).fill("Bản sao giấy tờ pháp lý")
    page.locator(f"{form} input[name=item_reason]").nth(0).fill("Chưa nộp")
    page.locator(f"{form} input[name=item_name]").nth(1).fill("Đơn đề nghị cấp giấy phép")
    page.locator(f"{form} input[name=item_reason]").nth(1).fill("Thiếu chữ ký")
    submit(page, form)
    assert state_of(code) == "supplement_requested"

    sign_in("mc", PASSWORD, STAFF)
    page.goto(f"{base}/staff/dossiers/{code}/")
    form = open_action(page, "supplement")
    page.set_input_files(
        f"{form} input[name=files]",
        files=[{"name": "ban sao.png", "mimeType": "image/png", "buffer": make_png()}],
    )
    submit(page, form)
    assert state_of(code) == "processing"  # back to where it was (the assignment had started processing)

    # 4. Inter-agency step: the specialist hands over to the tax office (4 working hours), which hands back.
    sign_in("cv", PASSWORD, STAFF)
    page.goto(f"{base}/staff/dossiers/{code}/")
    form = open_action(page, "hand_over")
    page.select_option(f"{form} select[name=to_agency]", "000.00.40.H26")
    page.fill(f"{form} input[name=hours]", "4")
    submit(page, form)
    d = Dossier.objects.get(code=code)
    step = services.current_step(d)
    assert d.state == "processing" and step.inter_agency and step.agency.identifier == "000.00.40.H26"

    sign_in("thue", PASSWORD, STAFF)
    page.click("a[data-tab=process]")
    page.click(f"tr[data-code='{code}'] a")
    form = open_action(page, "hand_over")
    submit(page, form)
    step = services.current_step(Dossier.objects.get(code=code))
    assert step.agency.identifier == "000.00.21.H26" and step.role == "leader"

    # 5. The leader resolves with the result document (from the "to approve" inbox).
    sign_in("ld", PASSWORD, STAFF)
    page.click("a[data-tab=approve]")
    page.click(f"tr[data-code='{code}'] a")
    form = open_action(page, "resolve")
    page.fill(f"{form} input[name=result_number]", "15/GP-SKHĐT")
    page.set_input_files(
        f"{form} input[name=files]",
        files=[{"name": "giay phep.pdf", "mimeType": "application/pdf", "buffer": make_pdf()}],
    )
    submit(page, form)
    d = Dossier.objects.get(code=code)
    assert d.state == "resolved" and d.classification in ("early", "on_time")

    # 6. The officer returns the result at the counter (from the "to return" inbox).
    sign_in("mc", PASSWORD, STAFF)
    page.click("a[data-tab=return]")
    page.click(f"tr[data-code='{code}'] a")
    form = open_action(page, "return_result")
    page.select_option(f"{form} select[name=method]", "counter")
    page.fill(f"{form} input[name=received_by]", "Đặng Thị Ngọc Hương")
    submit(page, form)
    d = Dossier.objects.get(code=code)
    assert d.state == "returned" and d.return_method == "counter"
    assert services.verify_chain(d) == []
    actions = [e.action for e in d.events.order_by("seq")]
    assert actions == [
        "register",
        "receive",
        "assign",
        "request_supplement",
        "supplement",
        "hand_over",
        "hand_over",
        "resolve",
        "return_result",
    ]

    # 7. Every form of this dossier, from the page's links, and the tracking book.
    links = page.locator("a[data-form]")
    keys = {links.nth(i).get_attribute("data-form") for i in range(links.count())}
    assert keys == {"receipt", "supplement", "control"}
    for i in range(links.count()):
        assert_pdf(page, base + links.nth(i).get_attribute("href"))
    today = timezone.localdate().isoformat()
    assert_pdf(page, f"{base}/staff/so-theo-doi.pdf?from={today}&to={today}")
    timeline = page.locator(".timeline").inner_text()
    assert "Trả kết quả" in timeline and "Liên thông" in timeline and "SHA-256" in timeline


def test_refusal_apology_and_stop_through_the_staff_screens(page, live_server, org, procedure, sign_in):
    base = live_server.url
    citizen = org["users"]["citizen"]
    refused, _ = services.dossier_file(
        actor=citizen,
        procedure_code="1.009999",
        agency_identifier="000.00.21.H26",
        channel="online",
        applicant={**APPLICANT, "name": "Trần Văn Bình"},
    )
    late, _ = services.dossier_file(
        actor=citizen,
        procedure_code="1.009999",
        agency_identifier="000.00.21.H26",
        channel="online",
        applicant={**APPLICANT, "name": "Lê Thị Cúc"},
    )
    late = services.dossier_act(code=late.code, action="receive", actor=org["users"]["officer"])

    # Refusal at reception (Form 03), from the officer's "to receive" inbox; searched without diacritics.
    sign_in("mc", PASSWORD, STAFF)
    page.fill("#q", "tran van binh")
    with page.expect_navigation():
        page.press("#q", "Enter")
    rows = page.locator("table.inbox tbody tr[data-code]")
    assert rows.count() == 1 and rows.first.get_attribute("data-code") == refused.code
    rows.first.locator("a").click()
    form = open_action(page, "refuse")
    page.fill(f"{form} textarea[name=reason]", "Không thuộc thẩm quyền giải quyết của Sở")
    submit(page, form)
    assert state_of(refused.code) == "refused"
    assert_pdf(page, f"{base}/staff/dossiers/{refused.code}/forms/refusal.pdf")

    # A refused action: receiving a refused dossier is not possible → message, nothing changed.
    version = Dossier.objects.get(code=refused.code).version
    page.goto(f"{base}/staff/dossiers/{late.code}/")
    stale_version = page.locator("#act-stop input[name=expected_version]").get_attribute("value")

    # Apology (Form 04) by the leader, with a new return date a week after the appointment.
    sign_in("ld", PASSWORD, STAFF)
    page.goto(f"{base}/staff/dossiers/{late.code}/")
    form = open_action(page, "apologize")
    page.fill(f"{form} textarea[name=reason]", "Cần xác minh thêm thông tin với cơ quan thuế")
    new_at = (late.due_at + dt.timedelta(days=7)).astimezone(timezone.get_current_timezone())
    page.fill(f"{form} input[name=new_return_at]", new_at.strftime("%d/%m/%Y %H:%M"))
    submit(page, form)
    assert Dossier.objects.get(code=late.code).new_return_at is not None
    assert_pdf(page, f"{base}/staff/dossiers/{late.code}/forms/apology.pdf")

    # The officer's page was loaded before the apology: acting with it gets a 409 naming the apology.
    sign_in("mc", PASSWORD, STAFF)
    page.goto(f"{base}/staff/dossiers/{late.code}/")
    form = open_action(page, "stop")
    page.fill(f"{form} textarea[name=reason]", "Theo đề nghị của công dân")
    page.evaluate(
        "([sel, v]) => document.querySelector(sel).value = v",
        ["#act-stop input[name=expected_version]", stale_version],
    )
    with page.expect_navigation() as nav:
        page.click(f"{form} button[type=submit]")
    assert nav.value.status == 409
    shown = page.locator("#action-error").inner_text()  # what the leader did meanwhile, and nothing done
    assert "Hồ sơ vừa được cập nhật sau khi trang này được mở: Xin lỗi và hẹn lại ngày trả (" in shown
    assert "Thao tác của bạn chưa được thực hiện" in shown
    assert state_of(late.code) == "received"

    # Stop (Form 05) with the fresh page.
    page.goto(f"{base}/staff/dossiers/{late.code}/")
    form = open_action(page, "stop")
    page.fill(f"{form} textarea[name=reason]", "Theo đề nghị của công dân")
    submit(page, form)
    assert state_of(late.code) == "stopped"
    assert_pdf(page, f"{base}/staff/dossiers/{late.code}/forms/stop.pdf")
    assert_pdf(page, f"{base}/staff/dossiers/{late.code}/forms/receipt.pdf")
    assert Dossier.objects.get(code=refused.code).version == version

    # The citizen owner downloads the forms addressed to them.
    sign_in("congdan", PASSWORD)
    assert_pdf(page, f"{base}/staff/dossiers/{late.code}/forms/apology.pdf")
    assert page.request.get(f"{base}/staff/dossiers/{late.code}/forms/control.pdf").status == 404


# a cell's text from its first character up to `length` characters: on how many lines it is laid out
LINES_OF = """([code, column, length]) => {
  const cell = document.querySelector(`tr[data-code="${code}"] td:nth-child(${column})`);
  const text = [...cell.childNodes].find(n => n.nodeType === Node.TEXT_NODE && n.textContent.trim());
  const start = text.textContent.search(/\\S/), range = document.createRange();
  range.setStart(text, start);
  range.setEnd(text, Math.min(start + length, text.textContent.length));
  return new Set([...range.getClientRects()].map(r => Math.round(r.top))).size;
}"""


def test_inbox_keeps_dates_and_codes_whole_on_a_desktop(page, live_server, org, procedure, sign_in):
    """The staff inbox at 1280 px: each date is read on one line and a dossier code breaks at most at its dashes
    (a rule for phones, breaking any table cell anywhere, had squeezed the columns to "27/11/2" / "026")."""
    d, _ = services.dossier_file(
        actor=org["users"]["officer"],
        procedure_code=procedure.code,
        agency_identifier="000.00.21.H26",
        channel="counter",
        applicant={**APPLICANT, "name": "Nguyễn Thị Bảo Ngọc Trâm Anh"},
        receive=True,
    )
    # a long step actor, as published processes name them
    d.steps.filter(order=1).update(actor="Chuyên viên Phòng Đăng ký kinh doanh, Sở Kế hoạch và Đầu tư")
    page.set_viewport_size({"width": 1280, "height": 900})
    sign_in("ld", PASSWORD, STAFF)
    page.goto(f"{live_server.url}/staff/?tab=all")
    received = timezone.localtime(d.received_at).strftime("%d/%m/%Y")
    assert received in page.locator(f'tr[data-code="{d.code}"] td:nth-child(5)').inner_text()
    for column in (5, 6):  # received, appointment: "dd/mm/yyyy" on one line
        assert page.evaluate(LINES_OF, [d.code, column, 10]) == 1, column
    code = page.locator(f'tr[data-code="{d.code}"] td:nth-child(1) a')
    pieces = code.evaluate("a => new Set([...a.getClientRects()].map(r => Math.round(r.top))).size")
    assert pieces <= d.code.count("-") + 1
    for part in d.code.split("-"):  # each part between dashes whole
        assert part in code.inner_text().replace("\n", "-").split("-")
    # the phone keeps its page width: the table scrolls in its box
    page.set_viewport_size({"width": 375, "height": 812})
    page.reload()
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
