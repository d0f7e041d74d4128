"""The `sitereg` report and check commands against the test database."""

import json
import os
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from serving import wait_for_health
from shapely.geometry import box, mapping
from sqlalchemy.engine import make_url
from typer.testing import CliRunner

from app.cli import app as cli_app
from app.cli import public_address
from app.settings import SecuritySettings, Settings, get_settings


@pytest.fixture
def runner(database_url: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[CliRunner]:
    monkeypatch.setenv("DATABASE_URL", database_url)
    get_settings.cache_clear()
    yield CliRunner()
    get_settings.cache_clear()


def test_cli_report_clearance_csv(runner: CliRunner):
    result = runner.invoke(
        cli_app, ["report", "clearance", "--as-of", "2026-07-01", "--format", "csv"]
    )
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0].startswith("site_code,site_name,kind,planned_area_ha")
    assert lines[-1].startswith("total,")


def test_cli_report_forest_overlap_one_site_json(runner: CliRunner):
    result = runner.invoke(cli_app, ["report", "forest-overlap", "--site", "MINE-DONG-PAO"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["site_name"] == "Mỏ đất hiếm Đông Pao"


def test_cli_report_plan_overlaps_and_nearby(runner: CliRunner):
    assert runner.invoke(cli_app, ["report", "plan-overlaps"]).exit_code == 0
    nearby = runner.invoke(
        cli_app, ["report", "nearby", "--site", "KCN-TANG-LOONG", "--distance-m", "500"]
    )
    assert nearby.exit_code == 0 and "RELOC-TANG-LOONG-ECO" in nearby.output


def test_cli_check_a_file(runner: CliRunner, tmp_path):
    path = tmp_path / "de_xuat.geojson"
    path.write_text(json.dumps(mapping(box(104.13, 22.29, 104.15, 22.31))))
    result = runner.invoke(cli_app, ["check", str(path)])
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["province"] == "Lào Cai"


def test_cli_check_bad_file_exits_1_with_the_location(runner: CliRunner, tmp_path):
    path = tmp_path / "paris.geojson"
    path.write_text(json.dumps(mapping(box(2.3, 48.8, 2.4, 48.9))))
    result = runner.invoke(cli_app, ["check", str(path)])
    assert result.exit_code == 1
    assert "outside Vietnam" in result.output and "/features/0/geometry" in result.output


def test_cli_report_geojson_is_refused_with_one_line(runner: CliRunner):
    result = runner.invoke(cli_app, ["report", "plan-overlaps", "--format", "geojson"])
    assert result.exit_code == 1
    assert "geojson is served over HTTP" in result.output


def test_cli_serve_answers_on_the_configured_database(database_url: str, tmp_path):
    # `make run` ends in `sitereg serve`: the URL it resolves (the embedded cluster's when
    # DATABASE_URL is unset) must reach the server's own settings, read again by its factory.
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    sitereg = Path(sys.executable).with_name("sitereg")
    log = (tmp_path / "serve.log").open("w")
    # The test database (migrated: /healthz asks PostGIS), reached the way `make run` reaches
    # the demo one: through the embedded cluster unless DATABASE_URL names a server.
    env = dict(os.environ)
    if env.get("DATABASE_URL"):
        env["DATABASE_URL"] = database_url
    else:
        env["SITEREG_CLUSTER__DATABASE"] = str(make_url(database_url).database)
    server = subprocess.Popen(
        [str(sitereg), "serve", "--port", str(port)],
        stdout=log,
        stderr=subprocess.STDOUT,
        env=env,
    )
    try:
        status = wait_for_health(f"http://127.0.0.1:{port}/healthz", server)
        # Links name the address it serves on, not a Host header a client chose (issue 18).
        landing = httpx.get(f"http://127.0.0.1:{port}/ogc/", headers={"Host": "evil.example"})
    finally:
        server.terminate()
        server.wait(timeout=20)
    assert status == 200, (tmp_path / "serve.log").read_text()[-2000:]
    hrefs = {link["href"] for link in landing.json()["links"]}
    assert hrefs and all(href.startswith(f"http://127.0.0.1:{port}/") for href in hrefs)


def test_cli_public_address_is_the_setting_else_a_specific_bound_address():
    assert public_address(Settings(), "127.0.0.1", 8000) == "http://127.0.0.1:8000"
    assert public_address(Settings(), "::1", 8000) == "http://[::1]:8000"
    assert public_address(Settings(), "0.0.0.0", 8000) is None
    public = Settings(security=SecuritySettings(public_base_url="https://sitereg.example.vn/"))
    assert public_address(public, "0.0.0.0", 8000) == "https://sitereg.example.vn"
