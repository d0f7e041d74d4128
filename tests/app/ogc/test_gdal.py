"""Real clients: GDAL's OAPIF driver (ogrinfo, ogr2ogr) against a real uvicorn server.

The server runs in a thread on a free 127.0.0.1 port with its own engine on the test database,
so it sees the committed demo data (per-test changes of other tests are rolled back).
"""

import shutil
import socket
import subprocess
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pyogrio
import pytest
import uvicorn
from sqlalchemy import text
from sqlalchemy.orm import Session

from app.main import create_app
from app.ogc.catalog import CATALOG
from app.settings import Settings

START_WAIT_S = 30.0


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture(scope="module")
def server_url(database_url: str) -> Iterator[str]:
    """Serve ``create_app`` on a free port for the module; stop it afterwards."""
    if shutil.which("ogrinfo") is None:
        pytest.fail("GDAL is missing: install Debian's gdal-bin (scripts/install-system-deps.sh)")
    port = _free_port()
    app = create_app(Settings(database_url=database_url))
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    for _ in range(int(START_WAIT_S / 0.05)):  # bounded wait for the socket to listen
        if server.started or not thread.is_alive():
            break
        time.sleep(0.05)
    if not server.started:
        pytest.fail("the test server did not start")
    yield f"http://127.0.0.1:{port}/ogc"
    server.should_exit = True
    thread.join(START_WAIT_S)


def _run(*args: str) -> str:
    result = subprocess.run(args, capture_output=True, text=True, timeout=300, check=False)
    assert result.returncode == 0, result.stderr
    return result.stdout


def _count(db_session: Session, sql: str) -> int:
    return int(db_session.execute(text(sql)).scalar_one())


def test_ogrinfo_lists_every_collection(server_url: str):
    listing = _run("ogrinfo", "-ro", "-q", f"OAPIF:{server_url}")
    for collection_id in CATALOG:
        assert f": {collection_id} (" in listing


def test_ogrinfo_reads_field_types_from_the_schema(server_url: str):
    summary = _run("ogrinfo", "-ro", "-so", f"OAPIF:{server_url}", "sites")
    assert "planned_area_ha: Real" in summary
    assert "legal_decision_date: Date" in summary


@pytest.mark.parametrize("collection_id", sorted(CATALOG))
def test_ogr2ogr_copies_every_collection(
    server_url: str, tmp_path: Path, collection_id: str, client
):
    target = tmp_path / f"{collection_id}.gpkg"
    _run(
        "ogr2ogr",
        "-f",
        "GPKG",
        str(target),
        f"OAPIF:{server_url}",
        collection_id,
        "-oo",
        "PAGE_SIZE=1000",
    )
    frame = pyogrio.read_dataframe(target)
    matched = client.get(f"/ogc/collections/{collection_id}/items", params={"limit": 1}).json()
    assert len(frame) == matched["numberMatched"]


def test_ogr2ogr_spatial_and_attribute_filters_run_on_the_server(
    server_url: str, tmp_path: Path, db_session: Session
):
    target = tmp_path / "filtered.gpkg"
    result = subprocess.run(
        [
            "ogr2ogr",
            "-f",
            "GPKG",
            str(target),
            f"OAPIF:{server_url}",
            "sites",
            "-spat",
            "103.0",
            "21.0",
            "105.5",
            "23.0",
            "-where",
            "kind = 'industrial_zone' AND planned_area_ha > 100",
            "--config",
            "CPL_DEBUG",
            "ON",
        ],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert "filter=" in result.stderr and "bbox=" in result.stderr  # sent to the server
    frame = pyogrio.read_dataframe(target)
    expected = _count(
        db_session,
        "SELECT count(*) FROM sites WHERE kind = 'industrial_zone' AND planned_area_ha > 100",
    )
    assert len(frame) == expected > 0
    assert "KCN Tằng Loỏng" in set(frame["name"])


def test_ogrinfo_reads_one_feature_with_vietnamese_text(server_url: str):
    output = _run(
        "ogrinfo", "-ro", f"OAPIF:{server_url}", "mining_sites", "-where", "code = 'MINE-DONG-PAO'"
    )
    assert "MINE-DONG-PAO" in output
    assert "Đông Pao" in output
