"""``sitereg user …`` and ``sitereg token …``: accounts and API tokens, through the services."""

from __future__ import annotations

import sys
from collections.abc import Callable
from datetime import datetime
from typing import Annotated, TypeVar

import typer
from sqlalchemy.orm import Session

from app.models.enums import Role
from app.services import identity

T = TypeVar("T")

user_app = typer.Typer(help="Users: add, disable, reset a password, list.", no_args_is_help=True)
token_app = typer.Typer(
    help="API tokens for portals: create (shown once), revoke, list.", no_args_is_help=True
)


def _in_session(action: Callable[[Session], T]) -> T:
    # The session and the one-line errors of every command live in app.cli (which imports us).
    from app.cli import _with_session

    return _with_session(action)


def _read_password(from_stdin: bool) -> str:
    if from_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    password: str = typer.prompt("Password", hide_input=True, confirmation_prompt=True)
    return password


def _when(moment: datetime | None) -> str:
    return moment.strftime("%Y-%m-%d %H:%M") if moment else "-"


PasswordStdin = Annotated[
    bool, typer.Option("--password-stdin", help="Read the password from the first stdin line.")
]


@user_app.command("add")
def user_add(
    username: Annotated[str, typer.Argument()],
    role: Annotated[Role, typer.Option("--role", help="viewer, editor, approver or admin.")],
    agency: Annotated[
        str | None, typer.Option("--agency", help="Agency code (editors and approvers).")
    ] = None,
    display_name: Annotated[str | None, typer.Option("--display-name")] = None,
    password_stdin: PasswordStdin = False,
) -> None:
    """Add a user; the password is prompted for (or read from stdin) and stored hashed."""
    password = _read_password(password_stdin)
    user = _in_session(
        lambda s: identity.create_user(
            s,
            username,
            password=password,
            role=role,
            agency_code=agency,
            display_name=display_name,
        )
    )
    typer.echo(f"user {user.username} added: {user.role}, agency {user.agency_code or '-'}")


@user_app.command("disable")
def user_disable(username: Annotated[str, typer.Argument()]) -> None:
    """Disable a user: its tokens stop working at once."""
    _in_session(lambda s: identity.disable_user(s, username))
    typer.echo(f"user {username} disabled")


@user_app.command("reset-password")
def user_reset_password(
    username: Annotated[str, typer.Argument()], password_stdin: PasswordStdin = False
) -> None:
    """Set a new password for a user."""
    password = _read_password(password_stdin)
    _in_session(lambda s: identity.set_password(s, username, password))
    typer.echo(f"password of {username} reset")


@user_app.command("list")
def user_list() -> None:
    """List users: username, role, agency, state."""
    for user in _in_session(identity.list_users):
        state = "disabled" if user.disabled else "active"
        typer.echo(f"{user.username}\t{user.role}\t{user.agency_code or '-'}\t{state}")


@token_app.command("create")
def token_create(
    username: Annotated[str, typer.Argument()],
    name: Annotated[str, typer.Option("--name", help="What the token is for (a portal's name).")],
    expires_days: Annotated[int, typer.Option("--expires-days", help="Lifetime in days.")] = 90,
) -> None:
    """Create an API token and print it once: it is stored only as a hash."""
    issued = _in_session(
        lambda s: identity.create_token(s, username, name=name, expires_days=expires_days)
    )
    typer.echo(issued.plain)
    typer.echo(
        f"token {issued.id} for {username}, expires {_when(issued.expires_at)} UTC; "
        "copy it now: it is not shown again",
        err=True,
    )


@token_app.command("revoke")
def token_revoke(token_id: Annotated[int, typer.Argument(metavar="ID")]) -> None:
    """Revoke a token by its id (see `sitereg token list`)."""
    _in_session(lambda s: identity.revoke_token(s, token_id))
    typer.echo(f"token {token_id} revoked")


@token_app.command("list")
def token_list(username: Annotated[str | None, typer.Argument()] = None) -> None:
    """List tokens (never their secrets): id, owner, name, prefix, expiry, last use, state."""
    for token in _in_session(lambda s: identity.list_tokens(s, username)):
        state = "revoked" if token.revoked_at else "active"
        typer.echo(
            f"{token.id}\t{token.username}\t{token.name}\t{token.prefix}…\t"
            f"expires {_when(token.expires_at)}\tlast used {_when(token.last_used_at)}\t{state}"
        )


@user_app.command("purge")
def user_purge(
    keep_days: Annotated[
        int, typer.Option("--keep-days", min=1, help="Keep ended sessions and events this long.")
    ] = 365,
) -> None:
    """Delete web sessions that ended and identity events older than --keep-days."""
    from app.services.web_sessions import purge

    sessions, events = _in_session(lambda s: purge(s, keep_days=keep_days))
    typer.echo(
        f"purged {sessions} ended session(s) and {events} event(s) older than {keep_days} days"
    )
