-- Question: which pieces of forest land lie inside one site (for maps and GeoJSON downloads)?
-- Inputs:  :site_code text
-- Output:  one row per forest parcel overlapping the site: parcel_code, category, origin,
--          overlap_ha (geodesic WGS 84 ha), geometry (RFC 7946 GeoJSON text, EPSG:4326)
-- Indexes: ix_forest_parcels_geom (GiST).
WITH target AS (
    SELECT geom
    FROM sites
    WHERE code = :site_code
),
pieces AS MATERIALIZED (
    -- MATERIALIZED here and in measured: each intersection and its area are computed once;
    -- inlined, the filters, the area and the GeoJSON would each recompute them.
    SELECT
        f.code AS parcel_code,
        f.category,
        f.origin,
        ST_CollectionExtract(ST_Intersection(f.geom, t.geom), 3) AS piece
    FROM target AS t
    JOIN forest_parcels AS f
        ON ST_Intersects(f.geom, t.geom)
),
measured AS MATERIALIZED (
    SELECT parcel_code, category, origin, piece, area_ha(piece) AS overlap_ha
    FROM pieces
    WHERE NOT ST_IsEmpty(piece)
)
SELECT
    parcel_code,
    category,
    origin,
    overlap_ha,
    ST_AsGeoJSON(ST_ForcePolygonCCW(piece), 7) AS geometry
FROM measured
WHERE overlap_ha > 0
ORDER BY parcel_code
