"""Load analysis SQL files once and run them with typed binds."""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from geoalchemy2 import Geometry
from geoalchemy2.shape import from_shape
from shapely.geometry.base import BaseGeometry
from sqlalchemy.dialects.postgresql import ARRAY

from spatial.crs import PROVINCE_ZONES

_HERE = Path(__file__).parent
GEOMETRY_4326 = Geometry(srid=4326)


@cache
def load(name: str) -> str:
    """Return the text of ``<name>.sql`` beside this module."""
    return (_HERE / f"{name}.sql").read_text(encoding="utf-8")


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


def geometry_bind(geom: BaseGeometry) -> Any:
    """Return an EPSG:4326 geometry bind value."""
    return from_shape(geom, srid=4326)


def zone_binds() -> dict[str, Any]:
    """Return the province → VN-2000 TM-3 zone table as two parallel array binds."""
    return {
        "zone_provinces": list(PROVINCE_ZONES),
        "zone_srids": list(PROVINCE_ZONES.values()),
    }


TEXT_ARRAY = ARRAY(sa.Text)
INT_ARRAY = ARRAY(sa.Integer)
ZONE_TYPES = {"zone_provinces": TEXT_ARRAY, "zone_srids": INT_ARRAY}
