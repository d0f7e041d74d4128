"""A bounded mixed load on loopback (issue 18): every class of request at once, with slow readers.

``sitereg serve`` with ``--workers`` processes (default 2) on the benchmark database
``sitereg_bench_mixed``: the demo registry, created, migrated and loaded the first time (its
writes never touch the demo or the tests' databases). For ``--seconds`` (60) per step:

- ``--connections`` (64) interactive clients spread over the classes: the map page (``/``),
  items (OGC items and the plain API's list), forest vector tiles (z10-z14 over the demo
  forest), ordinary proposal checks (the Tằng Loỏng fixture), downloads
  (``/api/v1/export/sites.geojson``, read whole) and writes (an admin's ``PATCH`` of a site's
  outline, alternating between two shapes);
- ``--slow-readers`` (20) clients reading ``/api/v1/export/forest.geojson`` at ``--slow-bps``
  (500 B/s) over a socket with a small receive buffer, the whole time;
- ``--heavy`` (4) clients posting a 2 000-vertex star proposal, one after another, the whole
  time (closed loop in both modes: the adversary keeps the server as busy as it lets it).

The slow readers and the heavy posters start ``--warmup-s`` (15) before the first step and run
until the last ends: their exports are spooled and being read, and the costly checks queued,
when the measured window opens, as they would be on a server that has been up for a while.
The interactive classes run at the first rate during that warm-up, untimed (the workers' pools
open, statements are prepared, cold pages read). The slow readers' answers are counted when
their reads end, at the stop: printed last.

Two modes, because one number cannot answer both questions:

- ``--mode closed`` (saturation, capacity): each interactive connection sends its next request
  as soon as the last is answered, with no think time. The server is always full, and by
  Little's law the mean latency is ``connections / throughput`` whatever the server does:
  64 connections at 47 req/s wait 1.4 s on average. Read its throughput, not its latencies.
- ``--mode open`` (the default; the latency target): each connection is a portal client whose
  requests are scheduled in advance as a Poisson process (exponential think times between
  *scheduled* sends, not after answers), together ``--rate`` requests a second. A request goes
  out at its scheduled time, or, when its connection is still waiting for the previous
  answer, as soon as that comes ("late"); its latency is measured from the scheduled time, so a
  slow server is not rewarded with fewer requests (no coordinated omission). Requests scheduled
  before the end are all sent and waited for (at most ``--drain-s`` more; any still unsent then
  count as errors, ``unsent``). ``--rate 20,30,40`` runs one step per rate on the same server.

It prints, per class and step: the offered and achieved rates, p50 and p99 (ms), errors
(transport failures and answers other than 2xx), how many were 5xx and how many went out late;
then the statuses it saw, and the load average before and after. Issue 18's target: no error,
no 5xx, p99 under 250 ms for items, tiles and ordinary checks, at a stated offered rate. The
client is Python (httpx, asyncio) on the same machine: its CPU is taken from the server's.

Usage (the shared cluster: ``SITEREG_CLUSTER__DATA_DIR=/work/main/.data``)::

    .venv/bin/python bench/mixed_load.py [--mode open] [--rate 30] [--seconds 60] [--workers 2]
        [--connections 64] [--server-env SITEREG_LIMITS__HEAVY_CHECK_CONCURRENCY=0]
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
# Share of the interactive connections per class (rounded; items takes the remainder).
SHARES = {"map page": 0.1, "tiles": 0.3, "checks": 0.1, "downloads": 0.05, "writes": 0.1}
TARGET_CLASSES = ("items", "tiles", "checks")
TARGET_P99_MS = 250.0
LATE_AFTER_S = 0.010
"""A request sent this long after its scheduled time went out late (its connection was busy)."""


@dataclass
class Tally:
    """Latencies and statuses of one class of request."""

    latencies: list[float] = field(default_factory=list)
    starts: list[float] = field(default_factory=list)
    statuses: Counter[str] = field(default_factory=Counter)
    scheduled: int = 0
    late: int = 0

    def add(self, started: float, status: str) -> None:
        """Record one answer (or failure) that took from ``started`` until now."""
        self.latencies.append((time.perf_counter() - started) * 1000)
        self.starts.append(started)
        self.statuses[status] += 1

    def errors(self) -> int:
        """Return how many answers were not 2xx (transport failures included)."""
        return sum(n for status, n in self.statuses.items() if not status.startswith("2"))

    def server_errors(self) -> int:
        """Return how many answers were 5xx."""
        return sum(n for status, n in self.statuses.items() if status.startswith("5"))

    def p50_p99(self) -> tuple[float, float]:
        """Return the median and 99th percentile latency (ms)."""
        if len(self.latencies) >= 2:
            cuts = quantiles(self.latencies, n=100, method="inclusive")
            return cuts[49], cuts[98]
        only = self.latencies[0] if self.latencies else float("nan")
        return only, only


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


@dataclass(frozen=True)
class Window:
    """One step's clock: when it starts, when scheduling ends, when everything must stop."""

    start: float
    end: float
    hard_stop: float
    stop: asyncio.Event


