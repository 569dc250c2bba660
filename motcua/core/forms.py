"""What every web form of the site shares: its text fields refuse the characters `core.text.bad_char` refuses."""

from django import forms

from .i18n import in_page_language
from .text import BadCharacters, check_chars


class TextCheck:
    """A field validator: the value holds no control, invisible formatting or noncharacter (core.text.bad_char);
    the message, in the page's language, does not name the field (it is shown beside it, and after its label in the
    error summary)."""

    def __init__(self, *, lines: bool):
        self.lines = lines

    def __call__(self, value):
        if not isinstance(value, str):
            return
        try:
            check_chars(value, None, lines=self.lines)
        except BadCharacters as exc:
            raise forms.ValidationError(in_page_language(exc), code="bad_characters") from exc

    def __eq__(self, other):
        return isinstance(other, TextCheck) and self.lines == other.lines


def check_text_fields(form: forms.BaseForm) -> None:
    """Give each text field of `form` (every CharField, EmailField…, but passwords) a TextCheck: a field with a
    Textarea is a text of several lines, any other a single-line value. Idempotent; fields added after the form's
    construction are covered when it is validated."""
    for field in form.fields.values():
        if not isinstance(field, forms.CharField) or isinstance(field.widget, forms.PasswordInput):
            continue
        if any(isinstance(v, TextCheck) for v in field.validators):
            continue
        field.validators.append(TextCheck(lines=isinstance(field.widget, forms.Textarea)))


class CheckedTextMixin:
    """For a Form: `check_text_fields` before validation (so fields a subclass adds in its own __init__ count)."""

    def full_clean(self):
        check_text_fields(self)
        super().full_clean()


class CheckedForm(CheckedTextMixin, forms.Form):
    """The base of the site's forms."""
