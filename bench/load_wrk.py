"""Concurrent proposal checks driven by wrk: closed-loop clients in a C process of their own.

The bench's own concurrent clients are Python threads in the bench process: on a 2-core machine
their CPU (HTTP in Python, gzip, 16 threads taking turns at the GIL) is taken from the server
being measured, and a thread that is ready but waits for the GIL adds that wait to the latency
it records. wrk keeps ``--connections`` keep-alive connections busy from one C thread, each
posting its next check as soon as the previous answer arrives (the same closed loop), cycling
through the same proposal bodies from a different start per connection. Its latencies are
exact to the microsecond (``latency:percentile`` in wrk's Lua ``done`` hook).

Needs ``wrk`` (Debian: ``apt-get install wrk``); without it the bench prints a note and keeps
the thread figures.
"""

from __future__ import annotations

import re
import resource
import shutil
import subprocess
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from proposals import Proposal
from timing import process_cpu_s

CHECK_PATH = "/api/v1/analysis/check"

LUA = """
local bodies = {}
local count = %(count)d
for i = 1, count do
  local file = assert(io.open(string.format("%(folder)s/%%d.json", i), "rb"))
  bodies[i] = file:read("*a")
  file:close()
end
local headers = {["Content-Type"] = "application/geo+json"}
local next_body = 0
local connection = 0
setup = function(thread) end
init = function(args) end
request = function()
  next_body = next_body %% count + 1
  return wrk.format("POST", "%(path)s", headers, bodies[next_body])
end
response = function(status, headers, body)
  if status ~= 200 then
    io.stderr:write("status " .. status .. ": " .. body:sub(1, 300) .. "\\n")
  end
end
done = function(summary, latency, requests)
  local errors = summary.errors
  io.write(string.format(
    "WRK requests=%%d duration_us=%%d p50=%%d p90=%%d p95=%%d p99=%%d max=%%d errors=%%d\\n",
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(90),
    latency:percentile(95), latency:percentile(99), latency.max,
    errors.connect + errors.read + errors.write + errors.status + errors.timeout))
end
"""
_RESULT = re.compile(
    r"WRK requests=(\d+) duration_us=(\d+) p50=(\d+) p90=(\d+) p95=(\d+) p99=(\d+) "
    r"max=(\d+) errors=(\d+)"
)


@dataclass(frozen=True)
class WrkFigures:
    """One wrk run: rate, latency percentiles (ms), errors, CPU per check of server and wrk."""

    connections: int
    requests: int
    rps: float
    p50_ms: float
    p90_ms: float
    p95_ms: float
    p99_ms: float
    max_ms: float
    errors: int
    server_cpu_ms: float
    wrk_cpu_ms: float


def available() -> bool:
    """Tell whether wrk is on the PATH."""
    return shutil.which("wrk") is not None


def _children_cpu_s() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def run_checks(
    base_url: str,
    proposals: Sequence[Proposal],
    *,
    connections: int,
    duration_s: int,
    server_pid: int,
) -> WrkFigures:
    """Post the proposals from ``connections`` closed-loop wrk clients for ``duration_s``.

    Raises:
        RuntimeError: when wrk prints no figures or any request failed.
    """
    with tempfile.TemporaryDirectory(prefix="sitereg-wrk-") as folder:
        for number, proposal in enumerate(proposals, start=1):
            (Path(folder) / f"{number}.json").write_bytes(proposal.body)
        script = Path(folder) / "checks.lua"
        script.write_text(LUA % {"count": len(proposals), "folder": folder, "path": CHECK_PATH})
        command = ["wrk", "-t1", f"-c{connections}", f"-d{duration_s}s", "-s", str(script)]
        server_before, wrk_before = process_cpu_s(server_pid), _children_cpu_s()
        done = subprocess.run(
            [*command, base_url], capture_output=True, text=True, check=False, timeout=600
        )
        server_s, wrk_s = process_cpu_s(server_pid) - server_before, _children_cpu_s() - wrk_before
    found = _RESULT.search(done.stdout)
    if done.returncode != 0 or found is None:
        raise RuntimeError(f"wrk gave no figures:\n{done.stdout}\n{done.stderr}")
    requests, duration_us, p50, p90, p95, p99, longest, errors = map(int, found.groups())
    if errors:
        raise RuntimeError(f"wrk: {errors} of {requests} checks failed:\n{done.stderr[-2000:]}")
    return WrkFigures(
        connections=connections,
        requests=requests,
        rps=requests / (duration_us / 1e6),
        p50_ms=p50 / 1000,
        p90_ms=p90 / 1000,
        p95_ms=p95 / 1000,
        p99_ms=p99 / 1000,
        max_ms=longest / 1000,
        errors=errors,
        server_cpu_ms=1000 * server_s / max(requests, 1),
        wrk_cpu_ms=1000 * wrk_s / max(requests, 1),
    )
