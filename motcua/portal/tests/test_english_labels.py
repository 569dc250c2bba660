"""Labels that come from Python (choices, inbox tabs, actions, states, timeline details) follow the interface
language; the contract's state labels, the API and the official forms stay Vietnamese."""

import re

from django.conf import settings
from django.test import Client
from django.utils import translation

from motcua.dossiers import pdf
from motcua.dossiers.tests.test_pdf import layout_text
from motcua.notifications.tests.factories import PASSWORD

from .test_lookup_and_my_dossiers import act, file_for


def page(client: Client, url: str, **params) -> str:
    r = client.get(url, params)
    assert r.status_code == 200, r.status_code
    return re.sub(r"\s+", " ", r.content.decode())


def in_english(client: Client) -> Client:
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


def test_staff_pages_in_english(client, world):
    dossier = act(world, file_for(world, world["citizen"]), "receive")
    client.login(username=world["officer"].username, password=PASSWORD)
    vi_detail = page(client, f"/staff/dossiers/{dossier.code}/")
    assert "Được tiếp nhận" in vi_detail and "Tiếp nhận hồ sơ" in vi_detail
    in_english(client)
    detail = page(client, f"/staff/dossiers/{dossier.code}/")
    assert '<html lang="en">' in detail
    assert "Received" in detail and "Được tiếp nhận" not in detail  # state
    assert "Receive" in detail and "Tiếp nhận hồ sơ" not in detail  # the timeline's action
    assert "Submit online" in detail and "Nộp hồ sơ trực tuyến" not in detail
    assert "Appointment: " in detail and "Hẹn trả: " not in detail  # timeline detail
    assert "Online" in detail and "Trực tuyến" not in detail  # channel label
    inbox = page(client, "/staff/", tab="all")
    assert "To receive" in inbox and "Chờ tiếp nhận" not in inbox  # inbox tabs
    assert "All dossiers" in inbox and "Tất cả hồ sơ" not in inbox
    assert "Received" in inbox and "Được tiếp nhận" not in inbox


def test_public_lookup_in_english_and_vietnamese(client, world):
    dossier = act(world, file_for(world, world["citizen"]), "receive")
    vi = page(client, "/tra-cuu/", ma=dossier.code)
    assert "Được tiếp nhận" in vi and "Received" not in vi  # contract §4 label, exactly
    en = page(in_english(client), "/tra-cuu/", ma=dossier.code)
    assert "Received" in en and "Được tiếp nhận" not in en


def test_api_and_forms_stay_vietnamese_in_english_mode(client, world):
    dossier = act(world, file_for(world, world["citizen"]), "receive")
    in_english(client)
    client.login(username=world["officer"].username, password=PASSWORD)
    # the API: contract §4's Vietnamese state label, Vietnamese choice labels
    body = client.get(f"/api/v1/dossiers/{dossier.code}/status").json()
    assert body["state_label"] == "Được tiếp nhận"
    agency = client.get("/api/v1/agencies/000.00.21.H26")
    assert agency.status_code == 200 and agency.json()["level_label"] == "Sở, ban, ngành"
    # the official forms: Vietnamese, whatever the interface language
    with translation.override("en"):
        html = pdf.render_form_html("receipt", dossier)
    text = layout_text(html)
    assert "Trực tuyến" in text and "Online" not in text
