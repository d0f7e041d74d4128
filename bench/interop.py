"""OGC items, bbox items, whole-layer export and vector tiles: sitereg against tipg, same run.

Both servers run one uvicorn worker on the same benchmark database (the 200 000-parcel synthetic
forest of ``bench/synthetic_layers.py``); wrk drives 16 connections with random URLs from a
list, so neither server sees one URL repeated. sitereg runs with its tile cache off, as tipg has
none. The whole-layer GeoJSON export is compared with ``COPY (SELECT …) TO STDOUT`` of the same
feature text, and the server's resident memory is sampled while it streams.

Usage (after ``.venv/bin/python bench/synthetic_layers.py --parcels 200000``; needs ``wrk``)::

    .venv/bin/python bench/interop.py [--duration 10] [--connections 16]

tipg is installed on first use into ``.data/bench/tipg-venv`` (git-ignored).
"""

from __future__ import annotations

import argparse
import math
import os
import random
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import psycopg
from bench_db import check_bench_name, check_schema_current, cluster, conninfo, database_exists
from sqlalchemy.dialects import postgresql

from app.ogc.catalog import CATALOG
from app.ogc.features import sql
from app.ogc.features.query import RawQuery, build_query
from app.settings import PROJECT_ROOT

TIPG_VERSION = "1.6.1"
TIPG_VENV = PROJECT_ROOT / ".data" / "bench" / "tipg-venv"
FOREST_BBOX = (102.2, 21.3, 104.9, 22.9)
TIPG_ID = "public.forest_parcels"
LUA = """
local paths = {}
for line in io.lines("%s") do paths[#paths + 1] = line end
request = function() return wrk.format("GET", paths[math.random(#paths)]) end
"""


def ensure_tipg() -> Path:
    """Install tipg from PyPI into its own venv once; return its uvicorn."""
    uvicorn = TIPG_VENV / "bin" / "uvicorn"
    if not uvicorn.exists():
        subprocess.run([sys.executable, "-m", "venv", str(TIPG_VENV)], check=True)
        pip = str(TIPG_VENV / "bin" / "pip")
        subprocess.run([pip, "install", "-q", f"tipg=={TIPG_VERSION}", "uvicorn"], check=True)
    return uvicorn


def sitereg_server(
    url: str,
    port: int,
    *,
    factory: str = "app.main:factory",
    log_level: str = "WARNING",
    extra_env: dict[str, str] | None = None,
) -> tuple[list[str], dict[str, str]]:
    """Return the command and environment of one sitereg uvicorn worker on ``port``.

    uvicorn's own access log is off: sitereg logs each request itself (``app/log.py``) at
    ``log_level``, so ``INFO`` is the server as shipped.
    """
    env = {"DATABASE_URL": url, "SITEREG_LOG_LEVEL": log_level, **(extra_env or {})}
    command = [
        # The uvicorn of the venv running this script (the worktree's own or the main one).
        str(Path(sys.executable).with_name("uvicorn")),
        "--factory",
        factory,
        "--app-dir",
        str(PROJECT_ROOT / "bench"),
        "--port",
        str(port),
        "--workers",
        "1",
        "--log-level",
        "warning",
        "--no-access-log",
    ]
    return command, env


def tipg_server(
    url: str, port: int, *, extra_env: dict[str, str] | None = None
) -> tuple[list[str], dict[str, str]]:
    """Return the command and environment of one tipg uvicorn worker on ``port`` (schema public)."""
    env = {"DATABASE_URL": conninfo(url), "TIPG_DB_SCHEMAS": '["public"]', **(extra_env or {})}
    command = [
        str(ensure_tipg()),
        "tipg.main:app",
        "--port",
        str(port),
        "--workers",
        "1",
        "--log-level",
        "warning",
        "--no-access-log",
    ]
    return command, env


