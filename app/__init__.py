"""sitereg: geospatial registry of industrial zones, clusters, mines and relocation areas."""
