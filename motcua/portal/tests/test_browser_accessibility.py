"""The citizen portal as a citizen on a 360-px phone, a screen-reader user and a keyboard-only user meet it: plain
DOM checks in Chromium (no audit library), each for something that was wrong."""

import pytest

from motcua.dossiers import services as dossiers

from .test_browser import start_filing

# the live server, Chromium and the fixtures filed_world and sign_in: conftest.py at the top
pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 360, "height": 740}

# Every table's name: its caption, else the text of what aria-labelledby names, else aria-label.
TABLE_NAMES = """() => [...document.querySelectorAll('main table')].map(t => {
  if (t.caption) return t.caption.textContent.trim();
  const ids = (t.getAttribute('aria-labelledby') || '').split(/\\s+/).filter(Boolean);
  const text = ids.map(id => (document.getElementById(id) || {textContent: ''}).textContent).join(' ').trim();
  return text || (t.getAttribute('aria-label') || '').trim();
})"""

# th cells that say neither which column nor which row they head
TH_WITHOUT_SCOPE = (
    "() => [...document.querySelectorAll('main th:not([scope])')].map(th => th.textContent.trim())"
)


@pytest.fixture
def world(filed_world):
    """The citizen's dossier, received at the one-stop desk."""
    dossiers.dossier_act(code=filed_world["dossier"].code, action="receive", actor=filed_world["officer"])
    return filed_world


def test_a_table_wider_than_the_phone_scrolls_from_the_keyboard(live_server, page, world):
    """A table in a scrolling box (.table-scroll) hid its last columns from anyone without a mouse: the box took no
    focus, so the arrow keys could not scroll it (WCAG 2.1.1). On a phone it is now a tab stop named after its
    table; on a desktop where it fits it is none."""
    page.set_viewport_size(PHONE)
    page.goto(f"{live_server.url}/thong-ke/")
    box = page.locator(".table-scroll:has(table[aria-labelledby=h-by-field])")
    assert box.evaluate("b => b.scrollWidth > b.clientWidth")  # the table by field is wider than 360 px
    for _ in range(40):  # Tab from the top of the page until the box has the focus
        page.keyboard.press("Tab")
        if box.evaluate("b => b === document.activeElement"):
            break
    else:
        pytest.fail("the scrolling table is not reachable with Tab")
    assert box.get_attribute("role") == "group"
    assert (
        box.get_attribute("aria-label") == page.locator("#h-by-field").inner_text().strip()
    )  # its table's name
    assert box.evaluate("b => getComputedStyle(b).outlineStyle") != "none"  # the focus is seen
    page.keyboard.press("ArrowRight")
    page.keyboard.press("ArrowRight")
    page.wait_for_function("() => document.activeElement.scrollLeft > 0")
    assert page.evaluate("document.scrollingElement.scrollWidth") <= 360  # the page itself does not scroll

    page.set_viewport_size({"width": 1280, "height": 800})
    page.wait_for_function(
        "() => !document.querySelector('table[aria-labelledby=h-by-field]').parentElement.hasAttribute('tabindex')"
    )
    assert box.get_attribute("role") is None


def test_a_procedures_components_and_steps_read_as_blocks_on_a_phone(live_server, page, world):
    """Scrolled sideways, whether a paper was required and the link to its form were off the phone's screen: the
    procedure page's components and steps tables read as blocks of labelled cells there, and as tables on a desktop."""
    page.set_viewport_size(PHONE)
    page.goto(f"{live_server.url}/thu-tuc/1.001612/")
    for table in page.locator("table.stack-on-phone").all():
        box = table.locator("xpath=..")
        assert box.evaluate("b => b.scrollWidth <= b.clientWidth + 1")
    first = page.locator("table.stack-on-phone tbody td[data-label]").nth(1)
    assert first.evaluate("td => getComputedStyle(td, '::before').content").startswith('"Tên giấy tờ')
    page.set_viewport_size({"width": 1280, "height": 800})
    assert first.evaluate("td => getComputedStyle(td).display") == "table-cell"


def test_public_pages_fit_a_phone_and_name_their_tables(live_server, page, world):
    """At 360 px nothing scrolls sideways, the header's links are big enough to tap (they were 19 px tall), and each
    table says what it holds (the statistics by field and the procedure's versions had no name)."""
    page.set_viewport_size(PHONE)
    base = live_server.url
    for path in ("/", "/thu-tuc/", "/thu-tuc/1.001612/", "/tra-cuu/", "/thong-ke/", "/phan-anh/"):
        page.goto(f"{base}{path}")
        assert page.evaluate("document.scrollingElement.scrollWidth") <= 360, path
        names = page.evaluate(TABLE_NAMES)
        assert all(names), (path, names)
        assert page.evaluate(TH_WITHOUT_SCOPE) == [], path
        page.get_by_role(
            "button", name="Trình đơn"
        ).click()  # the links fold under the menu button on a phone
        heights = page.locator("header nav a").evaluate_all(
            "links => links.map(a => a.getBoundingClientRect().height)"
        )
        assert heights and min(heights) >= 24, (path, heights)
    page.goto(f"{base}/thong-ke/")
    assert "Theo lĩnh vực" in page.evaluate(TABLE_NAMES)


