"""The Content-Security-Policy every response carries (settings.SECURE_CSP): a script the site did not ship
cannot run even if some text ever reached a page unescaped, and the templates keep to what the policy allows."""

import re
from pathlib import Path

import pytest
from django.test import Client

import motcua

pytestmark = pytest.mark.django_db

TEMPLATES = sorted(Path(motcua.__file__).parent.rglob("templates/**/*.html"))
INLINE_SCRIPT = re.compile(r"<script\b(?![^>]*\bsrc=)([^>]*)>", re.IGNORECASE)
EVENT_HANDLER = re.compile(r"<[a-z][^>]*\son[a-z]+\s*=", re.IGNORECASE)


def directives(response) -> dict[str, list[str]]:
    header = response.headers.get("Content-Security-Policy", "")
    return {d.split()[0]: d.split()[1:] for d in header.split(";") if d.strip()}


def test_pages_json_and_downloads_carry_the_policy():
    for path in ("/", "/accounts/login/", "/api/v1/agencies", "/api/v1/stats/open-data.csv"):
        policy = directives(Client().get(path))
        assert policy, path
        assert "'unsafe-inline'" not in policy["script-src"] and "'unsafe-eval'" not in policy["script-src"]
        assert policy["default-src"] == ["'self'"] and policy["object-src"] == ["'none'"], path
        assert policy["frame-ancestors"] == ["'none'"] and policy["base-uri"] == ["'none'"], path


def test_an_inline_script_carries_the_nonce_of_its_response():
    r = Client().post(
        "/phan-anh/", {"title": "x"}
    )  # a form with errors: an inline script focuses its summary
    html = r.content.decode()
    nonces = [n[len("'nonce-") : -1] for n in directives(r)["script-src"] if n.startswith("'nonce-")]
    scripts = INLINE_SCRIPT.findall(html)
    assert scripts and len(nonces) == 1
    assert all(f'nonce="{nonces[0]}"' in attrs for attrs in scripts), scripts


def test_templates_have_no_inline_handlers_and_no_inline_script_without_the_nonce():
    assert TEMPLATES
    problems = []
    for path in TEMPLATES:
        text = path.read_text(encoding="utf-8")
        problems += [
            f"{path.name}: <script{a}>" for a in INLINE_SCRIPT.findall(text) if "csp_nonce_attr" not in a
        ]
        problems += [f"{path.name}: {m.group(0)}" for m in EVENT_HANDLER.finditer(text)]
    assert not problems, "\n".join(problems)


def test_the_policy_built_once_is_djangos_and_follows_a_changed_setting(settings):
    from django.utils.csp import CSP, build_policy

    r = Client().get("/api/v1/agencies")
    assert r.headers["Content-Security-Policy"] == build_policy(settings.SECURE_CSP)
    # header names are plain str: a WSGI server refuses anything else (wsgiref answered 500)
    assert all(type(name) is str for name in r.headers)
    settings.SECURE_CSP = {"default-src": [CSP.SELF], "img-src": [CSP.SELF, "https://anh.example.vn"]}
    settings.SECURE_CSP_REPORT_ONLY = {"script-src": [CSP.SELF]}
    r = Client().get("/api/v1/agencies")
    assert r.headers["Content-Security-Policy"] == "default-src 'self'; img-src 'self' https://anh.example.vn"
    assert r.headers["Content-Security-Policy-Report-Only"] == "script-src 'self'"
    # a page that used its nonce still gets it in its own header
    page = Client().post("/phan-anh/", {"title": "x"})
    assert "'nonce-" not in page.headers["Content-Security-Policy"]  # this configuration names no nonce
    settings.SECURE_CSP = {"script-src": [CSP.SELF, CSP.NONCE]}
    page = Client().post("/phan-anh/", {"title": "x"})
    assert "'nonce-" in page.headers["Content-Security-Policy"]


def test_the_api_docs_page_runs_under_the_policy():
    """/api/v1/docs (Swagger UI) from the site's own static files, with no inline script: the CDN page django-ninja
    serves otherwise loads scripts from another site and runs one inline, both refused by the policy."""
    r = Client().get("/api/v1/docs")
    assert r.status_code == 200
    html = r.content.decode()
    scripts = re.findall(r"<script\b([^>]*)>", html, re.IGNORECASE)
    assert scripts
    for attrs in scripts:
        src = re.search(r'src="([^"]+)"', attrs)
        assert (src and src.group(1).startswith("/static/")) or 'type="application/json"' in attrs, attrs
    assert "cdn." not in html and "motcua/favicon.svg" in html
