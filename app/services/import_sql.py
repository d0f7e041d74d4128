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
from enum import StrEnum
from functools import cache
from typing import Final, Literal

from app.models.enums import (
    AdminLevel,
    ClearanceStatus,
    ForestCategory,
    ForestOrigin,
    InfrastructureKind,
    InfrastructureStatus,
    SiteKind,
    SiteStatus,
)

ColumnKind = Literal["text", "number", "date", "site"]


@dataclass(frozen=True)
class Column:
    """A mapped field with a column of its own; ``allowed`` values, if the column has a list.

    ``kind`` says how the mapped text becomes the column's value: as it is, as a number, as a
    date (ISO ``2026-03-31`` or the Vietnamese ``31/03/2026``), or as the id of the site whose
    code it is. A value that cannot be converted rejects its row, saying why. ``column`` is the
    table's column when it is not the field's name (``site`` → ``site_id``).
    """

    name: str
    required: bool = False
    allowed: tuple[str, ...] | None = None
    kind: ColumnKind = "text"
    column: str | None = None

    @property
    def db_column(self) -> str:
        """Return the table's column that holds the field."""
        return self.column or self.name

    @property
    def value(self) -> str:
        """Return the SQL expression of the field's value in the staged row (``vals``)."""
        text = f"vals->>'{self.name}'"
        return {
            "text": text,
            "number": f"({text})::numeric",
            "date": f"pg_temp.sitereg_date({text})",
            "site": f"(SELECT s.id FROM sites s WHERE s.code = {text})",  # noqa: S608 (fixed)
        }[self.kind]


@dataclass(frozen=True)
class Target:
    """A layer the importer writes: its table, columns, and values fixed for imported rows.

    ``geometry_types`` are the (multi) geometry types the layer takes; only polygons are checked
    for validity and measured. ``licence`` says whether the table records a licence;
    ``province_check`` flags outlines not inside the province they state; ``after`` statements
    run once the rows are written (for example the clearance status history). ``measures`` are
    the stored measures the ``INSERT`` computes set-based, which the table's trigger would
    otherwise compute row by row (migration 0034).
    """

    layer: str
    table: str
    columns: tuple[Column, ...]
    fixed: tuple[tuple[str, str], ...] = ()  # (column, SQL value) of every imported row
    geometry_types: tuple[str, ...] = ("MULTIPOLYGON",)
    licence: bool = True
    province_check: bool = False
    after: tuple[str, ...] = ()
    synthetic: bool = False
    measures: tuple[tuple[str, str], ...] = ()  # (column, SQL of the stored measure of geom)

    @property
    def meta(self) -> tuple[str, ...]:
        """Return how-known fields a mapping may give per row (else the import's own values)."""
        names = ["provenance", "geometry_source"]
        names += ["licence"] if self.licence else []
        names += ["synthetic"] if self.synthetic else []
        return tuple(names)

    @property
    def column_names(self) -> frozenset[str]:
        """Return the mapped fields that have columns (the rest go to ``attributes``)."""
        return frozenset(column.name for column in self.columns) | frozenset(self.meta)


BOOLEAN: Final = "^(true|false|t|f|yes|no|1|0)$"
_META_VALUE: Final = {
    "provenance": "coalesce(nullif(vals->>'provenance', ''), %(provenance)s)",
    "geometry_source": "coalesce(nullif(vals->>'geometry_source', ''), %(geometry_source)s)",
    "licence": "coalesce(nullif(vals->>'licence', ''), %(licence)s)",
    "synthetic": "coalesce(lower(nullif(vals->>'synthetic', ''))::boolean, %(synthetic)s)",
}
"""A row's how-known value: the mapped one, else the import's."""
_META_MAPPED: Final = {
    "provenance": "vals->>'provenance'",
    "geometry_source": "vals->>'geometry_source'",
    "licence": "vals->>'licence'",
    "synthetic": "lower(vals->>'synthetic')::boolean",
}
_META_UNUSABLE: Final = {
    "geometry_source": (
        "(coalesce(vals->>'geometry_source', '') <> '' AND NOT vals->>'geometry_source' = ANY("
        "ARRAY['surveyed', 'digitized', 'indicative']))",
        "geometry_source %%L is not surveyed, digitized or indicative",
    ),
    "synthetic": (
        f"(coalesce(vals->>'synthetic', '') <> '' AND NOT lower(vals->>'synthetic') ~ '{BOOLEAN}')",
        "synthetic %%L is not true or false",
    ),
}


