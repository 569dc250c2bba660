"""What a transaction's round trips cost, and whether psycopg's pipeline mode saves any (ADR 0004, seventeenth
round): a transaction of BEGIN, one prepared statement and COMMIT sent as three round trips, against BEGIN and the
statement sent together in a pipeline. Prints the Python CPU, the PostgreSQL backend's CPU (same machine, from
/proc) and the wall time per transaction.

    .venv/bin/python -m bench.bench_pipeline [--transactions 20000] [--rounds 2]
"""

import argparse
import os
import time

import psycopg

TICK = os.sysconf("SC_CLK_TCK")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--transactions", type=int, default=20_000)
    ap.add_argument("--rounds", type=int, default=2)
    ap.add_argument("--dsn", default="postgresql://postgres@127.0.0.1:5432/postgres")
    args = ap.parse_args()
    conn = psycopg.connect(args.dsn, autocommit=False)
    pid = conn.execute("SELECT pg_backend_pid()").fetchone()[0]
    conn.commit()
    cur = conn.cursor()

    def backend_cpu() -> float:
        fields = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / TICK

    def plain() -> None:  # psycopg sends BEGIN and waits for it, then the statement, then COMMIT
        cur.execute("SELECT 1 WHERE 1 = %s", (1,), prepare=True)
        cur.fetchone()
        conn.commit()

    def pipelined() -> None:  # BEGIN and the statement in one pipeline, then COMMIT
        with conn.pipeline():
            cur.execute("SELECT 1 WHERE 1 = %s", (1,), prepare=True)
            cur.fetchone()
        conn.commit()

    n = args.transactions
    for r in range(args.rounds):
        for label, fn in (("three round trips", plain), ("pipelined BEGIN", pipelined)):
            b0, p0, w0 = backend_cpu(), time.process_time(), time.perf_counter()
            for _ in range(n):
                fn()
            print(
                f"round {r + 1}, {label}: Python {(time.process_time() - p0) / n * 1e6:.1f} µs, PostgreSQL "
                f"{(backend_cpu() - b0) / n * 1e6:.1f} µs, wall {(time.perf_counter() - w0) / n * 1e6:.1f} µs "
                "per transaction",
                flush=True,
            )


if __name__ == "__main__":
    main()
