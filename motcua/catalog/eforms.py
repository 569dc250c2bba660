"""The electronic form (tờ khai điện tử) of a procedure version: its fields as the catalogue declares them
([{name, label, type, required, options?, help?, min?, max?, integer?}]), the Django form that checks what a
citizen or an officer enters, and the JSON the dossier keeps.

Numbers (`type: number`) are amounts, counts and areas: at least `min` (0 unless the field says otherwise; `null`
lifts the bound), at most `max` when given, whole numbers when `integer` is true. They are typed the Vietnamese way
(100.000.000 or 100 000 000, 2,5) or as plain digits (2.5 as a JSON number is written); an exponent, infinity or
NaN is no number a form asks for."""

import datetime as dt
import json
import math
import re
from decimal import Decimal, InvalidOperation

from django import forms
from django.core.exceptions import ValidationError
from django.utils import translation
from django.utils.translation import gettext_lazy as _

from motcua.core import strictjson
from motcua.core.forms import CheckedForm
from motcua.core.i18n import in_page_language
from motcua.core.text import fold, nfc, nfc_lines
from motcua.dossiers.validators import IdentifierError, clean_phone

DATE_FORMATS = ["%d/%m/%Y", "%Y-%m-%d"]
REQUIRED = {"required": _("Vui lòng nhập thông tin này.")}
CHOOSE = {"required": _("Vui lòng chọn một mục.")}  # a list or a set of options: nothing to type
NUMBER_MIN_DEFAULT = Decimal(0)


FORM_FIELD_TYPES = {"text", "textarea", "number", "date", "email", "tel", "select", "checkbox"}
_NAME = re.compile(r"^[a-z][a-z0-9_]{0,62}$")


# --- the definition: what the catalogue may declare, and what the e-form code can read ---------------------------


def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return nfc(str(value))


def yes_no(value, column: str, default: bool, errors: list) -> bool:
    """A yes/no cell as catalogues write it (true/false, 1/0, có/không, x, bắt buộc…); an unreadable one appends
    a bilingual (vi, en) error to `errors` and gives `default`. Shared by the catalogue import."""
    if value is None or value == "":
        return default
    if isinstance(value, bool):
        return value
    if isinstance(value, (int, float)) and value in (0, 1):
        return bool(value)
    f = fold(str(value))
    if f in ("true", "1", "yes", "co", "x", "bat buoc"):
        return True
    if f in ("false", "0", "no", "khong", "khong bat buoc"):
        return False
    errors.append(
        (f"'{column}' phải là có/không (nhận được '{value}').", f"'{column}' must be yes/no (got '{value}').")
    )
    return default


def _is_number(value) -> bool:
    return not isinstance(value, bool) and isinstance(value, (int, float)) and math.isfinite(value)


def _number_limits(item: dict, i: int, errors: list) -> dict:
    """`min` (a number, or null for no lower bound; 0 when absent), `max` and `integer` of a number field."""
    out: dict = {}
    for key in ("min", "max"):
        if key not in item or (key == "max" and item[key] is None):
            continue
        value = item[key]
        if value is not None and not _is_number(value):
            errors.append(
                (
                    f"Trường tờ khai thứ {i}: '{key}' phải là một số.",
                    f"Form field #{i}: '{key}' must be a number.",
                )
            )
            continue
        out[key] = value
    low, high = out.get("min", 0), out.get("max")
    if low is not None and high is not None and low > high:
        errors.append(
            (
                f"Trường tờ khai thứ {i}: 'min' lớn hơn 'max'.",
                f"Form field #{i}: 'min' is greater than 'max'.",
            )
        )
    if "integer" in item:
        out["integer"] = yes_no(item.get("integer"), f"form_fields[{i}].integer", False, errors)
    return out


