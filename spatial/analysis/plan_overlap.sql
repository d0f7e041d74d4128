-- Question: which pairs of registered sites overlap ("chồng lấn quy hoạch"), and by how much?
-- Inputs:  none
-- Output:  site_a, site_b (codes, a < b), kind_a, kind_b, overlap_ha (geodesic WGS 84 ha),
--          share_a_pct / share_b_pct (overlap as % of each site's area), related (TRUE when a
--          link explains the overlap), relation (what explains it: 'phase' or 'part' when one
--          site is recorded as a phase or part of the other, 'relocation' when a relocation
--          record links them (an area drawn at its destination or over the site it vacates),
--          'same_destination' for two relocation areas moving to the same site; NULL: a
--          conflict), geometry (GeoJSON text of the shared piece, EPSG:4326),
--          location_uncertain (TRUE when either outline is not surveyed or digitized but
--          placed at a point, a commune, a district or a placeholder: a guess, not a finding)
-- Indexes: ix_sites_geom (GiST) for the self-join.
WITH pairs AS MATERIALIZED (
    -- MATERIALIZED here and in measured: each intersection and its area are computed once;
    -- inlined, the filter, both shares and the GeoJSON would each recompute them.
    SELECT
        a.id AS id_a,
        b.id AS id_b,
        a.code AS site_a,
        b.code AS site_b,
        a.kind AS kind_a,
        b.kind AS kind_b,
        CASE
            WHEN a.part_of_site_id = b.id THEN a.part_relation
            WHEN b.part_of_site_id = a.id THEN b.part_relation
        END AS part_relation,
        NOT (a.location_confidence IN ('surveyed', 'digitized')
             AND b.location_confidence IN ('surveyed', 'digitized')) AS location_uncertain,
        area_ha(a.geom) AS area_a_ha,
        area_ha(b.geom) AS area_b_ha,
        ST_CollectionExtract(ST_Intersection(a.geom, b.geom), 3) AS piece
    FROM sites AS a
    JOIN sites AS b
        ON a.code < b.code
       AND ST_Intersects(a.geom, b.geom)
),
measured AS MATERIALIZED (
    SELECT
        id_a, id_b, site_a, site_b, kind_a, kind_b, part_relation, location_uncertain,
        area_a_ha, area_b_ha, piece,
        area_ha(piece) AS overlap_ha
    FROM pairs
),
links AS (
    SELECT site_id, moved_from_site_id AS other_id FROM relocation_details
    UNION ALL
    SELECT site_id, moved_to_site_id FROM relocation_details
),
explained AS (
    SELECT
        m.*,
        coalesce(
            m.part_relation,
            CASE WHEN EXISTS (
                SELECT 1
                FROM links AS l
                WHERE (l.site_id = m.id_a AND l.other_id = m.id_b)
                   OR (l.site_id = m.id_b AND l.other_id = m.id_a)
            ) THEN 'relocation' END,
            CASE WHEN EXISTS (
                SELECT 1
                FROM relocation_details AS ra
                JOIN relocation_details AS rb
                    ON rb.moved_to_site_id = ra.moved_to_site_id
                WHERE ra.site_id = m.id_a AND rb.site_id = m.id_b
            ) THEN 'same_destination' END
        ) AS relation
    FROM measured AS m
)
SELECT
    m.site_a,
    m.site_b,
    m.kind_a,
    m.kind_b,
    m.overlap_ha,
    100.0 * m.overlap_ha / nullif(m.area_a_ha, 0) AS share_a_pct,
    100.0 * m.overlap_ha / nullif(m.area_b_ha, 0) AS share_b_pct,
    m.relation IS NOT NULL AS related,
    ST_AsGeoJSON(ST_ForcePolygonCCW(m.piece), 7) AS geometry,
    m.relation,
    m.location_uncertain
FROM explained AS m
WHERE m.overlap_ha > 0.0001  -- 1 m²: drops numerical slivers of outlines that share an edge
ORDER BY m.overlap_ha DESC, m.site_a, m.site_b
