"""``sitereg decision …``: register a legal decision with its document, find decisions by number."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from sqlalchemy.orm import Session

from app.settings import get_settings

if TYPE_CHECKING:
    from app.repositories.decisions import DecisionRow

decision_app = typer.Typer(
    help="Legal decisions (quyết định): register one, find by number.", no_args_is_help=True
)
FIND_LIMIT = 50


def describe(row: DecisionRow) -> str:
    """Return one tab-separated line: id, number, date, issuer, subject, document."""
    decision, document = row.decision, row.document
    attached = (
        f"{document.file_name} ({document.media_type}, {document.size_bytes} bytes)"
        if document
        else "no document"
    )
    fields = (
        str(decision.id),
        decision.number,
        decision.decision_date.isoformat() if decision.decision_date else "undated",
        decision.issuer,
        decision.subject or "",
        attached,
    )
    return "\t".join(fields)


@decision_app.command("add")
def add(
    number: Annotated[str, typer.Option(help="As written, e.g. 525/QĐ-UBND.")],
    issuer: Annotated[str, typer.Option(help="e.g. 'UBND tỉnh Lào Cai'.")],
    decision_date: Annotated[
        str | None, typer.Option("--date", help="YYYY-MM-DD; omit when the source gives none.")
    ] = None,
    subject: Annotated[str | None, typer.Option(help="What it decides (Vietnamese).")] = None,
    document: Annotated[
        Path | None,
        typer.Option(
            exists=True, dir_okay=False, readable=True, help="PDF, DOCX, PNG, JPEG, TIFF."
        ),
    ] = None,
) -> None:
    """Register a legal decision, with its document file if given (all or nothing)."""
    from app.cli import _run, _with_session
    from app.services import decisions

    day = _run(lambda: date.fromisoformat(decision_date) if decision_date else None)
    new = decisions.NewDecision(number=number, decision_date=day, issuer=issuer, subject=subject)
    upload = decisions.DocumentUpload(document.name, document.read_bytes()) if document else None
    max_bytes = int(get_settings().limits.upload_max_mb * 1_000_000)

    def action(session: Session) -> DecisionRow:
        return decisions.add_decision(session, new, document=upload, max_bytes=max_bytes)

    typer.echo(f"added decision {describe(_with_session(action))}")


@decision_app.command("find")
def find(
    number: Annotated[str, typer.Argument(help="Whole words of the number: 525, 'QD UBND'.")],
) -> None:
    """Print the decisions whose number matches, one per line (exit 1 when none does)."""
    from app.cli import _with_session
    from app.services import decisions

    matched, rows = _with_session(
        lambda session: decisions.find_decisions(session, number, limit=FIND_LIMIT)
    )
    if not rows:
        typer.echo(f"error: no decision number matches '{number}'", err=True)
        raise typer.Exit(code=1)
    for row in rows:
        typer.echo(describe(row))
    if matched > len(rows):
        typer.echo(f"… {matched - len(rows)} more; give more of the number", err=True)
