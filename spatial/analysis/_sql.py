"""Load analysis SQL files once, for SQLAlchemy ``text()`` or for psycopg's cursor.

SQLAlchemy parses every ``:name`` bind and renders the SQL for its psycopg dialect once per
file: no bind markers are rewritten by hand, and nothing is compiled per request.
"""

from __future__ import annotations

import re
from datetime import datetime
from functools import cache
from pathlib import Path
from typing import Any, Final

import shapely
import sqlalchemy as sa
from geoalchemy2 import Geometry
from geoalchemy2.shape import from_shape
from shapely.geometry.base import BaseGeometry
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.dialects.postgresql import psycopg as pg_psycopg

from spatial.analysis.prepared import fetch_prepared
from spatial.crs import PROVINCE_ZONES
from spatial.versioned import VERSIONED_TABLES

_HERE = Path(__file__).parent
GEOMETRY_4326 = Geometry(srid=4326)
TEXT_ARRAY = ARRAY(sa.Text)

RECORDED_AT: Final = "recorded_at"
"""The bind of the recorded time in the ``as_of`` variant of an analysis statement."""
_TABLE_REFERENCE: Final = re.compile(
    r"\b(?P<keyword>FROM|JOIN)\s+(?P<table>" + "|".join(VERSIONED_TABLES) + r")\b(?!\s*\()"
    r"(?P<alias>\s+AS\b)?",
    re.IGNORECASE,
)

PSYCOPG_DIALECT: Final = pg_psycopg.dialect()  # type: ignore[no-untyped-call]  # (untyped)
"""Renders ``%(name)s`` binds and doubles literal ``%``, as psycopg's cursor reads them."""

_NAMED_DIALECT: Final = pg_psycopg.dialect(paramstyle="named")  # type: ignore[no-untyped-call]
"""Renders ``:name`` binds again, for a ``text()`` clause."""


class EwkbGeometry(sa.types.TypeDecorator[bytes]):
    """An EPSG:4326 geometry bound as EWKB bytes (``ewkb_bind``), read by ``ST_GeomFromEWKB``.

    psycopg sends ``bytes`` in binary, so the proposal reaches PostGIS with no text encoding
    and no GeoAlchemy2 WKB -> WKT -> EWKT processing (bench/README.md).
    """

    impl = sa.LargeBinary
    cache_ok = True

    def bind_expression(self, bindvalue: Any) -> Any:
        """Wrap the bind in ``ST_GeomFromEWKB``."""
        return sa.func.ST_GeomFromEWKB(bindvalue)


def zone_binds() -> dict[str, sa.BindParameter[Any]]:
    """Return the province → VN-2000 TM-3 zone table as binds SQLAlchemy writes into the SQL.

    ``:zone_provinces`` and ``:zone_srids`` (``spatial.crs.PROVINCE_ZONES``) become array
    constants in the text: the table never changes while the server runs, and as list binds
    psycopg dumped it element by element on every call (about 70 µs of CPU per proposal check,
    bench/README.md).
    """
    return {
        "zone_provinces": sa.bindparam(
            "zone_provinces", list(PROVINCE_ZONES), type_=TEXT_ARRAY, literal_execute=True
        ),
        "zone_srids": sa.bindparam(
            "zone_srids",
            [int(srid) for srid in PROVINCE_ZONES.values()],
            type_=ARRAY(sa.Integer),
            literal_execute=True,
        ),
    }


def render(sql_text: str, dialect: sa.Dialect, bind_types: dict[str, Any] | None = None) -> str:
    """Return ``sql_text`` compiled by SQLAlchemy for ``dialect``, the zone table written in.

    The binds are the ones SQLAlchemy's ``text()`` finds (``::type`` casts are not binds);
    ``bind_types`` may give some a type, whose bind expression (``EwkbGeometry``) is rendered.
    """
    types = bind_types or {}
    constants = zone_binds()
    names = sa.text(sql_text).compile(dialect=dialect).params
    binds = [
        constants[name]
        if name in constants
        else sa.bindparam(name, type_=types.get(name), required=False)
        for name in names
    ]
    clause = sa.text(sql_text).bindparams(*binds)
    compiled = clause.compile(dialect=dialect, compile_kwargs={"render_postcompile": True})
    return compiled.string


