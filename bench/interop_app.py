"""App factory for ``bench/interop.py``: the unchanged app with the in-process tile cache off.

Tile throughput is compared with tipg, which has no tile cache, so every tile is generated.
"""

from __future__ import annotations

from fastapi import FastAPI

import app.main
from app.ogc.tiles.cache import TileCache


def factory() -> FastAPI:
    """Build the app as ``app.main.factory`` does, with a zero-byte tile cache."""
    built = app.main.factory()
    built.state.tile_cache = TileCache(max_bytes=0)
    return built