@contextmanager
def serve(command: list[str], env: dict[str, str], port: int) -> Iterator[int]:
    """Run a server until the block ends; yield its pid once it answers.

    Refuses a port something already answers on: a server left over from an interrupted run
    would otherwise be measured in place of this one (and silently, with older code).
    """
    try:
        httpx.get(f"http://127.0.0.1:{port}/", timeout=1.0)
    except httpx.HTTPError:
        pass
    else:
        sys.exit(f"port {port} already answers: stop the server left on it first")
    process = subprocess.Popen(
        command,
        env={**os.environ, **env},
        cwd=PROJECT_ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        for _ in range(300):
            if process.poll() is not None:
                sys.exit(f"the server on port {port} exited with {process.returncode}")
            try:
                httpx.get(f"http://127.0.0.1:{port}/", timeout=1.0)
                break
            except httpx.HTTPError:
                time.sleep(0.1)
        yield process.pid
    finally:
        process.terminate()
        process.wait(timeout=30)


def tile_paths(z: int, count: int, rng: random.Random, yx: bool) -> list[str]:
    """Return random tiles of zoom ``z`` over the forest box, as ``z/y/x`` or ``z/x/y``."""
    west, south, east, north = FOREST_BBOX
    n = 1 << z

    def column(lon: float) -> int:
        return int((lon + 180) / 360 * n)

    def row(lat: float) -> int:
        return int((1 - math.asinh(math.tan(math.radians(lat))) / math.pi) / 2 * n)

    tiles = []
    for _ in range(count):
        x, y = rng.randint(column(west), column(east)), rng.randint(row(north), row(south))
        tiles.append(f"{z}/{y}/{x}" if yx else f"{z}/{x}/{y}")
    return tiles


def scenarios(rng: random.Random) -> dict[str, tuple[list[str], list[str]]]:
    """Return, per figure, the URL paths for sitereg and for tipg."""
    ours, theirs = "/ogc/collections/forest", f"/collections/{TIPG_ID}"
    offsets = [rng.randrange(0, 50) * 1000 for _ in range(500)]
    boxes = []
    for _ in range(500):
        lon = rng.uniform(FOREST_BBOX[0], FOREST_BBOX[2] - 0.1)
        lat = rng.uniform(FOREST_BBOX[1], FOREST_BBOX[3] - 0.1)
        boxes.append(f"{lon:.4f},{lat:.4f},{lon + 0.1:.4f},{lat + 0.1:.4f}")
    figures = {
        "items 1000": (
            [f"{ours}/items?limit=1000&offset={o}" for o in offsets],
            [f"{theirs}/items?limit=1000&offset={o}" for o in offsets],
        ),
        "bbox 0.1°": (
            [f"{ours}/items?limit=1000&bbox={b}" for b in boxes],
            [f"{theirs}/items?limit=1000&bbox={b}" for b in boxes],
        ),
    }
    for z in (8, 10, 12, 14):
        state = rng.getstate()
        ours_tiles = tile_paths(z, 500, rng, yx=True)
        rng.setstate(state)
        their_tiles = tile_paths(z, 500, rng, yx=False)
        figures[f"tiles z{z}"] = (
            [f"{ours}/tiles/WebMercatorQuad/{t}" for t in ours_tiles],
            [f"{theirs}/tiles/WebMercatorQuad/{t}" for t in their_tiles],
        )
    return figures


def wrk(
    port: int,
    paths: list[str],
    duration_s: int,
    connections: int,
    headers: dict[str, str] | None = None,
) -> dict[str, float]:
    """Run wrk over random ``paths`` (with ``headers``); return requests/s, MB/s, latencies."""
    folder = Path(tempfile.mkdtemp())
    (folder / "paths.txt").write_text("\n".join(paths) + "\n")
    (folder / "random.lua").write_text(LUA % (folder / "paths.txt"))
    command = [
        "wrk",
        f"-t{min(2, connections)}",  # wrk needs a connection per thread
        f"-c{connections}",
        f"-d{duration_s}s",
        "--latency",
        *(f"-H{name}: {value}" for name, value in (headers or {}).items()),
        "-s",
        str(folder / "random.lua"),
        f"http://127.0.0.1:{port}",
    ]
    output = subprocess.run(command, capture_output=True, text=True, check=True).stdout
    shutil.rmtree(folder, ignore_errors=True)
    try:
        return parse_wrk(output)
    except AttributeError:  # a figure wrk did not print: show what it printed instead
        sys.exit(f"wrk on port {port} gave no latency figures:\n{output}")


def _to_ms(text: str) -> float:
    value, unit = re.match(r"([\d.]+)(\w+)", text).groups()  # type: ignore[union-attr]
    return float(value) * {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60000.0}[unit]


def _to_mb(text: str) -> float:
    value, unit = re.match(r"([\d.]+)(\w+)", text).groups()  # type: ignore[union-attr]
    return float(value) * {"B": 1e-6, "KB": 1e-3, "MB": 1.0, "GB": 1e3}[unit]


def parse_wrk(output: str) -> dict[str, float]:
    """Read requests/s, transfer MB/s, p50, p99 and the count of non-2xx answers from wrk."""
    rate = float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1))  # type: ignore[union-attr]
    transfer = re.search(r"Transfer/sec:\s+(\S+)", output).group(1)  # type: ignore[union-attr]
    # The latency distribution's line, not a "+/- Stdev" column that happens to end in 99%.
    p99 = re.search(r"^\s*99%\s+(\S+)", output, re.MULTILINE).group(1)  # type: ignore[union-attr]
    p50 = re.search(r"^\s*50%\s+(\S+)", output, re.MULTILINE).group(1)  # type: ignore[union-attr]
    errors = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", output)
    return {
        "rps": rate,
        "mbps": _to_mb(transfer),
        "p50_ms": _to_ms(p50),
        "p99_ms": _to_ms(p99),
        "errors": float(errors.group(1)) if errors else 0.0,
    }


