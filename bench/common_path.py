"""The common path: small OGC reads and /healthz, sitereg against tipg in one run (issue 14).

Both servers run one uvicorn worker with pools of the same size (``POOL_SIZE`` connections:
sitereg's SQLAlchemy pool and its asyncio read pool each, tipg's asyncpg pool) on the benchmark
database ``sitereg_bench`` (its 120 synthetic sites from ``bench/synthetic_layers.py``; the demo
database may be empty), over TCP on 127.0.0.1. sitereg runs as shipped: request logging ON at
``SITEREG_LOG_LEVEL=INFO`` (the lines go to /dev/null), gzip and every middleware in place.

Figures: wrk at 16 connections over random URLs (a) one site by id, (b) a 10-feature page at a
random offset; then wrk with one connection for medians of (c) one site, ``/healthz`` and
``/ogc/conformance`` (tipg: ``/healthz`` answers without the database, ``/conformance``).

Usage (after ``.venv/bin/python bench/synthetic_layers.py``; needs ``wrk``)::

    .venv/bin/python bench/common_path.py [--duration 8] [--connections 16] [--rounds 3]
    git worktree add ../before <commit>    # then, with that checkout as a third server:
    .venv/bin/python bench/common_path.py --baseline ../before

Later issues (auth, history, headers) rerun it to show the common path stayed cheap.
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import sys
from pathlib import Path
from statistics import median

import psycopg
from bench_db import check_bench_name, check_schema_current, cluster, conninfo, database_exists
from interop import serve, sitereg_server, tipg_server, wrk

POOL_SIZE = 16
OURS_PORT, THEIR_PORT = 8821, 8822
TARGET_RATIO = 1.5
TARGET_ONE_SITE_MS = 3.0


def site_keys(url: str) -> list[tuple[str, int]]:
    """Return the (code, id) of every site: sitereg's feature id is the code, tipg's the key."""
    with psycopg.connect(conninfo(url)) as conn:
        rows = conn.execute("SELECT code, id FROM sites ORDER BY id").fetchall()
    return [(str(code), int(key)) for code, key in rows]


def scenarios(keys: list[tuple[str, int]], rng: random.Random) -> dict[str, tuple[list[str], ...]]:
    """Return, per figure, the URL paths for sitereg and for tipg (same random choices)."""
    ours, theirs = "/ogc/collections/sites/items", "/collections/public.sites/items"
    picks = [rng.choice(keys) for _ in range(500)]
    offsets = [rng.randrange(0, max(1, len(keys) - 10)) for _ in range(500)]
    return {
        "one site": (
            [f"{ours}/{code}" for code, _ in picks],
            [f"{theirs}/{key}" for _, key in picks],
        ),
        "10-feature page": (
            [f"{ours}?limit=10&offset={o}" for o in offsets],
            [f"{theirs}?limit=10&offset={o}" for o in offsets],
        ),
    }


def one_connection(
    port: int, figures: dict[str, list[str]], duration_s: int, headers: dict[str, str]
) -> dict[str, float]:
    """Return the median latency (ms) of each figure with one connection (wrk -c1)."""
    return {
        name: wrk(port, paths, duration_s, 1, headers)["p50_ms"] for name, paths in figures.items()
    }


def reader_token(url: str) -> str:
    """Return a fresh API token of a viewer (created once): reads as a signed-in portal."""
    from sqlalchemy import create_engine
    from sqlalchemy.orm import Session

    from app.models.enums import Role
    from app.services import identity

    engine = create_engine(url)
    with Session(engine) as session:
        if "bench_reader" not in [user.username for user in identity.list_users(session)]:
            identity.create_user(session, "bench_reader", password="bench " * 4, role=Role.VIEWER)
        token = identity.create_token(session, "bench_reader", name="common_path.py").plain
    engine.dispose()
    return token


def run_server(
    which: str, url: str, figures: dict[str, tuple[list[str], ...]], args: argparse.Namespace
) -> dict[str, dict[str, float]]:
    """Start one server, run every figure on it, and stop it."""
    if which in ("sitereg", "baseline"):
        port, side = OURS_PORT, 0
        pool = {"SITEREG_POOL__SIZE": str(POOL_SIZE), "SITEREG_POOL__OVERFLOW": "0"}
        if which == "baseline":  # the same server from another checkout (an earlier commit)
            pool["PYTHONPATH"] = str(args.baseline)
        command, env = sitereg_server(url, port, log_level="INFO", extra_env=pool)
        sequential = {"/healthz": ["/healthz"], "/ogc/conformance": ["/ogc/conformance"]}
    else:
        port, side = THEIR_PORT, 1
        pool = {"DB_MIN_CONN_SIZE": "1", "DB_MAX_CONN_SIZE": str(POOL_SIZE)}
        command, env = tipg_server(url, port, extra_env=pool)
        sequential = {"/healthz": ["/healthz"], "/ogc/conformance": ["/conformance"]}
    # --token: sitereg's requests carry a portal's bearer token (authentication on); tipg has none.
    headers = {"Authorization": f"Bearer {args.token}"} if args.token and side == 0 else {}
    results: dict[str, dict[str, float]] = {}
    with serve(command, env, port):
        for name, paths in figures.items():
            wrk(port, paths[side][:20], 1, 4, headers)  # warm-up: pools, prepared statements
            results[name] = wrk(port, paths[side], args.duration, args.connections, headers)
        sequential["one site, 1 conn"] = figures["one site"][side]
        results["1 conn"] = one_connection(port, sequential, max(2, args.duration // 2), headers)
    return results


def main() -> None:
    """Run the figures on both servers (alternating order over ``--rounds``) and print them."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database", default="sitereg_bench")
    parser.add_argument("--duration", type=int, default=8)
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--rounds", type=int, default=1, help="alternate servers; medians")
    parser.add_argument(
        "--auth",
        action="store_true",
        help="sitereg's requests carry a viewer's API token (each is authenticated)",
    )
    parser.add_argument(
        "--baseline",
        type=Path,
        help="a checkout of an earlier commit (git worktree add DIR COMMIT) served as a third "
        "server in every round, to compare before and after in one run",
    )
    args = parser.parse_args()
    check_bench_name(args.database)
    if not database_exists(args.database) or shutil.which("wrk") is None:
        sys.exit("needs bench/synthetic_layers.py first, and wrk (apt-get install wrk)")
    check_schema_current(args.database)
    load_before = os.getloadavg()
    url = cluster().tcp_url(args.database)
    args.token = reader_token(url) if args.auth else None
    figures = scenarios(site_keys(url), random.Random(20261207))
    runs: dict[str, list[dict[str, dict[str, float]]]] = {"sitereg": [], "tipg": []}
    servers = ["tipg", "sitereg"] + (["baseline"] if args.baseline else [])
    for name in servers:
        runs.setdefault(name, [])
    for index in range(args.rounds):
        order = servers if index % 2 == 0 else servers[::-1]
        for which in order:
            runs[which].append(run_server(which, url, figures, args))
    report(runs, args, load_before)


