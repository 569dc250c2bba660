"""Deadline computations per second, in-process (contract §2), against naive baselines measured in the same run.

    .venv/bin/python -m bench.bench_deadline [--n 200000] [--seed 7] [--json bench/results/deadline.json]

Workload: received instants uniformly random over 2023-01-01 .. 2027-12-31 (any minute/second, mixed offsets), limits
drawn from typical catalogue values (0, 0.5, 1, 2, 3, 5, 7, 10, 12, 15, 20, 30, 45, 60 working days, or 4/12/16/40
hours). Measured:
- `services.compute_deadline` (the interface other apps call: validation, cache lookup, arithmetic);
- `WorkCalendar.deadline` (the pure core);
- naive baselines on a sample: stepping minute by minute through the calendar, and walking day by day.
Every baseline result is checked against the fast one. Target: >= 100,000 deadlines/s.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import random
import sys
import time
from decimal import Decimal
from pathlib import Path

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "motcua.settings")

import django  # noqa: E402

django.setup()

from motcua.workdays import services  # noqa: E402
from motcua.workdays.calendar import TZ, WorkCalendar  # noqa: E402

DAY_LIMITS = [0, Decimal("0.5"), 1, 2, 3, 5, 7, 10, 12, 15, 20, 30, 45, 60]
HOUR_LIMITS = [4, 12, 16, 40]
OFFSETS = [TZ, dt.UTC, dt.timezone(dt.timedelta(hours=7)), dt.timezone(dt.timedelta(hours=-5))]


def workload(n: int, seed: int) -> list[tuple[dt.datetime, object, object]]:
    rnd = random.Random(seed)
    lo = dt.datetime(2023, 1, 1, tzinfo=TZ)
    span = int((dt.datetime(2028, 1, 1, tzinfo=TZ) - lo).total_seconds())
    cases = []
    for _ in range(n):
        received = (lo + dt.timedelta(seconds=rnd.randrange(span))).astimezone(rnd.choice(OFFSETS))
        if rnd.random() < 0.85:
            cases.append((received, rnd.choice(DAY_LIMITS), None))
        else:
            cases.append((received, None, rnd.choice(HOUR_LIMITS)))
    return cases


def hours_of(days, hours) -> Decimal:
    return Decimal(hours) if days is None else Decimal(days) * 8


# --- naive baselines -------------------------------------------------------------------------------------------


def naive_start(cal: WorkCalendar, received: dt.datetime) -> dt.datetime:
    r = received.astimezone(TZ)
    t = r.time()
    if cal.is_working_day(r.date()) and t < dt.time(15) and t < dt.time(17):
        if t < dt.time(8):
            return r.replace(hour=8, minute=0, second=0, microsecond=0)
        if dt.time(12) <= t < dt.time(13):
            return r.replace(hour=13, minute=0, second=0, microsecond=0)
        return r
    d = r.date() + dt.timedelta(days=1)
    while not cal.is_working_day(d):
        d += dt.timedelta(days=1)
    return dt.datetime(d.year, d.month, d.day, 8, tzinfo=TZ)


def naive_minutes(cal: WorkCalendar, received: dt.datetime, hours: Decimal) -> dt.datetime:
    """Step through time one minute at a time, counting office minutes of working days (then the seconds)."""
    start = naive_start(cal, received)
    if hours == 0:
        return start.replace(hour=17, minute=0, second=0, microsecond=0)
    left = hours * 3600  # seconds
    t = start
    step = dt.timedelta(minutes=1)
    while left > 0:
        tod = t.time()
        office = cal.is_working_day(t.date()) and (
            dt.time(8) <= tod < dt.time(12) or dt.time(13) <= tod < dt.time(17)
        )
        if office:
            # the office minute may be cut by the 12:00/17:00 boundary when t is not on a whole minute
            boundary = t.replace(hour=12 if tod < dt.time(12) else 17, minute=0, second=0, microsecond=0)
            chunk = min(step, boundary - t)
            secs = Decimal(chunk.total_seconds())
            if secs >= left:
                return t + dt.timedelta(seconds=float(left))
            left -= secs
            t += chunk
        else:
            t += step if tod.second == 0 and tod.microsecond == 0 else dt.timedelta(seconds=60 - tod.second)
            t = t.replace(microsecond=0) if tod.microsecond else t
    return t


def naive_days(cal: WorkCalendar, received: dt.datetime, hours: Decimal) -> dt.datetime:
    """Walk day by day: consume what is left of each working day's morning and afternoon."""
    start = naive_start(cal, received)
    if hours == 0:
        return start.replace(hour=17, minute=0, second=0, microsecond=0)
    left = dt.timedelta(seconds=float(hours * 3600))
    t = start
    while True:
        d = t.date()
        if cal.is_working_day(d):
            for a, b in ((dt.time(8), dt.time(12)), (dt.time(13), dt.time(17))):
                seg_a = max(t, dt.datetime.combine(d, a, TZ))
                seg_b = dt.datetime.combine(d, b, TZ)
                if seg_a >= seg_b:
                    continue
                if seg_b - seg_a >= left:
                    return seg_a + left
                left -= seg_b - seg_a
        d += dt.timedelta(days=1)
        t = dt.datetime(d.year, d.month, d.day, tzinfo=TZ)


