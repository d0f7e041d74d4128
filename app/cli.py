"""The ``sitereg`` command line: database lifecycle, migrations, demo data, server."""

from __future__ import annotations

import logging
import os
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Final, TypeVar

import typer
from pydantic import BaseModel
from sqlalchemy.orm import Session

from app.cli_decisions import decision_app
from app.log import configure_logging
from app.schemas.analysis import AnswerFormat
from app.settings import PROJECT_ROOT, Settings, get_settings

if TYPE_CHECKING:
    from devcluster.cluster import ClusterStatus, EmbeddedCluster

app = typer.Typer(
    help="sitereg: registry of industrial zones, clusters, mines and relocations.",
    no_args_is_help=True,
    add_completion=False,
)
db_app = typer.Typer(
    help="The database: embedded cluster lifecycle and migrations.", no_args_is_help=True
)
app.add_typer(db_app, name="db")
app.add_typer(decision_app, name="decision")

T = TypeVar("T")
_state = {"debug": False}


@app.callback()
def main_options(
    debug: Annotated[bool, typer.Option("--debug", help="Show tracebacks and debug logs.")] = False,
) -> None:
    """Set global options."""
    _state["debug"] = debug
    configure_logging("DEBUG" if debug else "WARNING")


@contextmanager
def _friendly_errors() -> Iterator[None]:
    """Turn any failure into one clear line and exit code 1 (traceback only with --debug)."""
    try:
        yield
    except typer.Exit:
        raise
    except Exception as exc:  # noqa: BLE001 (the CLI's single exit point for failures)
        if _state["debug"]:
            logging.getLogger(__name__).exception("command failed")
        typer.echo(f"error: {exc}", err=True)
        for problem in getattr(exc, "errors", [])[:20]:
            typer.echo(f"  at {problem.pointer}: {problem.detail}", err=True)
        raise typer.Exit(code=1) from None


def _cluster(settings: Settings) -> EmbeddedCluster:
    # Loaded here only: the development cluster never enters the server's imports.
    from devcluster.cluster import EmbeddedCluster

    return EmbeddedCluster(settings.cluster)


def database_url(settings: Settings) -> str:
    """Return the server's URL: ``DATABASE_URL``, or the embedded cluster's as its app role."""
    if settings.database_url:
        return settings.database_url
    return _cluster(settings).app_url()


def migration_database_url(settings: Settings) -> str:
    """Return the schema owner's URL, which migrates and loads the demo.

    ``SITEREG_MIGRATION_DATABASE_URL``, else ``DATABASE_URL``, else the embedded cluster's
    superuser (the owner of its database).
    """
    if settings.migration_database_url:
        return settings.migration_database_url
    if settings.database_url:
        return settings.database_url
    return _cluster(settings).url()


def _describe(status: ClusterStatus) -> str:
    if not status.initialised:
        return f"embedded cluster: not created ({status.data_dir})"
    state = (
        f"running on 127.0.0.1:{status.port} (pid {status.pid})" if status.running else "stopped"
    )
    return f"embedded cluster: {state}, data in {status.data_dir}"


def _external(settings: Settings) -> bool:
    if settings.database_url:
        typer.echo("DATABASE_URL is set: the embedded cluster is not used")
        return True
    return False


def _run(action: Callable[[], T]) -> T:
    with _friendly_errors():
        return action()
    raise AssertionError("unreachable")  # pragma: no cover


@db_app.command("start")
def db_start() -> None:
    """Start the embedded cluster (creating it and installing PostGIS if needed)."""
    settings = get_settings()
    if not _external(settings):
        typer.echo(_describe(_run(_cluster(settings).start)))


@db_app.command("stop")
def db_stop() -> None:
    """Stop the embedded cluster; the data stays."""
    settings = get_settings()
    if not _external(settings):
        typer.echo(_describe(_run(_cluster(settings).stop)))


@db_app.command("status")
def db_status() -> None:
    """Print whether the embedded cluster exists and runs."""
    settings = get_settings()
    if not _external(settings):
        typer.echo(_describe(_run(_cluster(settings).status)))


@db_app.command("reset")
def db_reset(
    yes: Annotated[bool, typer.Option("--yes", help="Do not ask for confirmation.")] = False,
) -> None:
    """Delete the embedded cluster and all its data."""
    settings = get_settings()
    if _external(settings):
        raise typer.Exit(code=1)
    if not yes:
        typer.confirm(f"Delete every database under {settings.cluster.data_dir}?", abort=True)
    typer.echo(_describe(_run(_cluster(settings).reset)))


def upgrade_database(url: str, revision: str = "head") -> None:
    """Run Alembic migrations on ``url`` up to ``revision``."""
    from alembic import command
    from alembic.config import Config

    config = Config(str(PROJECT_ROOT / "alembic.ini"))
    config.attributes["url"] = url
    command.upgrade(config, revision)


