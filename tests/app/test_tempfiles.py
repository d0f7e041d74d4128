"""Temporary files: a folder per process, swept by age; downloads leave nothing behind."""

import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from fastapi.testclient import TestClient

from app.main import create_app
from app.settings import Settings, TimeoutSettings
from app.tempfiles import sweep, use_process_folder, work_folder

DAY_S = 86_400


def _dead_pid() -> int:
    child = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                           capture_output=True, text=True, check=True)  # fmt: skip
    return int(child.stdout)


def _age(path: Path, seconds: float) -> Path:
    then = time.time() - seconds
    os.utime(path, (then, then))
    return path


def test_sweep_removes_dead_processes_folders_and_old_entries(tmp_path: Path):
    dead = tmp_path / f"proc-{_dead_pid()}"
    (dead / "export-x").mkdir(parents=True)
    live = tmp_path / f"proc-{os.getpid()}"
    old = live / "export-old"
    old.mkdir(parents=True)
    _age(old, 2 * DAY_S)
    recent = live / "download-recent"
    recent.write_bytes(b"x")
    stray = tmp_path / "stray.tmp"
    stray.touch()
    _age(stray, 2 * DAY_S)
    assert sweep(tmp_path, max_age_s=DAY_S) == 3
    assert not dead.exists() and not old.exists() and not stray.exists()
    assert live.is_dir() and recent.exists()


def test_process_folder_is_tempfiles_default(tmp_path: Path):
    before = tempfile.tempdir
    try:
        folder = use_process_folder(tmp_path)
        assert folder == tmp_path / f"proc-{os.getpid()}"
        assert Path(tempfile.mkdtemp()).parent == folder
    finally:
        tempfile.tempdir = before


def test_work_folder_is_removed_when_its_block_fails(tmp_path: Path):
    before = tempfile.tempdir
    tempfile.tempdir = str(tmp_path)
    try:
        try:
            with work_folder() as folder:
                (folder / "half.gpkg").write_bytes(b"half")
                raise RuntimeError("the export failed")
        except RuntimeError:
            pass
        assert list(tmp_path.iterdir()) == []
    finally:
        tempfile.tempdir = before


def test_downloads_leave_no_folder_behind_done_or_failed(database_url: str, tmp_path: Path):
    before = tempfile.tempdir
    fast = Settings(database_url=database_url, temp_dir=tmp_path)
    slow = fast.model_copy(update={"timeouts": TimeoutSettings(exports_s=0.001)})
    try:
        with TestClient(create_app(fast)) as client:
            assert client.get("/api/v1/export/sites.gpkg").status_code == 200
            assert client.get("/api/v1/export/sites/KCN-TANG-LOONG.kml").status_code == 200
            assert client.get("/api/v1/export/sites.geojson").json()["features"]
        with TestClient(create_app(slow)) as client:
            assert client.get("/api/v1/export/forest.shp.zip").status_code == 503
        assert list((tmp_path / f"proc-{os.getpid()}").iterdir()) == []
    finally:
        tempfile.tempdir = before


def test_a_kml_parse_error_shows_no_server_path(client: TestClient):
    broken = b"<kml><Document><Placemark><Polygon><outerBoundaryIs>broken"
    response = client.post("/api/v1/analysis/check", files={"file": ("a.kml", broken)})
    assert response.status_code == 400
    detail = response.json()["detail"]
    assert "upload.kml" in detail or "a.kml" in detail
    assert tempfile.gettempdir() not in detail and "/tmp" not in detail
