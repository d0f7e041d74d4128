"""Wait for a server started as a process (`sitereg serve`) to answer."""

from __future__ import annotations

import subprocess
import time
from pathlib import Path

import httpx


def wait_for_health(
    url: str, server: subprocess.Popen[bytes], *, within_s: float = 60
) -> int | None:
    """Return the status of ``url`` once it answers; None when the server exits or time is up."""
    deadline = time.monotonic() + within_s
    while time.monotonic() < deadline and server.poll() is None:
        try:
            return httpx.get(url, timeout=5).status_code
        except httpx.TransportError:
            time.sleep(0.3)
    return None


def wait_for_line(path: Path, line: str, count: int, server: subprocess.Popen[bytes]) -> int:
    """Return how often ``line`` occurs in the log at ``path`` once ``count`` times (or 180 s)."""
    deadline = time.monotonic() + 180
    seen = path.read_text().count(line)
    while seen < count and time.monotonic() < deadline and server.poll() is None:
        time.sleep(0.3)
        seen = path.read_text().count(line)
    return seen
