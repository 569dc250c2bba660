"""Vietnamese sort order (core.text.sort_key)."""

import random
import unicodedata

import pytest

from motcua.core.text import BadCharacters, bad_char, check_chars, sort_key


def test_vietnamese_alphabetical_order():
    # the order of a Vietnamese dictionary: a ă â b c d đ e ê … o ô ơ … u ư …; tones only break ties
    expected = [
        "An", "Ăn", "Ân", "ba", "Bà", "Bả", "bã", "Bá", "Bạ", "Bách Khoa", "Cầu Dền", "Duy", "Dương", "Đào",
        "Đống Mác", "Đồng Nhân", "Em", "Êm", "Ô Chợ Dừa", "Ơn", "Ung", "Ưng", "Vĩnh Tuy",
    ]  # fmt: skip
    shuffled = expected[:]
    random.Random(3).shuffle(shuffled)
    assert sorted(shuffled, key=sort_key) == expected


def test_code_point_order_would_put_d_stroke_last():
    names = ["UBND Phường Vĩnh Tuy", "UBND Phường Đồng Tâm", "UBND Phường Cầu Dền"]
    assert sorted(names)[-1] == "UBND Phường Đồng Tâm"  # what sorted() alone does
    assert sorted(names, key=sort_key) == [
        "UBND Phường Cầu Dền",
        "UBND Phường Đồng Tâm",
        "UBND Phường Vĩnh Tuy",
    ]


def test_nfd_input_sorts_like_nfc():
    import unicodedata

    assert sort_key(unicodedata.normalize("NFD", "Đồng Tâm")) == sort_key("Đồng Tâm")


# --- characters refused in what people type (core.text.bad_char) -------------------------------------------------


@pytest.mark.parametrize(
    "value",
    [
        "Nguyễn Thị Ánh Tuyết",
        unicodedata.normalize("NFD", "Đặng Thị Ngọc Hương, phường Đồng Tâm"),  # tones as combining marks
        "Số 1\tngõ 2\r\nphố Huế",  # whitespace: collapsed by nfc, kept as lines by nfc_lines
        "Công ty TNHH Ánh Dương 😀",
        "",
        None,
    ],
)
def test_vietnamese_and_whitespace_pass_in_both_families(value):
    assert bad_char(value) is None and bad_char(value, lines=True) is None


@pytest.mark.parametrize(
    ("char", "kind"),
    [
        ("\x01", "control"), ("\x1b", "control"), ("\x7f", "control"), ("\x80", "control"), ("\x9f", "control"),
        ("\x1c", "control"),  # a "whitespace" to Python's str.split, but a control character
        ("\u200b", "format"), ("\u202e", "format"), ("\u2066", "format"), ("\ufeff", "format"),
        ("\u200e", "format"), ("\u2060", "format"),
        ("\ud800", "noncharacter"), ("\ufffe", "noncharacter"), ("\U0010ffff", "noncharacter"),
    ],
)  # fmt: skip
def test_controls_hiding_characters_and_noncharacters_are_refused_in_both(char, kind):
    for lines in (False, True):
        assert bad_char("ab" + char + "c", lines=lines) == (3, char, kind)


@pytest.mark.parametrize("char", ["\u200d", "\u200c", "\u00ad", "\ue000", "\U000e0067"])
def test_what_a_text_may_hold_and_a_name_may_not(char):
    """ZWJ/ZWNJ (emoji sequences), a soft hyphen, a private-use symbol (Word's bullets), emoji tags: in a text of
    several lines, yes; in a name, no."""
    assert bad_char("x" + char, lines=True) is None
    assert bad_char("x" + char) is not None


def test_the_message_names_the_field_the_character_and_where():
    with pytest.raises(BadCharacters) as exc:
        check_chars("Lê Văn\x1b An", "Họ tên người nộp", "The applicant's name")
    assert exc.value.message.startswith(
        "Họ tên người nộp chứa ký tự không hợp lệ U+001B (ký tự điều khiển) ở vị trí 7"
    )
    assert exc.value.message_en.startswith(
        "The applicant's name contains an invalid character U+001B (a control character) at position 7"
    )
    assert unicodedata.is_normalized("NFC", exc.value.message)


def test_a_code_pasted_from_a_word_processor_is_looked_up_as_the_code():
    from motcua.core.text import code_forms

    pasted = "\ufeff000.00.21.h26\u2013250124\u2014\u200b0001\u00ad "
    assert code_forms(pasted) == ["000.00.21.h26-250124-0001", "000.00.21.H26-250124-0001"]
    assert code_forms("\u200b") == []  # nothing but invisible characters: nothing typed