def rss_mb(pid: int) -> float:
    """Return the resident memory of a process and its children (MB)."""
    total = 0.0
    for candidate in [pid, *children(pid)]:
        status = Path(f"/proc/{candidate}/status")
        if status.exists():
            match = re.search(r"VmRSS:\s+(\d+) kB", status.read_text())
            total += int(match.group(1)) / 1024 if match else 0.0
    return total


def children(pid: int) -> list[int]:
    """Return the child pids of ``pid`` (uvicorn runs the app in one)."""
    path = Path(f"/proc/{pid}/task/{pid}/children")
    return [int(item) for item in path.read_text().split()] if path.exists() else []


def export_figure(port: int, pid: int) -> dict[str, float]:
    """Stream the whole forest as GeoJSON; return MB/s, size and server RSS before/peak."""
    before, peak, done = rss_mb(pid), [0.0], threading.Event()

    def sample() -> None:
        while not done.wait(0.05):
            peak[0] = max(peak[0], rss_mb(pid))

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    size, started = 0, time.perf_counter()
    url = f"http://127.0.0.1:{port}/api/v1/export/forest.geojson"
    headers = {"Accept-Encoding": "identity"}  # the COPY comparison is uncompressed
    with httpx.stream("GET", url, timeout=600, headers=headers) as response:
        for chunk in response.iter_raw(1 << 20):
            size += len(chunk)
    elapsed = time.perf_counter() - started
    done.set()
    sampler.join()
    return {
        "mbps": size / 1e6 / elapsed,
        "mb": size / 1e6,
        "rss_before": before,
        "rss_peak": peak[0],
    }


def copy_figure(url: str) -> float:
    """Return the MB/s of ``COPY (same feature text) TO STDOUT`` inside PostgreSQL."""
    query = build_query(CATALOG["forest"], RawQuery(), {})
    # Literal binds only for this COPY (which cannot take parameters); all values are ours.
    statement = sql.items_select(query).compile(
        dialect=postgresql.psycopg.dialect(), compile_kwargs={"literal_binds": True}
    )
    size, started = 0, time.perf_counter()
    command = f"COPY ({statement}) TO STDOUT"  # noqa: S608 (bench only: SQL we compiled)
    with (
        psycopg.connect(conninfo(url)) as conn,
        conn.cursor() as cursor,
        cursor.copy(command) as copy,
    ):
        for block in copy:
            size += len(block)
    return size / 1e6 / (time.perf_counter() - started)


