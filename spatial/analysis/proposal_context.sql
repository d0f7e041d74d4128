-- Question: what would a proposed boundary take besides forest land: protected areas, registered
-- sites, provinces and former districts; and its own areas? (Nothing is stored.) The context
-- half of a proposal check; proposal_forest.sql is the other half.
-- Inputs:  the proposal geometry (EPSG:4326), already validated and reprojected; the VN-2000
--          TM-3 zone for the planar area (NULL = by province); the province -> TM-3 zone table
--          as two parallel arrays (spatial.crs)
-- Output:  one row per finding, tagged by section:
--          'proposal'  name = province found, overlap_ha = geodesic ha, extra = VN-2000 planar ha
--          'protected' key = area code, name, overlap_ha, extra = 1 if usable for overlap analysis
--          'site'      key = code, detail = kind, name, overlap_ha, extra = % of the site covered
--          'district'  key = code, name (former district), overlap_ha
--          'province'  key = code, name (2025 province), overlap_ha
--          'dataset'   key = forest dataset, extra = 1 if it is synthetic
-- Indexes: GiST on protected_areas, sites, admin_unit_pieces geometries.
--          Provinces and districts are read from admin_unit_pieces (ST_Subdivide pieces of at
--          most 128 vertices, migration 0009), never as whole 2 000-3 250-vertex outlines.
WITH proposal AS MATERIALIZED (
    SELECT g.geom, area_ha(g.geom) AS area_ha
    FROM (SELECT :geom AS geom) AS g
),
home AS (
    -- The province holding the proposal's interior point decides the default TM-3 zone.
    SELECT u.name AS province
    FROM proposal AS p
    JOIN admin_unit_pieces AS piece
        ON piece.level = 'province_2025'
       AND ST_Intersects(piece.geom, ST_PointOnSurface(p.geom))
    JOIN admin_units AS u
        ON u.id = piece.unit_id
    LIMIT 1
),
zone AS (
    SELECT coalesce(
        CAST(:zone_srid AS int),
        (
            SELECT z.srid
            FROM unnest(CAST(:zone_provinces AS text[]), CAST(:zone_srids AS int[]))
                AS z (province, srid)
            JOIN home AS h
                ON h.province = z.province
        )
    ) AS srid
),
protected AS MATERIALIZED (
    SELECT
        'protected' AS section, a.code AS key, a.designation AS detail, a.name,
        area_ha(ST_CollectionExtract(ST_Intersection(a.geom, p.geom), 3)) AS overlap_ha,
        CASE WHEN a.use_for_overlap_analysis THEN 1.0 ELSE 0.0 END AS extra
    FROM proposal AS p
    JOIN protected_areas AS a
        ON ST_Intersects(a.geom, p.geom)
),
site_hits AS MATERIALIZED (
    SELECT
        'site' AS section, s.code AS key, s.kind AS detail, s.name,
        area_ha(ST_CollectionExtract(ST_Intersection(s.geom, p.geom), 3)) AS overlap_ha,
        area_ha(s.geom) AS site_ha
    FROM proposal AS p
    JOIN sites AS s
        ON ST_Intersects(s.geom, p.geom)
),
unit_pieces AS MATERIALIZED (
    -- Pieces of one unit do not overlap, so their overlaps add up to the unit's; a proposal
    -- inside a single piece takes its own area without an intersection.
    SELECT
        piece.unit_id,
        CASE
            WHEN ST_Covers(piece.geom, p.geom) THEN p.area_ha
            ELSE area_ha(ST_CollectionExtract(ST_Intersection(piece.geom, p.geom), 3))
        END AS overlap_ha
    FROM proposal AS p
    JOIN admin_unit_pieces AS piece
        ON piece.level IN ('province_2025', 'district_pre2025')
       AND ST_Intersects(piece.geom, p.geom)
),
units AS (
    SELECT
        CASE WHEN u.level = 'province_2025' THEN 'province' ELSE 'district' END AS section,
        u.code AS key, NULL AS detail, u.name,
        sum(h.overlap_ha) AS overlap_ha,
        NULL::float AS extra
    FROM unit_pieces AS h
    JOIN admin_units AS u
        ON u.id = h.unit_id
    GROUP BY u.id
)
SELECT
    'proposal' AS section, NULL AS key, NULL AS detail, (SELECT province FROM home) AS name,
    p.area_ha AS overlap_ha,
    ST_Area(ST_Transform(p.geom, z.srid)) / 10000.0 AS extra
FROM proposal AS p
CROSS JOIN zone AS z
UNION ALL
SELECT section, key, detail, name, overlap_ha, extra FROM protected WHERE overlap_ha > 0
UNION ALL
SELECT section, key, detail, name, overlap_ha, 100.0 * overlap_ha / nullif(site_ha, 0)
FROM site_hits
WHERE overlap_ha > 0
UNION ALL
SELECT section, key, detail, name, overlap_ha, extra FROM units WHERE overlap_ha > 0
UNION ALL
SELECT 'dataset', d.dataset, NULL, NULL, 0.0, CASE WHEN d.synthetic THEN 1.0 ELSE 0.0 END
FROM forest_datasets() AS d
