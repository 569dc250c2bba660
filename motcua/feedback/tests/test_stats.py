import datetime as dt

import pytest

from motcua.feedback import services
from motcua.feedback.models import Feedback, Rating
from motcua.feedback.selectors import (
    PAKN_COUNTS,
    pakn_counts_by_agency,
    pakn_from_counts,
    pakn_stats,
    satisfaction_stats,
)

from .conftest import local, make_dossier

SENDER = {"name": "Trần Thị Bình", "phone": "0912345678", "email": "binh@example.vn"}
MARCH = {"date_from": dt.date(2025, 3, 1), "date_to": dt.date(2025, 3, 31)}


def rate(world, *, agency, overall, scores, at):
    d = make_dossier(world, agency=agency)
    return Rating.objects.create(
        dossier=d, user=world["users"]["citizen"], overall=overall, scores=scores, created_at=at
    )


@pytest.fixture
def ratings(world):
    ward, dept = world["ward"], world["dept"]
    rate(
        world, agency=ward, overall=4, scores={"dung-han": 4, "thai-do-can-bo": 3}, at=local(2025, 3, 1, 0, 0)
    )
    rate(world, agency=ward, overall=3, scores={"dung-han": 3}, at=local(2025, 3, 15, 9))
    rate(
        world,
        agency=ward,
        overall=1,
        scores={"dung-han": 1, "thai-do-can-bo": 1},
        at=local(2025, 3, 31, 23, 59),
    )
    rate(world, agency=dept, overall=2, scores={}, at=local(2025, 3, 10, 9))
    rate(world, agency=ward, overall=4, scores={"dung-han": 4}, at=local(2025, 4, 1, 0, 0))  # outside


def test_satisfaction_stats_district_scope_includes_wards(world, ratings):
    s = satisfaction_stats(**MARCH, agency=world["district"])
    assert s["ratings"] == 3 and s["satisfied"] == 2
    assert s["satisfied_rate"] == 66.67
    assert s["by_level"] == {"4": 1, "3": 1, "2": 0, "1": 1}
    assert s["overall_average"] == 2.67
    by_code = {c["code"]: c for c in s["criteria"]}
    assert by_code["dung-han"] == {
        "code": "dung-han",
        "label": "Hồ sơ được giải quyết đúng hẹn",
        "label_en": "Dossier resolved by the appointment",
        "count": 3,
        "average": 2.67,
    }
    assert by_code["thai-do-can-bo"]["average"] == 2.0 and by_code["thai-do-can-bo"]["count"] == 2
    assert by_code["mot-cua"]["count"] == 0 and by_code["mot-cua"]["average"] is None
    assert len(s["criteria"]) == 12


def test_satisfaction_stats_whole_city_and_identifier(world, ratings):
    s = satisfaction_stats(**MARCH, agency="H26")
    assert (s["ratings"], s["satisfied"], s["satisfied_rate"]) == (4, 2, 50.0)
    assert satisfaction_stats(**MARCH)["ratings"] == 4
    assert satisfaction_stats(**MARCH, agency=world["dept"])["satisfied_rate"] == 0.0


def test_satisfaction_stats_without_data(world):
    s = satisfaction_stats(**MARCH)
    assert s["ratings"] == 0 and s["satisfied_rate"] is None and s["overall_average"] is None


