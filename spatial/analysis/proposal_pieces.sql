-- Question: where exactly does a proposed boundary meet forest land, protected areas and sites?
-- (The pieces behind proposal_conflicts.sql, for maps and GeoJSON downloads.)
-- Inputs:  :geom geometry(EPSG:4326)  the proposal, validated and reprojected
-- Output:  layer ('forest' | 'protected_area' | 'site'), code, label (category/origin, name),
--          overlap_ha (geodesic WGS 84 ha), geometry (RFC 7946 GeoJSON text, EPSG:4326)
-- Indexes: GiST on forest_parcels, protected_areas, sites.
WITH proposal AS MATERIALIZED (
    SELECT :geom AS geom
),
candidates AS (
    SELECT 'forest' AS layer, f.code, f.category || '/' || f.origin AS label, f.geom
    FROM forest_parcels AS f, proposal AS p
    WHERE ST_Intersects(f.geom, p.geom)
    UNION ALL
    SELECT 'protected_area', a.code, a.name, a.geom
    FROM protected_areas AS a, proposal AS p
    WHERE ST_Intersects(a.geom, p.geom)
    UNION ALL
    SELECT 'site', s.code, s.name, s.geom
    FROM sites AS s, proposal AS p
    WHERE ST_Intersects(s.geom, p.geom)
),
pieces AS MATERIALIZED (
    -- MATERIALIZED here and in measured: each intersection and its area are computed once;
    -- inlined, the filter, the area and the GeoJSON would each recompute them.
    SELECT
        c.layer, c.code, c.label,
        ST_CollectionExtract(ST_Intersection(c.geom, p.geom), 3) AS piece
    FROM candidates AS c, proposal AS p
),
measured AS MATERIALIZED (
    SELECT layer, code, label, piece, area_ha(piece) AS overlap_ha
    FROM pieces
)
SELECT
    layer,
    code,
    label,
    overlap_ha,
    ST_AsGeoJSON(ST_ForcePolygonCCW(piece), 7) AS geometry
FROM measured
WHERE overlap_ha > 0
ORDER BY layer, code
