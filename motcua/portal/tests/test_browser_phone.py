"""The citizen's pages on a 360-px phone, as walked with a thumb: the access record read as cards, and targets a
thumb can hit. Plain DOM measures in Chromium, each for something that was wrong."""

import pytest
from django.utils import timezone

from motcua.dossiers import services as dossiers
from motcua.dossiers.models import DossierAccess

from .test_browser import start_filing

# the live server, Chromium and the fixtures filed_world and sign_in: conftest.py at the top
pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 360, "height": 640}

# the heights of the visible links and buttons matching a selector
HEIGHTS = "els => els.filter(e => e.offsetParent).map(e => Math.round(e.getBoundingClientRect().height))"


@pytest.fixture
def world(filed_world):
    """The citizen's dossier, received at the one-stop desk."""
    dossiers.dossier_act(code=filed_world["dossier"].code, action="receive", actor=filed_world["officer"])
    return filed_world


def test_the_access_record_reads_as_cards_on_a_phone(live_server, page, world, sign_in):
    """The access record ("Ai đã xem hồ sơ của bạn") was a three-column table squeezed into the phone: the instant broke inside its
    year ("29/11/2" over "026") and the reader's role ran over five lines. Each access is now a card: the instant
    and the reader side by side, what was read under them, each with its column's name."""
    dossier = world["dossier"]
    for kind in ("view", "document"):
        DossierAccess.objects.create(
            dossier=dossier,
            at=timezone.now().replace(microsecond=0),
            user=world["officer"],
            user_name="Nguyễn Thị Hoa",
            capacity="Cán bộ một cửa — Sở Kế hoạch và Đầu tư",
            kind=kind,
            detail="Giấy đề nghị đăng ký hộ kinh doanh.pdf" if kind == "document" else "",
            channel="web",
        )
    page.set_viewport_size(PHONE)
    sign_in("congdan")
    page.goto(f"{live_server.url}/ho-so-cua-toi/{dossier.code}/")
    table = page.locator("table.access-log")
    assert "{#" not in page.locator("main").inner_text()  # a template comment never reaches the page
    assert table.locator("tbody tr").count() == 2
    cells = table.locator("tbody td:first-child").evaluate_all(
        """tds => tds.map(td => {
          const range = document.createRange(); range.selectNodeContents(td);
          const lines = new Set([...range.getClientRects()].map(r => Math.round(r.top)));
          return [td.textContent.trim(), lines.size, getComputedStyle(td, '::before').content];
        })"""
    )
    assert len(cells) == 2
    for text, lines, label in cells:
        assert lines == 1, (text, lines)  # "dd/mm/yyyy hh:mm" on one line
        assert label == '"Thời điểm"', label
    right = table.evaluate("t => t.getBoundingClientRect().right")
    assert right <= PHONE["width"] - 8, right
    # the column headings stay for a screen reader, out of sight
    assert table.locator("thead").evaluate("h => h.getBoundingClientRect().height") <= 1


def test_a_thumb_can_hit_the_breadcrumb_the_review_edits_and_a_drafts_delete(
    live_server, page, world, sign_in
):
    """At 360 px the procedure page's breadcrumb wrapped to rows of 16-px links 22 px apart, the review step's
    "Sửa" beside each heading was 17 px tall and a draft's "Xóa" 19 px, next to the link that resumes it: each is
    now at least 24 px (WCAG 2.5.8)."""
    page.set_viewport_size(PHONE)
    sign_in("congdan")
    page.goto(f"{live_server.url}/thu-tuc/1.001612/")
    crumbs = page.get_by_role("navigation", name="Đường dẫn").locator("a").evaluate_all(HEIGHTS)
    assert crumbs and min(crumbs) >= 24, crumbs

    start_filing(page, live_server.url)
    page.goto(f"{live_server.url}/nop-ho-so/1.001612/xem-lai/")
    edits = page.locator("main a.edit-step").evaluate_all(HEIGHTS)
    assert len(edits) >= 3 and min(edits) >= 24, edits
    # and they look like links: they were .small's grey, without underline, easy to miss beside the headings
    looks = page.locator("main a.edit-step").evaluate_all(
        "els => els.map(e => [getComputedStyle(e).color, getComputedStyle(e).textDecorationLine])"
    )
    link = page.locator("main a[href]:not(.edit-step)").first.evaluate("e => getComputedStyle(e).color")
    assert all(look == [link, "underline"] for look in looks), (looks, link)

    page.goto(f"{live_server.url}/ho-so-cua-toi/")
    delete = page.locator(".draft-list a.danger").evaluate_all(HEIGHTS)
    assert delete and min(delete) >= 24, delete


def test_an_organisations_tax_code_takes_a_hyphen_on_the_phone(live_server, page, world, sign_in):
    """The applicant's number opened the number pad: a branch's tax code, "0101234567-001", has a hyphen the iOS
    number pad lacks. Choosing "Tổ chức, doanh nghiệp" switches it to the text keyboard (its digits row has the
    hyphen), and back to the number pad for a person."""
    page.set_viewport_size(PHONE)
    sign_in("congdan")
    start_filing(page, live_server.url)
    page.goto(f"{live_server.url}/nop-ho-so/1.001612/nguoi-nop/")
    number = page.locator("#id_applicant_id_number")
    assert number.get_attribute("inputmode") == "numeric"
    page.select_option("#id_applicant_kind", "organization")
    assert number.get_attribute("inputmode") == "text"
    page.select_option("#id_applicant_kind", "individual")
    assert number.get_attribute("inputmode") == "numeric"


def test_the_registration_consent_reads_on_a_phone(live_server, page, world):
    """The consent to the privacy notice was squeezed into a one-letter-wide column beside its checkbox, off the
    right edge: the form's inputs took the whole width, the checkbox too. The box keeps its size and the text takes
    the rest of the line, inside the screen."""
    page.set_viewport_size(PHONE)
    page.goto(f"{live_server.url}/tai-khoan/dang-ky/")
    box = page.locator("#id_consent").evaluate("e => e.getBoundingClientRect().width")
    assert box <= 32, box
    label = page.locator("label[for=id_consent]").evaluate(
        "e => { const r = e.getBoundingClientRect(); return [r.width, r.right]; }"
    )
    assert label[0] >= 200 and label[1] <= PHONE["width"], label
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]


def test_a_thumb_can_hit_a_dossiers_code_and_its_documents(live_server, page, world, sign_in):
    """In "Hồ sơ của tôi" a dossier's code was a 16-px link, a document's name 19 px: at least 24 px on a phone."""
    page.set_viewport_size(PHONE)
    sign_in("congdan")
    page.goto(f"{live_server.url}/ho-so-cua-toi/")
    codes = page.locator(".cards-on-phone th[scope=row] a").evaluate_all(HEIGHTS)
    assert codes and min(codes) >= 24, codes
    from django.core.files.uploadedfile import SimpleUploadedFile

    from motcua.dossiers import documents
    from motcua.notifications.tests.factories import PDF_BYTES

    documents.add_files(
        dossier=world["dossier"], user=world["citizen"], files=[SimpleUploadedFile("giay-de-nghi.pdf", PDF_BYTES)],
        kind="component",
    )  # fmt: skip
    page.goto(f"{live_server.url}/ho-so-cua-toi/{world['dossier'].code}/")
    docs = page.locator(".doc-list li > a").evaluate_all(HEIGHTS)
    assert docs and min(docs) >= 24, docs