def test_the_header_folds_into_a_menu_on_a_phone(live_server, browser, page, world, sign_in):
    """At 360×740 the header took 257 px, a third of the screen, above every page: the links and the language
    wrapped over five rows. It is one row now, the site's name and a menu button that opens the links from the
    keyboard as from a thumb; a phone held sideways folds it too; a desktop's header does not change."""
    base = live_server.url
    page.set_viewport_size(PHONE)
    header = page.get_by_role("banner")
    toggle = header.get_by_role("button", name="Trình đơn")
    procedures = header.get_by_role("navigation", name="Điều hướng chính").get_by_role(
        "link", name="Thủ tục hành chính"
    )

    def header_height():
        return header.evaluate("h => h.getBoundingClientRect().height")

    for user, paths in [
        (None, ["/", "/thu-tuc/?q=h%E1%BB%99+kinh+doanh", "/tra-cuu/"]),
        ("congdan", ["/nop-ho-so/1.001612/nguoi-nop/"]),
        ("mc", ["/staff/"]),
    ]:
        if user:
            sign_in(user)
        for path in paths:
            page.goto(f"{base}{path}")
            assert header_height() < PHONE["height"] / 8, (path, header_height())
            assert toggle.get_attribute("aria-expanded") == "false" and not procedures.is_visible(), path

    # from the keyboard: Tab reaches the button, its focus is seen, Enter opens the menu, the links follow it
    page.goto(f"{base}/")
    for _ in range(5):
        page.keyboard.press("Tab")
        if toggle.evaluate("b => b === document.activeElement"):
            break
    else:
        pytest.fail("the menu button is not reachable with Tab")
    assert toggle.evaluate("b => getComputedStyle(b).outlineStyle") != "none"
    box = toggle.bounding_box()
    assert box["width"] >= 24 and box["height"] >= 24, box
    page.keyboard.press("Enter")
    assert toggle.get_attribute("aria-expanded") == "true"
    page.keyboard.press("Tab")
    assert procedures.evaluate("a => a === document.activeElement")
    links = header.get_by_role("navigation").get_by_role("link")
    assert links.count() == 8  # the header's pages, and the officer's own: my dossiers, change password
    for i in range(links.count()):
        assert links.nth(i).is_visible()
        assert links.nth(i).bounding_box()["height"] >= 24
    assert header.get_by_label("Ngôn ngữ").is_visible()
    assert page.evaluate("document.scrollingElement.scrollWidth") <= PHONE["width"]
    page.keyboard.press("Escape")  # closes the menu, the focus back on its button
    assert toggle.get_attribute("aria-expanded") == "false" and not procedures.is_visible()
    assert toggle.evaluate("b => b === document.activeElement")
    toggle.click()  # a tap opens it too, a link in it goes to its page
    with page.expect_navigation():
        procedures.click()
    assert page.url == f"{base}/thu-tuc/"

    page.set_viewport_size({"width": 740, "height": 360})  # sideways
    assert header_height() < 360 / 4, header_height()

    page.set_viewport_size({"width": 1280, "height": 800})  # a desktop: the links in the header, no button
    assert not toggle.is_visible() and procedures.is_visible()

    # without script (blocked, or not loaded yet) nothing is folded away behind a button that could not open it
    context = browser.new_context(viewport=PHONE, java_script_enabled=False)
    bare = context.new_page()
    bare.goto(f"{base}/")
    assert not bare.get_by_role("button", name="Trình đơn").is_visible()
    assert bare.get_by_role("banner").get_by_role("link", name="Thủ tục hành chính").is_visible()
    context.close()


def test_the_breadcrumb_does_not_touch_the_header(live_server, page, world, sign_in):
    """The breadcrumb, first in the page, sat flush under the red header (0 px between them on a phone as on a
    desktop): main's top padding lost to .wrap's."""
    sign_in("congdan")
    for viewport in (PHONE, {"width": 1280, "height": 800}):
        page.set_viewport_size(viewport)
        for path in ("/thu-tuc/1.001612/", "/nop-ho-so/1.001612/nguoi-nop/"):
            page.goto(f"{live_server.url}{path}")
            header = page.get_by_role("banner").bounding_box()
            crumbs = page.get_by_role("navigation", name="Đường dẫn").bounding_box()
            gap = crumbs["y"] - (header["y"] + header["height"])
            assert gap >= 8, (viewport, path, gap)


def test_the_file_inputs_are_a_thumbs_size(live_server, page, world, sign_in):
    """The components' file inputs kept the browser's 13 px type and were 21 px tall (WCAG 2.5.8 asks 24 px)."""
    page.set_viewport_size(PHONE)
    sign_in("congdan")
    start_filing(page, live_server.url)
    page.goto(f"{live_server.url}/nop-ho-so/1.001612/thanh-phan/")
    boxes = page.locator("main input[type=file]").evaluate_all(
        "inputs => inputs.map(i => [i.getBoundingClientRect().height, i.getBoundingClientRect().right])"
    )
    assert boxes and all(height >= 24 and right <= PHONE["width"] for height, right in boxes), boxes


