"""A bounded mixed load on loopback (issue 18): every class of request at once, with slow readers.

``sitereg serve`` with ``--workers`` processes (default 2) on the benchmark database
``sitereg_bench_mixed``: the demo registry, created, migrated and loaded the first time (its
writes never touch the demo or the tests' databases). For ``--seconds`` (60):

- ``--connections`` (64) closed-loop clients, each sending its next request as soon as the last
  is answered, spread over the classes: the map page (``/``), items (OGC items and the plain
  API's list), forest vector tiles (z10-z14 over the demo forest), ordinary proposal checks
  (the Tằng Loỏng fixture), downloads (``/api/v1/export/sites.geojson``, read whole) and
  writes (an admin's ``PATCH`` of a site's outline, alternating between two shapes);
- ``--slow-readers`` (20) clients reading ``/api/v1/export/forest.geojson`` at ``--slow-bps``
  (500 B/s) over a socket with a small receive buffer, the whole time;
- ``--heavy`` (4) clients posting a 2 000-vertex star proposal, one after another.

It prints, per class: requests, requests/s, p50 and p99 (ms), errors (transport failures and
answers other than 2xx) and how many were 5xx; then the statuses it saw. Issue 18's target: no
error, no 5xx, p99 under 250 ms for items, tiles and ordinary checks. The client is Python
(httpx, asyncio) on the same machine: its CPU is taken from the server's.

Usage (the shared cluster: ``SITEREG_CLUSTER__DATA_DIR=/work/main/.data``)::

    .venv/bin/python bench/mixed_load.py [--seconds 60] [--workers 2] [--connections 64]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import math
import os
import random
import socket
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from statistics import quantiles

import httpx
from bench_db import admin_url, cluster, database_exists, database_url
from interop import tile_paths
from writes import Site, admin_token, pick_sites

from app.settings import PROJECT_ROOT

DATABASE = "sitereg_bench_mixed"
PORT = 8841
CHECK_FIXTURE = PROJECT_ROOT / "tests" / "fixtures" / "map" / "proposal_tang_loong.geojson"
# Share of the closed-loop connections per class (rounded; items takes the remainder).
SHARES = {"map page": 0.1, "tiles": 0.3, "checks": 0.1, "downloads": 0.05, "writes": 0.1}
TARGET_CLASSES = ("items", "tiles", "checks")


@dataclass
class Tally:
    """Latencies and statuses of one class of request."""

    latencies: list[float] = field(default_factory=list)
    statuses: Counter[str] = field(default_factory=Counter)

    def add(self, started: float, status: str) -> None:
        """Record one answer (or failure) that took from ``started`` until now."""
        self.latencies.append((time.perf_counter() - started) * 1000)
        self.statuses[status] += 1

    def errors(self) -> int:
        """Return how many answers were not 2xx (transport failures included)."""
        return sum(n for status, n in self.statuses.items() if not status.startswith("2"))

    def server_errors(self) -> int:
        """Return how many answers were 5xx."""
        return sum(n for status, n in self.statuses.items() if status.startswith("5"))


Step = Callable[[httpx.AsyncClient, int], Awaitable[str]]


def ensure_database() -> str:
    """Create, migrate and load the benchmark database once; return its owner's URL."""
    url = database_url(DATABASE)
    if database_exists(DATABASE):
        return url
    from sqlalchemy.orm import Session

    from app.cli import upgrade_database
    from app.db.engine import make_engine
    from app.services.demo_loader import load_demo
    from devcluster.cluster import create_database

    print(f"creating {DATABASE} (migrations and the demo layers)", flush=True)
    create_database(admin_url(), DATABASE)
    upgrade_database(url)
    engine = make_engine(url)
    with Session(engine) as session:
        load_demo(session, PROJECT_ROOT / "data" / "geojson")
    engine.dispose()
    return url


def star_body(vertices: int) -> bytes:
    """Return a GeoJSON proposal: a spiky star of ``vertices`` vertices near Tằng Loỏng."""
    lon, lat, radius_deg = 104.1675, 22.2975, 0.02
    points = []
    for i in range(vertices):
        angle = 2 * math.pi * i / vertices
        radius = radius_deg * (1.0 if i % 2 == 0 else 0.45)
        points.append(
            [round(lon + radius * math.cos(angle), 7), round(lat + radius * math.sin(angle), 7)]
        )
    points.append(points[0])
    geometry = {"type": "Polygon", "coordinates": [points]}
    feature = {"type": "Feature", "properties": {"name": "star"}, "geometry": geometry}
    return json.dumps({"type": "FeatureCollection", "features": [feature]}).encode()