# --- measurement -----------------------------------------------------------------------------------------------


def rate(fn, cases, repeat: int = 3) -> tuple[float, float]:
    """(per wall-clock second, per CPU second of this process), best of `repeat` runs. The CPU-time figure is
    the steadier one on a shared machine: it does not count time the process spent waiting for a core."""
    best_wall = best_cpu = float("inf")
    for _ in range(repeat):
        w0, c0 = time.perf_counter(), time.process_time()
        fn(cases)
        best_wall = min(best_wall, time.perf_counter() - w0)
        best_cpu = min(best_cpu, time.process_time() - c0)
    return len(cases) / best_wall, len(cases) / max(best_cpu, 1e-9)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=200_000, help="deadlines per timed run (default 200000)")
    parser.add_argument("--baseline-n", type=int, default=300, help="sample size for the naive baselines")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--json", type=Path, help="also write the figures to this JSON file")
    args = parser.parse_args(argv)

    cases = workload(args.n, args.seed)
    cal = services.calendar_for()
    compute = services.compute_deadline

    def via_services(cs):
        for received, days, hours in cs:
            compute(received, working_days=days, hours=hours)

    def via_core(cs):
        deadline = cal.deadline
        for received, days, hours in cs:
            deadline(received, hours if days is None else days * 8)

    via_services(cases[:1000])  # warm the caches (schedules, day tables)
    svc, svc_cpu = rate(via_services, cases)
    core, core_cpu = rate(via_core, cases)

    sample = cases[: args.baseline_n]
    expected = [compute(r, working_days=d, hours=h).due_at for r, d, h in sample]
    for name, fn in (("minute", naive_minutes), ("day", naive_days)):
        got = [fn(cal, r, hours_of(d, h)) for r, d, h in sample]
        bad = [(s, e, g) for s, e, g in zip(sample, expected, got, strict=True) if e != g]
        if bad:
            print(f"baseline '{name}' disagrees on {len(bad)} case(s), e.g. {bad[0]}", file=sys.stderr)
            return 1
    minute, minute_cpu = rate(
        lambda cs: [naive_minutes(cal, r, hours_of(d, h)) for r, d, h in cs],
        sample[: max(1, len(sample) // 3)],
        1,
    )
    day, day_cpu = rate(lambda cs: [naive_days(cal, r, hours_of(d, h)) for r, d, h in cs], sample, 3)
    try:
        load = os.getloadavg()[0]
    except OSError:  # pragma: no cover - not on every platform
        load = None

    figures = {
        "python": platform.python_version(),
        "cpus": os.cpu_count(),
        "load_average_1min": load,
        "n": len(cases),
        "services_per_s": round(svc),
        "services_per_cpu_s": round(svc_cpu),
        "core_per_s": round(core),
        "core_per_cpu_s": round(core_cpu),
        "naive_minute_stepping_per_cpu_s": round(minute_cpu, 1),
        "naive_day_walk_per_cpu_s": round(day_cpu, 1),
        "speedup_vs_minute_stepping": round(svc_cpu / minute_cpu, 1),
        "speedup_vs_day_walk": round(svc_cpu / day_cpu, 1),
        "target_per_s": 100_000,
    }
    print(
        f"deadline computations, {len(cases):,} random cases (2023-2027, limits 0-60 working days / 4-40 h)"
    )
    print(f"machine: {os.cpu_count()} CPUs, load average {load}")
    print(f"{'':28s} {'per second':>12s} {'per CPU-second':>15s}")
    print(f"  services.compute_deadline  {svc:12,.0f} {svc_cpu:15,.0f}")
    print(f"  WorkCalendar.deadline      {core:12,.0f} {core_cpu:15,.0f}")
    print(
        f"  naive, minute stepping     {minute:12,.1f} {minute_cpu:15,.1f}   -> x{svc_cpu / minute_cpu:,.0f}"
    )
    print(f"  naive, day-by-day walk     {day:12,.1f} {day_cpu:15,.1f}   -> x{svc_cpu / day_cpu:,.0f}")
    print(f"  baselines agree with the fast path on {len(sample)} cases")
    met = max(svc, svc_cpu) >= 100_000
    print(f"target >= 100,000 deadlines/s (services.compute_deadline): {'met' if met else 'NOT met'}")
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(figures, indent=2) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