def as_of_text(sql_text: str) -> str:
    """Return ``sql_text`` reading each versioned table as recorded at ``:recorded_at``.

    ``FROM sites AS s`` becomes ``FROM sites_as_of(CAST(:recorded_at AS timestamptz)) AS s``
    (an unaliased table keeps its name as alias), so the rest of the query is untouched and
    the time is a bind: never a value written into the text, and a statement of its own for
    prepared plans (a view shadowing the table would be invisible to them).
    """

    def replace(match: re.Match[str]) -> str:
        table = match["table"]
        source = f"{match['keyword']} {table}_as_of(CAST(:{RECORDED_AT} AS timestamptz))"
        return source + (match["alias"] or f" AS {table}")

    return _TABLE_REFERENCE.sub(replace, sql_text)


@cache
def load(name: str, recorded: bool = False) -> str:
    """Return the text of ``<name>.sql`` beside this module, the zone table written in.

    ``recorded`` gives its variant that reads the registry at ``:recorded_at`` (``as_of_text``).
    """
    sql_text = (_HERE / f"{name}.sql").read_text(encoding="utf-8")
    return render(as_of_text(sql_text) if recorded else sql_text, _NAMED_DIALECT)


def statement(name: str, *, recorded: bool = False, **bind_types: Any) -> sa.TextClause:
    """Return ``<name>.sql`` as a text clause with the given bind types, built once per shape.

    ``recorded`` gives the variant that reads the registry at the ``recorded_at`` bind.
    """
    if recorded:
        bind_types[RECORDED_AT] = sa.DateTime(timezone=True)
    ordered = tuple(sorted(bind_types.items(), key=lambda item: item[0]))
    return _statement(name, ordered, recorded)


def recorded_params(params: dict[str, Any], recorded_at: datetime | None) -> dict[str, Any]:
    """Return ``params`` with the recorded time of an ``as_of`` statement, when there is one."""
    return params if recorded_at is None else {**params, RECORDED_AT: recorded_at}


@cache
def _statement(
    name: str, bind_types: tuple[tuple[str, Any], ...], recorded: bool = False
) -> sa.TextClause:
    # Parsing the SQL and typing its binds cost about as much CPU as PostgreSQL needs for a
    # proposal check (bench/README.md), so each (file, bind types) pair is built once.
    clause = sa.text(load(name, recorded))
    if bind_types:
        clause = clause.bindparams(*(sa.bindparam(key, type_=value) for key, value in bind_types))
    return clause


def driver_sql(sql_text: str, geometry_binds: tuple[str, ...] = ()) -> str:
    """Return SQL in psycopg's ``%(name)s`` bind style, compiled by SQLAlchemy (``render``).

    Geometry binds read EWKB bytes (``ewkb_bind``, ``EwkbGeometry``); literal ``%`` is doubled.
    Whole-line ``--`` comments are dropped: they are for readers, and psycopg caches the parsing
    of a query only up to 4 096 characters. For the hottest statements (a proposal check), run
    on psycopg's cursor: no SQLAlchemy compilation per call and no GeoAlchemy2 WKB -> WKT ->
    EWKT bind processing, about 0.8 ms of CPU per statement (bench/README.md).
    """
    lines = (line for line in sql_text.splitlines() if line.strip())
    code = "\n".join(line for line in lines if not line.lstrip().startswith("--"))
    return render(code, PSYCOPG_DIALECT, dict.fromkeys(geometry_binds, EwkbGeometry()))


@cache
def driver_statement(
    name: str, geometry_binds: tuple[str, ...] = ("geom",), recorded: bool = False
) -> str:
    """Return ``<name>.sql`` in psycopg bind style (``driver_sql``), built once per variant."""
    return driver_sql(load(name, recorded), geometry_binds)


def fetch_driver(conn: sa.Connection, name: str, params: dict[str, Any]) -> list[tuple[Any, ...]]:
    """Run ``<name>.sql`` (``driver_statement``) prepared on ``conn`` (``fetch_prepared``)."""
    return fetch_prepared(conn, driver_statement(name), params)


def ewkb_bind(geom: BaseGeometry) -> bytes:
    """Return an EPSG:4326 geometry as EWKB bytes, for a ``driver_sql`` geometry bind."""
    return bytes(shapely.to_wkb(shapely.set_srid(geom, 4326), include_srid=True))


def geometry_bind(geom: BaseGeometry) -> Any:
    """Return an EPSG:4326 geometry bind value."""
    return from_shape(geom, srid=4326)
