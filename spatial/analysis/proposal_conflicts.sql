-- Question: what would a proposed boundary take: forest land by category and origin, protected
-- areas, registered sites, provinces and former districts; and what are its own areas?
-- (Nothing is stored.) One statement answers a whole check; a check running alone sends two at
-- once, each reading a share of the forest parcels, the first also the proposal's areas and
-- units, the second the other layers (spatial/analysis/proposal_conflicts.py).
-- Inputs:  the proposal geometry (EPSG:4326), already validated and reprojected; the VN-2000
--          TM-3 zone for the planar area (NULL = by province); the province -> TM-3 zone table
--          (spatial.crs), written in as two arrays by spatial.analysis._sql.load;
--          with_context (false = no 'proposal', 'province' or 'district' rows) and with_layers
--          (false = no 'protected', 'protected_point', 'site' or 'dataset' rows): both false,
--          forest rows only; the share of the forest parcels to read,
--          as parts (> 0) and part (0 .. parts - 1): parcels whose id modulo parts is part
--          (parts = 1, part = 0: every parcel); :point_radius_m, how near a protected area
--          known only by its point must lie to be reported.
-- Output:  one row per finding, tagged by section:
--          'proposal'  name = province found, overlap_ha = geodesic ha, extra = VN-2000 planar ha
--          'protected' key = area code, name, overlap_ha, extra = 1 if usable for overlap analysis
--          'protected_point' key = area code, name: an area known only by its point, which the
--                      proposal contains or which lies within :point_radius_m; extra = metres
--                      from the proposal (0: inside)
--          'site'      key = code, detail = kind/location_confidence, name, overlap_ha,
--                      extra = % of the site covered
--          'district'  key = code, name (former district), overlap_ha
--          'province'  key = code, name (2025 province), overlap_ha
--          'dataset'   key = forest dataset, extra = 1 if it is synthetic
--          'forest'    key = category, detail = origin, overlap_ha, extra = parcels with a
--                      positive overlap (in the share read)
-- Indexes: GiST on forest_parcels, protected_areas, sites, admin_unit_pieces geometries.
--          Provinces and districts are read from admin_unit_pieces (ST_Subdivide pieces of at
--          most 128 vertices, migration 0009), never as whole 2 000-3 250-vertex outlines.
-- Each branch of the final UNION ALL but the forest one is gated on with_context or with_layers:
-- a constant filter, so PostgreSQL does not even start the CTEs those branches read when it is
-- false. A check running alone asks for the context with the first share of the parcels and
-- for the layers with the second, so the two statements take about as long as each other.
WITH proposal AS MATERIALIZED (
    SELECT :geom AS geom
),
proposal_area AS MATERIALIZED (
    SELECT area_ha(p.geom) AS area_ha
    FROM proposal AS p
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
    -- Here, for sites and for unit pieces the bounding boxes decide which features are
    -- intersected (GiST); ST_Intersects would first ask GEOS the same question unprepared (a
    -- handful of rows per check: the proposal is never prepared for them), and a feature that
    -- only shares a box or an edge gives an empty polygonal part, 0 ha, filtered below.
    SELECT
        'protected' AS section, a.code AS key, a.designation AS detail, a.name,
        area_ha(ST_CollectionExtract(ST_Intersection(a.geom, p.geom), 3)) AS overlap_ha,
        CASE WHEN a.use_for_overlap_analysis THEN 1.0 ELSE 0.0 END AS extra
    FROM proposal AS p
    JOIN protected_areas AS a
        ON a.geom && p.geom
),
protected_points AS MATERIALIZED (
    -- Protected areas known only by a point: their extent is unknown, so the proposal is told
    -- of each one it contains or that lies within :point_radius_m, never "none".
    SELECT
        'protected_point' AS section, a.code AS key, a.designation AS detail, a.name,
        0.0 AS overlap_ha,
        ST_Distance(CAST(a.locator AS geography), CAST(p.geom AS geography)) AS extra
    FROM proposal AS p
    JOIN protected_areas AS a
        ON a.geom IS NULL
       AND ST_DWithin(CAST(a.locator AS geography), CAST(p.geom AS geography), :point_radius_m)
),
site_hits AS MATERIALIZED (
    SELECT
        -- detail = kind/location_confidence (a version recorded before migration 0027 has no
        -- location_confidence: its geometry source says it, or it is unknown).
        'site' AS section, s.code AS key,
        s.kind || '/' || coalesce(s.location_confidence, CASE
            WHEN s.geometry_source IN ('surveyed', 'digitized') THEN s.geometry_source
            ELSE 'unknown' END) AS detail,
        s.name,
        area_ha(ST_CollectionExtract(ST_Intersection(s.geom, p.geom), 3)) AS overlap_ha,
        s.geom AS site_geom
    FROM proposal AS p
    JOIN sites AS s
        ON s.geom && p.geom
),
unit_pieces AS MATERIALIZED (
    -- Pieces of one unit do not overlap, so their overlaps add up to the unit's; a proposal
    -- inside a single piece takes its own area without an intersection.
    SELECT
        piece.unit_id,
        CASE
            WHEN ST_Covers(piece.geom, p.geom) THEN (SELECT a.area_ha FROM proposal_area AS a)
            ELSE area_ha(ST_CollectionExtract(ST_Intersection(piece.geom, p.geom), 3))
        END AS overlap_ha
    FROM proposal AS p
    JOIN admin_unit_pieces AS piece
        ON piece.level IN ('province_2025', 'district_pre2025')
       AND piece.geom && p.geom
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
),
forest_pieces AS MATERIALIZED (
    -- Covered parcels keep their stored area; the rest are intersected. ST_Covers(proposal,
    -- parcel) is ST_CoveredBy(parcel, proposal) with the proposal prepared once (PostGIS 3.3
    -- prepares the first argument of ST_Covers, never of ST_CoveredBy). A piece lies inside
    -- its parcel's box, so when the parcel fits area_ha's equal-area rule the piece does too:
    -- equal_area_ha gives area_ha's figure without its PL/pgSQL call (migration 0013; lines
    -- and points of a touching parcel measure 0). MATERIALIZED: each overlap is computed
    -- once; inlined, the filter and the sum would each recompute it.
    SELECT
        f.category,
        f.origin,
        CASE
            WHEN ST_Covers(p.geom, f.geom) THEN f.area_ha
            WHEN fits_equal_area(f.geom) THEN equal_area_ha(ST_Intersection(f.geom, p.geom))
            ELSE area_ha(ST_CollectionExtract(ST_Intersection(f.geom, p.geom), 3))
        END AS overlap_ha
    FROM proposal AS p
    JOIN forest_parcels AS f
        ON ST_Intersects(f.geom, p.geom)
       AND f.id % :parts = :part
)
SELECT
    'proposal' AS section, NULL AS key, NULL AS detail, (SELECT province FROM home) AS name,
    a.area_ha AS overlap_ha,
    ST_Area(ST_Transform(p.geom, z.srid)) / 10000.0 AS extra
FROM proposal AS p
CROSS JOIN proposal_area AS a
CROSS JOIN zone AS z
WHERE :with_context
UNION ALL
SELECT section, key, detail, name, overlap_ha, extra
FROM protected
WHERE :with_layers AND overlap_ha > 0
UNION ALL
SELECT section, key, detail, name, overlap_ha, extra
FROM protected_points
WHERE :with_layers
UNION ALL
SELECT section, key, detail, name, overlap_ha, 100.0 * overlap_ha / nullif(area_ha(site_geom), 0)
FROM site_hits
WHERE :with_layers AND overlap_ha > 0
UNION ALL
SELECT section, key, detail, name, overlap_ha, extra
FROM units
WHERE :with_context AND overlap_ha > 0
UNION ALL
SELECT 'dataset', d.dataset, NULL, NULL, 0.0, CASE WHEN d.synthetic THEN 1.0 ELSE 0.0 END
FROM forest_datasets() AS d
WHERE :with_layers
UNION ALL
SELECT 'forest', category, origin, NULL, sum(overlap_ha), count(*)
FROM forest_pieces
WHERE overlap_ha > 0
GROUP BY category, origin
