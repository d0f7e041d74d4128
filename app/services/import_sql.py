"""The SQL of an import: stage the file's rows, sort each into its fate, apply them set-based.

Python only reads the file and sends its rows with ``COPY`` into a temporary table; everything
else is set-based SQL in PostGIS: validity (``ST_IsValidDetail``, with the location), the extent
of Vietnam, duplicate keys, the values each layer requires, the comparison with the dataset's
current rows, and the one ``INSERT``, ``UPDATE`` and ``DELETE`` that apply them. The registry's
statement triggers keep every replaced or removed version and write the change feed, so an
import is history like any other write, and the earlier state stays answerable through
``as_of``.

Each layer is a :class:`Target`: its table and the mapped fields that have columns of their own
(the other mapped fields go to ``attributes``). The statements are built from it with fixed
identifiers, never from a file's or a user's text.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from typing import Final

from app.models.enums import AdminLevel, ForestCategory, ForestOrigin


@dataclass(frozen=True)
class Column:
    """A mapped field with a column of its own; ``allowed`` values, if the column has a list."""

    name: str
    required: bool = False
    allowed: tuple[str, ...] | None = None


@dataclass(frozen=True)
class Target:
    """A layer the importer writes: its table, columns, and values fixed for imported rows."""

    layer: str
    table: str
    columns: tuple[Column, ...]
    fixed: tuple[tuple[str, str], ...] = ()  # (column, SQL value) of every imported row

    @property
    def column_names(self) -> frozenset[str]:
        """Return the mapped fields that have columns (the rest go to ``attributes``)."""
        return frozenset(column.name for column in self.columns)


TARGETS: Final = {
    "forest": Target(
        "forest",
        "forest_parcels",
        (
            Column("category", True, tuple(item.value for item in ForestCategory)),
            Column("origin", True, tuple(item.value for item in ForestOrigin)),
        ),
        (("synthetic", "false"),),
    ),
    "protected_areas": Target(
        "protected_areas",
        "protected_areas",
        (Column("name", True), Column("designation"), Column("legal_basis"), Column("stated_area")),
        (("use_for_overlap_analysis", "true"),),
    ),
    "admin_units": Target(
        "admin_units",
        "admin_units",
        (
            Column("level", True, tuple(item.value for item in AdminLevel)),
            Column("name", True),
            Column("province"),
        ),
    ),
}
"""The layers the importer writes."""

STAGE: Final = """
CREATE TEMP TABLE import_rows (
    row_no integer NOT NULL,
    key text,
    vals jsonb NOT NULL,
    attrs jsonb,
    source_codes jsonb,
    skipped text,
    problems text[] NOT NULL,
    wkb bytea
) ON COMMIT DROP
"""
COPY_ROWS: Final = (
    "COPY import_rows (row_no, key, vals, attrs, source_codes, skipped, problems, wkb) "
    "FROM STDIN (FORMAT BINARY)"
)
COPY_TYPES: Final = ("int4", "text", "jsonb", "jsonb", "jsonb", "text", "text[]", "bytea")


def _missing(column: Column) -> str:
    """Return the SQL condition of a row whose value of ``column`` is unusable."""
    value = f"vals->>'{column.name}'"
    conditions = []
    if column.required:
        conditions.append(f"coalesce({value}, '') = ''")
    if column.allowed is not None:
        conditions.append(f"({value} IS NOT NULL AND NOT {value} = ANY(%(allowed_{column.name})s))")
    return " OR ".join(conditions)


def _missing_reason(column: Column) -> str:
    condition = _missing(column)
    if not condition:
        return ""
    return (
        f"        WHEN {condition}\n"
        f"            THEN format('no usable {column.name} (mapped %%L)', vals->>'{column.name}')\n"
    )


@cache
def classify(target: Target) -> str:
    """Return the statement that sorts every staged row into its fate, with the reason.

    A rejected row whose key is in the dataset keeps the dataset's row (never removed because
    of a bad row). A mapping that keeps no source codes (or names no descriptive fields), such
    as the one reading sitereg's own exports, leaves those of the stored rows as they are.
    """
    stored = ", ".join(f"f.{c.name} AS f_{c.name}" for c in target.columns)
    missing = " OR ".join(f"({_missing(c)})" for c in target.columns if _missing(c)) or "false"
    same = " AND ".join(
        f"f_{c.name} IS NOT DISTINCT FROM vals->>'{c.name}'" for c in target.columns
    )
    reasons = "".join(_missing_reason(c) for c in target.columns)
    return f"""
