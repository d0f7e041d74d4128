"""Load the demo layers of ``data/geojson``: validated, all-or-nothing, idempotent.

Each layer file is checksummed; a layer whose file has not changed since its last load is
skipped, so a second ``sitereg load-demo`` writes nothing. Most layers (forest, infrastructure,
clearance parcels, provinces and districts) go through the importer (``sitereg import``: the same
reader, shipped mapping, validation, history and comparison an official layer takes), each as a
dataset of its own, inside the loader's one transaction. The others (sites with their details,
protected areas, commune points; docs/data-quality.md says why) are upserted by ``code`` (rows
whose content is identical are not touched, so site versions only move on real changes).
"""

from __future__ import annotations

import csv
import hashlib
import json
import logging
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Final

import psycopg
import sqlalchemy as sa
from shapely.geometry import shape
from shapely.geometry.base import BaseGeometry
from sqlalchemy.dialects.postgresql import ARRAY, insert
from sqlalchemy.orm import Session

from app import models
from app.models.enums import GeometrySource, SiteStatus, WastewaterStatus
from app.repositories import decisions
from app.services.change_context import ChangeContext, record_context
from app.services.demo_layers import LAYERS, Layer, parse_date, table_of
from app.services.importer import ImportRequest, import_on
from spatial.errors import InvalidGeometry, Problem, UnreadableFile
from spatial.io.mapping import MAPPINGS_DIR
from spatial.text import nfc
from spatial.validate import check_geometry

DEMO_LOADER = ChangeContext(actor="system: demo loader (sitereg load-demo)")
logger = logging.getLogger(__name__)


@dataclass
class LoadReport:
    """What a load did, layer by layer."""

    loaded: dict[str, int] = field(default_factory=dict)
    skipped: list[str] = field(default_factory=list)

    def summary(self) -> str:
        """Return one line for the CLI."""
        loaded = ", ".join(f"{name} {count}" for name, count in self.loaded.items()) or "nothing"
        skipped = f"; unchanged, skipped: {', '.join(self.skipped)}" if self.skipped else ""
        return f"loaded {loaded}{skipped}"


def read_features(path: Path) -> list[dict[str, Any]]:
    """Read a GeoJSON FeatureCollection.

    Raises:
        UnreadableFile: when the file is missing, not JSON, or not a FeatureCollection.
    """
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise UnreadableFile(f"{path.name}: {exc}") from exc
    if not isinstance(document, dict) or document.get("type") != "FeatureCollection":
        raise UnreadableFile(f"{path.name}: not a GeoJSON FeatureCollection")
    features = document.get("features")
    if not isinstance(features, list):
        raise UnreadableFile(f"{path.name}: 'features' is not a list")
    return features


def _shapes(
    layer: Layer, features: list[dict[str, Any]]
) -> Iterator[tuple[dict[str, Any], BaseGeometry]]:
    problems: list[Problem] = []
    pairs: list[tuple[dict[str, Any], BaseGeometry]] = []
    for index, feature in enumerate(features):
        where = f"{layer.file_name}#/features/{index}"
        props = feature.get("properties") or {}
        missing = [key for key in ("code", "geometry_source", "provenance") if not props.get(key)]
        if missing:
            problems.append(Problem(where, f"missing properties: {', '.join(missing)}"))
            continue
        try:
            geom = shape(feature["geometry"])
        except (KeyError, TypeError, ValueError, AttributeError) as exc:
            problems.append(Problem(where, f"unreadable geometry: {exc}"))
            continue
        found = check_geometry(geom, where, allowed_types=layer.allowed_types)
        problems.extend(found)
        if not found:
            pairs.append((props, geom))
    if problems:
        raise InvalidGeometry(f"{layer.file_name}: {len(problems)} problem(s)", problems)
    yield from pairs


