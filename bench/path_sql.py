"""Path (b): the analysis ``.sql`` files run directly in PostgreSQL through psycopg.

The statements are the very files of ``spatial/analysis``; only SQLAlchemy's ``:name`` binds are
rewritten to psycopg's ``%(name)s`` (geometry binds decoded from hex EWKB). Each statement is
timed from execute to the last fetched row, over loopback TCP, with ``jit`` set per session.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import psycopg
from bench_db import conninfo, psycopg_sql
from proposals import Proposal
from timing import Samples, measure

from spatial.analysis._sql import load, zone_binds

REPORT_STATEMENTS = ("forest_overlap", "protected_overlap")
"""The statements whose answer is the province-wide report (forest and protected areas)."""

SUPPORT_STATEMENTS = ("forest_layer",)
"""Run by both endpoints besides the question itself (the forest dataset summary)."""


@dataclass
class SqlFigures:
    """Direct-SQL latencies: the report and the check with JIT off and on, plus each statement."""

    report_jit_off: Samples = field(default_factory=Samples)
    report_jit_on: Samples = field(default_factory=Samples)
    check_jit_off: Samples = field(default_factory=Samples)
    check_jit_on: Samples = field(default_factory=Samples)
    statements: dict[str, Samples] = field(default_factory=dict)
    report_rows: list[tuple[Any, ...]] = field(default_factory=list)


def _statement(name: str) -> str:
    return psycopg_sql(load(name), geometry_binds=("geom",))


def _report_params() -> dict[str, Any]:
    return {"site_codes": None, "vn2000": False, **zone_binds()}


def _check_params(proposal: Proposal) -> dict[str, Any]:
    return {"geom": proposal.ewkb_hex, "zone_srid": None, **zone_binds()}


def _run_report(conn: psycopg.Connection) -> list[tuple[Any, ...]]:
    rows: list[tuple[Any, ...]] = []
    for name in REPORT_STATEMENTS:
        rows = conn.execute(_statement(name), _report_params()).fetchall() or rows
    return rows


def time_report(conn: psycopg.Connection, repeat: int) -> Samples:
    """Time forest_overlap.sql followed by protected_overlap.sql (the report's SQL)."""
    return measure(lambda _i: _run_report(conn), repeat)


def time_check(conn: psycopg.Connection, proposals: Sequence[Proposal], repeat: int) -> Samples:
    """Time proposal_conflicts.sql on the proposals in turn."""
    sql = _statement("proposal_conflicts")
    return measure(
        lambda i: conn.execute(sql, _check_params(proposals[i % len(proposals)])).fetchall(),
        repeat,
        warmup=5,
    )


def time_statement(conn: psycopg.Connection, name: str, repeat: int) -> Samples:
    """Time one parameterless or report-parameter statement on its own."""
    sql = _statement(name)
    return measure(lambda _i: conn.execute(sql, _report_params()).fetchall(), repeat)


def run(
    url: str, proposals: Sequence[Proposal], *, report_repeat: int, check_repeat: int
) -> SqlFigures:
    """Measure every direct-SQL figure on the database at ``url``."""
    figures = SqlFigures()
    with psycopg.connect(conninfo(url), autocommit=True) as conn:
        for jit in ("off", "on"):
            conn.execute(f"SET jit = {jit}")
            report = time_report(conn, report_repeat if jit == "off" else min(report_repeat, 5))
            check = time_check(conn, proposals, check_repeat if jit == "off" else 50)
            setattr(figures, f"report_jit_{jit}", report)
            setattr(figures, f"check_jit_{jit}", check)
        conn.execute("SET jit = off")
        for name in (*REPORT_STATEMENTS, *SUPPORT_STATEMENTS):
            figures.statements[name] = time_statement(conn, name, report_repeat)
        figures.report_rows = conn.execute(
            _statement("forest_overlap"), _report_params()
        ).fetchall()
    return figures