CREATE TEMP TABLE import_report ON COMMIT DROP AS
WITH rows AS (
    SELECT r.row_no, r.key, r.vals, r.attrs, r.source_codes, r.skipped, r.problems,
           CASE WHEN r.wkb IS NOT NULL THEN ST_Multi(ST_GeomFromWKB(r.wkb, 4326)) END AS geom,
           row_number() OVER (PARTITION BY r.key ORDER BY r.row_no) AS nth,
           min(r.row_no) OVER (PARTITION BY r.key) AS first_row
    FROM import_rows r
), checked AS (
    SELECT rows.*,
           CASE WHEN rows.geom IS NOT NULL AND GeometryType(rows.geom) = 'MULTIPOLYGON'
                THEN ST_IsValidDetail(rows.geom) END AS d,
           f.id AS row_id, f.dataset AS found_dataset, {stored},
           f.source_codes AS f_codes, f.attributes AS f_attrs, f.geom AS f_geom
    FROM rows LEFT JOIN {target.table} f ON f.code = rows.key
)
SELECT row_no, key, vals, attrs, source_codes, geom, row_id,
    CASE
        WHEN skipped IS NOT NULL THEN 'skipped'
        WHEN cardinality(problems) > 0 OR key IS NULL OR geom IS NULL
             OR GeometryType(geom) <> 'MULTIPOLYGON' OR NOT (d).valid
             OR NOT geom @ ST_MakeEnvelope(%(west)s, %(south)s, %(east)s, %(north)s, 4326)
             OR nth > 1 OR (row_id IS NOT NULL AND found_dataset IS DISTINCT FROM %(dataset)s)
             OR length(key) > 64 OR {missing} THEN 'rejected'
        WHEN row_id IS NULL THEN 'created'
        WHEN {same}
             AND (NOT %(compare_codes)s OR f_codes IS NOT DISTINCT FROM source_codes)
             AND (NOT %(compare_attrs)s OR f_attrs IS NOT DISTINCT FROM attrs)
             AND (ST_OrderingEquals(f_geom, geom)
                  OR ST_HausdorffDistance(f_geom, geom) < %(precision)s) THEN 'unchanged'
        ELSE 'updated'
    END AS status,
    CASE
        WHEN skipped IS NOT NULL THEN skipped
        WHEN cardinality(problems) > 0 THEN array_to_string(problems, '; ')
        WHEN key IS NULL THEN 'no key: the key columns are empty'
        WHEN geom IS NULL THEN 'no geometry'
        WHEN GeometryType(geom) <> 'MULTIPOLYGON'
            THEN 'not a polygon: ' || lower(GeometryType(geom))
        WHEN NOT (d).valid THEN format('invalid geometry: %%s at (%%s, %%s)', (d).reason,
            round(ST_X((d).location)::numeric, 6), round(ST_Y((d).location)::numeric, 6))
        WHEN NOT geom @ ST_MakeEnvelope(%(west)s, %(south)s, %(east)s, %(north)s, 4326)
            THEN format('outside Vietnam: extent %%s', ST_AsText(ST_Envelope(geom), 5))
        WHEN nth > 1 THEN format('duplicate key: also at row %%s', first_row)
        WHEN row_id IS NOT NULL AND found_dataset IS DISTINCT FROM %(dataset)s
            THEN format('key taken by %%s', coalesce(
                'dataset ' || quote_literal(found_dataset), 'a row outside imports'))
        WHEN length(key) > 64 THEN 'key longer than 64 characters'
{reasons}    END AS reason
FROM checked
"""  # noqa: S608 (identifiers from TARGETS, fixed in code)


@cache
def removed(target: Target) -> str:
    """Return the statement adding the dataset's rows that are no longer in the file.

    Rows now skipped (e.g. no longer forest) are removed too, saying why.
    """
    return f"""
