"""Several server processes from settings, their pools sized to share the connection budget."""

import os
import socket
import subprocess
import sys
from pathlib import Path

import httpx
import pytest
from fastapi.testclient import TestClient
from serving import wait_for_health, wait_for_line
from sqlalchemy.engine import make_url
from typer.testing import CliRunner

from app.cli import app as cli_app
from app.main import create_app
from app.settings import LimitSettings, PoolSettings, Settings, get_settings, plan_pools

LIMITS = LimitSettings(check_concurrency=4, tile_concurrency=4)


def test_one_worker_keeps_the_pools_the_settings_ask_for():
    plan = plan_pools(PoolSettings(size=16, overflow=8, max_connections=90), LIMITS, workers=1)
    assert (plan.engine_size, plan.engine_overflow, plan.read) == (16, 8, 16)
    # The check pool: two connections per ordinary check, one for pieces, two for a costly one.
    assert (plan.tile_slots, plan.check_slots, plan.check) == (4, 4, 11)
    assert plan.total == 55


@pytest.mark.parametrize("workers", [2, 3, 4, 6])
def test_workers_share_the_connection_budget(workers: int):
    plan = plan_pools(PoolSettings(max_connections=90), LIMITS, workers=workers)
    assert plan.total * workers <= 90
    assert min(plan.engine_size, plan.read, plan.tile_slots, plan.check_slots) >= 1


def test_a_budget_too_small_for_the_workers_is_refused_with_the_fix():
    with pytest.raises(ValueError, match="each of 20 workers; each needs at least 8"):
        plan_pools(PoolSettings(max_connections=40), LIMITS, workers=20)


def test_settings_read_workers_and_budget_from_the_environment(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("SITEREG_WORKERS", "3")
    monkeypatch.setenv("SITEREG_POOL__MAX_CONNECTIONS", "60")
    settings = Settings()
    assert settings.worker_count() == 3
    assert settings.pool_plan().total <= 20
    monkeypatch.setenv("SITEREG_WORKERS", "0")
    assert Settings().worker_count() == os.cpu_count()


def test_the_server_opens_its_pools_as_planned(database_url: str):
    settings = Settings(
        database_url=database_url, workers=4, pool=PoolSettings(max_connections=60), limits=LIMITS
    )
    plan = settings.pool_plan()
    assert plan.total <= 15
    server = create_app(settings)
    with TestClient(server) as client:
        assert client.get("/api/v1/sites", params={"limit": 1}).status_code == 200
        state = server.state
        assert state.engine.pool.size() == plan.engine_size
        assert state.read_pool.max_size == plan.read
        assert state.tile_pool.max_size == plan.tile
        assert state.check_pool.max_size == plan.check


def test_cli_serve_starts_the_configured_workers(database_url: str, tmp_path: Path):
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    env = dict(os.environ, SITEREG_WORKERS="2", SITEREG_POOL__MAX_CONNECTIONS="40")
    if env.get("DATABASE_URL"):
        env["DATABASE_URL"] = database_url
    else:
        env["SITEREG_CLUSTER__DATABASE"] = str(make_url(database_url).database)
    log_path = tmp_path / "serve.log"
    with log_path.open("w") as log:
        server = subprocess.Popen(
            [str(Path(sys.executable).with_name("sitereg")), "serve", "--port", str(port)],
            stdout=log, stderr=subprocess.STDOUT, env=env,
        )  # fmt: skip
        try:
            # Each worker imports the whole app: on a busy machine that takes a minute.
            status = wait_for_health(f"http://127.0.0.1:{port}/healthz", server, within_s=180)
            workers = _serving_children(server.pid)
            started = wait_for_line(log_path, "Application startup complete", 2, server)
            answers = {httpx.get(f"http://127.0.0.1:{port}/healthz").status_code for _ in range(6)}
        finally:
            server.terminate()
            server.wait(timeout=30)
    output = log_path.read_text()
    assert status == 200, output[-2000:]
    assert answers == {200}
    assert len(workers) == 2 and started == 2, output[-2000:]
    share = Settings(workers=2, pool=PoolSettings(max_connections=40)).pool_plan().total
    assert share <= 20
    assert f"2 worker process(es), each with up to {share} database connections" in output


def _serving_children(parent: int) -> list[int]:
    """The process ids of ``parent``'s uvicorn workers (multiprocessing's spawned children)."""
    children = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
            command = (stat.parent / "cmdline").read_bytes()
        except OSError:
            continue
        if int(fields[1]) == parent and b"spawn_main" in command:
            children.append(int(stat.parent.name))
    return children


def test_cli_serve_refuses_a_budget_too_small_before_starting(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("SITEREG_POOL__MAX_CONNECTIONS", "10")
    monkeypatch.setenv("SITEREG_WORKERS", "1")
    get_settings.cache_clear()
    try:
        result = CliRunner().invoke(cli_app, ["serve", "--workers", "4"])
    finally:
        get_settings.cache_clear()
    assert result.exit_code == 1
    assert "leaves 2 connections to each of 4 workers" in result.output
