-- Question: where do the sites stand on the plan targets the registry can measure?
-- Inputs:  :year_start date, :year_end date   the plan period: from the plan's date
--          (plan_targets.period_start) or the deadline's 1 January, to 31 December
--          :left_out text[]   codes of sites whose outline is outside their province or
--          Vietnam (misplaced_sites.sql): left out of the province's figures until corrected
-- Output:  one row per metric: metric (the plan_targets.metric key), achieved (ha, count or %;
--          NULL when no item has the data), counted (how many sites the figure is taken over),
--          unknown (items the figure should cover whose data is not recorded: never read as 0),
--          sites (codes of the sites counted), unknown_sites (codes of those unknown),
--          left_out (codes of sites that would count, or be unknown, but are left out)
--          - new_zone_cluster_area_ha: legal planned ha (geodesic WGS 84 ha where the decision
--            states none) of KCN/CCN whose establishment decision (sites.established_on)
--            falls in the period and that are established, being built or operating (an
--            expansion or an eco-industrial conversion is not a new zone); a phase or part of
--            a zone that is itself counted adds nothing (its ground is the zone's); unknown =
--            such sites with no recorded establishment date not known to predate the period
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
    -- A zone counts when its establishment decision falls in the plan period; one whose
    -- establishment date is not recorded (and not known to predate the period) is unknown,
    -- never counted as new because of a later legal basis such as a plan adjustment.
    SELECT
        'new_zone_cluster_area_ha' AS metric,
        CASE
            WHEN count(*) FILTER (WHERE z.counted) = 0
                 AND count(*) FILTER (WHERE z.unknown) > 0 THEN NULL
            ELSE coalesce(sum(coalesce(z.planned_area_ha, area_ha(z.geom)))
                              FILTER (WHERE z.counted), 0)
        END AS achieved,
        CAST(count(*) FILTER (WHERE z.counted) AS integer) AS counted,
        CAST(count(*) FILTER (WHERE z.unknown) AS integer) AS unknown,
        coalesce(array_agg(z.code ORDER BY z.code) FILTER (WHERE z.counted), '{}') AS sites,
        coalesce(array_agg(z.code ORDER BY z.code) FILTER (WHERE z.unknown), '{}')
            AS unknown_sites,
        coalesce(array_agg(z.code ORDER BY z.code) FILTER (WHERE z.left_out), '{}') AS left_out
    FROM (
        SELECT
            s.code,
            s.planned_area_ha,
            s.geom,
            NOT s.misplaced AND s.established_on BETWEEN :year_start AND :year_end AS counted,
            NOT s.misplaced AND s.established_on IS NULL
                AND (s.established_before IS NULL OR s.established_before >= :year_start)
                AS unknown,
            s.misplaced AND (
                s.established_on BETWEEN :year_start AND :year_end
                OR s.established_on IS NULL
                    AND (s.established_before IS NULL OR s.established_before >= :year_start)
            ) AS left_out
        FROM (
            SELECT
                site.*,
                site.code = ANY (coalesce(CAST(:left_out AS text[]), '{}')) AS misplaced
            FROM sites AS site
        ) AS s
        WHERE s.kind IN ('industrial_zone', 'industrial_cluster')
            AND s.status IN ('established', 'under_construction', 'operating')
            AND NOT EXISTS (
                SELECT 1
                FROM sites AS parent
                WHERE parent.id = s.part_of_site_id
                    AND parent.kind IN ('industrial_zone', 'industrial_cluster')
                    AND parent.established_on BETWEEN :year_start AND :year_end
                    AND parent.status IN ('established', 'under_construction', 'operating')
            )
    ) AS z
),
relocations AS (
    SELECT
        'relocations_completed' AS metric,
        CAST(count(*) FILTER (WHERE source.status IN ('relocated', 'closed')) AS float)
            AS achieved,
        CAST(count(*) AS integer) AS counted,
        0 AS unknown,
        coalesce(array_agg(source.code ORDER BY source.code), '{}') AS sites,
        CAST('{}' AS text[]) AS unknown_sites,
        CAST('{}' AS text[]) AS left_out
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
        CAST(count(*) FILTER (WHERE z.wastewater_status IS NULL) AS integer) AS unknown,
        coalesce(array_agg(s.code ORDER BY s.code) FILTER (WHERE z.wastewater_status IS NOT NULL),
                 '{}') AS sites,
        coalesce(array_agg(s.code ORDER BY s.code) FILTER (WHERE z.wastewater_status IS NULL),
                 '{}') AS unknown_sites,
        CAST('{}' AS text[]) AS left_out
    FROM sites AS s
    LEFT JOIN zone_details AS z
        ON z.site_id = s.id
    WHERE s.kind = 'industrial_zone'
        AND s.status::text IN (SELECT status FROM past_planning)
)
SELECT
    metric, CAST(achieved AS float) AS achieved, counted, unknown, sites, unknown_sites, left_out
FROM new_zones
UNION ALL
SELECT metric, CAST(achieved AS float), counted, unknown, sites, unknown_sites, left_out
FROM relocations
UNION ALL
SELECT metric, CAST(achieved AS float), counted, unknown, sites, unknown_sites, left_out
FROM wastewater