@dataclass
class Board:
    """The tallies of the current step, where the background clients (which span steps) count."""

    tallies: dict[str, Tally] = field(default_factory=dict)

    def tally(self, name: str) -> Tally:
        """Return the current step's tally of ``name``."""
        return self.tallies.setdefault(name, Tally())


def client_for(base: str, limits: httpx.Limits | None = None) -> httpx.AsyncClient:
    """Return a client of the loopback server.

    Plain HTTP, so no TLS context: by default each httpx client loads the CA bundle, 118 ms of
    CPU, and 64 of them held the client's event loop 7 s at the start of every step, which the
    open loop counted as the server's latency (a stall in the first 10 s of each step).
    """
    return httpx.AsyncClient(
        base_url=base, timeout=120, verify=False, limits=limits or httpx.Limits()
    )


async def _send(client: httpx.AsyncClient, step: Step, turn: int) -> str:
    """Send one request; return its status, or the transport failure's name."""
    try:
        return await step(client, turn)
    except httpx.HTTPError as error:
        return type(error).__name__


async def closed_loop(
    base: str, step: Step, tally: Callable[[], Tally], end: float, stop: asyncio.Event
) -> None:
    """Send request after request, with no think time, until ``end`` (or until stopped)."""
    async with client_for(base) as client:
        turn = 0
        while time.perf_counter() < end and not stop.is_set():
            started = time.perf_counter()
            status = await _send(client, step, turn)
            counted = tally()
            counted.scheduled += 1
            counted.add(started, status)
            turn += 1


def poisson_schedule(
    rate_per_s: float, start: float, end: float, rng: random.Random
) -> list[float]:
    """Return send times in ``[start, end)``: exponential gaps of mean ``1 / rate_per_s``."""
    times, at = [], start + rng.expovariate(rate_per_s)
    while at < end:
        times.append(at)
        at += rng.expovariate(rate_per_s)
    return times


async def open_loop(
    base: str, step: Step, tally: Tally, window: Window, times: list[float]
) -> None:
    """Send at the scheduled ``times`` (late when still busy); latency from the scheduled time."""
    tally.scheduled += len(times)
    # A portal client drops a connection idle for 4 s, before uvicorn's keep-alive timeout
    # (5 s) closes it under a request just sent (a transport error that is the client's race).
    limits = httpx.Limits(keepalive_expiry=4.0)
    async with client_for(base, limits) as client:
        for turn, scheduled in enumerate(times):
            now = time.perf_counter()
            if now >= window.hard_stop:
                for missed in times[turn:]:
                    tally.latencies.append((now - missed) * 1000)
                    tally.statuses["unsent"] += 1
                return
            if scheduled > now:
                await asyncio.sleep(scheduled - now)
            elif now - scheduled > LATE_AFTER_S:
                tally.late += 1
            tally.add(scheduled, await _send(client, step, turn))