def check_form_fields(value) -> tuple[list[dict], list[tuple[str, str]]]:
    """Check an e-form definition (a JSON list, or its text) as the catalogue import and the admin take it: each
    field an object with a `name` (lower-case ASCII, digits, underscores; unique), a `label`, a supported `type`
    (text when absent), `required` yes/no, `options` (a non-empty list) for a select, numeric `min`/`max` and
    yes/no `integer` for a number. Returns (the normalised definition, errors as (vi, en))."""
    errors: list[tuple[str, str]] = []
    if value in (None, "", []):
        return [], errors
    if isinstance(value, str):
        try:
            value = strictjson.loads(value)
        except ValueError:
            return [], [("'form_fields' phải là danh sách JSON.", "'form_fields' must be a JSON list.")]
    if not isinstance(value, list):
        return [], [("'form_fields' phải là danh sách.", "'form_fields' must be a list.")]
    out, names = [], set()
    for i, item in enumerate(value, 1):
        if not isinstance(item, dict):
            errors.append((f"Trường tờ khai thứ {i} không hợp lệ.", f"Form field #{i} is invalid."))
            continue
        name = _text(item.get("name"))
        if not _NAME.match(name):
            errors.append(
                (
                    f"Trường tờ khai thứ {i}: tên '{name}' phải gồm chữ thường không dấu, số, gạch dưới.",
                    f"Form field #{i}: name '{name}' must be lower-case ASCII letters, digits and underscores.",
                )
            )
        elif name in names:
            errors.append((f"Trường tờ khai '{name}' bị trùng.", f"Form field '{name}' is duplicated."))
        names.add(name)
        label = _text(item.get("label"))
        if not label:
            errors.append((f"Trường tờ khai thứ {i} thiếu nhãn.", f"Form field #{i} has no label."))
        kind = _text(item.get("type")) or "text"
        if kind not in FORM_FIELD_TYPES:
            errors.append(
                (
                    f"Trường tờ khai thứ {i}: kiểu '{kind}' không hỗ trợ ({', '.join(sorted(FORM_FIELD_TYPES))}).",
                    f"Form field #{i}: unsupported type '{kind}'.",
                )
            )
        entry = {
            "name": name,
            "label": label,
            "type": kind,
            "required": yes_no(item.get("required"), f"form_fields[{i}].required", False, errors),
        }
        if item.get("help"):
            entry["help"] = _text(item.get("help"))
        if kind == "number":
            entry.update(_number_limits(item, i, errors))
        if kind == "select":
            options = item.get("options")
            if (
                not isinstance(options, list)
                or not options
                or any(isinstance(o, (dict, list)) for o in options)
            ):
                errors.append(
                    (f"Trường chọn thứ {i} cần danh sách 'options'.", f"Select field #{i} needs 'options'.")
                )
            else:
                entry["options"] = [_text(o) for o in options]
        out.append(entry)
    return out, errors


def usable_fields(value) -> list[dict]:
    """The fields of a stored definition that the e-form code can use, whatever was stored (a definition saved
    before it was checked, or edited in the database): an object with a text name, a supported type, a list of
    options for a select and numeric bounds for a number; anything else is left out, so a broken definition never
    turns filing, the wizard or a dossier page into a server error. A field without a label shows its name."""
    if not isinstance(value, list):
        return []
    out, names = [], set()
    for item in value:
        if not isinstance(item, dict):
            continue
        name = item.get("name")
        kind = item.get("type") or "text"
        if not isinstance(name, str) or not name or name in names or kind not in FORM_FIELD_TYPES:
            continue
        if kind == "select" and (
            not isinstance(item.get("options"), list)
            or any(isinstance(o, (dict, list)) for o in item["options"])
        ):
            continue
        if kind == "number" and any(
            key in item and item[key] is not None and not _is_number(item[key]) for key in ("min", "max")
        ):
            continue
        names.add(name)
        out.append(item)
    return out


def phone_validator(value: str) -> str:
    """A phone number as the applicant's is checked on every channel (dossiers.validators.clean_phone: a mobile, a
    landline with its area code such as 02438123456, or +84…/international), as written."""
    try:
        return clean_phone(value)
    except IdentifierError as exc:
        raise ValidationError(in_page_language(exc), code="phone") from exc


