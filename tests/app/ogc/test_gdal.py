"""Real clients: GDAL's OAPIF driver (ogrinfo, ogr2ogr) against a real uvicorn server.

The server (``server_url``, tests/app/ogc/conftest.py) sees the committed demo data.
"""

import shutil
import subprocess
from pathlib import Path

import pyogrio
import pytest
from sqlalchemy import text
from sqlalchemy.orm import Session

from app.ogc.catalog import CATALOG


@pytest.fixture(autouse=True, scope="module")
def _gdal_installed() -> None:
    if shutil.which("ogrinfo") is None:
        pytest.fail("GDAL is missing: install Debian's gdal-bin (scripts/install-system-deps.sh)")


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