def z8_figure(port: int, rng: random.Random) -> dict[str, float]:
    """Return the size (KB) and median latency (ms) of the densest z8 forest tiles, uncached.

    One keep-alive client, as a map keeps its connection: a fresh ``httpx`` client per request
    spent milliseconds of the bench's own CPU on set-up inside the timed span.
    """
    sizes, times = [], []
    with httpx.Client(base_url=f"http://127.0.0.1:{port}") as client:
        client.get("/ogc")  # open the connection outside the timed requests
        for path in sorted(set(tile_paths(8, 20, rng, yx=True))):
            for _ in range(3):
                started = time.perf_counter()
                response = client.get(f"/ogc/collections/forest/tiles/WebMercatorQuad/{path}")
                times.append((time.perf_counter() - started) * 1000)
                sizes.append(len(response.content) / 1000)
    times.sort()
    return {"max_kb": max(sizes), "median_ms": times[len(times) // 2], "max_ms": times[-1]}


def main() -> None:
    """Run every figure on both servers and print them with their targets."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database", default="sitereg_bench")
    parser.add_argument("--duration", type=int, default=10)
    parser.add_argument("--connections", type=int, default=16)
    args = parser.parse_args()
    args.load_before = os.getloadavg()
    check_bench_name(args.database)
    if not database_exists(args.database) or shutil.which("wrk") is None:
        sys.exit(
            "needs bench/synthetic_layers.py --parcels 200000 first, and wrk (apt-get install wrk)"
        )
    check_schema_current(args.database)
    # Both servers reach PostgreSQL over TCP on 127.0.0.1: tipg's settings refuse a socket-only
    # URL, and the comparison is of the servers, not of the transports (sitereg's own default
    # is the unix socket, a few per cent cheaper per round trip: bench/README.md, round 5).
    url = cluster().tcp_url(args.database)
    rng = random.Random(20261125)
    figures = scenarios(rng)
    ours_cmd, ours_env = sitereg_server(url, 8811, factory="interop_app:factory")
    their_cmd, their_env = tipg_server(url, 8812)
    results: dict[str, dict[str, dict[str, float]]] = {name: {} for name in figures}
    with serve(their_cmd, their_env, 8812):
        for name, (_, theirs) in figures.items():
            results[name]["tipg"] = wrk(8812, theirs, args.duration, args.connections)
    with serve(ours_cmd, ours_env, 8811) as pid:
        for name, (ours, _) in figures.items():
            results[name]["sitereg"] = wrk(8811, ours, args.duration, args.connections)
        export = export_figure(8811, pid)
        z8 = z8_figure(8811, rng)
    report(results, export, copy_figure(url), z8, args)


def report(
    results: dict[str, dict[str, dict[str, float]]],
    export: dict[str, float],
    copy_mbps: float,
    z8: dict[str, float],
    args: argparse.Namespace,
) -> None:
    """Print the figures, the ratio to tipg and the target of each."""
    targets = {
        "items 1000": 5.0,
        "bbox 0.1°": 3.0,
        "tiles z10": 3.0,
        "tiles z12": 1.5,
        "tiles z14": 1.5,
    }
    print(f"wrk: {args.connections} connections, {args.duration} s per figure, one worker each")
    # The machine is shared: a ratio is only worth its load (this run's own servers add to it).
    loads = (args.load_before, os.getloadavg())
    before, after = (" ".join(f"{x:.1f}" for x in load) for load in loads)
    print(f"load average (1, 5, 15 min) {os.cpu_count()} CPUs: before {before}, after {after}")
    print(
        f"{'figure':<12} {'sitereg req/s':>14} {'tipg req/s':>11} {'ratio':>6} {'target':>7} "
        f"{'p99 ms':>7} {'MB/s':>6} {'non-2xx':>8}"
    )
    for name, pair in results.items():
        ours, theirs = pair["sitereg"], pair["tipg"]
        ratio = ours["rps"] / theirs["rps"] if theirs["rps"] else math.inf
        target = f"≥{targets[name]:.1f}×" if name in targets else "-"
        print(
            f"{name:<12} {ours['rps']:>14.1f} {theirs['rps']:>11.1f} {ratio:>5.1f}× {target:>7} "
            f"{ours['p99_ms']:>7.0f} {ours['mbps']:>6.1f} {ours['errors']:>8.0f}"
        )
    share = export["mbps"] / copy_mbps * 100
    print(
        f"export forest.geojson: {export['mb']:.0f} MB at {export['mbps']:.0f} MB/s = "
        f"{share:.0f} % of COPY ({copy_mbps:.0f} MB/s; target ≥ 50 %); server RSS "
        f"{export['rss_before']:.0f} → peak {export['rss_peak']:.0f} MB"
    )
    print(
        f"z8 forest tile, uncached: ≤ {z8['max_kb']:.0f} KB, median {z8['median_ms']:.0f} ms, "
        f"max {z8['max_ms']:.0f} ms (target ≤ 100 KB in ≤ 100 ms)"
    )


if __name__ == "__main__":
    main()
