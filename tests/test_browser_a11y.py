"""Accessibility (WCAG 2.1 AA) of the pages citizens and officers use most, in Chromium: axe-core finds no serious
or critical violation on them, in their normal state and with a form error shown; every aria-describedby and
aria-labelledby names an element on the page; each error summary is focused and links to the inputs marked
invalid; the focus ring stays visible on the red header; the page's language follows the chosen one.

axe-core is the unmodified release vendored in tests/vendor/axe-core (MPL-2.0, test-only; README there)."""

import re
from pathlib import Path

import pytest

from motcua.notifications.tests.factories import APPLICANT

# the live server, Chromium and the fixtures filed_world and sign_in: conftest.py at the top
pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

AXE = Path(__file__).parent / "vendor" / "axe-core" / "axe.min.js"
WCAG_AA = "{runOnly: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']}"

BROKEN_IDREFS = """() => Array.from(document.querySelectorAll('[aria-describedby], [aria-labelledby]')).flatMap(el =>
  ['aria-describedby', 'aria-labelledby'].flatMap(attr => (el.getAttribute(attr) || '').split(/\\s+/)
    .filter(id => id && !document.getElementById(id)).map(id => `${el.tagName}#${el.id} ${attr}=${id}`)))"""

# contrast ratio (WCAG 2.x) between the focused element's outline and the header's background
FOCUS_CONTRAST = """el => {
  const rgb = c => c.match(/[\\d.]+/g).slice(0, 3).map(Number);
  const lum = c => { const [r, g, b] = rgb(c).map(v => { v /= 255;
    return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4; });
    return 0.2126 * r + 0.7152 * g + 0.0722 * b; };
  const a = lum(getComputedStyle(el).outlineColor);
  const b = lum(getComputedStyle(el.closest('.site-header')).backgroundColor);
  return (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05);
}"""


def audit(page, label):
    """axe-core's serious and critical WCAG 2.1 A/AA violations, and IDREFs that name nothing."""
    result = page.evaluate(f"axe.run(document, {WCAG_AA})")
    problems = [
        f"{label}: {v['id']} ({v['impact']}) {v['help']} — {[n['html'][:120] for n in v['nodes'][:3]]}"
        for v in result["violations"]
        if v["impact"] in ("serious", "critical")
    ]
    problems += [f"{label}: broken reference {ref}" for ref in page.evaluate(BROKEN_IDREFS)]
    return problems


def submit_without_browser_checks(page, button):
    """Post a form as a browser without HTML5 validation would, so the server's error messages show."""
    page.evaluate("document.querySelectorAll('form').forEach(f => f.noValidate = true)")
    page.locator(button).click()
    page.wait_for_load_state()


def assert_summary_links_to_invalid_inputs(page, summary):
    assert page.evaluate("document.activeElement.id") == summary
    links = page.locator(f"#{summary} a[href^='#']")
    assert links.count() > 0, page.locator(f"#{summary}").inner_html()
    for href in links.evaluate_all("els => els.map(a => a.getAttribute('href'))"):
        target = page.locator(href)
        assert target.count() == 1, href
        assert target.get_attribute("aria-invalid") == "true" or target.evaluate(
            "el => el.closest('[aria-describedby]') !== null"
        ), href


