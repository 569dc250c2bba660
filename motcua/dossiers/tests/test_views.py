"""Staff screens: inboxes by role, search ignoring diacritics, actions posted from the web (refused ones change
nothing; a stale version gets 409), uploads, counter registration, permissions and PDF downloads."""

import datetime as dt
import io
import re
from decimal import Decimal

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.utils import timezone

from motcua.catalog.models import Offering, ProcedureComponent
from motcua.dossiers import pdf, selectors, services
from motcua.dossiers.models import Dossier, DossierDocument, DossierEvent

from .conftest import APPLICANT, act, limit_unset, local, login
from .test_documents import make_pdf, make_png


def file_online(org, name="Đặng Thị Ngọc Hương", id_number="001203012345", at=None, **extra):
    d, _ = services.dossier_file(
        actor=org["users"]["citizen"],
        procedure_code="1.001612",
        agency_identifier="000.00.21.H26",
        channel="online",
        applicant={**APPLICANT, "name": name, "id_number": id_number},
        at=at,
        **extra,
    )
    return d


def codes_in(response) -> set[str]:
    return {d.code for d in response.context["page"].object_list}


# --- inbox -----------------------------------------------------------------------------------------------------


def test_inbox_tabs_follow_roles_and_steps(client, org):
    submitted = file_online(org, name="Nguyễn Văn Một")
    received = act(org, file_online(org, name="Trần Thị Hai"), "receive", "officer")
    resolved = act(
        org,
        act(org, file_online(org, name="Lê Văn Ba"), "receive", "officer"),
        "resolve",
        "leader",
        outcome="approved",
    )

    login(client, org, "officer")
    r = client.get("/staff/")
    assert r.status_code == 200
    assert [t["key"] for t in r.context["tabs"]][:2] == ["receive", "process"]
    assert codes_in(r) == {submitted.code}  # default tab for an officer: to receive
    assert codes_in(client.get("/staff/?tab=return")) == {resolved.code}
    assert "Chờ tiếp nhận" in r.content.decode()

    # received: step 1 (specialist, unassigned) → unit head sees it to assign, specialists to process
    login(client, org, "unit_head")
    assert codes_in(client.get("/staff/?tab=assign")) == {received.code}
    login(client, org, "specialist")
    assert codes_in(client.get("/staff/?tab=process")) == {received.code}
    r = client.get("/staff/?tab=receive")  # not an officer: the tab is not offered → all
    assert r.context["tab"] == "all" and "receive" not in [t["key"] for t in r.context["tabs"]]

    act(org, received, "assign", "unit_head", assignee="cv")
    login(client, org, "unit_head")
    assert codes_in(client.get("/staff/?tab=assign")) == set()
    login(client, org, "specialist")
    assert codes_in(client.get("/staff/?tab=process")) == {received.code}  # assigned to me

    act(org, received, "hand_over", "specialist")  # → step 2 (leader), the last one
    login(client, org, "leader")
    assert codes_in(client.get("/staff/?tab=process")) == {received.code}
    assert codes_in(client.get("/staff/?tab=approve")) == {received.code}
    login(client, org, "specialist")
    assert codes_in(client.get("/staff/?tab=process")) == set()


def test_inbox_links_heads_and_overseers_to_their_dashboards(client, org):
    """The leader's dashboard and the overseers' page are reached from the inbox (they were linked from nowhere:
    a leader could only type the address, an overseer lost the page once they left it)."""
    for who, leader, overseer in (
        ("leader", True, False),
        ("unit_head", True, False),
        ("overseer", True, True),
        ("specialist", False, False),
        ("officer", False, False),
    ):
        login(client, org, who)
        html = client.get("/staff/").content.decode()
        assert ('href="/thong-ke/lanh-dao/"' in html) is leader, who
        assert ('href="/thong-ke/giam-sat/"' in html) is overseer, who
        if leader:
            assert client.get("/thong-ke/lanh-dao/").status_code == 200, who
        if overseer:
            assert client.get("/thong-ke/giam-sat/").status_code == 200, who


def test_inbox_search_ignores_diacritics_and_matches_id_and_code(client, org):
    a = file_online(org, name="Đặng Thị Ngọc Hương", id_number="001203012345")
    b = file_online(org, name="Nguyễn Văn An", id_number="079090000123")
    login(client, org, "officer")
    assert codes_in(client.get("/staff/", {"tab": "receive", "q": "dang thi ngoc huong"})) == {a.code}
    assert codes_in(client.get("/staff/", {"tab": "receive", "q": "ĐẶNG THỊ"})) == {a.code}
    assert codes_in(client.get("/staff/", {"tab": "receive", "q": "nguyen van"})) == {b.code}
    assert codes_in(client.get("/staff/", {"tab": "all", "q": "079090000123"})) == {b.code}
    assert codes_in(client.get("/staff/", {"tab": "all", "q": a.code.split("-", 1)[1]})) == {a.code}  # a part
    assert codes_in(client.get("/staff/", {"tab": "all", "q": "khong co ai"})) == set()


def test_inbox_search_finds_an_id_written_with_dots_and_names_by_their_words(client, org):
    """The counter takes an ID as people write it (001.203.012.345, 001-203-012-345): the search does too. A name
    is found by its words in any gap ("cong ty duc viet" for "Công ty TNHH Đức Việt", "nguyen an" for "Nguyễn Văn
    An"); a search of only dots or dashes finds no ID."""
    a = file_online(org, name="Đặng Thị Ngọc Hương", id_number="001203012345")
    b = file_online(org, name="Nguyễn Văn An", id_number="079090000123")
    login(client, org, "officer")
    for typed in ("001.203.012.345", "001-203-012-345", "001 203 012 345"):
        assert codes_in(client.get("/staff/", {"tab": "all", "q": typed})) == {a.code}, typed
    assert codes_in(client.get("/staff/", {"tab": "all", "q": "nguyen an"})) == {b.code}
    assert codes_in(client.get("/staff/", {"tab": "all", "q": "huong dang"})) == {a.code}
    assert codes_in(client.get("/staff/", {"tab": "all", "q": "nguyen huong"})) == set()
    assert codes_in(client.get("/staff/", {"tab": "all", "q": "-.-"})) == set()
    # a branch's 13-digit tax code is kept as 0100109106-001: found as written, and with a space or no dash
    c, _ = services.dossier_file(
        actor=org["users"]["citizen"],
        procedure_code="1.001612",
        agency_identifier="000.00.21.H26",
        channel="online",
        applicant={
            **APPLICANT,
            "kind": "organization",
            "name": "Chi nhánh Sông Hồng",
            "id_number": "0100109106001",
        },
    )
    assert c.applicant_id_number == "0100109106-001"
    for typed in ("0100109106-001", "0100109106 001", "0100109106001", "0100109106"):
        assert codes_in(client.get("/staff/", {"tab": "all", "q": typed})) == {c.code}, typed


def test_a_whole_code_typed_in_the_search_opens_the_dossier(client, org):
    """At the return counter the officer types (or scans) the code on the receipt: a whole code the officer may
    open goes straight to the dossier, whatever the case and the spaces; one from another agency, or part of a
    code, is a search as before."""
    a = file_online(org, name="Đặng Thị Ngọc Hương", id_number="001203012345")
    login(client, org, "officer")
    head, day, number = a.code.rsplit("-", 2)
    for typed in (a.code, f" {head.lower()} - {day} - {number} "):
        r = client.get("/staff/", {"tab": "return", "q": typed})
        assert r.status_code == 302 and r["Location"] == f"/staff/dossiers/{a.code}/", typed
    assert client.get("/staff/", {"q": a.code[:-1]}).status_code == 200
    login(client, org, "other_officer")  # another agency's officer: not theirs to open
    r = client.get("/staff/", {"tab": "all", "q": a.code})
    assert r.status_code == 200 and codes_in(r) == set()


def test_inbox_search_counts_matches_per_tab_and_points_to_them(client, org):
    a = file_online(org, name="Đặng Thị Ngọc Hương", id_number="001203012345")
    file_online(org, name="Nguyễn Văn An", id_number="079090000123")
    services.dossier_act(code=a.code, action="receive", actor=org["users"]["officer"])
    login(client, org, "officer")
    r = client.get("/staff/", {"tab": "receive", "q": "dang thi ngoc huong"})
    assert codes_in(r) == set()  # received: no longer in "to receive"
    counts = {t["key"]: t["count"] for t in r.context["tabs"]}
    assert counts["receive"] == 0 and counts["all"] == 1
    html = r.content.decode()
    assert "Không có hồ sơ khớp trong mục này" in html and 'data-elsewhere="all"' in html
    r = client.get("/staff/", {"tab": "receive"})  # without a search: the tabs count everything
    counts = {t["key"]: t["count"] for t in r.context["tabs"]}
    assert counts["receive"] == 1 and counts["all"] == 2 and "Không có hồ sơ khớp" not in r.content.decode()


def test_detail_names_who_completed_a_step_nobody_was_assigned(client, org):
    """The workflow table's "Cán bộ" column: the assignee, or for a finished step taken without an assignment the
    person who completed it (not "—", as if nobody had)."""
    specialist = org["users"]["specialist"]
    specialist.first_name, specialist.last_name = "Vũ Văn", "Nam"
    specialist.save()
    d = act(org, file_online(org), "receive", "officer")
    act(org, d, "hand_over", "specialist")  # step 1, never assigned
    login(client, org, "officer")
    r = client.get(f"/staff/dossiers/{d.code}/")
    rows = re.findall(r"<tr[^>]*>.*?</tr>", r.content.decode(), re.S)
    first = next(row for row in rows if re.search(r"<td>\s*1\s*</td>", row))
    assert "Vũ Văn Nam" in first


def test_inbox_highlights_overdue(client, org):
    d = file_online(org, at=local(2025, 3, 3, 8, 0))
    services.dossier_act(
        code=d.code, action="receive", actor=org["users"]["officer"], at=local(2025, 3, 3, 9, 0)
    )
    login(client, org, "specialist")
    r = client.get("/staff/?tab=process")
    html = r.content.decode()
    assert f'<tr class="overdue" data-code="{d.code}">' in html
    assert "Quá hạn" in html


def test_inbox_shows_the_step_under_way_with_its_own_due_instant(client, org):
    """The specialist's work is the step: the inbox says which step, who holds it and its own due instant, flagged
    when that has passed though the dossier's appointment has not."""
    d = act(org, file_online(org), "receive", "officer")
    d = act(org, d, "assign", "unit_head", assignee="cv")
    step = d.steps.get(order=1)
    past = timezone.now() - dt.timedelta(hours=1)
    type(step).objects.filter(pk=step.pk).update(due_at=past)
    login(client, org, "specialist")
    html = client.get("/staff/?tab=process").content.decode()
    row = html[html.index(f'data-code="{d.code}"') :]
    row = row[: row.index("</tr>")]
    assert (
        'class="overdue"'
        not in html[html.index(f'data-code="{d.code}"') - 30 : html.index(f'data-code="{d.code}"')]
    )
    assert step.actor in row and "Bước quá hạn" in row
    assert timezone.localtime(past).strftime("%d/%m/%Y %H:%M") in row
    # the officer's reception tab has no step column
    login(client, org, "officer")
    assert "Bước đang xử lý" not in client.get("/staff/?tab=receive").content.decode()


