-- Question: what forest data is loaded (so every answer can say when it is synthetic)?
-- Inputs:  none
-- Output:  dataset, synthetic (bool), parcels (count), area_ha (geodesic WGS 84 ha, stored)
-- Indexes: ix_forest_parcels_dataset.
SELECT
    dataset,
    bool_or(synthetic) AS synthetic,
    count(*) AS parcels,
    sum(area_ha) AS area_ha
FROM forest_parcels
GROUP BY dataset
ORDER BY dataset
