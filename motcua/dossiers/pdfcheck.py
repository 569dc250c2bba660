"""Active content in an uploaded PDF: JavaScript, launch actions, embedded files, rich media.

A scan of the raw bytes misses what PDF 1.5+ hides in compressed object streams (`/ObjStm`): there the
dictionaries — `/S /JavaScript`, `/JS …`, `/Launch` — are Flate-compressed, so no marker appears in the file. So
three checks, any of which refuses the file:

1. the raw bytes are scanned (cheap);
2. every Flate stream found in the bytes is inflated (bounded in total) and scanned the same way — this needs no
   parser, so it also covers damaged files whose structure a parser rejects but a viewer may still repair;
3. the document is parsed with pypdf and its object graph walked from the trailer (every object a viewer reaches,
   whatever the stream filters): a dictionary key or name value of the active kinds refuses it. Stream data
   (images, page content) is never decoded by the walk. A file pypdf cannot parse at all (damaged, or not really
   a PDF) is still accepted when checks 1–2 found nothing: a scanner's quirky output must not lose a document.

An encrypted PDF is opened with the empty user password (the usual "owner password only" case); one that needs a
password to open is refused: the officer could not read it either.
"""

from __future__ import annotations

import io
import logging
import re
import zlib

logger = logging.getLogger(__name__)

# Dictionary keys and name values that make a PDF active.
ACTIVE_KEYS = frozenset({"/JS", "/JavaScript", "/EmbeddedFiles", "/RichMedia", "/RichMediaContent"})
ACTIVE_NAMES = frozenset({"/JavaScript", "/Launch", "/EmbeddedFile", "/RichMedia", "/ImportData"})
RAW_MARKERS = (b"/JavaScript", b"/JS ", b"/JS(", b"/JS<", b"/JS/", b"/JS\n", b"/JS\r", b"/Launch",
               b"/EmbeddedFile", b"/RichMedia")  # fmt: skip

MAX_OBJECTS = 200_000  # a walk bound: far above any real document
MAX_INFLATED = 64 * 1024 * 1024  # fallback scan: total inflated bytes
_STREAM = re.compile(rb"stream\r?\n")


class PasswordProtected(Exception):
    """The PDF needs a password to be read."""


def raw_markers(data: bytes) -> bool:
    return any(m in data for m in RAW_MARKERS)


def has_active_content(data: bytes) -> bool:
    """True when the PDF carries active content (see the module docstring). Raises PasswordProtected."""
    if raw_markers(data) or _inflated_markers(data):
        return True
    try:
        return _walk(data)
    except PasswordProtected:
        raise
    except Exception as exc:  # noqa: BLE001 - pypdf raises many kinds on damaged input
        logger.info("PDF not parsed (%s): checked by its bytes and inflated streams only", type(exc).__name__)
        return False


def _walk(data: bytes) -> bool:
    from pypdf import PdfReader
    from pypdf.generic import ArrayObject, DictionaryObject, IndirectObject, NameObject

    reader = PdfReader(io.BytesIO(data), strict=False)
    if reader.is_encrypted and not reader.decrypt(""):
        raise PasswordProtected
    stack: list = [reader.trailer]
    seen: set[tuple[int, int]] = set()
    steps = 0
    while stack:
        obj = stack.pop()
        steps += 1
        if steps > MAX_OBJECTS:
            raise ValueError("object graph too large")
        if isinstance(obj, IndirectObject):
            ref = (obj.idnum, obj.generation)
            if ref in seen:
                continue
            seen.add(ref)
            obj = obj.get_object()
        if isinstance(obj, DictionaryObject):  # streams are dictionaries too: only their dictionary is read
            for key, value in obj.items():
                if key in ACTIVE_KEYS:
                    return True
                if key == "/Parent":  # the page tree's back links: already reached from the root
                    continue
                stack.append(value)
        elif isinstance(obj, ArrayObject):
            stack.extend(obj)
        elif isinstance(obj, NameObject) and obj in ACTIVE_NAMES:
            return True
    return False


def _inflated_markers(data: bytes) -> bool:
    budget = MAX_INFLATED
    view = memoryview(data)
    for m in _STREAM.finditer(data):
        if budget <= 0:
            break
        d = zlib.decompressobj()
        try:
            out = d.decompress(view[m.end() :], budget)
        except zlib.error:
            continue
        budget -= len(out)
        if raw_markers(out):
            return True
    return False
