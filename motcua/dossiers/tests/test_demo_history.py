"""`motcua demo-history`: a year of realistic history at the demo agencies, stored through the migration import."""

import datetime as dt
import io

import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command
from django.db.models import Min

from motcua.dossiers import demo_history, services
from motcua.dossiers.models import Dossier
from motcua.feedback.models import Feedback, Rating
from motcua.feedback.selectors import pakn_stats, satisfaction_stats
from motcua.notifications.models import Outbox
from motcua.org.models import Agency
from motcua.reports import selectors as stats

from .conftest import local

NOW = local(2026, 3, 20, 11, 0)


@pytest.fixture
def demo_catalogue(db):
    from motcua.catalog import demo as catalog_demo
    from motcua.org import demo as org_demo

    org_demo.load_organisation()
    catalog_demo.load()


def test_a_year_of_history_imports_counts_and_loads_once(demo_catalogue):
    out = io.StringIO()
    result = demo_history.load(stdout=out, now=NOW, scale=0.25, seed=3)
    assert result is not None and result.ok and result.bad == 0, out.getvalue()
    history = Dossier.objects.filter(form_data__migrated_extra__demo_history=3)
    total = history.count()
    assert total == result.created > 1000  # ≈ 5,500 a year at scale 1
    # every agency that offers a procedure with a limit has its year; codes are the contract's
    agencies = set(history.values_list("agency__identifier", flat=True))
    assert len(agencies) == 20 and "000.00.21.H26" in agencies
    first = history.aggregate(first=Min("events__at"))["first"]
    assert NOW - dt.timedelta(days=380) < first < NOW - dt.timedelta(days=340)
    assert all(d.code.startswith(d.agency.identifier + "-") for d in history.select_related("agency")[:200])
    # an office's year: mostly early or on time, a few late, some stopped or refused, the latest still in progress
    year = {"date_from": dt.date(2025, 3, 20), "date_to": dt.date(2026, 3, 19), "now": NOW}
    department = stats.on_time_stats(**year, agency=Agency.objects.get(identifier="000.00.21.H26"))
    assert department["resolved"] > 400 and 96 <= department["on_time_rate"] < 100
    assert department["late"] > 0 and department["stopped"] > 0 and department["refused"] > 0
    assert department["early"] > department["on_time"] > department["late"]
    states = set(history.values_list("state", flat=True))
    assert {"returned", "processing", "refused", "stopped"} <= states
    rates = []
    for ward in Agency.objects.filter(parent__identifier="000.00.33.H26"):
        counts = stats.on_time_stats(**year, agency=ward)
        if counts["resolved"] >= 10:
            rates.append(counts["on_time_rate"])
    assert len(rates) >= 10 and max(rates) - min(rates) >= 3  # the wards differ: the ranking means something
    late = history.filter(classification="late", new_return_at__isnull=False).first()
    assert late is not None and late.events.filter(action="apologize").exists()
    # a quarter of the returned dossiers rated by their applicants (receipt or paper form), mostly satisfied
    ratings = Rating.objects.filter(dossier__in=history)
    returned = history.filter(state="returned").count()
    assert 0.15 * returned < ratings.count() < 0.35 * returned
    assert set(ratings.values_list("channel", flat=True)) == {"receipt", "counter"}
    assert not ratings.filter(created_at__gt=NOW).exists()
    satisfaction = satisfaction_stats(date_from=dt.date(2025, 3, 20), date_to=dt.date(2026, 3, 19))
    assert 85 < satisfaction["satisfied_rate"] < 99 and satisfaction["by_level"]["1"] > 0
    # about one returned dossier in a hundred followed by a PAKN, handled by the agency's officers: mostly answered
    # within the time limit (Decision 766 indicator 5.2), a few late or refused; nothing sent to the made-up contacts
    pakn = Feedback.objects.filter(dossier__in=history)
    assert 0.005 * returned < pakn.count() < 0.05 * returned
    statuses = set(pakn.values_list("status", flat=True))
    assert "answered" in statuses and statuses <= {"answered", "rejected", "received", "processing"}
    assert pakn.filter(kind="reflection", title__contains="chậm", dossier__classification="late").exists()
    assert not pakn.filter(answered_at__gt=NOW).exists() and not pakn.filter(received_at__gt=NOW).exists()
    handled = pakn_stats(date_from=dt.date(2025, 3, 20), date_to=dt.date(2026, 3, 19), now=NOW)
    assert handled["answered"] > 0 and 50 <= handled["on_time_rate"] < 100, handled
    assert not Outbox.objects.filter(template="feedback_answered").exists()
    assert all(f.contact_email.endswith("@example.com") for f in pakn)
    # staff act in their office's hours on its working days (the applicant files online and supplements any time;
    # a rating by the receipt is theirs too): the control slip and the tracking book show no hand-over at night
    from motcua.dossiers.models import DossierEvent

    calendars = {}
    staff_events = DossierEvent.objects.filter(dossier__in=history).exclude(
        action__in=("submit", "supplement")
    )
    outside = []
    for action, at, agency_id in staff_events.values_list("action", "at", "dossier__agency_id"):
        if agency_id not in calendars:
            calendars[agency_id] = services.AgencyCalendar(Agency.objects.get(pk=agency_id))
        if not calendars[agency_id].is_office_time(at):
            outside.append((action, at))
    assert outside == [], outside[:10]
    counter_ratings = ratings.filter(channel="counter").select_related("dossier__agency")
    assert all(calendars[r.dossier.agency_id].is_office_time(r.created_at) for r in counter_ratings)
    assert all(
        calendars[f.dossier.agency_id].is_office_time(f.answered_at)
        for f in pakn.filter(answered_at__isnull=False)
    )
    # nothing after now, every chain intact
    assert not history.filter(events__at__gt=NOW).exists()
    assert all(services.verify_chain(d) == [] for d in history[:300])
    # a second load changes nothing
    again = io.StringIO()
    assert demo_history.load(stdout=again, now=NOW, scale=0.25, seed=3) is None
    assert "already loaded" in again.getvalue() and Dossier.objects.count() == total
    assert Rating.objects.count() == ratings.count() and Feedback.objects.count() == pakn.count()


