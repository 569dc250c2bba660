"""Generate a whole province of dossiers server-side on PostgreSQL (INSERT … SELECT generate_series), for the
statistics benchmark at 10,000,000 dossiers — `bench/generate.py` (bulk_create/COPY from Python, with events)
runs at a few thousand dossiers per second, which is hours at that size.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/mc_bench10m \\
        flock /work/notes/bench.lock .venv/bin/python -m bench.generate_province 10000000 \\
        [--from 2022-01-01 --to 2026-11-25] [--now 2026-11-26T00:00:00+07:00] [--chunk 1000000] [--seed 7]

The org tree (153 agencies) and catalogue (10 fields, 60 procedures) are those of `bench/generate.py`. Each
dossier: an agency (departments and districts weighted over wards), a procedure, a channel (55 % online, 40 %
counter, 5 % postal), received in office hours of a working day between --from and --to; 2 % refused before
reception, 3 % stopped, the others resolved (about 1.5 % late, 8 % on the due date), those whose close would be
after --now are still pending; 5 % have no field snapshot (like imported dossiers: the procedure's field is used).

Honest limits: NO EVENTS are written (the statistics read the stored columns and the summary table; verify-stats
cannot be run on this data), and the due instant is an approximation (limit in working days × 7/5 calendar
days), not the working-day calendar, and so is the processing time (calendar time × 5/7 × 8/24) — neither matters to the cost of the statistics queries. Deterministic for a
seed (setseed per chunk). Inserted with session_replication_role = replica (no per-row foreign-key checks: the
ids come from the tables), which also skips the summary table's triggers: run `motcua rebuild-stats` afterwards.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import random
import sys
import time

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "motcua.settings")

import django  # noqa: E402

django.setup()

from django.db import connection, transaction  # noqa: E402

from bench.generate import ensure_catalog, ensure_org, working_days  # noqa: E402

INSERT = """
WITH ag AS (SELECT i, v AS agency_id FROM unnest(%(agencies)s::bigint[]) WITH ORDINALITY AS t(v, i)),
pr AS (
    SELECT i, p AS procedure_id, f AS field_id, h AS limit_hours
    FROM unnest(%(procs)s::bigint[], %(fields)s::bigint[], %(hours)s::numeric[]) WITH ORDINALITY AS t(p, f, h, i)
),
dy AS (SELECT i, v AS day FROM unnest(%(days)s::date[]) WITH ORDINALITY AS t(v, i)),
g AS (
    SELECT n, 1 + floor(random() * %(n_agencies)s)::int AS ai, 1 + floor(random() * %(n_procs)s)::int AS pi,
           1 + floor(random() * %(n_days)s)::int AS di, random() AS rc, random() AS rt,
           random() AS rf, random() AS rl, random() AS rs, random() AS rx, random() AS rn
    FROM generate_series(%(lo)s::bigint, %(hi)s::bigint) AS n
), timed AS (
    SELECT n, rf, rl, rs, rx, ag.agency_id, pr.procedure_id, pr.field_id, pr.limit_hours,
           CASE WHEN rc < 0.55 THEN 'online' WHEN rc < 0.95 THEN 'counter' ELSE 'postal' END AS channel,
           (dy.day + make_interval(
                hours => CASE WHEN floor(rt * 480) < 240 THEN 8 + floor(rt * 8)::int ELSE 9 + floor(rt * 8)::int END,
                mins => floor(rt * 480)::int %% 60, secs => floor(rn * 60)::int))
               AT TIME ZONE 'Asia/Ho_Chi_Minh' AS received
    FROM g JOIN ag ON ag.i = g.ai JOIN pr ON pr.i = g.pi JOIN dy ON dy.i = g.di
), due AS (
    SELECT t.*, t.received + make_interval(secs => (t.limit_hours / 8 * 7 / 5 * 86400)::double precision) AS due
    FROM timed t
), fate AS (
    SELECT d.*,
           CASE WHEN rf < 0.02 THEN 'refused' WHEN rf < 0.05 THEN 'stopped' ELSE 'resolved' END AS kind,
           GREATEST(d.received + interval '5 minutes',
               CASE WHEN rl < 0.015 THEN d.due + make_interval(secs => (0.1 + rs * 96) * 3600)
                    WHEN rl < 0.095 THEN d.due - make_interval(mins => 1 + floor(rs * 180)::int)
                    ELSE d.received + (d.due - d.received) * (0.1 + 0.75 * rs) END) AS close_at
    FROM due d
)
INSERT INTO dossiers_dossier (
    code, agency_id, procedure_id, field_id_snapshot, channel, state, resume_state, applicant_kind,
    applicant_name, applicant_name_ascii, applicant_id_number, applicant_address, applicant_phone,
    applicant_email, representative, form_data, result_method, limit_hours, submitted_at, received_at,
    counting_starts_at, due_at, initial_due_at, paused_hours, resolved_at, processing_seconds, outcome, classification,
    return_method, refused_at, stopped_at, supplement_rounds, imported, version, last_event_hash,
    created_at, updated_at)
