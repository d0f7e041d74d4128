-- Question: which forest datasets are loaded, and is any of them synthetic (so every answer
-- can say so)?
-- Inputs:  none
-- Output:  dataset, synthetic (bool: the dataset has synthetic rows)
-- Indexes: forest_datasets() (migration 0010) reads ix_forest_parcels_dataset by a loose index
--          scan and ix_forest_parcels_synthetic_dataset; it never reads the parcels themselves.
SELECT dataset, synthetic
FROM forest_datasets()
