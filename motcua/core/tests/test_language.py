from django.test import Client


def test_vietnamese_by_default_even_for_english_browsers(db):
    r = Client().get("/api/v1/agencies", HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9")
    assert r.headers["Content-Language"] == "vi"


def test_explicit_choice_switches_to_english(db):
    c = Client()
    c.post("/i18n/setlang/", {"language": "en", "next": "/"})
    r = c.get("/api/v1/agencies")
    assert r.headers["Content-Language"] == "en"
