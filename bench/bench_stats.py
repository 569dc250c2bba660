"""Latency of the statistics (contract §5) over a generated history — p50 / p95 / max per request kind — and, in
the same run, DuckDB computing the same aggregation over the same rows.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/mc_bench10m PYTHONPATH=.bench-pkgs:. \
        flock /work/notes/bench.lock .venv/bin/python -m bench.bench_stats \
        [--runs 30] [--year 2025] [--explain] [--no-raw] [--no-duckdb] [--json bench/results/stats.json]

Fill the database first with `python -m bench.generate_province N` (or `bench.generate N`). Measured in-process:
the selector calls, the HTTP API and the leader / overseer dashboards through Django's test client (full
request/response stack, no network). "now" is the real clock, so the pending figures of the year are measured at
the end of the year or now. `raw` cases run the reference queries on the dossier table (MOTCUA_STATS_SUMMARY
off) for comparison. DuckDB (bench-only extra `bench`, `pip install duckdb`): the columns the statistics need are
copied out of PostgreSQL (COPY … TO STDOUT, CSV), loaded into an in-memory DuckDB table, and only the query is
timed — the same conditional aggregation as selectors._conditions for one year and the whole province; its
counts are checked equal to the API's.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import statistics
import sys
import time

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "motcua.settings")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.contrib.auth import get_user_model  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402

from motcua.catalog.models import Field  # noqa: E402
from motcua.dossiers.models import Dossier  # noqa: E402
from motcua.org.models import Agency  # noqa: E402
from motcua.reports import selectors  # noqa: E402

User = get_user_model()


def measure(fn, runs: int) -> dict:
    for _ in range(2):
        fn()
    times = []
    for _ in range(runs):
        t = time.perf_counter()
        fn()
        times.append((time.perf_counter() - t) * 1000)
    times.sort()
    p95 = times[min(len(times) - 1, int(round(0.95 * len(times))) - 1)]
    return {
        "p50_ms": round(statistics.median(times), 1),
        "p95_ms": round(p95, 1),
        "max_ms": round(times[-1], 1),
    }


def raw(fn):
    """Run `fn` with the summary path off: the reference queries on the dossier table."""

    def run():
        settings.MOTCUA_STATS_SUMMARY = False
        try:
            return fn()
        finally:
            settings.MOTCUA_STATS_SUMMARY = True

    return run


DUCK_COLUMNS = (
    "agency_id BIGINT, channel VARCHAR, received_at TIMESTAMPTZ, due_at TIMESTAMPTZ, resolved_at TIMESTAMPTZ, "
    "stopped_at TIMESTAMPTZ, refused_at TIMESTAMPTZ, classification VARCHAR"
)


def duckdb_same_aggregation(d1: str, d2: str, api_figures: dict, runs: int) -> dict:
    """Copy the dossier columns out of PostgreSQL, load them into DuckDB, time the one-year province aggregation
    (selectors._conditions written in DuckDB SQL) and check its counts against the API's."""
    import tempfile

    import duckdb
    from django.utils import timezone

    period = selectors.make_period(d1, d2)
    s, x = period.start, period.end
    e = min(x, timezone.now())
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "dossiers.csv")
        t = time.perf_counter()
        with connection.cursor() as c, open(path, "wb") as fh:
            with c.cursor.copy(
                "COPY (SELECT agency_id, channel, received_at, due_at, resolved_at, stopped_at, refused_at, "
                "classification FROM dossiers_dossier) TO STDOUT (FORMAT csv)"
            ) as copy:
                for block in copy:
                    fh.write(block)
        copy_s = time.perf_counter() - t
        db = duckdb.connect()
        db.execute("SET TimeZone = 'UTC'")
        t = time.perf_counter()
        db.execute(
            "CREATE TABLE d AS SELECT * FROM read_csv(?, header = false, columns = {"
            + ", ".join(f"'{c.split()[0]}': '{c.split()[1]}'" for c in DUCK_COLUMNS.split(", "))
            + "})",
            [path],
        )
        load_s = time.perf_counter() - t
        rows = db.execute("SELECT count(*) FROM d").fetchone()[0]
    pending = "received_at < $e AND (resolved_at IS NULL OR resolved_at >= $e) AND (stopped_at IS NULL OR stopped_at >= $e)"
    received = "received_at >= $s AND received_at < $x"
    resolved = "resolved_at >= $s AND resolved_at < $x"
    conditions = {
        "received": received,
        "received_online": f"{received} AND channel = 'online'",
        "received_counter": f"{received} AND channel = 'counter'",
        "received_postal": f"{received} AND channel = 'postal'",
        "carried_over": "received_at < $s AND (resolved_at IS NULL OR resolved_at >= $s) "
        "AND (stopped_at IS NULL OR stopped_at >= $s)",
        "resolved": resolved,
        "early": f"{resolved} AND classification = 'early'",
        "on_time": f"{resolved} AND classification = 'on_time'",
        "late": f"{resolved} AND classification = 'late'",
        "stopped": "stopped_at >= $s AND stopped_at < $x",
        "refused": "refused_at >= $s AND refused_at < $x",
        "pending_within": f"{pending} AND (due_at IS NULL OR due_at >= $e)",
        "pending_overdue": f"{pending} AND due_at < $e",
    }
    sql = (
        "SELECT "
        + ", ".join(f"count(*) FILTER (WHERE {q}) AS {k}" for k, q in conditions.items())
        + " FROM d"
    )
    params = {"s": s, "x": x, "e": e}

    def query():
        return db.execute(sql, params).fetchone()

    got = dict(zip(conditions, query(), strict=True))
    expected = {k: api_figures[k] for k in conditions}
    assert got == expected, f"DuckDB {got} != API {expected}"
    return {
        "version": duckdb.__version__,
        "rows": rows,
        "copy_s": round(copy_s, 1),
        "load_s": round(load_s, 1),
        "counts_equal_api": True,
        "query": measure(query, runs),
    }