def _median(runs: list[dict[str, dict[str, float]]], figure: str, key: str) -> float:
    return median(run[figure][key] for run in runs)


def report(
    runs: dict[str, list[dict[str, dict[str, float]]]],
    args: argparse.Namespace,
    load_before: tuple[float, float, float],
) -> None:
    """Print req/s and ratios at 16 connections, one-connection medians, and PASS/FAIL."""
    ours, theirs = runs["sitereg"], runs["tipg"]
    print(
        f"wrk: {args.connections} connections, {args.duration} s per figure, one worker and "
        f"pools of {POOL_SIZE} each, {args.rounds} round(s) (medians); sitereg logs at INFO"
        + ("; every sitereg request carries a bearer token" if args.token else "")
    )
    loads = (load_before, os.getloadavg())
    before, after = (" ".join(f"{x:.1f}" for x in load) for load in loads)
    print(f"load average (1, 5, 15 min) {os.cpu_count()} CPUs: before {before}, after {after}")
    print(f"{'figure':<16} {'sitereg req/s':>14} {'tipg req/s':>11} {'ratio':>6} {'target':>7}")
    for name in ("one site", "10-feature page"):
        rate, their_rate = _median(ours, name, "rps"), _median(theirs, name, "rps")
        ratio = rate / their_rate if their_rate else float("inf")
        verdict = "PASS" if ratio >= TARGET_RATIO else "FAIL"
        errors = sum(run[name]["errors"] for run in ours + theirs)
        print(
            f"{name:<16} {rate:>14.1f} {their_rate:>11.1f} {ratio:>5.2f}× "
            f"{'≥' + str(TARGET_RATIO) + '×':>7} {verdict}"
            + (f" ({errors:.0f} non-2xx answers, either server)" if errors else "")
        )
    print(f"{'one connection':<16} {'sitereg ms':>14} {'tipg ms':>11}   (median latency)")
    for name in ("one site, 1 conn", "/healthz", "/ogc/conformance"):
        mine, their = _median(ours, "1 conn", name), _median(theirs, "1 conn", name)
        verdict = ""
        if name == "one site, 1 conn":
            verdict = f"target < {TARGET_ONE_SITE_MS:.0f} ms " + (
                "PASS" if mine < TARGET_ONE_SITE_MS else "FAIL"
            )
        print(f"{name:<16} {mine:>14.2f} {their:>11.2f}   {verdict}")
    if runs.get("baseline"):
        report_baseline(runs)


def report_baseline(runs: dict[str, list[dict[str, dict[str, float]]]]) -> None:
    """Print the baseline checkout's figures beside this one's (medians of the same rounds)."""
    ours, base, theirs = runs["sitereg"], runs["baseline"], runs["tipg"]
    print(f"{'before/after':<16} {'baseline':>14} {'this code':>11}  (× tipg in brackets)")
    for name in ("one site", "10-feature page"):
        then, now, peer = (_median(r, name, "rps") for r in (base, ours, theirs))
        print(f"{name:<16} {then:>8.1f} ({then / peer:.2f}×) {now:>8.1f} ({now / peer:.2f}×) req/s")
    for name in ("one site, 1 conn", "/healthz", "/ogc/conformance"):
        then, now = _median(base, "1 conn", name), _median(ours, "1 conn", name)
        print(f"{name:<16} {then:>11.2f} ms {now:>8.2f} ms")


if __name__ == "__main__":
    main()
