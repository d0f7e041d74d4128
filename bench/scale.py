"""Issue 20's table in one command: the same figures at 200 000 and 1 000 000 parcels.

For each size, on its own synthetic benchmark database (``bench/synthetic_layers.py``, made
when missing): OGC items (limit 1 000) and z10/z12 forest tiles against tipg on the same
database (one worker each, 16 wrk connections, sitereg's tile cache off, as in
``bench/interop.py``), the largest z10/z12 tile each server sends, the proposal check at one
and 16 clients and the province report through the API beside the same SQL run directly
(``bench/run.py``'s paths). Prints one table with the issue's goal at 1 000 000 beside each
figure. Nothing is asserted: the machine is shared, so compare within one run.

Usage (needs ``wrk``; tipg is installed on first use as in ``bench/interop.py``)::

    .venv/bin/python bench/scale.py [--sizes 200000 1000000] [--duration 10]
    .venv/bin/python bench/scale.py --only check --repeat 3   # the check's rows (and its split)
    .venv/bin/python bench/scale.py --only report             # the report, API beside SQL
    .venv/bin/python bench/scale.py --only tiles --suffix _copy  # tiles, on sitereg_bench_copy …
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import sys
import time
from dataclasses import dataclass, field

import httpx
import psycopg
from bench_db import check_schema_current, cluster, conninfo, database_url, default_database
from interop import scenarios, serve, sitereg_server, tile_paths, tipg_server, wrk
from proposals import make_proposals
from run import PROPOSALS, measure_api_and_sql, parcel_count, prepare_database
from synthetic_layers import DEFAULT_SEED

SCENARIOS = ("items 1000", "tiles z10", "tiles z12")
OURS_PORT, THEIRS_PORT = 8821, 8822


@dataclass
class SizeFigures:
    """Every figure of one database size."""

    parcels: int
    wrk: dict[str, dict[str, dict[str, float]]] = field(default_factory=dict)
    tile_kb: dict[str, dict[str, float]] = field(default_factory=dict)
    check_p95_ms: float = 0.0
    check_many_p95_ms: float = 0.0
    check_many_client_cpu_ms: float = float("nan")
    check_wrk: str = "wrk not installed"
    report_api_ms: float = 0.0
    report_sql_ms: float = 0.0
    check_split: str = ""


def largest_tiles(port: int, prefix: str, z: int, yx: bool) -> dict[str, float]:
    """Return the largest and median size (KB) of 40 random forest tiles of zoom ``z``."""
    rng = random.Random(20261207 + z)
    sizes = []
    with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=60) as client:
        for path in tile_paths(z, 40, rng, yx=yx):
            sizes.append(len(client.get(f"{prefix}/tiles/WebMercatorQuad/{path}").content) / 1000)
    sizes.sort()
    return {"max_kb": sizes[-1], "median_kb": sizes[len(sizes) // 2]}


def warm_up(port: int, paths: list[str], args: argparse.Namespace) -> None:
    """Send ``--warmup`` seconds of the same requests, untimed, as each server's warm-up.

    A server's first seconds pay for opening its pool's connections, preparing statements
    and reading cold pages; both servers get the same warm-up before their timed run.
    """
    if args.warmup > 0:
        wrk(port, paths, args.warmup, 16)


def measure_servers(figures: SizeFigures, url: str, args: argparse.Namespace) -> None:
    """Time items and tiles on tipg and on sitereg, on the same database over TCP."""
    paths = scenarios(random.Random(20261125))
    names = [name for name in SCENARIOS if args.only != "tiles" or name.startswith("tiles")]
    ours_cmd, ours_env = sitereg_server(url, OURS_PORT, factory="interop_app:factory")
    their_cmd, their_env = tipg_server(url, THEIRS_PORT)
    for name in names:
        figures.wrk[name] = {}
    with serve(their_cmd, their_env, THEIRS_PORT):
        for name in names:
            warm_up(THEIRS_PORT, paths[name][1], args)  # warm-up: connections, plans, buffers
            figures.wrk[name]["tipg"] = wrk(THEIRS_PORT, paths[name][1], args.duration, 16)
        for z in (10, 12):
            figures.tile_kb[f"tipg z{z}"] = largest_tiles(
                THEIRS_PORT, "/collections/public.forest_parcels", z, yx=False
            )
    with serve(ours_cmd, ours_env, OURS_PORT):
        for name in names:
            warm_up(OURS_PORT, paths[name][0], args)
            figures.wrk[name]["sitereg"] = wrk(OURS_PORT, paths[name][0], args.duration, 16)
        for z in (10, 12):
            figures.tile_kb[f"sitereg z{z}"] = largest_tiles(
                OURS_PORT, "/ogc/collections/forest", z, yx=True
            )


def measure_checks(figures: SizeFigures, url: str, args: argparse.Namespace) -> None:
    """Time the proposal check and the province report, API beside direct SQL."""
    with psycopg.connect(conninfo(url)) as conn:
        proposals = make_proposals(conn, PROPOSALS, args.seed)
    api, sql = measure_api_and_sql(url, proposals, args)
    figures.check_p95_ms = api.check.p95_ms
    figures.check_many_p95_ms = api.check_many.p95_ms
    figures.check_many_client_cpu_ms = api.check_many_client_cpu_ms
    if api.check_wrk is not None:
        wrk = api.check_wrk
        figures.check_wrk = (
            f"{wrk.p95_ms:.0f} ms at {wrk.rps:.0f} checks/s (wrk: {wrk.wrk_cpu_ms:.2f} ms of "
            f"CPU per check; {wrk.errors} errors)"
        )
    figures.report_api_ms = api.report.median_ms
    figures.report_sql_ms = sql.report_jit_off.median_ms
    if args.only == "report":
        return
    figures.check_split = (
        f"check CPU per request: API process {api.cpu_ms.get('check', float('nan')):.1f} ms, "
        f"PostgreSQL (direct SQL backend) {sql.cpu_ms.get('check', float('nan')):.1f} ms"
    )


def measure_size(parcels: int, args: argparse.Namespace) -> SizeFigures:
    """Make (when missing) and measure the database of ``parcels`` parcels."""
    database = default_database(parcels) + args.suffix
    sized = argparse.Namespace(**vars(args), parcels=parcels, database=database)
    database = prepare_database(sized)
    check_schema_current(database)
    figures = SizeFigures(parcel_count(database_url(database)))
    if args.only in (None, "tiles"):
        print(f"· {database}: {figures.parcels:,} parcels — items and tiles beside tipg …")
        measure_servers(figures, cluster().tcp_url(database), args)
    if args.only == "tiles":
        return figures
    print(f"· {database}: proposal checks and the province report …", flush=True)
    measure_checks(figures, database_url(database), sized)
    return figures


def _ratio(pair: dict[str, dict[str, float]]) -> str:
    ours, theirs = pair["sitereg"]["rps"], pair["tipg"]["rps"]
    return f"{ours:.1f} req/s ({ours / theirs:.1f}× tipg)" if theirs else f"{ours:.1f} req/s"


def _tile(figures: SizeFigures, z: int) -> str:
    ours, theirs = figures.tile_kb[f"sitereg z{z}"], figures.tile_kb[f"tipg z{z}"]
    pair = figures.wrk[f"tiles z{z}"]
    return (
        f"≤{ours['max_kb']:.0f} KB (tipg ≤{theirs['max_kb']:.0f}), {_ratio(pair)}, "
        f"p99 {pair['sitereg']['p99_ms']:.0f} ms"
    )


ROWS = (
    ("items, limit=1000", lambda f: _ratio(f.wrk["items 1000"]), "≥ 5× tipg"),
    ("z10 forest tile", lambda f: _tile(f, 10), "≤ 200 KB, ≥ 3× tipg, p99 < 250 ms"),
    ("z12 forest tile", lambda f: _tile(f, 12), "p99 < 100 ms"),
    ("proposal check, 1 client, p95", lambda f: f"{f.check_p95_ms:.1f} ms", "≤ 15 ms"),
    (
        "proposal check, 16 clients, p95",
        lambda f: (
            f"{f.check_many_p95_ms:.0f} ms (the client threads: "
            f"{f.check_many_client_cpu_ms:.1f} ms of CPU per check)"
        ),
        "≤ 100 ms",
    ),
    ("proposal check, 16 wrk connections, p95", lambda f: f.check_wrk, "≤ 100 ms"),
    (
        "province report via API",
        lambda f: f"{f.report_api_ms:.0f} ms ({f.report_api_ms / f.report_sql_ms:.2f}× SQL)",
        "≤ 1.25× SQL",
    ),
)


ONLY = {
    "check": lambda label: label.startswith("proposal check"),
    "report": lambda label: label.startswith("province report"),
    "tiles": lambda label: label.endswith("tile"),
}
"""``--only``'s choices, each with the rows of the table it prints."""


