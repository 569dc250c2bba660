"""HTTP benchmark of the dossier lifecycle against the production server (granian as `make serve` runs it) on
loopback, with pgbench's raw ceiling measured in the same run (issue: filing+reception ≥ 0.10 × pgbench tps; status reads ≥ 1,500/s; dossier page p95 < 100 ms).

    .venv/bin/python -m bench.bench_http [--preload 1000000] [--seconds 15] [--clients 4] [--workers N]
                                         [--server granian|gunicorn] [--code TREE --code TREE --rounds 2]
                                         [--venv VENV --venv VENV] [--windows 3]

Uses PostgreSQL databases `mc_bench_http_<port>` (the app) and `mc_bench_pgbench_<port>` (pgbench), created and
dropped here (BENCH_PORT, default 8771: two runs on different ports do not touch each other's databases; they
still share the cores, so take a lock around runs whose figures you keep).
Preloaded dossiers are bulk-inserted rows (one event each) so the tables have production size; the measured
filings go through the real HTTP API: POST /api/v1/dossiers then POST /api/v1/dossiers/<code>/receive (wrk, one
connection per thread, each receiving what it filed; `--python-client` for Python client threads). The server runs with DEBUG off and STATUS_API_RATE_LIMIT raised out of reach: every status
read still pays for the per-IP rate limit, and all the load comes from one IP. Status reads use wrk when it is
installed (`apt-get install wrk`): a C load generator leaves the two cores to the server, where a Python client
would take one of them. Each phase reports the CPU per request of the server, PostgreSQL and the load generator.
Before each round it samples how busy the machine is and with what, and warns when it is not quiet: a development
server's reloader or a test run on the same cores halved the figures once (ADR 0004, eighth round).
"""

import argparse
import http.client
import json
import os
import re
import shutil
import signal
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# the server runs from the virtualenv (and so with the interpreter) that runs this benchmark, or from `--venv`'s
BIN = Path(sys.executable).parent
PG = "postgres://postgres@127.0.0.1:5432"
PORT = int(os.environ.get("BENCH_PORT", "8771"))
DB = f"mc_bench_http_{PORT}"
PGBENCH_DB = f"mc_bench_pgbench_{PORT}"
# --code: the source tree the server (and the migrations) run, this checkout's virtualenv
CODE = {"PYTHONPATH": str(ROOT)}


def use_code(tree: str) -> None:
    """Serve another source tree (an earlier commit's worktree) with this virtualenv: it goes first on
    PYTHONPATH, ahead of the editable install; checked by importing it."""
    tree = str(Path(tree).resolve())
    CODE["PYTHONPATH"] = tree
    found = subprocess.run(
        [str(BIN / "python"), "-c", "import motcua; print(motcua.__file__)"],
        env={**os.environ, **CODE},
        cwd=tree,
        check=True,
        capture_output=True,
        text=True,
    ).stdout.strip()
    if not found.startswith(tree + "/"):
        sys.exit(f"--code {tree}: motcua is imported from {found}")


def use_venv(venv: str) -> None:
    """Serve (and migrate) with another virtualenv's interpreter, e.g. an optimised CPython build's, holding the
    same locked requirements and this checkout installed (`pip install --no-deps -e .`)."""
    global BIN
    BIN = Path(venv).resolve() / "bin"
    if not (BIN / "python").exists():
        sys.exit(f"--venv {venv}: no bin/python")


def psql(sql: str, db: str = "postgres") -> None:
    subprocess.run(
        ["psql", "-h", "127.0.0.1", "-U", "postgres", "-d", db, "-q", "-c", sql],
        check=True,
        stdout=subprocess.DEVNULL,
    )


