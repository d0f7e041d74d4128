"""Application settings, read once from the environment (prefix ``SITEREG_``)."""

from __future__ import annotations

import os
import tempfile
from dataclasses import dataclass, replace
from functools import lru_cache
from pathlib import Path
from typing import Literal
from urllib.parse import urlsplit

from pydantic import AliasChoices, BaseModel, Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from spatial.io.archive import ZipLimits
from spatial.io.proposal_cost import ProposalLimits

PROJECT_ROOT = Path(__file__).resolve().parent.parent


class ClusterSettings(BaseModel):
    """The embedded PostgreSQL cluster used when ``DATABASE_URL`` is not set."""

    data_dir: Path = PROJECT_ROOT / ".data"
    port: int = Field(default=54329, ge=1024, le=65535)
    database: str = "sitereg"
    # "shapely": PostGIS runs on the GEOS that the installed shapely wheel carries when it is
    # newer than the system's (devcluster.cluster.geos_for_server); "system": Debian's own.
    geos: Literal["shapely", "system"] = "shapely"


class PoolSettings(BaseModel):
    """Database connection pool of one server process."""

    # 16 connections keep a 16-client load from reopening sessions (bench/README.md: z14 tiles
    # 188 → 217 req/s, p99 442 → 188 ms when going from 8 to 16).
    size: int = Field(default=16, ge=1)
    overflow: int = Field(default=8, ge=0)
    # A request waits at most this long for a pooled connection, then gets 503 with Retry-After
    # (the database is down, or every connection is busy).
    wait_s: float = Field(default=5.0, gt=0)
    # Opening a new connection gives up after this long (libpq ``connect_timeout``, whole s).
    connect_timeout_s: int = Field(default=3, ge=1)
    # Connections all server processes together may open (``workers`` share it equally). The
    # embedded cluster allows 100; the rest is left for migrations, backups and psql.
    max_connections: int = Field(default=90, ge=1)


class TimeoutSettings(BaseModel):
    """How long one statement of each class of request may run before PostgreSQL cancels it.

    The request then gets 503 problem+json saying it took too long. Imports have their own
    (``imports.statement_timeout_s``).
    """

    # OGC items, the plain API's lists and records, pages, dashboards: everything not below.
    items_s: float = Field(default=10.0, gt=0)
    tiles_s: float = Field(default=10.0, gt=0)
    # Proposal checks and the analysis reports (forest overlap, clearance, plan overlaps, nearby).
    analysis_s: float = Field(default=30.0, gt=0)
    # Downloads: a whole layer in GeoPackage or Shapefile takes seconds.
    exports_s: float = Field(default=300.0, gt=0)
    writes_s: float = Field(default=30.0, gt=0)
    # A connection left idle inside a transaction this long is closed by PostgreSQL, so a
    # stuck request can never keep locks or a pooled connection.
    idle_in_transaction_s: float = Field(default=60.0, gt=0)


class ReplicaSettings(BaseModel):
    """When reads go to the streaming replica of ``DATABASE_REPLICA_URL`` (docs/scaling.md)."""

    # A replica further behind the primary than this (seconds of WAL not yet replayed) gets no
    # reads until it has caught up: they go to the primary.
    max_lag_s: float = Field(default=5.0, ge=0)
    # How often each server process asks both servers where the replica's replay stands: the
    # longest a stopped or lagging replica may still be chosen, and the usual delay before a
    # client's own write (X-Sitereg-LSN) is read from the replica rather than the primary.
    check_interval_s: float = Field(default=0.5, gt=0)
    # A read waits at most this long for a replica connection, then reads from the primary.
    wait_s: float = Field(default=1.0, gt=0)
    # The ``sitereg_lsn`` cookie set after a write lives this long: a browser's reads go to the
    # replica only once it has replayed that write.
    lsn_cookie_s: int = Field(default=300, ge=1)


