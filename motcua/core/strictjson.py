"""JSON from outside (API bodies, migration and catalogue imports) read as RFC 8259 defines it.

Python's json module also reads NaN, Infinity and -Infinity, and reads 1e400 as an infinite float. None of them is
a JSON number: a non-finite value would reach a JSON column (PostgreSQL's jsonb refuses it, SQLite keeps text that
is no longer JSON when read back and rendered) or a time limit. `loads` refuses them with the json module's own
JSONDecodeError (a ValueError), so callers report them as any other malformed JSON.
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


_decode = json.JSONDecoder(parse_constant=_refuse_constant, parse_float=_finite_float).decode  # built once


def loads(doc: str):
    """json.loads of `doc`, refusing NaN, ±Infinity and numbers beyond a float with json.JSONDecodeError, placed at
    the token (a value follows ':', '[' or ',' — or starts the document)."""
    try:
        return _decode(doc)
    except _NotANumber as exc:
        found = re.search(r"(?:^|[:\[,])\s*(" + re.escape(exc.token) + r")(?![0-9A-Za-z.])", doc)
        raise json.JSONDecodeError(f"{exc.token} {exc.why}", doc, found.start(1) if found else 0) from None


def loads_bytes(body: bytes):
    """`loads` of a body in UTF-8, UTF-16 or UTF-32, detected as json.loads detects it."""
    return loads(body.decode(json.detect_encoding(body)))