def _meta_same(target: Target) -> str:
    """Return the condition that every mapped how-known field equals the stored one."""
    return " AND ".join(
        f"(coalesce(vals->>'{name}', '') = '' "
        f"OR f_{name} IS NOT DISTINCT FROM {_META_MAPPED[name]})"
        for name in target.meta
    )


def _values(enum: type[StrEnum]) -> tuple[str, ...]:
    return tuple(item.value for item in enum)


CLEARANCE_HISTORY: Final = """
INSERT INTO clearance_status_history (parcel_id, status, status_date)
SELECT id, status, status_date FROM clearance_parcels WHERE import_id = %(import_id)s
ON CONFLICT DO NOTHING
"""
"""Every imported parcel's status of its date joins its history (the progress reports read it)."""
ADMIN_LABEL_POINTS: Final = """
UPDATE admin_units SET label_point = ST_PointOnSurface(geom)
WHERE import_id = %(import_id)s AND geom IS NOT NULL
  AND label_point IS DISTINCT FROM ST_PointOnSurface(geom)
"""
"""Every imported outline gets its label point (the commune and nearby answers read it)."""

AREA_HA: Final = "area_ha(geom)"
TILE_CLEARANCE_DEG: Final = "ST_MinimumClearance(geom)"
"""``tile_clearance_deg(geom)`` of a valid geometry: the classification rejected every other."""

TARGETS: Final = {
    "forest": Target(
        "forest",
        "forest_parcels",
        (
            Column("category", True, _values(ForestCategory)),
            Column("origin", True, _values(ForestOrigin)),
        ),
        synthetic=True,
        measures=(("area_ha", AREA_HA), ("tile_clearance_deg", TILE_CLEARANCE_DEG)),
    ),
    "sites": Target(
        "sites",
        "sites",
        (
            Column("name", True),
            Column("kind", True, _values(SiteKind)),
            Column("status", True, _values(SiteStatus)),
            Column("province", True),
            Column("managing_agency"),
            Column("legal_decision_number"),
            Column("legal_decision_date", kind="date"),
            Column("legal_issuer"),
            Column("planned_area_ha", kind="number"),
        ),
        licence=False,
        province_check=True,
    ),
    "clearance_parcels": Target(
        "clearance_parcels",
        "clearance_parcels",
        (
            Column("site", True, kind="site", column="site_id"),
            Column("status", True, _values(ClearanceStatus)),
            Column("status_date", True, kind="date"),
            Column("owner_name"),
            Column("owner_id_number"),
            Column("compensation_vnd", kind="number"),
        ),
        licence=False,
        synthetic=True,
        after=(CLEARANCE_HISTORY,),
        measures=(("area_ha", AREA_HA),),
    ),
    "infrastructure": Target(
        "infrastructure",
        "infrastructure",
        (
            Column("name", True),
            Column("kind", True, _values(InfrastructureKind)),
            Column("status", True, _values(InfrastructureStatus)),
            Column("site", kind="site", column="site_id"),
            Column("stated_length_km", kind="number"),
            Column("legal_basis"),
            Column("note"),
            Column("capital_state_budget_bn_vnd", kind="number"),
            Column("capital_enterprise_bn_vnd", kind="number"),
        ),
        geometry_types=("MULTILINESTRING", "MULTIPOLYGON"),
        licence=False,
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
            Column("level", True, _values(AdminLevel)),
            Column("name", True),
            Column("province"),
            Column("qa_flags"),
        ),
        after=(ADMIN_LABEL_POINTS,),
    ),
}
"""The layers the importer writes."""

