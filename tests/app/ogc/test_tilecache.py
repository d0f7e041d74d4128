from app.ogc.tiles.cache import TileCache


def test_tile_cache_returns_what_was_stored():
    cache = TileCache()
    cache.put(("forest", 8, 1, 2), b"tile")
    cache.put(("forest", 8, 1, 3), b"")
    assert cache.get(("forest", 8, 1, 2)) == b"tile"
    assert cache.get(("forest", 8, 1, 3)) == b""
    assert cache.get(("forest", 8, 1, 4)) is None


def test_tile_cache_evicts_the_least_recently_used_beyond_its_size():
    cache = TileCache(max_bytes=10)
    cache.put(("a", 0, 0, 0), b"12345")
    cache.put(("b", 0, 0, 0), b"12345")
    assert cache.get(("a", 0, 0, 0)) == b"12345"  # a is now the most recent
    cache.put(("c", 0, 0, 0), b"12345")
    assert cache.get(("b", 0, 0, 0)) is None
    assert cache.get(("a", 0, 0, 0)) == b"12345"


def test_tile_cache_entries_expire():
    cache = TileCache(ttl_s=-1.0)
    cache.put(("a", 0, 0, 0), b"x")
    assert cache.get(("a", 0, 0, 0)) is None
