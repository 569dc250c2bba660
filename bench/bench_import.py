"""Migration import throughput (contract §8) on PostgreSQL: records/s and the extrapolated time for 1,000,000.

    .venv/bin/python -m bench.bench_import [--dossiers N=100000] [--seed 7] [--keep] [--verify] [--twice]
        [--json out.json] [--file history.jsonl] [--url postgres://postgres@127.0.0.1:5432/mc_bench_import]

Generates N realistic dossier histories (bench/gen_history.py: ~6 events each, pauses, refusals, stops, pending,
across Tết 2025 and the make-up Saturday 26/04/2025) into a temporary JSONL file, creates the dedicated database
(dropped first if it exists, dropped again at the end unless --keep), migrates it, seeds the agencies and
procedures the file names, and times `import_dossiers` — the same function `motcua import-dossiers` runs: one
streamed pass, one transaction, COPY batches. Reports the total time, dossiers/s, events/s, the CPU of this
process, of the worker processes and of its PostgreSQL backend, and the peak memory of this process and of the
largest worker (bounded: it must not grow with N). --file imports an existing JSONL file instead of generating
one (N is then the file's line count). With --verify, the time of `verify-history` over the imported chains. A second import of the
same file (idempotence: everything skipped) is timed with --twice.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import resource
import sys
import tempfile
import time
from decimal import Decimal
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/mc_bench_import"
AGENCIES = ["000.00.21.H26", "000.00.33.H26"]
PROCEDURES = ["1.001612", "2.000046"]


def _admin_conn(url: str):
    import psycopg

    parts = urlsplit(url)
    admin = urlunsplit(parts._replace(path="/postgres"))
    return psycopg.connect(admin, autocommit=True), parts.path.lstrip("/")


def recreate(url: str) -> None:
    conn, name = _admin_conn(url)
    with conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')


def drop(url: str) -> None:
    conn, name = _admin_conn(url)
    with conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def pg_cpu_seconds() -> float | None:
    """CPU time of this process's PostgreSQL backend (same host only; None if not readable)."""
    from django.db import connection

    try:
        with connection.cursor() as cur:
            cur.execute("SELECT pg_backend_pid()")
            pid = cur.fetchone()[0]
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except (OSError, IndexError, ValueError):
        return None


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("n", type=int, nargs="?", default=None, help="same as --dossiers")
    parser.add_argument("--dossiers", type=int, default=None, help="dossiers to generate (default 100000)")
    parser.add_argument("--file", help="import this JSONL file instead of generating one")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--url", default=os.environ.get("BENCH_IMPORT_URL", DEFAULT_URL))
    parser.add_argument("--keep", action="store_true", help="keep the database afterwards")
    parser.add_argument("--verify", action="store_true", help="also time verify-history")
    parser.add_argument("--twice", action="store_true", help="also time a second import of the same file")
    parser.add_argument("--json", help="write the figures to this file")
    parser.add_argument("--jobs", type=int, help="worker processes (default: migration_io.default_jobs())")
    args = parser.parse_args(argv)
    args.n = args.dossiers or args.n or 100_000

    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    from bench import gen_history

    t = time.monotonic()
    events = 0
    if args.file:
        path, args.n = args.file, 0
        with open(path, encoding="utf-8") as fh:
            for line in fh:
                args.n += 1
                events += line.count('"action":')
    else:
        tmp = tempfile.NamedTemporaryFile("w", suffix=".jsonl", delete=False, encoding="utf-8")  # noqa: SIM115
        path = tmp.name
        with tmp:
            for rec in gen_history.generate(args.n, seed=args.seed, agencies=AGENCIES, procedures=PROCEDURES):
                events += len(rec["events"])
                tmp.write(json.dumps(rec, ensure_ascii=False, separators=(",", ":")) + "\n")
    gen_s = time.monotonic() - t
    size_mb = os.path.getsize(path) / 2**20
    print(f"{'read' if args.file else 'generated'} {args.n:,} dossiers, {events:,} events, {size_mb:.0f} MB "
          f"in {gen_s:.1f} s", flush=True)  # fmt: skip

    recreate(args.url)
    os.environ["DATABASE_URL"] = args.url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "motcua.settings")
    try:
        import django

        django.setup()
        from django.core.management import call_command

        t = time.monotonic()
        call_command("migrate", verbosity=0, interactive=False)
        print(f"migrated {args.url} in {time.monotonic() - t:.1f} s", flush=True)
        seed()

        from motcua.dossiers import migration_io
        from motcua.dossiers.models import Dossier, DossierEvent

        rss_before = peak_rss_mb()
        pg_cpu_before = pg_cpu_seconds()
        t, cpu = time.monotonic(), time.process_time()
        children = resource.getrusage(resource.RUSAGE_CHILDREN)
        jobs = args.jobs if args.jobs is not None else migration_io.default_jobs()
        result = migration_io.import_dossiers(
            path, progress=sys.stderr, progress_every=max(10_000, args.n // 20), jobs=jobs
        )
        import_s, cpu_s = time.monotonic() - t, time.process_time() - cpu
        after = resource.getrusage(resource.RUSAGE_CHILDREN)  # the worker processes, reaped at the end
        workers_cpu_s = (after.ru_utime + after.ru_stime) - (children.ru_utime + children.ru_stime)
        pg_cpu_s = pg_cpu_seconds() - pg_cpu_before if pg_cpu_before is not None else None
        if not result.ok:
            for p in result.problems[:20]:
                print(p)
            return 1
        assert Dossier.objects.count() == args.n and DossierEvent.objects.count() == events
        rate = args.n / import_s
        workers_peak = after.ru_maxrss / 1024  # the largest reaped child (a worker)
        figures = {
            "n": args.n,
            "jobs": jobs,
            "events": events,
            "file_mb": round(size_mb, 1),
            "generate_s": round(gen_s, 1),
            "import_s": round(import_s, 1),
            "records_per_s": round(rate),
            "events_per_s": round(events / import_s),
            "extrapolated_1m_s": round(1_000_000 / rate),
            "python_cpu_s": round(cpu_s, 1),
            "workers_cpu_s": round(workers_cpu_s, 1),
            "postgres_cpu_s": round(pg_cpu_s, 1) if pg_cpu_s is not None else None,
            "cpu_per_record_ms": round((cpu_s + workers_cpu_s + (pg_cpu_s or 0)) / args.n * 1000, 3),
            "extrapolated_1m_cpu_s": round((cpu_s + workers_cpu_s + (pg_cpu_s or 0)) / args.n * 1_000_000),
            "load_average": os.getloadavg(),
            "peak_rss_mb_before": round(rss_before),
            "peak_rss_mb_after": round(peak_rss_mb()),
            "peak_rss_mb_worker": round(workers_peak),
            "by_state": dict(result.by_state),
            "machine": f"{platform.node()} {os.cpu_count()} cpu, python {platform.python_version()}",
            "at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        }
        print("\n".join(result.summary_lines()))
        print(
            f"import: {args.n:,} dossiers + {events:,} events in {import_s:.1f} s = {rate:,.0f} dossiers/s "
            f"({events / import_s:,.0f} events/s); 1,000,000 dossiers ≈ {1_000_000 / rate / 60:.1f} min; "
            f"peak RSS {figures['peak_rss_mb_after']} MB (before import {figures['peak_rss_mb_before']} MB), "
            f"largest worker {figures['peak_rss_mb_worker']} MB\n"
            f"CPU: python {cpu_s:.1f} s + {jobs} workers {workers_cpu_s:.1f} s + postgres {pg_cpu_s if pg_cpu_s is not None else float('nan'):.1f} s = "
            f"{figures['cpu_per_record_ms']} ms per record -> 1,000,000 ≈ {figures['extrapolated_1m_cpu_s'] / 60:.1f} "
            f"CPU-min (load average now {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs)",
            flush=True,
        )
        if args.twice:
            t = time.monotonic()
            again = migration_io.import_dossiers(path, jobs=jobs)
            figures["reimport_s"] = round(time.monotonic() - t, 1)
            assert again.ok and again.created == 0 and again.skipped == args.n
            print(f"second import of the same file: {again.skipped:,} skipped in {figures['reimport_s']} s")
        if args.verify:
            t = time.monotonic()
            n_d, n_e, problems = migration_io.verify_history()
            figures["verify_s"] = round(time.monotonic() - t, 1)
            assert not problems, problems[:5]
            print(f"verify-history: {n_d:,} dossiers, {n_e:,} events intact in {figures['verify_s']} s")
        if args.json:
            Path(args.json).write_text(
                json.dumps(figures, indent=2, ensure_ascii=False) + "\n", encoding="utf-8"
            )
    finally:
        if not args.file:
            os.unlink(path)
        if not args.keep:
            from django.db import connections

            connections.close_all()
            drop(args.url)
    return 0


def seed() -> None:
    from motcua.catalog.models import Field, Procedure, ProcedureVersion
    from motcua.org.models import Agency

    hn, _ = Agency.objects.get_or_create(
        identifier="H26", defaults={"name": "Thành phố Hà Nội", "level": "province"}
    )
    names = {"000.00.21.H26": "Sở Kế hoạch và Đầu tư", "000.00.33.H26": "UBND Quận Hai Bà Trưng"}
    for ident in AGENCIES:
        Agency.objects.get_or_create(
            identifier=ident, defaults={"name": names[ident], "level": "department", "parent": hn}
        )
    field, _ = Field.objects.get_or_create(code="bench", defaults={"name": "Lĩnh vực thử tải"})
    for code, days in zip(PROCEDURES, (Decimal(3), Decimal(5)), strict=True):
        proc, _ = Procedure.objects.get_or_create(
            code=code, defaults={"name": f"Thủ tục {code}", "field": field, "level": "district"}
        )
        ProcedureVersion.objects.get_or_create(
            procedure=proc,
            effective_from=dt.date(2020, 1, 1),
            defaults={"name": proc.name, "field": field, "level": "district", "legal_days": days},
        )


if __name__ == "__main__":
    raise SystemExit(main())
