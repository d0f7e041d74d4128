"""Time each analysis question three ways, side by side: API, direct SQL, geopandas.

Usage::

    .venv/bin/python bench/synthetic_layers.py --parcels 200000   # once (or let run.py do it)
    .venv/bin/python bench/run.py                                 # database sitereg_bench
    .venv/bin/python bench/run.py --parcels 1000000               # database sitereg_bench_1m
    .venv/bin/python bench/run.py --what-if                       # + API with a dataset summary

Prints one table of medians and p95s (milliseconds), the issue's targets with PASS/FAIL labels
(informational, never asserted), the API process's memory, and a cross-check that the three
paths agree on the hectares. See bench/README.md for what each figure means.
"""

from __future__ import annotations

import argparse
import math
import os
import time
from dataclasses import dataclass

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
from proposals import make_proposals
from synthetic_layers import DEFAULT_SEED, build_database
from timing import Samples

PROPOSALS = 64
"""Distinct 500 ha proposals, cycled through by every path."""

COLUMNS = ("API", "API in-app", "API what-if", "SQL jit=off", "SQL jit=on", "geopandas")


@dataclass(frozen=True)
class LayerFacts:
    """What the benchmark database holds, and the server it runs on."""

    parcels: int
    datasets: str
    sites: int
    server: str


@dataclass(frozen=True)
class Results:
    """The figures of the three paths (and of the what-if API when asked for)."""

    api: path_api.ApiFigures
    sql: path_sql.SqlFigures
    gpd: path_geopandas.GeopandasFigures | None
    what_if: path_api.ApiFigures | None


