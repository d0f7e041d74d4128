"""Wiring of the interoperability endpoints: OGC API routers, downloads, CORS and compression."""

from __future__ import annotations

from fastapi import FastAPI
from fastapi.middleware.cors import CORSMiddleware
from fastapi.middleware.gzip import GZipMiddleware

from app.ogc.downloads import routes as downloads
from app.ogc.features import collections, items, writes
from app.ogc.service import landing
from app.ogc.tiles import routes as tiles
from app.ogc.tiles.cache import DataVersionClock, TileCache
from app.settings import Settings

GZIP_MIN_BYTES = 1024
# Level 1: GeoJSON still shrinks about 5×, and a 200 MB export is not held back by the CPU.
GZIP_LEVEL = 1
# X-Sitereg-LSN: a write's WAL position, sent back by a portal to read its write (app.read_routing).
EXPOSED_HEADERS = [
    "ETag", "Content-Crs", "Content-Disposition", "X-Request-ID", "Location", "X-Sitereg-LSN"
]  # fmt: skip


def install_interop(app: FastAPI, settings: Settings) -> None:
    """Include the OGC API and download routers; add gzip and, for named origins, CORS."""
    for module in (landing, collections, items, writes, tiles, downloads):
        app.include_router(module.router)
    app.state.tile_cache = TileCache()
    app.state.data_version = DataVersionClock()
    app.add_middleware(GZipMiddleware, minimum_size=GZIP_MIN_BYTES, compresslevel=GZIP_LEVEL)
    if settings.cors_origins:
        app.add_middleware(
            CORSMiddleware,
            allow_origins=settings.cors_origins,
            allow_methods=["GET", "HEAD", "OPTIONS", "POST", "PUT", "PATCH", "DELETE"],
            allow_headers=[
                "Accept",
                "If-None-Match",
                "If-Match",
                "Content-Type",
                "Content-Crs",
                "Authorization",
                "X-Sitereg-LSN",
            ],
            expose_headers=EXPOSED_HEADERS,
            max_age=3600,
        )
