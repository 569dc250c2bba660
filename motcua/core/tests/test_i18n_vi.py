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
