"""Latency samples and their summary figures (milliseconds)."""

from __future__ import annotations

import math
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass, field


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
