-- Question: which sites cross a province boundary (2025 provinces) or a former district boundary?
-- (Post-2025 communes exist only as points, so former districts stand in for commune polygons.)
-- Inputs:  none
-- Output:  site_code, level ('province_2025' | 'district_pre2025'), unit_names text[],
--          unit_ha float[] (geodesic WGS 84 ha of the site in each unit, same order)
-- Indexes: GiST on admin_unit_pieces (ST_Subdivide pieces of at most 128 vertices of every
--          province and district, migration 0009): a site meets a few small pieces instead of
--          whole 2 000-3 250-vertex outlines.
WITH parts AS MATERIALIZED (
    -- MATERIALIZED: each intersection and its area are computed once. A site inside one piece
    -- takes its own area without an intersection; pieces of a unit do not overlap, so their
    -- parts add up to the unit's.
    SELECT
        s.code AS site_code,
        piece.unit_id,
        CASE
            WHEN ST_Covers(piece.geom, s.geom) THEN area_ha(s.geom)
            ELSE area_ha(ST_CollectionExtract(ST_Intersection(s.geom, piece.geom), 3))
        END AS part_ha
    FROM sites AS s
    JOIN admin_unit_pieces AS piece
        ON piece.level IN ('province_2025', 'district_pre2025')
       AND ST_Intersects(s.geom, piece.geom)
),
hits AS (
    SELECT p.site_code, u.level, u.name, sum(p.part_ha) AS part_ha
    FROM parts AS p
    JOIN admin_units AS u
        ON u.id = p.unit_id
    GROUP BY p.site_code, u.id
)
SELECT
    site_code,
    level,
    array_agg(name ORDER BY part_ha DESC) AS unit_names,
    array_agg(part_ha ORDER BY part_ha DESC) AS unit_ha
FROM hits
WHERE part_ha > 0.0001
GROUP BY site_code, level
HAVING count(*) > 1
ORDER BY site_code, level