def status_of(response: httpx.Response) -> str:
    """Return the status as the tally counts it."""
    return str(response.status_code)


def reads(paths: list[str]) -> Step:
    """Return a step that GETs the next of ``paths`` and reads the whole answer."""

    async def step(client: httpx.AsyncClient, turn: int) -> str:
        return status_of(await client.get(paths[turn % len(paths)]))

    return step


def posts(body: bytes) -> Step:
    """Return a step that posts ``body`` as a proposal check."""
    headers = {"Content-Type": "application/geo+json"}

    async def step(client: httpx.AsyncClient, _turn: int) -> str:
        return status_of(await client.post("/api/v1/analysis/check", content=body, headers=headers))

    return step


def writes(sites: list[Site], token: str) -> Callable[[int], Step]:
    """Return a factory of steps, one site per client, that replace its outline in turn."""
    etags: dict[str, str] = {}

    def make(index: int) -> Step:
        site = sites[index % len(sites)]

        async def step(client: httpx.AsyncClient, turn: int) -> str:
            if site.code not in etags:
                found = await client.get(f"/ogc/collections/sites/items/{site.code}")
                etags[site.code] = found.headers.get("etag", "*")
            response = await client.patch(
                f"/ogc/collections/sites/items/{site.code}",
                json={"geometry": site.outlines[turn % 2]},
                headers={
                    "Authorization": f"Bearer {token}",
                    "If-Match": etags[site.code],
                    "Content-Type": "application/merge-patch+json",
                },
            )
            etags[site.code] = response.headers.get("etag", etags[site.code])
            return status_of(response)

        return step

    return make


async def closed_loop(base: str, step: Step, tally: Tally, deadline: float) -> None:
    """Send request after request until ``deadline``, recording each."""
    async with httpx.AsyncClient(base_url=base, timeout=120) as client:
        turn = 0
        while time.perf_counter() < deadline:
            started = time.perf_counter()
            try:
                tally.add(started, await step(client, turn))
            except httpx.HTTPError as error:
                tally.add(started, type(error).__name__)
            turn += 1


async def slow_reader(port: int, path: str, bps: int, tally: Tally, deadline: float) -> None:
    """Read ``path`` at ``bps`` bytes a second until ``deadline`` (again when it ends sooner)."""
    while time.perf_counter() < deadline:
        started = time.perf_counter()
        sock = socket.socket()
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
        sock.setblocking(False)
        try:
            await asyncio.get_running_loop().sock_connect(sock, ("127.0.0.1", port))
            reader, writer = await asyncio.open_connection(sock=sock, limit=bps)
            writer.write(
                f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n".encode()
            )
            status_line = (await reader.readline()).decode(errors="replace").split()
            status = status_line[1] if len(status_line) > 1 else "no-status"
            while time.perf_counter() < deadline and await reader.read(bps):
                await asyncio.sleep(1.0)
            writer.close()
        except OSError as error:
            status = type(error).__name__
        tally.add(started, status)


@dataclass(frozen=True)
class Plan:
    """What each class of client does, and how many of them."""

    closed: dict[str, tuple[int, Callable[[int], Step]]]


def make_plan(args: argparse.Namespace, owner_url: str) -> Plan:
    """Spread ``--connections`` over the classes and build each one's steps."""
    rng = random.Random(20261207)
    counts = {name: max(1, round(args.connections * share)) for name, share in SHARES.items()}
    counts["items"] = args.connections - sum(counts.values())
    items = [
        f"/ogc/collections/sites/items?limit=10&offset={rng.randrange(0, 40)}" for _ in range(50)
    ]
    items += [f"/api/v1/sites?limit=10&offset={rng.randrange(0, 40)}" for _ in range(50)]
    tiles = [
        f"/ogc/collections/forest/tiles/WebMercatorQuad/{t}"
        for z in (10, 12, 13, 14)
        for t in tile_paths(z, 100, rng, yx=True)
    ]
    rng.shuffle(tiles)
    sites = pick_sites(owner_url, counts["writes"])
    token = admin_token(owner_url)
    check = posts(CHECK_FIXTURE.read_bytes())
    steps: dict[str, Callable[[int], Step]] = {
        "map page": lambda _i: reads(["/"]),
        "items": lambda i: reads(items[i:] + items[:i]),
        "tiles": lambda i: reads(tiles[i * 7 :] + tiles[: i * 7]),
        "checks": lambda _i: check,
        "downloads": lambda _i: reads(["/api/v1/export/sites.geojson"]),
        "writes": writes(sites, token),
    }
    return Plan({name: (counts[name], steps[name]) for name in counts})


