"""``sitereg import``: load an official layer file, a dry run unless ``--commit``."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import sqlalchemy as sa
import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from app.access import require_write
from app.models import LegalDecision
from app.models.enums import GeometrySource
from app.services.change_context import ChangeContext
from app.services.importer import ImportOutcome, ImportRequest, run_import
from spatial.io.dbf_encoding import TextEncoding

STATUS_ORDER = (
    "created",
    "updated",
    "unchanged",
    "removed",
    "skipped",
    "rejected",
    "flagged",
)
MEANINGS = {
    "created": "new in the dataset",
    "updated": "in the dataset, changed (the old version is kept in the history)",
    "unchanged": "in the dataset, the same",
    "removed": "in the dataset, not in the file (or no longer forest): deleted, kept in history",
    "skipped": "not for this layer (e.g. not forest land), as the mapping says",
    "rejected": "not imported: the reason is in the report (a dataset row with its key stays)",
    "flagged": "of the created and updated: imported, with a flag to look at (e.g. not inside "
    "the province it states)",
}


def import_file(
    file: Annotated[Path, typer.Argument(help="The layer file: .zip, .shp, .gpkg, .tab, ...")],
    layer: Annotated[
        str,
        typer.Option(
            help="The layer it fills: forest, protected_areas, admin_units, sites, "
            "clearance_parcels, infrastructure."
        ),
    ],
    dataset: Annotated[str, typer.Option(help="The dataset it replaces, e.g. LC-KKR-2025.")],
    as_user: Annotated[str, typer.Option("--as", help="The user the import is made as.")],
    mapping: Annotated[Path | None, typer.Option(help="A YAML field mapping.")] = None,
    crs: Annotated[
        str | None, typer.Option(help="EPSG:9208, or a province ('Lào Cai') when no .prj.")
    ] = None,
    encoding: Annotated[TextEncoding, typer.Option(help="Text encoding.")] = TextEncoding.AUTO,
    decision: Annotated[str | None, typer.Option(help="The legal decision's number.")] = None,
    reason: Annotated[str | None, typer.Option(help="Why the layer changes.")] = None,
    report: Annotated[Path | None, typer.Option(help="Row-by-row CSV report.")] = None,
    geometry_source: Annotated[GeometrySource, typer.Option()] = GeometrySource.SURVEYED,
    licence: Annotated[str, typer.Option()] = "as delivered by the issuing agency",
    synthetic: Annotated[
        bool, typer.Option(help="The file is generated data, not official: its rows say so.")
    ] = False,
    commit: Annotated[bool, typer.Option(help="Apply it (else a dry run).")] = False,
) -> None:
    """Import an official layer file: a dry-run report unless --commit, then all or nothing."""
    from app.cli import _run, _with_session, migration_database_url
    from app.db.engine import make_engine
    from app.settings import get_settings

    context = _with_session(lambda session: _context(session, as_user, decision, reason, layer))
    request = ImportRequest(
        path=file,
        layer=layer,
        dataset=dataset,
        context=context,
        mapping_path=mapping,
        crs=crs,
        encoding=encoding,
        commit=commit,
        licence=licence,
        geometry_source=geometry_source,
        synthetic=synthetic,
        statement_timeout_s=get_settings().imports.statement_timeout_s,
    )
    report_path = report or Path(f"{file.stem}.import-report.csv")
    console = Console(stderr=True)

    def run() -> ImportOutcome:
        engine = make_engine(migration_database_url(get_settings()))
        try:
            with _progress(console) as progress:
                return run_import(engine, request, progress, report_path)
        finally:
            engine.dispose()

    _show(Console(), _run(run), report_path)


def _context(
    session: sa.orm.Session, username: str, number: str | None, reason: str | None, layer: str
) -> ChangeContext:
    from app.cli_agencies import _caller

    caller = _caller(session, username)
    require_write(caller, layer=layer)
    decision_id = None
    if number is not None:
        decision_id = session.execute(
            sa.select(LegalDecision.id).where(LegalDecision.number == number)
        ).scalar()
        if decision_id is None:
            raise ValueError(f"no legal decision numbered '{number}' (sitereg decision add)")
    return ChangeContext.of(caller, "cli-import").because(decision_id, reason)


class _progress:
    """A rich progress bar fed by the importer's (phase, done, total) calls."""

    def __init__(self, console: Console) -> None:
        self.bar = Progress(
            TextColumn("{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            console=console,
            transient=False,
        )
        self.task = self.bar.add_task("reading", total=None)

    def __enter__(self) -> _progress:
        self.bar.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.bar.stop()

    def __call__(self, phase: str, done: int, total: int | None) -> None:
        self.bar.update(self.task, description=phase, completed=done, total=total)


def _show(console: Console, outcome: ImportOutcome, report_path: Path) -> None:
    verb = "imported" if outcome.committed else "dry run, nothing written (add --commit)"
    console.print(f"[bold]import {outcome.import_id}[/bold]: {verb}")
    console.print(f"format: {outcome.file_format}; mapping: {outcome.mapping}")
    console.print(f"encoding: {outcome.encoding.encoding.value} ({outcome.encoding.reason})")
    console.print(f"CRS: EPSG:{outcome.crs.srid} ({outcome.crs.reason})")
    counts = Table("rows", "count", "meaning")
    for status in STATUS_ORDER:
        counts.add_row(status, str(outcome.counts.get(status, 0)), MEANINGS[status])
    console.print(counts)
    if outcome.notable:
        rows = Table("row", "key", "status", "reason", title="rows to look at (first 50)")
        for row_no, key, status, why in outcome.notable:
            rows.add_row("" if row_no is None else str(row_no), key or "", status, why or "")
        console.print(rows)
    console.print(f"every row: {report_path}")
