"""Load analysis SQL files once and run them with typed binds."""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path
from typing import Any, Final

import shapely
import sqlalchemy as sa
from geoalchemy2 import Geometry
from geoalchemy2.shape import from_shape
from shapely.geometry.base import BaseGeometry
from sqlalchemy.dialects.postgresql import ARRAY

from spatial.analysis.prepared import fetch_prepared
from spatial.crs import PROVINCE_ZONES

_HERE = Path(__file__).parent
GEOMETRY_4326 = Geometry(srid=4326)
_BIND: Final = re.compile(r"(?<![:\w]):([a-z_][a-z0-9_]*)")
"""A ``:name`` bind; ``::type`` casts are not binds."""


@cache
def load(name: str) -> str:
    """Return the text of ``<name>.sql`` beside this module, the constant tables written in.

    ``:zone_provinces`` and ``:zone_srids`` (the province → TM-3 zone table of ``spatial.crs``)
    become SQL array constants (``zone_constants``): the table never changes while the server
    runs, and as list binds psycopg dumped it element by element on every call (about 70 µs of
    CPU per proposal check, bench/README.md).
    """
    text = (_HERE / f"{name}.sql").read_text(encoding="utf-8")
    constants = zone_constants()

    def constant(match: re.Match[str]) -> str:
        return constants.get(match.group(1), match.group(0))

    return _BIND.sub(constant, text)


def statement(name: str, **bind_types: Any) -> sa.TextClause:
    """Return ``<name>.sql`` as a text clause with the given bind types, built once per shape."""
    return _statement(name, tuple(sorted(bind_types.items(), key=lambda item: item[0])))


@cache
def _statement(name: str, bind_types: tuple[tuple[str, Any], ...]) -> sa.TextClause:
    # Parsing the SQL and typing its binds cost about as much CPU as PostgreSQL needs for a
    # proposal check (bench/README.md), so each (file, bind types) pair is built once.
    clause = sa.text(load(name))
    if bind_types:
        clause = clause.bindparams(*(sa.bindparam(key, type_=value) for key, value in bind_types))
    return clause


def driver_sql(sql_text: str, geometry_binds: tuple[str, ...] = ()) -> str:
    """Return SQL with ``:name`` binds rewritten in psycopg's ``%(name)s`` style.

    Geometry binds read EWKB bytes (``ewkb_bind``), sent in binary; literal ``%`` is doubled.
    Whole-line ``--`` comments are dropped: they are for readers, and psycopg caches the parsing
    of a query only up to 4 096 characters. For the hottest statements (a proposal check), run
    through ``fetch_driver``: no SQLAlchemy text compilation and no GeoAlchemy2 WKB -> WKT ->
    EWKT bind processing, about 0.8 ms of CPU per statement (bench/README.md).
    """
    lines = (line for line in sql_text.splitlines() if line.strip())
    code = "\n".join(line for line in lines if not line.lstrip().startswith("--"))

    def bind(match: re.Match[str]) -> str:
        name = match.group(1)
        if name in geometry_binds:
            return f"ST_GeomFromEWKB(%({name})b)"
        return f"%({name})s"

    return _BIND.sub(bind, code.replace("%", "%%"))


@cache
def driver_statement(name: str, geometry_binds: tuple[str, ...] = ("geom",)) -> str:
    """Return ``<name>.sql`` in psycopg bind style (``driver_sql``), built once."""
    return driver_sql(load(name), geometry_binds)


def fetch_driver(conn: sa.Connection, name: str, params: dict[str, Any]) -> list[tuple[Any, ...]]:
    """Run ``<name>.sql`` (``driver_statement``) prepared on ``conn`` (``fetch_prepared``)."""
    return fetch_prepared(conn, driver_statement(name), params)


def ewkb_bind(geom: BaseGeometry) -> bytes:
    """Return an EPSG:4326 geometry as EWKB bytes, for a ``driver_sql`` geometry bind."""
    return bytes(shapely.to_wkb(shapely.set_srid(geom, 4326), include_srid=True))


def geometry_bind(geom: BaseGeometry) -> Any:
    """Return an EPSG:4326 geometry bind value."""
    return from_shape(geom, srid=4326)


def _text_literal(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def zone_constants() -> dict[str, str]:
    """Return the province → VN-2000 TM-3 zone table as SQL array constants (``load``)."""
    provinces = ", ".join(_text_literal(name) for name in PROVINCE_ZONES)
    srids = ", ".join(str(int(srid)) for srid in PROVINCE_ZONES.values())
    return {"zone_provinces": f"ARRAY[{provinces}]", "zone_srids": f"ARRAY[{srids}]"}


TEXT_ARRAY = ARRAY(sa.Text)
