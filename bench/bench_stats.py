"""Latency of the statistics (contract §5) over a generated history — p50 / p95 / max per request kind.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/mc_bench_stats .venv/bin/python -m bench.bench_stats \\
        [--runs 30] [--year 2025] [--explain] [--json bench/results/stats.json]

Fill the database first with `python -m bench.generate N`. Measured in-process: the selector calls, and the HTTP
API through Django's test client (full request/response stack, no network). "now" is the real clock, so the
pending figures of the year are measured at the end of the year or now.
"""

from __future__ import annotations

import argparse
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
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402

from motcua.catalog.models import Field  # noqa: E402
from motcua.dossiers.models import Dossier  # noqa: E402
from motcua.org.models import Agency  # noqa: E402
from motcua.reports import selectors  # noqa: E402


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


def main(argv=None):
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--year", type=int, default=2025)
    parser.add_argument("--explain", action="store_true", help="print the PostgreSQL plan of the main query")
    parser.add_argument("--json", help="write the results to this file")
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
        "HTTP GET /api/v1/stats/on-time (province, year)": http_get(api),
        "HTTP GET /api/v1/stats/breakdown?by=field": http_get(
            f"/api/v1/stats/breakdown?from={d1}&to={d2}&agency=H26&by=field"
        ),
    }
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
    for name, fn in cases.items():
        results[name] = measure(fn, args.runs)
        r = results[name]
        print(
            f"  {name:<58} p50 {r['p50_ms']:>8} ms   p95 {r['p95_ms']:>8} ms   max {r['max_ms']:>8} ms",
            flush=True,
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