def setup_app_db(preload: int) -> dict:
    psql(f"DROP DATABASE IF EXISTS {DB} WITH (FORCE)")
    psql(f"CREATE DATABASE {DB}")
    env = {**os.environ, "DATABASE_URL": f"{PG}/{DB}", "DJANGO_SETTINGS_MODULE": "motcua.settings"}
    subprocess.run(
        [str(BIN / "python"), "-m", "django", "migrate", "-v0"],
        check=True,
        env={**env, **CODE},
        cwd=CODE["PYTHONPATH"],
    )
    os.environ.update(env)
    import django

    django.setup()
    from django.db import connection

    from bench.fixtures import lifecycle

    t0 = time.perf_counter()
    tokens = lifecycle(preload)
    if preload:
        print(f"preloaded {preload:,} dossiers in {time.perf_counter() - t0:.1f} s", flush=True)
    connection.close()
    return tokens


def pgbench_init() -> None:
    psql(f"DROP DATABASE IF EXISTS {PGBENCH_DB} WITH (FORCE)")
    psql(f"CREATE DATABASE {PGBENCH_DB}")
    subprocess.run(
        ["pgbench", "-h", "127.0.0.1", "-U", "postgres", "-i", "-s", "10", "-q", PGBENCH_DB],
        check=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def _backends_ended(db: str, timeout: float = 5.0) -> None:
    """Wait until the backends that served `db` have ended and been reaped: an exiting backend's CPU moves into
    the postmaster's children total only then, and a snapshot taken in between would count it again later."""
    stop = time.monotonic() + timeout
    while time.monotonic() < stop:
        busy = False
        for pid in os.listdir("/proc"):
            if not pid.isdigit():
                continue
            try:
                with open(f"/proc/{pid}/stat") as f:
                    stat = f.read()
                name = stat[stat.index("(") + 1 : stat.rindex(")")]
                if name != "postgres":
                    continue
                state = stat[stat.rindex(")") + 2]
                with open(f"/proc/{pid}/cmdline", "rb") as f:
                    cmdline = f.read()
            except (OSError, ValueError):
                continue
            if state in "ZX" or db.encode() in cmdline:
                busy = True
                break
        if not busy:
            return
        time.sleep(0.02)


def pgbench_run(seconds: int, clients: int) -> float:
    out = subprocess.run(
        ["pgbench", "-h", "127.0.0.1", "-U", "postgres", "-c", str(clients), "-j", "2", "-T", str(seconds)]
        + [PGBENCH_DB],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    _backends_ended(PGBENCH_DB)
    return float(re.search(r"tps = ([\d.]+)", out).group(1))


def pgbench_drop() -> None:
    psql(f"DROP DATABASE IF EXISTS {PGBENCH_DB} WITH (FORCE)")


def pgbench_tps(seconds: int, clients: int) -> float:
    pgbench_init()
    try:
        return pgbench_run(seconds, clients)
    finally:
        pgbench_drop()


def server_command(server: str, workers: int, threads: int = 1) -> list[str]:
    """granian (BSD-3-Clause, Rust HTTP/1.1 with keep-alive, WSGI workers of one thread: `make serve`) or
    gunicorn (sync workers: one request at a time per process, connection closed after each response; in the
    bench extra)."""
    if server == "gunicorn" and not (BIN / "gunicorn").exists():
        sys.exit(f"gunicorn is not installed in {BIN.parent} (pip install -e '.[bench]')")
    if server == "granian":
        return [
            str(BIN / "granian"),
            "--interface",
            "wsgi",
            "--workers",
            str(workers),
            "--host",
            "127.0.0.1",
            "--port",
            str(PORT),
            "--log-level",
            "warning",
            "--no-ws",
            "--blocking-threads",
            str(
                threads
            ),  # default 1: one Python thread per worker process (one DB connection), as `make serve`
            "motcua.wsgi:application",
        ]
    return [
        str(BIN / "gunicorn"),
        "motcua.wsgi:application",
        "-w",
        str(workers),
        "-b",
        f"127.0.0.1:{PORT}",
        "--log-level",
        "warning",
    ]


def start_server(
    workers: int, server: str = "granian", *, status_limit_off: bool = False, threads: int = 1
) -> subprocess.Popen:
    env = {
        **os.environ,
        "DATABASE_URL": f"{PG}/{DB}",
        "DEBUG": "0",
        "SECRET_KEY": "bench-secret-key-x",
        "ALLOWED_HOSTS": "127.0.0.1",
        "LOG_LEVEL": "WARNING",
        "CONN_MAX_AGE": "600",
        "MEDIA_ROOT": os.environ.get("MEDIA_ROOT") or "/tmp/motcua-bench-media",  # required with DEBUG off
        # Every status read still goes through the per-IP rate limit (one upsert); all the load comes from
        # 127.0.0.1, so the limit is raised far above what the run can reach.
        "STATUS_API_RATE_LIMIT": "0" if status_limit_off else "1000000000",
    }
    proc = subprocess.Popen(
        server_command(server, workers, threads), env={**env, **CODE}, cwd=CODE["PYTHONPATH"]
    )
    for _ in range(100):
        try:
            c = http.client.HTTPConnection("127.0.0.1", PORT, timeout=2)
            c.request("GET", "/api/v1/agencies")
            c.getresponse().read()
            return proc
        except OSError:
            time.sleep(0.2)
    proc.kill()
    raise SystemExit("server did not start")


def run_clients(n: int, seconds: float, fn) -> tuple[int, list[float], int]:
    stop = time.perf_counter() + seconds
    counts, lat, errors = [0] * n, [[] for _ in range(n)], [0] * n

    def worker(i):
        conn = http.client.HTTPConnection("127.0.0.1", PORT, timeout=30)
        while time.perf_counter() < stop:
            t = time.perf_counter()
            ok = fn(conn, i)
            lat[i].append(time.perf_counter() - t)
            counts[i] += 1
            errors[i] += 0 if ok else 1

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(n)]
    [t.start() for t in threads]
    [t.join() for t in threads]
    return sum(counts), [x for xs in lat for x in xs], sum(errors)


WRK_SCRIPT = """
codes = {%s}
preload = %d
math.randomseed(7)
request = function()
  local code
  if preload > 0 and math.random() < 0.5 then
    code = "PRE-" .. math.random(1, preload)
  else
    code = codes[math.random(1, #codes)]
  end
  return wrk.format("GET", "/api/v1/dossiers/" .. code .. "/status")
end
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format("RESULT %%d %%d %%.3f %%d\\n", summary.requests, summary.duration,
    latency:percentile(95) / 1000, e.status + e.connect + e.read + e.write + e.timeout))
  io.write(string.format("ERRORS status %%d connect %%d read %%d write %%d timeout %%d\\n", e.status, e.connect,
    e.read, e.write, e.timeout))
end
"""


WRK_PAIRS = """
-- One connection per wrk thread: the filing's response gives the code that connection's reception uses.
filing = %s
citizen = {["Authorization"] = "Bearer %s", ["Content-Type"] = "application/json"}
officer = {["Authorization"] = "Bearer %s", ["Content-Type"] = "application/json"}
threads = {}
function setup(thread)
  table.insert(threads, thread)
end
function init(args)
  code, pairs_done, errors = nil, 0, 0
end
function request()
  if code then
    return wrk.format("POST", "/api/v1/dossiers/" .. code .. "/receive", officer, "{}")
  end
  return wrk.format("POST", "/api/v1/dossiers", citizen, filing)
end
function response(status, headers, body)
  if code then
    if status == 200 then pairs_done = pairs_done + 1 else errors = errors + 1 end
    code = nil
  elseif status == 201 then
    code = string.match(body, '"code": *"([^"]+)"')
    if not code then errors = errors + 1 end
  else
    errors = errors + 1
  end
end
function done(summary, latency, requests)
  local p, e = 0, 0
  for _, t in ipairs(threads) do
    p = p + t:get("pairs_done")
    e = e + t:get("errors")
  end
  io.write(string.format("RESULT %%d %%d %%d\\n", p, e, summary.duration))
end
"""


def run_wrk(script: str, threads: int, connections: int, seconds: float) -> tuple[str, float]:
    """Run wrk with a Lua script against the server; returns (its output, its CPU seconds)."""
    import resource
    import tempfile

    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as f:
        f.write(script)
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    try:
        out = subprocess.run(
            [
                "wrk",
                f"-t{threads}",
                f"-c{connections}",
                f"-d{int(seconds)}s",
                "-s",
                f.name,
                f"http://127.0.0.1:{PORT}",
            ],
            check=True,
            capture_output=True,
            text=True,
        ).stdout
    finally:
        os.unlink(f.name)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return out, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def wrk_pairs(body: str, tokens: dict, connections: int, seconds: float):
    """Filing + reception pairs with wrk (a C client, as pgbench is for its side): one connection per wrk
    thread, each filing then receiving what it filed. Returns (pairs, errors, duration s, client CPU seconds).
    wrk's latency figures are not used: with a scripted request sequence they do not add up (Little's law), so
    the pair latency comes from the Python client (`--python-client`)."""
    script = WRK_PAIRS % (json.dumps(body), tokens["citizen"], tokens["officer"])
    out, cpu = run_wrk(script, connections, connections, seconds)
    pairs, errors, duration_us = re.search(r"RESULT (\d+) (\d+) (\d+)", out).groups()
    return int(pairs), int(errors), int(duration_us) / 1e6, cpu


def filed_codes(limit: int = 5000) -> list[str]:
    """The codes of the dossiers the run filed (for the status and page phases after a wrk pair phase)."""
    sql = f"SELECT code FROM dossiers_dossier WHERE code NOT LIKE 'PRE-%' ORDER BY id DESC LIMIT {limit}"
    out = subprocess.run(
        ["psql", "-h", "127.0.0.1", "-U", "postgres", "-d", DB, "-At", "-c", sql],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    return out.split()


def wrk_status(preload: int, codes: list[str], connections: int, seconds: float):
    """Status reads with wrk (a C client: the load generator does not eat the cores the server needs), half
    on preloaded dossiers, half on the ones just filed. Returns (req/s, p95 ms, errors, client CPU seconds)."""
    script = WRK_SCRIPT % (", ".join(f'"{c}"' for c in codes[:5000]), preload)
    out, cpu = run_wrk(script, 1, connections, seconds)
    requests, duration_us, p95_ms, errors = re.search(r"RESULT (\d+) (\d+) ([\d.]+) (\d+)", out).groups()
    if int(errors):  # which kind: an HTTP status other than 2xx/3xx, or a socket error or timeout
        print("  wrk " + re.search(r"ERRORS .*", out).group(0).lower(), flush=True)
    return int(requests) / (int(duration_us) / 1e6), float(p95_ms), int(errors), cpu


# --- where the CPU goes: the server's processes, PostgreSQL's, the load generator (this process or wrk) --------

TICK = os.sysconf("SC_CLK_TCK")


def _proc_cpu(pid: str) -> tuple[str, int, float, float]:
    """(command name, parent pid, user+system CPU seconds, CPU seconds of its children that ended and were
    waited for) of a process from /proc."""
    with open(f"/proc/{pid}/stat") as f:
        stat = f.read()
    name = stat[stat.index("(") + 1 : stat.rindex(")")]
    fields = stat[stat.rindex(")") + 2 :].split()
    return (
        name,
        int(fields[1]),
        (int(fields[11]) + int(fields[12])) / TICK,
        (int(fields[13]) + int(fields[14])) / TICK,
    )


def cpu_snapshot(server_pid: int) -> dict[str, float]:
    """CPU seconds used so far by the server (its master and workers), by PostgreSQL (every postgres process:
    backends, WAL writer, checkpointer) and by this process (the Python load generator), plus the machine's
    busy total from /proc/stat."""
    procs = {}
    for pid in os.listdir("/proc"):
        if pid.isdigit():
            try:
                procs[int(pid)] = _proc_cpu(pid)
            except (OSError, ValueError, IndexError):
                pass
    server = {server_pid} | {pid for pid, (_, ppid, _, _) in procs.items() if ppid == server_pid}
    with open("/proc/stat") as f:
        cpu = [int(x) for x in f.readline().split()[1:]]
    postgres = {pid for pid, (name, _, _, _) in procs.items() if name == "postgres"}
    return {
        "server": sum(procs[p][2] for p in server if p in procs),
        # the live processes, plus what the postmaster holds of its ended children (a backend that ends between
        # two snapshots — pgbench's, a closed connection's — is still counted, in the window it ran)
        "postgres": sum(procs[p][2] for p in postgres)
        + sum(procs[p][3] for p in postgres if procs[p][1] not in postgres),
        "client": sum(os.times()[:2]),
        "machine": (sum(cpu) - cpu[3] - cpu[4]) / TICK,  # all but idle and iowait
    }


def cpu_report(before: dict, after: dict, seconds: float, units: float, unit: str) -> str:
    d = {k: after[k] - before[k] for k in before}
    other = d["machine"] - d["server"] - d["postgres"] - d["client"]
    per = " + ".join(f"{k} {d[k] / units * 1000:.2f}" for k in ("server", "postgres", "client"))
    return (
        f"  CPU per {unit}: {per} + other {other / units * 1000:.2f} ms; the machine was busy "
        f"{d['machine'] / seconds:.2f} of {os.cpu_count()} cores"
    )


def p95(values: list[float]) -> float:
    return statistics.quantiles(values, n=20)[18] * 1000 if len(values) >= 20 else max(values) * 1000


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--preload", type=int, default=100_000)
    ap.add_argument("--seconds", type=float, default=15)
    ap.add_argument("--clients", type=int, default=4)
    ap.add_argument("--workers", type=int, default=2 * (os.cpu_count() or 1))
    ap.add_argument("--server", choices=["granian", "gunicorn"], default="granian")
    ap.add_argument("--threads", type=int, default=1, help="granian: Python threads per worker")
    ap.add_argument(
        "--code",
        action="append",
        help="serve this source tree (e.g. a worktree of an earlier commit); repeat to alternate trees on one "
        "database (migrated by the last tree), round after round",
    )
    ap.add_argument(
        "--venv",
        action="append",
        help="serve with this virtualenv's interpreter (default: the one running this script); repeat to "
        "alternate interpreters (e.g. a PGO/LTO build against an unoptimised one) with each --code tree",
    )
    ap.add_argument("--rounds", type=int, default=1, help="with several --code/--venv: rounds of alternation")
    ap.add_argument(
        "--windows",
        type=int,
        default=1,
        help="pgbench and the filing+reception pairs alternate this many times per round (each --seconds long); "
        "the ratio is the median of the windows' ratios",
    )
    ap.add_argument(
        "--warmup",
        type=float,
        default=3,
        help="seconds of filing+reception pairs after the server starts, not counted: each worker's first "
        "requests compile the prepared statements on its connection and load the reference cache (0: none)",
    )
    ap.add_argument(
        "--python-client", action="store_true", help="pairs and status reads with the Python client, not wrk"
    )
    ap.add_argument(
        "--status-limit-off",
        action="store_true",
        help="STATUS_API_RATE_LIMIT=0: no per-IP count (a deployment whose reverse proxy limits the rate)",
    )
    args = ap.parse_args()
    venvs = args.venv or [str(BIN.parent)]
    setups = [(tree, venv) for tree in args.code or [str(ROOT)] for venv in venvs]
    for tree, venv in setups:
        use_venv(venv)
        use_code(tree)  # checks each setup before the long preload; the last one migrates the database
    if not shutil.which("pgbench"):
        sys.exit("pgbench not found")
    tokens = setup_app_db(args.preload)
    results: dict[tuple, list[dict]] = {setup: [] for setup in setups}
    try:
        for r in range(args.rounds):
            for tree, venv in setups:
                use_venv(venv)
                use_code(tree)
                print(
                    f"\n== round {r + 1}, code: {CODE['PYTHONPATH']}, interpreter: {BIN / 'python'}",
                    flush=True,
                )
                results[tree, venv].append(measure(args, tokens))
    finally:
        psql(f"DROP DATABASE IF EXISTS {DB} WITH (FORCE)")
    if len(setups) > 1 or args.rounds > 1:
        print("\nsummary (median over rounds):")
        for tree, venv in setups:
            runs = results[tree, venv]
            med = {k: statistics.median(x[k] for x in runs) for k in runs[0]}
            print(
                f"  {tree} ({venv}): filing+reception {med['pairs']:,.1f}/s = {med['ratio']:.3f} x pgbench "
                f"(server {med['server_ms']:.2f} + postgres {med['postgres_ms']:.2f} ms CPU per pair); "
                f"status reads {med['status']:,.0f}/s; page p95 {med['page_p95']:.1f} ms; pgbench "
                f"{med['pgbench']:,.0f} tps, interpreter reference loop {med['calibration']:.1f} ms"
            )


# A fixed pure-Python workload (dicts, attributes, strings, calls: what a request's Python is made of), timed in
# the server's interpreter: the ratio to pgbench compares a Python server with a C one, so it moves with the
# machine's single-core speed and the interpreter's build, and this figure says how fast both were in the run.
CALIBRATION = """
import time
class Row:
    __slots__ = ("code", "state", "n")
    def __init__(self, code, state, n):
        self.code, self.state, self.n = code, state, n
def work(i):
    row = Row(f"H26.{i:06d}", "received", i)
    d = {"code": row.code, "state": row.state.upper(), "n": row.n * 3}
    return len(d["code"]) + d["n"] % 7 + sum(1 for k in d if k.startswith("s"))
best = float("inf")
for _ in range(25):
    t = time.perf_counter()
    for i in range(50_000):
        work(i)
    best = min(best, time.perf_counter() - t)
import sys
print(sys.version.split()[0], f"{best * 1000:.1f}")
"""


def _cpu_times() -> tuple[float, float]:
    """(busy, total) jiffies of all cores since boot, from /proc/stat."""
    with open("/proc/stat") as f:
        values = [float(v) for v in f.readline().split()[1:]]
    idle = values[3] + (values[4] if len(values) > 4 else 0)  # idle + iowait
    return sum(values) - idle, sum(values)


def _process_jiffies() -> dict[int, tuple[str, float]]:
    out = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as f:
                raw = f.read()
        except OSError:
            continue
        name = raw[raw.index("(") + 1 : raw.rindex(")")]
        fields = raw[raw.rindex(")") + 2 :].split()
        out[int(entry)] = (name, float(fields[11]) + float(fields[12]))  # utime + stime
    return out


def quiet_check(seconds: float = 2.0) -> None:
    """How busy the machine is before a round, and with what: another process on the same cores (a development
    server's reloader, a test run) takes from the server and PostgreSQL and moves every figure. Warns above 10 %."""
    busy0, total0 = _cpu_times()
    procs0 = _process_jiffies()
    time.sleep(seconds)
    busy1, total1 = _cpu_times()
    procs1 = _process_jiffies()
    share = 100 * (busy1 - busy0) / max(1.0, total1 - total0)
    hz = os.sysconf("SC_CLK_TCK")
    top = sorted(
        (
            (t1 - procs0[pid][1], name)
            for pid, (name, t1) in procs1.items()
            if pid in procs0 and pid != os.getpid()
        ),
        reverse=True,
    )[:3]
    named = ", ".join(f"{name} {100 * j / hz / seconds:.0f} %" for j, name in top if j > 0)
    print(
        f"machine before the round: {share:.0f} % busy{f' ({named} of a core)' if named else ''}", flush=True
    )
    if share > 10:
        print(
            "  WARNING: the machine is not quiet: figures of this round are lower than the code's (stop other work "
            "— a development server, a test run — and run again)",
            flush=True,
        )


def python_calibration() -> tuple[str, float]:
    """The server interpreter's version and the milliseconds it takes for CALIBRATION's loop (best of 25; lower
    is faster)."""
    out = subprocess.run([str(BIN / "python"), "-c", CALIBRATION], capture_output=True, text=True, check=True)
    version, ms = out.stdout.split()
    return version, float(ms)


def measure(args, tokens: dict) -> dict:
    """One tree: pgbench, then the server under the pair, status and page phases. Returns the figures."""
    windows = max(1, args.windows)
    if windows == 1:
        tps = pgbench_tps(int(args.seconds), args.clients)
        print(
            f"pgbench (default TPC-B-like script, scale 10, {args.clients} clients): {tps:,.0f} tps",
            flush=True,
        )
    else:
        tps = 0.0
        pgbench_init()
        print(
            f"pgbench (default TPC-B-like script, scale 10, {args.clients} clients) alternating with the pairs, "
            f"{windows} windows of {args.seconds:g} s each",
            flush=True,
        )
    quiet_check()
    version, calibration = python_calibration()
    print(
        f"interpreter speed ({version}, {BIN / 'python'}): {calibration:.1f} ms for the reference "
        f"loop (lower is faster)",
        flush=True,
    )
    server = start_server(
        args.workers, args.server, status_limit_off=args.status_limit_off, threads=args.threads
    )
    print(f"server: {args.server}, {args.workers} workers", flush=True)
    out: dict[str, float] = {}
    codes: list[str] = []
    body = json.dumps(
        {
            "procedure": "1.001612",
            "agency": "000.00.21.H26",
            "channel": "online",
            "applicant": {"kind": "individual", "name": "Trần Thị Bình", "id_number": "001203012345"},
        }
    )
    h_cit = {"Authorization": f"Bearer {tokens['citizen']}", "Content-Type": "application/json"}
    h_off = {"Authorization": f"Bearer {tokens['officer']}", "Content-Type": "application/json"}

    def file_and_receive(conn, i):
        conn.request("POST", "/api/v1/dossiers", body=body, headers=h_cit)
        r = conn.getresponse()
        data = json.loads(r.read())
        if r.status != 201:
            return False
        conn.request("POST", f"/api/v1/dossiers/{data['code']}/receive", body="{}", headers=h_off)
        r2 = conn.getresponse()
        r2.read()
        codes.append(data["code"])
        return r2.status == 200

    try:
        if args.warmup > 0 and shutil.which("wrk") and not args.python_client:
            # a server in service is warm: its workers compiled their statements and loaded the reference data at
            # their first requests, which the first window of a fresh server counted (often the round's lowest)
            wn, _err, duration, _cpu = wrk_pairs(body, tokens, args.clients, args.warmup)
            print(f"warm-up: {wn} pairs in {duration:.1f} s, not counted", flush=True)
        c0 = cpu_snapshot(server.pid)
        if shutil.which("wrk") and not args.python_client:
            # --windows N: pgbench and the pairs alternate N times, each window --seconds long, and the ratio is
            # the median of the windows' ratios, each taken from two neighbouring windows (the machine's speed
            # drifts within a round); with N = 1, pgbench ran once before the server started
            per_window, acc, n, err, seconds = [], dict.fromkeys(c0, 0.0), 0, 0, 0.0
            for w in range(windows):
                window_tps = pgbench_run(int(args.seconds), args.clients) if windows > 1 else tps
                c0 = cpu_snapshot(server.pid)
                wn, werr, duration, client_cpu = wrk_pairs(body, tokens, args.clients, args.seconds)
                c1 = cpu_snapshot(server.pid)
                c1["client"] = c0["client"] + client_cpu  # wrk's CPU, not this process's
                for k in acc:
                    acc[k] += c1[k] - c0[k]
                n, err, seconds = n + wn, err + werr, seconds + duration
                per_window.append((window_tps, wn / duration))
                if windows > 1:
                    print(
                        f"  window {w + 1}: pgbench {window_tps:,.0f} tps, filing + reception "
                        f"{wn / duration:,.1f}/s, ratio {wn / duration / window_tps:.3f}",
                        flush=True,
                    )
            c0, c1 = dict.fromkeys(acc, 0.0), acc
            codes.extend(filed_codes())
            filing = statistics.median(pairs for _, pairs in per_window)
            tps = statistics.median(t for t, _ in per_window)
            ratio = statistics.median(pairs / t for t, pairs in per_window)
            client = f"wrk, {args.clients} connections" + (
                f", median of {windows} windows" if windows > 1 else ""
            )
        else:
            n, lat, err = run_clients(args.clients, args.seconds, file_and_receive)
            c1 = cpu_snapshot(server.pid)
            filing, ratio, seconds = n / args.seconds, n / args.seconds / tps, args.seconds
            client = f"Python client, {args.clients} connections; p95 {p95(lat):.0f} ms per pair"
        out.update(pairs=filing, ratio=ratio, pgbench=tps, calibration=calibration)
        out["server_ms"] = (c1["server"] - c0["server"]) / max(n, 1) * 1000
        out["postgres_ms"] = (c1["postgres"] - c0["postgres"]) / max(n, 1) * 1000
        print(
            f"filing + reception over HTTP ({client}): {filing:,.1f} dossiers/s ({err} errors); "
            f"ratio to pgbench tps = {ratio:.3f} (target ≥ 0.10)"
        )
        print(cpu_report(c0, c1, seconds, max(n, 1), "pair"), flush=True)

        def status(conn, i):
            conn.request("GET", f"/api/v1/dossiers/{codes[i % len(codes)]}/status")
            r = conn.getresponse()
            r.read()
            return r.status == 200

        if shutil.which("wrk") and not args.python_client:
            c0 = cpu_snapshot(server.pid)
            rate, p95_ms, errors, client_cpu = wrk_status(args.preload, codes, args.clients * 2, args.seconds)
            c1 = cpu_snapshot(server.pid)
            print(
                f"status reads (wrk, {args.clients * 2} connections): {rate:,.0f}/s ({errors} errors), "
                f"p95 {p95_ms:.1f} ms (target ≥ 1,500/s); the client used {client_cpu:.1f} CPU-s "
                f"of the {2 * args.seconds:.0f} the 2 cores had"
            )
            c1["client"] = c0["client"] + client_cpu  # wrk's CPU, not this process's
            print(cpu_report(c0, c1, args.seconds, max(rate * args.seconds, 1), "status read"), flush=True)
        else:
            n, lat, err = run_clients(args.clients, args.seconds, status)
            rate = n / args.seconds
            print(
                f"status reads (Python client): {rate:,.0f}/s ({err} errors), "
                f"p95 {p95(lat):.1f} ms (target ≥ 1,500/s)"
            )
        out["status"] = rate

        def page(conn, i):
            conn.request("GET", f"/api/v1/dossiers/{codes[(i * 7) % len(codes)]}", headers=h_off)
            r = conn.getresponse()
            r.read()
            return r.status == 200

        n, lat, err = run_clients(1, args.seconds / 2, page)
        out["page_p95"] = p95(lat)
        print(
            f"dossier page (GET /api/v1/dossiers/<code> with history, 1 client): p95 {p95(lat):.1f} ms "
            f"over {n} requests ({err} errors) (target < 100 ms)"
        )
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=20)
        if windows > 1:
            pgbench_drop()
    return out


if __name__ == "__main__":
    main()
