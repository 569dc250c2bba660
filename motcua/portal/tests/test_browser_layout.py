"""The page's frame (base.html, site.css) on a desktop and on a 360-px phone: the header's rows, main's padding, and
the staff pages' defects seen at those widths. Plain DOM measures in Chromium, each for something that was wrong."""

import pytest

from motcua.dossiers import services as dossiers

# the live server, Chromium and the fixtures filed_world and sign_in: conftest.py at the top
pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 360, "height": 740}
DESKTOP = {"width": 1280, "height": 800}


@pytest.fixture
def world(filed_world):
    """The citizen's dossier, received at the one-stop desk (the officer ``mc`` may act on it and upload to it)."""
    dossiers.dossier_act(code=filed_world["dossier"].code, action="receive", actor=filed_world["officer"])
    return filed_world


def test_the_desktop_header_is_two_rows(live_server, page, world, sign_in):
    """At 1280 px the header was 151 px signed out (the language alone on a third row) and 201 px signed in ("Đăng
    xuất (…)" wrapped to a row of its own). Now the site's name, the account's links and the language share the
    first row and the pages the second; every link stays a landmark's, a 24-px target, with its focus seen."""
    page.set_viewport_size(DESKTOP)
    header = page.get_by_role("banner")
    pages = header.get_by_role("navigation", name="Điều hướng chính")
    account = header.get_by_role("navigation", name="Tài khoản")
    language = header.get_by_label("Ngôn ngữ")

    def top(locator):
        return locator.bounding_box()["y"]

    for user, path, last in [
        (None, "/", account.get_by_role("link", name="Đăng ký")),
        ("mc", "/staff/", account.get_by_role("button", name="Đăng xuất (mc)")),
    ]:
        if user:
            sign_in(user)
        page.goto(f"{live_server.url}{path}")
        height = header.evaluate("h => h.getBoundingClientRect().height")
        assert height < 100, (path, height)
        brand = header.get_by_role("link", name="Một cửa điện tử")
        # the account's last item and the language on the site's name's row, the pages below it
        for item in (last, language):
            assert item.is_visible() and abs(top(item) - top(brand)) < 20, path
        assert top(pages.get_by_role("link").first) > top(brand) + 20, path
        targets = header.locator("a, button, select").evaluate_all(
            "els => els.filter(e => e.offsetParent).map(e => e.getBoundingClientRect().height)"
        )
        assert targets and min(targets) >= 24, (path, targets)
    assert pages.get_by_role("link", name="Xử lý hồ sơ").is_visible()

    # the keyboard: the site's name, then the pages, then the account and the language; the focus ring is seen
    page.goto(f"{live_server.url}/")
    brand.focus()
    page.keyboard.press("Tab")
    assert pages.get_by_role("link", name="Thủ tục hành chính").evaluate("a => a === document.activeElement")
    assert page.evaluate("getComputedStyle(document.activeElement).outlineStyle") != "none"


@pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=["phone", "desktop"])
def test_main_keeps_its_padding(live_server, page, world, sign_in, viewport):
    """main's 1 rem at the top and 3 rem at the foot never applied: .wrap's `padding: 0 1rem` (a class) overrode
    main's own (a type), so a page began right under the header and its last line sat on the footer's rule."""
    page.set_viewport_size(viewport)
    sign_in("mc")
    for path in (
        "/",
        "/thu-tuc/?q=kinh+doanh",
        "/staff/",
        f"/staff/dossiers/{world['dossier'].code}/",
        "/thong-ke/",
    ):
        page.goto(f"{live_server.url}{path}")
        main = page.locator("main")
        assert main.evaluate("m => [getComputedStyle(m).paddingTop, getComputedStyle(m).paddingBottom]") == [
            "16px",
            "48px",
        ], path
        assert main.evaluate("m => getComputedStyle(m).paddingLeft") == "16px", path  # the sides are .wrap's
        # the space between the content's last box and the footer is at least the 3 rem
        gap = main.evaluate(
            """m => { const last = [...m.querySelectorAll('*')].filter(e => e.offsetParent)
                       .reduce((b, e) => Math.max(b, e.getBoundingClientRect().bottom), 0);
                     return document.querySelector('footer').getBoundingClientRect().top - last; }"""
        )
        assert gap >= 48, (path, gap)