def parse_args() -> argparse.Namespace:
    """Parse the command line."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database", help="benchmark database (default from --parcels)")
    parser.add_argument(
        "--parcels", type=int, help="forest parcels; (re)generates the database when it differs"
    )
    parser.add_argument("--repeat", type=int, default=10, help="timed runs of each report")
    parser.add_argument("--checks", type=int, default=200, help="timed single-client checks")
    parser.add_argument("--clients", type=int, default=16, help="concurrent check clients")
    parser.add_argument("--per-client", type=int, default=25, help="checks per client")
    parser.add_argument("--skip-geopandas", action="store_true", help="skip path (c)")
    parser.add_argument(
        "--what-if", action="store_true", help="also time the API with a forest dataset summary"
    )
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED)
    return parser.parse_args()


def layer_facts(url: str) -> LayerFacts:
    """Return the parcel count, datasets, sites and server versions of the database."""
    with psycopg.connect(conninfo(url)) as conn:
        parcels, datasets = conn.execute(
            "SELECT count(*), string_agg(DISTINCT dataset, ', ') FROM forest_parcels"
        ).fetchone() or (0, "")
        sites = conn.execute("SELECT count(*) FROM sites").fetchone() or (0,)
        server = conn.execute(
            "SELECT split_part(version(), ' on ', 1) || ', PostGIS ' || postgis_lib_version()"
        ).fetchone() or ("?",)
    return LayerFacts(int(parcels), str(datasets), int(sites[0]), str(server[0]))


def prepare_database(args: argparse.Namespace) -> str:
    """Return the benchmark database name, generating it when missing or of another size."""
    wanted = args.parcels or 200_000
    database = args.database or default_database(wanted)
    check_bench_name(database)
    if database_exists(database) and (
        args.parcels is None or layer_facts(database_url(database)).parcels == wanted
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


def measure_all(args: argparse.Namespace, url: str) -> Results:
    """Run the three paths (and the what-if API) on the same proposals."""
    with psycopg.connect(conninfo(url)) as conn:
        proposals = make_proposals(conn, PROPOSALS, args.seed)
    print("timing direct SQL …", flush=True)
    sql = path_sql.run(url, proposals, report_repeat=args.repeat, check_repeat=args.checks)
    print("timing the API …", flush=True)
    api = path_api.run(
        url,
        proposals,
        report_repeat=args.repeat,
        check_repeat=args.checks,
        clients=args.clients,
        per_client=args.per_client,
    )
    what_if = None
    if args.what_if:
        print("timing the what-if API (forest dataset summary table) …", flush=True)
        from whatif_app import SUMMARY_DDL

        with psycopg.connect(conninfo(url), autocommit=True) as conn:
            conn.execute(SUMMARY_DDL)
        what_if = path_api.run(
            url,
            proposals,
            report_repeat=args.repeat,
            check_repeat=args.checks,
            clients=args.clients,
            per_client=args.per_client,
            what_if=True,
        )
    gpd = None
    if not args.skip_geopandas:
        print("timing geopandas …", flush=True)
        gpd = path_geopandas.run(
            url,
            proposals,
            report_repeat=max(3, args.repeat // 2),
            check_repeat=min(args.checks, 40),
        )
    return Results(api, sql, gpd, what_if)


def _cell(value: float) -> str:
    return "—" if math.isnan(value) else f"{value:,.1f}"


def _table_rows(results: Results, clients: int) -> list[tuple[str, list[Samples], str, str]]:
    """Return (label, samples per column, statistic, issue's figure) for every table row."""
    api, sql = results.api, results.sql
    gpd = results.gpd or path_geopandas.GeopandasFigures()
    wif = results.what_if or path_api.ApiFigures()
    report = [api.report, api.report_in_app, wif.report, sql.report_jit_off, sql.report_jit_on]
    check = [api.check, api.check_in_app, wif.check, sql.check_jit_off, sql.check_jit_on]
    many = [api.check_16, api.check_16_in_app, wif.check_16]
    return [
        (
            "forest report, median",
            [*report, gpd.report],
            "median",
            "SQL 65–95, JIT on 200–225, gpd 800–1200",
        ),
        ("forest report, p95", [*report, gpd.report], "p95", ""),
        ("check 500 ha, 1 client, median", [*check, gpd.check], "median", "SQL 2–3"),
        ("check 500 ha, 1 client, p95", [*check, gpd.check], "p95", ""),
        (f"check, {clients} clients, median", many, "median", ""),
        (f"check, {clients} clients, p95", many, "p95", ""),
    ]


def print_table(results: Results, args: argparse.Namespace) -> None:
    """Print the side-by-side table (milliseconds) and the supporting figures."""
    print(f"\n{'milliseconds':<34}" + "".join(f"{h:>12}" for h in COLUMNS) + "   issue's figures")
    for label, samples, stat, reference in _table_rows(results, args.clients):
        padded = [*samples, *[Samples()] * (len(COLUMNS) - len(samples))]
        cells = "".join(f"{_cell(getattr(s, f'{stat}_ms')):>12}" for s in padded)
        print(f"{label:<34}{cells}   {reference}")
    api, sql = results.api, results.sql
    print(
        f"  {args.clients}-client throughput: {api.check_16_rps:.0f} checks/s over "
        f"{api.check_16.count} requests; report response {api.report_bytes / 1024:.0f} KiB"
    )
    statements = ", ".join(f"{name}.sql {s.median_ms:.1f}" for name, s in sql.statements.items())
    print(f"  direct SQL per statement (jit=off, median ms): {statements}")
    for name, figures in (("API", api), ("API what-if", results.what_if)):
        if figures is not None:
            memory = ", ".join(f"{k} {v:.0f}" for k, v in figures.rss_mib.items())
            print(f"  {name} RSS (MiB): {memory}")


def _verdict(ok: bool) -> str:
    return "PASS" if ok else "FAIL"


def _api_targets(api: path_api.ApiFigures, results: Results) -> list[tuple[str, bool]]:
    """Return (measured text, passed) for every target that concerns the API."""
    sql_ms = results.sql.report_jit_off.median_ms
    targets = [
        (
            f"report via API ≤ 1.25 × direct SQL: {api.report.median_ms / sql_ms:.2f} ×",
            api.report.median_ms <= 1.25 * sql_ms,
        ),
    ]
    if results.gpd is not None:
        ratio = results.gpd.report.median_ms / api.report.median_ms
        targets.append((f"report via API ≥ 8 × faster than geopandas: {ratio:.1f} ×", ratio >= 8))
    warm, end = api.rss_mib["after warm-up"], api.rss_mib["after 16-client checks"]
    return [
        *targets,
        (
            f"check median ≤ 8 ms (1 client): {api.check.median_ms:.1f} ms",
            api.check.median_ms <= 8.0,
        ),
        (f"check p95 ≤ 15 ms (1 client): {api.check.p95_ms:.1f} ms", api.check.p95_ms <= 15.0),
        (
            f"check p95 ≤ 50 ms (16 clients): {api.check_16.p95_ms:.1f} ms",
            api.check_16.p95_ms <= 50.0,
        ),
        (
            f"API memory flat (≤ +10 % after warm-up): {warm:.0f} → {end:.0f} MiB",
            end <= warm * 1.10,
        ),
    ]


def print_targets(results: Results, facts: LayerFacts) -> None:
    """Print the issue's targets next to the measured figures (informational)."""
    print("\ntargets (issue 4; informational, machine-dependent)")
    for name, api in (("API", results.api), ("API what-if", results.what_if)):
        if api is None:
            continue
        for text, ok in _api_targets(api, results):
            print(f"  [{_verdict(ok)}] {name}: {text}")
        if facts.parcels >= 1_000_000:
            p95 = api.check.p95_ms
            print(
                f"  [{_verdict(p95 <= 15.0)}] {name}: check p95 ≤ 15 ms with "
                f"{facts.parcels:,} parcels: {p95:.1f} ms"
            )
    if facts.parcels < 1_000_000:
        print("  [ n/a] check p95 ≤ 15 ms with 1 000 000 parcels: run --parcels 1000000")


def _worst(found: dict[str, float], expected: dict[str, float], relative: bool) -> float:
    def gap(code: str, ha: float) -> float:
        return abs(found[code] - ha) / (max(ha, 1e-9) if relative else 1.0)

    return max(gap(code, ha) for code, ha in expected.items() if ha > 0 or not relative)


def print_agreement(results: Results) -> None:
    """Print how far the three paths' per-site forest hectares are apart."""
    sql_ha: dict[str, float] = {}
    for row in results.sql.report_rows:
        sql_ha[row[0]] = sql_ha.get(row[0], 0.0) + float(row[4])
    api_ha = {s["site_code"]: s["forest_total_ha"] for s in results.api.report_json["sites"]}
    text = f"answers agree: max |API − SQL| = {_worst(api_ha, sql_ha, False):.1e} ha per site"
    if results.gpd is not None:
        gap = _worst(results.gpd.forest_ha_by_site, sql_ha, True)
        text += f"; max |geopandas − SQL| = {100 * gap:.1e} % (equal-area vs geodesic)"
    print(text)


def main() -> None:
    """Prepare the database, measure the three paths, and print the figures."""
    args = parse_args()
    ensure_cluster_running()
    started = time.perf_counter()
    database = prepare_database(args)
    url = database_url(database)
    facts = layer_facts(url)
    results = measure_all(args, url)
    print(
        f"\nsitereg bench · {database}: {facts.parcels:,} forest parcels ({facts.datasets}), "
        f"{facts.sites} sites · {facts.server} · {os.cpu_count()} CPUs · "
        f"load average {os.getloadavg()[0]:.1f}"
    )
    print(
        f"runs: {args.repeat} reports, {args.checks} checks (1 client), "
        f"{args.clients} × {args.per_client} checks (concurrent); {PROPOSALS} proposals"
    )
    print_table(results, args)
    print_targets(results, facts)
    print_agreement(results)
    print(f"\ntotal bench time {time.perf_counter() - started:.0f} s")


if __name__ == "__main__":
    main()