def test_dossier_page_flags_the_step_under_way_when_its_own_due_instant_passed(client, org):
    """The inbox said "Bước quá hạn" but the dossier page's process table showed the same step's past due instant
    without a word; the row under way now carries the inbox's flag, and only that row."""
    d = act(org, file_online(org), "receive", "officer")
    d = act(org, d, "assign", "unit_head", assignee="cv")
    step = d.steps.get(order=1)
    login(client, org, "specialist")

    def current_row():
        html = client.get(f"/staff/dossiers/{d.code}/").content.decode()
        row = html[html.index('aria-current="step"') :]
        return html, row[: row.index("</tr>")]

    html, row = current_row()
    assert "Bước quá hạn" not in html
    type(step).objects.filter(pk=step.pk).update(due_at=timezone.now() - dt.timedelta(hours=1))
    html, row = current_row()
    assert '<span class="flag overdue">Bước quá hạn</span>' in row and html.count("Bước quá hạn") == 1


def test_staff_pages_need_login_and_a_staff_role(client, org):
    r = client.get("/staff/")
    assert r.status_code == 302 and r["Location"].startswith("/accounts/login/")
    login(client, org, "citizen")
    r = client.get("/staff/")
    assert r.status_code == 403 and "vai trò cán bộ" in r.content.decode()
    assert '<a href="/ho-so-cua-toi/">Về hồ sơ của tôi</a>' in r.content.decode()  # the citizen's way out


# --- dossier page and actions -------------------------------------------------------------------------------


def test_the_dossier_page_shows_the_e_form_as_filed(client, org):
    """The officer checks the e-form at reception: its fields in order, dates dd/mm/yyyy, amounts grouped, a
    checkbox as yes/no, a field left empty as a dash, a key the e-form does not declare as filed."""
    org["version"].form_fields = [
        {"name": "ten", "label": "Tên hộ kinh doanh", "type": "text", "required": True},
        {"name": "von", "label": "Vốn kinh doanh (đồng)", "type": "number", "integer": True},
        {"name": "ngay", "label": "Ngày bắt đầu kinh doanh", "type": "date"},
        {"name": "cam_ket", "label": "Cam kết", "type": "checkbox"},
        {"name": "dien_thoai", "label": "Điện thoại liên hệ", "type": "tel"},
        {"name": "mo_ta", "label": "Mô tả", "type": "textarea"},
    ]
    org["version"].save()
    d = file_online(
        org,
        form_data={
            "ten": "Hộ Bình An",
            "von": 50000000,
            "ngay": "2026-12-01",
            "cam_ket": True,
            "ghi_chu": "x",
            "mo_ta": "Bán lẻ <tạp hoá>\nĂn uống",
        },
    )
    html = login(client, org, "officer").get(f"/staff/dossiers/{d.code}/").content.decode()
    section = html[html.index("Tờ khai điện tử") :]
    assert "<dt>Tên hộ kinh doanh</dt><dd>Hộ Bình An</dd>" in section
    assert "<dt>Vốn kinh doanh (đồng)</dt><dd>50.000.000</dd>" in section
    assert "<dt>Ngày bắt đầu kinh doanh</dt><dd>01/12/2026</dd>" in section
    assert "<dt>Cam kết</dt><dd>Có</dd>" in section and "<dt>Điện thoại liên hệ</dt><dd>—</dd>" in section
    assert "<dt>ghi_chu</dt><dd>x</dd>" in section
    assert "<dt>Mô tả</dt><dd>Bán lẻ &lt;tạp hoá&gt;<br>Ăn uống</dd>" in section  # its lines, escaped
    mine = login(client, org, "citizen").get(f"/ho-so-cua-toi/{d.code}/").content.decode()
    assert "Tờ khai điện tử đã nộp" in mine and "<dt>Vốn kinh doanh (đồng)</dt><dd>50.000.000</dd>" in mine


def test_a_counter_dossier_says_its_declaration_was_handed_in_on_paper(client, org):
    """The counter page offers no e-form (the paper declaration is handed in and scanned): the dossier page shows
    no e-form panel of dashes for it but says so; an e-form given with a counter filing (the API) is shown."""
    org["version"].form_fields = [
        {"name": "ten", "label": "Tên hộ kinh doanh", "type": "text", "required": True}
    ]
    org["version"].save()
    filing = dict(
        actor=org["users"]["officer"],
        procedure_code="1.001612",
        agency_identifier="000.00.21.H26",
        channel="counter",
        applicant=APPLICANT,
    )
    d, _ = services.dossier_file(**filing)
    html = login(client, org, "officer").get(f"/staff/dossiers/{d.code}/").content.decode()
    assert "Tờ khai điện tử" not in html and "<dt>Tên hộ kinh doanh</dt>" not in html
    assert "Tờ khai nộp bằng bản giấy" in html
    typed, _ = services.dossier_file(**{**filing, "channel": "postal"}, form_data={"ten": "Hộ Bình An"})
    html = client.get(f"/staff/dossiers/{typed.code}/").content.decode()
    assert "<dt>Tên hộ kinh doanh</dt><dd>Hộ Bình An</dd>" in html and "Tờ khai nộp bằng bản giấy" not in html


def test_dossier_page_shows_timeline_forms_and_allowed_actions(client, org):
    d = act(org, file_online(org), "receive", "officer")
    login(client, org, "officer")
    r = client.get(f"/staff/dossiers/{d.code}/")
    assert r.status_code == 200
    html = r.content.decode()
    assert d.code in html and "Đặng Thị Ngọc Hương" in html
    assert "Tiếp nhận hồ sơ" in html  # the timeline
    assert f"/staff/dossiers/{d.code}/forms/receipt.pdf" in html
    assert f"/staff/dossiers/{d.code}/forms/control.pdf" in html
    actions = [af["action"] for af in r.context["action_forms"]]
    assert set(actions) == set(services.allowed_actions(org["users"]["officer"], d))
    assert "resolve" not in actions and "assign" in actions  # officer may not resolve
    assert f'name="expected_version" value="{d.version}"' in html


def test_officer_of_another_agency_gets_404(client, org):
    d = file_online(org)
    login(client, org, "other_officer")
    r = client.get(f"/staff/dossiers/{d.code}/")
    assert r.status_code == 404
    assert client.get(f"/staff/dossiers/{d.code}/forms/receipt.pdf").status_code == 404
    r = client.post(f"/staff/dossiers/{d.code}/act/receive/", {"expected_version": d.version})
    assert r.status_code == 404
    assert Dossier.objects.get(pk=d.pk).state == "submitted"


def test_who_may_not_act_is_told_so_before_the_form_is_checked(client, org):
    """An overseer (read only) posting an action from the web got 400 "Thông tin chưa hợp lệ, kiểm tra lại các ô
    được đánh dấu" — as if fixing the form would do — because the permission was checked after the form and the
    files. It is a 403 naming the action, whatever was sent; nothing changes, no file is kept."""
    d = act(org, file_online(org), "receive", "officer")
    login(client, org, "overseer")
    for action, data in (("assign", {}), ("resolve", {"outcome": "approved"}), ("refuse", {})):
        r = client.post(f"/staff/dossiers/{d.code}/act/{action}/", data)
        page = r.content.decode()
        assert r.status_code == 403, (action, r.status_code)
        assert "Bạn không có quyền thực hiện" in page and "kiểm tra lại các ô" not in page
    login(client, org, "specialist")
    r = client.post(
        f"/staff/dossiers/{d.code}/act/resolve/", {"outcome": "approved", "expected_version": d.version}
    )
    assert r.status_code == 403 and "“Hoàn thành giải quyết”" in r.content.decode()
    fresh = Dossier.objects.get(pk=d.pk)
    assert fresh.state == "received" and fresh.version == d.version and not DossierDocument.objects.exists()


def test_receive_from_the_web_with_component_files_records_hashes(client, org):
    comp = ProcedureComponent.objects.create(
        version=org["version"], order=1, name="Giấy đề nghị đăng ký hộ kinh doanh"
    )
    d = file_online(org)
    login(client, org, "officer")
    pdf_bytes = make_pdf()
    r = client.post(
        f"/staff/dossiers/{d.code}/act/receive/",
        {
            "expected_version": d.version,
            f"component_{comp.pk}": SimpleUploadedFile("giay de nghi.pdf", pdf_bytes, "application/pdf"),
        },
    )
    assert r.status_code == 302 and r["Location"] == f"/staff/dossiers/{d.code}/"
    d.refresh_from_db()
    assert d.state == "received" and d.due_at is not None
    doc = DossierDocument.objects.get(dossier=d)
    assert doc.component == comp and doc.kind == "component"
    assert d.events.get(action="receive").file_hashes == [doc.sha256]
    assert services.verify_chain(d) == []


def test_receive_from_the_web_records_the_components_handed_in_on_paper(client, org):
    first = ProcedureComponent.objects.create(version=org["version"], order=1, name="Giấy đề nghị")
    ProcedureComponent.objects.create(
        version=org["version"], order=2, name="Bản sao biên bản họp", required=False
    )
    d = file_online(org)
    login(client, org, "officer")
    html = client.get(f"/staff/dossiers/{d.code}/").content.decode()
    assert f'name="paper_{first.pk}"' in html and "đã nhận bản giấy" in html
    r = client.post(
        f"/staff/dossiers/{d.code}/act/receive/", {"expected_version": d.version, f"paper_{first.pk}": "on"}
    )
    assert r.status_code == 302
    d.refresh_from_db()
    assert d.events.get(action="receive").data["paper_components"] == [{"order": 1, "name": "Giấy đề nghị"}]


def test_request_supplement_lists_items_and_supplement_uploads(client, org):
    d = act(org, file_online(org), "receive", "officer")
    login(client, org, "specialist")
    r = client.post(
        f"/staff/dossiers/{d.code}/act/request_supplement/",
        {
            "expected_version": d.version,
            "reason": "Hồ sơ chưa hợp lệ",
            "item_name": ["Bản sao biên bản họp", "", "Giấy đề nghị"],
            "item_reason": ["Chưa có chữ ký", "", "Sai ngành nghề"],
        },
    )
    assert r.status_code == 302
    d.refresh_from_db()
    e = d.events.get(action="request_supplement")
    assert e.data["items"] == [
        {"name": "Bản sao biên bản họp", "reason": "Chưa có chữ ký"},
        {"name": "Giấy đề nghị", "reason": "Sai ngành nghề"},
    ]
    assert d.state == "supplement_requested"
    login(client, org, "officer")
    png = make_png()
    r = client.post(
        f"/staff/dossiers/{d.code}/act/supplement/",
        {"expected_version": d.version, "files": [SimpleUploadedFile("bo sung.png", png, "image/png")]},
    )
    assert r.status_code == 302
    d.refresh_from_db()
    doc = d.documents.get(kind="supplement")
    assert d.state == "received" and d.events.get(action="supplement").file_hashes == [
        doc.sha256
    ]  # back to where it was


def test_the_receipt_lists_what_was_supplemented_before_reception_and_not_after(client, org):
    """Form 01 lists the dossier received: the papers supplemented at the check (Form 02 before reception) are part
    of it; those supplemented during processing came after the receipt and are not added to it on re-printing."""
    d = file_online(org)
    d = act(org, d, "request_supplement", "officer", reason="Thiếu tờ khai", items=[{"name": "Tờ khai"}])
    login(client, org, "officer")
    r = client.post(
        f"/staff/dossiers/{d.code}/act/supplement/",
        {"expected_version": d.version, "files": [SimpleUploadedFile("to khai bo sung.png", make_png())]},
    )
    assert r.status_code == 302
    d.refresh_from_db()
    d = act(org, d, "receive", "officer")
    d = act(org, d, "request_supplement", "specialist", reason="Thiếu bản sao", items=[{"name": "Bản sao"}])
    r = client.post(
        f"/staff/dossiers/{d.code}/act/supplement/",
        {"expected_version": d.version, "files": [SimpleUploadedFile("ban sao sau.png", make_png() + b"x")]},
    )
    assert r.status_code == 302
    d.refresh_from_db()
    html = pdf.render_form_html("receipt", d)
    assert "to khai bo sung.png" in html
    assert "ban sao sau.png" not in html


