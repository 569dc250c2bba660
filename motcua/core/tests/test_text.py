"""Vietnamese sort order (core.text.sort_key)."""

import random

from motcua.core.text import sort_key


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