def _dataset(layer: Layer, path: Path, features: list[dict[str, Any]]) -> str:
    """Return the dataset a demo layer imports into: its own, or the one its features name.

    Raises:
        UnreadableFile: the features do not name one dataset.
    """
    assert layer.imported is not None
    if layer.imported.dataset is not None:
        return layer.imported.dataset
    datasets = {(feature.get("properties") or {}).get("dataset") for feature in features}
    if len(datasets) != 1 or None in datasets:
        raise UnreadableFile(f"{path.name}: every feature names one dataset, found {datasets}")
    return str(datasets.pop())


def _adopt(session: Session, table: sa.Table, dataset: str, codes: list[str]) -> None:
    """Give the demo's own rows of an earlier loader (no dataset) to the layer's dataset.

    Databases loaded before these layers went through the importer hold them outside any
    dataset, where the importer would refuse their keys; the change is a version like any other.
    """
    codes_bind = sa.bindparam("codes", codes, type_=ARRAY(sa.Text))  # one bind, not one a code
    session.execute(
        sa.update(table)
        .where(table.c.dataset.is_(None), table.c.code == sa.any_(codes_bind))
        .values(dataset=dataset)
    )


def _import_layer(
    session: Session, layer: Layer, path: Path, features: list[dict[str, Any]]
) -> int:
    """Import a demo layer through the importer, in the loader's transaction; count its rows.

    The same path as an official layer (``sitereg import``), with the layer's shipped demo
    mapping, which keeps every row's geometry source, provenance (and licence, synthetic flag
    where the table has them). A rejected row fails the whole load, naming each.

    Raises:
        UnreadableFile: the features do not name one dataset.
        InvalidGeometry: rows the importer rejected.
    """
    assert layer.imported is not None
    dataset = _dataset(layer, path, features)
    codes = [str((feature.get("properties") or {}).get("code")) for feature in features]
    _adopt(session, layer.table, dataset, codes)
    raw = session.connection().connection.driver_connection
    assert isinstance(raw, psycopg.Connection)
    request = ImportRequest(
        path=path,
        layer=layer.imported.layer,
        dataset=dataset,
        context=DEMO_LOADER,
        mapping_path=MAPPINGS_DIR / layer.imported.mapping,
        commit=True,
        synthetic=layer.imported.synthetic,
        geometry_source=GeometrySource.INDICATIVE,
    )
    outcome = import_on(raw, request, lambda *_: None, own_transaction=False)
    rejected = [
        Problem(f"{path.name}#/features/{(row or 1) - 1}", f"{key}: {reason}")
        for row, key, status, reason in outcome.notable
        if status == "rejected"
    ]
    if rejected:
        raise InvalidGeometry(f"{path.name}: {len(rejected)} row(s) rejected", rejected)
    return sum(outcome.counts.get(status, 0) for status in ("created", "updated", "unchanged"))


_LINK: Final = sa.text(
    """
    UPDATE sites AS s
    SET part_of_site_id = p.id, part_relation = :relation
    FROM sites AS p
    WHERE s.code = :code AND p.code = :part_of
      AND (s.part_of_site_id, s.part_relation) IS DISTINCT FROM (p.id, :relation)
    """
)


def _curated_rows(session: Session, path: Path) -> tuple[list[dict[str, str]], set[str]]:
    """Return a curated CSV's rows (none when the file is absent) and the registry's site codes."""
    if not path.exists():
        return [], set()
    with path.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    return rows, set(session.scalars(sa.select(models.Site.code)))


Curated = Callable[[dict[str, str], set[str]], "dict[str, Any] | str"]
"""Turns a curated CSV row into its statement's parameters, or says what is wrong with it."""


def _apply_curated(session: Session, path: Path, statement: Any, parameters: Curated) -> int:
    """Run ``statement`` for every row of a curated CSV; return how many rows it changed.

    Raises:
        UnreadableFile: a row is wrong (the line and why).
    """
    rows, codes = _curated_rows(session, path)
    changed = 0
    for number, row in enumerate(rows, start=2):
        params = parameters(row, codes)
        if isinstance(params, str):
            raise UnreadableFile(f"{path.name} line {number}: {params}")
        changed += session.execute(statement, params).rowcount  # type: ignore[attr-defined]
    return changed