def test_an_overlong_supplement_line_is_refused_not_cut(client, org):
    d = act(org, file_online(org), "receive", "officer")
    login(client, org, "specialist")
    r = client.post(
        f"/staff/dossiers/{d.code}/act/request_supplement/",
        {
            "expected_version": d.version,
            "reason": "Hồ sơ chưa hợp lệ",
            "item_name": ["G" * 501],
            "item_reason": ["x"],
        },
    )
    assert r.status_code == 400 and "tối đa 500 ký tự" in r.content.decode()
    d.refresh_from_db()
    assert d.state == "received" and not d.events.filter(action="request_supplement").exists()


def test_request_supplement_without_items_is_refused(client, org):
    d = act(org, file_online(org), "receive", "officer")
    login(client, org, "specialist")
    r = client.post(
        f"/staff/dossiers/{d.code}/act/request_supplement/",
        {"expected_version": d.version, "reason": "Thiếu giấy tờ"},
    )
    assert r.status_code == 400
    assert "Liệt kê đầy đủ" in r.content.decode()
    assert Dossier.objects.get(pk=d.pk).version == d.version


def test_refused_action_shows_message_and_changes_nothing(client, org):
    d = act(org, file_online(org), "receive", "officer")
    before = (d.version, d.state, DossierEvent.objects.filter(dossier=d).count())
    login(client, org, "officer")
    # refusing a dossier that was already received is not allowed (Form 03 is for reception only)
    r = client.post(f"/staff/dossiers/{d.code}/act/refuse/", {"expected_version": d.version, "reason": "Sai"})
    assert r.status_code == 409
    html = r.content.decode()
    assert "Không thực hiện được" in html and "Hồ sơ không bị thay đổi" in html
    assert "không thể thực hiện" in html or "không thể từ chối" in html
    d.refresh_from_db()
    assert (d.version, d.state, d.events.count()) == before


def test_a_reason_typed_on_several_lines_keeps_them_in_the_timeline(client, org):
    d = file_online(org)
    login(client, org, "officer")
    r = client.post(
        f"/staff/dossiers/{d.code}/act/refuse/",
        {"expected_version": d.version, "reason": "1. Không thuộc thẩm quyền.\r\n2.  Thiếu tờ khai."},
    )
    assert r.status_code == 302
    assert d.events.get(action="refuse").reason == "1. Không thuộc thẩm quyền.\n2. Thiếu tờ khai."
    assert (
        "1. Không thuộc thẩm quyền.<br>2. Thiếu tờ khai."
        in client.get(f"/staff/dossiers/{d.code}/").content.decode()
    )


def test_refused_action_with_file_keeps_no_document(client, org):
    d = act(
        org,
        act(org, file_online(org), "receive", "officer"),
        "request_supplement",
        "specialist",
        reason="Thiếu",
        items=[{"name": "Tờ khai", "reason": "Thiếu"}],
    )
    login(client, org, "officer")
    # an executable disguised as PDF: refused before anything is stored
    r = client.post(
        f"/staff/dossiers/{d.code}/act/supplement/",
        {
            "expected_version": d.version,
            "files": [SimpleUploadedFile("to khai.pdf", b"MZ\x90\x00" + b"\x00" * 100)],
        },
    )
    assert r.status_code == 422 and "tệp chạy Windows" in r.content.decode()
    # with another input wrong too, both are named in the same answer (the file on its own input)
    r = client.post(
        f"/staff/dossiers/{d.code}/act/supplement/",
        {
            "expected_version": "x",
            "files": [SimpleUploadedFile("to khai.pdf", b"MZ\x90\x00" + b"\x00" * 100)],
        },
    )
    page = r.content.decode()
    assert r.status_code == 400 and "tệp chạy Windows" in page and "Thông tin chưa hợp lệ" in page
    # a good file but a stale version: refused inside the transaction → the stored document is rolled back
    r = client.post(
        f"/staff/dossiers/{d.code}/act/supplement/",
        {"expected_version": d.version - 1, "files": [SimpleUploadedFile("to khai.png", make_png())]},
    )
    assert r.status_code == 409
    d.refresh_from_db()
    assert d.state == "supplement_requested" and not d.documents.exists()


def test_stale_expected_version_gets_409_message(client, org):
    d = file_online(org)
    stale = d.version
    login(client, org, "officer")
    page = client.get(f"/staff/dossiers/{d.code}/")
    assert f'name="expected_version" value="{stale}"' in page.content.decode()
    # someone else acts first
    act(org, d, "receive", "officer")
    r = client.post(
        f"/staff/dossiers/{d.code}/act/refuse/", {"expected_version": stale, "reason": "Không đủ"}
    )
    assert r.status_code == 409
    received = d.events.get(action="receive")
    who = org["users"]["officer"].get_full_name() or org["users"]["officer"].username
    # what happened meanwhile, by whom and when: the loser of the two tabs sees why nothing was done
    assert (
        f"Hồ sơ vừa được cập nhật sau khi trang này được mở: Tiếp nhận hồ sơ ({who}, {pdf.fmt_dt(received.at)})."
        " Thao tác của bạn chưa được thực hiện" in r.content.decode()
    )
    d.refresh_from_db()
    assert d.state == "received" and not d.events.filter(action="refuse").exists()


def test_an_action_form_sent_twice_is_done_once_and_says_so(client, org):
    d = act(org, file_online(org), "receive", "officer")
    login(client, org, "officer")
    data = {"expected_version": d.version, "amount": "50.000", "reason": "Lệ phí"}
    first = client.post(f"/staff/dossiers/{d.code}/act/request_payment/", data)
    assert first.status_code == 302
    # the second click of a double click (or the same form sent from another tab): no refusal that blames
    # "someone else" for what the officer just did — the dossier as it now is, and a word on why nothing more
    again = client.post(f"/staff/dossiers/{d.code}/act/request_payment/", data, follow=True)
    assert again.redirect_chain == [(f"/staff/dossiers/{d.code}/", 302)]
    asked = d.events.get(action="request_payment")
    assert (
        f"Bạn đã thực hiện Yêu cầu thực hiện nghĩa vụ tài chính lúc {pdf.fmt_dt(asked.at)} (lần gửi trước, hoặc ở"
        " một thẻ khác); lần gửi này không thực hiện thêm." in again.content.decode()
    )
    assert d.events.filter(action="request_payment").count() == 1
    # another action sent from the same old page is still refused, naming what was done meanwhile
    r = client.post(f"/staff/dossiers/{d.code}/act/stop/", {"expected_version": d.version, "reason": "Rút"})
    assert r.status_code == 409 and "Yêu cầu thực hiện nghĩa vụ tài chính (" in r.content.decode()
    assert not d.events.filter(action="stop").exists()


def test_an_action_address_opened_after_signing_in_again_goes_back_to_the_dossier(client, org):
    d = act(org, file_online(org), "receive", "officer")
    before = d.version
    # the session ended while the form was open: sending it asks to sign in, which then opens the action's address
    r = client.post(f"/staff/dossiers/{d.code}/act/request_payment/", {"expected_version": d.version})
    assert r.status_code == 302 and r["Location"].startswith("/accounts/login/")
    assert f"next=/staff/dossiers/{d.code}/act/request_payment/" in r["Location"]
    login(client, org, "officer")
    r = client.get(f"/staff/dossiers/{d.code}/act/request_payment/", follow=True)
    assert r.redirect_chain == [(f"/staff/dossiers/{d.code}/?open=request_payment#act-request_payment", 302)]
    page = r.content.decode()
    assert "Chưa thực hiện: Yêu cầu thực hiện nghĩa vụ tài chính. Nhập lại thông tin và gửi lại." in page
    assert '<details class="action" id="act-request_payment" open>' in page  # its form, ready to fill again
    assert '<details class="action" id="act-assign">' in page
    r = client.get(f"/staff/dossiers/{d.code}/documents/", follow=True)  # the same for an upload
    assert r.redirect_chain == [(f"/staff/dossiers/{d.code}/", 302)]
    assert "Chưa thực hiện: Tải tài liệu lên." in r.content.decode()
    d.refresh_from_db()
    assert d.version == before and d.state == "received"
    # nothing is said about a dossier the user may not read, nor about an action that does not exist
    assert client.get(f"/staff/dossiers/{d.code}/act/bogus/").status_code == 404
    login(client, org, "other_officer")
    assert client.get(f"/staff/dossiers/{d.code}/act/request_payment/").status_code == 404


def test_hand_over_with_hours_but_no_partner_agency_is_refused_not_ignored(client, org):
    """The hours are the inter-agency step's time: typed without a partner agency they were silently dropped (the
    next step kept its own time, the officer believed otherwise). The form says so and nothing changes."""
    d = act(org, file_online(org), "receive", "officer")
    login(client, org, "specialist")
    r = client.post(f"/staff/dossiers/{d.code}/act/hand_over/", {"expected_version": d.version, "hours": "8"})
    assert r.status_code == 400
    form = next(af["form"] for af in r.context["action_forms"] if af["action"] == "hand_over")
    assert "chỉ dùng khi chuyển liên thông" in " ".join(form.errors["hours"])
    d.refresh_from_db()
    assert services.current_step(d).order == 1 and not d.events.filter(action="hand_over").exists()


def test_return_at_the_counter_with_a_postal_tracking_number_is_refused(client, org):
    """A tracking number goes with a result sent by post: with "at the counter" the log and Form 06 said "Tại Bộ
    phận Một cửa, số vận đơn …", a record that contradicts itself. Refused on the field; by post it is kept."""
    d = act(org, act(org, file_online(org), "receive", "officer"), "resolve", "leader", outcome="approved")
    login(client, org, "officer")
    url = f"/staff/dossiers/{d.code}/act/return_result/"
    r = client.post(
        url, {"expected_version": d.version, "method": "counter", "tracking_number": "EA123456789VN"}
    )
    assert r.status_code == 400
    form = next(af["form"] for af in r.context["action_forms"] if af["action"] == "return_result")
    assert "qua bưu chính" in " ".join(form.errors["tracking_number"])
    d.refresh_from_db()
    assert d.state == "resolved"
    # by post without the number: no proof of dispatch, nothing for the applicant to follow — asked for
    r = client.post(url, {"expected_version": d.version, "method": "post", "tracking_number": " "})
    form = next(af["form"] for af in r.context["action_forms"] if af["action"] == "return_result")
    assert r.status_code == 400 and "Ghi số vận đơn bưu chính" in " ".join(form.errors["tracking_number"])
    d.refresh_from_db()
    assert d.state == "resolved"
    r = client.post(
        url, {"expected_version": d.version, "method": "post", "tracking_number": "EA123456789VN"}
    )
    assert r.status_code == 302
    assert d.events.get(action="return_result").data["tracking_number"] == "EA123456789VN"
    # the API takes it (contract §7 names the method alone) and says what is missing
    from motcua.dossiers import services

    assert [w["code"] for w in services.missing_texts("return_result", {"method": "post"})] == [
        "missing_tracking_number"
    ]
    assert services.missing_texts("return_result", {"method": "post", "tracking_number": "EA1"}) == []


