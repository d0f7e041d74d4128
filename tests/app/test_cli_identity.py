"""`sitereg user …` and `sitereg token …` against the test database.

The commands commit, as they do in production, so every test uses usernames of its own.
"""

import secrets
from collections.abc import Iterator

import pytest
import sqlalchemy as sa
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from app.cli import app as cli_app
from app.models import ApiToken, AuthEvent, User
from app.models.enums import AuthEventKind
from app.services import identity
from app.settings import get_settings

PASSWORD = "mật khẩu đủ dài 2026\n"


@pytest.fixture
def runner(database_url: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[CliRunner]:
    monkeypatch.setenv("DATABASE_URL", database_url)
    get_settings.cache_clear()
    yield CliRunner()
    get_settings.cache_clear()


@pytest.fixture
def username() -> str:
    return f"cli_{secrets.token_hex(4)}"


def _add(runner: CliRunner, username: str, *extra: str) -> str:
    args = ["user", "add", username, "--password-stdin", *extra]
    result = runner.invoke(cli_app, args, input=PASSWORD)
    assert result.exit_code == 0, result.output
    return result.output


def test_cli_user_add_list_and_disable(runner: CliRunner, username: str, engine: Engine):
    added = _add(runner, username, "--role", "editor", "--agency", "LC-BQL-KCN")
    assert f"user {username} added: editor, agency LC-BQL-KCN" in added
    listed = runner.invoke(cli_app, ["user", "list"]).output
    assert f"{username}\teditor\tLC-BQL-KCN\tactive" in listed
    assert runner.invoke(cli_app, ["user", "disable", username]).exit_code == 0
    with Session(engine) as session:
        user = session.scalars(select(User).where(User.username == username)).one()
        assert user.disabled and "mật khẩu" not in user.password_hash


def test_cli_user_add_prompts_for_the_password_twice(runner: CliRunner, username: str):
    args = ["user", "add", username, "--role", "admin"]
    result = runner.invoke(cli_app, args, input="mật khẩu đủ dài 2026\n" * 2)
    assert result.exit_code == 0, result.output
    assert "mật khẩu" not in result.output


def test_cli_user_add_errors_are_one_line_and_exit_1(runner: CliRunner, username: str):
    result = runner.invoke(
        cli_app, ["user", "add", username, "--role", "editor", "--password-stdin"], input=PASSWORD
    )
    assert result.exit_code == 1
    assert result.output.strip() == (
        "error: an editor belongs to an agency: give its code (--agency)"
    )
    _add(runner, username, "--role", "viewer")
    again = runner.invoke(
        cli_app, ["user", "add", username, "--role", "viewer", "--password-stdin"], input=PASSWORD
    )
    assert again.exit_code == 1 and "already exists" in again.output


def test_cli_user_reset_password(runner: CliRunner, username: str, engine: Engine):
    _add(runner, username, "--role", "admin")
    new = "một mật khẩu khác hẳn\n"
    reset = runner.invoke(
        cli_app, ["user", "reset-password", username, "--password-stdin"], input=new
    )
    assert reset.exit_code == 0, reset.output
    with Session(engine) as session:
        assert identity.sign_in(session, username, new.strip()).username == username


def test_cli_token_is_printed_once_and_works(runner: CliRunner, username: str, engine: Engine):
    _add(runner, username, "--role", "editor", "--agency", "LCH-SCT")
    created = runner.invoke(
        cli_app, ["token", "create", username, "--name", "cổng CCN", "--expires-days", "30"]
    )
    assert created.exit_code == 0, created.output
    plain = created.stdout.strip()
    assert plain.startswith("srg_") and "not shown again" in created.stderr
    listed = runner.invoke(cli_app, ["token", "list", username]).output
    assert plain[:12] in listed and plain not in listed and "cổng CCN" in listed
    with Session(engine) as session:
        caller = identity.authenticate_token(session, plain)
        assert caller.username == username and caller.site_kinds == {"industrial_cluster"}


def test_cli_token_revoke(runner: CliRunner, username: str, engine: Engine):
    _add(runner, username, "--role", "admin")
    runner.invoke(cli_app, ["token", "create", username, "--name", "portal"])
    with Session(engine) as session:
        token = session.scalars(select(ApiToken).join(User).where(User.username == username)).one()
    revoked = runner.invoke(cli_app, ["token", "revoke", str(token.id)])
    assert revoked.exit_code == 0 and f"token {token.id} revoked" in revoked.output
    assert "\trevoked" in runner.invoke(cli_app, ["token", "list", username]).output
    with Session(engine) as session:
        kinds = session.scalars(
            select(AuthEvent.kind).where(AuthEvent.token_id == token.id).order_by(AuthEvent.id)
        ).all()
    assert kinds == [AuthEventKind.TOKEN_CREATED, AuthEventKind.TOKEN_REVOKED]


def test_cli_token_errors_exit_1(runner: CliRunner):
    missing = runner.invoke(cli_app, ["token", "create", "nobody_here", "--name", "x"])
    assert (
        missing.exit_code == 1
        and missing.output.strip() == "error: user 'nobody_here' does not exist"
    )
    assert runner.invoke(cli_app, ["token", "revoke", "999999"]).exit_code == 1


def test_cli_user_purge_deletes_only_old_sessions_and_events(runner: CliRunner, engine: Engine):
    with engine.begin() as conn:
        conn.execute(
            sa.text(
                "INSERT INTO auth_events (at, kind, username) VALUES "
                "(now() - interval '400 days', 'sign_in_failed', 'cu_purge_old'), "
                "(now() - interval '1 day', 'sign_in_failed', 'cu_purge_new')"
            )
        )
    result = runner.invoke(cli_app, ["user", "purge", "--keep-days", "365"])
    assert result.exit_code == 0, result.output
    with engine.connect() as conn:
        left = conn.execute(
            sa.text("SELECT username FROM auth_events WHERE username LIKE 'cu_purge_%'")
        ).scalars()
        assert list(left) == ["cu_purge_new"]
