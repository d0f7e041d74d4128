"""Path (a): the HTTP API, served by uvicorn in a subprocess and timed with httpx.

The server is ``uvicorn --factory app.main:factory`` on a free loopback port with
``DATABASE_URL`` pointing at the benchmark database, one worker, default settings (pool 8 + 8,
JIT off per connection, one INFO log line per request). Its log lines carry the in-app duration
of every request, which the bench reads back to split HTTP/client overhead from app time.
"""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
from proposals import Proposal
from timing import Samples

from app.settings import PROJECT_ROOT

REPORT_PATH = "/api/v1/reports/forest-overlap"
CHECK_PATH = "/api/v1/analysis/check"
GEOJSON = {"Content-Type": "application/geo+json"}
APP_FACTORY = "app.main:factory"
BENCH_DIR = Path(__file__).resolve().parent
_LOG_LINE = re.compile(r" (GET|POST) (\S+) (\d{3}) ([0-9.]+)ms rid=(\S+)")


@dataclass
class ApiServer:
    """A running uvicorn process: its base URL, pid and log file."""

    base_url: str
    pid: int
    log_path: Path

    def rss_mib(self) -> float:
        """Return the resident memory of the server process (VmRSS), in MiB."""
        for line in Path(f"/proc/{self.pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024.0
        return float("nan")

    def in_app_ms(self, prefix: str) -> dict[str, float]:
        """Return request id → in-app duration (ms) of the logged requests whose id starts so."""
        durations: dict[str, float] = {}
        for match in _LOG_LINE.finditer(self.log_path.read_text(errors="replace")):
            if match.group(5).startswith(prefix):
                durations[match.group(5)] = float(match.group(4))
        return durations


@dataclass
class ApiFigures:
    """Latencies through HTTP, in-app durations from the log, and the server's memory."""

    report: Samples = field(default_factory=Samples)
    report_in_app: Samples = field(default_factory=Samples)
    report_bytes: int = 0
    check: Samples = field(default_factory=Samples)
    check_in_app: Samples = field(default_factory=Samples)
    check_16: Samples = field(default_factory=Samples)
    check_16_in_app: Samples = field(default_factory=Samples)
    check_16_rps: float = 0.0
    rss_mib: dict[str, float] = field(default_factory=dict)
    report_json: dict[str, Any] = field(default_factory=dict)


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _wait_healthy(base_url: str, process: subprocess.Popen[bytes], log_path: Path) -> None:
    deadline = time.monotonic() + 60.0
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"uvicorn exited:\n{log_path.read_text(errors='replace')[-3000:]}")
        try:
            if httpx.get(f"{base_url}/healthz", timeout=2.0).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.2)
    raise RuntimeError("uvicorn did not become healthy within 60 s")


@contextmanager
def serve(database_url: str, *, what_if: bool = False) -> Iterator[ApiServer]:
    """Run the API on a free loopback port against ``database_url``; stop it on exit.

    ``what_if`` serves ``bench/whatif_app.py`` (forest datasets from a summary table) instead.
    """
    target = ["--app-dir", str(BENCH_DIR), "whatif_app:factory"] if what_if else [APP_FACTORY]
    port = _free_port()
    env = {**os.environ, "DATABASE_URL": database_url, "SITEREG_LOG_LEVEL": "INFO"}
    command = [sys.executable, "-m", "uvicorn", "--factory", *target]
    command += ["--host", "127.0.0.1", "--port", str(port), "--no-access-log"]
    with tempfile.TemporaryDirectory(prefix="sitereg-bench-") as folder:
        log_path = Path(folder) / "uvicorn.log"
        with log_path.open("wb") as log:
            process = subprocess.Popen(
                command, cwd=PROJECT_ROOT, env=env, stdout=log, stderr=subprocess.STDOUT
            )
            try:
                base_url = f"http://127.0.0.1:{port}"
                _wait_healthy(base_url, process, log_path)
                yield ApiServer(base_url, process.pid, log_path)
            finally:
                process.terminate()
                try:
                    process.wait(timeout=15)
                except subprocess.TimeoutExpired:
                    process.kill()
                    process.wait()


