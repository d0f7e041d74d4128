-- Question: how many hectares of each site lie in a protected area (national park, reserve)?
-- Inputs:  :site_codes text[] (NULL = every site)
-- Output:  site_code, area_code, area_name, overlap_ha (geodesic WGS 84 ha),
--          use_for_overlap_analysis (FALSE = the area's outline is only indicative)
-- Indexes: ix_protected_areas_geom (GiST). Areas known only by a locator point have no outline
--          and cannot overlap; they are listed by the nearby question instead.
WITH target AS (
    SELECT code, geom
    FROM sites
    WHERE CAST(:site_codes AS text[]) IS NULL OR code = ANY(CAST(:site_codes AS text[]))
),
pieces AS MATERIALIZED (
    -- MATERIALIZED: each piece is intersected once; inlined, the area filter and the area
    -- column below would each run ST_Intersection again.
    SELECT
        t.code AS site_code,
        p.code AS area_code,
        p.name AS area_name,
        p.use_for_overlap_analysis,
        ST_CollectionExtract(ST_Intersection(p.geom, t.geom), 3) AS piece
    FROM target AS t
    JOIN protected_areas AS p
        ON ST_Intersects(p.geom, t.geom)
)
SELECT
    site_code,
    area_code,
    area_name,
    area_ha(piece) AS overlap_ha,
    use_for_overlap_analysis
FROM pieces
WHERE area_ha(piece) > 0
ORDER BY site_code, area_code
