"""Django's own messages that its Vietnamese catalogue leaves in English are Vietnamese here (motcua/locale/vi):
a citizen who pastes a control character into a form reads why it was refused in Vietnamese."""

from django import forms
from django.utils import translation


class _Form(forms.Form):
    name = forms.CharField()


def test_framework_messages_missing_from_djangos_catalogue_are_vietnamese():
    with translation.override("vi"):
        form = _Form({"name": "Nguyễn\x00Văn A"})
        assert not form.is_valid()
        assert form.errors["name"] == ["Không được nhập ký tự rỗng (null)."]
        assert translation.gettext("That page contains no results") == "Trang này không có kết quả"
    with translation.override("en"):
        assert _Form({"name": "a\x00"}).errors["name"] == ["Null characters are not allowed."]


def test_the_admin_date_widgets_speak_vietnamese(admin_client):
    """The admin's JavaScript catalogue (calendar, date shortcuts, two-list selector) merges motcua/locale/vi's
    djangojs over Django's: the day names and the shortcuts' labels a screen reader reads are Vietnamese, and
    what Django's catalogue already had stays."""
    import json
    import re

    body = admin_client.get("/admin/jsi18n/").content.decode()
    catalog = json.loads(re.search(r"const newcatalog = (\{.*?\});\n", body, re.S).group(1))
    assert catalog["Monday"] == "Thứ Hai" and catalog["Sunday"] == "Chủ Nhật"
    assert catalog["Today (%(date)s)"] == "Hôm nay (%(date)s)"
    assert catalog["%(month)s %(day)s, %(year)s"] == "ngày %(day)s %(month)s năm %(year)s"
    assert catalog["Today"] == "Hôm nay" and catalog["January"] == "Tháng Một"  # Django's own
    # the note under a date or time field on a computer set to another time zone (a plural entry)
    behind = "Note: Enter times in the %(timezone)s timezone. (You are %(offset)s hour behind.)"
    assert catalog[behind][0].startswith("Lưu ý: nhập giờ theo múi giờ %(timezone)s")