async def slow_reader(port: int, path: str, bps: int, board: Board, stop: asyncio.Event) -> None:
    """Read ``path`` at ``bps`` bytes a second until stopped (again when it ends sooner)."""
    while not stop.is_set():
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
            while not stop.is_set() and await reader.read(bps):
                await asyncio.sleep(1.0)
            writer.close()
        except OSError as error:
            status = type(error).__name__
        board.tally(SLOW).scheduled += 1
        board.tally(SLOW).add(started, status)


@dataclass(frozen=True)
class Plan:
    """What each class of interactive client does, and how many of them."""

    classes: dict[str, tuple[int, Callable[[int], Step]]]


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


HEAVY = "2000-vertex checks"
SLOW = "slow export readers"


def interactive_tasks(
    args: argparse.Namespace, plan: Plan, tallies: dict[str, Tally], window: Window, rate: float
) -> list[Awaitable[None]]:
    """Return the interactive clients: closed loops, or open loops at ``rate`` in all."""
    base, rng = f"http://127.0.0.1:{PORT}", random.Random(rate)
    tasks: list[Awaitable[None]] = []
    for name, (count, make) in plan.classes.items():
        for i in range(count):
            if args.mode == "closed":
                tally = tallies[name]
                tasks.append(closed_loop(base, make(i), lambda t=tally: t, window.end, window.stop))
                continue
            times = poisson_schedule(rate / args.connections, window.start, window.end, rng)
            tasks.append(open_loop(base, make(i), tallies[name], window, times))
    return tasks


async def run_step(
    args: argparse.Namespace, plan: Plan, board: Board, rate: float
) -> tuple[dict[str, Tally], float, float]:
    """Run one step's interactive clients until done; return its tallies, start and length."""
    start = time.perf_counter() + 1.0  # every client made before the first send
    end = start + args.seconds
    window = Window(start, end, end + args.drain_s, asyncio.Event())
    board.tallies = {name: Tally() for name in plan.classes} | {SLOW: Tally(), HEAVY: Tally()}
    await asyncio.gather(*interactive_tasks(args, plan, board.tallies, window, rate))
    return board.tallies, start, time.perf_counter() - start


async def run_steps(args: argparse.Namespace, plan: Plan, rates: list[float]) -> None:
    """Start the background clients, warm up, run a step per rate, print each, then stop."""
    board, stop, base = Board(), asyncio.Event(), f"http://127.0.0.1:{PORT}"
    background = [
        slow_reader(PORT, "/api/v1/export/forest.geojson", args.slow_bps, board, stop)
        for _ in range(args.slow_readers)
    ]
    heavy = posts(star_body(2000))
    background += [
        closed_loop(base, heavy, lambda: board.tally(HEAVY), math.inf, stop)
        for _ in range(args.heavy)
    ]
    running = [asyncio.ensure_future(task) for task in background]
    # Untimed: the slow readers' exports are spooled, and the interactive classes open the
    # workers' pools, prepare their statements and read cold pages, at the first rate.
    await run_step(argparse.Namespace(**{**vars(args), "seconds": args.warmup_s}), plan, board,
                   rates[0])  # fmt: skip
    for rate in rates:
        offered = f"open loop, {rate:g} req/s offered" if args.mode == "open" else "closed loop"
        print(f"\n{args.workers} workers, {args.connections} connections ({offered}) + "
              f"{args.slow_readers} slow readers at {args.slow_bps} B/s + {args.heavy} "
              f"2000-vertex posters, {args.seconds:.0f} s; server env {args.server_env}; "
              f"load average {os.getloadavg()[0]:.1f}", flush=True)  # fmt: skip
        tallies, started, elapsed = await run_step(args, plan, board, rate)
        print(f"load average after: {os.getloadavg()[0]:.1f}")
        report(tallies, started, args.seconds, elapsed)
        await asyncio.sleep(args.pause_s)
    stop.set()
    await asyncio.gather(*running)
    # A slow reader's answer is counted when its read ends: at the stop, after the last step.
    readers = board.tally(SLOW)
    print(f"\nslow export readers at the stop: {dict(readers.statuses)} "
          f"({readers.errors()} errors, {readers.server_errors()} 5xx)")  # fmt: skip


