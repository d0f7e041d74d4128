"""The proposal check of two source trees, side by side: p95 and CPU split at 1 and 16 clients.

Each round starts the API of each tree in turn (``uvicorn --factory app.main:factory``, its
``PYTHONPATH`` and working directory the tree), alternating which goes first, against the same
benchmark database. It times 200 serial checks (one client), then 16 clients × 25 checks on
keep-alive connections, and meters the CPU of the API process and of its ``check_pool``
backends (``pg_stat_activity``) per check, from ``/proc``. Every answer of one tree is compared
with the other's, byte for byte. Nothing is asserted: the machine is shared.

Usage (a tree is any checkout, e.g. ``git archive <commit> | tar -x -C /tmp/base``)::

    .venv/bin/python bench/check_ab.py /tmp/base . [--database sitereg_bench_1m] [--rounds 3]
"""

from __future__ import annotations

import argparse
import http.client
import os
import statistics
import subprocess
import sys
import threading
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import psycopg
from bench_db import conninfo, database_url
from database_down import free_port
from proposals import Proposal, make_proposals
from synthetic_layers import DEFAULT_SEED

CHECK_PATH = "/api/v1/analysis/check"
HEADERS = {"Content-Type": "application/geo+json"}
BACKENDS = (
    "SELECT pid FROM pg_stat_activity "
    "WHERE datname = current_database() AND application_name LIKE 'sitereg check_pool%'"
)
TICK_MS = 1000.0 / os.sysconf("SC_CLK_TCK")


@dataclass
class Run:
    """One tree's figures in one round: p95 (ms) and CPU per check (ms) of API and PostgreSQL."""

    one: tuple[float, float, float] = (0.0, 0.0, 0.0)
    many: tuple[float, float, float] = (0.0, 0.0, 0.0)
    answers: list[bytes] = field(default_factory=list)


def cpu_ms(pids: Sequence[int]) -> float:
    """Return the user + system CPU of ``pids`` so far, in ms (0 for a process gone)."""
    total = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except FileNotFoundError:
            continue
        total += int(fields[11]) + int(fields[12])
    return total * TICK_MS


def p95(samples: Sequence[float]) -> float:
    """Return the 95th percentile (nearest rank below)."""
    ordered = sorted(samples)
    return ordered[int(0.95 * (len(ordered) - 1))]


def post(conn: http.client.HTTPConnection, proposal: Proposal) -> tuple[float, bytes]:
    """Post one check; return its latency (ms) and body."""
    started = time.perf_counter()
    conn.request("POST", CHECK_PATH, body=proposal.body, headers=HEADERS)
    response = conn.getresponse()
    body = response.read()
    if response.status != 200:
        raise RuntimeError(f"check answered {response.status}: {body[:300]!r}")
    return (time.perf_counter() - started) * 1000.0, body


@contextmanager
def server(tree: Path, url: str) -> Iterator[tuple[int, int]]:
    """Run the API of ``tree`` on a free port; yield (port, pid)."""
    port = free_port()
    env = {**os.environ, "DATABASE_URL": url, "SITEREG_LOG_LEVEL": "WARNING"}
    env["PYTHONPATH"] = str(tree)
    command = [sys.executable, "-m", "uvicorn", "--factory", "app.main:factory"]
    command += ["--host", "127.0.0.1", "--port", str(port), "--no-access-log"]
    quiet = {"stdout": subprocess.DEVNULL, "stderr": subprocess.DEVNULL}
    process = subprocess.Popen(command, cwd=tree, env=env, **quiet)
    try:
        wait_healthy(port)
        yield port, process.pid
    finally:
        process.terminate()
        process.wait(timeout=15)


def wait_healthy(port: int) -> None:
    """Wait until ``/healthz`` answers 200 (at most 60 s)."""
    for _ in range(600):
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
            conn.request("GET", "/healthz")
            if conn.getresponse().status == 200:
                return
        except OSError:
            pass
        time.sleep(0.1)
    raise RuntimeError("the API did not become healthy within 60 s")


def crowd(port: int, proposals: Sequence[Proposal], clients: int, each: int) -> list[float]:
    """Let ``clients`` keep-alive clients post ``each`` checks back to back; return latencies."""
    latencies: list[float] = []
    lock = threading.Lock()

    def loop(index: int) -> None:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
        for i in range(each):
            latency, _ = post(conn, proposals[(index * 7 + i) % len(proposals)])
            with lock:
                latencies.append(latency)

    threads = [threading.Thread(target=loop, args=(i,)) for i in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return latencies


def measure(tree: Path, url: str, proposals: Sequence[Proposal], args: argparse.Namespace) -> Run:
    """Time one tree: answers, serial checks, then the crowd; CPU per check of each side."""
    run = Run()
    with server(tree, url) as (port, pid), psycopg.connect(conninfo(url)) as monitor:
        monitor.autocommit = True
        crowd(port, proposals, args.clients, 3)  # warm-up: every pooled connection
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
        run.answers = [post(conn, proposal)[1] for proposal in proposals]
        backends = [row[0] for row in monitor.execute(BACKENDS).fetchall()]
        api, pg = cpu_ms([pid]), cpu_ms(backends)
        serial = [post(conn, proposals[i % len(proposals)])[0] for i in range(args.serial)]
        api, pg = (cpu_ms([pid]) - api) / args.serial, (cpu_ms(backends) - pg) / args.serial
        run.one = (p95(serial), api, pg)
        backends = [row[0] for row in monitor.execute(BACKENDS).fetchall()]
        api, pg = cpu_ms([pid]), cpu_ms(backends)
        many = crowd(port, proposals, args.clients, args.per_client)
        count = len(many)
        run.many = (p95(many), (cpu_ms([pid]) - api) / count, (cpu_ms(backends) - pg) / count)
    return run


def describe(runs: Sequence[Run]) -> str:
    """Return the medians of a tree's rounds."""

    def median(pick: int, part: str) -> float:
        return statistics.median(getattr(run, part)[pick] for run in runs)

    return (
        f"1 client p95 {median(0, 'one'):.1f} ms, CPU/check API {median(1, 'one'):.2f} + "
        f"PostgreSQL {median(2, 'one'):.2f} ms | 16 clients p95 {median(0, 'many'):.0f} ms, "
        f"CPU/check API {median(1, 'many'):.2f} + PostgreSQL {median(2, 'many'):.2f} ms"
    )


def main() -> None:
    """Alternate the trees round by round and print each round and the medians."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("trees", type=Path, nargs=2)
    parser.add_argument("--database", default="sitereg_bench_1m")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--serial", type=int, default=200)
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--per-client", type=int, default=25)
    args = parser.parse_args()
    url = database_url(args.database)
    with psycopg.connect(conninfo(url)) as conn:
        proposals = make_proposals(conn, 64, DEFAULT_SEED)
    trees = [tree.resolve() for tree in args.trees]
    runs: dict[Path, list[Run]] = {tree: [] for tree in trees}
    for number in range(args.rounds):
        for tree in trees if number % 2 == 0 else trees[::-1]:
            runs[tree].append(measure(tree, url, proposals, args))
            print(f"round {number} {tree}: {describe(runs[tree][-1:])}", flush=True)
            print(f"  load average {os.getloadavg()[0]:.1f}", flush=True)
    for tree in trees:
        print(f"{tree} (median of {args.rounds}): {describe(runs[tree])}")
    first, second = (runs[tree] for tree in trees)
    same = all(a.answers == b.answers for a in first for b in second)
    print(f"answers byte for byte the same in every round of both trees: {same}")


if __name__ == "__main__":
    main()