def test_assign_hand_over_inter_agency_and_resolve_from_web(client, org):
    d = act(org, file_online(org), "receive", "officer")
    login(client, org, "unit_head")
    r = client.post(
        f"/staff/dossiers/{d.code}/act/assign/", {"expected_version": d.version, "step": 1, "assignee": "cv"}
    )
    assert r.status_code == 302
    d.refresh_from_db()
    login(client, org, "specialist")
    r = client.post(
        f"/staff/dossiers/{d.code}/act/hand_over/",
        {"expected_version": d.version, "to_agency": "000.00.40.H26", "hours": "4", "to": "thue"},
    )
    # the receiver list holds the staff of the steps still to come here: the partner agency assigns its own
    assert r.status_code == 400 and 'name="to"' in r.content.decode()
    r = client.post(
        f"/staff/dossiers/{d.code}/act/hand_over/",
        {"expected_version": d.version, "to_agency": "000.00.40.H26", "hours": "4"},
    )
    assert r.status_code == 302, r.content.decode().split("action-error")[-1][:600]
    d.refresh_from_db()
    step = services.current_step(d)
    assert step.agency.identifier == "000.00.40.H26" and step.inter_agency and step.assignee is None
    # handed over without a note: the step's task is the record's Vietnamese words, shown in the reader's language
    assert step.task == "Phối hợp giải quyết liên thông"
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    english = client.get(f"/staff/dossiers/{d.code}/").content.decode()
    assert (
        "Inter-agency coordination of the resolution" in english
        and "Phối hợp giải quyết liên thông" not in english
    )
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "vi"
    # inter-agency without hours: the form says so
    login(client, org, "tax_specialist")
    r = client.post(
        f"/staff/dossiers/{d.code}/act/hand_over/",
        {"expected_version": d.version, "to_agency": "000.00.22.H26"},
    )
    assert r.status_code == 400 and "thời gian xử lý" in r.content.decode()
    r = client.post(f"/staff/dossiers/{d.code}/act/hand_over/", {"expected_version": d.version})
    assert r.status_code == 302
    d.refresh_from_db()
    login(client, org, "leader")
    r = client.post(
        f"/staff/dossiers/{d.code}/act/resolve/", {"expected_version": d.version, "outcome": "ineligible"}
    )
    assert r.status_code == 400 and "nêu rõ lý do" in r.content.decode()
    r = client.post(
        f"/staff/dossiers/{d.code}/act/resolve/",
        {
            "expected_version": d.version,
            "outcome": "approved",
            "result_number": "123/GCN",
            "files": [SimpleUploadedFile("ket qua.pdf", make_pdf())],
        },
    )
    assert r.status_code == 302
    d.refresh_from_db()
    assert (
        d.state == "resolved"
        and d.documents.get(kind="result").sha256 in d.events.get(action="resolve").file_hashes
    )
    assert d.events.get(action="resolve").data["result_number"] == "123/GCN"


def test_an_inter_agency_step_waits_in_the_partner_one_stop_officers_inbox(client, org):
    """A liên thông step sent to an agency whose only staff is its one-stop officer (a ward): the officer finds it
    among the dossiers to work on, takes it and hands it back; before, it was only under "all"."""
    d = act(org, file_online(org), "receive", "officer")
    d = act(org, d, "assign", "unit_head", step=1, assignee="cv")
    d = act(org, d, "hand_over", "specialist", to_agency="000.00.22.H26", hours=8, note="Xin ý kiến")
    login(client, org, "other_officer")  # the officer of Sở Tư pháp, the partner agency
    assert codes_in(client.get("/staff/?tab=process")) == {d.code}
    assert codes_in(client.get("/staff/?tab=receive")) == set()
    r = client.post(
        f"/staff/dossiers/{d.code}/act/assign/",
        {"expected_version": d.version, "step": services.current_step(d).order, "assignee": "mc2"},
    )
    assert r.status_code == 302
    d.refresh_from_db()
    assert codes_in(client.get("/staff/?tab=process")) == {d.code}  # now assigned to the officer
    r = client.post(f"/staff/dossiers/{d.code}/act/hand_over/", {"expected_version": d.version})
    assert r.status_code == 302
    assert codes_in(client.get("/staff/?tab=process")) == set()  # back with the Sở
    login(client, org, "officer")  # the lead agency's officer: not the Sở's own steps
    assert d.code not in codes_in(client.get("/staff/?tab=process"))


def test_apologize_from_web_and_form_download(client, org):
    d = act(org, file_online(org), "receive", "officer")
    login(client, org, "leader")
    new_at = (d.due_at + dt.timedelta(days=7)).astimezone(timezone.get_current_timezone())
    r = client.post(
        f"/staff/dossiers/{d.code}/act/apologize/",
        {
            "expected_version": d.version,
            "reason": "Cần xác minh",
            "new_return_at": new_at.strftime("%Y-%m-%dT%H:%M"),
        },
    )
    assert r.status_code == 302, r.content.decode()[:3000]
    d.refresh_from_db()
    assert d.new_return_at is not None
    r = client.get(f"/staff/dossiers/{d.code}/forms/apology.pdf")
    assert r.status_code == 200 and r["Content-Type"] == "application/pdf" and r.content.startswith(b"%PDF")
    # a second apology is refused with the rule's message
    r = client.post(
        f"/staff/dossiers/{d.code}/act/apologize/",
        {
            "expected_version": d.version,
            "reason": "Lần hai",
            "new_return_at": new_at.strftime("%Y-%m-%dT%H:%M"),
        },
    )
    assert r.status_code in (403, 409) or "một lần" in r.content.decode()


def test_an_apology_dated_in_a_year_no_calendar_covers_is_refused_not_a_server_error(client, org, token):
    """A typo in the year (01/01/0001, 9999-12-31, 01/12/2206) gave HTTP 500 on the staff form (the calendar covers
    1990-2100), and the officer lost the reason typed; the API too. Both refuse it beside the field, nothing
    changed."""
    from django.test import Client

    d = act(org, file_online(org), "receive", "officer")
    login(client, org, "leader")
    for typed in ("01/01/0001 10:00", "31/12/9999 10:00", "01/12/2206 10:00"):
        r = client.post(
            f"/staff/dossiers/{d.code}/act/apologize/",
            {"expected_version": d.version, "reason": "Chậm do mất điện", "new_return_at": typed},
        )
        assert r.status_code == 400, typed
        page = r.content.decode()
        assert "năm phải trong khoảng 1990–2100" in page and "Chậm do mất điện" in page, typed
    r = Client().post(
        f"/api/v1/dossiers/{d.code}/apologize",
        {"reason": "x", "new_return_at": "2206-12-01T10:00:00+07:00"},
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {token('leader')}",
    )
    assert r.status_code == 422 and r.json()["error"] == "bad_new_date"
    d.refresh_from_db()
    assert d.new_return_at is None


# --- uploads, downloads, PDFs ---------------------------------------------------------------------------------


def test_upload_message_counts_the_files_in_the_users_language(client, org):
    d = file_online(org)
    login(client, org, "officer")
    files = [SimpleUploadedFile("a.png", make_png()), SimpleUploadedFile("b.png", make_png())]
    r = client.post(
        f"/staff/dossiers/{d.code}/documents/", {"kind": "component", "files": files}, follow=True
    )
    assert "Đã tải lên 2 tệp." in r.content.decode()
    client.cookies["django_language"] = "en"
    files = [SimpleUploadedFile("c.png", make_png())]
    r = client.post(
        f"/staff/dossiers/{d.code}/documents/", {"kind": "component", "files": files}, follow=True
    )
    page = r.content.decode()
    assert "1 file uploaded." in page and "Đã tải lên" not in page


def test_an_empty_file_is_named_as_empty_not_as_no_file(client, org):
    """A 0-byte file on the staff upload form was told "Chọn ít nhất một tệp để tải lên." though one was chosen, and
    the resolve form said Django's "Tập tin được gửi là rỗng.": one wording, the portal's."""
    d = file_online(org)
    login(client, org, "officer")
    r = client.post(
        f"/staff/dossiers/{d.code}/documents/",
        {"kind": "component", "files": [SimpleUploadedFile("rong.pdf", b"")]},
        follow=True,
    )
    page = r.content.decode()
    assert "Tệp rỗng (0 byte): hãy chọn tệp có nội dung." in page and "Chọn ít nhất một tệp" not in page
    assert not d.documents.exists()


def test_upload_endpoint_and_download(client, org):
    d = file_online(org)
    login(client, org, "officer")
    r = client.post(
        f"/staff/dossiers/{d.code}/documents/",
        {"kind": "component", "files": [SimpleUploadedFile("a.png", make_png())]},
    )
    assert r.status_code == 302
    doc = d.documents.get()
    r = client.get(f"/staff/dossiers/{d.code}/documents/{doc.pk}/")
    assert r.status_code == 200 and r["Content-Type"] == "image/png"
    assert b"".join(r.streaming_content) == make_png()
    # a script is refused and nothing is stored
    r = client.post(
        f"/staff/dossiers/{d.code}/documents/",
        {"kind": "other", "files": [SimpleUploadedFile("x.pdf", b"#!/bin/sh\necho")]},
    )
    assert r.status_code == 422 and d.documents.count() == 1
    # the receive event then records the hash uploaded beforehand
    r = client.post(f"/staff/dossiers/{d.code}/act/receive/", {"expected_version": d.version})
    d.refresh_from_db()
    assert d.events.get(action="receive").file_hashes == [doc.sha256]
    login(client, org, "other_officer")
    assert client.get(f"/staff/dossiers/{d.code}/documents/{doc.pk}/").status_code == 404


def test_citizen_owner_downloads_receipt_but_not_control_slip(client, org):
    d = act(org, file_online(org), "receive", "officer")
    login(client, org, "citizen")
    r = client.get(f"/staff/dossiers/{d.code}/forms/receipt.pdf")
    assert r.status_code == 200 and r["Content-Type"] == "application/pdf" and r.content.startswith(b"%PDF-")
    assert client.get(f"/staff/dossiers/{d.code}/forms/control.pdf").status_code == 404
    assert client.get(f"/staff/dossiers/{d.code}/").status_code == 403  # staff page
    login(client, org, "citizen2")
    assert client.get(f"/staff/dossiers/{d.code}/forms/receipt.pdf").status_code == 404
    login(client, org, "officer")
    assert client.get(f"/staff/dossiers/{d.code}/forms/control.pdf").status_code == 200
    assert client.get(f"/staff/dossiers/{d.code}/forms/refusal.pdf").status_code == 404  # not issued
    assert client.get(f"/staff/dossiers/{d.code}/forms/bogus.pdf").status_code == 404


def test_tracking_book_pdf(client, org):
    act(org, file_online(org), "receive", "officer")
    login(client, org, "officer")
    today = timezone.localdate()
    r = client.get(
        "/staff/so-theo-doi.pdf",
        {"from": (today - dt.timedelta(days=3)).isoformat(), "to": today.isoformat()},
    )
    assert r.status_code == 200 and r["Content-Type"] == "application/pdf"
    assert client.get("/staff/so-theo-doi.pdf", {"from": "2025-02-30"}).status_code == 400
    assert client.get("/staff/so-theo-doi.pdf", {"from": "2025-03-10", "to": "2025-03-01"}).status_code == 400
    for day in ("31/12/9999", "01/01/0001"):  # a year no instant can be computed for: refused, not a 500
        r = client.get("/staff/so-theo-doi.pdf", {"from": day, "to": day})
        assert r.status_code == 400 and "1900–2999" in r.content.decode(), day
    login(client, org, "other_officer")
    assert client.get("/staff/so-theo-doi.pdf", {"agency": "000.00.21.H26"}).status_code == 404


