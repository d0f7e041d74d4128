"""Application factory: ``create_app(settings)`` builds everything; nothing happens at import."""

from __future__ import annotations

import gc
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import Depends, FastAPI
from fastapi.staticfiles import StaticFiles
from sqlalchemy import Engine

from app.db.admission import CheckLanes, DatabaseSlots, HeavyLane, InFlight
from app.db.engine import (
    connection_options,
    make_engine,
    make_session_factory,
    server_database_url,
)
from app.db.read_pool import ReadPool, make_read_pool
from app.db.replica import (
    ReplicaMonitor,
    ReplicaState,
    RoutedClock,
    RoutedPool,
    RoutedSessions,
)
from app.deps import require_reader
from app.errors import register_error_handlers
from app.input_guard import InputGuardMiddleware, body_limits
from app.interop import install_interop
from app.log import configure_logging, install_request_logging
from app.metrics import Metrics
from app.metrics import router as metrics_router
from app.ogc.tiles.cache import DataVersionClock
from app.read_routing import install_read_routing
from app.routers import (
    analysis,
    auth,
    check_report,
    decisions,
    docs,
    drafts,
    health,
    history,
    imports,
    me,
    sites,
    target_admin,
    targets,
)
from app.routers import map as map_pages
from app.security import install_security_headers
from app.settings import PROJECT_ROOT, PoolPlan, Settings, get_settings
from app.tempfiles import start_temp_sweeper

DESCRIPTION = """
Sổ đăng ký không gian KCN, CCN, mỏ khoáng sản và khu di dời — Lào Cai, Lai Châu.

Geospatial registry of industrial zones (KCN), industrial clusters (CCN), mining sites and
relocation areas. Geometries are EPSG:4326 GeoJSON (RFC 7946); areas are geodesic hectares on
the WGS 84 ellipsoid. Errors are `application/problem+json` (RFC 9457).
"""


def create_app(settings: Settings | None = None) -> FastAPI:
    """Build the FastAPI app; the engine opens in the lifespan and lives on ``app.state``."""
    settings = settings or get_settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        await open_database(app, settings)
        sweeper = start_temp_sweeper(app, settings)
        try:
            yield
        finally:
            sweeper.cancel()
            await close_database(app)

    # auth.anonymous_read off: one app-wide dependency turns anonymous callers away.
    gate = [] if settings.auth.anonymous_read else [Depends(require_reader)]
    app = FastAPI(
        title="sitereg",
        dependencies=gate,
        version="0.1.0",
        description=DESCRIPTION,
        lifespan=lifespan,
        docs_url=None,  # served by app.routers.docs from /static, not from a CDN
        redoc_url=None,
    )
    app.state.settings = settings
    register_error_handlers(app)
    app.state.metrics = Metrics()
    # Inside the request log, so a refused request is logged with its id like any other.
    app.add_middleware(InputGuardMiddleware, limits=body_limits(settings))
    install_request_logging(app, app.state.metrics)
    install_security_headers(app, settings)
    # The proposal check is the hottest route: its router is matched first.
    for module in (
        analysis,
        check_report,
        health,
        docs,
        map_pages,
        auth,
        sites,
        history,
        decisions,
        drafts,
        targets,
        target_admin,
        me,
        imports,
    ):
        app.include_router(module.router)
    app.include_router(metrics_router)
    # Map libraries from the npm registry (static/vendor) and the pages' own scripts.
    app.mount("/static", StaticFiles(directory=PROJECT_ROOT / "static", check_dir=False), "static")
    install_interop(app, settings)
    install_read_routing(app, settings)
    return app


async def open_database(app: FastAPI, settings: Settings) -> None:
    """Open the engine and the asyncio pools, each with its class's time limit (settings).

    Tiles and proposal checks have pools of their own, as many connections as their admission
    slots let work at once (a check runs two statements at once, and then its pieces): each
    pool's ``statement_timeout`` is set when a connection opens, so no request pays a
    statement for it (``app.db.engine.connection_options``).
    """
    url = server_database_url(settings)
    limits, plan = settings.limits, settings.pool_plan()  # this process's share of the budget
    app.state.engine = _engine(settings, plan, url)
    app.state.session_factory = make_session_factory(app.state.engine)
    for name, opened in (await _open_pools(settings, plan, url)).items():
        setattr(app.state, name, opened)
    if settings.database_replica_url:
        await _open_replica(app, settings, plan, settings.database_replica_url)
    # Admission control for the work awaited on the pools (app.db.admission).
    app.state.checks_in_flight = InFlight(plan.check_slots)
    app.state.check_lanes = _check_lanes(app, settings)
    app.state.tiles_in_flight = InFlight(plan.tile_slots)
    engine_connections = plan.engine_size + plan.engine_overflow
    app.state.writes_in_flight = InFlight(min(limits.write_slots(), engine_connections))