# How people write a number on a Vietnamese form: dots (or spaces) between groups of three digits, a comma before
# the decimals — 100.000.000, 100 000 000, 2,5, 1.250,75 — or plain digits with a decimal point, as JSON writes it
# (2.5). A single dot followed by exactly three digits groups thousands (1.000 is one thousand). Many people also
# type amounts the English way, as banks and shops print them: commas between groups of three, a dot before the
# decimals (1,000,000, 1,250.75) — a shape the Vietnamese way cannot have, so it is read as written. One comma
# followed by exactly three digits (250,000) is both "250" the Vietnamese way and "250 thousand" the English way: a
# whole-number field (an amount in đồng, a count) reads it as thousands, since nobody writes ",000" after a whole
# number; a field with decimals keeps the Vietnamese reading (2,125 m² is two and an eighth).
_SPACES = re.compile(r"[\s\u00a0\u202f]+")
_VN_GROUPED = re.compile(r"^([+-]?)(\d{1,3}(?:\.\d{3})+)(?:,(\d+))?$", re.ASCII)
_VN_SPACED = re.compile(r"^([+-]?)(\d{1,3}(?: \d{3})+)(?:,(\d+))?$", re.ASCII)
_VN_COMMA = re.compile(r"^([+-]?)(\d+)(?:,(\d+))?$", re.ASCII)
_PLAIN = re.compile(r"^([+-]?)(\d+)(?:\.(\d+))?$", re.ASCII)
_EN_GROUPED = re.compile(r"^([+-]?)(\d{1,3}(?:,\d{3})+)(?:\.(\d+))?$", re.ASCII)


def parse_number(text: str, *, whole: bool = False) -> Decimal | None:
    """A number typed on a form, or None when it is not one (an exponent, inf, nan, two decimal marks …). `whole`:
    the field takes whole numbers only, so "250,000" is two hundred and fifty thousand (see above)."""
    value = _SPACES.sub(" ", str(text)).strip()
    shapes = ((_VN_GROUPED, "."), (_VN_SPACED, " "), (_VN_COMMA, None), (_PLAIN, None))
    en = _EN_GROUPED.match(value)
    if en and (whole or en.group(3) is not None or en.group(2).count(",") > 1):
        shapes = ((_EN_GROUPED, ","),)
    for pattern, group in shapes:
        m = pattern.match(value)
        if m:
            sign, digits, frac = m.groups()
            digits = digits.replace(group, "") if group else digits
            return Decimal(f"{sign}{digits}.{frac}" if frac else f"{sign}{digits}")
    return None


def stored_number(value):
    """A number as JSON keeps it — a JSON number, or text in plain notation ("2.5", "100000000", what the wizard
    stores) — as a Decimal; anything else as it is (text typed the Vietnamese way is read by parse_number)."""
    if isinstance(value, bool) or value is None:
        return value
    if isinstance(value, (int, float, Decimal)):
        return Decimal(str(value))
    if isinstance(value, str) and _PLAIN.match(value.strip()):
        return Decimal(value.strip())
    return value


def number_text(value) -> str:
    """A number as the form shows it back (Vietnamese, ungrouped decimals): 100.000.000, 2,5 — read back by
    parse_number as the same number."""
    if not isinstance(value, Decimal):
        return "" if value is None else str(value)
    whole, _sep, frac = _plain(value).partition(".")
    sign = "-" if whole.startswith("-") else ""
    grouped_whole = f"{int(whole.lstrip('-')):,}".replace(",", ".")
    return sign + grouped_whole + (f",{frac}" if frac else "")


class NumberInput(forms.TextInput):
    """A text box (not <input type=number>, which drops "100.000.000" in the browser) with the numeric keyboard;
    what the citizen typed is shown back as typed when it is refused."""

    input_type = "text"

    def __init__(self, attrs=None):
        super().__init__({"inputmode": "decimal", "autocomplete": "off", **(attrs or {})})

    def format_value(self, value):
        return number_text(value) if isinstance(value, Decimal) else super().format_value(value)


def _typed_number(field: forms.Field, value, *, whole: bool) -> Decimal:
    """A number field's value as typed (parse_number), or the field's "invalid" refusal."""
    number = parse_number(value, whole=whole)
    if number is None or not number.is_finite():
        raise ValidationError(field.error_messages["invalid"], code="invalid")
    return number


class VietnameseNumberField(forms.DecimalField):
    widget = NumberInput

    def __init__(self, *args, whole: bool = False, **kwargs):
        self.whole = whole
        super().__init__(*args, **kwargs)

    def widget_attrs(self, widget):
        attrs = super().widget_attrs(widget)
        attrs.pop("step", None)
        attrs.pop("min", None)
        attrs.pop("max", None)
        if self.whole:
            attrs["inputmode"] = "numeric"
        return attrs

    def to_python(self, value):
        if value in self.empty_values:
            return None
        if isinstance(value, Decimal):
            if not value.is_finite():
                raise ValidationError(self.error_messages["invalid"], code="invalid")
            number = value
        else:
            number = _typed_number(self, value, whole=self.whole)
        if self.whole and number == number.to_integral_value():
            number = number.to_integral_value()  # 12,0 workers are 12 (quantize fails past 28 digits)
        return number