@contextmanager
def server(args: argparse.Namespace) -> Iterator[subprocess.Popen[bytes]]:
    """Run ``sitereg serve`` on the benchmark database until the block ends."""
    env = {
        **os.environ,
        "DATABASE_URL": cluster().app_url(DATABASE),
        "SITEREG_LOG_LEVEL": "WARNING",
        **dict(pair.split("=", 1) for pair in args.server_env),
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


def report(tallies: dict[str, Tally], start: float, seconds: float, elapsed: float) -> None:
    """Print the figures of each class, then the statuses."""
    columns = ("offered/s", "req/s", "p50 ms", "p99 ms", "errors", "5xx", "late")
    print(f"{'class':20} " + " ".join(f"{c:>9}" for c in columns))
    for name, tally in tallies.items():
        p50, p99 = tally.p50_p99()
        offered = tally.scheduled / seconds if name not in (SLOW, HEAVY) else float("nan")
        mark = ""
        if name in TARGET_CLASSES:
            mark = " ok" if p99 < TARGET_P99_MS and not tally.errors() else " OVER TARGET"
        cells = (offered, len(tally.latencies) / elapsed, p50, p99, tally.errors(),
                 tally.server_errors(), tally.late)  # fmt: skip
        print(f"{name:20} " + " ".join(f"{c:9.1f}" if isinstance(c, float) else f"{c:9d}"
                                       for c in cells) + mark)  # fmt: skip
    interactive = [t for name, t in tallies.items() if name not in (SLOW, HEAVY)]
    offered = sum(t.scheduled for t in interactive) / seconds
    achieved = sum(len(t.latencies) for t in interactive) / elapsed
    print(f"interactive: offered {offered:.1f} req/s, achieved {achieved:.1f} req/s "
          f"(answers over {elapsed:.1f} s, the drain included)")  # fmt: skip
    for name, tally in tallies.items():
        print(f"  {name}: {dict(tally.statuses)}")
    print_timeline([tallies[name] for name in TARGET_CLASSES], start, seconds)


def print_timeline(tallies: list[Tally], start: float, seconds: float, width_s: float = 10) -> None:
    """Print the target classes' p99 in each ``width_s`` of the step: a stall shows where."""
    buckets: dict[int, list[float]] = {}
    for tally in tallies:
        for started, latency in zip(tally.starts, tally.latencies, strict=True):
            buckets.setdefault(int((started - start) // width_s), []).append(latency)
    cells = []
    for index in range(math.ceil(seconds / width_s)):
        found = buckets.get(index, [])
        p99 = quantiles(found, n=100, method="inclusive")[98] if len(found) >= 2 else math.nan
        cells.append(f"{index * width_s:.0f}s: {p99:.0f}")
    print("  items+tiles+checks p99 ms by time sent: " + ", ".join(cells))


def parse_args() -> argparse.Namespace:
    """Return the command line's options."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mode", choices=("open", "closed"), default="open")
    parser.add_argument("--rate", default="30", help="open mode: total req/s (list: one step each)")
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--drain-s", type=float, default=30.0, help="open mode: wait at the end")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--connections", type=int, default=64)
    parser.add_argument("--slow-readers", type=int, default=20)
    parser.add_argument("--slow-bps", type=int, default=500)
    parser.add_argument("--heavy", type=int, default=4)
    parser.add_argument("--settle-s", type=float, default=20.0, help="wait after the first answer")
    parser.add_argument("--pause-s", type=float, default=5.0, help="between steps")
    parser.add_argument(
        "--warmup-s", type=float, default=15.0, help="untimed, before the first step"
    )
    parser.add_argument("--server-env", action="append", default=[], metavar="NAME=VALUE")
    return parser.parse_args()


def main() -> None:
    """Run the mixed load, one step per rate, and print each step's figures."""
    args = parse_args()
    rates = [float(r) for r in args.rate.split(",")] if args.mode == "open" else [math.nan]
    owner_url = ensure_database()
    plan = make_plan(args, owner_url)
    with server(args):
        asyncio.run(run_steps(args, plan, rates))


if __name__ == "__main__":
    main()