DATE_FUNCTION: Final = r"""
CREATE OR REPLACE FUNCTION pg_temp.sitereg_date(value text) RETURNS date
LANGUAGE plpgsql IMMUTABLE AS $$
BEGIN
    IF value ~ '^\s*\d{4}-\d{1,2}-\d{1,2}(T.*)?\s*$' THEN
        RETURN to_date(substring(value FROM '\d{4}-\d{1,2}-\d{1,2}'), 'YYYY-MM-DD');
    ELSIF value ~ '^\s*\d{1,2}/\d{1,2}/\d{4}\s*$' THEN
        RETURN to_date(trim(value), 'DD/MM/YYYY');
    END IF;
    RETURN NULL;
EXCEPTION WHEN others THEN
    RETURN NULL;  -- 31/02/2026 and the like: not a date
END $$
"""
"""A date from ISO (``2026-03-31``) or Vietnamese (``31/03/2026``) text, NULL when it is none."""
DROP_DATE_FUNCTION: Final = "DROP FUNCTION pg_temp.sitereg_date(text)"

STAGE: Final = """
CREATE TEMP TABLE import_rows (
    row_no integer NOT NULL,
    key text,
    vals jsonb NOT NULL,
    source_codes jsonb,
    skipped text,
    problems text[] NOT NULL,
    wkb bytea
) ON COMMIT DROP
"""
COPY_ROWS: Final = (
    "COPY import_rows (row_no, key, vals, source_codes, skipped, problems, wkb) "
    "FROM STDIN (FORMAT BINARY)"
)
COPY_TYPES: Final = ("int4", "text", "jsonb", "jsonb", "text", "text[]", "bytea")


NUMBER: Final = r"^\s*[-+]?[0-9]+(\.[0-9]+)?([eE][-+]?[0-9]+)?\s*$"
"""A number as text: a point for decimals, no thousands separators."""
_UNUSABLE: Final = {
    "number": "NOT {text} ~ '" + NUMBER + "'",
    "date": "pg_temp.sitereg_date({text}) IS NULL",
    "site": "NOT EXISTS (SELECT 1 FROM sites s WHERE s.code = {text})",
}
_KIND_WORDS: Final = {"number": "number", "date": "date", "site": "site code"}


def _conditions(column: Column) -> list[tuple[str, str]]:
    """Return (SQL condition, reason format) of each way ``column``'s value is unusable."""
    text = f"vals->>'{column.name}'"
    found = []
    if column.required:
        found.append((f"coalesce({text}, '') = ''", f"no usable {column.name} (mapped %%L)"))
    if column.allowed is not None:
        found.append(
            (
                f"({text} IS NOT NULL AND NOT {text} = ANY(%(allowed_{column.name})s))",
                f"no usable {column.name} (mapped %%L)",
            )
        )
    if column.kind in _UNUSABLE:
        condition = _UNUSABLE[column.kind].format(text=text)
        found.append(
            (
                f"(coalesce({text}, '') <> '' AND {condition})",
                f"{column.name} %%L is not a known {_KIND_WORDS[column.kind]}",
            )
        )
    return found


def _missing(target: Target) -> str:
    """Return the SQL condition of a row with a value it cannot use."""
    found = [f"({condition})" for c in target.columns for condition, _ in _conditions(c)]
    return " OR ".join(found) or "false"


def _missing_reasons(target: Target) -> str:
    return "".join(
        f"        WHEN {condition}\n            THEN format('{reason}', vals->>'{c.name}')\n"
        for c in target.columns
        for condition, reason in _conditions(c)
    )


def _geometry(target: Target) -> tuple[str, str]:
    """Return the SQL list of the geometry types the layer takes, and their names in words."""
    types = ", ".join(f"'{name}'" for name in target.geometry_types)
    words = " or ".join(name.lower().removeprefix("multi") for name in target.geometry_types)
    return types, words


