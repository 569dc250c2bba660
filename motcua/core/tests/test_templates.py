"""Template source checks: Django's `{# … #}` comment ends on its own line; one spread over lines is printed on
the page as text (it was, on the public lookup page)."""

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
