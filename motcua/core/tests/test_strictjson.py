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