def _check_lanes(app: FastAPI, settings: Settings) -> CheckLanes:
    """Return the proposal checks' admission: ordinary slots, and a lane for costly ones."""
    limits = settings.limits
    heavy = None
    if limits.heavy_check_concurrency:
        slots = DatabaseSlots(app.state.check_pool, limits.heavy_check_concurrency)
        heavy = HeavyLane(limits.heavy_check_concurrency, slots)
    return CheckLanes(app.state.checks_in_flight, heavy, limits.heavy_check_vertices)


def _engine(settings: Settings, plan: PoolPlan, url: str, name: str = "sitereg") -> Engine:
    """Return the ORM engine of ``url``, sized by this process's pool plan, limited as items."""
    timeouts, pool = settings.timeouts, settings.pool
    items = connection_options(
        statement_timeout_s=timeouts.items_s, idle_in_transaction_s=timeouts.idle_in_transaction_s
    )
    return make_engine(
        url,
        pool_size=plan.engine_size,
        max_overflow=plan.engine_overflow,
        options=items,
        wait_s=pool.wait_s,
        connect_timeout_s=pool.connect_timeout_s,
        application_name=name,
    )


async def _open_pools(
    settings: Settings, plan: PoolPlan, url: str, *, replica: bool = False
) -> dict[str, ReadPool]:
    """Open the asyncio pools of items (and token reads), tiles and proposal checks.

    A replica has no pool of proposal checks: checks are POST requests, read from the primary.
    """
    timeouts, pool = settings.timeouts, settings.pool
    pools = {
        "read_pool": (plan.read, timeouts.items_s),
        "tile_pool": (plan.tile, timeouts.tiles_s),
        "check_pool": (plan.check, timeouts.analysis_s),
    }
    if replica:
        del pools["check_pool"]
    suffix = "_replica" if replica else ""
    opened: dict[str, ReadPool] = {}
    for name, (size, timeout_s) in pools.items():
        options = connection_options(
            statement_timeout_s=timeout_s,
            idle_in_transaction_s=timeouts.idle_in_transaction_s,
            # A tile is one short statement among many at once: no parallel workers (issue 20).
            serial=name == "tile_pool",
        )
        opened[name] = make_read_pool(
            url,
            max_size=size,
            options=options,
            name=name + suffix,
            wait_s=pool.wait_s,
            connect_timeout_s=pool.connect_timeout_s,
        )
        await opened[name].open()
    return opened


async def _open_replica(app: FastAPI, settings: Settings, plan: PoolPlan, url: str) -> None:
    """Open the replica's engine and pools, route reads between the two, watch its lag.

    A replica that is down at start-up is no error: reads go to the primary until it answers.
    """
    state = ReplicaState(max_lag_s=settings.replica.max_lag_s)
    app.state.replica = state
    app.state.replica_engine = _engine(settings, plan, url, "sitereg replica")
    app.state.session_factory = RoutedSessions(
        app.state.session_factory, make_session_factory(app.state.replica_engine), state
    )
    replicas = await _open_pools(settings, plan, url, replica=True)
    for name, replica in replicas.items():
        routed = RoutedPool(
            getattr(app.state, name), replica, state, replica_wait_s=settings.replica.wait_s
        )
        setattr(app.state, name, routed)
    app.state.data_version = RoutedClock(app.state.data_version, DataVersionClock, state)
    monitor = ReplicaMonitor(
        state,
        primary=app.state.read_pool.primary,
        replica=replicas["read_pool"],
        interval_s=settings.replica.check_interval_s,
    )
    app.state.replica_monitor = monitor
    await monitor.poll()
    monitor.start()


async def close_database(app: FastAPI) -> None:
    """Close the asyncio pools and dispose of the engine(s)."""
    monitor = getattr(app.state, "replica_monitor", None)
    if monitor is not None:
        await monitor.stop()
        app.state.replica_engine.dispose()
    for name in ("read_pool", "tile_pool", "check_pool"):
        await getattr(app.state, name).close()
    app.state.engine.dispose()


def factory() -> FastAPI:
    """Entry point for ``uvicorn --factory app.main:factory`` (and ``sitereg serve``).

    The server process then moves everything built so far (modules, routes, models, the
    catalogue) out of the garbage collector's reach with ``gc.freeze()``. Those objects live as
    long as the process, yet a full collection walked all of them: pauses of up to 200 ms,
    which set the p99 of tiles and checks under load (bench/README.md).
    """
    settings = get_settings()
    configure_logging(settings.log_level, json_lines=settings.log_json)
    app = create_app(settings)
    freeze_startup_objects()
    return app


def freeze_startup_objects() -> None:
    """Collect the garbage of start-up, then exempt what remains from future collections."""
    gc.collect()
    gc.freeze()