def test_key_pages_pass_axe_and_link_their_errors(live_server, page, filed_world, sign_in):
    world, dossier = filed_world, filed_world["dossier"]
    base = live_server.url
    problems = []
    # axe comes in before each page's own scripts, past the Content-Security-Policy (a <script> added to the page
    # would be refused by it); what the policy refuses of the pages themselves is a problem too
    page.add_init_script(path=str(AXE))
    page.on(
        "console",
        lambda m: problems.append(f"{page.url}: {m.text}") if "Content Security Policy" in m.text else None,
    )

    # public pages
    for path in [
        "/",
        "/thu-tuc/?q=h%E1%BB%99+kinh+doanh",
        "/thu-tuc/1.001612/",
        f"/tra-cuu/?ma={dossier.code}",
        "/tra-cuu/?ma=KHONG-CO",
        "/thong-ke/",
        "/accounts/login/",
        "/accounts/password/reset/",
    ]:
        page.goto(base + path)
        problems += audit(page, path)
    page.goto(f"{base}/phan-anh/")
    submit_without_browser_checks(page, "form.pakn-form button[type=submit]")
    problems += audit(page, "PAKN with errors")
    assert_summary_links_to_invalid_inputs(page, "error-summary")

    # the focus ring on the red header: the default blue one was 1.2:1 (WCAG 1.4.11 asks 3:1)
    page.focus(".site-header a.brand")
    assert page.locator(".site-header a.brand").evaluate(FOCUS_CONTRAST) >= 3

    # the citizen: the wizard with errors, the draft saved (a flash message), the dossier
    sign_in(world["citizen"].username)
    page.goto(f"{base}/nop-ho-so/1.001612/")  # the start page; its button opens the draft
    problems += audit(page, "wizard start page")
    page.click("main button[type=submit]")
    page.wait_for_url(re.compile(r".*/nguoi-nop/$"))
    page.fill("#id_applicant_address", "")
    submit_without_browser_checks(page, "button[name=next]:not(.wizard-default)")
    problems += audit(page, "wizard step 1 with errors")
    assert_summary_links_to_invalid_inputs(page, "error-summary")
    page.fill("#id_applicant_name", APPLICANT["name"])
    page.fill("#id_applicant_id_number", APPLICANT["id_number"])
    page.fill("#id_applicant_address", APPLICANT["address"])
    page.click("button[name=next]:not(.wizard-default)")
    page.wait_for_url(re.compile(r".*/thanh-phan/$"))
    page.click("button[name=next]:not(.wizard-default)")  # the required component is missing
    problems += audit(page, "wizard components with errors")
    assert_summary_links_to_invalid_inputs(page, "error-summary")
    assert page.locator(f"#error-summary a[href='#file_{world['components'][0].pk}']").count() == 1
    page.click("button[name=save_exit]")
    page.wait_for_url(re.compile(r".*/ho-so-cua-toi/$"))
    assert page.locator("[role=status] .messages li").count() == 1
    problems += audit(page, "my dossiers with a message")
    page.goto(f"{base}/ho-so-cua-toi/{dossier.code}/")
    problems += audit(page, "my dossier")

    # the one-stop officer: inbox, counter registration and an action with errors
    sign_in(world["officer"].username)
    page.goto(f"{base}/staff/")
    problems += audit(page, "staff inbox")
    page.goto(f"{base}/accounts/password/change/")
    submit_without_browser_checks(page, "main form button[type=submit]")
    problems += audit(page, "password change with errors")
    assert_summary_links_to_invalid_inputs(page, "error-summary")
    page.goto(f"{base}/staff/tiep-nhan/?agency=000.00.21.H26&procedure=1.001612")
    submit_without_browser_checks(page, "#counter-form > button[type=submit]")
    problems += audit(page, "counter registration with errors")
    assert_summary_links_to_invalid_inputs(page, "error-summary")
    page.goto(f"{base}/staff/dossiers/{dossier.code}/")
    problems += audit(page, "staff dossier")
    page.click("#act-refuse > summary")
    submit_without_browser_checks(page, "#act-refuse button[type=submit]")
    problems += audit(page, "staff dossier, refusal with errors")
    assert_summary_links_to_invalid_inputs(page, "action-error")

    # English chosen: the page says so
    page.goto(f"{base}/staff/dossiers/{dossier.code}/")
    with page.expect_navigation():
        page.select_option("#lang-select", "en")
    assert page.evaluate("document.documentElement.lang") == "en"
    assert page.locator("#lang-select option[value=vi]").get_attribute("lang") == "vi"
    problems += audit(page, "staff dossier in English")

    assert not problems, "\n".join(problems)
