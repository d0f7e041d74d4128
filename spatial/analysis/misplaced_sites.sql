-- Question: which sites' outlines lie (partly) outside the province they state, or outside
--           Vietnam, so that the province's totals must leave them out until corrected?
-- Inputs:  none (the registry's sites and the 2025 provinces' subdivided pieces)
-- Output:  one row per misplaced site: code, name, province (as stated), area_ha (geodesic
--          WGS 84 ha of the outline), place ('outside_vietnam': no part of the outline is in
--          any 2025 province; 'outside_province': some part is outside the stated one)
-- Indexes: the GiST index of admin_unit_pieces (its && prefilter on each site's box).
-- Method:  a site whose stated province has no outline in the registry is not checked (kept
--          in): only a known province can say an outline is outside it.
WITH provinces AS (
    SELECT DISTINCT a.name
    FROM admin_units AS a
    WHERE a.level = 'province_2025'
),
checked AS (
    SELECT
        s.code,
        s.name,
        s.province,
        s.geom,
        (
            SELECT ST_CoveredBy(s.geom, ST_Union(p.geom))
            FROM admin_unit_pieces AS p
            JOIN admin_units AS a
                ON a.id = p.unit_id
            WHERE a.level = 'province_2025'
                AND a.name = s.province
                AND p.geom && s.geom
        ) AS inside
    FROM sites AS s
    WHERE s.province IN (SELECT name FROM provinces)
)
SELECT
    c.code,
    c.name,
    c.province,
    area_ha(c.geom) AS area_ha,
    CASE
        WHEN EXISTS (
            SELECT 1
            FROM admin_unit_pieces AS p
            JOIN admin_units AS a
                ON a.id = p.unit_id
            WHERE a.level = 'province_2025'
                AND p.geom && c.geom
                AND ST_Intersects(p.geom, c.geom)
        ) THEN 'outside_province'
        ELSE 'outside_vietnam'
    END AS place
FROM checked AS c
-- NULL: no piece of the province meets the outline's box, so the outline is not inside it.
WHERE NOT coalesce(c.inside, false)
ORDER BY c.code