def _link_params(row: dict[str, str], codes: set[str]) -> dict[str, Any] | str:
    unknown = {row["code"], row["part_of"]} - codes
    if unknown:
        return f"unknown site {sorted(unknown)}"
    if row["relation"] not in ("phase", "part"):
        return f"relation {row['relation']!r}"
    return dict(row)


def _site_links(session: Session, path: Path) -> int:
    """Record the curated phase and part links (``data/curated/site_links.csv``); count changes.

    Raises:
        UnreadableFile: a row names a site the registry does not hold, or a relation it does
        not know.
    """
    return _apply_curated(session, path, _LINK, _link_params)


CURATED_FILES: Final = {
    "site status": "site_status.csv",
    "zone facts": "zone_facts.csv",
    "site links": "site_links.csv",
    "site establishment": "site_establishment.csv",
    "site locations": "site_locations.csv",
}
LOCATED: Final = ("site_point", "commune", "district", "unknown")
"""How an indicative outline may be placed (surveyed and digitized follow geometry_source)."""
_LOCATION: Final = sa.text(
    """
    UPDATE sites SET location_confidence = :confidence
    WHERE code = :code AND geometry_source = 'indicative'
      AND location_confidence IS DISTINCT FROM :confidence
    """
)


def _location_params(row: dict[str, str], codes: set[str]) -> dict[str, Any] | str:
    if row["code"] not in codes or row["location_confidence"] not in LOCATED:
        return "unknown site or placing"
    return {"code": row["code"], "confidence": row["location_confidence"]}


def _locations(session: Session, path: Path) -> int:
    """Record how each indicative outline is placed (``data/curated/site_locations.csv``).

    Raises:
        UnreadableFile: a row names a site the registry does not hold, or an unknown placing.
    """
    return _apply_curated(session, path, _LOCATION, _location_params)


_STATUS: Final = sa.text(
    """
    UPDATE sites SET status = :status
    WHERE code = :code AND status IS DISTINCT FROM :status
    """
)


def _status_params(row: dict[str, str], codes: set[str]) -> dict[str, Any] | str:
    if row["code"] not in codes:
        return f"unknown site {row['code']!r}"
    if row["status"] not in set(SiteStatus):
        return f"status {row['status']!r} is not one of {', '.join(SiteStatus)}"
    if not row.get("source"):
        return "no source"
    return {"code": row["code"], "status": row["status"]}


def _statuses(session: Session, path: Path) -> int:
    """Set the statuses the plans give over the published ones (``site_status.csv``).

    Raises:
        UnreadableFile: a row names an unknown site or status, or no source.
    """
    return _apply_curated(session, path, _STATUS, _status_params)


_ZONE_FACTS: Final = sa.text(
    """
    UPDATE zone_details AS z
    SET occupancy_rate_pct = :occupancy, wastewater_status = :wastewater
    FROM sites AS s
    WHERE s.id = z.site_id AND s.code = :code
      AND (z.occupancy_rate_pct, CAST(z.wastewater_status AS text))
          IS DISTINCT FROM (CAST(:occupancy AS double precision), CAST(:wastewater AS text))
    """
)


def _zone_params(row: dict[str, str], codes: set[str]) -> dict[str, Any] | str:
    occupancy, wastewater = row["occupancy_rate_pct"], row["wastewater_status"] or None
    if row["code"] not in codes or not row.get("source"):
        return f"unknown site {row['code']!r} or no source"
    if wastewater is not None and wastewater not in set(WastewaterStatus):
        return f"wastewater_status {wastewater!r} is not one of {', '.join(WastewaterStatus)}"
    try:
        value = float(occupancy) if occupancy else None
    except ValueError:
        return f"occupancy_rate_pct {occupancy!r} is not a number"
    if value is not None and not 0 <= value <= 100:
        return f"occupancy_rate_pct {occupancy!r} is not a share (0–100)"
    return {"code": row["code"], "occupancy": value, "wastewater": wastewater}


