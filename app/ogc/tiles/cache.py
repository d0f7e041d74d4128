"""A small in-process cache of generated tiles: bounded in bytes, keyed by the data version.

Generating a low-zoom tile reads thousands of rows; the same tile is asked for again and again
while people pan. A key names the registry's data version the tile was made from
(``registry_state.data_version``, which grows with every write in any process or replica), so a
write makes every older tile a miss at once. :class:`DataVersionClock` reads that version at
most once a second per process: a cached tile then costs no query at all, and a write shows
within a second. Entries also expire after ``ttl_s`` seconds (60 s by default, well under the
600 s that HTTP caches may keep a tile anyway) for layers outside the history (administrative
units, reloaded only by the demo loader). The byte bound counts what an entry really holds in
memory, so a flood of empty (204) tiles is bounded too.
"""

from __future__ import annotations

import sys
import threading
import time
from collections import OrderedDict
from typing import Final

from psycopg_pool import AsyncConnectionPool

from app.db.read_pool import AsyncConnection, fetch_one_prepared

TileKey = tuple[str, int, int, int, int]
"""Collection id, zoom, column, row, and the data version the tile was made from."""
DEFAULT_MAX_BYTES = 64 * 1024 * 1024
DEFAULT_TTL_S = 60.0
# Memory of one entry besides the tile's bytes object, measured with tracemalloc over 100 000
# entries (321 B each): the key tuple and its two large ints (the collection id is the catalog's
# shared string), the (stamp, tile) tuple and its float, and the OrderedDict slot and link; plus
# the data version's tuple slot (8 B; its int is shared by every tile of one version).
ENTRY_OVERHEAD_BYTES = 328
DATA_VERSION_SQL: Final = "SELECT data_version FROM registry_state"
DATA_VERSION_MAX_AGE_S: Final = 1.0


def entry_cost(tile: bytes) -> int:
    """Return the bytes one cached tile occupies: its bytes object plus the entry overhead."""
    return sys.getsizeof(tile) + ENTRY_OVERHEAD_BYTES


class TileCache:
    """Least-recently-used tiles, at most ``max_bytes`` of memory, each kept ``ttl_s`` seconds.

    ``max_bytes=0`` stores nothing (the benchmark's "cache off").
    """

    def __init__(self, max_bytes: int = DEFAULT_MAX_BYTES, ttl_s: float = DEFAULT_TTL_S) -> None:
        self.max_bytes = max_bytes
        self.ttl_s = ttl_s
        self._entries: OrderedDict[TileKey, tuple[float, bytes]] = OrderedDict()
        self._bytes = 0
        self._lock = threading.Lock()

    def get(self, key: TileKey) -> bytes | None:
        """Return the cached tile (``b""`` for an empty one), or None when absent or expired."""
        with self._lock:
            entry = self._entries.get(key)
            if entry is None:
                return None
            stored_at, tile = entry
            if time.monotonic() - stored_at > self.ttl_s:
                self._drop(key)
                return None
            self._entries.move_to_end(key)
            return tile

    def put(self, key: TileKey, tile: bytes) -> None:
        """Store a tile, evicting the least recently used ones beyond ``max_bytes``."""
        if entry_cost(tile) > self.max_bytes:
            return
        with self._lock:
            if key in self._entries:
                self._drop(key)
            self._entries[key] = (time.monotonic(), tile)
            self._bytes += entry_cost(tile)
            while self._bytes > self.max_bytes:
                self._drop(next(iter(self._entries)))

    def _drop(self, key: TileKey) -> None:
        _, tile = self._entries.pop(key)
        self._bytes -= entry_cost(tile)


class DataVersionClock:
    """The registry's data version, read from the database at most every ``max_age_s`` seconds.

    One primary-key read of the single ``registry_state`` row per second per process, instead
    of one per tile: a cached tile is served without any query, and after a write (in any
    process or replica) the tiles are made again within ``max_age_s``. Concurrent requests at
    the turn of a second may each read it; that costs one cheap read each and nothing else.
    """

    def __init__(self, max_age_s: float = DATA_VERSION_MAX_AGE_S) -> None:
        self.max_age_s = max_age_s
        self._value = 0
        self._read_at = float("-inf")

    async def current(self, pool: AsyncConnectionPool[AsyncConnection]) -> int:
        """Return the data version, from memory when it was read less than a second ago."""
        if time.monotonic() - self._read_at < self.max_age_s:
            return self._value
        row = await fetch_one_prepared(pool, DATA_VERSION_SQL, {})
        self._value, self._read_at = int(row[0]) if row else 0, time.monotonic()
        return self._value
