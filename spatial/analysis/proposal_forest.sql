-- Question: how much forest land, by category and origin, would a proposed boundary take?
-- (Nothing is stored.) The forest half of a proposal check; proposal_context.sql is the other
-- half, and the two may run at once on two connections (spatial/analysis/proposal_conflicts.py).
-- Inputs:  the proposal geometry (EPSG:4326), already validated and reprojected; the share
--          of the parcels to read, as parts (> 0) and part (0 .. parts - 1): parcels whose id
--          modulo parts is part. One statement reads parts = 1, part = 0 (every parcel); a
--          check running alone sends two shares at once (spatial/analysis/proposal_conflicts.py).
-- Output:  category, origin, overlap_ha (geodesic), parcels (parcels with a positive overlap)
-- Indexes: GiST on forest_parcels.geom.
WITH proposal AS MATERIALIZED (
    SELECT :geom AS geom
),
forest_pieces AS MATERIALIZED (
    -- Covered parcels keep their stored area; the rest are intersected. ST_Covers(proposal,
    -- parcel) is ST_CoveredBy(parcel, proposal) with the proposal prepared once (PostGIS 3.3
    -- prepares the first argument of ST_Covers, never of ST_CoveredBy). MATERIALIZED: each
    -- overlap is computed once; inlined, the filter and the sum would each recompute it.
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
       AND f.id % :parts = :part
)
SELECT category, origin, sum(overlap_ha) AS overlap_ha, count(*) AS parcels
FROM forest_pieces
WHERE overlap_ha > 0
GROUP BY category, origin
ORDER BY category, origin
