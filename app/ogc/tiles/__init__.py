"""OGC API – Tiles: Mapbox Vector Tiles of every collection (routes, SQL, in-process cache)."""
