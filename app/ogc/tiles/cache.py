"""A small in-process cache of generated tiles: bounded in bytes, entries expire after a TTL.

Generating a low-zoom tile reads thousands of rows; the same tile is asked for again and again
while people pan. Entries live ``ttl_s`` seconds (60 s by default, well under the 600 s that HTTP
caches may keep a tile anyway), so an import shows up within a minute. The byte bound counts what
an entry really holds in memory, so a flood of empty (204) tiles is bounded too.
"""

from __future__ import annotations

import sys
import threading
import time
from collections import OrderedDict

TileKey = tuple[str, int, int, int]
DEFAULT_MAX_BYTES = 64 * 1024 * 1024
DEFAULT_TTL_S = 60.0
# Memory of one entry besides the tile's bytes object, measured with tracemalloc over 100 000
# entries (321 B each): the key tuple and its two large ints (the collection id is the catalog's
# shared string), the (stamp, tile) tuple and its float, and the OrderedDict slot and link.
ENTRY_OVERHEAD_BYTES = 320


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
