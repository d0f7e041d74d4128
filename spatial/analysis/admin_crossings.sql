-- Question: which sites cross a province boundary (2025 provinces) or a former district boundary?
-- (Post-2025 communes exist only as points, so former districts stand in for commune polygons.)
-- Inputs:  none
-- Output:  site_code, level ('province_2025' | 'district_pre2025'), unit_names text[],
--          unit_ha float[] (geodesic WGS 84 ha of the site in each unit, same order)
-- Indexes: ix_admin_units_geom (GiST), ix_admin_units_level.
WITH hits AS (
    SELECT
        s.code AS site_code,
        u.level,
        u.name,
        area_ha(ST_CollectionExtract(ST_Intersection(s.geom, u.geom), 3)) AS part_ha
    FROM sites AS s
    JOIN admin_units AS u
        ON u.level IN ('province_2025', 'district_pre2025')
       AND ST_Intersects(s.geom, u.geom)
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