@pytest.fixture
def pakn(world):
    officer = world["users"]["ward_officer"]

    def new(at, **kw):
        kw.setdefault("subject", "agency")
        kw.setdefault("agency_identifier", world["ward"].identifier)
        return services.feedback_submit(
            kind=kw.pop("kind", "reflection"), title="T", content="C", contact=SENDER, at=at, **kw
        )

    def answer(fb, at):
        services.feedback_answer(reference=fb.reference, user=officer, answer="Trả lời", at=at)

    a = new(local(2025, 3, 3, 10))  # due 17/03 10:00
    answer(a, local(2025, 3, 5, 9))  # on time
    b = new(local(2025, 3, 3, 10))
    answer(b, local(2025, 3, 25, 9))  # late
    d = make_dossier(world)
    new(
        local(2025, 3, 20, 10),
        kind="complaint",
        subject="dossier",
        dossier_code=d.code,
        user=world["users"]["citizen"],
    )  # due 03/04: pending within at the end of March
    new(local(2025, 3, 5, 10))  # due 19/03, never answered: overdue
    e = new(local(2025, 2, 20, 10))  # due 06/03
    answer(e, local(2025, 3, 2, 9))  # answered in March (a Sunday), on time
    f = new(local(2025, 3, 10, 10))
    services.feedback_reject(
        reference=f.reference, user=officer, reason="Trùng lặp", at=local(2025, 3, 11, 9)
    )
    new(local(2025, 3, 10, 10), agency_identifier=world["dept"].identifier)  # another agency
    return world


def test_pakn_stats_known_answers(pakn):
    s = pakn_stats(**MARCH, agency=pakn["ward"], now=local(2025, 4, 15, 9))
    assert {
        k: s[k]
        for k in (
            "received",
            "complaints_count",
            "answered",
            "answered_on_time",
            "answered_late",
            "rejected",
            "pending",
            "overdue",
            "pending_within",
            "on_time_rate",
        )
    } == {
        "received": 5,
        "complaints_count": 1,
        "answered": 3,
        "answered_on_time": 2,
        "answered_late": 1,
        "rejected": 1,
        "pending": 2,
        "overdue": 1,
        "pending_within": 1,
        "on_time_rate": 50.0,
    }
    whole = pakn_stats(**MARCH, agency="000.00.33.H26", now=local(2025, 4, 15, 9))
    assert whole["received"] == 5  # the ward is under the district
    city = pakn_stats(**MARCH, now=local(2025, 4, 15, 9))
    assert city["received"] == 6 and city["pending"] == 3


def test_pakn_stats_mid_period_uses_now(pakn):
    s = pakn_stats(**MARCH, agency=pakn["ward"], now=local(2025, 3, 12, 12))
    # open at 12/03 noon: b (answered 25/03, due 17/03) and the one due 19/03 — both still within time.
    assert (s["pending"], s["overdue"], s["pending_within"]) == (2, 0, 2)
    assert s["answered"] == 2 and s["on_time_rate"] == 100.0
    later = pakn_stats(**MARCH, agency=pakn["ward"], now=local(2025, 3, 18, 12))
    assert (later["pending"], later["overdue"]) == (2, 1)  # b is now past 17/03 10:00


def test_pakn_stats_without_data(world):
    s = pakn_stats(date_from=dt.date(2024, 1, 1), date_to=dt.date(2024, 1, 31), agency=world["ward"])
    assert s["received"] == 0 and s["answered"] == 0 and s["on_time_rate"] is None


def test_bad_period():
    with pytest.raises(ValueError):
        pakn_stats(date_from=dt.date(2025, 2, 1), date_to=dt.date(2025, 1, 1))


def test_satisfaction_is_published_through_the_api_and_on_the_statistics_page(client, world, ratings):
    query = {"from": "2025-03-01", "to": "2025-03-31", "agency": world["district"].identifier}
    body = client.get("/api/v1/stats/satisfaction", query).json()
    assert (body["ratings"], body["satisfied"], body["satisfied_rate"]) == (3, 2, 66.67)
    assert body["by_channel"] == {"account": 3, "receipt": 0, "counter": 0}
    assert body["pakn"]["received"] == 0 and body["pakn"]["on_time_rate"] is None
    assert body["pakn"]["satisfaction_rate"] is None
    whole = client.get("/api/v1/stats/satisfaction", {"from": "2025-03-01", "to": "2025-03-31"}).json()
    assert whole["ratings"] == 4 and whole["agency"] is None
    for bad, status in (({"from": "2025-03-31", "to": "2025-03-01"}, 422), ({"to": "2025-03-01"}, 422),
                        ({**query, "agency": "000.99.99.H99"}, 404)):  # fmt: skip
        response = client.get("/api/v1/stats/satisfaction", bad)
        assert response.status_code == status and response.json()["message"]
    page = client.get("/thong-ke/", query)
    html = page.content.decode()
    assert page.context["satisfaction"]["ratings"] == 3
    assert 'data-figure="ratings">3<' in html and 'data-figure="satisfied_rate">66,67 %<' in html
    assert "Lượt đánh giá theo mức độ" in html and "/api/v1/stats/satisfaction?" in html
    empty = client.get("/thong-ke/", {"from": "2024-01-01", "to": "2024-01-31"}).content.decode()
    assert "Chưa có lượt đánh giá nào trong kỳ" in empty