class WholeNumberField(forms.IntegerField):
    """A count typed the way people type it: "1.000" (Vietnamese grouping) or "1,000" (English) is a thousand.
    Django's IntegerField read "1.000" as 1 (it drops a trailing ".000" as decimals), so a thousand households
    visited were stored as one."""

    def widget_attrs(self, widget):
        attrs = super().widget_attrs(widget)
        attrs["inputmode"] = "numeric"
        return attrs

    def to_python(self, value):
        if value in self.empty_values:
            return None
        if isinstance(value, int):
            return value
        number = _typed_number(self, str(value), whole=True)
        if number != number.to_integral_value():
            raise ValidationError(self.error_messages["invalid"], code="invalid")
        return int(number)


def _bound(value) -> Decimal | None:
    return None if value is None else Decimal(str(value))


def number_bounds(spec: dict) -> tuple[Decimal | None, Decimal | None]:
    """(min, max) of a number field: min 0 unless the spec gives one (null: no lower bound)."""
    low = _bound(spec["min"]) if "min" in spec else NUMBER_MIN_DEFAULT
    return low, _bound(spec.get("max"))


def _number_field(spec: dict, common: dict) -> forms.DecimalField:
    low, high = number_bounds(spec)
    whole = bool(spec.get("integer"))
    messages = {
        **REQUIRED,
        "invalid": _("Vui lòng nhập một số, ví dụ 100.000.000 hoặc 2,5.")
        if not whole
        else _("Vui lòng nhập một số nguyên, ví dụ 12 hoặc 1.500."),
        "max_decimal_places": _("Vui lòng nhập số nguyên.") if whole else _("Tối đa 4 chữ số thập phân."),
        "max_digits": _("Số quá dài: tối đa %(max)s chữ số."),
        "max_whole_digits": _("Số quá lớn: phần nguyên tối đa %(max)s chữ số."),
    }
    validators = []
    if low is not None:
        messages["min_value"] = _("Giá trị phải từ %(limit)s trở lên.") % {"limit": _plain(low)}
        if low >= 0:  # "-0" is equal to 0, but a minus sign where none is allowed is a typing mistake
            validators.append(_unsigned(messages["min_value"]))
    if high is not None:
        messages["max_value"] = _("Giá trị không được lớn hơn %(limit)s.") % {"limit": _plain(high)}
    return VietnameseNumberField(
        whole=whole,
        max_digits=20,
        decimal_places=0 if whole else 4,
        min_value=low,
        max_value=high,
        validators=validators,
        **{**common, "error_messages": messages},
    )


def _unsigned(message: str):
    def validate(value: Decimal) -> None:
        if value is not None and value == 0 and value.is_signed():
            raise ValidationError(message, code="min_value")

    return validate


def build_eform(fields: list[dict]) -> type[forms.Form]:
    """A Django form for the version's e-form fields."""
    attrs: dict = {}
    for f in usable_fields(fields):
        name, label = f.get("name"), f.get("label") or f.get("name")
        if not name:
            continue
        required = bool(f.get("required"))
        common = {
            "label": label,
            "required": required,
            "help_text": f.get("help", ""),
            "error_messages": REQUIRED,
        }
        kind = f.get("type") or "text"
        if kind == "textarea":
            field = forms.CharField(max_length=5000, widget=forms.Textarea(attrs={"rows": 4}), **common)
        elif kind == "number":
            field = _number_field(f, common)
        elif kind == "date":
            field = forms.DateField(
                input_formats=DATE_FORMATS,
                widget=forms.DateInput(
                    attrs={"placeholder": "dd/mm/yyyy", "inputmode": "numeric", "autocomplete": "off"},
                    format="%d/%m/%Y",
                ),
                **{**common, "error_messages": {**REQUIRED, "invalid": _("Ngày không hợp lệ (dd/mm/yyyy).")}},
            )
        elif kind == "email":
            field = forms.EmailField(
                max_length=254,
                widget=forms.EmailInput(attrs={"autocomplete": "email"}),
                **{**common, "error_messages": {**REQUIRED, "invalid": _("Thư điện tử không hợp lệ.")}},
            )
        elif kind == "tel":
            # the phone's keypad, and the citizen's number offered by the browser
            field = forms.CharField(
                max_length=20,
                validators=[phone_validator],
                widget=forms.TextInput(attrs={"type": "tel", "inputmode": "tel", "autocomplete": "tel"}),
                **common,
            )
        elif kind == "select":
            options = [str(o) for o in f.get("options") or []]
            field = forms.ChoiceField(
                choices=[("", _("— Chọn —"))] + [(o, o) for o in options],
                **{**common, "error_messages": {**CHOOSE, "invalid_choice": _("Lựa chọn không hợp lệ.")}},
            )
        elif kind == "checkbox":
            field = forms.BooleanField(**common)
        else:
            field = forms.CharField(max_length=500, **common)
        attrs[name] = field
    return type("EForm", (CheckedForm,), attrs)


