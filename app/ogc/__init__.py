"""OGC API – Features and Tiles: one package per purpose (catalog, cql2, features, tiles, ...)."""