class LimitSettings(BaseModel):
    """Request limits."""

    page_size_default: int = Field(default=100, ge=1)
    page_size_max: int = Field(default=1000, ge=1)
    upload_max_mb: float = Field(default=20.0, gt=0)
    # An uploaded .zip (proposal checks, boundary files): members and MB once unzipped, read
    # from its listing before anything is extracted.
    upload_zip_members: int = Field(default=64, ge=1)
    upload_unzipped_mb: float = Field(default=200.0, gt=0)
    # Admission control: at most this many proposal checks do database work at once; the others
    # wait their turn. 0 = twice the CPU cores. With 16 clients on 2 cores, 4 instead of no
    # limit cut the p95 from 104–149 to 76–91 ms (bench/README.md).
    check_concurrency: int = Field(default=0, ge=0)
    # Costly checks wait in a lane of their own (app.db.admission.HeavyLane): a proposal of
    # ``heavy_check_vertices`` or more (counted in the upload before it is read) waits for one
    # of ``heavy_check_concurrency`` slots of the whole database (every server process
    # together; advisory locks), and never for an ordinary check's slot. Four 2 000-vertex
    # checks at once otherwise held every slot and both cores while items, tiles and short
    # checks waited seconds (bench/README.md, issue 18's mixed load). 0 = no lane of their own.
    heavy_check_vertices: int = Field(default=1_000, ge=4)
    heavy_check_concurrency: int = Field(default=1, ge=0)

    # The same for vector tiles generated in PostgreSQL (cached tiles never wait). With 16
    # connections on 2 cores, 4 instead of no limit cut the z12 forest p99 from 91-112 to 63-90 ms.
    tile_concurrency: int = Field(default=0, ge=0)

    # The same for feature writes (OGC API Part 4): each runs in a worker thread holding the
    # GIL for most of its Python work, so many at once mostly trade the GIL back and forth.
    # 0 = twice the CPU cores (bench/writes.py, bench/README.md has the figures).
    write_concurrency: int = Field(default=0, ge=0)

    # What one proposal check may hold (spatial.io.proposal_cost), refused before any database
    # work with the limit in the message. A decision's annex boundary has tens to hundreds of
    # vertices and a zone a few thousand hectares; a province is about 640 000 ha.
    check_max_vertices: int = Field(default=5_000, ge=4)
    check_max_parts: int = Field(default=200, ge=1)
    check_max_area_ha: float = Field(default=50_000.0, gt=0)

    def proposal_limits(self) -> ProposalLimits:
        """Return the most one proposal check may hold."""
        return ProposalLimits(
            max_vertices=self.check_max_vertices,
            max_parts=self.check_max_parts,
            max_area_ha=self.check_max_area_ha,
        )

    def zip_limits(self) -> ZipLimits:
        """Return what an uploaded .zip of a proposal check or boundary file may hold."""
        return ZipLimits(
            max_members=self.upload_zip_members,
            max_unzipped_bytes=int(self.upload_unzipped_mb * 2**20),
        )

    def check_slots(self) -> int:
        """Return how many proposal checks may do database work at once."""
        return self.check_concurrency or _twice_the_cores()

    def tile_slots(self) -> int:
        """Return how many vector tiles may be generated at once."""
        return self.tile_concurrency or _twice_the_cores()

    def write_slots(self) -> int:
        """Return how many feature writes may run at once."""
        return self.write_concurrency or _twice_the_cores()


@dataclass(frozen=True)
class PoolPlan:
    """The connections of one server process: the engine's and each asyncio pool's."""

    engine_size: int
    engine_overflow: int
    read: int
    tile_slots: int
    check_slots: int
    heavy_check_slots: int = 0

    @property
    def tile(self) -> int:
        """Connections of the tile pool: one per tile admitted at once."""
        return self.tile_slots

    @property
    def check(self) -> int:
        """Connections of the check pool: a check runs two statements at once, then its pieces.

        A costly check holds two: its slot's advisory lock and its one statement.
        """
        return 2 * self.check_slots + 1 + 2 * self.heavy_check_slots

    @property
    def total(self) -> int:
        """Connections this process may open at most."""
        return self.engine_size + self.engine_overflow + self.read + self.tile + self.check


