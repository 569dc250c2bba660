"""Bulk-generate realistic dossier histories straight into the database (bulk_create), for the statistics
benchmark. Deterministic for a seed.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/mc_bench_stats \\
        .venv/bin/python -m bench.generate 200000 [--seed 7] [--no-events] [--from 2024-07-01 --to 2025-12-31]

What it creates (idempotent for the org/catalog part; dossiers get a fresh code prefix per run):
- a province tree under "H26": 20 departments, 12 districts with 10 wards each (153 agencies);
- 10 fields and 60 procedures (limits 0.5–20 working days) if the catalogue has fewer than 20 procedures,
  else it uses the catalogue's procedures;
- N dossiers received during office hours of working days between --from and --to (more at departments and
  districts than at wards; 55 % online, 40 % counter, 5 % postal), due instants from the calendar service;
  about 98 % resolved early or on time, 1.5 % late, 3 % stopped, 2 % refused before reception, the most recent
  ones still pending (some overdue);
- unless --no-events: the matching hash-chained events (submit/register, receive, resolve | stop | refuse).
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import random
import sys
import time
from decimal import Decimal

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "motcua.settings")

import django  # noqa: E402

django.setup()

from django.db import connection, transaction  # noqa: E402

from motcua.catalog.models import Field, Procedure, ProcedureVersion  # noqa: E402
from motcua.dossiers.lifecycle import processing_seconds  # noqa: E402
from motcua.dossiers.models import Dossier, DossierEvent  # noqa: E402
from motcua.dossiers.services import AgencyCalendar, event_hash  # noqa: E402
from motcua.org.models import Agency  # noqa: E402
from motcua.workdays import services as calendar  # noqa: E402
from motcua.workdays.calendar import TZ  # noqa: E402

CALENDAR = AgencyCalendar(None)  # the national calendar, as the due instants above

LIMIT_DAYS = [Decimal("0.5"), 1, 2, 3, 3, 5, 5, 7, 10, 12, 15, 20]
FAMILY = ["Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Vũ", "Đặng", "Bùi", "Đỗ", "Hồ"]
GIVEN = ["Văn An", "Thị Bình", "Minh Châu", "Quốc Dũng", "Thu Hà", "Đức Huy", "Ngọc Lan", "Hữu Phúc"]


def ensure_org() -> list[Agency]:
    province, _ = Agency.objects.get_or_create(
        identifier="H26", defaults={"name": "Thành phố Hà Nội", "level": "province"}
    )
    agencies = [province]
    for i in range(1, 21):
        a, _ = Agency.objects.get_or_create(
            identifier=f"000.00.{i + 20:02d}.H26",
            defaults={"name": f"Sở số {i}", "level": "department", "parent": province},
        )
        agencies.append(a)
    for d in range(1, 13):
        district, _ = Agency.objects.get_or_create(
            identifier=f"000.00.{d + 40:02d}.H26",
            defaults={"name": f"UBND Quận {d}", "level": "district", "parent": province},
        )
        agencies.append(district)
        for w in range(1, 11):
            a, _ = Agency.objects.get_or_create(
                identifier=f"000.{w:02d}.{d + 40:02d}.H26",
                defaults={"name": f"UBND Phường {w} Quận {d}", "level": "commune", "parent": district},
            )
            agencies.append(a)
    return agencies


def ensure_catalog(rng: random.Random) -> list[tuple[Procedure, Decimal, int]]:
    procs = list(Procedure.objects.filter(active=True).select_related("field"))
    if len(procs) < 20:
        fields = []
        for i in range(1, 11):
            f, _ = Field.objects.get_or_create(
                code=f"bench-linh-vuc-{i}", defaults={"name": f"Lĩnh vực thử {i}"}
            )
            fields.append(f)
        for i in range(60):
            f = fields[i % 10]
            p, created = Procedure.objects.get_or_create(
                code=f"2.{900000 + i:06d}",
                defaults={"name": f"Thủ tục thử nghiệm số {i}", "field": f, "level": "province"},
            )
            if created:
                ProcedureVersion.objects.create(
                    procedure=p,
                    effective_from=dt.date(2020, 1, 1),
                    name=p.name,
                    field=f,
                    level="province",
                    legal_days=Decimal(str(rng.choice(LIMIT_DAYS))),
                )
        procs = list(Procedure.objects.filter(active=True).select_related("field"))
    out = []
    for p in procs:
        v = p.versions.order_by("-effective_from").first()
        hours = v.limit_hours() if v else None
        out.append((p, Decimal(hours) if hours is not None else Decimal(40), p.field_id))
    return out


def working_days(d1: dt.date, d2: dt.date) -> list[dt.date]:
    out, d = [], d1
    while d <= d2:
        if calendar.is_working_day(d):
            out.append(d)
        d += dt.timedelta(days=1)
    return out


def office_instant(rng: random.Random, day: dt.date) -> dt.datetime:
    minute = rng.randint(0, 8 * 60 - 1)
    hour = 8 + minute // 60 if minute < 240 else 13 + (minute - 240) // 60
    return dt.datetime(day.year, day.month, day.day, hour, minute % 60, rng.randint(0, 59), tzinfo=TZ)


def generate(
    n: int, *, seed: int, d1: dt.date, d2: dt.date, events: bool, now: dt.datetime, batch: int = 5000
):
    rng = random.Random(seed)
    agencies = ensure_org()
    weights = [1 if a.level == "commune" else 12 if a.level == "district" else 15 for a in agencies]
    weights[0] = 5
    procs = ensure_catalog(rng)
    days = working_days(d1, d2)
    prefix = f"B{seed}{int(time.time()) % 100000:05d}"
    start = time.perf_counter()
    made = 0
    while made < n:
        size = min(batch, n - made)
        dossiers, plans = [], []
        for i in range(size):
            k = made + i
            agency = rng.choices(agencies, weights)[0]
            proc, limit, field_id = rng.choice(procs)
            r = rng.random()
            channel = "online" if r < 0.55 else "counter" if r < 0.95 else "postal"
            received = office_instant(rng, rng.choice(days))
            fate = rng.random()
            d = Dossier(
                code=f"{agency.identifier}-{prefix}-{k:07d}",
                agency=agency,
                procedure=proc,
                field_id_snapshot=field_id,
                channel=channel,
                applicant_name=f"{rng.choice(FAMILY)} {rng.choice(GIVEN)}",
                applicant_name_ascii="",
                submitted_at=received - dt.timedelta(minutes=rng.randint(0, 600)),
            )
            plan = [("submit" if channel == "online" else "register", d.submitted_at, "submitted")]
            if fate < 0.02:  # refused at reception
                d.refused_at = received
                d.state = "refused"
                plan.append(("refuse", received, "refused"))
            else:
                deadline = calendar.compute_deadline(received, hours=limit, agency=None)
                d.received_at, d.counting_starts_at = received, deadline.counting_starts_at
                d.due_at = d.initial_due_at = deadline.due_at
                d.limit_hours = limit
                d.state = "processing"
                plan.append(("receive", received, "received"))
                span = max((d.due_at - d.counting_starts_at).total_seconds(), 3600)
                if fate < 0.05:  # stopped at the applicant's request
                    t = d.counting_starts_at + dt.timedelta(seconds=rng.uniform(0.05, 0.6) * span)
                    if t <= now:
                        d.stopped_at, d.state = t, "stopped"
                        plan.append(("stop", t, "stopped"))
                else:
                    late = rng.random() < 0.015
                    if late:
                        t = d.due_at + dt.timedelta(hours=rng.uniform(0.1, 96))
                    elif rng.random() < 0.08:  # on the due date, before the due instant
                        t = d.due_at - dt.timedelta(minutes=rng.randint(1, 180))
                    else:
                        t = d.counting_starts_at + dt.timedelta(seconds=rng.uniform(0.1, 0.85) * span)
                    t = max(t, received + dt.timedelta(minutes=5))
                    if t <= now:
                        d.resolved_at, d.state, d.outcome = t, "resolved", "approved"
                        d.processing_seconds = processing_seconds(d.counting_starts_at, t, 0, CALENDAR)
                        d.classification = (
                            "late"
                            if t > d.due_at
                            else "early"
                            if t.astimezone(TZ).date() < d.due_at.astimezone(TZ).date()
                            else "on_time"
                        )
                        plan.append(("resolve", t, "resolved"))
            d.version = len(plan)
            dossiers.append(d)
            plans.append(plan)
        with transaction.atomic():
            if events:
                for d, plan in zip(dossiers, plans, strict=True):
                    prev = ""
                    rows = []
                    for seq, (action, t, to_state) in enumerate(plan, start=1):
                        data = {"channel": d.channel, "procedure": d.procedure.code} if seq == 1 else {}
                        if action == "receive":
                            data = {"limit_hours": str(d.limit_hours), "due_at": d.due_at.isoformat()}
                        if action == "resolve":
                            data = {"outcome": "approved"}
                        reason = "Theo đề nghị của người nộp" if action in ("stop", "refuse") else ""
                        h = event_hash(
                            code=d.code,
                            seq=seq,
                            action=action,
                            at=t,
                            actor="bench",
                            from_state=plan[seq - 2][2] if seq > 1 else "",
                            to_state=to_state,
                            step_order=None,
                            reason=reason,
                            data=data,
                            file_hashes=[],
                            prev_hash=prev,
                        )
                        rows.append((seq, action, t, to_state, data, reason, prev, h))
                        prev = h
                    d.last_event_hash = prev
                    d._bench_events = rows
            if connection.vendor == "postgresql":
                copy_rows(dossiers, events)
            else:
                Dossier.objects.bulk_create(dossiers, batch_size=2000)
                if events:
                    DossierEvent.objects.bulk_create(
                        [e for d in dossiers for e in event_objects(d)], batch_size=5000
                    )
        made += size
        rate = made / (time.perf_counter() - start)
        print(f"  {made:>9} dossiers ({rate:,.0f}/s)", file=sys.stderr, flush=True)
    return made


def event_objects(d: Dossier) -> list[DossierEvent]:
    out = []
    for seq, action, t, to_state, data, reason, prev, h in d._bench_events:
        out.append(
            DossierEvent(
                dossier_id=d.pk,
                seq=seq,
                action=action,
                at=t,
                actor_name="bench",
                from_state="" if seq == 1 else d._bench_events[seq - 2][3],
                to_state=to_state,
                data=data,
                reason=reason,
                prev_hash=prev,
                hash=h,
            )
        )
    return out


def _copy(cur, model, instances) -> None:
    """COPY model rows (pk preassigned) — PostgreSQL only; 10x faster than bulk_create for wide rows."""
    from psycopg.types.json import Jsonb

    fields = [f for f in model._meta.concrete_fields]
    cols = ", ".join(f'"{f.column}"' for f in fields)
    with cur.copy(f'COPY "{model._meta.db_table}" ({cols}) FROM STDIN') as copy:
        for obj in instances:
            row = []
            for f in fields:
                v = getattr(obj, f.attname)
                if f.get_internal_type() == "JSONField":
                    v = Jsonb(v)
                row.append(v)
            copy.write_row(row)


def copy_rows(dossiers: list[Dossier], events: bool) -> None:
    from django.utils import timezone

    now = timezone.now()
    with connection.cursor() as c:
        cur = c.cursor
        cur.execute(
            "SELECT nextval(pg_get_serial_sequence('dossiers_dossier', 'id')) FROM generate_series(1, %s)",
            [len(dossiers)],
        )
        for d, (pk,) in zip(dossiers, cur.fetchall(), strict=True):
            d.pk = pk
            d.created_at = d.updated_at = now
        _copy(cur, Dossier, dossiers)
        if events:
            evs = [e for d in dossiers for e in event_objects(d)]
            cur.execute(
                "SELECT nextval(pg_get_serial_sequence('dossiers_dossierevent', 'id')) "
                "FROM generate_series(1, %s)",
                [len(evs)],
            )
            for e, (pk,) in zip(evs, cur.fetchall(), strict=True):
                e.pk = pk
                e.recorded_at = now
            _copy(cur, DossierEvent, evs)


def main(argv=None):
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("n", type=int)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--from", dest="d1", default="2024-07-01")
    parser.add_argument("--to", dest="d2", default="2025-12-31")
    parser.add_argument("--now", default="2025-12-20T12:00:00+07:00", help="histories stop at this instant")
    parser.add_argument("--no-events", action="store_true")
    args = parser.parse_args(argv)
    t0 = time.perf_counter()
    made = generate(
        args.n,
        seed=args.seed,
        d1=dt.date.fromisoformat(args.d1),
        d2=dt.date.fromisoformat(args.d2),
        events=not args.no_events,
        now=dt.datetime.fromisoformat(args.now),
    )
    print(f"{made} dossiers in {time.perf_counter() - t0:.1f} s; total now {Dossier.objects.count()}")


if __name__ == "__main__":
    main()
