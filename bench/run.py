"""Run the in-process benchmarks in turn (`make bench`). The PostgreSQL-scale ones take arguments; see each
module's docstring: bench_http (HTTP + pgbench), bench_stats (statistics at scale), bench_import (migration)."""

import subprocess
import sys

QUICK = ["bench.bench_deadline", "bench.bench_search"]

if __name__ == "__main__":
    rc = 0
    for module in QUICK + sys.argv[1:]:
        print(f"== {module}", flush=True)
        rc |= subprocess.run([sys.executable, "-m", module]).returncode
    sys.exit(rc)