def test_the_leader_reads_the_ratings_behind_the_figures(client, world, ratings):
    Rating.objects.filter(overall=1).update(comment="Phải đi lại ba lần")
    url = "/thong-ke/danh-gia/"
    query = {"agency": world["district"].identifier, "from": "2025-03-01", "to": "2025-03-31"}
    client.force_login(world["users"]["overseer"])
    page = client.get(url, query)
    assert page.status_code == 200 and page.context["count"] == 3  # the wards' ratings of March
    assert "Phải đi lại ba lần" in page.content.decode()
    # the rating's time in the one order every page writes (date first, SHORT_DATETIME_FORMAT)
    assert '<td class="when">31/03/2025 23:59</td>' in page.content.decode()
    assert "23:59 31/03/2025" not in page.content.decode()
    unhappy = client.get(url, {**query, "level": "1"})
    assert [r.overall for r in unhappy.context["page"]] == [1]
    assert client.get(url, {**query, "level": "9"}).status_code == 400
    client.force_login(world["users"]["ward_officer"])
    assert client.get(url, {**query, "agency": world["dept"].identifier}).status_code == 403
    own = client.get(url, {"from": "2025-03-01", "to": "2025-03-31"})  # defaults to the officer's agency
    assert own.status_code == 200 and own.context["agency"] == world["ward"]
    client.force_login(world["users"]["citizen"])
    assert client.get(url, query).status_code == 403


def test_the_overseers_ranking_shows_each_agencys_own_satisfaction(client, world, ratings):
    query = {"agency": world["hn"].identifier, "from": "2025-03-01", "to": "2025-03-31"}
    client.force_login(world["users"]["overseer"])
    page = client.get("/thong-ke/giam-sat/", query)
    rows = {r["key"]: r for r in page.context["rows"]}
    ward, dept, district = world["ward"].identifier, world["dept"].identifier, world["district"].identifier
    assert rows[ward]["satisfaction"] == {"ratings": 3, "satisfied": 2, "satisfied_rate": 66.67}
    assert rows[dept]["satisfaction"] == {"ratings": 1, "satisfied": 0, "satisfied_rate": 0.0}
    assert rows.get(district, {}).get("satisfaction") is None  # no rating of its own
    # its link lists the agency's own ratings, with the same figures above the list
    own = client.get(rows[ward]["ratings_url"])
    assert own.context["count"] == 3 and own.context["own"]
    assert own.context["satisfaction"] == {"ratings": 3, "satisfied": 2, "satisfied_rate": 66.67}
    none_own = client.get("/thong-ke/danh-gia/", {**query, "agency": district, "own": "1"})
    assert none_own.context["count"] == 0
    with_wards = client.get("/thong-ke/danh-gia/", {**query, "agency": district})
    assert with_wards.context["count"] == 3


