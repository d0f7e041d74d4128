-- Question: the province report's forest in one pass: how many hectares of each site lie on
--           forest land (as forest_overlap.sql), and how much forest lies under the sites of
--           each kind and of all kinds, with every piece of ground counted once (a phase inside
--           its zone, a relocation area drawn over its destination, two records of one place)?
-- Inputs:  :vn2000 boolean   TRUE = planar hectares in each province's VN-2000 TM-3 zone;
--                            FALSE = geodesic WGS 84 hectares
--          :left_out text[]  codes of sites left out of the groups' ground (outline outside
--                            their province or Vietnam: misplaced_sites.sql) until corrected;
--                            they keep their own 'site' rows
--          the province -> TM-3 zone table (spatial.crs), written in as two arrays
-- Output:  section 'site': one row per site and (category, origin), name = site code, sites = 1,
--          area_ha = the site's area, parcels = forest parcels hit; exactly the rows of
--          forest_overlap.sql for every site.
--          section 'group': one row per group ('total' or a site kind) and (category, origin),
--          sites = sites it unites, area_ha = its ground (the union of its sites' outlines, per
--          province), overlap_ha = the forest on that ground, parcels = pieces counted.
--          A site or group with no forest has one row with NULL category.
-- Indexes: ix_forest_parcels_geom (GiST) drives both joins; ix_sites_geom finds shared ground.
-- Method:  each site's forest pieces are intersected and measured once (the CTEs target to
--          piece_areas are forest_overlap.sql's). A site whose outline meets no other counted
--          site of its group in its province adds those pieces to the group as they are: its
--          ground is its own. The sites that do meet another are merged per group and province
--          (ST_Union), cut into small disjoint pieces (ST_Subdivide, 256 vertices) and
--          intersected with the forest, so shared ground is counted once. Before, every group's
--          whole ground was merged and intersected again: each forest piece under a site was cut
--          three times (site, kind, total), two thirds of the report's time (bench/README.md).
-- Run with jit = off (the engine sets it), as forest_overlap.sql.
WITH target AS (
    SELECT
        s.code,
        CAST(s.kind AS text) AS kind,
        s.province,
        s.geom,
        zone.srid AS zone_srid,
        CASE
            WHEN :vn2000 THEN ST_Area(ST_Transform(s.geom, zone.srid)) / 10000.0
            ELSE area_ha(s.geom)
        END AS site_area_ha,
        s.code <> ALL (coalesce(CAST(:left_out AS text[]), '{}')) AS counted
    FROM sites AS s
    LEFT JOIN unnest(CAST(:zone_provinces AS text[]), CAST(:zone_srids AS int[]))
        AS zone (province, srid)
        ON zone.province = s.province
),
forest_hits AS MATERIALIZED (
    -- As forest_overlap.sql: ST_Covers(site, parcel) prepares the site once for its parcels.
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
    SELECT
        code,
        category,
        origin,
        covered,
        zone_srid,
        parcel_ha,
        CASE
            WHEN covered THEN parcel_geom
            ELSE ST_CollectionExtract(ST_Intersection(parcel_geom, site_geom), 3)
        END AS piece
    FROM forest_hits
),
piece_areas AS MATERIALIZED (
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
by_site AS (
    SELECT
        code,
        category,
        origin,
        sum(overlap_ha) AS overlap_ha,
        count(*) AS parcels
    FROM piece_areas
    WHERE overlap_ha > 0
    GROUP BY code, category, origin
),
members AS MATERIALIZED (
    -- Every counted site in its kind's group and in 'total'; shared: its outline meets another
    -- counted site of the same group and province (touching counts: merged, it is still right).
    SELECT
        t.code,
        g.grp,
        t.province,
        t.geom,
        EXISTS (
            SELECT 1
            FROM sites AS o
            WHERE o.geom && t.geom
                AND o.code <> t.code
                AND o.code <> ALL (coalesce(CAST(:left_out AS text[]), '{}'))
                AND o.province IS NOT DISTINCT FROM t.province
                AND (g.grp = 'total' OR CAST(o.kind AS text) = t.kind)
                AND ST_Intersects(o.geom, t.geom)
        ) AS shared
    FROM target AS t
    CROSS JOIN LATERAL (VALUES (t.kind), ('total')) AS g (grp)
    WHERE t.counted
),
zoned AS MATERIALIZED (
    -- Each group's ground per province (for its area and its number of sites).
    SELECT
        gr.grp,
        gr.geom,
        gr.sites,
        zone.srid AS zone_srid
    FROM (
        SELECT grp, province, ST_Union(geom) AS geom, count(*) AS sites
        FROM members
        GROUP BY grp, province
    ) AS gr
    LEFT JOIN unnest(CAST(:zone_provinces AS text[]), CAST(:zone_srids AS int[]))
        AS zone (province, srid)
        ON zone.province = gr.province
),
cut AS MATERIALIZED (
    -- Only the ground that sites share is merged and cut.
    SELECT sh.grp, zone.srid AS zone_srid, ST_Subdivide(sh.geom, 256) AS geom
    FROM (
        SELECT grp, province, ST_Union(geom) AS geom
        FROM members
        WHERE shared
        GROUP BY grp, province
    ) AS sh
    LEFT JOIN unnest(CAST(:zone_provinces AS text[]), CAST(:zone_srids AS int[]))
        AS zone (province, srid)
        ON zone.province = sh.province
),
shared_hits AS MATERIALIZED (
    SELECT
        p.grp,
        f.category,
        f.origin,
        CASE
            WHEN ST_Covers(p.geom, f.geom) AND NOT :vn2000 THEN f.area_ha
            WHEN :vn2000 THEN ST_Area(ST_Transform(
                ST_CollectionExtract(ST_Intersection(f.geom, p.geom), 3), p.zone_srid)) / 10000.0
            ELSE area_ha(ST_CollectionExtract(ST_Intersection(f.geom, p.geom), 3))
        END AS overlap_ha
    FROM cut AS p
    JOIN forest_parcels AS f
        ON ST_Intersects(f.geom, p.geom)
),
ground_hits AS (
    SELECT grp, category, origin, overlap_ha FROM shared_hits
    UNION ALL
    SELECT m.grp, a.category, a.origin, a.overlap_ha
    FROM members AS m
    JOIN piece_areas AS a
        ON a.code = m.code
    WHERE NOT m.shared
),
groups AS (
    SELECT
        grp,
        sum(sites) AS sites,
        sum(CASE
            WHEN :vn2000 THEN ST_Area(ST_Transform(geom, zone_srid)) / 10000.0
            ELSE area_ha(geom)
        END) AS ground_ha
    FROM zoned
    GROUP BY grp
),
by_group AS (
    SELECT grp, category, origin, sum(overlap_ha) AS overlap_ha, count(*) AS parcels
    FROM ground_hits
    WHERE overlap_ha > 0
    GROUP BY grp, category, origin
)
SELECT
    'site' AS section,
    t.code AS name,
    1 AS sites,
    t.site_area_ha AS area_ha,
    b.category,
    b.origin,
    coalesce(b.overlap_ha, 0) AS overlap_ha,
    CAST(coalesce(b.parcels, 0) AS integer) AS parcels
FROM target AS t
LEFT JOIN by_site AS b
    ON b.code = t.code
UNION ALL
SELECT
    'group',
    g.grp,
    CAST(g.sites AS integer),
    g.ground_ha,
    b.category,
    b.origin,
    coalesce(b.overlap_ha, 0),
    CAST(coalesce(b.parcels, 0) AS integer)
FROM groups AS g
LEFT JOIN by_group AS b
    ON b.grp = g.grp
ORDER BY section, name, category, origin
