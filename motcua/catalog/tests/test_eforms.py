"""The procedure version's e-form: bounds on numbers, and the check of values filed through the API."""

from decimal import Decimal

from django.utils import translation

from motcua.catalog.eforms import (
    build_eform,
    clean_form_data,
    eform_draft_values,
    eform_initial,
    eform_rows,
    eform_to_json,
    grouped,
)

FIELDS = [
    {"name": "ten", "label": "Tên hộ kinh doanh", "type": "text", "required": True},
    {
        "name": "von",
        "label": "Vốn kinh doanh (đồng)",
        "type": "number",
        "required": True,
        "min": 1,
        "integer": True,
    },
    {"name": "dien_tich", "label": "Diện tích (m²)", "type": "number"},
    {"name": "chenh_lech", "label": "Chênh lệch", "type": "number", "min": None, "max": 100},
    {"name": "ngay", "label": "Ngày bắt đầu", "type": "date"},
    {"name": "loai", "label": "Loại hình", "type": "select", "options": ["Bán lẻ", "Dịch vụ"]},
    {"name": "cam_ket", "label": "Cam kết", "type": "checkbox"},
]


def _errors(data):
    with translation.override("vi"):
        return clean_form_data(FIELDS, data)[1]


def test_numbers_are_bounded_and_whole_where_declared():
    assert _errors({"von": 50_000_000, "dien_tich": "12.5", "chenh_lech": -3}) == []
    assert _errors({"dien_tich": -1}) == [("Diện tích (m²)", "Giá trị phải từ 0 trở lên.")]  # 0 by default
    assert _errors({"von": 0}) == [("Vốn kinh doanh (đồng)", "Giá trị phải từ 1 trở lên.")]
    for minus_zero in ("-0", "-0.00", -0.0):  # equal to 0, but the minus sign is a typing mistake
        assert _errors({"dien_tich": minus_zero}) == [("Diện tích (m²)", "Giá trị phải từ 0 trở lên.")]
    assert _errors({"dien_tich": "0", "chenh_lech": "-0"}) == []  # no lower bound: any sign
    assert _errors({"von": "2.5"}) == [("Vốn kinh doanh (đồng)", "Vui lòng nhập số nguyên.")]
    assert _errors({"von": "nhiều"}) == [
        ("Vốn kinh doanh (đồng)", "Vui lòng nhập một số nguyên, ví dụ 12 hoặc 1.500.")
    ]
    assert _errors({"dien_tich": "nhiều"}) == [
        ("Diện tích (m²)", "Vui lòng nhập một số, ví dụ 100.000.000 hoặc 2,5.")
    ]
    assert _errors({"chenh_lech": 101}) == [("Chênh lệch", "Giá trị không được lớn hơn 100.")]
    with translation.override("en"):
        assert clean_form_data(FIELDS, {"dien_tich": -1})[1] == [
            ("Diện tích (m²)", "The value must be 0 or more.")
        ]


def test_the_portal_form_gets_the_same_bounds():
    form = build_eform(FIELDS)({"ten": "Hộ An", "von": "-5"})
    assert not form.is_valid() and "von" in form.errors
    html = str(form["von"])
    # a text box with the numeric keyboard: <input type=number> drops "100.000.000" in the browser
    assert 'type="text"' in html and 'inputmode="numeric"' in html and 'value="-5"' in html
    assert "Giá trị phải từ 1 trở lên." in str(form.errors["von"])
    assert 'inputmode="decimal"' in str(build_eform(FIELDS)()["dien_tich"])


def test_what_was_filed_is_kept_as_sent_once_it_fits():
    decomposed = "Dịch vụ".replace("ị", "i\u0323")  # the same text, not in NFC
    filed = {
        "von": 50000000,
        "dien_tich": 12.50,
        "ngay": "26/11/2026",
        "loai": decomposed,
        "cam_ket": True,
        "ghi_chu": {"tu_do": "không khai báo trong tờ khai"},
    }
    data, errors = clean_form_data(FIELDS, filed)
    assert errors == []
    assert data == {**filed, "loai": "Dịch vụ"}  # numbers stay numbers; text in NFC
    assert type(data["von"]) is int and data is not filed


def test_a_text_area_keeps_its_lines_whatever_the_channel():
    """What an applicant wrote on several lines (a description, a list of goods) is kept on several lines — through
    the API, the wizard and a client's own key; a single-line field's whitespace is collapsed as before."""
    fields = [*FIELDS, {"name": "mo_ta", "label": "Mô tả ngành nghề", "type": "textarea"}]
    typed = "Bán lẻ tạp hoá;\r\n  Dịch vụ   ăn uống\n\n- đồ uống "
    lines = "Bán lẻ tạp hoá;\nDịch vụ ăn uống\n- đồ uống"
    data, errors = clean_form_data(fields, {"mo_ta": typed, "ten": "Hộ  An\nPhát", "ghi_chu": "a\nb"})
    assert errors == []
    assert data == {"mo_ta": lines, "ten": "Hộ An Phát", "ghi_chu": "a\nb"}
    form = build_eform(fields)({"mo_ta": typed, "ten": "Hộ An", "von": "1"})
    assert form.is_valid(), form.errors
    kept = eform_to_json(form.cleaned_data, fields)
    assert kept["mo_ta"] == lines and kept["ten"] == "Hộ An"
    assert dict(eform_rows(fields, kept))["Mô tả ngành nghề"] == lines


