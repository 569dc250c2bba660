import json

import pytest

from motcua.core import strictjson


@pytest.mark.parametrize(
    ("doc", "message", "column"),
    [
        ("NaN", "NaN is not allowed", 1),
        ('{"a": [1, -Infinity]}', "-Infinity is not allowed", 11),
        ('{"a": 1,\n "b": Infinity}', "Infinity is not allowed", 7),
        ('{"fee": 1e400}', "1e400 is out of range", 9),
        ("[-2E+999]", "-2E+999 is out of range", 2),
    ],
)
def test_numbers_json_does_not_define_are_refused_where_they_stand(doc, message, column):
    with pytest.raises(json.JSONDecodeError) as refused:
        strictjson.loads(doc)
    assert refused.value.msg == message and refused.value.colno == column


def test_json_numbers_read_as_the_json_module_reads_them():
    doc = '{"a": 1.5, "b": -0.0, "c": 1.7976931348623157e308, "d": 10000000000000000000000, "e": "NaN"}'
    assert strictjson.loads(doc) == json.loads(doc)
    assert strictjson.loads_bytes(doc.encode("utf-16")) == json.loads(doc)


def test_a_name_given_twice_in_one_object_is_refused_where_it_stands_again():
    """json.loads keeps the last of two equal names silently; what the sender meant is unknown."""
    with pytest.raises(strictjson.DuplicateKeyError) as refused:
        strictjson.loads('{"agency": "000.00.21.H26",\n "đơn vị": 1, "đơn vị": 2}')
    assert refused.value.key == "đơn vị" and refused.value.lineno == 2 and refused.value.colno == 15
    assert isinstance(refused.value, json.JSONDecodeError)
    # equal names in different objects are no repetition
    assert strictjson.loads('[{"x": 1}, {"x": 2, "y": {"x": 3}}]') == [{"x": 1}, {"x": 2, "y": {"x": 3}}]


def test_nesting_beyond_the_recursion_limit_is_an_unreadable_document():
    with pytest.raises(ValueError, match="nested too deeply"):
        strictjson.loads("[" * 100_000 + "]" * 100_000)
