-- Question: where do the sites stand on the plan targets the registry can measure?
-- Inputs:  :year_start date, :year_end date   the target year (from the target's deadline)
-- Output:  one row per metric: metric (the plan_targets.metric key), achieved (ha, count or %),
--          counted (how many sites the figure is taken over; NULL for hectares)
--          - new_zone_cluster_area_ha: legal planned ha (geodesic WGS 84 ha where the decision
--            states none) of KCN/CCN founded in the year: established, being built or operating
--            (an expansion or an eco-industrial conversion is not a new zone)
--          - relocations_completed: sites to move out by a deadline in the year, now relocated
--            or closed; counted = those due
--          - kcn_compliant_wastewater_pct: % of KCN past the planning stage whose central
--            wastewater plant operates compliantly; counted = those KCN
-- Indexes: none needed (a few hundred sites; no spatial predicate).
WITH past_planning AS (
    -- A site is "established" from its founding decision on, whatever came after.
    SELECT unnest(ARRAY[
        'established', 'under_construction', 'operating', 'expanding',
        'converting_eco_industrial'
    ]) AS status
),
new_zones AS (
    SELECT
        'new_zone_cluster_area_ha' AS metric,
        coalesce(sum(coalesce(s.planned_area_ha, area_ha(s.geom))), 0) AS achieved,
        CAST(count(*) AS integer) AS counted
    FROM sites AS s
    WHERE s.kind IN ('industrial_zone', 'industrial_cluster')
        AND s.legal_decision_date BETWEEN :year_start AND :year_end
        AND s.status IN ('established', 'under_construction', 'operating')
),
relocations AS (
    SELECT
        'relocations_completed' AS metric,
        CAST(count(*) FILTER (WHERE source.status IN ('relocated', 'closed')) AS float)
            AS achieved,
        CAST(count(*) AS integer) AS counted
    FROM relocation_details AS r
    JOIN sites AS source
        ON source.id = r.moved_from_site_id
    WHERE r.deadline BETWEEN :year_start AND :year_end
),
wastewater AS (
    SELECT
        'kcn_compliant_wastewater_pct' AS metric,
        coalesce(
            100.0 * count(*) FILTER (WHERE z.wastewater_status = 'operating_compliant')
                / nullif(count(*), 0),
            0
        ) AS achieved,
        CAST(count(*) AS integer) AS counted
    FROM sites AS s
    LEFT JOIN zone_details AS z
        ON z.site_id = s.id
    WHERE s.kind = 'industrial_zone'
        AND s.status::text IN (SELECT status FROM past_planning)
)
SELECT metric, CAST(achieved AS float) AS achieved, counted FROM new_zones
UNION ALL
SELECT metric, CAST(achieved AS float), counted FROM relocations
UNION ALL
SELECT metric, CAST(achieved AS float), counted FROM wastewater