@db_app.command("upgrade")
def db_upgrade(revision: Annotated[str, typer.Argument()] = "head") -> None:
    """Migrate the schema (Alembic) up to ``revision``."""
    settings = get_settings()
    _run(lambda: upgrade_database(migration_database_url(settings), revision))
    typer.echo(f"schema at {revision}")


@app.command("load-demo")
def load_demo(
    force: Annotated[bool, typer.Option("--force", help="Reload even unchanged layers.")] = False,
) -> None:
    """Load the demo layers of data/geojson (idempotent; all-or-nothing)."""
    from app.db.engine import make_engine, make_session_factory
    from app.services.demo_loader import load_demo as run_load

    settings = get_settings()

    def action() -> str:
        engine = make_engine(migration_database_url(settings))
        try:
            with make_session_factory(engine)() as session:
                return run_load(session, settings.demo_data_dir, force=force).summary()
        finally:
            engine.dispose()

    typer.echo(_run(action))


report_app = typer.Typer(
    help="Analysis reports (JSON by default, CSV on request).", no_args_is_help=True
)
app.add_typer(report_app, name="report")


def _with_session(action: Callable[[Session], T]) -> T:
    """Run ``action`` in a session on the configured database; failures exit with code 1."""
    from app.db.engine import make_engine, make_session_factory

    def run() -> T:
        engine = make_engine(database_url(get_settings()))
        try:
            with make_session_factory(engine)() as session:
                return action(session)
        finally:
            engine.dispose()

    return _run(run)


def _emit(model: BaseModel, rows: Sequence[BaseModel], output: AnswerFormat) -> None:
    from app.formats import csv_text

    if output is AnswerFormat.GEOJSON:
        typer.echo("error: reports print json or csv; geojson is served over HTTP", err=True)
        raise typer.Exit(code=1)
    if output is AnswerFormat.CSV:
        typer.echo(csv_text(rows).lstrip("\ufeff"), nl=False)
    else:
        typer.echo(model.model_dump_json(indent=2))


AreaOption = Annotated[
    str, typer.Option("--area", help="geodesic (WGS 84) or vn2000 (TM-3 planar).")
]
FormatOption = Annotated[AnswerFormat, typer.Option("--format", help="json or csv.")]


@report_app.command("forest-overlap")
def report_forest_overlap(
    site: Annotated[str | None, typer.Option(help="One site's code; all sites if omitted.")] = None,
    area: AreaOption = "geodesic",
    output: FormatOption = AnswerFormat.JSON,
) -> None:
    """Hectares of forest land (by category and origin) inside one site or every site."""
    from app.services import reports

    if area not in ("geodesic", "vn2000"):
        typer.echo("error: --area must be geodesic or vn2000", err=True)
        raise typer.Exit(code=1)
    if site:
        one = _with_session(lambda s: reports.site_forest_overlap(s, site, area=area))  # type: ignore[arg-type]
        _emit(one, one.by_category, output)
        return
    whole = _with_session(lambda s: reports.forest_overlap_report(s, area=area))  # type: ignore[arg-type]
    _emit(whole, whole.sites, output)


@report_app.command("clearance")
def report_clearance(
    as_of: Annotated[
        str | None, typer.Option("--as-of", help="YYYY-MM-DD (default today).")
    ] = None,
    output: FormatOption = AnswerFormat.JSON,
) -> None:
    """Site clearance hectares by status on a date, with the 500 ha target."""
    from app.services import reports

    day = _run(lambda: date.fromisoformat(as_of) if as_of else date.today())
    result = _with_session(lambda s: reports.clearance_report(s, as_of=day))
    _emit(result, [*result.sites, result.totals], output)


@report_app.command("plan-overlaps")
def report_plan_overlaps(output: FormatOption = AnswerFormat.JSON) -> None:
    """Overlapping registered sites and sites that cross administrative boundaries."""
    from app.services import reports

    result = _with_session(reports.plan_overlap_report)
    _emit(result, result.overlaps, output)


@report_app.command("nearby")
def report_nearby(
    distance_m: Annotated[float, typer.Option("--distance-m", help="Radius in metres.")],
    site: Annotated[str | None, typer.Option(help="Site code to search around.")] = None,
    lon: Annotated[float | None, typer.Option(help="Longitude (EPSG:4326).")] = None,
    lat: Annotated[float | None, typer.Option(help="Latitude (EPSG:4326).")] = None,
) -> None:
    """Sites and reference features within a distance of a site or a point."""
    from app.services import reports

    if (site is None) == (lon is None or lat is None):
        typer.echo("error: give either --site or both --lon and --lat", err=True)
        raise typer.Exit(code=1)
    result = _with_session(
        lambda s: reports.nearby_features(
            s, site_code=site, lon=lon, lat=lat, distance_m=distance_m
        )
    )
    _emit(result, result.features, AnswerFormat.JSON)


