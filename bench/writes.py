"""Writes: a site's boundary update with its history, beside a read of the same site (issue 15).

One sitereg uvicorn worker on the benchmark database ``sitereg_bench`` (bench/synthetic_layers.py),
as shipped (request logging at INFO). An admin's API token writes (admins are not held for
approval, so every request is a real write: the row, its old version in ``sites_versions``, a
feed row in ``registry_changes``, the data version). Each client owns one site and alternates
its outline between two shapes, sending ``PATCH`` (JSON merge patch, ``If-Match`` with the
version it last saw), so no write is a 412. In the same run and on the same sites, the same
clients read ``GET /ogc/collections/sites/items/{code}`` for comparison.

Targets (issue 15): boundary update p95 ≤ 30 ms with one client, ≤ 100 ms with 16.

Usage::

    .venv/bin/python bench/writes.py [--duration 8] [--clients 16]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from statistics import quantiles

import httpx
import psycopg
from bench_db import check_bench_name, check_schema_current, cluster, conninfo, database_exists
from interop import serve, sitereg_server
from sqlalchemy import create_engine
from sqlalchemy.orm import Session

PORT = 8823
POOL_SIZE = 16
TARGETS_P95_MS = {1: 30.0, 16: 100.0}
TOKEN_USER = "bench_writer"


def admin_token(url: str) -> str:
    """Create (once) the bench's admin and return a fresh API token of it."""
    from app.models.enums import Role
    from app.services import identity

    engine = create_engine(url)
    with Session(engine) as session:
        names = [user.username for user in identity.list_users(session)]
        if TOKEN_USER not in names:
            identity.create_user(session, TOKEN_USER, password="bench " * 4, role=Role.ADMIN)
        token = identity.create_token(session, TOKEN_USER, name="bench/writes.py").plain
    engine.dispose()
    return token


@dataclass(frozen=True)
class Site:
    """One client's site: its code and two outlines to alternate between."""

    code: str
    outlines: tuple[dict[str, object], dict[str, object]]


def pick_sites(url: str, count: int) -> list[Site]:
    """Return ``count`` sites with their outline and the outline moved 10 m east."""
    with psycopg.connect(conninfo(url)) as conn:
        rows = conn.execute(
            "SELECT code, ST_AsGeoJSON(geom, 7), ST_AsGeoJSON(ST_Translate(geom, 0.0001, 0), 7) "
            "FROM sites ORDER BY id LIMIT %s",
            (count,),
        ).fetchall()
    return [Site(code, (json.loads(a), json.loads(b))) for code, a, b in rows]


Step = Callable[[httpx.AsyncClient, Site, int], Awaitable[None]]


def _proc_cpu_s(pid: int) -> float:
    """Return a process's CPU seconds (user + system) from /proc, 0 if it has gone."""
    try:
        with open(f"/proc/{pid}/stat") as stat:
            fields = stat.read().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _processes() -> list[tuple[int, int, str]]:
    """Return (pid, parent pid, command name) of every process."""
    found = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat") as stat:
                    text = stat.read()
            except OSError:
                continue
            name = text[text.index("(") + 1 : text.rindex(")")]
            found.append((int(entry), int(text.rsplit(")", 1)[1].split()[1]), name))
    return found


@dataclass
class CpuShares:
    """CPU seconds spent by the server (and its children), PostgreSQL and this client."""

    server: float
    postgres: float
    client: float

    @classmethod
    def now(cls, server_pid: int) -> CpuShares:
        """Read the three counters now."""
        processes = _processes()
        server = {server_pid} | {pid for pid, parent, _ in processes if parent == server_pid}
        own = os.times()
        return cls(
            server=sum(_proc_cpu_s(pid) for pid in server),
            postgres=sum(_proc_cpu_s(pid) for pid, _, name in processes if name == "postgres"),
            client=own.user + own.system,
        )

    def since(self, before: CpuShares) -> CpuShares:
        """Return the CPU spent between ``before`` and this reading."""
        return CpuShares(
            self.server - before.server,
            self.postgres - before.postgres,
            self.client - before.client,
        )


async def run_clients(
    base: str, token: str, sites: list[Site], step_of: Callable[[str], Step], seconds: float
) -> list[float]:
    """Run one loop per site for ``seconds``; return every request's latency in ms."""
    latencies: list[float] = []
    headers = {"Authorization": f"Bearer {token}"}
    deadline = time.perf_counter() + seconds

    async def loop(site: Site) -> None:
        async with httpx.AsyncClient(base_url=base, headers=headers, timeout=30) as client:
            step = step_of(site.code)
            turn = 0
            while time.perf_counter() < deadline:
                started = time.perf_counter()
                await step(client, site, turn)
                latencies.append((time.perf_counter() - started) * 1000)
                turn += 1

    await asyncio.gather(*(loop(site) for site in sites))
    return latencies


def reader(_code: str) -> Step:
    """Return a step that reads the site's OGC feature."""

    async def step(client: httpx.AsyncClient, site: Site, _turn: int) -> None:
        response = await client.get(f"/ogc/collections/sites/items/{site.code}")
        response.raise_for_status()

    return step