def test_the_inbox_search_hint_is_read_whole_on_a_phone(live_server, page, world, sign_in):
    """The inbox's search box carried its whole hint as a placeholder, cut at 360 px ("…(có hoặc khô"). The
    placeholder is short and fits; the whole hint is a help line under the box, the box's description."""
    page.set_viewport_size(PHONE)
    sign_in("mc")
    page.goto(f"{live_server.url}/staff/")
    box = page.get_by_role("searchbox", name="Tìm hồ sơ")
    room, needed = box.evaluate(
        """i => { const s = getComputedStyle(i); const c = document.createElement('canvas').getContext('2d');
                 c.font = `${s.fontWeight} ${s.fontSize} ${s.fontFamily}`;
                 return [i.clientWidth - parseFloat(s.paddingLeft) - parseFloat(s.paddingRight),
                         c.measureText(i.placeholder).width]; }"""
    )
    assert needed <= room, (needed, room)
    help_id = box.get_attribute("aria-describedby")
    assert help_id
    hint = page.locator(f"#{help_id}")
    assert hint.is_visible() and "có hoặc không dấu" in hint.inner_text()
    assert hint.bounding_box()["x"] + hint.bounding_box()["width"] <= PHONE["width"]
    # the button stays beside the box
    button = page.locator("form[role=search]").get_by_role("button", name="Tìm")
    assert abs(button.bounding_box()["y"] - box.bounding_box()["y"]) < 10


def test_the_inbox_tabs_are_one_row_on_a_phone_with_the_open_one_in_view(live_server, page, world, sign_in):
    """The inbox's five tabs took a row each at 360 px (about 200 px before the first dossier): they are one row
    that scrolls sideways, and the open tab — the last one here — is scrolled into view without moving the page."""
    page.set_viewport_size(PHONE)
    sign_in("mc")
    page.goto(f"{live_server.url}/staff/?tab=all")
    tabs = page.locator("nav ul.tabs")
    assert tabs.bounding_box()["height"] < 60, tabs.bounding_box()
    row = tabs.bounding_box()
    current = tabs.locator("[aria-current=page]").bounding_box()
    assert row["x"] <= current["x"] and current["x"] + current["width"] <= row["x"] + row["width"] + 1
    assert page.evaluate("window.scrollY") == 0
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]


def test_a_caption_does_not_leave_its_parenthesis_alone(live_server, page, world):
    """At 360 px "Điểm trung bình theo tiêu chí (thang 1–4)" broke after the en dash: "4)" alone on a line."""
    from django.utils import timezone

    from motcua.feedback.models import Rating

    Rating.objects.create(
        dossier=world["dossier"], user=world["citizen"], overall=4, created_at=timezone.now()
    )
    page.set_viewport_size(PHONE)
    page.goto(f"{live_server.url}/thong-ke/")
    caption = page.locator("caption", has_text="Điểm trung bình theo tiêu chí")
    lines = caption.evaluate(
        """c => { const t = c.firstChild, r = document.createRange(), lines = [];
                 for (let i = 0; i < t.length; i++) { r.setStart(t, i); r.setEnd(t, i + 1);
                   const box = r.getClientRects()[0]; if (!box) continue;
                   const last = lines[lines.length - 1];
                   if (!last || Math.abs(box.top - last.top) > 3) lines.push({top: box.top, text: ''});
                   lines[lines.length - 1].text += t.data[i]; }
                 return lines.map(l => l.text.trim()); }"""
    )
    assert len(lines) > 1  # the test means something only if the caption wraps
    assert any("(thang 1–4)" in line for line in lines), lines


def test_the_dossier_page_fits_a_phone_with_its_actions_open(live_server, page, world, sign_in):
    """On the dossier page, opening "Tải tài liệu lên" widened the page to 418 px on a 360-px phone: the column
    (1fr) took its least width from the file input."""
    page.set_viewport_size(PHONE)
    sign_in("mc")
    page.goto(f"{live_server.url}/staff/dossiers/{world['dossier'].code}/")
    summaries = page.locator("main details > summary")
    assert summaries.count() > 1
    for i in range(summaries.count()):
        summaries.nth(i).click()
    assert page.locator("main details[open]").count() == summaries.count()
    assert page.locator("main input[type=file]").count()
    assert page.evaluate("document.scrollingElement.scrollWidth") <= PHONE["width"]