def _plain(value: Decimal) -> str:
    """A Decimal without exponent or trailing zeros: 50000000, 2.5."""
    return format(value.normalize(), "f") if value == value.to_integral_value() else str(value)


def multiline_names(fields: list[dict]) -> set[str]:
    """The names of the e-form's fields of several lines (`textarea`): their line breaks are kept."""
    return {f["name"] for f in usable_fields(fields) if f.get("type") == "textarea"}


def kept_text(value: str, multiline: bool) -> str:
    """Typed text as a dossier keeps it: NFC; a text of several lines keeps its line breaks (`nfc_lines`), a
    single-line value has its whitespace collapsed (`nfc`)."""
    return nfc_lines(value) if multiline else nfc(value)


def eform_to_json(cleaned: dict, fields: list[dict] | None = None) -> dict:
    """The wizard's cleaned values as the dossier keeps them (dates ISO, a whole-number field's value as a JSON
    integer — as an API client and the demo send a count or an amount in đồng —, other numbers in plain notation,
    text in NFC; the line breaks of the `fields`' text areas kept)."""
    lines = multiline_names(fields or [])
    whole = {f["name"] for f in usable_fields(fields or []) if f.get("type") == "number" and f.get("integer")}
    out = {}
    for key, value in cleaned.items():
        if isinstance(value, dt.date):
            out[key] = value.isoformat()
        elif isinstance(value, Decimal) and key in whole and value == value.to_integral_value():
            out[key] = int(value)
        elif isinstance(value, Decimal):
            out[key] = _plain(value)
        elif isinstance(value, str):
            out[key] = kept_text(value, key in lines)
        else:
            out[key] = value
    return out


def eform_initial(fields: list[dict], data: dict) -> dict:
    """Stored JSON back to the values of the form: numbers kept in plain notation as Decimals (shown the Vietnamese
    way); text a citizen saved without it being a number stays as typed."""
    initial = dict(data if isinstance(data, dict) else {})
    for f in usable_fields(fields):
        if f.get("type") == "number" and initial.get(f.get("name")) not in (None, ""):
            initial[f["name"]] = stored_number(initial[f["name"]])
    return initial


def eform_draft_values(fields: list[dict], raw: dict) -> dict:
    """What a citizen typed, kept in a draft without checking ("save and exit"): a number that reads as one is
    kept in plain notation (so 1.125, one thousand one hundred and twenty-five, is not read back as 1,125);
    anything else as typed, to be corrected later."""
    numbers = {
        f.get("name"): bool(f.get("integer")) for f in usable_fields(fields) if f.get("type") == "number"
    }
    out = {}
    for key, value in raw.items():
        number = parse_number(value, whole=numbers[key]) if key in numbers and value else None
        out[key] = _plain(number) if number is not None and number.is_finite() else value
    return out


def _as_input(value, spec: dict):
    """A JSON value as the form field reads it (an API client sends numbers and booleans as JSON; text is
    compared in NFC, as it is kept). For a number field, a JSON number or text in plain notation is that number
    (1.125 is one and an eighth, as JSON writes it); other text is read the Vietnamese way (100.000.000)."""
    if isinstance(value, bool) or value is None:
        return value
    if spec.get("type") == "number":
        value = stored_number(value)
        if isinstance(value, Decimal):
            return value
    if isinstance(value, (int, float, Decimal)):
        return str(value)
    return nfc(value) if isinstance(value, str) else value


