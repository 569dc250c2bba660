"""Two independent implementations must agree on random histories: the SQL conditional aggregates of
selectors.py and the rule-by-rule Python counting of verify.py. Plus the period identities of contract §5."""

import datetime as dt
import random

import pytest

from motcua.dossiers.models import Dossier
from motcua.reports import selectors, verify

from .conftest import at

BASE = at(2025, 1, 1, 0)


def random_history(world, rng: random.Random, n: int):
    agencies = [world["so"], world["quan"], world["phuong"], world["hn"]]
    procs = list(world["procs"].values())
    rows, records = [], []
    for i in range(n):
        agency = rng.choice(agencies)
        minutes = lambda lo, hi: dt.timedelta(minutes=rng.randint(lo, hi))  # noqa: E731
        received = BASE + minutes(0, 180 * 24 * 60)
        kind = rng.random()
        refused = stopped = resolved = None
        if kind < 0.05:
            refused, received_at = received, None
        else:
            received_at = received
            if kind < 0.12:
                stopped = received + minutes(0, 20 * 24 * 60)
            elif kind < 0.85:
                resolved = received + minutes(0, 30 * 24 * 60)
        due = received + minutes(8 * 60, 25 * 24 * 60) if received_at else None
        if rng.random() < 0.05 and due:
            due = due.replace(hour=17, minute=0)
        classification = verify.classify(resolved, due) if resolved else ""
        channel = rng.choice(["online", "counter", "postal"])
        rows.append(
            Dossier(
                code=f"RND-{i:05d}",
                agency=agency,
                procedure=rng.choice(procs),
                channel=channel,
                state="resolved" if resolved else "processing",
                applicant_name="X",
                applicant_name_ascii="x",
                received_at=received_at,
                due_at=due,
                resolved_at=resolved,
                classification=classification,
                stopped_at=stopped,
                refused_at=refused,
            )
        )
        records.append(
            verify.Replayed(
                0,
                f"RND-{i:05d}",
                agency.path,
                channel=channel,
                received_at=received_at,
                resolved_at=resolved,
                stopped_at=stopped,
                refused_at=refused,
                due_at=due,
                classification=classification,
            )
        )
    Dossier.objects.bulk_create(rows)
    return records


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_sql_and_python_counting_agree(world, seed):
    rng = random.Random(seed)
    records = random_history(world, rng, 400)
    for _ in range(6):
        d1 = dt.date(2025, 1, 1) + dt.timedelta(days=rng.randint(0, 200))
        d2 = d1 + dt.timedelta(days=rng.randint(0, 90))
        now = at(2025, 1, 1) + dt.timedelta(hours=rng.randint(0, 24 * 260))
        period = selectors.make_period(d1, d2)
        e = min(period.end, now)
        for agency in (None, world["quan"], world["so"]):
            mine = [r for r in records if agency is None or r.agency_path.startswith(agency.path)]
            expected = verify.figures_from_records(mine, period.start, period.end, e)
            got = selectors.on_time_stats(date_from=d1, date_to=d2, agency=agency, now=now)
            assert {k: got[k] for k in expected} == expected


def test_period_identities(world):
    rng = random.Random(7)
    random_history(world, rng, 300)
    later = at(2026, 1, 1)
    months = selectors.breakdown(date_from="2025-01-01", date_to="2025-06-30", by="month", now=later)["rows"]
    for prev, nxt in zip(months, months[1:], strict=False):
        # pending at the end of one month = carried over into the next
        assert prev["pending"] == nxt["carried_over"]
    for m in months:
        # every dossier open during a finished month ends it resolved, stopped after reception, or pending
        stopped_received = Dossier.objects.filter(
            stopped_at__gte=selectors.local_midnight(dt.date.fromisoformat(m["from"])),
            stopped_at__lt=selectors.local_midnight(dt.date.fromisoformat(m["to"]) + dt.timedelta(days=1)),
            received_at__isnull=False,
        ).count()
        assert m["received"] + m["carried_over"] == m["resolved"] + stopped_received + m["pending"]
        assert m["resolved"] == m["early"] + m["on_time"] + m["late"]
