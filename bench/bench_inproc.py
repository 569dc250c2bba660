"""In-process CPU cost of the live path: what one status read and one filing+reception pair cost through the
whole Django stack (WSGI handler, middleware, django-ninja, services, ORM), without an HTTP server or client.

    .venv/bin/python bench/bench_inproc.py [--code DIR ...] [--rounds 2] [--requests 3000] [--pairs 300]
    .venv/bin/python bench/bench_inproc.py --profile status|pair [--code DIR]
    .venv/bin/python bench/bench_inproc.py --instructions status|pair [--code DIR ...] [--count N]
    .venv/bin/python bench/bench_inproc.py --instructions status|pair --by-function [--top 60] [--match REGEX]

Each `--code` is a source tree (default: this one). Trees are measured alternately (A B A B …) in fresh
processes, so a baseline tree and a changed tree are compared in the same run: wall time on this shared
machine is noisy, CPU time per request and the ratio between trees much less so. The figures are the Python
process's CPU (`time.process_time`) and the PostgreSQL backend's CPU (from /proc/<pid>/stat, same machine),
per request, over the measured loop after a warm-up. Requests are WSGI calls to `motcua.wsgi.application` with
the environ gunicorn would build (Host 127.0.0.1, DEBUG off, bearer tokens), so every middleware runs.

`--instructions` counts instead the Python process's instructions per request under valgrind's callgrind
(`apt-get install valgrind`; PostgreSQL's instructions are not counted): the same count run after run, whatever
else the machine does, so a change of a few percent shows where timings on a shared machine cannot (ADR 0004,
fifth round). Each tree takes about a minute. With `--by-function` the same runs give each Python function's
inclusive instructions per request (what cProfile's cumulative time shows, without its per-call overhead
distorting small functions): the interpreter's perf trampolines (`-X perf`, one small native function per code
object, named in /tmp/perf-<pid>.map) let callgrind attribute the instructions below each Python frame.

Uses PostgreSQL databases `mc_inproc_<n>` (one per tree, created and dropped here); `--preload` dossiers are
bulk-inserted first so the indexes have some depth.
"""

import argparse
import io
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve()
PG = "postgres://postgres@127.0.0.1:5432"
TICKS = os.sysconf("SC_CLK_TCK")


def psql(sql: str) -> None:
    subprocess.run(
        ["psql", "-h", "127.0.0.1", "-U", "postgres", "-d", "postgres", "-q", "-c", sql],
        check=True,
        stdout=subprocess.DEVNULL,
    )


# --- child: one tree, one process ----------------------------------------------------------------------------


