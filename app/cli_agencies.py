"""``sitereg agency …`` and ``sitereg feature …``: scopes, approvals, and writes from files.

Feature writes go through the same service as OGC API Part 4 (``feature_writes``), as the user
named by ``--as``: the same scope, version, validation, approval and history rules.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any, TypeVar

import sqlalchemy as sa
import typer
from sqlalchemy.orm import Session

from app.access import Caller
from app.models import Agency, User
from app.ogc.protocol.crs import parse_ogc_crs
from app.repositories import NotFound
from app.services import agencies, identity
from app.services.change_context import ChangeContext
from app.services.feature_writes import Operation, WriteRequest, WriteResult, write_feature
from app.services.write_specs import WRITE_SPECS

T = TypeVar("T")
agency_app = typer.Typer(help="Agencies: scopes and approval settings.", no_args_is_help=True)
feature_app = typer.Typer(
    help="Write one feature from a GeoJSON file, as a user (same rules as the API).",
    no_args_is_help=True,
)


def _in_session(action: Callable[[Session], T]) -> T:
    from app.cli import _with_session

    return _with_session(action)


def _names(text: str | None) -> list[str] | None:
    if text is None:
        return None
    return [] if text.strip() in ("", "none") else [part.strip() for part in text.split(",")]


@agency_app.command("list")
def agency_list() -> None:
    """List agencies with their province, layers, site kinds and approval settings."""
    for item in _in_session(agencies.list_agencies):
        typer.echo(
            f"{item.code:<12} {item.province:<10} layers={','.join(item.layers) or '-'} "
            f"kinds={','.join(item.site_kinds) or '-'} "
            f"approval={','.join(item.approval_for) or 'none'}  {item.name}"
        )


@agency_app.command("set")
def agency_set(
    code: Annotated[str, typer.Argument()],
    layers: Annotated[str | None, typer.Option(help="Comma-separated collection ids.")] = None,
    site_kinds: Annotated[str | None, typer.Option(help="Comma-separated site kinds.")] = None,
    approval_for: Annotated[
        str | None,
        typer.Option(help="geometry,status,create,delete,attributes or 'none' (write directly)."),
    ] = None,
) -> None:
    """Change an agency's layers, site kinds or what its editors' changes need approved."""
    info = _in_session(
        lambda s: agencies.update_agency(
            s,
            code,
            layers=_names(layers),
            site_kinds=_names(site_kinds),
            approval_for=_names(approval_for),
        )
    )
    typer.echo(
        f"{info.code}: layers={','.join(info.layers) or '-'} "
        f"kinds={','.join(info.site_kinds) or '-'} approval={','.join(info.approval_for) or 'none'}"
    )


def _caller(session: Session, username: str) -> Caller:
    row = session.execute(
        sa.select(User, Agency)
        .outerjoin(Agency, User.agency_id == Agency.id)
        .where(User.username == username, User.disabled.is_(False))
    ).one_or_none()
    if row is None:
        raise NotFound("active user", username)
    return identity.caller_for(row[0], row[1])


def _write(username: str, request: WriteRequest) -> WriteResult:
    def run(session: Session) -> WriteResult:
        caller = _caller(session, username)
        context = ChangeContext.of(caller, "cli")
        return write_feature(session, caller, context, request)

    return _in_session(run)


def _say(result: WriteResult) -> None:
    if result.draft_id is not None:
        typer.echo(f"{result.code}: kept as draft {result.draft_id}, waiting for an approver")
    elif result.version is None:
        typer.echo(f"{result.code}: deleted")
    else:
        typer.echo(f"{result.code}: version {result.version}")
    for finding in result.findings:
        typer.echo(f"warning {finding.code}: {finding.detail}", err=True)


def _body(path: Path) -> dict[str, Any]:
    body = json.loads(path.read_text(encoding="utf-8"))
    if not isinstance(body, dict):
        raise ValueError(f"{path}: not a JSON object")
    return body


AsUser = Annotated[str, typer.Option("--as", help="The user the write is made as.")]
Collection = Annotated[str, typer.Argument(help="Collection id, e.g. sites, forest.")]
IfMatch = Annotated[
    str | None, typer.Option(help='Expected version: W/"v3" (else the file\'s "version").')
]
ContentCrs = Annotated[str | None, typer.Option(help="CRS of the file's coordinates.")]


def _request(
    collection: str, operation: Operation, code: str | None, body: dict[str, Any], **extra: Any
) -> WriteRequest:
    spec = WRITE_SPECS.get(collection)
    if spec is None:
        raise ValueError(f"collection '{collection}' is not editable: {', '.join(WRITE_SPECS)}")
    crs = parse_ogc_crs(extra.pop("crs", None), "--crs")
    return WriteRequest(spec, operation, code, body, crs=crs, **extra)


@feature_app.command("create")
def feature_create(
    collection: Collection, file: Path, as_user: AsUser, crs: ContentCrs = None
) -> None:
    """Register a feature from a GeoJSON Feature file."""
    _say(_write(as_user, _request(collection, Operation.CREATE, None, _body(file), crs=crs)))


def _change(
    operation: Operation,
    collection: str,
    code: str,
    file: Path,
    as_user: str,
    if_match: str | None,
    crs: str | None,
) -> None:
    body = _body(file)
    _say(_write(as_user, _request(collection, operation, code, body, if_match=if_match, crs=crs)))


@feature_app.command("replace")
def feature_replace(
    collection: Collection,
    code: str,
    file: Path,
    as_user: AsUser,
    if_match: IfMatch = None,
    crs: ContentCrs = None,
) -> None:
    """Replace a feature with a GeoJSON Feature file."""
    _change(Operation.REPLACE, collection, code, file, as_user, if_match, crs)


@feature_app.command("patch")
def feature_patch(
    collection: Collection,
    code: str,
    file: Path,
    as_user: AsUser,
    if_match: IfMatch = None,
    crs: ContentCrs = None,
) -> None:
    """Apply a JSON merge patch file to a feature."""
    _change(Operation.UPDATE, collection, code, file, as_user, if_match, crs)


@feature_app.command("delete")
def feature_delete(
    collection: Collection,
    code: str,
    as_user: AsUser,
    if_match: Annotated[str, typer.Option(help='Expected version: W/"v3".')],
    decision: Annotated[int | None, typer.Option(help="Legal decision id.")] = None,
    reason: Annotated[str | None, typer.Option()] = None,
) -> None:
    """Delete a feature (its versions stay in the history)."""
    body = {
        key: value
        for key, value in (("change_decision_id", decision), ("change_reason", reason))
        if value is not None
    }
    _say(_write(as_user, _request(collection, Operation.DELETE, code, body, if_match=if_match)))
