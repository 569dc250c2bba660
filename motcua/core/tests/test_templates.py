"""Template source checks: Django's `{# … #}` comment ends on its own line; one spread over lines is printed on
the page as text (it was, on the public lookup page)."""

import re
from pathlib import Path

import motcua

ROOT = Path(motcua.__file__).parent


def test_no_template_comment_spans_lines():
    broken = []
    for path in ROOT.rglob("*.html"):
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            rest = line
            while "{#" in rest:
                rest = rest[rest.index("{#") + 2 :]
                if "#}" not in rest:
                    broken.append(f"{path.relative_to(ROOT)}:{n}")
                    break
                rest = rest[rest.index("#}") + 2 :]
    assert broken == []


def test_the_lookup_page_prints_no_template_comment(client, db):
    page = client.get("/tra-cuu/", {"ma": "000.00.21.H26-000000-0000"}).content.decode()
    assert "{#" not in page and "#}" not in page


# A page whose error summary is announced (role="alert", focused) must not announce each field's message again: a
# screen reader read every error twice. The field's message is tied to its input by aria-describedby instead.
# my_dossier.html: its summary is shown only when the action's own box is gone from the page (portal/views._refused).
SUMMARY_EXEMPT = {"portal/templates/portal/my_dossier.html"}
INCLUDE = re.compile(r'{%\s*include\s+"([^"]+)"([^%]*)%}')
FIELD_ALERT = re.compile(r'<[^>]*class="errorlist"[^>]*role="alert"')


def _template(name: str) -> Path:
    (path,) = [p for p in ROOT.rglob(name) if p.as_posix().endswith(f"templates/{name}")]
    return path


def _with_includes(path: Path, seen=()) -> list[tuple[str, str]]:
    """The template's source and the sources it includes (the include's arguments with each)."""
    out = [(path.relative_to(ROOT).as_posix(), path.read_text(encoding="utf-8"))]
    for name, args in INCLUDE.findall(out[0][1]):
        if name in seen or name == "portal/_error_summary.html":
            continue
        for where, text in _with_includes(_template(name), (*seen, name)):
            out.append((f"{where} (with{args.split('with', 1)[1] if 'with' in args else ''})", text))
    return out


def test_a_page_with_an_error_summary_announces_no_field_message():
    pages = [
        p
        for p in ROOT.rglob("*.html")
        if 'class="error-summary"' in (text := p.read_text(encoding="utf-8")) or "_error_summary.html" in text
    ]
    assert len(pages) > 10
    twice = []
    for page in pages:
        if page.relative_to(ROOT).as_posix() in SUMMARY_EXEMPT:
            continue
        for where, text in _with_includes(page):
            # a partial's message is announced only when the page asks (`announce`, pages without a summary)
            text = text.replace('{% if announce %} role="alert"{% endif %}', "")
            if "announce=" in where or FIELD_ALERT.search(text):
                twice.append(f"{page.relative_to(ROOT)}: {where.split(' (')[0]}")
    assert twice == []
