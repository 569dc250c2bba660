import pytest

from motcua.catalog import demo

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.browser_context_args(locale="vi-VN"),
]


@pytest.mark.parametrize("query", ["dang ky ho kinh doanh", "Đăng ký hộ kinh doanh"])
def test_search_and_open_procedure(live_server, page, query):
    demo.load()
    page.goto(f"{live_server.url}/thu-tuc/")
    page.get_by_label("Từ khóa").fill(query)
    page.get_by_role("button", name="Tìm kiếm").click()
    page.wait_for_url("**/thu-tuc/?q=*")
    status = page.get_by_role("status")
    assert "Tìm thấy" in status.inner_text()
    result = page.get_by_role("link", name="Đăng ký thành lập hộ kinh doanh")
    assert result.count() == 1
    result.click()
    page.wait_for_url("**/thu-tuc/1.001612/")
    assert page.get_by_role("heading", level=1).inner_text() == "Đăng ký thành lập hộ kinh doanh"
    assert page.get_by_role("heading", name="Thành phần hồ sơ").is_visible()
    assert page.get_by_text("Giấy đề nghị đăng ký hộ kinh doanh").is_visible()
    assert page.locator("html").get_attribute("lang") == "vi"