def test_a_declared_field_takes_no_list_or_object():
    assert _errors({"ten": ["Hộ An"], "von": {"so": 1}}) == [
        ("Tên hộ kinh doanh", "Giá trị phải là chữ, số, ngày hoặc có/không."),
        ("Vốn kinh doanh (đồng)", "Giá trị phải là chữ, số, ngày hoặc có/không."),
    ]


def test_wrong_choices_dates_and_checkboxes_are_refused():
    errors = _errors({"loai": "Sản xuất", "ngay": "31/02/2026"})
    assert sorted(errors) == [
        ("Loại hình", "Lựa chọn không hợp lệ."),
        ("Ngày bắt đầu", "Ngày không hợp lệ (dd/mm/yyyy)."),
    ]
    assert clean_form_data(FIELDS, {"cam_ket": False}) == ({"cam_ket": False}, [])


def test_without_a_declared_e_form_the_data_is_kept_as_given():
    assert clean_form_data([], {"noi_dung": "Nộp hộ", "so": -1}) == ({"noi_dung": "Nộp hộ", "so": -1}, [])


def test_amounts_are_grouped_in_the_readers_language():
    with translation.override("vi"):
        assert [grouped(Decimal(v)) for v in ("50000000", "12.50", "-1234.5", "0", "5E+3")] == [
            "50.000.000",
            "12,5",
            "-1.234,5",
            "0",
            "5.000",
        ]
    with translation.override("en"):
        assert grouped(Decimal("1234567.25")) == "1,234,567.25"


def _number(text, *, field="dien_tich"):
    form = build_eform(FIELDS)({"ten": "Hộ An", "von": "1", field: text})
    return form.cleaned_data[field] if form.is_valid() else form.errors[field][0]


def test_numbers_typed_the_vietnamese_way():
    for typed, value in [
        ("100.000.000", Decimal("100000000")),
        ("100 000 000", Decimal("100000000")),
        ("100\u00a0000\u00a0000", Decimal("100000000")),
        ("2,5", Decimal("2.5")),
        ("1.250,75", Decimal("1250.75")),
        ("1.000", Decimal("1000")),
        ("2.5", Decimal("2.5")),  # plain notation, as JSON writes it
        ("  42 ", Decimal("42")),
        ("0", Decimal("0")),
    ]:
        assert _number(typed) == value, typed
    for typed in (
        "1e3",
        "1E3",
        "inf",
        "Infinity",
        "nan",
        "NaN",
        "1,00,000",
        "1,000.000,5",
        "1.00.000",
        "2,5,0",
        "1.000.00",
        "--1",
        "½",
        "١٢",
    ):
        assert _number(typed) == "Vui lòng nhập một số, ví dụ 100.000.000 hoặc 2,5.", typed


def test_amounts_typed_the_english_way_are_read_as_written():
    """ "1,000,000" (as banks print amounts) was refused, and "250,000" in a đồng amount was kept as 250 — a
    thousandth of what the applicant meant, without a word. Commas between groups of three with a dot before the
    decimals, or more than one such comma, can only be the English way; one comma and three digits is thousands in a
    whole-number field and keeps the Vietnamese reading (a decimal comma) in a field with decimals."""
    assert _number("1,000,000") == Decimal("1000000")
    assert _number("1,250.75") == Decimal("1250.75")
    assert _number("-1,000.5", field="chenh_lech") == Decimal("-1000.5")
    assert _number("2,125") == Decimal("2.125")  # a field with decimals: the Vietnamese decimal comma
    assert _number("250,000", field="von") == Decimal("250000")
    assert _number("1,000,000", field="von") == Decimal("1000000")
    assert _number("1,500.5", field="von") == "Vui lòng nhập số nguyên."
    assert _number("100,5", field="von") == "Vui lòng nhập số nguyên."
    assert eform_draft_values(FIELDS, {"von": "250,000", "dien_tich": "250,000"}) == {
        "von": "250000",
        "dien_tich": "250",
    }