def writer(etags: dict[str, str]) -> Callable[[str], Step]:
    """Return a factory of steps that replace the site's outline, keeping its ETag."""

    def make(code: str) -> Step:
        async def step(client: httpx.AsyncClient, site: Site, turn: int) -> None:
            response = await client.patch(
                f"/ogc/collections/sites/items/{site.code}",
                json={"geometry": site.outlines[turn % 2]},
                headers={
                    "If-Match": etags[code],
                    "Content-Type": "application/merge-patch+json",
                },
            )
            if response.status_code != 200:
                sys.exit(f"write of {code}: {response.status_code} {response.text[:300]}")
            etags[code] = response.headers["etag"]

        return step

    return make


def figures(latencies: list[float], seconds: float, cpu: CpuShares) -> dict[str, float]:
    """Return req/s, p50, p95 and p99 (ms), and the CPU ms per request of each party."""
    cuts = quantiles(latencies, n=100)
    count = len(latencies)
    return {
        "rps": count / seconds,
        "p50": cuts[49],
        "p95": cuts[94],
        "p99": cuts[98],
        "cpu_server": cpu.server * 1000 / count,
        "cpu_postgres": cpu.postgres * 1000 / count,
        "cpu_client": cpu.client * 1000 / count,
    }


async def measure(
    base: str, token: str, sites: list[Site], seconds: float, server_pid: int
) -> dict[str, dict]:
    """Read and write figures with 1 and with ``len(sites)`` clients, interleaved."""
    async with httpx.AsyncClient(base_url=base) as client:
        etags = {
            site.code: (await client.get(f"/api/v1/sites/{site.code}")).headers["etag"]
            for site in sites
        }
    await run_clients(base, token, sites[:2], reader, 1.0)  # warm-up: pools, statements
    await run_clients(base, token, sites[:2], writer(etags), 1.0)
    results: dict[str, dict] = {}
    for clients in (1, len(sites)):
        chosen = sites[:clients]
        for name, step_of in (("read one site", reader), ("boundary update", writer(etags))):
            before = CpuShares.now(server_pid)
            latencies = await run_clients(base, token, chosen, step_of, seconds)
            cpu = CpuShares.now(server_pid).since(before)
            results[f"{name}, {clients} client(s)"] = figures(latencies, seconds, cpu)
    return results


def report(results: dict[str, dict], load_before: tuple[float, float, float]) -> None:
    """Print the figures, reads beside writes, and PASS/FAIL against the targets."""
    before, after = (" ".join(f"{x:.1f}" for x in load) for load in (load_before, os.getloadavg()))
    print(f"load average (1, 5, 15 min) {os.cpu_count()} CPUs: before {before}, after {after}")
    print(
        f"{'figure':<34} {'req/s':>8} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8}  "
        f"{'CPU ms per request: server':>26} {'postgres':>8} {'client':>7}  target"
    )
    for name, found in results.items():
        verdict = ""
        if name.startswith("boundary update"):
            clients = int(name.split(", ")[1].split()[0])
            limit = TARGETS_P95_MS.get(clients)
            if limit is not None:
                verdict = f"p95 ≤ {limit:.0f} ms " + ("PASS" if found["p95"] <= limit else "FAIL")
        print(
            f"{name:<34} {found['rps']:>8.1f} {found['p50']:>8.2f} {found['p95']:>8.2f} "
            f"{found['p99']:>8.2f}  {found['cpu_server']:>26.2f} {found['cpu_postgres']:>8.2f} "
            f"{found['cpu_client']:>7.2f}  {verdict}"
        )
    floor(results)


def floor(results: dict[str, dict]) -> None:
    """Print the least mean latency the machine's CPUs allow N clients, with a free server.

    N clients that never pause keep N requests in flight; on C cores the rate is at most
    C / (CPU per request), so the mean latency is at least N x CPU per request / C. Counting
    only PostgreSQL's and the client's CPU shows what no server code can go below.
    """
    cores = os.cpu_count() or 1
    for name, found in results.items():
        clients = int(name.split(", ")[1].split()[0])
        if clients == 1:
            continue
        others = found["cpu_postgres"] + found["cpu_client"]
        total = others + found["cpu_server"]
        print(
            f"{name}: on {cores} CPUs the mean latency is at least {clients * total / cores:.0f} "
            f"ms as measured, and {clients * others / cores:.0f} ms with a server that cost "
            f"no CPU (PostgreSQL {found['cpu_postgres']:.1f} + client "
            f"{found['cpu_client']:.1f} ms per request)"
        )


def main() -> None:
    """Serve the bench database, measure, print."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database", default="sitereg_bench")
    parser.add_argument("--duration", type=float, default=8.0)
    parser.add_argument("--clients", type=int, default=16)
    args = parser.parse_args()
    check_bench_name(args.database)
    if not database_exists(args.database):
        sys.exit("needs bench/synthetic_layers.py first")
    check_schema_current(args.database)
    url = cluster().url(args.database)  # the unix socket, as `sitereg serve` connects
    token = admin_token(url)
    sites = pick_sites(url, args.clients)
    load_before = os.getloadavg()
    pool = {"SITEREG_POOL__SIZE": str(POOL_SIZE), "SITEREG_POOL__OVERFLOW": "0"}
    command, env = sitereg_server(url, PORT, log_level="INFO", extra_env=pool)
    with serve(command, env, PORT) as server_pid:
        base = f"http://127.0.0.1:{PORT}"
        results = asyncio.run(measure(base, token, sites, args.duration, server_pid))
    print(
        f"one sitereg worker, pools of {POOL_SIZE}, {args.duration:.0f} s per figure, "
        f"httpx clients in one asyncio loop (client time included)"
    )
    report(results, load_before)


if __name__ == "__main__":
    main()
