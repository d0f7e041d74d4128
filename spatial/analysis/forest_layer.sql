-- Question: which forest datasets are loaded, and is any of them synthetic (so every answer
-- can say so)?
-- Inputs:  none
-- Output:  dataset, synthetic (bool: the dataset has synthetic rows)
-- Indexes: ix_forest_parcels_dataset for the distinct datasets (a loose index scan: one index
--          probe per dataset instead of reading 200 000+ rows), and the partial index
--          ix_forest_parcels_synthetic_dataset so that EXISTS answers "no" at once for real data.
WITH RECURSIVE datasets AS (
    SELECT min(dataset) AS dataset
    FROM forest_parcels
    UNION ALL
    SELECT (
        SELECT min(f.dataset)
        FROM forest_parcels AS f
        WHERE f.dataset > d.dataset
    )
    FROM datasets AS d
    WHERE d.dataset IS NOT NULL
)
SELECT
    d.dataset,
    EXISTS (
        SELECT 1
        FROM forest_parcels AS f
        WHERE f.dataset = d.dataset
          AND f.synthetic
    ) AS synthetic
FROM datasets AS d
WHERE d.dataset IS NOT NULL
ORDER BY d.dataset