def _zone_facts(session: Session, path: Path) -> int:
    """Set zones' occupancy and wastewater plant status (``data/curated/zone_facts.csv``).

    Raises:
        UnreadableFile: a row names an unknown site, status or share, or no source.
    """
    return _apply_curated(session, path, _ZONE_FACTS, _zone_params)


_ESTABLISHED: Final = sa.text(
    """
    UPDATE sites
    SET established_on = :on, established_before = :before, established_basis = :basis
    WHERE code = :code
      AND (established_on, established_before, established_basis)
          IS DISTINCT FROM (CAST(:on AS date), CAST(:before AS date), CAST(:basis AS text))
    """
)


def _load_reported(session: Session, path: Path, force: bool, report: LoadReport) -> None:
    """Load the reported figures when their file changed since the last load (or ``force``)."""
    if not path.exists():
        return
    digest = _checksum(path)
    if not force and _unchanged(session, "reported_figures", digest):
        report.skipped.append("reported_figures")
        return
    count = _reported(session, path)
    _record(session, "reported_figures", path, digest, count)
    report.loaded["reported figures"] = count


def _reported(session: Session, path: Path) -> int:
    """Upsert the figures agencies reported (``data/curated/reported_figures.csv``); count them.

    Raises:
        UnreadableFile: a row names a target the registry does not hold, or lacks a field.
    """
    rows, _ = _curated_rows(session, path)
    targets = set(session.scalars(sa.select(models.PlanTarget.code)))
    figures = []
    for number, row in enumerate(rows, start=2):
        required = ("code", "value", "unit", "reported_on", "agency", "document", "source")
        if row["target_code"] not in targets or not all(row.get(k) for k in required):
            raise UnreadableFile(f"{path.name} line {number}: unknown target or a field missing")
        figures.append(
            {
                **{key: nfc(row[key]) for key in ("code", "target_code", "unit", "agency")},
                **{key: nfc(row[key]) for key in ("document", "source")},
                "value": float(row["value"]),
                "reported_on": parse_date(row["reported_on"]),
                "note": nfc(row["note"]) if row.get("note") else None,
            }
        )
    _upsert(session, table_of(models.ReportedFigure), figures)
    return len(figures)


def _load_curated(session: Session, folder: Path, report: LoadReport) -> None:
    """Apply the curated facts of ``data/curated`` (idempotent: only changes are written)."""
    appliers = (
        ("site status", _statuses),
        ("zone facts", _zone_facts),
        ("site links", _site_links),
        ("site establishment", _establishment),
        ("site locations", _locations),
    )
    for name, apply in appliers:
        changed = apply(session, folder / CURATED_FILES[name])
        if changed:
            report.loaded[name] = changed


def _establishment_params(row: dict[str, str], codes: set[str]) -> dict[str, Any] | str:
    on, before = parse_date(row["established_on"]), parse_date(row["established_before"])
    if row["code"] not in codes or (on is None and before is None) or not row["basis"]:
        return "unknown site, no date or no basis"
    return {"code": row["code"], "on": on, "before": before, "basis": nfc(row["basis"])}


def _establishment(session: Session, path: Path) -> int:
    """Record when sites were established (``data/curated/site_establishment.csv``).

    Raises:
        UnreadableFile: a row names a site the registry does not hold, or has neither date.
    """
    return _apply_curated(session, path, _ESTABLISHED, _establishment_params)