def _own(target: Target) -> str:
    """Return the SQL array of the mapped fields with columns (the rest are ``attributes``)."""
    return "ARRAY[" + ", ".join(f"'{name}'" for name in sorted(target.column_names)) + "]"


@cache
def classify(target: Target) -> str:
    """Return the statement that sorts every staged row into its fate, with the reason.

    A rejected row whose key is in the dataset keeps the dataset's row (never removed because
    of a bad row). A mapping that keeps no source codes (or names no descriptive fields), such
    as the one reading sitereg's own exports, leaves those of the stored rows as they are.
    """
    stored = ", ".join(
        [f"f.{c.db_column} AS f_{c.name}" for c in target.columns]
        + [f"f.{name} AS f_{name}" for name in target.meta]
    )
    same = " AND ".join(
        [f"f_{c.name} IS NOT DISTINCT FROM {c.value}" for c in target.columns]
        + [_meta_same(target)]
    )
    types, words = _geometry(target)
    takes = f"GeometryType(geom) IN ({types})"
    return f"""
CREATE TEMP TABLE import_report ON COMMIT DROP AS
WITH rows AS (
    SELECT r.row_no, r.key, r.vals, nullif(r.vals - {_own(target)}, '{{}}') AS attrs,
           r.source_codes, r.skipped, r.problems,
           -- A skipped row (not forest, ...) is only reported: no geometry to read or check.
           CASE WHEN r.wkb IS NOT NULL AND r.skipped IS NULL
                THEN ST_Multi(ST_GeomFromWKB(r.wkb, 4326)) END AS geom,
           r.row_no > k.first_row AS repeated,
           k.first_row
    FROM import_rows r
    -- The first row of each key, found from the keys alone (no sort of the whole rows).
    LEFT JOIN (SELECT key, min(row_no) AS first_row FROM import_rows GROUP BY key) k
        ON k.key = r.key
), checked AS (
    SELECT rows.*,
           CASE WHEN rows.geom IS NOT NULL AND GeometryType(rows.geom) IN ({types})
                THEN ST_IsValidDetail(rows.geom) END AS d,
           f.id AS row_id, f.dataset AS found_dataset, {stored},
           f.source_codes AS f_codes, f.attributes AS f_attrs, f.geom AS f_geom
    FROM rows LEFT JOIN {target.table} f ON f.code = rows.key
)
SELECT row_no, key, vals, attrs, source_codes, geom, row_id,
    CASE
        WHEN skipped IS NOT NULL THEN 'skipped'
        WHEN cardinality(problems) > 0 OR key IS NULL OR geom IS NULL
             OR NOT {takes} OR NOT (d).valid
             OR NOT geom @ ST_MakeEnvelope(%(west)s, %(south)s, %(east)s, %(north)s, 4326)
             OR repeated OR (row_id IS NOT NULL AND found_dataset IS DISTINCT FROM %(dataset)s)
             OR length(key) > 64 OR {_missing(target)} THEN 'rejected'
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
        WHEN NOT {takes}
            THEN 'not a {words}: ' || lower(GeometryType(geom))
        WHEN NOT (d).valid THEN format('invalid geometry: %%s at (%%s, %%s)', (d).reason,
            round(ST_X((d).location)::numeric, 6), round(ST_Y((d).location)::numeric, 6))
        WHEN NOT geom @ ST_MakeEnvelope(%(west)s, %(south)s, %(east)s, %(north)s, 4326)
            THEN format('outside Vietnam: extent %%s', ST_AsText(ST_Envelope(geom), 5))
        WHEN repeated THEN format('duplicate key: also at row %%s', first_row)
        WHEN row_id IS NOT NULL AND found_dataset IS DISTINCT FROM %(dataset)s
            THEN format('key taken by %%s', coalesce(
                'dataset ' || quote_literal(found_dataset), 'a row outside imports'))
        WHEN length(key) > 64 THEN 'key longer than 64 characters'
{_missing_reasons(target)}    END AS reason
FROM checked
"""  # noqa: S608 (identifiers from TARGETS, fixed in code)