SELECT
    %(prefix)s || '-' || lpad(n::text, 8, '0'), agency_id, procedure_id,
    CASE WHEN rx < 0.05 THEN NULL ELSE field_id END, channel,
    CASE WHEN kind = 'refused' THEN 'refused'
         WHEN close_at > %(now)s THEN 'processing'
         WHEN kind = 'stopped' THEN 'stopped' ELSE 'resolved' END,
    '', 'individual', 'Nguyễn Văn An', 'nguyen van an', '', '', '', '', '{}'::jsonb, '{}'::jsonb, 'counter',
    CASE WHEN kind = 'refused' THEN NULL ELSE limit_hours END,
    received - interval '30 minutes',
    CASE WHEN kind = 'refused' THEN NULL ELSE received END,
    CASE WHEN kind = 'refused' THEN NULL ELSE received END,
    CASE WHEN kind = 'refused' THEN NULL ELSE due END,
    CASE WHEN kind = 'refused' THEN NULL ELSE due END,
    0,
    CASE WHEN kind = 'resolved' AND close_at <= %(now)s THEN close_at END,
    CASE WHEN kind = 'resolved' AND close_at <= %(now)s
         THEN round(extract(epoch FROM close_at - received) * 5 / 7 / 3)::bigint END,
    CASE WHEN kind = 'resolved' AND close_at <= %(now)s THEN 'approved' ELSE '' END,
    CASE WHEN kind <> 'resolved' OR close_at > %(now)s THEN ''
         WHEN close_at > due THEN 'late'
         WHEN (close_at AT TIME ZONE 'Asia/Ho_Chi_Minh')::date < (due AT TIME ZONE 'Asia/Ho_Chi_Minh')::date
              THEN 'early'
         ELSE 'on_time' END,
    '',
    CASE WHEN kind = 'refused' THEN received END,
    CASE WHEN kind = 'stopped' AND close_at <= %(now)s THEN close_at END,
    0, rx < 0.05, 3, '', %(now)s, %(now)s
FROM fate
"""


def drop_secondary_indexes() -> list[str]:
    """Drop the dossier table's indexes that back no constraint; returns their definitions to recreate."""
    with connection.cursor() as cur:
        cur.execute(
            """SELECT i.indexname, i.indexdef FROM pg_indexes i
               WHERE i.tablename = 'dossiers_dossier' AND i.schemaname = current_schema()
                 AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conname = i.indexname)"""
        )
        rows = cur.fetchall()
        for name, _ in rows:
            cur.execute(f'DROP INDEX "{name}"')
    return [sql for _, sql in rows]


def main(argv=None):
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("n", type=int)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--from", dest="d1", default="2022-01-01")
    parser.add_argument("--to", dest="d2", default="2026-11-25")
    parser.add_argument("--now", default="2026-11-26T00:00:00+07:00", help="histories stop at this instant")
    parser.add_argument("--chunk", type=int, default=1_000_000)
    parser.add_argument(
        "--keep-indexes",
        action="store_true",
        help="insert with the secondary indexes in place (default: drop them, insert, rebuild them: ~5x faster)",
    )
    args = parser.parse_args(argv)
    if connection.vendor != "postgresql":
        sys.exit("generate_province needs PostgreSQL (DATABASE_URL=postgres://...)")
    rng = random.Random(args.seed)
    agencies = ensure_org()
    weights = [1 if a.level == "commune" else 12 if a.level == "district" else 15 for a in agencies]
    weights[0] = 5
    weighted = [a.pk for a, w in zip(agencies, weights, strict=True) for _ in range(w)]
    procs = ensure_catalog(rng)
    days = working_days(dt.date.fromisoformat(args.d1), dt.date.fromisoformat(args.d2))
    now = dt.datetime.fromisoformat(args.now)
    prefix = f"G{args.seed}{int(time.time()) % 100000:05d}"
    params = {
        "agencies": weighted,
        "n_agencies": len(weighted),
        "procs": [p.pk for p, _, _ in procs],
        "fields": [f for _, _, f in procs],
        "hours": [h for _, h, _ in procs],
        "n_procs": len(procs),
        "days": days,
        "n_days": len(days),
        "now": now,
        "prefix": prefix,
    }
    t0 = time.perf_counter()
    made = 0
    indexes = [] if args.keep_indexes else drop_secondary_indexes()
    while made < args.n:
        size = min(args.chunk, args.n - made)
        t = time.perf_counter()
        with transaction.atomic(), connection.cursor() as cur:
            # no per-row foreign-key checks (the ids come from the tables themselves); this also skips the
            # summary trigger: run `motcua rebuild-stats` afterwards
            cur.execute("SET LOCAL session_replication_role = replica")
            cur.execute("SELECT setseed(%s)", [((args.seed * 7919 + made) % 1000003) / 1000003])
            cur.execute(INSERT, {**params, "lo": made + 1, "hi": made + size})
        made += size
        print(
            f"  {made:>10,} dossiers ({size / (time.perf_counter() - t):,.0f}/s)", file=sys.stderr, flush=True
        )
    if indexes:
        t = time.perf_counter()
        with connection.cursor() as cur:
            cur.execute("SET maintenance_work_mem = '512MB'")
            for sql in indexes:
                cur.execute(sql)
        print(
            f"  {len(indexes)} indexes rebuilt in {time.perf_counter() - t:.1f} s",
            file=sys.stderr,
            flush=True,
        )
    with connection.cursor() as cur:
        cur.execute("ANALYZE dossiers_dossier")
        cur.execute("SELECT count(*) FROM dossiers_dossier")
        total = cur.fetchone()[0]
    print(f"{made:,} dossiers in {time.perf_counter() - t0:.1f} s; total now {total:,}")


if __name__ == "__main__":
    main()