def test_an_amount_kept_as_an_api_client_typed_it_is_shown_as_read():
    """The API keeps what was filed as it was sent ("250,000,000" as text); the dossier pages showed that text, in
    the English shape on a Vietnamese page. They show the number it was read as, grouped the reader's way."""
    rows = dict(
        eform_rows(
            FIELDS, {"ten": "Hộ An", "von": "250,000,000", "dien_tich": "1.000.000", "chenh_lech": "x"}
        )
    )
    assert rows["Vốn kinh doanh (đồng)"] == "250.000.000"
    assert rows["Diện tích (m²)"] == "1.000.000"
    assert rows["Chênh lệch"] == "x"  # not a number: as filed
    assert (
        dict(eform_rows(FIELDS, {"von": "1.125"}))["Vốn kinh doanh (đồng)"] == "1,125"
    )  # plain notation: 1.125


def test_the_wizard_keeps_a_whole_number_fields_value_as_a_json_integer():
    """A dossier filed through the wizard answered the API with "von_kinh_doanh": "100000000" and "so_lao_dong":
    "3" (text), where an API client's and the demo's dossiers hold JSON numbers: an integrator read two types for
    one field. A whole-number field's value is a JSON integer; a number with decimals stays in plain notation
    (exact: no binary fraction), as ADR 0021 keeps it."""
    form = build_eform(FIELDS)({"ten": "Hộ An", "von": "250,000", "dien_tich": "12,5"})
    assert form.is_valid(), form.errors
    kept = eform_to_json(form.cleaned_data, FIELDS)
    assert kept["von"] == 250000 and type(kept["von"]) is int
    assert kept["dien_tich"] == "12.5"
    assert eform_initial(FIELDS, kept)["von"] == Decimal("250000")  # read back into the form as the number


def test_counts_take_whole_numbers_only():
    assert _number("1.500", field="von") == Decimal("1500")
    assert _number("12,0", field="von") == Decimal("12")
    assert _number("2,5", field="von") == "Vui lòng nhập số nguyên."
    assert _number("1e3", field="von") == "Vui lòng nhập một số nguyên, ví dụ 12 hoặc 1.500."


def test_a_whole_number_too_long_is_refused_not_a_server_error():
    """A count typed with 40 digits and ",0" made Decimal.quantize raise InvalidOperation (a 500 on the portal and
    the API); it gets the too-long message every other number gets."""
    assert _number("1" + "0" * 40 + ",0", field="von") == "Số quá dài: tối đa 20 chữ số."
    assert _number("1" + "0" * 40, field="von") == "Số quá dài: tối đa 20 chữ số."
    assert _errors({"von": "1" + "0" * 40 + ".0"}) == [
        ("Vốn kinh doanh (đồng)", "Số quá dài: tối đa 20 chữ số.")
    ]


def test_json_numbers_through_the_api_are_read_as_json_writes_them():
    # JSON numbers, and text in plain notation as a program writes numbers; other text the Vietnamese way
    assert _errors({"dien_tich": 1.125, "chenh_lech": "99.125"}) == []
    assert _errors({"chenh_lech": "1.000.000"}) == [("Chênh lệch", "Giá trị không được lớn hơn 100.")]
    assert _errors({"chenh_lech": "99,5"}) == []
    assert _errors({"dien_tich": 1e15}) == []  # a JSON number, not text with an exponent
    assert _errors({"dien_tich": 1e21}) == [("Diện tích (m²)", "Số quá dài: tối đa 20 chữ số.")]
    assert _errors({"dien_tich": float("nan")}) == [
        ("Diện tích (m²)", "Vui lòng nhập một số, ví dụ 100.000.000 hoặc 2,5.")
    ]
    assert _errors({"dien_tich": "1e3"}) == [
        ("Diện tích (m²)", "Vui lòng nhập một số, ví dụ 100.000.000 hoặc 2,5.")
    ]


def test_a_number_shown_back_reads_as_the_same_number():
    form = build_eform(FIELDS)(initial=eform_initial(FIELDS, {"von": "100000000", "dien_tich": "1.125"}))
    assert 'value="100.000.000"' in str(form["von"]) and 'value="1,125"' in str(form["dien_tich"])
    assert eform_draft_values(
        FIELDS, {"von": "1.125", "dien_tich": "2,5", "ten": "1.125", "chenh_lech": "1e3"}
    ) == {
        "von": "1125",
        "dien_tich": "2.5",
        "ten": "1.125",
        "chenh_lech": "1e3",  # not a number: kept as typed, to be corrected
    }


def test_phone_fields_take_what_the_applicants_phone_takes():
    fields = [{"name": "dt", "label": "Điện thoại liên hệ", "type": "tel"}]
    for phone in ("02438123456", "0912345678", "+84 912 345 678", "024.3812.3456"):
        assert clean_form_data(fields, {"dt": phone}) == ({"dt": phone}, []), phone
    data, errors = clean_form_data(fields, {"dt": "12345"})
    assert data == {} and errors[0][1].startswith("Số điện thoại không hợp lệ")
    with translation.override("en"):
        assert clean_form_data(fields, {"dt": "12345"})[1][0][1].startswith("Invalid phone number")
