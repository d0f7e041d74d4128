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
pieces AS (
    SELECT
        f.code AS parcel_code,
        f.category,
        f.origin,
        ST_CollectionExtract(ST_Intersection(f.geom, t.geom), 3) AS piece
    FROM target AS t
    JOIN forest_parcels AS f
        ON ST_Intersects(f.geom, t.geom)
)
SELECT
    parcel_code,
    category,
    origin,
    area_ha(piece) AS overlap_ha,
    ST_AsGeoJSON(ST_ForcePolygonCCW(piece), 7) AS geometry
FROM pieces
WHERE NOT ST_IsEmpty(piece)
  AND area_ha(piece) > 0
ORDER BY parcel_code