def _ok(response: httpx.Response) -> httpx.Response:
    if response.status_code != 200:
        raise RuntimeError(f"{response.request.url}: {response.status_code} {response.text[:300]}")
    return response


def _post_check(client: httpx.Client, proposal: Proposal, request_id: str) -> float:
    started = time.perf_counter()
    _ok(
        client.post(
            CHECK_PATH, content=proposal.body, headers={**GEOJSON, "X-Request-ID": request_id}
        )
    )
    return (time.perf_counter() - started) * 1000.0


def time_report(server: ApiServer, figures: ApiFigures, repeat: int) -> None:
    """Time ``GET /reports/forest-overlap`` one request at a time."""
    with httpx.Client(base_url=server.base_url, timeout=120.0) as client:
        figures.report_json = _ok(client.get(REPORT_PATH)).json()  # warm-up, kept for checks
        for i in range(repeat):
            started = time.perf_counter()
            response = _ok(client.get(REPORT_PATH, headers={"X-Request-ID": f"rep{i:05d}"}))
            figures.report.add((time.perf_counter() - started) * 1000.0)
            figures.report_bytes = len(response.content)
    figures.report_in_app.values_ms.extend(server.in_app_ms("rep").values())


def time_checks(
    server: ApiServer, figures: ApiFigures, proposals: Sequence[Proposal], repeat: int
) -> None:
    """Time ``POST /analysis/check`` (raw GeoJSON body) from one client."""
    with httpx.Client(base_url=server.base_url, timeout=60.0) as client:
        for i in range(20):  # warm-up: pool connections, prepared statements, caches
            _post_check(client, proposals[i % len(proposals)], f"warm{i:05d}")
        figures.rss_mib["after warm-up"] = server.rss_mib()
        for i in range(repeat):
            figures.check.add(_post_check(client, proposals[i % len(proposals)], f"one{i:05d}"))
    figures.check_in_app.values_ms.extend(server.in_app_ms("one").values())


def time_concurrent_checks(
    server: ApiServer,
    figures: ApiFigures,
    proposals: Sequence[Proposal],
    *,
    clients: int,
    per_client: int,
    limit_s: float = 120.0,
) -> None:
    """Time checks from ``clients`` threads at once (each its own connection), bounded in time."""
    deadline = time.monotonic() + limit_s
    lock = threading.Lock()

    def client_loop(index: int) -> None:
        with httpx.Client(base_url=server.base_url, timeout=60.0) as client:
            for i in range(per_client):
                if time.monotonic() > deadline:
                    return
                proposal = proposals[(index * per_client + i) % len(proposals)]
                latency_ms = _post_check(client, proposal, f"c{index:02d}x{i:04d}")
                with lock:
                    figures.check_16.add(latency_ms)

    started = time.perf_counter()
    with ThreadPoolExecutor(max_workers=clients) as pool:
        list(pool.map(client_loop, range(clients)))
    figures.check_16_rps = figures.check_16.count / (time.perf_counter() - started)
    figures.check_16_in_app.values_ms.extend(server.in_app_ms("c").values())


def run(
    database_url: str,
    proposals: Sequence[Proposal],
    *,
    report_repeat: int,
    check_repeat: int,
    clients: int,
    per_client: int,
    what_if: bool = False,
) -> ApiFigures:
    """Start the API on the benchmark database and measure every HTTP figure."""
    figures = ApiFigures()
    with serve(database_url, what_if=what_if) as server:
        figures.rss_mib["after start"] = server.rss_mib()
        time_checks(server, figures, proposals, check_repeat)
        figures.rss_mib["after 1-client checks"] = server.rss_mib()
        time_report(server, figures, report_repeat)
        figures.rss_mib["after reports"] = server.rss_mib()
        time_concurrent_checks(server, figures, proposals, clients=clients, per_client=per_client)
        figures.rss_mib["after 16-client checks"] = server.rss_mib()
    return figures