@app.command("check")
def check(
    file: Annotated[Path, typer.Argument(exists=True, dir_okay=False, readable=True)],
    crs: Annotated[
        str | None, typer.Option(help="CRS when the file has none, e.g. EPSG:9208.")
    ] = None,
) -> None:
    """Check a proposed boundary file (GeoJSON, zipped Shapefile, GPKG, KML); nothing is stored."""
    from app.services import proposal_check

    settings = get_settings()
    max_bytes = int(settings.limits.upload_max_mb * 1_000_000)
    data = file.read_bytes()
    result = _with_session(
        lambda s: proposal_check.run(s.connection(), data, file.name, crs=crs, max_bytes=max_bytes)
    )
    typer.echo(result.report.model_dump_json(indent=2))


@app.command("serve")
def serve(
    host: Annotated[str | None, typer.Option(help="Bind address.")] = None,
    port: Annotated[int | None, typer.Option(help="Port.")] = None,
    reload: Annotated[bool, typer.Option(help="Reload on code changes.")] = False,
    workers: Annotated[
        int | None, typer.Option(help="Server processes (default SITEREG_WORKERS; 0 = cores).")
    ] = None,
) -> None:
    """Serve the API and map with uvicorn (Ctrl-C stops it; the data stays)."""
    import uvicorn

    settings, count = _plan_workers(workers, reload=reload)
    host, port = host or settings.host, port or settings.port
    # The server reads only DATABASE_URL; without one it is the embedded cluster's, passed on
    # through the environment (also to the processes that --reload and workers start).
    os.environ["DATABASE_URL"] = _run(lambda: database_url(settings))
    _settle_public_address(settings, host, port)
    get_settings.cache_clear()  # the server's factory reads the settings again, with the URL
    uvicorn.run(
        "app.main:factory",
        factory=True,
        host=host,
        port=port,
        reload=reload,
        workers=count,
        # A worker imports the whole app before it answers its supervisor's first ping: on a
        # busy machine that took over 20 s, and the default 5 s had every worker killed.
        timeout_worker_healthcheck=120,
        access_log=False,  # one line per request comes from app.log instead
        log_level=settings.log_level.lower(),
    )


WILDCARD_HOSTS: Final = frozenset({"0.0.0.0", "::", ""})


def public_address(settings: Settings, host: str, port: int) -> str | None:
    """Return the origin links should name: the setting, else the bound address if specific.

    Links built from the ``Host`` header would let a client choose the host of the links it
    gets (issue 18); a server bound to one address is reached at that address. A server bound
    to every address cannot know its public name: ``None``, and links follow ``Host``.
    """
    if settings.security.public_base_url:
        return settings.security.public_base_url
    if host in WILDCARD_HOSTS:
        return None
    netloc = f"[{host}]" if ":" in host else host
    return f"http://{netloc}:{port}"


def _settle_public_address(settings: Settings, host: str, port: int) -> None:
    """Pass the public address on to the server processes, or warn that there is none."""
    address = public_address(settings, host, port)
    if address is None:
        typer.echo(
            f"warning: bound to {host or 'every address'} and no SITEREG_SECURITY__PUBLIC_BASE_URL"
            ": links follow each request's Host header; set it to the public origin",
            err=True,
        )
        return
    os.environ["SITEREG_SECURITY__PUBLIC_BASE_URL"] = address
    typer.echo(f"links name {address} (SITEREG_SECURITY__PUBLIC_BASE_URL)")


def _plan_workers(workers: int | None, *, reload: bool) -> tuple[Settings, int]:
    """Settle how many server processes run, print their share of connections, and return it.

    The count goes into ``SITEREG_WORKERS``, where each worker reads it to size its pools.
    """
    if workers is not None:
        os.environ["SITEREG_WORKERS"] = str(workers)
    get_settings.cache_clear()
    settings = get_settings()
    # --reload runs one process: uvicorn cannot reload workers.
    count = 1 if reload else settings.worker_count()
    os.environ["SITEREG_WORKERS"] = str(count)
    plan = _run(lambda: settings.model_copy(update={"workers": count}).pool_plan())
    typer.echo(
        f"{count} worker process(es), each with up to {plan.total} database connections "
        f"({settings.pool.max_connections} in all: SITEREG_POOL__MAX_CONNECTIONS)"
    )
    return settings, count


def _register_identity() -> None:
    # Imported here: app.cli_identity reuses this module's session helper.
    from app.cli_agencies import agency_app, feature_app
    from app.cli_backup import backup, base_backup, enable_archiving, restore
    from app.cli_identity import token_app, user_app
    from app.cli_import import import_file

    app.add_typer(user_app, name="user")
    app.add_typer(token_app, name="token")
    app.add_typer(agency_app, name="agency")
    app.add_typer(feature_app, name="feature")
    app.command("import")(import_file)
    app.command("backup")(backup)
    app.command("restore")(restore)
    db_app.command("base-backup")(base_backup)
    db_app.command("enable-archiving")(enable_archiving)


_register_identity()


def main() -> None:
    """Entry point of the ``sitereg`` script."""
    app(prog_name="sitereg")


if __name__ == "__main__":
    main()
