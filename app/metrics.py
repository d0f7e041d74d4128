"""``/metrics`` in Prometheus's text format: requests and latencies per class, pools, WAL archive.

Counted in the process that serves the request (one worker's figures; Prometheus adds the
workers up). The request log middleware (``app.log``) records each request once it has been
sent; recording is a few dictionary and list updates, no lock (one event loop per process).
"""

from __future__ import annotations

import bisect
from collections import defaultdict
from typing import Any, Final

from fastapi import APIRouter, Request
from fastapi.responses import PlainTextResponse

BUCKETS_S: Final = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)
"""Upper bounds of the latency histogram, in seconds (Prometheus's ``le``)."""
PROMETHEUS_TEXT: Final = "text/plain; version=0.0.4; charset=utf-8"
WRITE_METHODS: Final = frozenset({"POST", "PUT", "PATCH", "DELETE"})


def request_class(method: str, path: str) -> str:
    """Return the class of a request, as the time limits name them (plus pages and others)."""
    if path.startswith("/api/v1/analysis/check"):
        return "checks"
    if method in WRITE_METHODS:
        return "writes"
    if "/tiles/" in path:
        return "tiles"
    if path.startswith("/api/v1/export/"):
        return "exports"
    if path.startswith(("/api/v1/analysis/", "/api/v1/reports/")) or path.endswith(
        "/forest-overlap"
    ):
        return "analysis"
    if path.startswith(("/ogc", "/api/")):
        return "items"
    if path.startswith("/static/"):
        return "static"
    return "other" if path in ("/healthz", "/metrics") else "pages"


class Metrics:
    """Counts and latency histograms of one process, by request class and status class."""

    def __init__(self) -> None:
        self.counts: defaultdict[tuple[str, str], int] = defaultdict(int)
        self.buckets: defaultdict[str, list[int]] = defaultdict(lambda: [0] * len(BUCKETS_S))
        self.sums: defaultdict[str, float] = defaultdict(float)
        self.totals: defaultdict[str, int] = defaultdict(int)

    def record(self, method: str, path: str, status: int, duration_s: float) -> None:
        """Count one request that has been answered."""
        kind = request_class(method, path)
        self.counts[(kind, f"{status // 100}xx")] += 1
        index = bisect.bisect_left(BUCKETS_S, duration_s)
        if index < len(BUCKETS_S):
            self.buckets[kind][index] += 1
        self.sums[kind] += duration_s
        self.totals[kind] += 1

    def lines(self) -> list[str]:
        """Return the request metrics in Prometheus's text format."""
        lines = [
            "# HELP sitereg_requests_total Requests answered, by class and status class.",
            "# TYPE sitereg_requests_total counter",
        ]
        for (kind, status), count in sorted(self.counts.items()):
            lines.append(f'sitereg_requests_total{{class="{kind}",status="{status}"}} {count}')
        lines += [
            "# HELP sitereg_request_duration_seconds Time to answer, by class (sent in full).",
            "# TYPE sitereg_request_duration_seconds histogram",
        ]
        for kind in sorted(self.totals):
            cumulative = 0
            for bound, count in zip(BUCKETS_S, self.buckets[kind], strict=True):
                cumulative += count
                lines.append(_bucket(kind, str(bound), cumulative))
            lines.append(_bucket(kind, "+Inf", self.totals[kind]))
            lines.append(
                f'sitereg_request_duration_seconds_sum{{class="{kind}"}} {self.sums[kind]}'
            )
            lines.append(
                f'sitereg_request_duration_seconds_count{{class="{kind}"}} {self.totals[kind]}'
            )
        return lines


def _bucket(kind: str, bound: str, count: int) -> str:
    return f'sitereg_request_duration_seconds_bucket{{class="{kind}",le="{bound}"}} {count}'


def pool_lines(state: Any) -> list[str]:
    """Return the use of the engine's pool and of each asyncio pool (``app.state``)."""
    lines = [
        "# HELP sitereg_pool_connections Connections of a pool, by state.",
        "# TYPE sitereg_pool_connections gauge",
    ]
    engine = getattr(state, "engine", None)
    if engine is not None:
        pool = engine.pool
        lines.append(_pool("orm", "in_use", pool.checkedout()))
        lines.append(_pool("orm", "idle", pool.checkedin()))
    for name in ("read_pool", "tile_pool", "check_pool"):
        pool = getattr(state, name, None)
        if pool is None:
            continue
        lines += _pool_use(name, pool.get_stats())
        replica = getattr(pool, "replica", None)  # app.db.replica.RoutedPool
        if replica is not None:
            lines += _pool_use(f"{name}_replica", replica.get_stats())
    replica_engine = getattr(state, "replica_engine", None)
    if replica_engine is not None:
        lines.append(_pool("orm_replica", "in_use", replica_engine.pool.checkedout()))
        lines.append(_pool("orm_replica", "idle", replica_engine.pool.checkedin()))
    return lines