def test_an_overseer_chooses_whose_tracking_book_to_print(client, org):
    """The inbox's Form 07 box offers every agency the user may read when there is more than one (an overseer of
    the city reads its departments' books); one agency's officer prints that agency's book without a choice."""
    act(org, file_online(org), "receive", "officer")
    login(client, org, "overseer")
    html = client.get("/staff/").content.decode()
    box = html[html.index('action="/staff/so-theo-doi.pdf"') :]
    box = box[: box.index("</form>")]
    options = re.findall(r'<option value="([^"]+)"( selected)?>', box)
    assert [v for v, _ in options] == ["H26", "000.00.21.H26", "000.00.22.H26", "000.00.40.H26"]
    assert [v for v, sel in options if sel] == ["H26"]  # the overseer's own agency first
    assert "Sổ theo dõi hồ sơ của" in box and 'type="hidden" name="agency"' not in box
    r = client.get("/staff/so-theo-doi.pdf", {"agency": "000.00.21.H26"})
    assert r.status_code == 200 and "so-theo-doi-000.00.21.H26-" in r["Content-Disposition"]
    # a one-agency officer: the book of the officer's agency, no choice offered
    login(client, org, "officer")
    html = client.get("/staff/").content.decode()
    box = html[html.index('action="/staff/so-theo-doi.pdf"') :]
    box = box[: box.index("</form>")]
    assert "<select" not in box and 'type="hidden" name="agency" value="000.00.21.H26"' in box
    assert client.get("/staff/so-theo-doi.pdf", {"agency": "000.00.22.H26"}).status_code == 404


def test_tracking_book_date_errors_name_the_box_as_the_inbox_labels_it(client, org):
    login(client, org, "officer")
    r = client.get("/staff/so-theo-doi.pdf", {"from": "31/11/2026", "to": "27/11/2026"})
    page = r.content.decode()
    # the address's parameter name means nothing to officers
    assert r.status_code == 400 and "'from'" not in page
    assert "Sổ theo dõi hồ sơ: ngày “từ” 31/11/2026 không có trong lịch hoặc sai dạng" in page
    r = client.get("/staff/so-theo-doi.pdf", {"from": "01/11/2026", "to": "27-11-2026"})
    assert r.status_code == 400 and "ngày “đến” 27-11-2026 không có trong lịch" in r.content.decode()
    r = client.get("/staff/so-theo-doi.pdf", {"from": "01/12/2026", "to": "27/11/2026"})
    assert r.status_code == 400
    assert "ngày “từ” (01/12/2026) phải trước hoặc bằng ngày “đến” (27/11/2026)" in r.content.decode()
    # spaces typed around a date are not an error
    r = client.get("/staff/so-theo-doi.pdf", {"from": " 01/11/2026 ", "to": "27/11/2026 "})
    assert r.status_code == 200 and r["Content-Type"] == "application/pdf"


# --- counter registration -----------------------------------------------------------------------------------


@pytest.fixture
def offered(org):
    Offering.objects.get_or_create(agency=org["so"], procedure=org["procedure"])
    c1 = ProcedureComponent.objects.create(
        version=org["version"], order=1, name="Giấy đề nghị đăng ký hộ kinh doanh"
    )
    c2 = ProcedureComponent.objects.create(
        version=org["version"], order=2, name="Bản sao văn bản ủy quyền", required=False
    )
    return c1, c2


def counter_data(**over):
    data = {
        "agency": "000.00.21.H26",
        "procedure": "1.001612",
        "channel": "counter",
        "applicant_kind": "individual",
        "applicant_name": "Phạm  Thị   Lan",
        "applicant_id_number": "001203012345",
        "applicant_address": "1 Bạch Mai",
        "applicant_phone": "0912000111",
        "result_method": "counter",
        "receive_now": "on",
    }
    data.update(over)
    return data


def test_a_procedure_without_catalogue_components_lists_what_the_counter_received(client, org):
    """95 of a department's 96 procedures have no components in the catalogue: the counter page offered no line to
    name what was handed in, and Form 01 printed "Theo danh mục thành phần hồ sơ của thủ tục" — no proof of what the
    applicant left. The officer names the papers, one a line, and Form 01 lists them."""
    from motcua.dossiers.pdf import receipt_context

    Offering.objects.get_or_create(agency=org["so"], procedure=org["procedure"])
    login(client, org, "officer")
    page = client.get(
        "/staff/tiep-nhan/", {"agency": "000.00.21.H26", "procedure": "1.001612"}
    ).content.decode()
    assert 'name="received_items"' in page
    items = "Giấy đề nghị đăng ký hộ kinh doanh (1 bản chính)\n\n  Bản sao CCCD   (1 bản)  \n"
    assert client.post("/staff/tiep-nhan/", counter_data(received_items=items)).status_code == 302
    d = Dossier.objects.get()
    listed = [c["name"] for c in receipt_context(d)["components"]]
    assert listed == ["Giấy đề nghị đăng ký hộ kinh doanh (1 bản chính)", "Bản sao CCCD (1 bản)"]
    # the API takes the same list at reception; anything else is refused and changes nothing
    from motcua.core.errors import Unprocessable
    from motcua.dossiers import services

    online = file_online(org)
    with pytest.raises(Unprocessable):
        services.dossier_act(
            code=online.code,
            action="receive",
            actor=org["users"]["officer"],
            params={"received_items": "Tờ khai"},
        )
    online.refresh_from_db()
    assert online.state == "submitted"


def test_a_result_by_post_needs_an_address_at_the_counter(client, org, offered):
    """ "Qua dịch vụ bưu chính" with no address was registered, and Form 01 printed "Địa chỉ: ………………": the result
    could not be posted. The applicant's address, or the representative's, is asked for; nothing is registered."""
    login(client, org, "officer")
    r = client.post(
        "/staff/tiep-nhan/", counter_data(result_method="post", applicant_address="", receive_now="")
    )
    assert (
        r.status_code == 400
        and "Nhận kết quả qua bưu chính: ghi địa chỉ để gửi kết quả." in r.content.decode()
    )
    assert "applicant_address" in r.context["form"].errors and not Dossier.objects.exists()
    r = client.post("/staff/tiep-nhan/", counter_data(result_method="post", receive_now=""))
    assert r.status_code == 302 and Dossier.objects.get().result_method == "post"


def test_the_counter_form_says_what_is_wrong_in_its_own_words(client, org, offered):
    """Django's wording showed on the counter form: "Trường này là bắt buộc.", "Nhập địa chỉ email.", "Nhập một số
    tổng thể." (a year of birth "1.990" — which now reads as 1990)."""
    login(client, org, "officer")
    r = client.post(
        "/staff/tiep-nhan/",
        counter_data(
            applicant_name="", applicant_email="khong-phai-email", applicant_birth_year="năm", receive_now=""
        ),
    )
    errors = r.context["form"].errors
    assert r.status_code == 400 and not Dossier.objects.exists()
    assert errors["applicant_name"] == ["Ghi họ tên người nộp, hoặc tên tổ chức."]
    assert errors["applicant_email"] == ["Địa chỉ thư điện tử không hợp lệ."]
    assert errors["applicant_birth_year"] == ["Năm sinh là một số, ví dụ 1990."]
    # "1.990" is read as the year 1990: compared with the ID number (not refused as no number)
    r = client.post("/staff/tiep-nhan/", counter_data(applicant_birth_year="1.990", receive_now=""))
    assert r.context["form"].errors == {
        "applicant_id_number": ["Số định danh cá nhân không khớp với năm sinh."]
    }


def test_counter_registration_receives_with_components(client, org, offered):
    c1, _c2 = offered
    login(client, org, "officer")
    r = client.get("/staff/tiep-nhan/", {"agency": "000.00.21.H26", "procedure": "1.001612"})
    assert r.status_code == 200 and c1.name in r.content.decode()
    pdf_bytes = make_pdf()
    r = client.post(
        "/staff/tiep-nhan/", {**counter_data(), f"component_{c1.pk}": SimpleUploadedFile("dn.pdf", pdf_bytes)}
    )
    assert r.status_code == 302
    d = Dossier.objects.get()
    assert r["Location"] == f"/staff/dossiers/{d.code}/"
    assert d.state == "received" and d.channel == "counter" and d.applicant_name == "Phạm Thị Lan"
    assert [e.action for e in d.events.order_by("seq")] == ["register", "receive"]
    doc = d.documents.get()
    assert doc.component == c1 and d.events.get(action="register").file_hashes == [doc.sha256]


def test_the_counter_form_sent_again_after_back_registers_no_second_dossier(client, org, offered):
    """Back and "Đăng ký hồ sơ" again: the page is fetched anew (no-store) with a new key, and the applicant's
    dossier was registered a second time, received, with its own Form 01. The same applicant and procedure
    registered by the officer minutes ago is named instead (409, nothing filed); a real second dossier is one tick
    away."""
    c1, _c2 = offered
    login(client, org, "officer")

    def send(**extra):
        pdf_bytes = make_pdf()
        data = {**counter_data(), f"component_{c1.pk}": SimpleUploadedFile("dn.pdf", pdf_bytes), **extra}
        return client.post("/staff/tiep-nhan/", data)

    assert send(submission="page-1").status_code == 302
    first = Dossier.objects.get()
    again = send(submission="page-2")  # the page fetched anew after Back: another key
    assert again.status_code == 409 and Dossier.objects.count() == 1
    page = again.content.decode()
    assert f"Hồ sơ {first.code} của Phạm Thị Lan cho thủ tục này vừa được đăng ký lúc" in page
    assert f'href="/staff/dossiers/{first.code}/"' in page and 'name="another"' in page
    assert send(submission="page-3", another="on").status_code == 302
    assert Dossier.objects.count() == 2


def test_staff_upload_forms_say_the_largest_file_before_it_is_sent(client, org, offered, settings):
    """The counter and the dossier's upload form say the size limit beside the file inputs, as the citizen's pages
    do: an officer learns it before scanning a large file, not from a refusal after sending it."""
    settings.MOTCUA_UPLOAD_MAX_BYTES = 20 * 1024 * 1024
    login(client, org, "officer")
    r = client.get("/staff/tiep-nhan/", {"agency": "000.00.21.H26", "procedure": "1.001612"})
    assert "Mỗi tệp tối đa 20 MB." in r.content.decode()
    d = file_online(org)
    r = client.get(f"/staff/dossiers/{d.code}/")
    assert r.context["upload_form"] is not None and "Mỗi tệp tối đa 20 MB." in r.content.decode()
    # the actions that take files (the result with the resolution) say it in their own form
    act(org, d, "receive", "officer")
    login(client, org, "leader")
    html = client.get(f"/staff/dossiers/{d.code}/").content.decode()
    resolve = re.search(r'<form[^>]*data-action="resolve".*?</form>', html, re.S).group(0)
    assert 'type="file"' in resolve and "Mỗi tệp tối đa 20 MB." in resolve
    # once per form, however many file inputs it has (reception: one per component and the other files)
    d2 = file_online(org, name="Nguyễn Văn An", id_number="079090000123")
    login(client, org, "officer")
    html = client.get(f"/staff/dossiers/{d2.code}/").content.decode()
    receive = re.search(r'<form[^>]*data-action="receive".*?</form>', html, re.S).group(0)
    assert receive.count('type="file"') > 1 and receive.count("Mỗi tệp tối đa 20 MB.") == 1


