-- Question: per site, how many hectares of clearance parcels are in each status on a date?
-- Inputs:  :as_of date          the day the figures describe (status history up to that day)
--          :site_codes text[]   sites to report (NULL = every site with parcels)
-- Output:  site_code, site_name, kind, planned_area_ha, status, area_ha (geodesic WGS 84 ha,
--          stored per parcel), parcels. A parcel with no status yet on :as_of is not_started.
-- Indexes: ix_clearance_status_history_parcel_id, ix_clearance_parcels_site_id.
WITH steps AS (
    SELECT parcel_id, status, status_date
    FROM clearance_status_history
    WHERE status_date <= :as_of
    UNION ALL
    -- The current status counts as a step too, in case the history omits it.
    SELECT id, status, status_date
    FROM clearance_parcels
    WHERE status_date <= :as_of
),
status_as_of AS (
    SELECT DISTINCT ON (parcel_id)
        parcel_id,
        status
    FROM steps
    ORDER BY
        parcel_id,
        status_date DESC,
        array_position(
            ARRAY['not_started', 'compensating', 'cleared', 'handed_over'], status::text
        ) DESC
),
parcels AS (
    SELECT
        p.site_id,
        coalesce(s.status, 'not_started') AS status,
        p.area_ha
    FROM clearance_parcels AS p
    LEFT JOIN status_as_of AS s
        ON s.parcel_id = p.id
)
SELECT
    site.code AS site_code,
    site.name AS site_name,
    site.kind,
    site.planned_area_ha,
    parcels.status,
    sum(parcels.area_ha) AS area_ha,
    count(*) AS parcels
FROM parcels
JOIN sites AS site
    ON site.id = parcels.site_id
WHERE CAST(:site_codes AS text[]) IS NULL OR site.code = ANY(CAST(:site_codes AS text[]))
GROUP BY site.code, site.name, site.kind, site.planned_area_ha, parcels.status
ORDER BY site.code, parcels.status