def _upsert(session: Session, table: sa.Table, rows: list[dict[str, Any]]) -> None:
    """Insert rows, or update those whose code exists and whose content differs."""
    if not rows:
        return
    statement = insert(table)
    columns = [key for key in rows[0] if key != "code"]
    changed = sa.tuple_(*[table.c[key] for key in columns]).is_distinct_from(
        sa.tuple_(*[statement.excluded[key] for key in columns])
    )
    statement = statement.on_conflict_do_update(
        index_elements=[table.c.code],
        set_={key: statement.excluded[key] for key in columns},
        where=changed,
    )
    for start in range(0, len(rows), 1000):
        session.execute(statement, rows[start : start + 1000])


def _site_details(session: Session, features: list[dict[str, Any]]) -> None:
    """Upsert the kind-specific details of the sites just loaded."""
    ids = dict(session.execute(sa.select(models.Site.code, models.Site.id)).all())
    detail_tables = (
        ("zone_details", table_of(models.ZoneDetails)),
        ("mining_details", table_of(models.MiningDetails)),
        ("relocation_details", table_of(models.RelocationDetails)),
    )
    for key, table in detail_tables:
        rows = []
        for feature in features:
            props = feature["properties"]
            details = props.get(key)
            if not details:
                continue
            row = {"site_id": ids[props["code"]], **details}
            if key == "relocation_details":
                row = {
                    "site_id": ids[props["code"]],
                    "moved_from_site_id": ids.get(details.get("moved_from_code") or ""),
                    "moved_to_site_id": ids.get(details.get("moved_to_code") or ""),
                    "households_planned": details.get("households_planned"),
                    "households_relocated": details.get("households_relocated"),
                    "deadline": parse_date(details.get("deadline")),
                }
            rows.append(row)
        if rows:
            statement = insert(table)
            columns = [column for column in rows[0] if column != "site_id"]
            session.execute(
                statement.on_conflict_do_update(
                    index_elements=[table.c.site_id],
                    set_={column: statement.excluded[column] for column in columns},
                ),
                rows,
            )


def _link_decisions(session: Session, rows: list[dict[str, Any]]) -> None:
    """Register the decision each site row names and put its id on the row.

    Raises:
        UnreadableFile: when a site gives a decision number without its issuer.
    """
    named = [row for row in rows if row["legal_decision_number"]]
    unissued = [row["code"] for row in named if not row["legal_issuer"]]
    if unissued:
        raise UnreadableFile(f"decision number without an issuer: {', '.join(unissued)}")
    cited = [
        (row["legal_decision_number"], row["legal_issuer"], row["legal_decision_date"])
        for row in named
    ]
    ids = decisions.ensure_decisions(session, cited)
    for row in rows:
        number = row["legal_decision_number"]
        row["legal_decision_id"] = (
            ids[(decisions.decision_key(number), row["legal_issuer"], row["legal_decision_date"])]
            if number
            else None
        )


def _clearance_history(session: Session, features: list[dict[str, Any]]) -> None:
    """Replace the status history of the parcels just loaded with the file's invented one.

    The importer adds each parcel's status of its date; the demo file also gives the earlier
    steps (``status_history``), which no field of a parcel row can carry.
    """
    ids = dict(
        session.execute(sa.select(models.ClearanceParcel.code, models.ClearanceParcel.id)).all()
    )
    parcel_ids = [ids[f["properties"]["code"]] for f in features]
    history = table_of(models.ClearanceStatusChange)
    session.execute(sa.delete(history).where(history.c.parcel_id.in_(parcel_ids)))
    rows = [
        {
            "parcel_id": ids[f["properties"]["code"]],
            "status": step["status"],
            "status_date": parse_date(step["date"]),
        }
        for f in features
        for step in f["properties"].get("status_history") or []
    ]
    if rows:
        session.execute(sa.insert(history), rows)


