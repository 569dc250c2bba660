"""An agency's own registered (shortened) time limit for a procedure it lists (`Offering.registered_days`,
contract §5: "the procedure's registered time limit if the agency registered a shortened one, else its legal
limit"): applied at filing and reception, shown where the limit is shown, taken by the migration import."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.test import Client

from motcua.catalog.models import Offering, ProcedureVersion
from motcua.dossiers import services
from motcua.dossiers.models import Dossier
from motcua.workdays import services as calendar

from .conftest import limit_unset, local
from .test_api import BODY, call
from .test_migration_io import record, run, write

COUNTER = {**BODY, "channel": "counter", "receive": True}


def _register(org, days, agency="so"):
    Offering.objects.filter(agency=org[agency], procedure=org["procedure"]).update(registered_days=days)


def _due(dossier: Dossier, hours) -> dt.datetime:
    """The due instant the agency's calendar gives for `hours` from the dossier's reception (contract §2)."""
    return calendar.compute_deadline(dossier.received_at, hours=Decimal(hours), agency=dossier.agency).due_at


def test_the_agency_registered_limit_is_the_one_a_dossier_gets(org, token):
    """The Sở registered 2 of the 3 legal days: its dossiers are due 2 working days from the counting start; the
    Sở Tư pháp, which lists the procedure without a registration of its own, keeps the legal 3."""
    Offering.objects.create(agency=org["other"], procedure=org["procedure"], online=True)
    _register(org, Decimal(2))
    c = Client()
    r = call(c, "post", "/api/v1/dossiers", token("officer"), COUNTER)
    assert r.status_code == 201, r.content
    own = Dossier.objects.get(code=r.json()["code"])
    assert own.limit_hours == 16 and own.due_at == _due(own, 16) != _due(own, 24)
    r = call(c, "post", "/api/v1/dossiers", token("other_officer"), {**COUNTER, "agency": "000.00.22.H26"})
    assert r.status_code == 201, r.content
    other = Dossier.objects.get(code=r.json()["code"])
    assert other.limit_hours == 24 and other.due_at == _due(other, 24)


def test_the_agency_registration_wins_over_the_version_s_and_a_citizen_filing_takes_it(org, token):
    """The version carries the province's cut (2.5 days); the Sở registered 1.5: an online filing received later
    gets 1.5 days, and the receipt says so."""
    ProcedureVersion.objects.filter(pk=org["version"].pk).update(registered_days=Decimal("2.5"))
    _register(org, Decimal("1.5"))
    c = Client()
    code = call(c, "post", "/api/v1/dossiers", token("citizen"), BODY).json()["code"]
    r = call(c, "post", f"/api/v1/dossiers/{code}/receive", token("officer"), {})
    assert r.status_code == 200, r.content
    d = Dossier.objects.get(code=code)
    assert d.limit_hours == 12 and d.due_at == _due(d, 12)
    _register(org, None)  # the registration withdrawn: the version's cut applies again, at the next request
    code = call(c, "post", "/api/v1/dossiers", token("officer"), COUNTER).json()["code"]
    assert Dossier.objects.get(code=code).limit_hours == 20


def test_a_registration_longer_than_the_legal_limit_in_force_is_not_applied(org, token):
    """A later version shortened the legal limit below what the agency had registered (4 days, saved when the
    legal limit was 5): the version's own limit applies, never a longer one."""
    _register(org, Decimal(4))  # as if registered under an earlier version of 5 days
    r = call(Client(), "post", "/api/v1/dossiers", token("officer"), COUNTER)
    assert r.status_code == 201 and Dossier.objects.get(code=r.json()["code"]).limit_hours == 24


def test_working_days_may_restate_the_agency_limit_and_nothing_else(org, token):
    _register(org, Decimal("1.5"))
    r = call(Client(), "post", "/api/v1/dossiers", token("officer"), {**COUNTER, "working_days": 2})
    assert "1,5 ngày" in r.json()["message"] and "1.5 working days" in r.json()["message_en"]
    _register(org, Decimal(2))
    officer = token("officer")
    c = Client()
    r = call(c, "post", "/api/v1/dossiers", officer, {**COUNTER, "working_days": 3})
    assert r.status_code == 422 and r.json()["error"] == "limit_fixed" and "02 ngày" in r.json()["message"]
    assert not Dossier.objects.exists()
    r = call(c, "post", "/api/v1/dossiers", officer, {**COUNTER, "working_days": 2})
    assert r.status_code == 201 and Dossier.objects.get().limit_hours == 16
    code = call(c, "post", "/api/v1/dossiers", token("citizen"), BODY).json()["code"]
    r = call(c, "post", f"/api/v1/dossiers/{code}/receive", officer, {"working_days": 3})
    assert r.status_code == 422 and r.json()["error"] == "limit_fixed"
    assert Dossier.objects.get(code=code).state == "submitted"


