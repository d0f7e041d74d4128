-- Question: where do the sites stand on the plan targets the registry can measure?
-- Inputs:  :year_start date, :year_end date   the target year (from the target's deadline)
-- Output:  one row per metric: metric (the plan_targets.metric key), achieved (ha, count or %;
--          NULL when no item has the data), counted (how many sites the figure is taken over),
--          unknown (items the figure should cover whose data is not recorded: never read as 0)
--          - new_zone_cluster_area_ha: legal planned ha (geodesic WGS 84 ha where the decision
--            states none) of KCN/CCN founded in the year: established, being built or operating
--            (an expansion or an eco-industrial conversion is not a new zone); a phase or part
--            of a zone that is itself counted adds nothing (its ground is the zone's)
--          - relocations_completed: sites to move out by a deadline in the year, now relocated
--            or closed; counted = those due
--          - kcn_compliant_wastewater_pct: % of KCN past the planning stage, among those whose
--            wastewater plant status is recorded, whose central plant operates compliantly;
--            counted = those recorded, unknown = those with no recorded status
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
        CAST(count(*) AS integer) AS counted,
        0 AS unknown
    FROM sites AS s
    WHERE s.kind IN ('industrial_zone', 'industrial_cluster')
        AND s.legal_decision_date BETWEEN :year_start AND :year_end
        AND s.status IN ('established', 'under_construction', 'operating')
        AND NOT EXISTS (
            SELECT 1
            FROM sites AS parent
            WHERE parent.id = s.part_of_site_id
                AND parent.kind IN ('industrial_zone', 'industrial_cluster')
                AND parent.legal_decision_date BETWEEN :year_start AND :year_end
                AND parent.status IN ('established', 'under_construction', 'operating')
        )
),
relocations AS (
    SELECT
        'relocations_completed' AS metric,
        CAST(count(*) FILTER (WHERE source.status IN ('relocated', 'closed')) AS float)
            AS achieved,
        CAST(count(*) AS integer) AS counted,
        0 AS unknown
    FROM relocation_details AS r
    JOIN sites AS source
        ON source.id = r.moved_from_site_id
    WHERE r.deadline BETWEEN :year_start AND :year_end
),
wastewater AS (
    SELECT
        'kcn_compliant_wastewater_pct' AS metric,
        100.0 * count(*) FILTER (WHERE z.wastewater_status = 'operating_compliant')
            / nullif(count(z.wastewater_status), 0) AS achieved,
        CAST(count(z.wastewater_status) AS integer) AS counted,
        CAST(count(*) FILTER (WHERE z.wastewater_status IS NULL) AS integer) AS unknown
    FROM sites AS s
    LEFT JOIN zone_details AS z
        ON z.site_id = s.id
    WHERE s.kind = 'industrial_zone'
        AND s.status::text IN (SELECT status FROM past_planning)
)
SELECT metric, CAST(achieved AS float) AS achieved, counted, unknown FROM new_zones
UNION ALL
SELECT metric, CAST(achieved AS float), counted, unknown FROM relocations
UNION ALL
SELECT metric, CAST(achieved AS float), counted, unknown FROM wastewater
