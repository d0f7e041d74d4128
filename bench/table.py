"""Print the bench figures: the side-by-side table, the issue's targets, the cross-check."""

from __future__ import annotations

import math
from dataclasses import dataclass

import path_api
import path_geopandas
import path_sql
from timing import Samples

COLUMNS = ("API", "API in-app", "SQL jit=off", "SQL jit=on", "geopandas")


@dataclass(frozen=True)
class Results:
    """The figures of the three paths."""

    api: path_api.ApiFigures
    sql: path_sql.SqlFigures
    gpd: path_geopandas.GeopandasFigures | None
    parcels: int
    clients: int


def _cell(value: float) -> str:
    return "—" if math.isnan(value) else f"{value:,.1f}"


def _rows(results: Results) -> list[tuple[str, list[Samples], str]]:
    """Return (label, samples per column, statistic) for every row of the table."""
    api, sql = results.api, results.sql
    gpd = results.gpd or path_geopandas.GeopandasFigures()
    report = [api.report, api.report_in_app, sql.report_jit_off, sql.report_jit_on, gpd.report]
    check = [api.check, api.check_in_app, sql.check_jit_off, sql.check_jit_on, gpd.check]
    many = [api.check_many, api.check_many_in_app]
    clients = results.clients
    return [
        ("forest report, median", report, "median"),
        ("forest report, p95", report, "p95"),
        ("check 500 ha, 1 client, median", check, "median"),
        ("check 500 ha, 1 client, p95", check, "p95"),
        (f"check, {clients} threads, median", many, "median"),
        (f"check, {clients} threads, p95", many, "p95"),
    ]


ISSUE_FIGURES = (
    "issue 4 measured on this machine type: SQL report 65–95 ms (200–225 with JIT on), "
    "SQL check 2–3 ms, geopandas 800–1200 ms"
)


def print_table(results: Results) -> None:
    """Print the side-by-side table (milliseconds) and the supporting figures."""
    print(f"\n{'milliseconds':<32}" + "".join(f"{h:>12}" for h in COLUMNS))
    for label, samples, stat in _rows(results):
        padded = [*samples, *[Samples()] * (len(COLUMNS) - len(samples))]
        cells = "".join(f"{_cell(getattr(s, f'{stat}_ms')):>12}" for s in padded)
        print(f"{label:<32}{cells}")
    print(f"  {ISSUE_FIGURES}")
    api, sql = results.api, results.sql
    statements = ", ".join(f"{name}.sql {s.median_ms:.1f}" for name, s in sql.statements.items())
    print(f"  direct SQL per statement (jit=off, median ms): {statements}")
    for name, per_request in (("API", api.cpu_ms), ("direct SQL backend", sql.cpu_ms)):
        laps = ", ".join(f"{label} {ms:.1f}" for label, ms in per_request.items())
        print(f"  CPU ms per request, {name} process: {laps}")
    memory = ", ".join(f"{k} {v:.0f}" for k, v in api.rss_mib.items())
    print(
        f"  API: {results.clients}-client throughput {api.check_many_rps:.0f} checks/s "
        f"({api.check_many.count} requests); report {api.report_bytes / 1024:.0f} KiB"
    )
    print(
        f"  {results.clients} client threads in the bench process: "
        f"{api.check_many_client_cpu_ms:.1f} ms of the bench's own CPU per check"
    )
    wrk = api.check_wrk
    if wrk is not None:
        print(
            f"  wrk, {wrk.connections} connections: {wrk.rps:.0f} checks/s ({wrk.requests} "
            f"requests), p50 {wrk.p50_ms:.1f}, p90 {wrk.p90_ms:.1f}, p95 {wrk.p95_ms:.1f}, "
            f"p99 {wrk.p99_ms:.1f}, max {wrk.max_ms:.1f} ms; CPU per check: API process "
            f"{wrk.server_cpu_ms:.2f} ms, wrk {wrk.wrk_cpu_ms:.2f} ms"
        )
    print(f"  API RSS (MiB): {memory}")


def _api_targets(api: path_api.ApiFigures, results: Results) -> list[tuple[str, bool]]:
    """Return (measured text, passed) for every target that concerns the API."""
    sql_ms = results.sql.report_jit_off.median_ms
    ratio_sql = api.report.median_ms / sql_ms
    targets = [(f"report via API ≤ 1.25 × direct SQL: {ratio_sql:.2f} ×", ratio_sql <= 1.25)]
    if results.gpd is not None:
        ratio = results.gpd.report.median_ms / api.report.median_ms
        targets.append((f"report via API ≥ 8 × faster than geopandas: {ratio:.1f} ×", ratio >= 8))
    one, many = api.check, api.check_many
    if results.parcels >= 1_000_000:
        # The issue sets one check target for the large layer; the others are for 200 000.
        targets.append(
            (f"check p95 ≤ 15 ms with {results.parcels:,} parcels (1 client): "
             f"{one.p95_ms:.1f} ms", one.p95_ms <= 15.0)
        )  # fmt: skip
    else:
        targets += [
            (f"check median ≤ 8 ms (1 client): {one.median_ms:.1f} ms", one.median_ms <= 8.0),
            (f"check p95 ≤ 15 ms (1 client): {one.p95_ms:.1f} ms", one.p95_ms <= 15.0),
        ]  # fmt: skip
        if api.check_wrk is not None:
            wrk = api.check_wrk
            targets.append(
                (f"check p95 ≤ 50 ms ({wrk.connections} clients, wrk): {wrk.p95_ms:.1f} ms "
                 f"at {wrk.rps:.0f} checks/s", wrk.p95_ms <= 50.0)
            )  # fmt: skip
        targets.append(
            (f"check p95 ≤ 50 ms ({results.clients} client threads in the bench): "
             f"{many.p95_ms:.1f} ms", many.p95_ms <= 50.0)
        )  # fmt: skip
    warm, end = api.rss_mib["after warm-up"], api.rss_mib["after concurrent checks"]
    flat = end <= warm * 1.10
    return [*targets, (f"memory flat (≤ +10 % after warm-up): {warm:.0f} → {end:.0f} MiB", flat)]


def print_targets(results: Results) -> None:
    """Print the issue's targets next to the measured figures (informational)."""
    print("\ntargets (issue 4; informational, machine-dependent)")
    for text, ok in _api_targets(results.api, results):
        print(f"  [{'PASS' if ok else 'FAIL'}] {text}")
    if results.parcels < 1_000_000:
        print("  [ n/a] check p95 ≤ 15 ms with 1 000 000 parcels: run --parcels 1000000")
    else:
        print("  [ n/a] the other check targets are set for 200 000 parcels: run without --parcels")


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