def _targets(session: Session, path: Path) -> int:
    try:
        targets = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise UnreadableFile(f"{path.name}: {exc}") from exc
    rows = [
        {
            "code": t["code"],
            "title_vi": nfc(t["title_vi"]),
            "title_en": t["title_en"],
            "legal_source": nfc(t["legal_source"]),
            "unit": t["unit"],
            "target_value": float(t["target_value"]),
            "deadline": parse_date(t["deadline"]),
            "period_start": parse_date(t.get("period_start")),
            "metric": t["metric"],
            "scope": nfc(t["scope"]),
        }
        for t in targets
    ]
    _upsert(session, table_of(models.PlanTarget), rows)
    return len(rows)


def _checksum(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _unchanged(session: Session, layer: str, digest: str) -> bool:
    stored = session.scalar(
        sa.select(models.DatasetLoad.sha256).where(models.DatasetLoad.layer == layer)
    )
    return stored == digest


def _record(session: Session, layer: str, path: Path, digest: str, count: int) -> None:
    table = table_of(models.DatasetLoad)
    statement = insert(table).values(
        layer=layer, file_name=path.name, sha256=digest, feature_count=count
    )
    session.execute(
        statement.on_conflict_do_update(
            index_elements=[table.c.layer],
            set_={
                "file_name": path.name,
                "sha256": digest,
                "feature_count": count,
                "loaded_at": sa.func.now(),
            },
        )
    )


def load_demo(session: Session, data_dir: Path, *, force: bool = False) -> LoadReport:
    """Load every demo layer in one transaction: everything is written, or nothing.

    Raises:
        InvalidGeometry: when any feature of any layer fails validation (all problems listed).
        UnreadableFile: when a layer file is missing or malformed.
    """
    report = LoadReport()
    try:
        record_context(session, DEMO_LOADER)
        _load_layers(session, data_dir, force=force, report=report)
        session.commit()
    except Exception:
        session.rollback()
        raise
    return report


def _load_layers(session: Session, data_dir: Path, *, force: bool, report: LoadReport) -> None:
    """Write every changed layer into the session's transaction."""
    for layer in LAYERS:
        path = data_dir / layer.file_name
        digest = _checksum(path) if path.exists() else ""
        if not force and _unchanged(session, layer.name, digest):
            report.skipped.append(layer.name)
            continue
        features = read_features(path)
        if layer.imported is not None:
            count = _import_layer(session, layer, path, features)
        else:
            count = _build_layer(session, layer, features)
        if layer.name == "clearance_parcels":
            _clearance_history(session, features)
        _record(session, layer.name, path, digest, len(features))
        report.loaded[layer.name] = count
        logger.info("loaded %s: %d features", layer.name, count)
    _load_after_layers(session, data_dir, force=force, report=report)


def _build_layer(session: Session, layer: Layer, features: list[dict[str, Any]]) -> int:
    """Build a layer's rows here (a layer the importer cannot yet take) and upsert them."""
    assert layer.build_row is not None
    site_ids = dict(session.execute(sa.select(models.Site.code, models.Site.id)).all())
    rows = [layer.build_row(props, geom, site_ids) for props, geom in _shapes(layer, features)]
    if layer.name == "sites":
        _link_decisions(session, rows)
    _upsert(session, layer.table, rows)
    if layer.name == "sites":
        _site_details(session, features)
    return len(rows)


def _load_after_layers(
    session: Session, data_dir: Path, *, force: bool, report: LoadReport
) -> None:
    """Link decisions, apply the curated facts, load the plan targets and reported figures."""
    # Sites loaded before decisions were a resource get their links here, once.
    relinked = decisions.link_sites(session)
    if relinked:
        report.loaded["site decision links"] = relinked
    _load_curated(session, data_dir.parent / "curated", report)
    targets_path = data_dir / "plan_targets.json"
    digest = _checksum(targets_path)
    if force or not _unchanged(session, "plan_targets", digest):
        count = _targets(session, targets_path)
        _record(session, "plan_targets", targets_path, digest, count)
        report.loaded["plan_targets"] = count
    else:
        report.skipped.append("plan_targets")
    _load_reported(session, data_dir.parent / "curated" / "reported_figures.csv", force, report)