def plan_pools(pool: PoolSettings, limits: LimitSettings, workers: int) -> PoolPlan:
    """Size one process's pools so that ``workers`` processes stay within ``max_connections``.

    The sizes the settings ask for are kept when they fit the process's share; otherwise each
    shrinks in proportion (at least one connection each, one check and one tile at a time).

    Raises:
        ValueError: when even those minimums do not fit, saying how many connections are needed.
    """
    wanted = PoolPlan(
        pool.size,
        pool.overflow,
        pool.size,
        limits.tile_slots(),
        limits.check_slots(),
        limits.heavy_check_concurrency,
    )
    share = pool.max_connections // workers
    if wanted.total <= share:
        return wanted
    fixed = wanted.total - replace(wanted, heavy_check_slots=0).total  # the costly checks' lane
    scale = max(0, share - fixed) / (wanted.total - fixed)
    plan = PoolPlan(
        engine_size=max(1, int(wanted.engine_size * scale)),
        engine_overflow=int(wanted.engine_overflow * scale),
        read=max(1, int(wanted.read * scale)),
        tile_slots=max(1, int(wanted.tile_slots * scale)),
        check_slots=max(1, int(wanted.check_slots * scale)),
        heavy_check_slots=wanted.heavy_check_slots,  # one or two: never scaled away
    )
    if plan.total > share:
        raise ValueError(
            f"SITEREG_POOL__MAX_CONNECTIONS={pool.max_connections} leaves {share} connections to "
            f"each of {workers} workers; each needs at least {plan.total}: raise it, or lower "
            "SITEREG_WORKERS"
        )
    return plan


def _twice_the_cores() -> int:
    """Admission limits default to two requests per core: one running, one ready behind it."""
    return 2 * (os.cpu_count() or 1)


class SecuritySettings(BaseModel):
    """What HTML pages send to browsers, and the server's public address."""

    # Absolute links (OGC API, decisions) start with this origin, e.g.
    # https://sitereg.laocai.gov.vn; unset = the Host header of each request (development only:
    # a client could choose the host of the links it gets).
    public_base_url: str | None = None
    # Who may embed the pages in a frame (CSP frame-ancestors): 'none', 'self' or origins.
    frame_ancestors: str = "'none'"

    @field_validator("public_base_url")
    @classmethod
    def _check_base_url(cls, value: str | None) -> str | None:
        """Accept only an http(s) origin (scheme and host, no path); drop a final slash."""
        if not value:
            return None
        parts = urlsplit(value.rstrip("/"))
        if parts.scheme not in ("http", "https") or not parts.netloc or parts.path or "?" in value:
            raise ValueError("public_base_url must be an origin such as https://example.gov.vn")
        return value.rstrip("/")


OSM_TILE_URL = "https://tile.openstreetmap.org/{z}/{x}/{y}.png"
OSM_ATTRIBUTION = "© OpenStreetMap contributors"


class MapSettings(BaseModel):
    """Map page settings: the online base map offered beside the offline one."""

    # An XYZ tile URL the layer switcher offers as a second base map. Off unless
    # ``online_basemap`` is true, or ``tile_url`` is set explicitly: the pages then make no
    # request outside the server (the offline base map ships with the project).
    tile_url: str = OSM_TILE_URL
    tile_attribution: str = OSM_ATTRIBUTION
    online_basemap: bool | None = None

    @property
    def online_tile_url(self) -> str | None:
        """Return the online base map's tile URL when it is switched on, else None."""
        on = self.online_basemap
        if on is None:
            on = "tile_url" in self.model_fields_set
        return self.tile_url if on and self.tile_url else None


class AuthSettings(BaseModel):
    """Who may read, and web sign-in: the session cookie and the sign-in throttle."""

    # Off: every route but /healthz, /sign-in, static files and the OGC landing, conformance and
    # OpenAPI documents answers 401 to anonymous callers. Personal fields never go to them anyway.
    anonymous_read: bool = True

    # Secure cookies travel only over HTTPS: turn on behind TLS; off suits http://localhost.
    secure_cookies: bool = False
    # A session ends after this long without a request (sliding), or at sign-out.
    session_hours: float = Field(default=8.0, gt=0)
    # Failed sign-ins per username, or per client address, within the window, before 429.
    max_failed_sign_ins: int = Field(default=5, ge=1)
    throttle_window_minutes: float = Field(default=15.0, gt=0)