def test_pakn_satisfaction_rate_computed_independently(world):
    """Decision 766: (PAKN answered in the period − those whose sender said "Không hài lòng") / PAKN answered in the
    period × 100, an evaluation counting whenever it was given before `now` — checked against a plain-Python count
    over the rows, on a small set with the edges (answered at the period's first instant and at the end, evaluated
    after the period, after `now`, satisfied, not evaluated, refused, pending, a sub-agency, another agency)."""
    officer, citizen = world["users"]["ward_officer"], world["users"]["citizen"]
    dept_officer = world["users"]["dept_officer"]

    def new(at, agency=None, user=citizen):
        return services.feedback_submit(
            user=user,
            kind="reflection",
            subject="agency",
            agency_identifier=(agency or world["ward"]).identifier,
            title="T",
            content="C",
            contact={} if user else SENDER,
            at=at,
        )

    def answer(fb, at, by=officer):
        services.feedback_answer(reference=fb.reference, user=by, answer="Trả lời", at=at)

    def evaluate(fb, satisfied, at):
        services.feedback_evaluate(
            reference=fb.reference,
            user=citizen,
            satisfied=satisfied,
            reason="" if satisfied else "Chưa rõ",
            at=at,
        )

    a = new(local(2025, 2, 25, 9))
    answer(a, local(2025, 3, 1, 0, 0))  # the period's first instant
    evaluate(a, False, local(2025, 3, 2, 9))  # dissatisfied, in the period
    b = new(local(2025, 3, 3, 9))
    answer(b, local(2025, 3, 5, 9))
    evaluate(b, True, local(2025, 3, 6, 9))  # satisfied
    c = new(local(2025, 3, 10, 9))
    answer(c, local(2025, 3, 31, 23, 59))
    evaluate(c, False, local(2025, 4, 3, 9))  # dissatisfied after the period, before `now`: counts for March
    d = new(local(2025, 3, 10, 9))
    answer(d, local(2025, 3, 12, 9))
    evaluate(d, False, local(2025, 4, 20, 9))  # after `now`: not yet known at `now`
    e = new(local(2025, 3, 10, 9), user=None)
    answer(e, local(2025, 3, 12, 9))  # a sender without an account: never evaluated, not dissatisfied
    f = new(local(2025, 3, 20, 9))
    answer(f, local(2025, 4, 1, 0, 0))  # answered in April
    evaluate(f, False, local(2025, 4, 2, 9))
    g = new(local(2025, 3, 20, 9))
    services.feedback_reject(reference=g.reference, user=officer, reason="Trùng", at=local(2025, 3, 21, 9))
    new(local(2025, 3, 25, 9))  # pending
    h = new(local(2025, 3, 3, 9), agency=world["dept"])  # another agency
    answer(h, local(2025, 3, 5, 9), by=dept_officer)
    evaluate(h, False, local(2025, 3, 6, 9))

    now = local(2025, 4, 15, 9)

    def by_hand(agency_ids, date_from, date_to):
        start = local(date_from.year, date_from.month, date_from.day)
        end = local(date_to.year, date_to.month, date_to.day) + dt.timedelta(days=1)
        cut = min(end, now)
        answered = dissatisfied = evaluated = 0
        for fb in Feedback.objects.all():
            if fb.agency_id not in agency_ids or fb.answered_at is None:
                continue
            if not (start <= fb.answered_at < cut):
                continue
            answered += 1
            if fb.sender_evaluated_at is not None and fb.sender_evaluated_at < now:
                evaluated += 1
                dissatisfied += fb.sender_satisfied is False
        value = None if not answered else round((answered - dissatisfied) * 100 / answered, 2)
        return answered, evaluated, dissatisfied, value

    ward, district, dept = world["ward"].pk, world["district"].pk, world["dept"].pk
    cases = [
        (world["ward"], [ward], MARCH),
        (world["district"], [district, ward], MARCH),
        (None, [ward, district, dept, world["hn"].pk], MARCH),
        (world["ward"], [ward], {"date_from": dt.date(2025, 4, 1), "date_to": dt.date(2025, 4, 30)}),
        (world["ward"], [ward], {"date_from": dt.date(2025, 1, 1), "date_to": dt.date(2025, 1, 31)}),
    ]
    for agency, ids, period in cases:
        s = pakn_stats(**period, agency=agency, now=now)
        got = (s["answered"], s["sender_evaluated"], s["sender_dissatisfied"], s["satisfaction_rate"])
        assert got == by_hand(ids, period["date_from"], period["date_to"]), (agency, period)
    # the ward's March, by hand: a, b, c, d, e answered (5); a and c dissatisfied -> 3/5
    s = pakn_stats(**MARCH, agency=world["ward"], now=now)
    assert (s["answered"], s["sender_evaluated"], s["sender_dissatisfied"]) == (5, 3, 2)
    assert s["satisfaction_rate"] == 60.0
    # later, d's dissatisfaction is known too; April has f alone, dissatisfied
    assert pakn_stats(**MARCH, agency=world["ward"], now=local(2025, 5, 1))["satisfaction_rate"] == 40.0
    assert (
        pakn_stats(
            date_from=dt.date(2025, 4, 1), date_to=dt.date(2025, 4, 30), agency=world["ward"], now=now
        )["satisfaction_rate"]
        == 0.0
    )
    # nothing answered: no figure, not 0 nor 100
    assert (
        pakn_stats(date_from=dt.date(2025, 1, 1), date_to=dt.date(2025, 1, 31), now=now)["satisfaction_rate"]
        is None
    )
    # the grouped computation (Decision 766 report by sub-agency) sums to the same figures
    grouped = pakn_counts_by_agency(
        periods=[(MARCH["date_from"], MARCH["date_to"])], agency=world["hn"], now=now
    )
    total = {k: sum(grouped[a][0][k] for a in grouped) for k in PAKN_COUNTS}
    assert pakn_from_counts(MARCH["date_from"], MARCH["date_to"], None, total) == {
        **pakn_stats(**MARCH, now=now),
        "agency": None,
    }