def test_counter_registration_records_the_components_handed_in_on_paper(client, org, offered):
    c1, c2 = offered
    login(client, org, "officer")
    without_receiving = counter_data(**{f"paper_{c1.pk}": "on"})
    without_receiving.pop("receive_now")
    r = client.post("/staff/tiep-nhan/", without_receiving)  # the ticks would be lost: refused
    assert r.status_code == 400 and "chọn tiếp nhận ngay" in r.content.decode()
    assert not Dossier.objects.exists()
    r = client.post("/staff/tiep-nhan/", counter_data(**{f"paper_{c1.pk}": "on"}))
    assert r.status_code == 302
    d = Dossier.objects.get()
    assert d.state == "received"
    assert d.events.get(action="receive").data["paper_components"] == [{"order": 1, "name": c1.name}]
    text = " ".join(pdf.render_form_html("receipt", d).split())
    assert c1.name in text and c2.name not in text


def test_counter_registration_errors_change_nothing(client, org, offered):
    login(client, org, "officer")
    # identifiers and numbers are checked on their own fields (the service checks them again)
    for field, value, message in (
        ("applicant_id_number", "123", "12 chữ số"),
        ("applicant_phone", "0912-000", "Số điện thoại không hợp lệ"),
        ("rep_id_number", "00120301234", "12 chữ số"),
        ("rep_phone", "không có", "Số điện thoại không hợp lệ"),
    ):
        r = client.post("/staff/tiep-nhan/", counter_data(**{field: value, "rep_name": "Trần Văn Bốn"}))
        assert r.status_code == 400 and message in r.content.decode(), field
        assert message in " ".join(r.context["form"].errors[field])
    r = client.post("/staff/tiep-nhan/", counter_data(applicant_name=""))
    assert r.status_code == 400
    c1, _ = offered
    r = client.post(
        "/staff/tiep-nhan/",
        {**counter_data(), f"component_{c1.pk}": SimpleUploadedFile("a.pdf", b"MZ\x00\x00")},
    )
    assert r.status_code == 400 and "Không nhận tệp này" in " ".join(
        r.context["form"].errors[f"component_{c1.pk}"]
    )
    assert not Dossier.objects.exists() and not DossierDocument.objects.exists()
    # a specialist is not a one-stop officer
    login(client, org, "specialist")
    assert client.get("/staff/tiep-nhan/").status_code == 403


def test_counter_birth_year_in_the_future_is_named_not_blamed_on_the_id(client, org, offered):
    """A year of birth after this year is a typo in the year: the page says so on that field, and does not tell the
    officer the (right) ID number fails to match it."""
    login(client, org, "officer")
    next_year = timezone.localdate().year + 1
    r = client.post("/staff/tiep-nhan/", counter_data(applicant_birth_year=str(next_year)))
    assert r.status_code == 400 and not Dossier.objects.exists()
    errors = r.context["form"].errors
    assert "applicant_id_number" not in errors
    assert f"Năm sinh không thể sau năm nay ({timezone.localdate().year})." in errors["applicant_birth_year"]


def test_counter_registration_shows_every_problem_in_one_sending_and_names_the_files_to_choose_again(
    client, org, offered
):
    """The form's own checks, the files' contents and the ID number against the year of birth are all checked in
    the same sending (they came back one round trip at a time); the page then names the files the officer chose,
    which no browser keeps, next to the file inputs."""
    c1, c2 = offered
    login(client, org, "officer")
    data = {
        **counter_data(applicant_name="", applicant_birth_year="1990"),  # 001203… is born in 2003
        f"component_{c1.pk}": SimpleUploadedFile("don-de-nghi.pdf", b"MZ\x00\x00"),
        f"component_{c2.pk}": SimpleUploadedFile("uy-quyen.pdf", make_pdf()),
    }
    r = client.post("/staff/tiep-nhan/", data)
    assert r.status_code == 400
    errors = r.context["form"].errors
    assert set(errors) == {"applicant_name", "applicant_id_number", f"component_{c1.pk}"}
    assert "không khớp với năm sinh" in " ".join(errors["applicant_id_number"])
    assert "don-de-nghi.pdf" in " ".join(errors[f"component_{c1.pk}"])
    html = r.content.decode()
    notice = html[html.index('id="unsaved-files"') :]
    notice = notice[: notice.index("</div>")]
    assert "Các tệp đã chọn chưa được lưu: hãy chọn lại" in notice
    assert "don-de-nghi.pdf" in notice and "uy-quyen.pdf" in notice  # the accepted one is not kept either
    assert not Dossier.objects.exists() and not DossierDocument.objects.exists()
    # a procedure without a single limit, received at once: the days applied are asked for in the same sending
    with limit_unset(org["version"]):
        r = client.post("/staff/tiep-nhan/", counter_data(applicant_name="", **{f"paper_{c1.pk}": "on"}))
    assert r.status_code == 400 and {"applicant_name", "working_days"} <= set(r.context["form"].errors)
    assert 'id="unsaved-files"' not in r.content.decode()  # no file chosen, nothing to choose again


def test_counter_registration_keeps_the_representatives_authorisation_scan(client, org, offered):
    """Filed on someone's behalf at the counter: the authorisation letter's scan is kept as the dossier's
    `authorisation` document, its hash in the registration event; a scan without the representative's name is
    refused and nothing is created."""
    login(client, org, "officer")
    scan = make_pdf()
    r = client.post(
        "/staff/tiep-nhan/", {**counter_data(), "rep_file": SimpleUploadedFile("uy-quyen.pdf", scan)}
    )
    assert r.status_code == 400 and "Ghi họ tên người được ủy quyền" in r.content.decode()
    assert not Dossier.objects.exists() and not DossierDocument.objects.exists()
    c1, _c2 = offered
    # a representative named alone is neither identified nor shown to act under a paper (Form 01 records both)
    r = client.post("/staff/tiep-nhan/", {**counter_data(), "rep_name": "Trần Văn Bình"})
    page = r.content.decode()
    assert r.status_code == 400 and "Ghi số định danh cá nhân của người được ủy quyền." in page
    assert "Ghi văn bản ủy quyền (số, ngày) hoặc tải lên bản chụp văn bản ủy quyền." in page
    assert not Dossier.objects.exists()
    data = {
        **counter_data(),
        "rep_name": "Trần Văn Bình",
        "rep_id_number": "001203012346",
        "rep_document": "Giấy ủy quyền ngày 20/11/2026",
    }
    data[f"paper_{c1.pk}"] = "on"  # the application form, handed in on paper
    r = client.post("/staff/tiep-nhan/", {**data, "rep_file": SimpleUploadedFile("uy-quyen.pdf", scan)})
    assert r.status_code == 302
    d = Dossier.objects.get()
    doc = d.documents.get()
    assert doc.kind == "authorisation" and doc.component is None
    assert d.events.get(action="register").file_hashes == [doc.sha256]
    assert d.representative["name"] == "Trần Văn Bình"


def test_reception_takes_a_complete_dossier_only(client, org, offered):
    """Receiving at the counter, or an online filing from its page: every required component is uploaded, on
    file or ticked as received on paper — otherwise the box says what is missing (ask for it in writing instead)
    and nothing is created or received. An optional component may be missing."""
    c1, c2 = offered
    login(client, org, "officer")
    r = client.post("/staff/tiep-nhan/", {**counter_data(), f"paper_{c2.pk}": "on"})
    assert r.status_code == 400 and not Dossier.objects.exists()
    assert "Thành phần bắt buộc chưa được nhận" in r.content.decode() and "Mẫu 02" in r.content.decode()
    r = client.post("/staff/tiep-nhan/", {**counter_data(), f"paper_{c1.pk}": "on"})
    assert r.status_code == 302 and Dossier.objects.get().state == "received"
    # an online filing without its required file: not received from its page until the officer has it
    d = file_online(org)
    url = f"/staff/dossiers/{d.code}/act/receive/"
    r = client.post(url, {"expected_version": d.version})
    assert r.status_code == 400 and "Thành phần bắt buộc chưa được nhận" in r.content.decode()
    assert Dossier.objects.get(pk=d.pk).state == "submitted"
    r = client.post(url, {"expected_version": d.version, f"paper_{c1.pk}": "on"})
    assert r.status_code == 302 and Dossier.objects.get(pk=d.pk).state == "received"
    # filed online with its file: the page says the file is there, and reception needs nothing more
    e = file_online(org)
    DossierDocument.objects.create(
        dossier=e, component=c1, kind="component", name="don-de-nghi.pdf", file="x/don-de-nghi.pdf",
        size=10, sha256="0" * 64, content_type="application/pdf",
    )  # fmt: skip
    page = client.get(f"/staff/dossiers/{e.code}/").content.decode()
    assert "Đã có tệp: don-de-nghi.pdf" in page
    r = client.post(f"/staff/dossiers/{e.code}/act/receive/", {"expected_version": e.version})
    assert r.status_code == 302 and Dossier.objects.get(pk=e.pk).state == "received"


def test_counter_register_without_receiving(client, org, offered):
    login(client, org, "officer")
    data = counter_data(channel="postal")
    data.pop("receive_now")
    r = client.post("/staff/tiep-nhan/", data)
    assert r.status_code == 302
    d = Dossier.objects.get()
    assert d.state == "submitted" and d.channel == "postal"


def test_counter_page_sent_twice_files_one_dossier(client, org, offered):
    c1, _c2 = offered
    login(client, org, "officer")
    page = client.get("/staff/tiep-nhan/", {"agency": "000.00.21.H26", "procedure": "1.001612"})
    key = page.context["form"]["submission"].value()
    assert key and f'name="submission" value="{key}"' in page.content.decode()
    data = counter_data(submission=key, **{f"paper_{c1.pk}": "on"})
    first = client.post("/staff/tiep-nhan/", data)
    d = Dossier.objects.get()
    # a double click, or the officer sending again while the first request was still being served
    again = client.post("/staff/tiep-nhan/", data, follow=True)
    assert Dossier.objects.get() == d and first["Location"] == f"/staff/dossiers/{d.code}/"
    assert again.redirect_chain == [(f"/staff/dossiers/{d.code}/", 302)]
    assert [e.action for e in d.events.order_by("seq")] == ["register", "receive"]
    assert f"Hồ sơ {d.code} đã được đăng ký từ lần gửi trước" in again.content.decode()
    # the same page sent back with another applicant (browser back, corrected, sent): a dossier of its own
    other = client.post("/staff/tiep-nhan/", {**data, "applicant_name": "Lê Văn Năm"})
    assert other.status_code == 302 and Dossier.objects.count() == 2
    assert Dossier.objects.exclude(pk=d.pk).get().applicant_name == "Lê Văn Năm"
    # a new page for the same applicant and procedure minutes later (Back fetches the page anew): named, not filed;
    # a second dossier of theirs once the officer says so
    fresh = client.get("/staff/tiep-nhan/", {"procedure": "1.001612"}).context["form"]["submission"].value()
    assert fresh != key
    assert client.post("/staff/tiep-nhan/", {**data, "submission": fresh}).status_code == 409
    assert Dossier.objects.count() == 2
    client.post("/staff/tiep-nhan/", {**data, "submission": fresh, "another": "on"})
    assert Dossier.objects.count() == 3


def test_counter_messages_go_through_the_translation_catalogue(client, org, offered, monkeypatch):
    from motcua.dossiers import views

    c1, _c2 = offered
    monkeypatch.setattr(views, "_", lambda text: "[en] " + text)  # what an English catalogue would return
    login(client, org, "officer")
    r = client.post("/staff/tiep-nhan/", counter_data(**{f"paper_{c1.pk}": "on"}), follow=True)
    d = Dossier.objects.get()
    shown = [str(m) for m in r.context["messages"]]
    assert shown == [
        f"[en] Đã tiếp nhận hồ sơ {d.code}; hẹn trả {pdf.fmt_dt(d.due_at)}. "
        "In Giấy tiếp nhận (Mẫu 01) ở mục Biểu mẫu."
    ]
    data = counter_data(another="on")  # the same applicant again, minutes later: a second dossier, said so
    data.pop("receive_now")
    r = client.post("/staff/tiep-nhan/", data, follow=True)
    code = Dossier.objects.exclude(pk=d.pk).get().code
    assert [str(m) for m in r.context["messages"]] == [
        f"[en] Đã đăng ký hồ sơ {code} (chờ kiểm tra, tiếp nhận)."
    ]


