"""Time travel: an OGC items page and one site as of a recorded time vs now, side by side.

One sitereg worker (as shipped: logging at INFO, gzip) on a benchmark database with history:
each of its sites is edited ``--edits`` times first (a tiny outline shift, one committed
transaction each, signed as the benchmark), so ``sites_versions`` holds that many old versions
per site and ``as_of`` has real versions to pick from. Figures, per round, with wrk: the median
latency over one connection, and requests/s over ``--connections``, for

- a 10-feature page of ``sites`` at a random offset, now / ``as_of`` a time before the edits
  (every site's oldest version) / ``as_of`` the future (= now, through the as-of SQL);
- one site by code, now / ``as_of`` before the edits;
- ``/api/v1/sites?limit=10`` now / ``as_of`` before the edits.

The issue's target: an ``as_of`` items page within 1.5× of the current one (median latency).
Timings are printed, never asserted.

Usage (needs ``wrk``; the database is made once by ``bench/synthetic_layers.py``)::

    .venv/bin/python bench/synthetic_layers.py --parcels 20000 --database sitereg_bench_history
    .venv/bin/python bench/as_of.py [--database sitereg_bench_history] [--rounds 3]
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import sys
from datetime import UTC, datetime, timedelta
from statistics import median

import psycopg
from bench_db import check_bench_name, check_schema_current, cluster, conninfo, database_exists
from interop import serve, sitereg_server, wrk

PORT = 8831
TARGET_RATIO = 1.5
SIGN = (
    "SELECT set_config('sitereg.actor', 'bench/as_of.py', true),"
    " set_config('sitereg.reason', 'benchmark history', true)"
)


def ensure_history(url: str, edits: int) -> datetime:
    """Edit every site ``edits`` times unless done before; return a time before the edits."""
    with psycopg.connect(conninfo(url), autocommit=True) as conn:
        row = conn.execute("SELECT min(recorded_to) FROM sites_versions").fetchone()
        if row and row[0] is not None:
            return row[0] - timedelta(microseconds=1)  # every site's first version then
        before = conn.execute("SELECT now()").fetchone()
        for step in range(edits):
            with conn.transaction():
                conn.execute(SIGN)
                shift = 1e-6 if step % 2 == 0 else -1e-6
                conn.execute("UPDATE sites SET geom = ST_Translate(geom, %s, 0)", (shift,))
        conn.execute("ANALYZE sites_versions")
    assert before is not None
    return before[0]


def paths(url: str, past: datetime, rng: random.Random) -> dict[str, list[str]]:
    """Return the URL paths of every figure (the same random choices now and as of)."""
    with psycopg.connect(conninfo(url)) as conn:
        codes = [str(row[0]) for row in conn.execute("SELECT code FROM sites ORDER BY code")]
    then = past.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    items = "/ogc/collections/sites/items"
    offsets = [rng.randrange(0, max(1, len(codes) - 10)) for _ in range(300)]
    picks = [rng.choice(codes) for _ in range(300)]
    pages = [f"{items}?limit=10&offset={o}" for o in offsets]
    sites = [f"{items}/{code}" for code in picks]
    lists = [f"/api/v1/sites?limit=10&offset={o}" for o in offsets]
    return {
        "items page, now": pages,
        "items page, as_of past": [f"{p}&as_of={then}" for p in pages],
        "items page, as_of future": [f"{p}&as_of=2999-01-01" for p in pages],
        "one site, now": sites,
        "one site, as_of past": [f"{p}?as_of={then}" for p in sites],
        "api list, now": lists,
        "api list, as_of past": [f"{p}&as_of={then}" for p in lists],
    }


def run_round(url: str, figures: dict[str, list[str]], args: argparse.Namespace) -> dict:
    """Start the server, measure every figure (one connection, then many), stop it."""
    env = {"SITEREG_POOL__SIZE": "8", "SITEREG_POOL__OVERFLOW": "0"}
    command, env = sitereg_server(url, PORT, log_level="INFO", extra_env=env)
    results: dict[str, dict[str, float]] = {}
    with serve(command, env, PORT):
        for name, figure in figures.items():
            wrk(PORT, figure[:20], 1, 2)  # warm-up: statements prepared on the pools
            single = wrk(PORT, figure, args.duration, 1)
            many = wrk(PORT, figure, args.duration, args.connections)
            errors = single["errors"] + many["errors"]
            results[name] = {"p50_ms": single["p50_ms"], "rps": many["rps"], "errors": errors}
    return results


def report(runs: list[dict], args: argparse.Namespace, load_before: tuple[float, ...]) -> None:
    """Print medians over the rounds, each as_of figure beside its current one."""
    print(
        f"wrk: {args.duration} s per figure, p50 over 1 connection, req/s over "
        f"{args.connections}; one worker; {args.rounds} round(s), medians; {args.edits} "
        "versions of every site in sites_versions"
    )
    loads = (load_before, os.getloadavg())
    before, after = (" ".join(f"{x:.1f}" for x in load) for load in loads)
    print(f"load average (1, 5, 15 min) {os.cpu_count()} CPUs: before {before}, after {after}")
    print(f"{'figure':<26} {'p50 ms':>8} {'req/s':>8} {'p50 vs now':>11}")
    for name in runs[0]:
        p50 = median(run[name]["p50_ms"] for run in runs)
        rps = median(run[name]["rps"] for run in runs)
        base_name = name.split(",")[0] + ", now"
        base = median(run[base_name]["p50_ms"] for run in runs)
        ratio = p50 / base if base else float("inf")
        verdict = ""
        if name.startswith("items page, as_of"):
            verdict = f" target ≤ {TARGET_RATIO}× " + ("PASS" if ratio <= TARGET_RATIO else "FAIL")
        errors = sum(run[name]["errors"] for run in runs)
        print(
            f"{name:<26} {p50:>8.2f} {rps:>8.1f} {ratio:>10.2f}×{verdict}"
            + (f" ({errors:.0f} non-2xx)" if errors else "")
        )


def main() -> None:
    """Make the history once, then measure current and as_of reads in the same rounds."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database", default="sitereg_bench_history")
    parser.add_argument("--duration", type=int, default=5)
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument("--rounds", type=int, default=1)
    parser.add_argument("--edits", type=int, default=3, help="versions made of every site")
    args = parser.parse_args()
    check_bench_name(args.database)
    if not database_exists(args.database) or shutil.which("wrk") is None:
        sys.exit("needs bench/synthetic_layers.py --database <name> first, and wrk")
    check_schema_current(args.database)
    load_before = os.getloadavg()
    url = cluster().tcp_url(args.database)
    past = ensure_history(url, args.edits)
    figures = paths(url, past, random.Random(20261207))
    runs = [run_round(url, figures, args) for _ in range(args.rounds)]
    report(runs, args, load_before)


if __name__ == "__main__":
    main()
