"""Time each analysis question three ways, side by side: API, direct SQL, geopandas.

Usage::

    .venv/bin/python bench/synthetic_layers.py --parcels 200000   # once (or let run.py do it)
    .venv/bin/python bench/run.py                                 # database sitereg_bench
    .venv/bin/python bench/run.py --parcels 1000000               # database sitereg_bench_1m

The API and direct-SQL requests are interleaved (one of each in turn, rotating the order), so
background load on the machine hits every path alike and their ratios stay meaningful. Prints
one table of medians and p95s (milliseconds), the issue's targets with PASS/FAIL labels
(informational, never asserted), the API process's memory, and a cross-check that the paths
agree on the hectares. See bench/README.md for what each figure means.
"""

from __future__ import annotations

import argparse
import os
import time
from collections.abc import Iterator, Sequence
from typing import Protocol

import load_wrk
import path_api
import path_geopandas
import path_sql
import psycopg
from bench_db import (
    check_bench_name,
    conninfo,
    database_exists,
    database_url,
    default_database,
    ensure_cluster_running,
)
from proposals import Proposal, make_proposals
from synthetic_layers import DEFAULT_SEED, build_database
from table import Results, print_agreement, print_table, print_targets
from timing import CpuMeter

PROPOSALS = 64
"""Distinct 500 ha proposals, cycled through by every path."""

ROUNDS = 1
"""Timed rounds of concurrent checks. One: every client posts its checks back to back, so the
figure is the steady state of 16 closed-loop clients, not 16 threads starting at once again
and again (each start is a burst of 16 simultaneous requests, then a drain)."""


class Path(Protocol):
    """What the interleaving loop needs from a path: timed checks and reports, a CPU meter."""

    cpu: CpuMeter

    def check(self, proposal: Proposal, request_id: str) -> None:
        """Time one check."""

    def report(self, request_id: str) -> None:
        """Time one report."""


def parse_args() -> argparse.Namespace:
    """Parse the command line."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database", help="benchmark database (default from --parcels)")
    parser.add_argument(
        "--parcels", type=int, help="forest parcels; (re)generates the database when it differs"
    )
    parser.add_argument(
        "--repeat",
        type=int,
        default=30,
        help="timed runs of each report (the API/SQL ratio moved 0.87-1.37 with 10)",
    )
    parser.add_argument("--checks", type=int, default=200, help="timed single-client checks")
    parser.add_argument("--clients", type=int, default=16, help="concurrent check clients")
    parser.add_argument("--per-client", type=int, default=25, help="checks per client")
    parser.add_argument(
        "--wrk-seconds", type=int, default=10, help="length of the wrk run of concurrent checks"
    )
    parser.add_argument("--skip-geopandas", action="store_true", help="skip path (c)")
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED)
    return parser.parse_args()


def server_version(url: str) -> str:
    """Return "PostgreSQL x.y, PostGIS a.b.c" of the benchmark database's server."""
    with psycopg.connect(conninfo(url)) as conn:
        row = conn.execute(
            "SELECT 'PostgreSQL ' || current_setting('server_version') "
            "|| ', PostGIS ' || postgis_lib_version()"
        ).fetchone()
    return str(row[0]) if row else "?"


def parcel_count(url: str) -> int:
    """Return the number of forest parcels in the database."""
    with psycopg.connect(conninfo(url)) as conn:
        row = conn.execute("SELECT count(*) FROM forest_parcels").fetchone()
    return int(row[0]) if row else 0


def prepare_database(args: argparse.Namespace) -> str:
    """Return the benchmark database name, generating it when missing or of another size."""
    wanted = args.parcels or 200_000
    database = args.database or default_database(wanted)
    check_bench_name(database)
    if database_exists(database) and (
        args.parcels is None or parcel_count(database_url(database)) == wanted
    ):
        return database
    print(f"generating {wanted} synthetic parcels into {database} …", flush=True)
    started = time.perf_counter()
    times = build_database(database, wanted, args.seed)
    print(
        f"generated + loaded in {time.perf_counter() - started:.1f} s "
        f"(generate {times.generate_s:.1f}, copy {times.copy_s:.1f}, "
        f"index {times.index_s:.1f}, analyze {times.analyze_s:.1f})"
    )
    return database


def _rotations(paths: Sequence[Path], count: int) -> Iterator[tuple[int, list[Path]]]:
    """Yield (i, paths in the i-th rotated order) so no path is always first."""
    for i in range(count):
        shift = i % len(paths)
        yield i, [*paths[shift:], *paths[:shift]]


def reports_only(args: argparse.Namespace) -> bool:
    """Return whether only the province report is to be timed (``--only report``)."""
    return getattr(args, "only", None) == "report"


def interleave(
    paths: Sequence[Path], proposals: Sequence[Proposal], args: argparse.Namespace
) -> None:
    """Time checks, then reports, one request of each path in turn; meter each one's CPU."""
    checks = 0 if reports_only(args) else args.checks
    for path in paths:
        path.cpu.restart()
    for i, order in _rotations(paths, checks):
        for path in order:
            path.check(proposals[i % len(proposals)], f"one{i:05d}")
    for path in paths:
        path.cpu.lap("check", checks)
    for i, order in _rotations(paths, args.repeat):
        for path in order:
            path.report(f"rep{i:05d}")
    for path in paths:
        path.cpu.lap("report", args.repeat)


