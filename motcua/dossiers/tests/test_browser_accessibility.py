"""The staff screens as a keyboard-only officer and a screen-reader user meet them, on a phone-sized window too: plain
DOM checks in Chromium (no audit library), each for something that was wrong."""

import pytest

from motcua.dossiers import services
from motcua.portal.tests.test_browser_accessibility import PHONE, TABLE_NAMES, TH_WITHOUT_SCOPE

from .conftest import APPLICANT, PASSWORD
from .test_browser_lifecycle import STAFF, procedure  # noqa: F401 (the fixture)

# the live server, Chromium and the sign_in fixture: conftest.py at the top
pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_inbox_and_dossier_page_name_their_tables_and_path(page, live_server, org, procedure, sign_in):  # noqa: F811
    """The inbox's table had no name and its column headings no scope; the dossier page's process table likewise;
    the way back to the inbox ("Xử lý hồ sơ › …") was a paragraph, not a navigation landmark."""
    d, _ = services.dossier_file(
        actor=org["users"]["officer"],
        procedure_code=procedure.code,
        agency_identifier="000.00.21.H26",
        channel="counter",
        applicant=APPLICANT,
        receive=True,
    )
    page.set_viewport_size(PHONE)
    sign_in("ld", PASSWORD, STAFF)
    page.goto(f"{live_server.url}/staff/?tab=all")
    assert page.evaluate("document.scrollingElement.scrollWidth") <= 360
    names = page.evaluate(TABLE_NAMES)
    assert len(names) == 1 and names[0].startswith("Tất cả hồ sơ")
    assert page.evaluate(TH_WITHOUT_SCOPE) == []
    box = page.locator(".table-scroll")  # wider than the phone: a named tab stop
    assert box.get_attribute("tabindex") == "0" and box.get_attribute("aria-label").startswith("Tất cả hồ sơ")

    page.locator(f'tr[data-code="{d.code}"] a').click()
    page.wait_for_url(f"**/staff/dossiers/{d.code}/")
    path = page.get_by_role("navigation", name="Đường dẫn")
    assert path.get_by_role("link", name="Xử lý hồ sơ").is_visible()
    assert "Quy trình xử lý" in page.evaluate(TABLE_NAMES)
    assert page.evaluate(TH_WITHOUT_SCOPE) == []
    assert page.evaluate("document.scrollingElement.scrollWidth") <= 360


def test_counter_reception_on_a_narrow_window(page, live_server, org, procedure, sign_in):  # noqa: F811
    """The counter page: its path is a navigation landmark, a wrong submission focuses the error summary whose links
    all lead to a field, and the component check boxes are a finger's size (they were 13 px)."""
    page.set_viewport_size(PHONE)
    sign_in("mc", PASSWORD, STAFF)
    page.goto(f"{live_server.url}/staff/tiep-nhan/?agency=000.00.21.H26&procedure={procedure.code}")
    assert (
        page.get_by_role("navigation", name="Đường dẫn").get_by_role("link", name="Xử lý hồ sơ").is_visible()
    )
    boxes = page.locator("#counter-form input[type=checkbox]")
    assert boxes.count() >= 2
    for i in range(boxes.count()):
        size = boxes.nth(i).bounding_box()
        assert size["width"] >= 24 and size["height"] >= 24
    page.locator("#counter-form input[name=receive_now]").uncheck()
    page.evaluate(
        "() => document.querySelectorAll('#counter-form [required]').forEach(e => e.removeAttribute('required'))"
    )
    page.locator("#counter-form button[type=submit]").last.click()
    page.wait_for_load_state()
    assert page.evaluate("document.activeElement.id") == "error-summary"
    targets = page.locator("#error-summary a").evaluate_all(
        "links => links.map(a => !!document.getElementById(a.getAttribute('href').slice(1)))"
    )
    assert targets and all(targets)
    assert page.evaluate("document.scrollingElement.scrollWidth") <= 360