async def run_load(args: argparse.Namespace, plan: Plan) -> dict[str, Tally]:
    """Run every client until the time is up; return each class's tally."""
    base = f"http://127.0.0.1:{PORT}"
    deadline = time.perf_counter() + args.seconds
    tallies = {name: Tally() for name in plan.closed}
    tallies["slow export readers"] = Tally()
    tallies["2000-vertex checks"] = Tally()
    tasks = [
        closed_loop(base, make(i), tallies[name], deadline)
        for name, (count, make) in plan.closed.items()
        for i in range(count)
    ]
    tasks += [
        slow_reader(PORT, "/api/v1/export/forest.geojson", args.slow_bps,
                    tallies["slow export readers"], deadline)
        for _ in range(args.slow_readers)
    ]  # fmt: skip
    heavy = posts(star_body(2000))
    tasks += [
        closed_loop(base, heavy, tallies["2000-vertex checks"], deadline) for _ in range(args.heavy)
    ]
    await asyncio.gather(*tasks)
    return tallies


@contextmanager
def server(args: argparse.Namespace) -> Iterator[subprocess.Popen[bytes]]:
    """Run ``sitereg serve`` on the benchmark database until the block ends."""
    env = {
        **os.environ,
        "DATABASE_URL": cluster().app_url(DATABASE),
        "SITEREG_LOG_LEVEL": "WARNING",
    }
    sitereg = str(Path(sys.executable).with_name("sitereg"))
    command = [sitereg, "serve", "--port", str(PORT), "--workers", str(args.workers)]
    process = subprocess.Popen(command, env=env, cwd=PROJECT_ROOT, stdout=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 300  # each worker imports the app: a minute when busy
        while time.monotonic() < deadline and process.poll() is None:
            try:
                if httpx.get(f"http://127.0.0.1:{PORT}/healthz", timeout=5).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.5)
        else:
            sys.exit("the server did not answer /healthz")
        time.sleep(args.settle_s)  # the other workers finish starting
        yield process
    finally:
        process.terminate()
        process.wait(timeout=60)


def report(tallies: dict[str, Tally], seconds: float) -> None:
    """Print the figures of each class, then the statuses."""
    columns = ("requests", "req/s", "p50 ms", "p99 ms", "errors", "5xx")
    print(f"{'class':22} " + " ".join(f"{c:>8}" for c in columns))
    for name, tally in tallies.items():
        count = len(tally.latencies)
        if count >= 2:
            cuts = quantiles(tally.latencies, n=100)
            p50, p99 = cuts[49], cuts[98]
        else:
            p50 = p99 = tally.latencies[0] if count else float("nan")
        mark = " (target p99 < 250)" if name in TARGET_CLASSES else ""
        cells = (count, count / seconds, p50, p99, tally.errors(), tally.server_errors())
        print(f"{name:22} " + " ".join(f"{c:8.1f}" if isinstance(c, float) else f"{c:8d}"
                                       for c in cells) + mark)  # fmt: skip
    for name, tally in tallies.items():
        print(f"  {name}: {dict(tally.statuses)}")


def main() -> None:
    """Run the mixed load once and print its figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--connections", type=int, default=64)
    parser.add_argument("--slow-readers", type=int, default=20)
    parser.add_argument("--slow-bps", type=int, default=500)
    parser.add_argument("--heavy", type=int, default=4)
    parser.add_argument("--settle-s", type=float, default=20.0, help="wait after the first answer")
    args = parser.parse_args()
    owner_url = ensure_database()
    plan = make_plan(args, owner_url)
    with server(args):
        load = os.getloadavg()[0]
        print(f"{args.workers} workers, {args.connections} connections + {args.slow_readers} "
              f"slow readers at {args.slow_bps} B/s + {args.heavy} 2000-vertex posters, "
              f"{args.seconds:.0f} s; load average {load:.1f}", flush=True)  # fmt: skip
        tallies = asyncio.run(run_load(args, plan))
        print(f"load average after: {os.getloadavg()[0]:.1f}")
    report(tallies, args.seconds)


if __name__ == "__main__":
    main()