FLAG_PROVINCE: Final = """
UPDATE import_report r
SET reason = CASE
    WHEN NOT EXISTS (SELECT 1 FROM admin_units a WHERE a.level = 'province_2025'
                     AND a.name = r.vals->>'province' AND a.geom IS NOT NULL)
        THEN format('accepted, flagged: the registry has no outline of %%s, the location was '
                    'not checked', r.vals->>'province')
    ELSE format('accepted, flagged: the outline is not inside %%s, the province stated',
                r.vals->>'province')
    END
WHERE r.status IN ('created', 'updated')
  AND NOT coalesce((
      SELECT ST_CoveredBy(r.geom, ST_Union(p.geom))
      FROM admin_unit_pieces p JOIN admin_units a ON a.id = p.unit_id
      WHERE a.level = 'province_2025' AND a.name = r.vals->>'province' AND p.geom && r.geom),
      false)
"""
"""Flag (never refuse) a site whose outline is not inside the province it states."""


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


COUNTS: Final = """
SELECT status, count(*) FROM import_report GROUP BY status
UNION ALL
SELECT 'flagged', count(*) FROM import_report
WHERE status IN ('created', 'updated') AND reason IS NOT NULL HAVING count(*) > 0
"""
"""Rows per status, and the created or updated rows that carry a flag (counted twice)."""
REPORT: Final = """
COPY (SELECT row_no, key, status, reason FROM import_report
      ORDER BY row_no NULLS LAST, key) TO STDOUT (FORMAT CSV, HEADER)
"""
NOTABLE: Final = """
SELECT row_no, key, status, reason FROM import_report
WHERE status NOT IN ('created', 'updated', 'unchanged') OR reason IS NOT NULL
ORDER BY row_no NULLS LAST, key LIMIT %(limit)s
"""


def lock(target: Target) -> str:
    """Return the lock that makes other writes of the layer wait while an import applies."""
    return f"LOCK TABLE {target.table} IN SHARE ROW EXCLUSIVE MODE"


TAKE_DATA_VERSION: Final = "SELECT sitereg_take_data_version()"
"""Take the transaction's data version before the writes (migration 0034).

The change-feed rows of the import's statements then carry it as they are written, rather
than queueing a deferred trigger event each and being rewritten at commit. Other writers wait
for ``registry_state``'s row from here until the import commits, so versions still grow in
commit order; the import's writes are its last statements.
"""


@cache
def insert(target: Target) -> str:
    """Return the INSERT of the created rows."""
    names = [c.db_column for c in target.columns] + list(target.meta)
    given = (*target.fixed, *target.measures)
    columns = ", ".join([*names, *(name for name, _ in given)])
    values = ", ".join(
        [c.value for c in target.columns]
        + [_META_VALUE[name] for name in target.meta]
        + [v for _, v in given]
    )
    return f"""
INSERT INTO {target.table} (code, dataset, geom, source_codes, attributes, import_id, {columns})
SELECT key, %(dataset)s, geom, source_codes, attrs, %(import_id)s, {values}
FROM import_report WHERE status = 'created'
"""  # noqa: S608 (identifiers from TARGETS, fixed in code)


@cache
def update(target: Target) -> str:
    """Return the UPDATE of the changed rows (codes and attributes kept when not mapped)."""
    sets = ", ".join(
        [f"{c.db_column} = {c.value}" for c in target.columns]
        + [f"{name} = {_META_VALUE[name]}" for name in target.meta]
    )
    return f"""
UPDATE {target.table} f
SET {sets}, geom = r.geom,
    source_codes = CASE WHEN %(compare_codes)s THEN r.source_codes ELSE f.source_codes END,
    attributes = CASE WHEN %(compare_attrs)s THEN r.attrs ELSE f.attributes END,
    import_id = %(import_id)s
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
