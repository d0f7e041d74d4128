"""Statuses the plans set over the published ones: a reviewed CSV with a source per row."""

import csv
import shutil
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.orm import Session

from app.models.enums import SiteStatus
from app.services.demo_loader import load_demo
from spatial.errors import UnreadableFile

DATA = Path(__file__).resolve().parents[3] / "data"
SCRIPTS = Path(__file__).resolve().parents[3] / "scripts"


def _rows() -> list[dict[str, str]]:
    with (DATA / "curated" / "site_status.csv").open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def test_every_curated_status_names_its_source_and_is_a_known_status():
    rows = _rows()
    assert len(rows) == len({row["code"] for row in rows}) == 10
    assert all(row["status"] in set(SiteStatus) for row in rows)
    assert all("134/KH-UBND" in row["source"] for row in rows)


def test_the_demo_registry_holds_the_curated_statuses(db_session: Session):
    wanted = {row["code"]: row["status"] for row in _rows()}
    stored = dict(
        db_session.execute(
            sa.text("SELECT code, status FROM sites WHERE code = ANY(:codes)"),
            {"codes": list(wanted)},
        ).all()
    )
    assert stored == wanted


def test_the_build_script_keeps_no_status_of_its_own():
    facts = (SCRIPTS / "demo_facts.py").read_text(encoding="utf-8")
    assert '"relocating"' not in facts and '"expanding"' not in facts
    assert "site_status.csv" in facts and "zone_facts.csv" in facts
    assert "91.54" not in facts  # occupancy figures live in data/curated/zone_facts.csv


def test_the_loader_applies_the_curated_status_over_the_layer(db_session: Session):
    db_session.execute(sa.text("UPDATE sites SET status = 'planned' WHERE code = 'CCN-SON-MAN'"))
    report = load_demo(db_session, DATA / "geojson")
    status = db_session.scalar(sa.text("SELECT status FROM sites WHERE code = 'CCN-SON-MAN'"))
    assert status == "relocating" and report.loaded.get("site status") == 1


@pytest.mark.parametrize(
    ("row", "detail"),
    [
        ("CCN-SON-MAN,moved_away,test", "status 'moved_away' is not one of"),
        ("CCN-KHONG-CO,relocating,test", "unknown site 'CCN-KHONG-CO'"),
        ("CCN-SON-MAN,relocating,", "no source"),
    ],
)
def test_a_wrong_status_row_fails_the_load_naming_its_line(
    db_session: Session, tmp_path: Path, row: str, detail: str
):
    shutil.copytree(DATA / "geojson", tmp_path / "geojson")
    shutil.copytree(DATA / "curated", tmp_path / "curated")
    with (tmp_path / "curated" / "site_status.csv").open("a", encoding="utf-8") as handle:
        handle.write(row + "\n")
    with pytest.raises(UnreadableFile, match=f"site_status.csv line 12: {detail}"):
        load_demo(db_session, tmp_path / "geojson", force=True)


def test_the_demo_zones_hold_the_curated_zone_facts(db_session: Session):
    with (DATA / "curated" / "zone_facts.csv").open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert rows and all(row["source"] for row in rows)
    stored = {
        code: (occupancy, wastewater)
        for code, occupancy, wastewater in db_session.execute(
            sa.text(
                "SELECT s.code, z.occupancy_rate_pct, z.wastewater_status FROM zone_details z "
                "JOIN sites s ON s.id = z.site_id"
            )
        )
    }
    for row in rows:
        occupancy = float(row["occupancy_rate_pct"]) if row["occupancy_rate_pct"] else None
        assert stored[row["code"]] == (occupancy, row["wastewater_status"] or None), row["code"]


def test_a_wrong_zone_fact_fails_the_load_naming_its_line(db_session: Session, tmp_path: Path):
    shutil.copytree(DATA / "geojson", tmp_path / "geojson")
    shutil.copytree(DATA / "curated", tmp_path / "curated")
    with (tmp_path / "curated" / "zone_facts.csv").open("a", encoding="utf-8") as handle:
        handle.write("CCN-SON-MAN,140,,test\n")
    with pytest.raises(UnreadableFile, match="zone_facts.csv line 24: occupancy_rate_pct '140'"):
        load_demo(db_session, tmp_path / "geojson", force=True)
