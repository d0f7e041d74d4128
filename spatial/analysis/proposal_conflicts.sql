-- Question: what would a proposed boundary take: forest land, protected areas, registered sites,
-- administrative units? (Nothing is stored.)
-- Inputs:  :geom geometry(EPSG:4326)  the proposal, already validated and reprojected
--          :zone_srid int              VN-2000 TM-3 zone for the planar area (NULL = by province)
--          :zone_provinces text[], :zone_srids int[]  province -> TM-3 zone (spatial.crs)
-- Output:  one row per finding, tagged by section:
--          'proposal'  name = province found, overlap_ha = geodesic ha, extra = VN-2000 planar ha
--          'forest'    key = category, detail = origin, overlap_ha, extra = parcels hit
--          'protected' key = area code, name, overlap_ha, extra = 1 if usable for overlap analysis
--          'site'      key = code, detail = kind, name, overlap_ha, extra = % of the site covered
--          'district'  key = code, name (former district), overlap_ha
--          'province'  key = code, name (2025 province), overlap_ha
-- Indexes: GiST on forest_parcels, protected_areas, sites, admin_units geometries.
WITH proposal AS (
    SELECT :geom AS geom
),
home AS (
    -- The province holding the proposal's interior point decides the default TM-3 zone.
    SELECT u.name AS province
    FROM proposal AS p
    JOIN admin_units AS u
        ON u.level = 'province_2025'
       AND ST_Intersects(u.geom, ST_PointOnSurface(p.geom))
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
forest_pieces AS MATERIALIZED (
    -- Covered parcels keep their stored area; the rest are intersected. ST_Covers(proposal,
    -- parcel) is ST_CoveredBy(parcel, proposal) with the proposal prepared once (PostGIS 3.3
    -- prepares the first argument of ST_Covers, never of ST_CoveredBy). MATERIALIZED here and
    -- below: each overlap is computed once; inlined, every filter and sum would recompute it.
    SELECT
        f.category,
        f.origin,
        CASE
            WHEN ST_Covers(p.geom, f.geom) THEN f.area_ha
            ELSE area_ha(ST_CollectionExtract(ST_Intersection(f.geom, p.geom), 3))
        END AS overlap_ha
    FROM proposal AS p
    JOIN forest_parcels AS f
        ON ST_Intersects(f.geom, p.geom)
),
forest AS (
    SELECT
        'forest' AS section, category AS key, origin AS detail, NULL AS name,
        sum(overlap_ha) AS overlap_ha, count(*)::float AS extra
    FROM forest_pieces
    WHERE overlap_ha > 0
    GROUP BY category, origin
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
units AS MATERIALIZED (
    SELECT
        CASE WHEN u.level = 'province_2025' THEN 'province' ELSE 'district' END AS section,
        u.code AS key, NULL AS detail, u.name,
        area_ha(ST_CollectionExtract(ST_Intersection(u.geom, p.geom), 3)) AS overlap_ha,
        NULL::float AS extra
    FROM proposal AS p
    JOIN admin_units AS u
        ON u.level IN ('province_2025', 'district_pre2025')
       AND ST_Intersects(u.geom, p.geom)
)
SELECT
    'proposal' AS section, NULL AS key, NULL AS detail, (SELECT province FROM home) AS name,
    area_ha(p.geom) AS overlap_ha,
    ST_Area(ST_Transform(p.geom, z.srid)) / 10000.0 AS extra
FROM proposal AS p
CROSS JOIN zone AS z
UNION ALL
SELECT section, key, detail, name, overlap_ha, extra FROM forest
UNION ALL
SELECT section, key, detail, name, overlap_ha, extra FROM protected WHERE overlap_ha > 0
UNION ALL
SELECT section, key, detail, name, overlap_ha, 100.0 * overlap_ha / nullif(site_ha, 0)
FROM site_hits
WHERE overlap_ha > 0
UNION ALL
SELECT section, key, detail, name, overlap_ha, extra FROM units WHERE overlap_ha > 0