def main(argv=None):
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--year", type=int, default=2025)
    parser.add_argument("--explain", action="store_true", help="print the PostgreSQL plan of the main query")
    parser.add_argument("--json", help="write the results to this file")
    parser.add_argument("--no-raw", action="store_true", help="skip the raw reference queries")
    parser.add_argument("--no-duckdb", action="store_true")
    parser.add_argument("--slow-runs", type=int, default=5, help="runs of the raw reference and dashboards")
    args = parser.parse_args(argv)
    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]

    d1, d2 = f"{args.year}-01-01", f"{args.year}-12-31"
    province = Agency.objects.get(identifier="H26")
    dept = Agency.objects.filter(level="department").order_by("identifier").first()
    ward = Agency.objects.filter(level="commune").order_by("identifier").first()
    field = Field.objects.filter(procedures__isnull=False).order_by("code").first()
    total = Dossier.objects.count()
    in_year = Dossier.objects.filter(received_at__year=args.year).count()
    client = Client()
    api = f"/api/v1/stats/on-time?from={d1}&to={d2}&agency=H26"

    def http_get(url):
        def run():
            r = client.get(url)
            assert r.status_code == 200, r.content[:300]

        return run

    user, _ = User.objects.get_or_create(
        username="bench-admin", defaults={"is_superuser": True, "is_staff": True}
    )
    if not user.is_superuser:
        user.is_superuser = True
        user.save(update_fields=["is_superuser"])
    client.force_login(user)
    today = dt.date.today()
    ytd = (f"{today.year}-01-01", today.isoformat())
    cases = {
        "on_time_stats: province H26 (subtree), one year": lambda: selectors.on_time_stats(
            date_from=d1, date_to=d2, agency=province
        ),
        "on_time_stats: no scope (all), one year": lambda: selectors.on_time_stats(date_from=d1, date_to=d2),
        f"on_time_stats: department {dept.identifier}, one year": lambda: selectors.on_time_stats(
            date_from=d1, date_to=d2, agency=dept
        ),
        f"on_time_stats: ward {ward.identifier}, one year": lambda: selectors.on_time_stats(
            date_from=d1, date_to=d2, agency=ward
        ),
        f"on_time_stats: province + field {field.code}": lambda: selectors.on_time_stats(
            date_from=d1, date_to=d2, agency=province, field=field
        ),
        "on_time_stats: province, one month": lambda: selectors.on_time_stats(
            date_from=f"{args.year}-06-01", date_to=f"{args.year}-06-30", agency=province
        ),
        "breakdown by agency (153 rows), one year": lambda: selectors.breakdown(
            date_from=d1, date_to=d2, by="agency", agency=province
        ),
        "breakdown by month (12 queries), one year": lambda: selectors.breakdown(
            date_from=d1, date_to=d2, by="month", agency=province
        ),
        "on_time_stats: province, year to date (includes now)": lambda: selectors.on_time_stats(
            date_from=ytd[0], date_to=ytd[1], agency=province
        ),
        "breakdown by month, year to date (includes now)": lambda: selectors.breakdown(
            date_from=ytd[0], date_to=ytd[1], by="month", agency=province
        ),
        "HTTP GET /api/v1/stats/on-time (province, year)": http_get(api),
        f"HTTP GET /api/v1/stats/on-time (department {dept.identifier}, year)": http_get(
            f"/api/v1/stats/on-time?from={d1}&to={d2}&agency={dept.identifier}"
        ),
        f"HTTP GET /api/v1/stats/on-time (ward {ward.identifier}, year)": http_get(
            f"/api/v1/stats/on-time?from={d1}&to={d2}&agency={ward.identifier}"
        ),
        "HTTP GET /api/v1/stats/breakdown?by=month (province, year)": http_get(
            f"/api/v1/stats/breakdown?from={d1}&to={d2}&agency=H26&by=month"
        ),
        "HTTP GET /api/v1/stats/breakdown?by=field": http_get(
            f"/api/v1/stats/breakdown?from={d1}&to={d2}&agency=H26&by=field"
        ),
        "HTTP GET /api/v1/stats/breakdown?by=agency": http_get(
            f"/api/v1/stats/breakdown?from={d1}&to={d2}&agency=H26&by=agency"
        ),
        "HTTP GET overseer dashboard (province, year to date)": http_get("/thong-ke/giam-sat/?agency=H26"),
        "HTTP GET /api/v1/stats/index766 (province, year)": http_get(
            f"/api/v1/stats/index766?from={d1}&to={d2}&agency=H26"
        ),
        "HTTP GET /api/v1/stats/open-data.csv (province, year)": http_get(
            f"/api/v1/stats/open-data.csv?from={d1}&to={d2}&agency=H26"
        ),
    }
    slow_cases = {
        f"HTTP GET leader dashboard (ward {ward.identifier}, last 12 months)": http_get(
            f"/thong-ke/lanh-dao/?agency={ward.identifier}"
        ),
        f"HTTP GET leader dashboard (department {dept.identifier}, last 12 months)": http_get(
            f"/thong-ke/lanh-dao/?agency={dept.identifier}"
        ),
    }
    if not args.no_raw:
        slow_cases["raw reference: on_time_stats province, one year (dossier table)"] = raw(
            lambda: selectors.on_time_stats(date_from=d1, date_to=d2, agency=province)
        )
    print(
        f"database: {connection.vendor} {settings.DATABASES['default'].get('NAME')}; dossiers: {total:,} "
        f"({in_year:,} received in {args.year}); agencies: {Agency.objects.count()}; runs: {args.runs}",
        flush=True,
    )
    figures = selectors.on_time_stats(date_from=d1, date_to=d2, agency=province)
    print(
        "figures: " + ", ".join(f"{k}={figures[k]}" for k in (*selectors.COUNT_KEYS, *selectors.RATE_KEYS)),
        flush=True,
    )
    results = {}
    for group, runs in ((cases, args.runs), (slow_cases, args.slow_runs)):
        for name, fn in group.items():
            results[name] = measure(fn, runs)
            r = results[name]
            print(
                f"  {name:<70} p50 {r['p50_ms']:>8} ms   p95 {r['p95_ms']:>8} ms   max {r['max_ms']:>8} ms"
                f"   ({runs} runs)",
                flush=True,
            )
    if not args.no_duckdb:
        results["duckdb"] = duckdb_same_aggregation(d1, d2, figures, args.runs)
        api_p95 = results["HTTP GET /api/v1/stats/on-time (province, year)"]["p95_ms"]
        sel_p95 = results["on_time_stats: province H26 (subtree), one year"]["p95_ms"]
        duck = results["duckdb"]["query"]
        results["duckdb"]["ratio_api_p95_to_duckdb_p95"] = round(api_p95 / duck["p95_ms"], 2)
        results["duckdb"]["ratio_selector_p95_to_duckdb_p95"] = round(sel_p95 / duck["p95_ms"], 2)
        print(
            f"  DuckDB {results['duckdb']['version']}, same aggregation over the same {results['duckdb']['rows']:,} "
            f"rows: p50 {duck['p50_ms']} ms p95 {duck['p95_ms']} ms (copy out {results['duckdb']['copy_s']} s, "
            f"load {results['duckdb']['load_s']} s); PostgreSQL API p95 / DuckDB p95 = "
            f"{results['duckdb']['ratio_api_p95_to_duckdb_p95']}; selector p95 / DuckDB p95 = "
            f"{results['duckdb']['ratio_selector_p95_to_duckdb_p95']}",
            flush=True,
        )
        if "raw reference: on_time_stats province, one year (dossier table)" in results:
            rawp = results["raw reference: on_time_stats province, one year (dossier table)"]["p50_ms"]
            results["duckdb"]["ratio_raw_pg_p50_to_duckdb_p50"] = round(rawp / duck["p50_ms"], 2)
            print(
                f"  raw PostgreSQL query p50 / DuckDB p50 = {results['duckdb']['ratio_raw_pg_p50_to_duckdb_p50']}"
            )
    if args.explain and connection.vendor == "postgresql":
        from django.test.utils import CaptureQueriesContext

        with CaptureQueriesContext(connection) as ctx:
            selectors.on_time_stats(date_from=d1, date_to=d2, agency=province)
        sql = ctx.captured_queries[-1]["sql"]
        with connection.cursor() as cur:
            cur.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql)
            print("\n".join(row[0] for row in cur.fetchall()))
    if args.json:
        with open(args.json, "w") as fh:
            json.dump(
                {
                    "database": connection.vendor,
                    "dossiers": total,
                    "received_in_year": in_year,
                    "python": sys.version.split()[0],
                    "machine": platform.platform(),
                    "results": results,
                },
                fh,
                indent=2,
                ensure_ascii=False,
            )


if __name__ == "__main__":
    main()
