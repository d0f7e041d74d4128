"""Path (b): the analysis ``.sql`` files run directly in PostgreSQL through psycopg.

The statements are the very files of ``spatial/analysis``; only SQLAlchemy's ``:name`` binds are
rewritten to psycopg's ``%(name)s`` (geometry binds as EWKB bytes, in binary), by the same
``spatial.analysis._sql.driver_statement`` the API uses for the check (``load`` writes the
province -> TM-3 zone table into every statement). Each
statement is timed from execute to the last fetched row, over the connection the cluster's URL
gives (its unix socket), with ``jit`` set per connection. psycopg prepares a statement after 5
executions, as it does under SQLAlchemy in the API.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import psycopg
from bench_db import conninfo
from proposals import Proposal
from timing import CpuMeter, Samples, measure, timed_ms

from spatial.analysis._sql import driver_statement

REPORT_STATEMENTS = (
    "protected_overlap",
    "misplaced_sites",
    "forest_overlap_report",
    "forest_layer",
)
"""The statements of the province-wide report, as the API runs them: protected areas,
the sites left out of the groups' totals, the forest of every site and on each kind's and the
province's ground (shared ground once, without those sites) in one statement, and the forest
datasets (the synthetic note). ``forest_overlap_report`` needs ``misplaced_sites``' codes as its
``left_out`` bind, so the direct path, like a person at psql, runs one after the other."""

SITE_FACTS = "SELECT code, name, kind, communes FROM sites"
"""The sites' names, kinds and communes the report lists (the API's ``select()``, as text)."""

CHECK_STATEMENTS = ("proposal_conflicts",)
"""The check's statement, over every forest parcel on one connection: the single-connection
figure. A check running alone in the API sends it as two statements at once, one per share of
the parcels, so the API can beat this column."""


@dataclass
class SqlFigures:
    """Direct-SQL latencies: the report and the check with JIT off and on, plus each statement."""

    report_jit_off: Samples = field(default_factory=Samples)
    report_jit_on: Samples = field(default_factory=Samples)
    check_jit_off: Samples = field(default_factory=Samples)
    check_jit_on: Samples = field(default_factory=Samples)
    statements: dict[str, Samples] = field(default_factory=dict)
    cpu_ms: dict[str, float] = field(default_factory=dict)
    report_rows: list[tuple[Any, ...]] = field(default_factory=list)
    ground_rows: list[tuple[Any, ...]] = field(default_factory=list)


def _statement(name: str) -> str:
    return driver_statement(name)  # the check's: exactly the API's text


def _report_params(name: str, left_out: Sequence[str] = ()) -> dict[str, Any]:
    """Return the binds of one report statement as the API sends them (geodesic, now)."""
    return {
        "protected_overlap": {"site_codes": None},
        "forest_overlap_report": {"vn2000": False, "left_out": list(left_out)},
    }.get(name, {})


def _check_params(proposal: Proposal) -> dict[str, Any]:
    return {
        "geom": proposal.ewkb,
        "zone_srid": None,
        "with_context": True,
        "with_layers": True,
        "parts": 1,
        "part": 0,
        "point_radius_m": 5_000.0,
    }


def connect(url: str, jit: str) -> psycopg.Connection:
    """Open an autocommit connection with ``jit`` set for the session.

    One connection per setting: a prepared statement keeps the plan (JIT or not) it was made
    with, so a ``SET jit`` on a warm connection would change nothing.
    """
    conn = psycopg.connect(conninfo(url), autocommit=True)
    conn.execute(f"SET jit = {jit}")
    return conn


class SqlPath:
    """A JIT-off connection that times the report and the check one statement at a time."""

    name = "SQL"

    def __init__(self, conn: psycopg.Connection, figures: SqlFigures) -> None:
        self.conn = conn
        self.figures = figures
        self.report_sql = {name: _statement(name) for name in REPORT_STATEMENTS}
        self.check_sql = [_statement(name) for name in CHECK_STATEMENTS]
        self.cpu = CpuMeter(conn.info.backend_pid)
        figures.cpu_ms = self.cpu.per_request_ms

    def run_check(self, proposal: Proposal) -> None:
        """Run the check's statement and fetch its rows."""
        params = _check_params(proposal)
        for sql in self.check_sql:
            self.conn.execute(sql, params).fetchall()

    def run_report(self) -> tuple[list[tuple[Any, ...]], list[tuple[Any, ...]]]:
        """Run the report's statements as the API does; return the sites' and the groups' rows.

        The same statements and binds as ``app.services.reports.forest_overlap_report``:
        the sites left out of the totals (``misplaced_sites``) are bound into the ground's.
        """
        self.conn.execute(SITE_FACTS).fetchall()
        rows: dict[str, list[tuple[Any, ...]]] = {}
        for name, sql in self.report_sql.items():
            left_out = [row[0] for row in rows.get("misplaced_sites", [])]
            rows[name] = self.conn.execute(sql, _report_params(name, left_out)).fetchall()
        # As forest_overlap.run's and .ground's rows: (code, area, category, origin, ha,
        # parcels) and (group, sites, ground_ha, category, origin, ha).
        forest = rows["forest_overlap_report"]
        sites = [(r[1], *r[3:8]) for r in forest if r[0] == "site"]
        return sites, [r[1:7] for r in forest if r[0] == "group"]

    def warm_up(self, proposals: Sequence[Proposal], *, checks: bool = True) -> None:
        """Prepare the statements (psycopg prepares after 5 executions) and keep the report."""
        for i in range(20 if checks else 0):
            self.run_check(proposals[i % len(proposals)])
        self.figures.report_rows, self.figures.ground_rows = self.run_report()

    def check(self, proposal: Proposal, _request_id: str) -> None:
        """Time proposal_conflicts.sql once."""
        self.figures.check_jit_off.add(timed_ms(lambda: self.run_check(proposal)))

    def report(self, _request_id: str) -> None:
        """Time the report's statements (``REPORT_STATEMENTS``), one after the other."""
        self.figures.report_jit_off.add(timed_ms(self.run_report))


def time_jit_on(url: str, figures: SqlFigures, proposals: Sequence[Proposal], repeat: int) -> None:
    """Time the report and the check on a connection with ``jit = on`` (the server default)."""
    with connect(url, "on") as conn:
        path = SqlPath(conn, SqlFigures())
        figures.report_jit_on = measure(lambda _i: path.run_report(), repeat)
        figures.check_jit_on = measure(
            lambda i: path.run_check(proposals[i % len(proposals)]), 10 * repeat, warmup=5
        )


def time_statements(
    url: str,
    figures: SqlFigures,
    repeat: int,
    proposals: Sequence[Proposal],
    *,
    checks: bool = True,
) -> None:
    """Time each statement the report and the check endpoints run, on its own (JIT off)."""
    with connect(url, "off") as conn:
        left_out = [row[0] for row in conn.execute(_statement("misplaced_sites")).fetchall()]
        for name in REPORT_STATEMENTS:
            sql, params = _statement(name), _report_params(name, left_out)
            figures.statements[name] = measure(
                lambda _i, sql=sql, params=params: conn.execute(sql, params).fetchall(), repeat
            )
        for name in CHECK_STATEMENTS if checks else ():
            sql = _statement(name)
            figures.statements[name] = measure(
                lambda i, sql=sql: conn.execute(
                    sql, _check_params(proposals[i % len(proposals)])
                ).fetchall(),
                10 * repeat,
                warmup=8,
            )