class ImportSettings(BaseModel):
    """Imports of official layers: limits of their own, apart from interactive requests."""

    # Signed-in editors' files: a province's forest inventory is hundreds of MB.
    max_upload_mb: float = Field(default=2048.0, gt=0)
    # Each statement of an import may take this long (interactive requests never do).
    statement_timeout_s: int = Field(default=3600, ge=1)
    # Where uploaded files wait for their import job (then are deleted).
    spool_dir: Path = PROJECT_ROOT / ".data" / "imports"


class Settings(BaseSettings):
    """All sitereg settings; ``DATABASE_URL`` is read unprefixed."""

    model_config = SettingsConfigDict(
        env_prefix="SITEREG_", env_nested_delimiter="__", extra="ignore"
    )

    database_url: str | None = Field(
        default=None, validation_alias=AliasChoices("DATABASE_URL", "SITEREG_DATABASE_URL")
    )
    # A streaming replica of DATABASE_URL's server (same database, same roles): anonymous reads
    # go there (app.read_routing, docs/scaling.md); unset = everything reads the primary.
    database_replica_url: str | None = Field(
        default=None,
        validation_alias=AliasChoices("DATABASE_REPLICA_URL", "SITEREG_DATABASE_REPLICA_URL"),
    )
    replica: ReplicaSettings = ReplicaSettings()
    # Who migrates and loads the demo (the owner of the schema); unset = DATABASE_URL.
    migration_database_url: str | None = None
    host: str = "127.0.0.1"
    port: int = Field(default=8000, ge=1, le=65535)
    # Server processes (uvicorn workers) of `sitereg serve` and `make run`; 0 = one per CPU core.
    # They share ``pool.max_connections`` (``pool_plan``).
    workers: int = Field(default=1, ge=0)
    log_json: bool = False
    log_level: str = "INFO"
    demo_data_dir: Path = PROJECT_ROOT / "data" / "geojson"
    cluster: ClusterSettings = ClusterSettings()
    pool: PoolSettings = PoolSettings()
    limits: LimitSettings = LimitSettings()
    map: MapSettings = MapSettings()
    auth: AuthSettings = AuthSettings()
    imports: ImportSettings = ImportSettings()
    timeouts: TimeoutSettings = TimeoutSettings()
    security: SecuritySettings = SecuritySettings()
    # Temporary files of downloads and uploads: one folder per server process under this,
    # swept of folders older than ``temp_max_age_hours`` at start-up and every hour.
    temp_dir: Path = Path(tempfile.gettempdir()) / "sitereg"
    temp_max_age_hours: float = Field(default=6.0, gt=0)
    cors_origins: list[str] = Field(
        default_factory=list, description="Portal origins allowed by CORS (JSON list)."
    )

    def worker_count(self) -> int:
        """Return how many server processes to run."""
        return self.workers or (os.cpu_count() or 1)

    def pool_plan(self) -> PoolPlan:
        """Return the pool sizes of one server process (``plan_pools``)."""
        return plan_pools(self.pool, self.limits, self.worker_count())

    @field_validator("database_url", "migration_database_url", "database_replica_url")
    @classmethod
    def _check_driver(cls, value: str | None) -> str | None:
        """Reject URLs that do not name PostgreSQL."""
        if value is None or value == "":
            return None
        if not value.startswith(("postgresql://", "postgresql+psycopg://")):
            raise ValueError("database URLs must be postgresql:// or postgresql+psycopg:// URLs")
        if value.startswith("postgresql://"):
            value = "postgresql+psycopg://" + value.removeprefix("postgresql://")
        return value


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """Return the process-wide settings, built on first use."""
    return Settings()
