"""Latency samples and their summary figures (milliseconds)."""

from __future__ import annotations

import math
import os
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path


@dataclass
class Samples:
    """Latencies of one figure, in milliseconds, in the order they were measured."""

    values_ms: list[float] = field(default_factory=list)

    def add(self, value_ms: float) -> None:
        """Record one latency."""
        self.values_ms.append(value_ms)

    @property
    def count(self) -> int:
        """Return the number of samples."""
        return len(self.values_ms)

    @property
    def median_ms(self) -> float:
        """Return the median latency (NaN without samples)."""
        return statistics.median(self.values_ms) if self.values_ms else math.nan

    @property
    def p95_ms(self) -> float:
        """Return the 95th percentile (nearest rank; NaN without samples)."""
        if not self.values_ms:
            return math.nan
        ordered = sorted(self.values_ms)
        return ordered[max(0, math.ceil(0.95 * len(ordered)) - 1)]


def timed_ms(action: Callable[[], object]) -> float:
    """Run ``action`` once and return its wall time in milliseconds."""
    started = time.perf_counter()
    action()
    return (time.perf_counter() - started) * 1000.0


def measure(action: Callable[[int], object], repeat: int, *, warmup: int = 1) -> Samples:
    """Run ``action(i)`` ``warmup`` times untimed, then ``repeat`` times timed."""
    for i in range(warmup):
        action(i)
    samples = Samples()
    for i in range(repeat):
        samples.add(timed_ms(lambda i=i: action(i)))  # type: ignore[misc]
    return samples


def process_cpu_s(pid: int) -> float:
    """Return the user + system CPU seconds process ``pid`` has used (all its threads)."""
    after_name = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(after_name[11]) + int(after_name[12])) / os.sysconf("SC_CLK_TCK")


class CpuMeter:
    """CPU time a process spends per request between laps (robust to other load on the box)."""

    def __init__(self, pid: int) -> None:
        self.pid = pid
        self.last_s = process_cpu_s(pid)
        self.per_request_ms: dict[str, float] = {}

    def restart(self) -> None:
        """Start a new lap now."""
        self.last_s = process_cpu_s(self.pid)

    def lap(self, label: str, requests: int) -> None:
        """Record the CPU milliseconds per request since the last lap under ``label``."""
        now_s = process_cpu_s(self.pid)
        self.per_request_ms[label] = 1000.0 * (now_s - self.last_s) / max(requests, 1)
        self.last_s = now_s
