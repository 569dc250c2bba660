"""JSON from outside (API bodies, migration and catalogue imports) read as RFC 8259 defines it.

Python's json module also reads NaN, Infinity and -Infinity, and reads 1e400 as an infinite float. None of them is
a JSON number: a non-finite value would reach a JSON column (PostgreSQL's jsonb refuses it, SQLite keeps text that
is no longer JSON when read back and rendered) or a time limit. `loads` refuses them with the json module's own
JSONDecodeError (a ValueError), so callers report them as any other malformed JSON.

A name given twice in one object (`{"due_at": "…", "due_at": "…"}`) is refused too (`DuplicateKeyError`, a
JSONDecodeError): RFC 8259 leaves its meaning to the reader, and the json module silently keeps the last value —
a dossier filed or imported with a value the sender may not have meant.
"""

import json
import math
import re


class _NotANumber(ValueError):
    def __init__(self, token: str, why: str):
        super().__init__(f"{token} {why}")
        self.token, self.why = token, why


def _refuse_constant(name: str):
    raise _NotANumber(name, "is not allowed")


def _finite_float(text: str) -> float:
    value = float(text)
    if math.isinf(value):
        raise _NotANumber(text, "is out of range")
    return value


class DuplicateKeyError(json.JSONDecodeError):
    """A name given twice in one JSON object; `key` is the name."""

    def __init__(self, key: str, doc: str, pos: int):
        super().__init__(f"duplicate key {key!r}", doc, pos)
        self.key = key


class _Duplicate(ValueError):
    def __init__(self, key: str):
        super().__init__(key)
        self.key = key


def _unique_pairs(pairs: list) -> dict:
    obj = dict(pairs)
    if len(obj) != len(pairs):
        seen = set()
        for key, _value in pairs:
            if key in seen:
                raise _Duplicate(key)
            seen.add(key)
    return obj


_decode = json.JSONDecoder(
    parse_constant=_refuse_constant, parse_float=_finite_float, object_pairs_hook=_unique_pairs
).decode  # built once


class NestedTooDeeply(ValueError, RecursionError):
    """Arrays or objects nested beyond Python's recursion limit ('[' × 100,000): a ValueError, as every other
    unreadable document is for the callers (a catalogue file, a spreadsheet cell), instead of a traceback."""


def loads(doc: str):
    """json.loads of `doc`, refusing NaN, ±Infinity and numbers beyond a float with json.JSONDecodeError, placed at
    the token (a value follows ':', '[' or ',' — or starts the document)."""
    try:
        return _decode(doc)
    except RecursionError:
        raise NestedTooDeeply("lồng nhau quá sâu / nested too deeply") from None
    except _Duplicate as exc:
        # placed at the name's second appearance (as a name: followed by ':')
        names = list(re.finditer(re.escape(json.dumps(exc.key, ensure_ascii=False)) + r"\s*:", doc))
        raise DuplicateKeyError(exc.key, doc, names[1].start() if len(names) > 1 else 0) from None
    except _NotANumber as exc:
        found = re.search(r"(?:^|[:\[,])\s*(" + re.escape(exc.token) + r")(?![0-9A-Za-z.])", doc)
        raise json.JSONDecodeError(f"{exc.token} {exc.why}", doc, found.start(1) if found else 0) from None


def loads_bytes(body: bytes):
    """`loads` of a body in UTF-8, UTF-16 or UTF-32, detected as json.loads detects it."""
    return loads(body.decode(json.detect_encoding(body)))


# What the json module's messages (and this module's) mean, for the Vietnamese half of a message: an operator who
# edited a catalogue or a migration file by hand read "Expecting property name enclosed in double quotes".
_REASONS_VI = (
    ("Illegal trailing comma before end of object", "thừa dấu phẩy trước dấu }"),
    ("Illegal trailing comma before end of array", "thừa dấu phẩy trước dấu ]"),
    (
        "Expecting property name enclosed in double quotes",
        'cần tên trường trong dấu nháy kép ("tên"), không dùng nháy đơn; hoặc thừa dấu phẩy trước dấu }',
    ),
    ("Expecting ',' delimiter", "thiếu dấu phẩy giữa hai phần tử"),
    ("Expecting ':' delimiter", "thiếu dấu hai chấm sau tên trường"),
    ("Expecting value", "thiếu giá trị, hoặc giá trị không phải JSON (chữ phải đặt trong dấu nháy kép)"),
    ("Extra data", "còn nội dung sau khi mảng hoặc đối tượng đã đóng (thừa dấu ] hoặc }?)"),
    ("Unterminated string", "chuỗi chưa có dấu nháy kép đóng"),
    ("Invalid control character", "ký tự xuống dòng hoặc tab trong chuỗi: viết \\n, \\t"),
    ("Invalid \\uXXXX escape", "mã \\u không hợp lệ trong chuỗi"),
    ("Invalid \\escape", "dấu \\ không hợp lệ trong chuỗi (viết \\\\ cho một dấu \\)"),
    ("is not allowed", "NaN, Infinity không phải số JSON"),
    ("is out of range", "số quá lớn"),
)


def reason_vi(exc: json.JSONDecodeError) -> str:
    """What is wrong, in Vietnamese ('thừa dấu phẩy trước dấu }'); the parser's own words when not known."""
    if isinstance(exc, DuplicateKeyError):
        return f"tên trường {json.dumps(exc.key, ensure_ascii=False)} có hai lần trong cùng một đối tượng"
    return next((vi for msg, vi in _REASONS_VI if exc.msg.startswith(msg)), exc.msg)


def error_vi(exc: json.JSONDecodeError) -> str:
    """Where and what, in Vietnamese: 'dòng 2, cột 1: thừa dấu phẩy trước dấu }' (the document's line)."""
    return f"dòng {exc.lineno}, cột {exc.colno}: {reason_vi(exc)}"
