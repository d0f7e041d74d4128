"""Path (a): the HTTP API, served by uvicorn in a subprocess and timed over keep-alive HTTP.

The server is ``uvicorn --factory app.main:factory`` on a free loopback port with
``DATABASE_URL`` pointing at the benchmark database, one worker, default settings (pool 8 + 8,
JIT off per connection, one INFO log line per request), as ``sitereg serve`` runs it. Its log
lines carry the in-app duration of every request, which the bench reads back to split HTTP and
client overhead from the app's own time.

The timing client is the standard library's ``http.client`` on a persistent connection, asking
for gzip as a browser does. httpx costs about 1.5 ms more CPU per request (measured: 2.0 against
0.5 ms), and on a 2-core machine the client's CPU competes with the server's; the bench times
the API, not the client library.
"""

from __future__ import annotations

import gzip
import http.client
import json
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
from urllib.parse import urlsplit

import httpx
import load_wrk
from proposals import Proposal
from timing import CpuMeter, Samples

from app.settings import PROJECT_ROOT

REPORT_PATH = "/api/v1/reports/forest-overlap"
CHECK_PATH = "/api/v1/analysis/check"
GEOJSON = {"Content-Type": "application/geo+json"}
APP_FACTORY = "app.main:factory"
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

    def in_app_ms(self, prefix: str) -> list[float]:
        """Return the in-app durations (ms) of the logged requests whose id starts with prefix."""
        text = self.log_path.read_text(errors="replace")
        return [
            float(match.group(4))
            for match in _LOG_LINE.finditer(text)
            if match.group(5).startswith(prefix)
        ]


@dataclass
class ApiFigures:
    """Latencies through HTTP, in-app durations from the log, and the server's memory."""

    report: Samples = field(default_factory=Samples)
    report_in_app: Samples = field(default_factory=Samples)
    report_bytes: int = 0
    check: Samples = field(default_factory=Samples)
    check_in_app: Samples = field(default_factory=Samples)
    check_many: Samples = field(default_factory=Samples)
    check_many_in_app: Samples = field(default_factory=Samples)
    check_many_rps: float = 0.0
    check_many_client_cpu_ms: float = float("nan")
    """CPU of the bench process (its client threads) per concurrent check."""
    check_wrk: load_wrk.WrkFigures | None = None
    """The same closed loop driven by wrk (``load_wrk``), when wrk is installed."""
    rss_mib: dict[str, float] = field(default_factory=dict)
    cpu_ms: dict[str, float] = field(default_factory=dict)
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
def serve(database_url: str) -> Iterator[ApiServer]:
    """Run the API on a free loopback port against ``database_url``; stop it on exit."""
    port = _free_port()
    env = {**os.environ, "DATABASE_URL": database_url, "SITEREG_LOG_LEVEL": "INFO"}
    command = [sys.executable, "-m", "uvicorn", "--factory", APP_FACTORY]
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


class KeepAliveClient:
    """A lean HTTP/1.1 client on one persistent loopback connection; gzip like a browser."""

    def __init__(self, base_url: str, timeout_s: float) -> None:
        parsed = urlsplit(base_url)
        self.connection = http.client.HTTPConnection(
            parsed.hostname or "127.0.0.1", parsed.port, timeout=timeout_s
        )

    def request(
        self,
        method: str,
        path: str,
        body: bytes | None = None,
        headers: dict[str, str] | None = None,
    ) -> bytes:
        """Send one request; return the (decompressed) body of a 200, raise on anything else.

        uvicorn closes a connection idle for 5 s (a 1 000 000-parcel report on the other path
        can take that long on a loaded machine): then it reconnects and sends the request again.
        """
        sent = {"Accept-Encoding": "gzip", **(headers or {})}
        try:
            self.connection.request(method, path, body=body, headers=sent)
            response = self.connection.getresponse()
        except (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError):
            self.connection.close()
            self.connection.request(method, path, body=body, headers=sent)
            response = self.connection.getresponse()
        data = response.read()
        if response.getheader("Content-Encoding") == "gzip":
            data = gzip.decompress(data)
        if response.status != 200:
            raise RuntimeError(f"{method} {path}: {response.status} {data[:300]!r}")
        return data

    def close(self) -> None:
        """Close the connection."""
        self.connection.close()