def clean_form_data(fields: list[dict], data: dict) -> tuple[dict, list[tuple[str, str]]]:
    """Check the values given for the version's declared e-form fields (filings through the API, at the counter
    and by a community team; the portal's wizard also requires the required ones, step by step). Returns (data to
    keep, errors as (field label, message)). What was filed is kept as it was sent — a JSON number stays a number,
    a key the e-form does not declare stays — with its text in NFC; only a value that does not fit is refused."""
    declared = {f["name"]: f for f in usable_fields(fields)}
    if not declared or not data:
        return dict(data or {}), []
    given = {k: _as_input(v, declared[k]) for k, v in data.items() if k in declared}
    nested = [k for k, v in given.items() if isinstance(v, (dict, list))]
    if nested:
        message = str(_("Giá trị phải là chữ, số, ngày hoặc có/không."))
        return {}, [(declared[k].get("label") or k, message) for k in nested]
    form = build_eform([{**declared[k], "required": False} for k in given])(
        {k: ("on" if v else "") if isinstance(v, bool) else v for k, v in given.items()}
    )
    if not form.is_valid():
        errors = []
        for name, messages in form.errors.items():
            label = declared.get(name, {}).get("label") or name
            errors.extend((label, str(m)) for m in messages)
        return {}, errors
    # a declared single-line value in NFC; a text area's, and a key the e-form does not declare (a client's own
    # note, say), keep their line breaks
    single = {k for k, f in declared.items() if f.get("type") != "textarea"}
    return {k: kept_text(v, k not in single) if isinstance(v, str) else v for k, v in data.items()}, []


def grouped(value: Decimal) -> str:
    """50000000 → '50.000.000', 12.5 → '12,5' (Vietnamese); '50,000,000' and '12.5' for a reader in English."""
    whole, _sep, frac = format(value.normalize(), "f").partition(".")
    sign = "-" if whole.startswith("-") else ""
    digits = whole.lstrip("-")
    groups = f"{int(digits):,}"
    if (translation.get_language() or "vi").startswith("en"):
        return sign + groups + (f".{frac}" if frac else "")
    return sign + groups.replace(",", ".") + (f",{frac}" if frac else "")


# Keys the filing screens add beside a version's declared fields (the portal wizard and the community team's
# filing): shown with a label, not the key.
RESULT_ADDRESS = "dia_chi_nhan_ket_qua"  # the postal address for the result, when the result goes by post
NOTE = "noi_dung"  # a free note to the one-stop unit (the community team's filing)
EXTRA_LABELS = {
    RESULT_ADDRESS: _("Địa chỉ nhận kết quả qua bưu chính"),
    NOTE: _("Ghi chú của người nộp"),
}


def eform_rows(fields: list[dict], data: dict) -> list[tuple[str, str]]:
    """(label, text) of what the dossier's e-form holds, for the dossier pages: the declared fields in their
    order (those left empty shown as "—"), then any other key as filed. Dates as dd/mm/yyyy, numbers grouped in
    the reader's language, checkboxes as yes/no."""
    data = data if isinstance(data, dict) else {}
    rows: list[tuple[str, str]] = []
    declared = usable_fields(fields)
    for f in declared:
        value = data.get(f["name"])
        kind = f.get("type") or "text"
        if value in (None, ""):
            text = "—"
        elif kind == "checkbox":
            text = str(_("Có") if value is True else _("Không"))
        elif kind == "date":
            try:
                text = dt.date.fromisoformat(str(value)).strftime("%d/%m/%Y")
            except ValueError:
                text = str(value)
        elif kind == "number":
            try:
                text = grouped(Decimal(str(value)))
            except InvalidOperation:  # text an API client sent as typed ("250,000,000", "1.000.000"): as read
                number = parse_number(str(value), whole=bool(f.get("integer")))
                text = grouped(number) if number is not None and number.is_finite() else str(value)
        else:
            text = str(value)
        rows.append((f.get("label") or f["name"], text))
    names = {f["name"] for f in declared}
    for key, value in data.items():
        if key not in names and value not in (None, "", [], {}):
            label = str(EXTRA_LABELS[key]) if key in EXTRA_LABELS else key
            rows.append((label, value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)))
    return rows
