-- Question: which sites, protected areas, communes and forest parcels lie within a distance
-- of a geometry (a site or a point)?
-- Inputs:  :geom geometry(EPSG:4326)  the origin (site outline or point)
--          :distance_m float           search radius in metres (geodesic)
--          :margin_deg float           bbox margin in degrees, >= :distance_m at this latitude,
--                                      so the && prefilter can use the GiST indexes
--          :exclude_code text          a site code to leave out (the origin site), or NULL
-- Output:  layer ('site' | 'protected_area' | 'commune' | 'forest'), code, name, kind,
--          distance_m (geodesic metres, 0 when they overlap)
-- Indexes: GiST on sites (geom), protected_areas (geom; locator), admin_units (label_point),
--          forest_parcels (geom).
WITH origin AS (
    SELECT :geom AS geom, ST_Expand(:geom, :margin_deg) AS box
),
candidates AS (
    SELECT 'site' AS layer, s.code, s.name, s.kind AS kind, s.geom
    FROM sites AS s, origin AS o
    WHERE s.geom && o.box
      AND s.code IS DISTINCT FROM CAST(:exclude_code AS text)
    UNION ALL
    -- A protected area is measured by its outline, or by its locator point when it has none.
    -- Two branches rather than coalesce(geom, locator) && box, which no index can serve: each
    -- branch's && has its own GiST index (geom; locator, or geom's for geom IS NULL).
    SELECT 'protected_area', a.code, a.name, a.designation, a.geom
    FROM protected_areas AS a, origin AS o
    WHERE a.geom && o.box
    UNION ALL
    SELECT 'protected_area', a.code, a.name, a.designation, a.locator
    FROM protected_areas AS a, origin AS o
    WHERE a.geom IS NULL
      AND a.locator && o.box
    UNION ALL
    SELECT 'commune', u.code, u.name, u.province, u.label_point
    FROM admin_units AS u, origin AS o
    WHERE u.level = 'commune_2025'
      AND u.label_point && o.box
    UNION ALL
    SELECT 'forest', f.code, f.code, f.category, f.geom
    FROM forest_parcels AS f, origin AS o
    WHERE f.geom && o.box
),
measured AS (
    SELECT
        c.layer, c.code, c.name, c.kind,
        ST_Distance(CAST(c.geom AS geography), CAST(o.geom AS geography)) AS distance_m
    FROM candidates AS c, origin AS o
)
SELECT layer, code, name, kind, distance_m
FROM measured
WHERE distance_m <= :distance_m
ORDER BY distance_m, layer, code