def test_a_tables_caption_is_not_cut_at_the_phones_edge(live_server, page, world):
    """The statistics' rating tables are wider than a phone and scroll in their box; their captions, centred over
    the whole table, ran past the screen's right edge ("Lượt đánh giá theo m…")."""
    from django.utils import timezone

    from motcua.feedback.models import Rating

    Rating.objects.create(
        dossier=world["dossier"], user=world["citizen"], overall=4, created_at=timezone.now()
    )
    page.set_viewport_size(PHONE)
    page.goto(f"{live_server.url}/thong-ke/")
    captions = page.locator(".table-scroll caption").evaluate_all(
        """captions => captions.map(c => { const box = c.closest('.table-scroll').getBoundingClientRect();
             const text = document.createRange(); text.selectNodeContents(c);
             return [c.textContent.trim(), [...text.getClientRects()].every(r => r.left >= box.left && r.right <= box.right)]; })"""
    )
    assert len(captions) == 2 and all(seen for _, seen in captions), captions


def test_the_wizard_step_list_tells_a_keyboard_user_where_they_are(live_server, page, world, sign_in):
    """Tabbing through the step list, the open step's button says it is the current step (aria-current sat on its
    list item, which a focus does not announce); the radio buttons are a thumb's size, beside their label. The
    steps are buttons of the step's form (links dropped what was typed): what is typed is kept on the way, and Enter
    in a field still continues (checks the step) rather than going to step 1."""
    page.set_viewport_size(PHONE)
    sign_in("congdan")
    start_filing(page, live_server.url)
    page.goto(f"{live_server.url}/nop-ho-so/1.001612/nhan-ket-qua/")
    steps = page.get_by_role("list", name="Các bước nộp hồ sơ").get_by_role("button")
    assert steps.count() == 5
    current = page.locator(".steps button[aria-current=step]")
    assert current.count() == 1 and "Nhận kết quả" in current.inner_text()
    assert page.locator(".steps li[aria-current]").count() == 0
    page.get_by_label("Nhận qua dịch vụ bưu chính công ích").check()
    page.locator("[name=result_address]").fill("Số 5 Hàng Gai")
    current.focus()
    page.keyboard.press("Shift+Tab")  # back to step 3, still in the list
    assert page.evaluate("document.activeElement.closest('.steps') !== null")
    assert page.evaluate("document.activeElement.getAttribute('aria-current')") is None
    page.keyboard.press("Enter")
    page.wait_for_url("**/to-khai/")
    assert page.locator(".steps button[aria-current=step]").inner_text().endswith("Tờ khai")
    page.get_by_role("button", name="4 Nhận kết quả").click()
    page.wait_for_url("**/nhan-ket-qua/")
    assert page.locator("[name=result_address]").input_value() == "Số 5 Hàng Gai"  # kept on the way
    page.locator("[name=result_address]").fill("")
    page.locator("[name=result_address]").press("Enter")  # the step is checked: an address is needed by post
    page.wait_for_load_state()
    assert page.url.endswith("/nhan-ket-qua/") and page.locator("#error-summary").is_visible()
    # the heading reads as words, not "Nộp hồ sơ trực tuyếnĐăng ký…"
    assert "trực tuyến Đăng ký" in page.locator("h1").text_content()

    page.goto(f"{live_server.url}/nop-ho-so/1.001612/nhan-ket-qua/")
    radio = page.get_by_label("Nhận kết quả điện tử trên Cổng dịch vụ công")
    box = radio.bounding_box()
    assert box["width"] >= 24 and box["height"] >= 24
    label = page.locator(f"label[for='{radio.get_attribute('id')}']").bounding_box()
    assert label["x"] > box["x"] + box["width"] - 1  # beside the box, not under it
    assert label["y"] < box["y"] + box["height"]


def test_errors_are_read_from_the_field_that_has_the_focus(live_server, page, world):
    """A wrong password: the focus lands on the user name, which now is described by the message. A dossier code
    not found: the focus stayed on the page's top, away from the message and the field to correct."""
    base = live_server.url
    page.goto(f"{base}/accounts/login/")
    page.locator("input[name=username]").fill("congdan")
    page.locator("input[name=password]").fill("not-the-password")
    page.locator("main button[type=submit]").click()
    page.wait_for_load_state()
    described = page.evaluate(
        "() => { const a = document.activeElement; const id = a.getAttribute('aria-describedby');"
        " return [a.name, id && document.getElementById(id).textContent.trim()]; }"
    )
    assert described[0] == "username"
    assert "không đúng" in described[1]

    page.goto(f"{base}/tra-cuu/?ma=000.00.21.H26-261127-0099")
    described = page.evaluate(
        "() => { const a = document.activeElement;"
        " return [a.id, a.getAttribute('aria-invalid'), document.getElementById(a.getAttribute('aria-describedby')).textContent]; }"
    )
    assert described[0] == "ma" and described[1] == "true"
    assert "Không tìm thấy hồ sơ" in described[2]