def test_counter_component_labels_go_through_the_translation_catalogue(client, org, offered, monkeypatch):
    from motcua.dossiers import forms

    c1, c2 = offered
    c1.originals, c2.originals, c2.copies = 1, 0, 2
    c1.save(), c2.save()
    # what an English catalogue would return: the copies asked and "required"/"if any" are the page's words
    monkeypatch.setattr(forms, "gettext", lambda text: "[en] " + text)
    monkeypatch.setattr(forms, "ngettext", lambda one, other, n: "[en] " + (one if n == 1 else other))
    login(client, org, "officer")
    page = client.get("/staff/tiep-nhan/", {"procedure": "1.001612"}).context["form"]
    assert page[f"paper_{c1.pk}"].label.startswith(f"{c1.name} ([en] 1 bản chính, [en] bắt buộc)")
    assert page[f"paper_{c2.pk}"].label.startswith(f"{c2.name} ([en] 2 bản sao, [en] nếu có)")


# --- apology reminders ----------------------------------------------------------------------------------------


def test_apology_candidates_window(org):
    d = file_online(org, at=local(2025, 3, 3, 8, 0))
    d = services.dossier_act(
        code=d.code, action="receive", actor=org["users"]["officer"], at=local(2025, 3, 3, 9, 0)
    )
    assert d.due_at == local(2025, 3, 6, 9, 0)  # Thu
    leader = org["users"]["leader"]
    # Mon 03/03 10:00: due more than 2 working days ahead → not yet
    assert selectors.apology_candidates(leader, now=local(2025, 3, 3, 10, 0)) == []
    # Tue 04/03 10:00: due within 2 working days, apology still possible until Wed 05/03
    found = selectors.apology_candidates(leader, now=local(2025, 3, 4, 10, 0))
    assert [x.code for x in found] == [d.code] and found[0].apology_deadline == dt.date(2025, 3, 5)
    assert [x.code for x in selectors.apology_candidates(leader, now=local(2025, 3, 5, 16, 0))] == [d.code]
    # Thu 06/03 08:00: the previous working day has passed → can no longer be sent
    assert selectors.apology_candidates(leader, now=local(2025, 3, 6, 8, 0)) == []
    # other agency's staff are not reminded; an apology already sent removes it
    assert selectors.apology_candidates(org["users"]["other_officer"], now=local(2025, 3, 4, 10, 0)) == []
    services.dossier_act(
        code=d.code,
        action="apologize",
        actor=leader,
        at=local(2025, 3, 4, 11, 0),
        params={"reason": "Chờ xác minh", "new_return_at": local(2025, 3, 10, 9, 0)},
    )
    assert selectors.apology_candidates(leader, now=local(2025, 3, 4, 12, 0)) == []


def test_inbox_apology_tab(client, org):
    with limit_unset(org["version"]):  # the officer sets the limit: a procedure without a single one
        d = services.dossier_act(
            code=file_online(org).code,
            action="receive",
            actor=org["users"]["officer"],
            params={"working_days": 1.5},
        )
    login(client, org, "leader")
    r = client.get("/staff/?tab=apology")
    assert r.status_code == 200 and codes_in(r) == {d.code}
    assert "cần gửi thư xin lỗi" in r.content.decode()


def test_reception_asks_for_a_limit_only_when_the_procedure_has_none(client, org):
    d = file_online(org)
    login(client, org, "officer")
    page = client.get(f"/staff/dossiers/{d.code}/").content.decode()
    assert "act-receive" in page and 'name="working_days"' not in page  # 3 working days, from the catalogue
    with limit_unset(org["version"]):
        page = client.get(f"/staff/dossiers/{d.code}/").content.decode()
        assert 'id="id_receive_working_days"' in page
        r = client.post(
            f"/staff/dossiers/{d.code}/act/receive/", {"expected_version": d.version, "working_days": "2"}
        )
        assert r.status_code == 302
    d.refresh_from_db()
    assert d.state == "received" and d.limit_hours == 16


def test_remind_apologies_command(org):
    d = file_online(org, at=local(2025, 3, 3, 8, 0))
    services.dossier_act(
        code=d.code, action="receive", actor=org["users"]["officer"], at=local(2025, 3, 3, 9, 0)
    )
    services.dossier_act(
        code=d.code,
        action="assign",
        actor=org["users"]["unit_head"],
        at=local(2025, 3, 3, 9, 30),
        params={"assignee": "cv"},
    )
    out = io.StringIO()
    call_command("remind-apologies", "--at", "2025-03-04T10:00:00+07:00", stdout=out)
    text = out.getvalue()
    assert d.code in text and "05/03/2025" in text
    assert "cv" in text and "ld" in text  # the assignee and the agency's leader are reminded
    out = io.StringIO()
    call_command("remind-apologies", "--at", "2025-03-06T08:00:00+07:00", stdout=out)
    assert d.code not in out.getvalue()


def test_apology_reminders_go_through_the_outbox_once_a_day(
    org, settings, django_capture_on_commit_callbacks
):
    from django.core import mail

    from motcua.notifications.models import Outbox

    settings.MOTCUA_NOTIFY_ON_COMMIT = True  # delivered once queued
    users = org["users"]
    for name in ("specialist", "leader", "unit_head"):
        users[name].email = f"{users[name].username}@example.gov.vn"
        users[name].save()
    d = file_online(org, at=local(2025, 3, 3, 8, 0))
    services.dossier_act(code=d.code, action="receive", actor=users["officer"], at=local(2025, 3, 3, 9, 0))
    services.dossier_act(
        code=d.code,
        action="assign",
        actor=users["unit_head"],
        at=local(2025, 3, 3, 9, 30),
        params={"assignee": "cv"},
    )
    out = io.StringIO()
    with django_capture_on_commit_callbacks(execute=True):
        call_command("remind-apologies", "--at", "2025-03-04T10:00:00+07:00", "--email", stdout=out)
    rows = Outbox.objects.filter(template="apology_reminder")
    assert sorted(rows.values_list("recipient", flat=True)) == [
        "cv@example.gov.vn",
        "ld@example.gov.vn",
        "tp@example.gov.vn",
    ]
    assert set(rows.values_list("status", flat=True)) == {"sent"} and len(mail.outbox) == 3
    assert d.code in mail.outbox[0].subject and "05/03/2025" in mail.outbox[0].subject
    assert f"/staff/dossiers/{d.code}/" in mail.outbox[0].body and "3 thư nhắc mới" in out.getvalue()
    # an hour later the same day: nobody is reminded twice
    out = io.StringIO()
    call_command("remind-apologies", "--at", "2025-03-04T11:00:00+07:00", "--email", stdout=out)
    assert rows.count() == 3 and len(mail.outbox) == 3 and "0 thư nhắc mới" in out.getvalue()
    assert not Outbox.objects.filter(
        dossier=d
    ).exists()  # staff reminders are not the applicant's notifications


def test_working_days_decimal_param_roundtrip(org):
    with limit_unset(org["version"]):  # the officer sets the limit: a procedure without a single one
        d = services.dossier_act(
            code=file_online(org).code,
            action="receive",
            actor=org["users"]["officer"],
            params={"working_days": 1.5},
        )
    assert d.limit_hours == Decimal("12")


# --- demo data ------------------------------------------------------------------------------------------------


def test_demo_dossiers_load_once_in_varied_states(db, settings, tmp_path):
    from motcua.catalog import demo as catalog_demo
    from motcua.dossiers import demo
    from motcua.org import demo as org_demo

    org_demo.load_organisation()
    catalog_demo.load()
    out = io.StringIO()
    first = demo.load(stdout=out)
    assert first["created"] >= 8 and "Hồ sơ mẫu: đã tạo" in out.getvalue()
    states = set(Dossier.objects.values_list("state", flat=True))
    assert {"submitted", "processing", "supplement_requested", "resolved", "returned", "refused"} <= states
    late = Dossier.objects.get(classification="late")
    assert late.new_return_at is not None and late.events.filter(action="apologize").exists()
    assert Dossier.objects.filter(classification="early").exists()
    now = timezone.now()
    for d in Dossier.objects.all():
        assert services.verify_chain(d) == []
        assert d.events.order_by("-seq").first().at < now  # everything happened in the past
        local_at = d.events.order_by("seq").first().at.astimezone(timezone.get_current_timezone())
        assert 8 <= local_at.hour < 17  # at office hours
    # every file attached by the demo is recorded in an event
    for d in Dossier.objects.all():
        recorded = {h for e in d.events.all() for h in e.file_hashes}
        assert set(d.documents.values_list("sha256", flat=True)) <= recorded
    # an online application carries what the portal's wizard requires of its e-form; a counter one the paper form
    for d in Dossier.objects.filter(procedure__code=demo.DEMO_PROCEDURE):
        required = [f["name"] for f in d.procedure_version.form_fields if f.get("required")]
        if d.channel == "online":
            assert required and all(d.form_data.get(name) not in (None, "") for name in required), d.code
        else:
            assert d.form_data == {}
    # a result is its own document (not the application's bytes again), and each result its own
    results = list(DossierDocument.objects.filter(kind="result").values_list("sha256", "dossier_id"))
    components = set(DossierDocument.objects.filter(kind="component").values_list("sha256", flat=True))
    assert (
        len(results) == 3
        and len({sha for sha, _ in results}) == 3
        and not components & {s for s, _ in results}
    )
    # returned the way the applicant asked for the result
    for d in Dossier.objects.filter(state="returned"):
        assert d.return_method == d.result_method, d.code
    # the returned ones rated by their applicants: a paper form at the counter, and the citizen's account
    from motcua.feedback.models import Rating

    ratings = {r.channel: r for r in Rating.objects.select_related("dossier")}
    assert set(ratings) == {"counter", "account"}
    assert ratings["account"].user.username == "congdan" and ratings["account"].overall == 2  # the late one
    assert ratings["counter"].recorded_by.username == "motcua.mc" and ratings["counter"].satisfied
    assert all(r.dossier.returned_at < r.created_at < now for r in ratings.values())
    second = demo.load(stdout=io.StringIO())
    assert second["created"] == 0 and Dossier.objects.count() == first["created"]
    assert Rating.objects.count() == 2


# --- the same applicant's other open dossiers -------------------------------------------------------------------


def test_the_dossier_page_shows_the_applicants_other_open_dossiers(client, org):
    first = file_online(org, id_number="001203012345")
    second = file_online(org, id_number="001203012345")  # filed twice: a possible duplicate
    done = act(org, file_online(org, id_number="001203012345"), "refuse", "officer", reason="Sai thủ tục")
    stranger = file_online(org, name="Lê Văn Khác", id_number="001099001122")
    login(client, org, "officer")
    page = client.get(f"/staff/dossiers/{second.code}/")
    html = page.content.decode()
    siblings = [d.code for d in page.context["open_siblings"]]
    assert siblings == [first.code]  # not itself, not the refused one, not another applicant's
    assert done.code not in siblings and stranger.code not in siblings
    assert "có thể trùng" in html and "Kiểm tra trùng lặp trước khi tiếp nhận" in html  # not yet received
    alone = client.get(f"/staff/dossiers/{stranger.code}/")
    assert alone.context["open_siblings"] == [] and "Kiểm tra trùng lặp" not in alone.content.decode()
    # a dossier without an ID number matches nothing
    Dossier.objects.filter(pk=stranger.pk).update(applicant_id_number="")
    nobody = Dossier.objects.get(pk=stranger.pk)
    assert selectors.applicant_open_dossiers(nobody) == []