def test_pakn_satisfaction_is_published_through_the_api_and_on_the_statistics_page(client, world):
    citizen = world["users"]["citizen"]
    for satisfied in (True, False):
        fb = services.feedback_submit(
            user=citizen,
            kind="reflection",
            subject="agency",
            agency_identifier=world["ward"].identifier,
            title="T",
            content="C",
            at=local(2025, 3, 3, 9),
        )
        services.feedback_answer(
            reference=fb.reference, user=world["users"]["ward_officer"], answer="A", at=local(2025, 3, 5, 9)
        )
        services.feedback_evaluate(
            reference=fb.reference,
            user=citizen,
            satisfied=satisfied,
            reason="Chưa rõ",
            at=local(2025, 3, 6, 9),
        )
    query = {"from": "2025-03-01", "to": "2025-03-31", "agency": world["district"].identifier}
    pakn = client.get("/api/v1/stats/satisfaction", query).json()["pakn"]
    assert (pakn["answered"], pakn["sender_evaluated"], pakn["sender_dissatisfied"]) == (2, 2, 1)
    assert pakn["satisfaction_rate"] == 50.0
    # a third, refused: counted among those received and shown as refused, so the card's parts add up
    refused = services.feedback_submit(
        user=citizen, kind="reflection", subject="agency", agency_identifier=world["ward"].identifier,
        title="T", content="C", at=local(2025, 3, 4, 9),
    )  # fmt: skip
    services.feedback_reject(
        reference=refused.reference,
        user=world["users"]["ward_officer"],
        reason="Trùng",
        at=local(2025, 3, 4, 10),
    )
    html = client.get("/thong-ke/", query).content.decode()
    assert 'data-figure="pakn_satisfaction_rate">50,00 %<' in html
    assert 'data-figure="pakn_received">3<' in html and 'data-figure="pakn_rejected">1<' in html
    index = client.get("/api/v1/stats/index766", query).json()["rows"][0]["indicators"]
    assert {i["code"]: i["value"] for i in index}["5.3p"] == 50.0
