import gc
import subprocess
import sys
from collections.abc import Iterator

import pytest
from fastapi import FastAPI

import app.main
from app.db.engine import DatabaseNotConfigured
from app.settings import PROJECT_ROOT, Settings


@pytest.fixture
def unfrozen() -> Iterator[None]:
    gc.unfreeze()
    yield
    gc.unfreeze()  # the test process keeps collecting everything


def test_freeze_startup_objects_exempts_live_objects_and_collects_garbage(unfrozen: None):
    class Node:
        def __init__(self) -> None:
            self.me = self

    collected = []
    garbage = Node()
    gc.callbacks.append(lambda phase, info: collected.append(info["collected"]))
    try:
        del garbage  # a cycle: only the collector frees it
        kept = Node()
        app.main.freeze_startup_objects()
    finally:
        gc.callbacks.pop()
    assert sum(collected) >= 1
    assert gc.get_freeze_count() > 0
    assert all(kept is not obj for obj in gc.get_objects(generation=2))


def test_server_factory_freezes_what_it_built(unfrozen: None, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setattr(app.main, "configure_logging", lambda *args, **kwargs: None)
    built = app.main.factory()
    assert isinstance(built, FastAPI)
    assert gc.get_freeze_count() > 0
    assert all(built is not obj for obj in gc.get_objects())


def test_server_never_loads_the_development_cluster():
    code = (
        "import sys, app.main, app.cli\n"
        "loaded = sorted(m for m in sys.modules if m.startswith('devcluster'))\n"
        "assert not loaded, loaded\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True, cwd=PROJECT_ROOT)


def test_server_without_database_url_stops_at_start_with_the_fix():
    from fastapi.testclient import TestClient

    server = app.main.create_app(Settings(database_url=None))
    with pytest.raises(DatabaseNotConfigured, match="sitereg serve"), TestClient(server):
        pass