def post_check(client: KeepAliveClient, proposal: Proposal, request_id: str) -> float:
    """POST one proposal as a raw GeoJSON body; return the latency in milliseconds."""
    headers = {**GEOJSON, "X-Request-ID": request_id}
    started = time.perf_counter()
    client.request("POST", CHECK_PATH, proposal.body, headers)
    return (time.perf_counter() - started) * 1000.0


class ApiPath:
    """One running server, the single client that times it, and its figures."""

    def __init__(self, server: ApiServer) -> None:
        self.server = server
        self.client = KeepAliveClient(server.base_url, timeout_s=120.0)
        self.figures = ApiFigures()
        self.figures.rss_mib["after start"] = server.rss_mib()
        self.cpu = CpuMeter(server.pid)

    def warm_up(self, proposals: Sequence[Proposal], *, checks: bool = True) -> None:
        """Fill the pool, prepare the statements and keep one report to cross-check."""
        for i in range(20 if checks else 0):
            post_check(self.client, proposals[i % len(proposals)], f"warm{i:05d}")
        self.figures.report_json = json.loads(self.client.request("GET", REPORT_PATH))
        self.figures.rss_mib["after warm-up"] = self.server.rss_mib()

    def check(self, proposal: Proposal, request_id: str) -> None:
        """Time one single-client check."""
        self.figures.check.add(post_check(self.client, proposal, request_id))

    def report(self, request_id: str) -> None:
        """Time one province-wide forest report."""
        started = time.perf_counter()
        body = self.client.request("GET", REPORT_PATH, headers={"X-Request-ID": request_id})
        self.figures.report.add((time.perf_counter() - started) * 1000.0)
        self.figures.report_bytes = len(body)

    def note_memory(self, moment: str) -> None:
        """Record the server's RSS at a named moment."""
        self.figures.rss_mib[moment] = self.server.rss_mib()

    def finish(self) -> ApiFigures:
        """Close the client and read the in-app durations back from the server's log."""
        self.client.close()
        self.figures.cpu_ms = self.cpu.per_request_ms
        self.figures.check_in_app.values_ms.extend(self.server.in_app_ms("one"))
        self.figures.report_in_app.values_ms.extend(self.server.in_app_ms("rep"))
        self.figures.check_many_in_app.values_ms.extend(self.server.in_app_ms("many"))
        return self.figures


class ConcurrentClients:
    """``count`` persistent clients that post checks at once, in bounded rounds."""

    def __init__(self, path: ApiPath, count: int) -> None:
        self.path = path
        base_url = path.server.base_url
        self.clients = [KeepAliveClient(base_url, timeout_s=60.0) for _ in range(count)]
        self.lock = threading.Lock()
        self.busy_s = 0.0

    def round(
        self, proposals: Sequence[Proposal], per_client: int, tag: str, *, timed: bool = True
    ) -> None:
        """Let every client post ``per_client`` checks back to back; record the latencies."""
        samples = self.path.figures.check_many if timed else Samples()

        def client_loop(index: int) -> None:
            for i in range(per_client):
                proposal = proposals[(index * 7 + i) % len(proposals)]
                request_id = f"{'many' if timed else 'warm'}{tag}c{index}x{i}"
                latency_ms = post_check(self.clients[index], proposal, request_id)
                with self.lock:
                    samples.add(latency_ms)

        started = time.perf_counter()
        with ThreadPoolExecutor(max_workers=len(self.clients)) as pool:
            list(pool.map(client_loop, range(len(self.clients))))
        if timed:
            self.busy_s += time.perf_counter() - started
            self.path.figures.check_many_rps = samples.count / self.busy_s

    def close(self) -> None:
        """Close every client."""
        for client in self.clients:
            client.close()
