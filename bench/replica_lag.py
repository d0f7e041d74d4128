"""How far a streaming replica falls behind while a province's forest inventory is imported.

Issue 20 sends read-only traffic to ``DATABASE_REPLICA_URL`` while its lag is at most
``SITEREG_REPLICA__MAX_LAG_S`` (5 s) and to the primary otherwise (docs/scaling.md). This script
measures what an import does to that lag, on a real standby: a scratch primary (never the shared
cluster), migrated, and a hot standby made from it with ``pg_basebackup -R``. While
``sitereg import … --commit`` loads ``import_forest.py``'s FORMIS-like GeoPackage into the
primary, a thread polls both servers every ``--interval`` seconds and keeps the lag exactly as
the server's monitor does (``app.db.replica.ReplicaState``: how long ago the primary was at a
WAL position the standby has not replayed). After the import it waits for the standby to catch
up. Prints, per size: the import's time, the WAL it wrote, the largest lag in seconds and MB,
how long reads would have gone to the primary (lag above the threshold) and how long the standby
took to catch up after the import ended. Nothing is asserted: the machine is shared.

Usage::

    .venv/bin/python bench/replica_lag.py [--features 200000 1000000] [--interval 0.25]
"""

from __future__ import annotations

import argparse
import os
import threading
import time
from dataclasses import dataclass, field

import psycopg
from bench_db import conninfo
from import_forest import ensure_file, prepare_database, run_import

from app.db.replica import PRIMARY_LSN_SQL, REPLICA_SQL, ReplicaState, parse_lsn
from app.settings import Settings
from devcluster.cluster import EmbeddedCluster
from devcluster.scratch import scratch_cluster, streaming_replica

CATCH_UP_LIMIT_S = 600.0


@dataclass
class LagWatch:
    """Polls the primary and its standby in a thread; keeps every lag it saw."""

    primary: str
    replica: str
    interval_s: float
    state: ReplicaState = field(default_factory=lambda: ReplicaState(Settings().replica.max_lag_s))
    samples: list[tuple[float, float, int]] = field(default_factory=list)
    _stop: threading.Event = field(default_factory=threading.Event)

    def poll(self, primary: psycopg.Connection, replica: psycopg.Connection) -> None:
        """Ask the standby where its replay is, then the primary where its WAL is."""
        replayed = replica.execute(REPLICA_SQL).fetchone()
        written = primary.execute(PRIMARY_LSN_SQL).fetchone()
        assert replayed is not None and written is not None
        now = time.monotonic()
        self.state.observe(parse_lsn(written[0]) or 0, parse_lsn(replayed[1]) or 0, now)
        self.samples.append((now, self.state.lag_s or 0.0, self.state.lag_bytes or 0))

    def run(self) -> None:
        """Poll until stopped."""
        with (
            psycopg.connect(self.primary, autocommit=True) as primary,
            psycopg.connect(self.replica, autocommit=True) as replica,
        ):
            while not self._stop.is_set():
                self.poll(primary, replica)
                self._stop.wait(self.interval_s)

    def stop(self) -> None:
        """Stop polling (the thread ends after its current poll)."""
        self._stop.set()


def wal_lsn(url: str) -> int:
    """Return the primary's current WAL position."""
    with psycopg.connect(conninfo(url), autocommit=True) as connection:
        row = connection.execute(PRIMARY_LSN_SQL).fetchone()
    assert row is not None
    return parse_lsn(row[0]) or 0


def caught_up(watch: LagWatch, since: float) -> float | None:
    """Wait until the standby has replayed all the primary wrote; return the seconds it took."""
    while time.monotonic() - since < CATCH_UP_LIMIT_S:
        if watch.samples and watch.samples[-1][0] > since and watch.samples[-1][2] == 0:
            return watch.samples[-1][0] - since
        time.sleep(watch.interval_s)
    return None


def measure(primary: EmbeddedCluster, replica: EmbeddedCluster, count: int, interval: float) -> str:
    """Import ``count`` plots into the primary while watching the lag; return the figure line."""
    path = ensure_file(count)
    url = primary.url()
    watch = LagWatch(conninfo(url), conninfo(replica.url()), interval)
    thread = threading.Thread(target=watch.run, name="lag-watch", daemon=True)
    before = wal_lsn(url)
    thread.start()
    started = time.monotonic()
    import_s, _ = run_import(url, path, f"LAG-{count}")
    ended = time.monotonic()
    catch_up_s = caught_up(watch, ended)
    watch.stop()
    thread.join()
    wal_mb = (wal_lsn(url) - before) / 1e6
    during = [sample for sample in watch.samples if started <= sample[0] <= ended]
    over = sum(1 for sample in during if sample[1] > watch.state.max_lag_s) * interval
    lag_s = max(sample[1] for sample in watch.samples)
    lag_mb = max(sample[2] for sample in watch.samples) / 1e6
    return (
        f"{count:>9} plots: import {import_s:6.1f} s, WAL {wal_mb:7.0f} MB; lag at most "
        f"{lag_s:5.1f} s and {lag_mb:6.0f} MB; above {watch.state.max_lag_s:g} s (reads on the "
        f"primary) for about {over:5.1f} s"
        f" of {ended - started:.0f} s; caught up "
        + (f"{catch_up_s:.1f} s after the import ended" if catch_up_s is not None else "never")
    )


def main() -> None:
    """Make a scratch primary and its standby, then import each size while watching the lag."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--features", type=int, nargs="+", default=[200_000, 1_000_000])
    parser.add_argument("--interval", type=float, default=0.25)
    args = parser.parse_args()
    load = os.getloadavg()[0]
    lines = []
    with scratch_cluster() as primary:
        prepare_database(primary.url())
        with streaming_replica(primary) as replica:
            for count in args.features:
                lines.append(measure(primary, replica, count, args.interval))
                print(lines[-1], flush=True)
    print(
        f"{os.cpu_count()} CPUs, load average {load:.1f} before and {os.getloadavg()[0]:.1f} "
        f"after; the standby on the same machine (its replay shares the cores)"
    )


if __name__ == "__main__":
    main()