def test_codes_follow_what_a_day_already_holds_and_native_filing_continues(demo_catalogue):
    """History days that already hold native dossiers keep their codes; a native filing after the import on a
    history day takes the next number."""
    officer = get_user_model().objects.create_superuser("admin-test", password="x")
    day = local(2026, 3, 2, 9, 0)  # a Monday inside the history
    native, _ = services.dossier_file(
        actor=officer, procedure_code="1.001612", agency_identifier="000.00.21.H26", channel="counter",
        applicant={"kind": "individual", "name": "Lê Thị Hoa", "id_number": "001185000123"}, at=day,
    )  # fmt: skip
    assert native.code == "000.00.21.H26-260302-0001"
    demo_history.load(stdout=io.StringIO(), now=NOW, scale=0.5, seed=5)
    that_day = Dossier.objects.filter(code__startswith="000.00.21.H26-260302-").order_by("code")
    assert that_day.count() > 1 and that_day.first().pk == native.pk
    later, _ = services.dossier_file(
        actor=officer, procedure_code="1.001612", agency_identifier="000.00.21.H26", channel="counter",
        applicant={"kind": "individual", "name": "Lê Thị Hoa", "id_number": "001185000123"},
        at=local(2026, 3, 2, 16, 0),
    )  # fmt: skip
    assert later.code == f"000.00.21.H26-260302-{that_day.count():04d}"


def test_the_command_checks_its_options(demo_catalogue):
    for args in (["--months", "0"], ["--months", "37"], ["--scale", "0"], ["--scale", "51"]):
        with pytest.raises(CommandError):
            call_command("demo-history", *args, stdout=io.StringIO())
    out = io.StringIO()
    call_command("demo-history", "--months", "1", "--scale", "0.2", "--dry-run", stdout=out)
    assert "Dry run" in out.getvalue() and not Dossier.objects.exists()


def test_demo_answers_that_would_be_sent_stay_unanswered(demo_catalogue, settings):
    """With no age limit on notifications every answer would be news to a made-up contact: the demo leaves the
    PAKN open instead of notifying anyone."""
    settings.MOTCUA_NOTIFY_MAX_EVENT_AGE_HOURS = None
    settings.MOTCUA_NOTIFY_ON_COMMIT = False
    assert demo_history.load(stdout=io.StringIO(), now=NOW, scale=0.25, seed=5).ok
    pakn = Feedback.objects.all()
    assert pakn.exists() and set(pakn.values_list("status", flat=True)) <= {"received", "processing"}
    assert not Outbox.objects.filter(template="feedback_answered").exists()
