from app.ogc.tiles.cache import ENTRY_OVERHEAD_BYTES, TileCache, entry_cost


def test_tile_cache_returns_what_was_stored():
    cache = TileCache()
    cache.put(("forest", 8, 1, 2, 1), b"tile")
    cache.put(("forest", 8, 1, 3, 1), b"")
    assert cache.get(("forest", 8, 1, 2, 1)) == b"tile"
    assert cache.get(("forest", 8, 1, 3, 1)) == b""
    assert cache.get(("forest", 8, 1, 4, 1)) is None


def test_tile_cache_evicts_the_least_recently_used_beyond_its_size():
    cache = TileCache(max_bytes=2 * entry_cost(b"12345"))
    cache.put(("a", 0, 0, 0, 1), b"12345")
    cache.put(("b", 0, 0, 0, 1), b"12345")
    assert cache.get(("a", 0, 0, 0, 1)) == b"12345"  # a is now the most recent
    cache.put(("c", 0, 0, 0, 1), b"12345")
    assert cache.get(("b", 0, 0, 0, 1)) is None
    assert cache.get(("a", 0, 0, 0, 1)) == b"12345"


def test_tile_cache_counts_empty_tiles_so_many_of_them_evict_older_entries():
    cache = TileCache(max_bytes=entry_cost(b"x" * 1000) + 10 * entry_cost(b""))
    cache.put(("forest", 8, 0, 0, 1), b"x" * 1000)
    for x in range(1, 1000):
        cache.put(("forest", 14, x, 0, 1), b"")
    assert cache.get(("forest", 8, 0, 0, 1)) is None
    assert cache.get(("forest", 14, 999, 0, 1)) == b""
    assert cache.get(("forest", 14, 1, 0, 1)) is None


def test_tile_cache_entry_cost_is_the_tile_plus_the_entry_overhead():
    assert entry_cost(b"") > ENTRY_OVERHEAD_BYTES
    assert entry_cost(b"x" * 1000) - entry_cost(b"") == 1000


def test_tile_cache_of_size_zero_stores_nothing():
    cache = TileCache(max_bytes=0)
    cache.put(("a", 0, 0, 0, 1), b"")
    assert cache.get(("a", 0, 0, 0, 1)) is None


def test_tile_cache_entries_expire():
    cache = TileCache(ttl_s=-1.0)
    cache.put(("a", 0, 0, 0, 1), b"x")
    assert cache.get(("a", 0, 0, 0, 1)) is None
