"""The SQL of an import: stage the file's rows, sort each into its fate, apply them set-based.

Python only reads the file and sends its rows with ``COPY`` into a temporary table; everything
else is set-based SQL in PostGIS: validity (``ST_IsValidDetail``, with the location), the extent
of Vietnam, duplicate keys, the comparison with the dataset's current rows, and the one
``INSERT``, ``UPDATE`` and ``DELETE`` that apply them. The registry's statement triggers keep
every replaced or removed version and write the change feed, so an import is history like any
other write, and the earlier state stays answerable through ``as_of``.
"""

from __future__ import annotations

from typing import Final

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

# Each row's fate, and the reason of any that is not created/updated/unchanged. A rejected row
# whose key is in the dataset keeps the dataset's row (never removed because of a bad row). A
# mapping that keeps no source codes (or names no descriptive fields), such as the one reading
# sitereg's own exports, leaves those of the stored rows as they are.
CLASSIFY: Final = """
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
           f.id AS parcel_id, f.dataset AS found_dataset, f.category AS f_category,
           f.origin AS f_origin, f.source_codes AS f_codes, f.attributes AS f_attrs,
           f.geom AS f_geom
    FROM rows LEFT JOIN forest_parcels f ON f.code = rows.key
)
SELECT row_no, key, vals, attrs, source_codes, geom, parcel_id,
    CASE
        WHEN skipped IS NOT NULL THEN 'skipped'
        WHEN cardinality(problems) > 0 OR key IS NULL OR geom IS NULL
             OR GeometryType(geom) <> 'MULTIPOLYGON' OR NOT (d).valid
             OR NOT geom @ ST_MakeEnvelope(%(west)s, %(south)s, %(east)s, %(north)s, 4326)
             OR nth > 1 OR (parcel_id IS NOT NULL AND found_dataset <> %(dataset)s)
             OR length(key) > 64 OR NOT coalesce(vals->>'category' = ANY(%(categories)s), false)
             OR NOT coalesce(vals->>'origin' = ANY(%(origins)s), false) THEN 'rejected'
        WHEN parcel_id IS NULL THEN 'created'
        WHEN f_category = vals->>'category' AND f_origin = vals->>'origin'
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
        WHEN parcel_id IS NOT NULL AND found_dataset <> %(dataset)s
            THEN format('key taken by dataset %%L', found_dataset)
        WHEN length(key) > 64 THEN 'key longer than 64 characters'
        WHEN NOT coalesce(vals->>'category' = ANY(%(categories)s), false)
            THEN format('no forest category (mapped %%L)', vals->>'category')
        WHEN NOT coalesce(vals->>'origin' = ANY(%(origins)s), false)
            THEN format('no forest origin (mapped %%L)', vals->>'origin')
    END AS reason
FROM checked
"""

# Rows of the dataset no longer in the file (or now skipped, e.g. no longer forest): removed.
REMOVED: Final = """
INSERT INTO import_report (row_no, key, parcel_id, status, reason)
SELECT NULL, f.code, f.id, 'removed',
       coalesce('the file now says: ' || r.reason, 'in the dataset, not in the file')
FROM forest_parcels f
LEFT JOIN import_report r ON r.key = f.code AND r.status = 'skipped'
WHERE f.dataset = %(dataset)s
  AND NOT EXISTS (SELECT 1 FROM import_report k WHERE k.key = f.code AND k.status <> 'skipped')
"""
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

LOCK: Final = "LOCK TABLE forest_parcels IN SHARE ROW EXCLUSIVE MODE"
"""While an import applies, other writes of the forest layer wait (reads go on)."""

INSERT: Final = """
INSERT INTO forest_parcels (code, category, origin, dataset, synthetic, licence, geometry_source,
                            provenance, geom, source_codes, attributes, import_id)
SELECT key, vals->>'category', vals->>'origin', %(dataset)s, false, %(licence)s,
       %(geometry_source)s, %(provenance)s, geom, source_codes, attrs, %(import_id)s
FROM import_report WHERE status = 'created'
"""
UPDATE: Final = """
UPDATE forest_parcels f
SET category = r.vals->>'category', origin = r.vals->>'origin', geom = r.geom,
    source_codes = CASE WHEN %(compare_codes)s THEN r.source_codes ELSE f.source_codes END,
    attributes = CASE WHEN %(compare_attrs)s THEN r.attrs ELSE f.attributes END,
    licence = %(licence)s,
    geometry_source = %(geometry_source)s, provenance = %(provenance)s, import_id = %(import_id)s
FROM import_report r WHERE r.status = 'updated' AND f.id = r.parcel_id
"""
DELETE: Final = """
DELETE FROM forest_parcels f USING import_report r
WHERE r.status = 'removed' AND f.id = r.parcel_id
"""

RECORD: Final = """
INSERT INTO imports (layer, dataset, file_name, sha256, file_format, mapping, encoding,
                     encoding_reason, srid, crs_reason, actor, actor_id, decision_id, reason,
                     committed, counts, started_at)
VALUES (%(layer)s, %(dataset)s, %(file_name)s, %(sha256)s, %(file_format)s, %(mapping)s,
        %(encoding)s, %(encoding_reason)s, %(srid)s, %(crs_reason)s, %(actor)s, %(actor_id)s,
        %(decision_id)s, %(reason)s, %(committed)s, %(counts)s, %(started_at)s)
RETURNING id
"""