def concurrent(
    api: path_api.ApiPath, proposals: Sequence[Proposal], args: argparse.Namespace
) -> None:
    """Run the concurrent checks in rounds, metering the server's CPU per request."""
    crowd = path_api.ConcurrentClients(api, args.clients)
    per_round = max(1, args.per_client // ROUNDS)
    # One untimed round first: the single-client runs used two pooled connections; this one
    # opens the rest (a new PostgreSQL backend also loads PostGIS and PROJ on first use), so
    # the timed rounds measure the steady state rather than the pool's growth.
    crowd.round(proposals, per_round, "warm", timed=False)
    api.cpu.restart()
    own = CpuMeter(os.getpid())
    for number in range(ROUNDS):
        crowd.round(proposals, per_round, f"{number}")
    checks = args.clients * per_round * ROUNDS
    api.cpu.lap(f"{args.clients}-client check", checks)
    own.lap("threads", checks)
    api.figures.check_many_client_cpu_ms = own.per_request_ms["threads"]
    crowd.close()
    if not load_wrk.available():
        print("  wrk is not installed (apt-get install wrk): thread clients only", flush=True)
        return
    print(f"timing {args.clients} wrk clients for {args.wrk_seconds} s …", flush=True)
    api.figures.check_wrk = load_wrk.run_checks(
        api.server.base_url,
        proposals,
        connections=args.clients,
        duration_s=args.wrk_seconds,
        server_pid=api.server.pid,
    )


def measure_api_and_sql(
    url: str, proposals: Sequence[Proposal], args: argparse.Namespace
) -> tuple[path_api.ApiFigures, path_sql.SqlFigures]:
    """Start the API server, then time it and direct SQL side by side.

    With ``--only report`` (``reports_only``) no check is timed: the two paths' reports only.
    """
    sql = path_sql.SqlFigures()
    only_reports = reports_only(args)
    with path_api.serve(url) as server, path_sql.connect(url, "off") as conn:
        api = path_api.ApiPath(server)
        direct = path_sql.SqlPath(conn, sql)
        api.warm_up(proposals, checks=not only_reports)
        direct.warm_up(proposals, checks=not only_reports)
        print("timing API and direct SQL, interleaved …", flush=True)
        interleave([api, direct], proposals, args)
        api.note_memory("after 1-client runs")
        if not only_reports:
            print(f"timing {args.clients} concurrent clients …", flush=True)
            concurrent(api, proposals, args)
            api.note_memory("after concurrent checks")
        figures = api.finish()
    print_report_agreement(figures, sql)
    if not only_reports:
        print("timing direct SQL with JIT on, and each statement …", flush=True)
        path_sql.time_jit_on(url, sql, proposals, max(3, args.repeat // 5))
    path_sql.time_statements(url, sql, args.repeat, proposals, checks=not only_reports)
    if only_reports:
        statements = ", ".join(f"{k} {v.median_ms:.0f}" for k, v in sql.statements.items())
        print(f"report statements alone (jit=off, median ms): {statements}", flush=True)
    return figures, sql


def print_report_agreement(api: path_api.ApiFigures, sql: path_sql.SqlFigures) -> None:
    """Print whether the API's per-kind and total forest equal the direct path's ground rows."""
    direct: dict[str, float] = {}
    for row in sql.ground_rows:
        direct[row[0]] = direct.get(row[0], 0.0) + float(row[5])
    report = api.report_json
    answered = {group["group"]: group["forest_total_ha"] for group in report.get("by_kind", [])}
    if "totals" in report:
        answered["total"] = report["totals"]["forest_total_ha"]
    worst = max((abs(answered.get(k, 0.0) - v) for k, v in direct.items()), default=float("nan"))
    print(
        f"report: API and direct SQL answer the same ground ({len(direct)} groups, "
        f"max |API − SQL| = {worst:.1e} ha; left out {len(report.get('left_out', []))} sites)",
        flush=True,
    )


def measure_all(args: argparse.Namespace, url: str, parcels: int) -> Results:
    """Run the three paths on the same proposals."""
    with psycopg.connect(conninfo(url)) as conn:
        proposals = make_proposals(conn, PROPOSALS, args.seed)
    api, sql = measure_api_and_sql(url, proposals, args)
    gpd = None
    if not args.skip_geopandas:
        print("timing geopandas …", flush=True)
        gpd = path_geopandas.run(
            url,
            proposals,
            report_repeat=max(3, min(5, args.repeat // 2)),
            check_repeat=min(args.checks, 40),
        )
    return Results(api, sql, gpd, parcels, args.clients)


def main() -> None:
    """Prepare the database, measure the three paths, and print the figures."""
    args = parse_args()
    ensure_cluster_running()
    started = time.perf_counter()
    database = prepare_database(args)
    url = database_url(database)
    parcels = parcel_count(url)
    results = measure_all(args, url, parcels)
    print(
        f"\nsitereg bench · {database}: {parcels:,} synthetic forest parcels, 120 synthetic "
        f"sites · {server_version(url)} · {os.cpu_count()} CPUs · "
        f"load average {os.getloadavg()[0]:.1f} at the end"
    )
    print(
        f"runs: {args.repeat} reports, {args.checks} checks (1 client), "
        f"{args.clients} clients × {args.per_client} checks; {PROPOSALS} proposals of 500 ha"
    )
    print_table(results)
    print_targets(results)
    print_agreement(results)
    print(f"\ntotal bench time {time.perf_counter() - started:.0f} s")


if __name__ == "__main__":
    main()
