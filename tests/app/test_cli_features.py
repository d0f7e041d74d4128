"""`sitereg agency …` and `sitereg feature …` against the test database (they commit)."""

import json
import secrets
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy import Engine
from typer.testing import CliRunner

from app.cli import app as cli_app
from app.settings import get_settings


@pytest.fixture
def runner(database_url: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[CliRunner]:
    monkeypatch.setenv("DATABASE_URL", database_url)
    get_settings.cache_clear()
    yield CliRunner()
    get_settings.cache_clear()


def _ok(runner: CliRunner, *args: str, stdin: str | None = None) -> str:
    result = runner.invoke(cli_app, list(args), input=stdin)
    assert result.exit_code == 0, result.output
    return result.output


def test_agency_set_changes_approvals_and_refuses_unknown_names(runner: CliRunner):
    listed = _ok(runner, "agency", "list")
    assert "LC-SCT" in listed and "approval=geometry,status" in listed
    assert "approval=create,geometry" in _ok(
        runner, "agency", "set", "LCH-SNNMT", "--approval-for", "geometry,create"
    )
    bad = runner.invoke(cli_app, ["agency", "set", "LCH-SNNMT", "--approval-for", "colour"])
    assert bad.exit_code == 1 and "unknown approval: colour" in bad.output
    _ok(runner, "agency", "set", "LCH-SNNMT", "--approval-for", "geometry,status")


def test_feature_create_and_delete_as_an_admin_keep_history(
    runner: CliRunner, engine: Engine, tmp_path: Path
):
    admin = f"cli_admin_{secrets.token_hex(4)}"
    _ok(runner, "user", "add", admin, "--role", "admin", "--password-stdin", stdin="x" * 16 + "\n")
    code = f"FOREST-CLI-{secrets.token_hex(3)}"
    ring = [[104.40, 22.08], [104.401, 22.08], [104.401, 22.081], [104.40, 22.081], [104.40, 22.08]]
    feature = {
        "type": "Feature",
        "geometry": {"type": "Polygon", "coordinates": [ring]},
        "properties": {
            "code": code,
            "category": "protection",
            "origin": "natural",
            "dataset": "cli-test",
            "synthetic": True,
            "licence": "test data",
            "geometry_source": "digitized",
            "provenance": "tests/app/test_cli_features.py",
            "change_reason": "thử",
        },
    }
    path = tmp_path / "forest.geojson"
    path.write_text(json.dumps(feature), encoding="utf-8")
    assert f"{code}: version 1" in _ok(
        runner, "feature", "create", "forest", str(path), "--as", admin
    )
    stale = runner.invoke(
        cli_app, ["feature", "delete", "forest", code, "--as", admin, "--if-match", 'W/"v7"']
    )
    assert stale.exit_code == 1 and "version 1" in stale.output
    deleted = _ok(
        runner, "feature", "delete", "forest", code, "--as", admin, "--if-match", 'W/"v1"'
    )
    assert f"{code}: deleted" in deleted
    with engine.connect() as conn:
        operations = conn.execute(
            sa.text("SELECT operation, actor FROM registry_changes WHERE code = :c ORDER BY id"),
            {"c": code},
        ).all()
    assert operations == [("create", admin), ("delete", admin)]