def backend_cpu(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICKS  # utime, stime


def child(args) -> None:
    args.code = args.code[0]
    sys.path.insert(0, args.code)
    os.environ.update(
        {
            "DATABASE_URL": f"{PG}/{args.db}",
            "DJANGO_SETTINGS_MODULE": "motcua.settings",
            "DEBUG": "0",
            "SECRET_KEY": "bench-secret-key-x",
            "ALLOWED_HOSTS": "127.0.0.1",
            "LOG_LEVEL": "WARNING",
            "CONN_MAX_AGE": "600",
            "MEDIA_ROOT": os.environ.get("MEDIA_ROOT")
            or "/tmp/motcua-bench-media",  # required with DEBUG off
            # the status API's rate limit (where the tree has one) must not refuse the measured loop
            "STATUS_API_RATE_LIMIT": "1000000000",
        }
    )
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    import motcua

    assert str(Path(motcua.__file__).resolve()).startswith(str(Path(args.code).resolve())), motcua.__file__
    if args.setup:
        call_command("migrate", verbosity=0)
        tokens = fixtures(args.preload)
        Path(args.state).write_text(json.dumps(tokens))
        return
    tokens = json.loads(Path(args.state).read_text())
    from motcua.wsgi import application

    def call(method: str, path: str, body: bytes = b"", token: str | None = None) -> tuple[int, bytes]:
        environ = {
            "REQUEST_METHOD": method,
            "SCRIPT_NAME": "",
            "PATH_INFO": path,
            "QUERY_STRING": "",
            "SERVER_NAME": "127.0.0.1",
            "SERVER_PORT": "8771",
            "SERVER_PROTOCOL": "HTTP/1.1",
            "REMOTE_ADDR": "127.0.0.1",
            "REMOTE_PORT": "50000",
            "HTTP_HOST": "127.0.0.1:8771",
            "HTTP_USER_AGENT": "bench",
            "HTTP_ACCEPT": "*/*",
            "wsgi.version": (1, 0),
            "wsgi.url_scheme": "http",
            "wsgi.input": io.BytesIO(body),
            "wsgi.errors": sys.stderr,
            "wsgi.multithread": False,
            "wsgi.multiprocess": True,
            "wsgi.run_once": False,
        }
        if body:
            environ["CONTENT_TYPE"] = "application/json"
            environ["CONTENT_LENGTH"] = str(len(body))
        if token:
            environ["HTTP_AUTHORIZATION"] = f"Bearer {token}"
        status = []
        result = application(environ, lambda s, h, exc_info=None: status.append(s))
        try:
            data = b"".join(result)
        finally:
            if hasattr(result, "close"):
                result.close()
        return int(status[0][:3]), data

    body = json.dumps(
        {
            "procedure": "1.001612",
            "agency": "000.00.21.H26",
            "channel": "online",
            "applicant": {"kind": "individual", "name": "Trần Thị Bình", "id_number": "001203012345"},
        }
    ).encode()
    codes: list[str] = []

    def pair() -> None:
        status, data = call("POST", "/api/v1/dossiers", body, tokens["citizen"])
        assert status == 201, (status, data[:300])
        code = json.loads(data)["code"]
        status, data = call("POST", f"/api/v1/dossiers/{code}/receive", b"{}", tokens["officer"])
        assert status == 200, (status, data[:300])
        codes.append(code)

    def status_read(i: int) -> None:
        code = codes[i % len(codes)] if i % 2 else f"PRE-{1 + (i * 7919) % max(1, args.preload)}"
        status, data = call("GET", f"/api/v1/dossiers/{code}/status")
        assert status == 200, (status, data[:300])

    for _ in range(30):  # warm-up: imports, caches, prepared connections
        pair()
    for i in range(300):
        status_read(i)
    with connection.cursor() as cur:
        cur.execute("SELECT pg_backend_pid()")
        pid = cur.fetchone()[0]

    import gc

    gc_time = [0.0, 0, 0.0]

    def gc_timer(phase, info):
        if phase == "start":
            gc_time[2] = time.perf_counter()
        else:
            gc_time[0] += time.perf_counter() - gc_time[2]
            gc_time[1] += 1

    if os.environ.get("BENCH_GC_TIMING"):
        gc.callbacks.append(gc_timer)

    def measure(fn, n):
        gc_time[:2] = [0.0, 0]
        b0, c0, w0 = backend_cpu(pid), time.process_time(), time.perf_counter()
        for i in range(n):
            fn(i)
        return {
            "py_ms": (time.process_time() - c0) / n * 1000,
            "pg_ms": (backend_cpu(pid) - b0) / n * 1000,
            "wall_ms": (time.perf_counter() - w0) / n * 1000,
            **({"gc_ms": gc_time[0] / n * 1000, "gc_runs": gc_time[1]} if gc_time[1] else {}),
        }

    if args.queries:
        # the statements of one more pair (or status read), each with its wall time in this process
        from django.db import connection as conn

        log: list[tuple[float, str]] = []

        def timed(execute, sql, params, many, context):
            t0 = time.perf_counter()
            try:
                return execute(sql, params, many, context)
            finally:
                log.append(((time.perf_counter() - t0) * 1000, sql))

        import psycopg._connection_base as pcb

        original_exec = pcb.BaseConnection._exec_command

        def exec_command(self, command, *a, **k):  # BEGIN, COMMIT, SAVEPOINT…: not seen by execute_wrapper
            log.append(
                (0.0, f"(driver) {bytes(command).decode() if not isinstance(command, str) else command}")
            )
            return original_exec(self, command, *a, **k)

        pcb.BaseConnection._exec_command = exec_command
        with conn.execute_wrapper(timed):
            pair() if args.queries == "pair" else status_read(1)
        pcb.BaseConnection._exec_command = original_exec
        for ms, sql in log:
            print(f"{ms:7.2f} ms  {sql[:300]}")
        print(f"{len(log)} statements, {sum(ms for ms, _ in log):.2f} ms")
        return
    if args.instructions:
        # under callgrind (parent: --instructions): count only the measured loop
        fn = (lambda i: pair()) if args.instructions == "pair" else status_read
        subprocess.run(["callgrind_control", "-i", "on", str(os.getpid())], check=True, capture_output=True)
        for i in range(args.count):
            fn(i)
        return
    if args.profile:
        import cProfile
        import pstats

        prof = cProfile.Profile(time.process_time)
        fn, n = (lambda i: pair(), args.pairs) if args.profile == "pair" else (status_read, args.requests)
        prof.enable()
        for i in range(n):
            fn(i)
        prof.disable()
        if args.dump:
            prof.dump_stats(args.dump)
        stats = pstats.Stats(prof)
        print(f"{stats.total_calls / n:,.0f} Python calls per {args.profile}")
        stats.sort_stats(args.sort).print_stats(args.top)
        return
    out = {"pair": measure(lambda i: pair(), args.pairs), "status": measure(status_read, args.requests)}
    print("RESULT " + json.dumps(out), flush=True)


def fixtures(preload: int) -> dict:
    """bench_http's fixture (bench/fixtures.py beside this file, whatever tree is measured)."""
    import importlib.util

    spec = importlib.util.spec_from_file_location("bench_fixtures", HERE.parent / "fixtures.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.lifecycle(preload)


# --- parent: alternate the trees -----------------------------------------------------------------------------


def child_command(code: str, db: str, state: str, extra: list[str]) -> list[str]:
    return [sys.executable, str(HERE), "--child", "--code", code, "--db", db, "--state", state, *extra]


def run_child(code: str, db: str, state: str, extra: list[str]) -> str:
    cmd = child_command(code, db, state, extra)
    return subprocess.run(cmd, check=True, stdout=subprocess.PIPE, text=True, cwd=code).stdout


def instructions(code: str, db: str, state: str, extra: list[str], kind: str, count: int) -> float:
    """Instructions of the Python process per request (PostgreSQL's not counted): callgrind with instrumentation
    switched on only for the measured loop (after the warm-up), run for 1 and for count + 1 requests; the
    difference divided by count. Repeatable to a few thousandths whatever else the machine is doing."""
    if not shutil.which("valgrind"):
        sys.exit("valgrind not found (apt-get install valgrind)")
    totals = []
    for n in (1, count + 1):
        valgrind = ["valgrind", "--tool=callgrind", "--instr-atstart=no", "--callgrind-out-file=/dev/null"]
        cmd = valgrind + child_command(code, db, state, [*extra, "--instructions", kind, "--count", str(n)])
        env = {**os.environ, "PYTHONHASHSEED": "0"}
        out = subprocess.run(cmd, check=True, capture_output=True, text=True, cwd=code, env=env).stderr
        totals.append(int(re.search(r"Collected : (\d+)", out).group(1)))
    return (totals[1] - totals[0]) / count


def function_instructions(
    code: str, db: str, state: str, extra: list[str], kind: str, count: int
) -> dict[str, float]:
    """Inclusive instructions per request of each Python function (and of the interpreter's C functions),
    from callgrind runs of 1 and count + 1 requests with the perf trampolines on: the difference divided by
    count. A function that recurses (the middleware chain) is counted at its outermost call."""
    runs = []
    for n in (1, count + 1):
        out_file = f"/tmp/mc_inproc_callgrind.{n}.out"
        valgrind = ["valgrind", "--tool=callgrind", "--instr-atstart=no", f"--callgrind-out-file={out_file}"]
        cmd = child_command(code, db, state, [*extra, "--instructions", kind, "--count", str(n)])
        cmd.insert(1, "-X")
        cmd.insert(2, "perf")
        env = {**os.environ, "PYTHONHASHSEED": "0"}
        proc = subprocess.run(valgrind + cmd, check=True, capture_output=True, text=True, cwd=code, env=env)
        pid = re.search(r"==(\d+)== Collected", proc.stderr).group(1)
        perf_map = Path(f"/tmp/perf-{pid}.map")
        names = {}
        for line in perf_map.read_text().splitlines():
            addr, _size, name = line.split(" ", 2)
            names[int(addr, 16)] = name.removeprefix("py::")
        perf_map.unlink()
        annotated = subprocess.run(
            ["callgrind_annotate", "--inclusive=yes", "--threshold=100", out_file],
            check=True,
            capture_output=True,
            text=True,
        ).stdout
        Path(out_file).unlink()
        totals: dict[str, float] = {}
        for m in re.finditer(r"^\s*([\d,]+) \(\s*[\d.]+%\)\s+(\S+?)(?:'\d+)? \[?", annotated, re.M):
            if "'" in annotated[m.end(2) : m.end(2) + 2]:
                continue  # a deeper recursion level: already inside the outer call's figure
            name = m.group(2)
            if name.startswith("???:0x"):
                name = names.get(int(name[4:], 16), name)
            totals[name] = totals.get(name, 0) + int(m.group(1).replace(",", ""))
        runs.append(totals)
    return {k: (runs[1].get(k, 0) - runs[0].get(k, 0)) / count for k in runs[1]}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--code", action="append", help="source tree(s) to measure (default: this one)")
    ap.add_argument("--rounds", type=int, default=2)
    ap.add_argument("--requests", type=int, default=3000)
    ap.add_argument("--pairs", type=int, default=300)
    ap.add_argument("--preload", type=int, default=20000)
    ap.add_argument("--profile", choices=["status", "pair"])
    ap.add_argument("--queries", choices=["status", "pair"], help="print the SQL of one pair or status read")
    ap.add_argument("--sort", default="tottime")
    ap.add_argument("--top", type=int, default=45)
    ap.add_argument("--dump", help="with --profile: write the pstats file here")
    ap.add_argument(
        "--instructions",
        choices=["status", "pair"],
        help="count the Python process's instructions per request with callgrind (repeatable, unlike timings)",
    )
    ap.add_argument("--count", type=int, default=0, help="with --instructions: requests measured")
    ap.add_argument(
        "--by-function",
        action="store_true",
        help="with --instructions: inclusive instructions per request of each Python function (--top, --match)",
    )
    ap.add_argument("--match", default="", help="with --by-function: only functions matching this regex")
    ap.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    ap.add_argument("--setup", action="store_true", help=argparse.SUPPRESS)
    ap.add_argument("--db", help=argparse.SUPPRESS)
    ap.add_argument("--state", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        return child(args)
    trees = [str(Path(c).resolve()) for c in (args.code or [str(HERE.parent.parent)])]
    extra = ["--requests", str(args.requests), "--pairs", str(args.pairs), "--preload", str(args.preload)]
    dbs = [f"mc_inproc_{i}" for i in range(len(trees))]
    states = [f"/tmp/{db}.json" for db in dbs]
    try:
        for tree, db, state in zip(trees, dbs, states, strict=True):
            psql(f"DROP DATABASE IF EXISTS {db} WITH (FORCE)")
            psql(f"CREATE DATABASE {db}")
            run_child(tree, db, state, [*extra, "--setup"])
        if args.instructions:
            count = args.count or (30 if args.instructions == "pair" else 100)
            if args.by_function:
                for tree, db, state in zip(trees, dbs, states, strict=True):
                    per = function_instructions(tree, db, state, extra, args.instructions, count)
                    print(f"== {tree}: inclusive instructions per {args.instructions}")
                    shown = [(v, k) for k, v in per.items() if re.search(args.match, k) and v > 0]
                    for v, k in sorted(shown, reverse=True)[: args.top]:
                        print(f"{v:>13,.0f}  {k}")
                return
            first = None
            for tree, db, state in zip(trees, dbs, states, strict=True):
                per = instructions(tree, db, state, extra, args.instructions, count)
                first = first or per
                print(
                    f"{tree}: {per:,.0f} instructions per {args.instructions} (x{per / first:.3f})",
                    flush=True,
                )
            return
        if args.queries:
            for tree, db, state in zip(trees, dbs, states, strict=True):
                print(f"== {tree}")
                print(run_child(tree, db, state, [*extra, "--queries", args.queries]))
            return
        if args.profile:
            for tree, db, state in zip(trees, dbs, states, strict=True):
                print(f"== {tree}")
                prof = ["--profile", args.profile, "--sort", args.sort, "--top", str(args.top)]
                if args.dump:
                    prof += ["--dump", f"{args.dump}.{trees.index(tree)}"]
                print(run_child(tree, db, state, [*extra, *prof]))
            return
        results: dict[str, list[dict]] = {t: [] for t in trees}
        for r in range(args.rounds):
            for tree, db, state in zip(trees, dbs, states, strict=True):
                out = run_child(tree, db, state, extra)
                res = json.loads(out.split("RESULT ", 1)[1])
                results[tree].append(res)
                print(f"round {r + 1} {tree}: {json.dumps(res)}", flush=True)
        print()
        summary = {}
        for tree in trees:
            summary[tree] = {
                kind: {k: statistics.median(x[kind][k] for x in results[tree]) for k in ("py_ms", "pg_ms")}
                for kind in ("status", "pair")
            }
            s = summary[tree]
            print(
                f"{tree}: status {s['status']['py_ms']:.3f} ms Python + {s['status']['pg_ms']:.3f} ms PostgreSQL; "
                f"filing+reception pair {s['pair']['py_ms']:.2f} ms Python + {s['pair']['pg_ms']:.2f} ms PostgreSQL"
            )
        if len(trees) > 1:
            base = summary[trees[0]]
            for tree in trees[1:]:
                s = summary[tree]
                print(
                    f"{tree} / {trees[0]}: status Python ×{s['status']['py_ms'] / base['status']['py_ms']:.2f}, "
                    f"total ×{sum(s['status'].values()) / sum(base['status'].values()):.2f}; pair Python "
                    f"×{s['pair']['py_ms'] / base['pair']['py_ms']:.2f}, "
                    f"total ×{sum(s['pair'].values()) / sum(base['pair'].values()):.2f}"
                )
    finally:
        for db in dbs:
            psql(f"DROP DATABASE IF EXISTS {db} WITH (FORCE)")


if __name__ == "__main__":
    main()