def report(
    sizes: list[SizeFigures],
    started: float,
    load_before: tuple[float, ...],
    args: argparse.Namespace,
) -> None:
    """Print the issue's table: one column per size, the goal at 1 000 000 last."""
    header = ["figure", *(f"{s.parcels:,} parcels" for s in sizes), "goal at 1 000 000"]
    chosen = [row for row in ROWS if args.only is None or ONLY[args.only](row[0])]
    rows = [[label, *(cell(s) for s in sizes), goal] for label, cell, goal in chosen]
    widths = [max(len(row[i]) for row in [header, *rows]) for i in range(len(header))]
    print()
    for row in [header, ["-" * w for w in widths], *rows]:
        print(" | ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)))
    for size in sizes if args.only != "tiles" else []:
        print(f"  {size.parcels:,}: {size.check_split or '(checks not timed)'}")
    after = os.getloadavg()
    print(
        f"  load average (1 min) {load_before[0]:.1f} → {after[0]:.1f} on {os.cpu_count()} CPUs; "
        f"{time.perf_counter() - started:.0f} s in all"
    )


def main() -> None:
    """Measure every size in turn and print the table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[200_000, 1_000_000])
    parser.add_argument("--duration", type=int, default=10, help="seconds per wrk figure")
    parser.add_argument(
        "--warmup", type=int, default=3, help="untimed wrk seconds before each timed figure"
    )
    parser.add_argument("--repeat", type=int, default=20, help="timed province reports")
    parser.add_argument("--checks", type=int, default=200, help="timed single-client checks")
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--per-client", type=int, default=25)
    parser.add_argument("--wrk-seconds", type=int, default=10)
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED)
    parser.add_argument(
        "--only",
        choices=sorted(ONLY),
        help="check: the proposal check alone; report: the province report, API beside SQL "
        "(neither needs tipg or wrk); tiles: the forest tiles alone, beside tipg",
    )
    parser.add_argument("--suffix", default="", help="after each size's database name (a copy)")
    args = parser.parse_args()
    if args.only in (None, "tiles") and shutil.which("wrk") is None:
        sys.exit("needs wrk (apt-get install wrk)")
    started, load_before = time.perf_counter(), os.getloadavg()
    report([measure_size(n, args) for n in args.sizes], started, load_before, args)


if __name__ == "__main__":
    main()
