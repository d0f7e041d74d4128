-- Question: how many hectares of each site lie on forest land, by category and origin?
-- Inputs:  :site_codes text[]   sites to report (NULL = every site in the registry)
--          :vn2000 boolean      TRUE = planar hectares in the site's VN-2000 TM-3 zone
--                               (official cadastral figures); FALSE = geodesic WGS 84 hectares
--          the province -> TM-3 zone table (spatial.crs), written in as two arrays by
--          spatial.analysis._sql.load
-- Output:  one row per site and (category, origin); a site with no forest has one row with
--          NULL category. site_area_ha and overlap_ha in hectares; parcels = forest parcels hit.
-- Indexes: ix_forest_parcels_geom (GiST) drives the join; uq_sites_code for :site_codes.
-- Run with jit = off (the engine sets it): JIT compiles this plan for 100+ ms on misestimated
-- join sizes and never pays that back (bench/README.md).
WITH target AS (
    SELECT
        s.id,
        s.code,
        s.geom,
        zone.srid AS zone_srid,
        CASE
            WHEN :vn2000 THEN ST_Area(ST_Transform(s.geom, zone.srid)) / 10000.0
            ELSE area_ha(s.geom)
        END AS site_area_ha
    FROM sites AS s
    LEFT JOIN unnest(CAST(:zone_provinces AS text[]), CAST(:zone_srids AS int[]))
        AS zone (province, srid)
        ON zone.province = s.province
    WHERE CAST(:site_codes AS text[]) IS NULL OR s.code = ANY(CAST(:site_codes AS text[]))
),
forest_hits AS MATERIALIZED (
    -- The && / ST_Intersects prefilter uses the GiST index. ST_Covers(site, parcel) is
    -- ST_CoveredBy(parcel, site) with the site prepared once for all its parcels (PostGIS 3.3
    -- prepares the first argument of ST_Covers, never of ST_CoveredBy: 3x faster here).
    -- MATERIALIZED: inlined, `covered` would be re-evaluated in every step that names it.
    SELECT
        t.code,
        f.category,
        f.origin,
        t.zone_srid,
        ST_Covers(t.geom, f.geom) AS covered,
        f.area_ha AS parcel_ha,
        f.geom AS parcel_geom,
        t.geom AS site_geom
    FROM target AS t
    JOIN forest_parcels AS f
        ON ST_Intersects(f.geom, t.geom)
),
pieces AS (
    -- The exact intersection is computed only for parcels the site does not cover whole
    -- (a covered parcel keeps its stored area).
    SELECT
        code,
        category,
        origin,
        covered,
        zone_srid,
        parcel_ha,
        CASE
            WHEN covered THEN parcel_geom
            -- Keep only the polygonal part: parcels that merely touch the site give 0 ha.
            ELSE ST_CollectionExtract(ST_Intersection(parcel_geom, site_geom), 3)
        END AS piece
    FROM forest_hits
),
piece_areas AS MATERIALIZED (
    -- MATERIALIZED: each piece is intersected and measured once; inlined, the filter and the
    -- sum below would each repeat ST_Intersection and the geodesic area.
    SELECT
        code,
        category,
        origin,
        CASE
            WHEN :vn2000 THEN ST_Area(ST_Transform(piece, zone_srid)) / 10000.0
            WHEN covered THEN parcel_ha
            ELSE area_ha(piece)
        END AS overlap_ha
    FROM pieces
),
by_category AS (
    SELECT
        code,
        category,
        origin,
        sum(overlap_ha) AS overlap_ha,
        count(*) AS parcels
    FROM piece_areas
    WHERE overlap_ha > 0
    GROUP BY code, category, origin
)
SELECT
    t.code AS site_code,
    t.site_area_ha,
    b.category,
    b.origin,
    coalesce(b.overlap_ha, 0) AS overlap_ha,
    coalesce(b.parcels, 0) AS parcels
FROM target AS t
LEFT JOIN by_category AS b
    ON b.code = t.code
ORDER BY t.code, b.category, b.origin
