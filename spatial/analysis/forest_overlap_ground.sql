-- Question: how much forest lies under the registry's sites, per kind and in all, with every
--           piece of ground counted once (a phase inside its zone, a relocation area drawn over
--           its destination, two records of one place: their shared ground is one ground)?
-- Inputs:  :vn2000 boolean   TRUE = planar hectares in each province's VN-2000 TM-3 zone;
--                            FALSE = geodesic WGS 84 hectares
--          :left_out text[]  codes of sites left out of the totals (outline outside their
--                            province or Vietnam: misplaced_sites.sql) until corrected
--          the province -> TM-3 zone table (spatial.crs), written in as two arrays
-- Output:  one row per group ('total' or a site kind) and (category, origin); a group with no
--          forest has one row with NULL category. ground_ha is the group's ground (the union
--          of its sites' outlines), sites how many sites it unites, overlap_ha the forest on it.
-- Indexes: ix_forest_parcels_geom (GiST) drives the join of the subdivided ground.
-- Method:  the sites of each group and province are merged (ST_Union) and cut into small
--          disjoint pieces (ST_Subdivide, 256 vertices), so the sum over pieces counts each
--          square metre once, and the GiST index sees small boxes, not a province-wide one.
WITH ground AS MATERIALIZED (
    SELECT
        g.grp,
        s.province,
        ST_Union(s.geom) AS geom,
        count(*) AS sites
    FROM sites AS s
    CROSS JOIN LATERAL (VALUES (CAST(s.kind AS text)), ('total')) AS g (grp)
    WHERE s.code <> ALL (coalesce(CAST(:left_out AS text[]), '{}'))
    GROUP BY g.grp, s.province
),
zoned AS MATERIALIZED (
    SELECT
        gr.grp,
        gr.geom,
        gr.sites,
        zone.srid AS zone_srid
    FROM ground AS gr
    LEFT JOIN unnest(CAST(:zone_provinces AS text[]), CAST(:zone_srids AS int[]))
        AS zone (province, srid)
        ON zone.province = gr.province
),
pieces AS MATERIALIZED (
    SELECT grp, zone_srid, ST_Subdivide(geom, 256) AS geom FROM zoned
),
hits AS MATERIALIZED (
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
    FROM pieces AS p
    JOIN forest_parcels AS f
        ON ST_Intersects(f.geom, p.geom)
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
by_category AS (
    SELECT grp, category, origin, sum(overlap_ha) AS overlap_ha
    FROM hits
    WHERE overlap_ha > 0
    GROUP BY grp, category, origin
)
SELECT
    g.grp AS group_name,
    CAST(g.sites AS integer) AS sites,
    g.ground_ha,
    b.category,
    b.origin,
    coalesce(b.overlap_ha, 0) AS overlap_ha
FROM groups AS g
LEFT JOIN by_category AS b
    ON b.grp = g.grp
ORDER BY g.grp, b.category, b.origin