INSERT INTO import_report (row_no, key, row_id, status, reason)
SELECT NULL, f.code, f.id, 'removed',
       coalesce('the file now says: ' || r.reason, 'in the dataset, not in the file')
FROM {target.table} f
LEFT JOIN import_report r ON r.key = f.code AND r.status = 'skipped'
WHERE f.dataset = %(dataset)s
  AND NOT EXISTS (SELECT 1 FROM import_report k WHERE k.key = f.code AND k.status <> 'skipped')
"""  # noqa: S608 (identifiers from TARGETS, fixed in code)


COUNTS: Final = "SELECT status, count(*) FROM import_report GROUP BY status"
REPORT: Final = """
COPY (SELECT row_no, key, status, reason FROM import_report
      ORDER BY row_no NULLS LAST, key) TO STDOUT (FORMAT CSV, HEADER)
"""
NOTABLE: Final = """
SELECT row_no, key, status, reason FROM import_report
WHERE status NOT IN ('created', 'updated', 'unchanged')
ORDER BY row_no NULLS LAST, key LIMIT %(limit)s
"""


def lock(target: Target) -> str:
    """Return the lock that makes other writes of the layer wait while an import applies."""
    return f"LOCK TABLE {target.table} IN SHARE ROW EXCLUSIVE MODE"


@cache
def insert(target: Target) -> str:
    """Return the INSERT of the created rows."""
    names = [c.name for c in target.columns]
    columns = ", ".join([*names, *(name for name, _ in target.fixed)])
    values = ", ".join([f"vals->>'{name}'" for name in names] + [v for _, v in target.fixed])
    return f"""
INSERT INTO {target.table} (code, dataset, licence, geometry_source, provenance, geom,
                            source_codes, attributes, import_id, {columns})
SELECT key, %(dataset)s, %(licence)s, %(geometry_source)s, %(provenance)s, geom, source_codes,
       attrs, %(import_id)s, {values}
FROM import_report WHERE status = 'created'
"""  # noqa: S608 (identifiers from TARGETS, fixed in code)


@cache
def update(target: Target) -> str:
    """Return the UPDATE of the changed rows (codes and attributes kept when not mapped)."""
    sets = ", ".join(f"{c.name} = r.vals->>'{c.name}'" for c in target.columns)
    return f"""
UPDATE {target.table} f
SET {sets}, geom = r.geom,
    source_codes = CASE WHEN %(compare_codes)s THEN r.source_codes ELSE f.source_codes END,
    attributes = CASE WHEN %(compare_attrs)s THEN r.attrs ELSE f.attributes END,
    licence = %(licence)s,
    geometry_source = %(geometry_source)s, provenance = %(provenance)s, import_id = %(import_id)s
FROM import_report r WHERE r.status = 'updated' AND f.id = r.row_id
"""  # noqa: S608 (identifiers from TARGETS, fixed in code)


def delete(target: Target) -> str:
    """Return the DELETE of the removed rows (their versions stay in the history)."""
    return f"""
DELETE FROM {target.table} f USING import_report r
WHERE r.status = 'removed' AND f.id = r.row_id
"""  # noqa: S608 (identifiers from TARGETS, fixed in code)


RECORD: Final = """
INSERT INTO imports (layer, dataset, file_name, sha256, file_format, mapping, encoding,
                     encoding_reason, srid, crs_reason, actor, actor_id, decision_id, reason,
                     committed, counts, started_at)
VALUES (%(layer)s, %(dataset)s, %(file_name)s, %(sha256)s, %(file_format)s, %(mapping)s,
        %(encoding)s, %(encoding_reason)s, %(srid)s, %(crs_reason)s, %(actor)s, %(actor_id)s,
        %(decision_id)s, %(reason)s, %(committed)s, %(counts)s, %(started_at)s)
RETURNING id
"""