def _pool_use(name: str, stats: dict[str, int]) -> list[str]:
    size, idle = stats.get("pool_size", 0), stats.get("pool_available", 0)
    return [
        _pool(name, "in_use", size - idle),
        _pool(name, "idle", idle),
        _pool(name, "waiting", stats.get("requests_waiting", 0)),
    ]


def _pool(name: str, state: str, value: int) -> str:
    return f'sitereg_pool_connections{{pool="{name}",state="{state}"}} {value}'


ARCHIVER_SQL: Final = (
    "SELECT archived_count, failed_count, "
    "extract(epoch FROM now() - last_archived_time)::float8 FROM pg_stat_archiver"
)


async def archive_lines(pool: Any, *, timeout_s: float = 1.0) -> list[str]:
    """Return the WAL archive's figures: the age of its newest segment, counts of copies.

    The age is how old the continuous backup is: changes newer than it are only in the
    server's own ``pg_wal`` (README "Backups and recovery"). It is absent while nothing has
    been archived (archiving off, or a new cluster). A database that does not answer within
    ``timeout_s`` leaves the lines out; the request figures still go out.
    """
    try:
        async with pool.connection(timeout=timeout_s) as conn:
            cursor = await conn.execute(ARCHIVER_SQL)
            archived, failed, age_s = await cursor.fetchone()
    except Exception:  # noqa: BLE001 (metrics answer without the database)
        return []
    lines = [
        "# HELP sitereg_wal_archived_total WAL segments copied to the archive.",
        "# TYPE sitereg_wal_archived_total counter",
        f"sitereg_wal_archived_total {archived}",
        "# HELP sitereg_wal_archive_failures_total Failed attempts to archive a WAL segment.",
        "# TYPE sitereg_wal_archive_failures_total counter",
        f"sitereg_wal_archive_failures_total {failed}",
    ]
    if age_s is not None:
        lines += [
            "# HELP sitereg_wal_archive_age_seconds Seconds since the newest archived segment.",
            "# TYPE sitereg_wal_archive_age_seconds gauge",
            f"sitereg_wal_archive_age_seconds {age_s:.1f}",
        ]
    return lines


def replica_lines(state: Any) -> list[str]:
    """Return the replica's figures (``app.db.replica.ReplicaState``): up, lag, where reads went.

    The lag is absent while the replica is down; the server then reads from the primary.
    """
    reads = sorted(state.reads.items())
    lines = [
        "# HELP sitereg_replica_up Whether reads may go to the replica (it answers, in recovery).",
        "# TYPE sitereg_replica_up gauge",
        f"sitereg_replica_up {int(state.up)}",
        "# HELP sitereg_replica_reads_total Reads the replica may answer, by server sent to.",
        "# TYPE sitereg_replica_reads_total counter",
        *(f'sitereg_replica_reads_total{{server="{k}"}} {n}' for k, n in reads),
        "# HELP sitereg_replica_fallbacks_total Reads sent to the replica, answered by primary.",
        "# TYPE sitereg_replica_fallbacks_total counter",
        f"sitereg_replica_fallbacks_total {state.fallbacks}",
    ]
    if state.lag_s is not None:
        lines += [
            "# HELP sitereg_replica_lag_seconds How long ago the primary was where the replica is.",
            "# TYPE sitereg_replica_lag_seconds gauge",
            f"sitereg_replica_lag_seconds {state.lag_s:.3f}",
            "# HELP sitereg_replica_lag_bytes WAL the replica has not replayed yet.",
            "# TYPE sitereg_replica_lag_bytes gauge",
            f"sitereg_replica_lag_bytes {state.lag_bytes}",
        ]
    return lines


router = APIRouter(include_in_schema=False)


@router.get("/metrics", response_class=PlainTextResponse)
async def metrics(request: Request) -> PlainTextResponse:
    """Return this process's metrics in Prometheus's text format (version 0.0.4)."""
    recorded: Metrics = request.app.state.metrics
    lines = recorded.lines() + pool_lines(request.app.state)
    replica = getattr(request.app.state, "replica", None)
    if replica is not None:
        lines += replica_lines(replica)
    read_pool = getattr(request.app.state, "read_pool", None)
    if read_pool is not None:
        lines += await archive_lines(getattr(read_pool, "primary", read_pool))
    return PlainTextResponse("\n".join(lines) + "\n", media_type=PROMETHEUS_TEXT)