def test_the_inbox_and_the_admin_say_when_next_year_s_days_off_are_not_recorded(org, client, admin_client,
                                                                               monkeypatch):  # fmt: skip
    """On 27/11/2026 appointments reach into 2027, whose Tết holiday is the Labour Code's rule until the announced
    schedule is recorded: officers read it on their inbox (and whom to ask), administrators get the admin's link;
    once a nationwide override for 2027 is recorded the notice is gone."""
    from motcua.workdays import services as calendar

    monkeypatch.setattr(timezone, "localdate", lambda *a, **k: dt.date(2026, 11, 27))
    page = login(client, org, "officer").get("/staff/").content.decode()
    assert (
        'id="calendar-unconfirmed-2027"' in page and "Lịch nghỉ lễ, Tết năm 2027 chưa được cập nhật" in page
    )
    assert "Báo quản trị hệ thống ghi lịch nghỉ đã công bố." in page
    assert "/admin/workdays/calendaroverride/add/" not in page
    admin_page = admin_client.get("/admin/").content.decode()
    assert '<li class="warning" role="status" id="calendar-unconfirmed-2027">' in admin_page
    assert 'href="/admin/workdays/calendaroverride/add/"' in admin_page
    root = admin_client.get("/admin/").wsgi_request.user
    calendar.add_override(
        date="2027-02-15", kind="day_off", reason="Tết Đinh Mùi (thông báo chính thức)", user=root
    )
    assert "calendar-unconfirmed" not in client.get("/staff/").content.decode()
    assert "calendar-unconfirmed" not in admin_client.get("/admin/").content.decode()


def test_the_apology_is_not_offered_once_it_is_too_late(client, org):
    """An apology goes at the latest one working day before the appointment (the inbox's 'Cần gửi thư xin lỗi' tab
    already leaves such dossiers out): the dossier's page offered 'Xin lỗi và hẹn lại ngày trả' on an overdue
    dossier, and the leader who filled it in was refused (409 apology_too_late)."""
    late = services.dossier_file(
        actor=org["users"]["officer"],
        procedure_code="1.001612",
        agency_identifier="000.00.21.H26",
        channel="counter",
        applicant=APPLICANT,
        receive=True,
        at=local(2025, 3, 3, 9, 0),  # due Thu 06/03/2025
    )[0]
    timely = services.dossier_file(
        actor=org["users"]["officer"],
        procedure_code="1.001612",
        agency_identifier="000.00.21.H26",
        channel="counter",
        applicant=APPLICANT,
        receive=True,
    )[0]
    leader = org["users"]["leader"]
    assert "apologize" not in services.allowed_actions(leader, late)
    assert "apologize" in services.allowed_actions(leader, timely)
    login(client, org, "leader")
    assert 'id="act-apologize"' not in client.get(f"/staff/dossiers/{late.code}/").content.decode()
    assert 'id="act-apologize"' in client.get(f"/staff/dossiers/{timely.code}/").content.decode()


def test_a_refused_supplement_request_keeps_the_lines_typed(client, org):
    """Form 02 lists every missing paper at once: one line without its name sent the page back with all the lines
    empty, and the officer typed the whole list again. The lines come back as typed (escaped), the wrong one to
    correct, and the page still offers the five empty lines when nothing was typed."""
    d = act(org, file_online(org), "receive", "officer")
    login(client, org, "specialist")
    r = client.post(
        f"/staff/dossiers/{d.code}/act/request_supplement/",
        {
            "expected_version": d.version,
            "reason": "Hồ sơ chưa hợp lệ",
            "item_name": ["Bản sao biên bản họp", "", "Giấy đề nghị <ký tên>", "", "", "Sổ hộ khẩu"],
            "item_reason": ["Chưa có chữ ký", "Thiếu dấu", "Sai ngành nghề", "", "", ""],
        },
    )
    page = r.content.decode()
    assert r.status_code == 400 and "Dòng 2: mỗi dòng cần bổ sung phải có tên giấy tờ" in page
    names = re.findall(r'name="item_name" value="([^"]*)"', page)
    reasons = re.findall(r'name="item_reason" value="([^"]*)"', page)
    assert names == ["Bản sao biên bản họp", "", "Giấy đề nghị &lt;ký tên&gt;", "Sổ hộ khẩu", ""]
    assert reasons == ["Chưa có chữ ký", "Thiếu dấu", "Sai ngành nghề", "", ""]
    d.refresh_from_db()
    assert d.state == "received" and not d.events.filter(action="request_supplement").exists()
    fresh = client.get(f"/staff/dossiers/{d.code}/").content.decode()
    assert re.findall(r'name="item_name" value="([^"]*)"', fresh) == [""] * 5


def test_an_action_error_is_told_in_the_page_language_only(client, org):
    """The staff screens told a refused action in both languages at once: English under the Vietnamese on the
    Vietnamese page, Vietnamese first on the English page."""
    from django.conf import settings

    d = file_online(org)
    stale = d.version
    login(client, org, "officer")
    act(org, d, "receive", "officer")
    url = f"/staff/dossiers/{d.code}/act/refuse/"
    vi = client.post(url, {"expected_version": stale, "reason": "Không đủ"}).content.decode()
    assert "Hồ sơ vừa được cập nhật sau khi trang này được mở" in vi
    assert "The dossier was changed after this page was opened" not in vi
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    r = client.post(url, {"expected_version": stale, "reason": "Không đủ"})
    assert r.status_code == 409
    en = r.content.decode()
    assert "The dossier was changed after this page was opened" in en
    assert "Hồ sơ vừa được cập nhật sau khi trang này được mở" not in en
    missing = client.get("/staff/dossiers/000.00.21.H26-990101-0001/").content.decode()
    assert "not found" in missing and "Không tìm thấy hồ sơ" not in missing


def _at_the_specialists_step(client, org):
    """A received dossier whose first step the unit head gave the specialist, signed in as the specialist."""
    d = act(org, file_online(org), "receive", "officer")
    login(client, org, "unit_head")
    client.post(
        f"/staff/dossiers/{d.code}/act/assign/", {"expected_version": d.version, "step": 1, "assignee": "cv"}
    )
    d.refresh_from_db()
    login(client, org, "specialist")
    return d


def test_inter_agency_hours_out_of_range_is_not_also_called_missing(client, org):
    """Hours typed but too many: the form said both that they were too many and that none were given."""
    d = _at_the_specialists_step(client, org)
    for hours in ("100000", "0"):
        r = client.post(
            f"/staff/dossiers/{d.code}/act/hand_over/",
            {"expected_version": d.version, "to_agency": "000.00.40.H26", "hours": hours},
        )
        assert r.status_code == 400
        assert "Bước liên thông cần thời gian xử lý" not in r.content.decode(), hours
    d.refresh_from_db()
    assert services.current_step(d).agency.identifier != "000.00.40.H26"


def test_a_form_posted_for_an_action_that_no_longer_applies_says_so(client, org):
    """The refusal form of a page opened before reception, sent after another officer received the dossier, was
    answered 400 "kiểm tra lại các ô được đánh dấu" with nothing marked (the form is no longer on the page): the
    action is said to be over, 409, nothing changed."""
    d = file_online(org)
    version = d.version
    d = act(org, d, "receive", "officer")
    login(client, org, "officer")
    r = client.post(f"/staff/dossiers/{d.code}/act/refuse/", {"expected_version": version, "reason": ""})
    page = r.content.decode()
    assert r.status_code == 409
    assert "Thao tác “Từ chối tiếp nhận” không còn áp dụng: hồ sơ đang ở trạng thái “Được tiếp nhận”" in page
    assert Dossier.objects.get(pk=d.pk).state == "received"


def test_inter_agency_hours_are_read_the_vietnamese_way(client, org):
    """ "1,5" (one and a half hours, as Vietnamese write it) was refused as no number, "1e3" taken as 1,000 hours (a
    partner step due months after the dossier), and "-1" answered "Đảm bảo giá trị này lớn hơn hoặc bằng với 0.25 ."."""
    d = _at_the_specialists_step(client, org)
    url = f"/staff/dossiers/{d.code}/act/hand_over/"
    for hours, message in (("1e3", "Nhập số giờ làm việc, ví dụ 4 hoặc 1,5."),
                           ("-1", "Thời gian bước liên thông từ 0,25 giờ làm việc trở lên.")):  # fmt: skip
        r = client.post(url, {"expected_version": d.version, "to_agency": "000.00.40.H26", "hours": hours})
        assert r.status_code == 400 and message in r.content.decode(), hours
    r = client.post(url, {"expected_version": d.version, "to_agency": "000.00.40.H26", "hours": "1,5"})
    assert r.status_code == 302
    step = services.current_step(Dossier.objects.get(pk=d.pk))
    assert step.agency.identifier == "000.00.40.H26" and step.hours == Decimal("1.5")


def test_a_supplement_line_without_reason_has_no_dangling_dash_in_the_log(client, org):
    d = act(org, file_online(org), "receive", "officer")
    login(client, org, "specialist")
    r = client.post(
        f"/staff/dossiers/{d.code}/act/request_supplement/",
        {
            "expected_version": d.version,
            "reason": "Hồ sơ thiếu",
            "item_name": ["Giấy ủy quyền"],
            "item_reason": [""],
        },
    )
    assert r.status_code == 302
    page = client.get(f"/staff/dossiers/{d.code}/").content.decode()
    assert "Bổ sung: Giấy ủy quyền<" in page or "Bổ sung: Giấy ủy quyền\n" in page
    assert "Giấy ủy quyền —" not in page


def test_the_inbox_shows_the_new_return_date_after_an_apology(client, org):
    """The staff list showed only the first appointment after a Form 04 apology: the officer at the return counter
    did not see the date promised to the applicant."""
    d = act(org, file_online(org), "receive", "officer")
    assert d.new_return_at is None
    new = d.due_at + dt.timedelta(days=3)
    type(d).objects.filter(pk=d.pk).update(new_return_at=new)
    login(client, org, "officer")
    page = client.get("/staff/?tab=all").content.decode()
    assert f"hẹn lại (thư xin lỗi): {timezone.localtime(new):%d/%m/%Y %H:%M}" in page


def test_a_supplement_request_names_every_faulty_line_at_once(client, org):
    """Two faulty lines (one without its name, one too long) and no general reason: all three said in one sending,
    not the first line's problem, then the next one's after a correction."""
    d = act(org, file_online(org), "receive", "officer")
    login(client, org, "specialist")
    r = client.post(
        f"/staff/dossiers/{d.code}/act/request_supplement/",
        {
            "expected_version": d.version,
            "reason": "",
            "item_name": ["", "x" * 501, "Sổ hộ khẩu"],
            "item_reason": ["Thiếu dấu", "", ""],
        },
    )
    page = r.content.decode()
    assert r.status_code == 400
    assert "Dòng 1: mỗi dòng cần bổ sung phải có tên giấy tờ, nội dung." in page
    assert "Dòng 2: tên giấy tờ, nội dung tối đa 500 ký tự; lý do tối đa 1000 ký tự." in page
    form = next(af["form"] for af in r.context["action_forms"] if af["action"] == "request_supplement")
    assert "reason" in form.errors and len(form.non_field_errors()) == 2
    d.refresh_from_db()
    assert d.state == "received"