@pytest.mark.parametrize(
    ("days", "message"),
    [
        (Decimal(-1), "Thời hạn không được âm."),
        (Decimal("3.5"), "không được dài hơn thời hạn luật định (03 ngày làm việc)"),
    ],
)
def test_a_registration_is_a_cut_of_the_legal_limit(org, days, message):
    o = Offering.objects.get(agency=org["so"], procedure=org["procedure"])
    o.registered_days = days
    with pytest.raises(ValidationError) as refused:
        o.full_clean()
    assert message in " ".join(refused.value.message_dict["registered_days"])
    o.registered_days = Decimal(3)  # no cut, but not longer: allowed
    o.full_clean()


def test_no_registration_without_a_legal_limit_in_days(org):
    o = Offering.objects.get(agency=org["so"], procedure=org["procedure"])
    o.registered_days = Decimal(1)
    with limit_unset(org["version"]), pytest.raises(ValidationError) as refused:
        o.full_clean()
    assert "chưa có thời hạn luật định tính bằng ngày làm việc" in str(refused.value)
    o.registered_days = None
    with limit_unset(org["version"]):
        o.full_clean()


def test_the_catalogue_shows_each_agency_s_limit(org, client):
    Offering.objects.create(agency=org["other"], procedure=org["procedure"], online=False)
    _register(org, Decimal(2))
    r = client.get("/api/v1/procedures/1.001612")
    assert r.status_code == 200
    agencies = {a["identifier"]: a for a in r.json()["agencies"]}
    assert agencies["000.00.21.H26"]["registered_days"] == 2
    assert agencies["000.00.21.H26"]["limit_hours"] == 16
    assert agencies["000.00.21.H26"]["limit_text"] == "02 ngày (cắt giảm 01/03, 33,33%)"
    assert agencies["000.00.22.H26"]["registered_days"] is None
    assert agencies["000.00.22.H26"]["limit_hours"] == 24
    assert agencies["000.00.22.H26"]["limit_text"] == "03 ngày"
    html = client.get("/thu-tuc/1.001612/").content.decode()
    assert "Thời hạn cơ quan đã đăng ký cắt giảm: <strong>02 ngày (cắt giảm 01/03, 33,33%)</strong>" in html
    assert html.count("Thời hạn cơ quan đã đăng ký cắt giảm") == 1


def test_the_counter_page_shows_the_limit_at_the_agency(org, client):
    _register(org, Decimal(2))
    client.force_login(org["users"]["officer"])
    r = client.get("/staff/tiep-nhan/", {"agency": "000.00.21.H26", "procedure": "1.001612"})
    assert r.status_code == 200
    assert "<strong>02 ngày (cắt giảm 01/03, 33,33%)</strong>" in r.content.decode()


def test_the_migration_import_takes_the_agency_registration(org, tmp_path):
    """Without `working_days`, an imported dossier gets the limit in force at its agency, as a native one."""
    _register(org, Decimal(2))
    rec = record("R-1", [("submit", "2025-03-03T08:00:00+07:00"), ("receive", "2025-03-03T09:00:00+07:00")])
    assert run("import-dossiers", write(tmp_path, [rec]))[0] == 0
    d = Dossier.objects.get(code="R-1")
    assert d.limit_hours == 16 and d.due_at == local(2025, 3, 5, 9, 0)


def test_a_version_without_its_own_cut_and_an_hours_limit_ignore_a_registration(org):
    """Registered days apply only to a legal limit in days: a version whose limit is in hours keeps it."""
    v = org["version"]
    v.legal_days, v.legal_hours = None, Decimal(6)
    assert v.limit_hours(Decimal(1)) == 6 and v.registered_limit_text(Decimal(1)) == ""
    v.legal_days, v.legal_hours = Decimal(3), None
    assert v.limit_hours(Decimal(1)) == 8 and v.limit_hours(None) == 24
    assert services._limit_hours(1, v, Decimal(1)) == 8
