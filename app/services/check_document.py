"""The proposal check as a document an officer can file: its facts, then CSV rows."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Final
from zoneinfo import ZoneInfo

import anyio.to_thread
from shapely.geometry.base import BaseGeometry
from sqlalchemy.orm import Session

from app.db.admission import InFlight
from app.formats import csv_text, synthetic_notice
from app.map.i18n import Lang, Message, translator
from app.schemas.analysis import CheckReportRow, ProposalCheck
from app.services import proposal_check
from spatial.analysis import nearby, proposal_conflicts
from spatial.crs import epsg_code
from spatial.io.archive import ZipLimits
from spatial.io.proposal_cost import ProposalLimits
from spatial.vertices import Vertex, vertex_table

COMMUNE_REACH_M: Final = 2_000.0
"""2025 communes exist only as label points: those within this distance of the proposal."""

VIETNAM_TIME: Final = ZoneInfo("Asia/Ho_Chi_Minh")


@dataclass(frozen=True)
class CheckDocument:
    """Everything a filed check shows: the report, its name and date, vertices and communes."""

    report: ProposalCheck
    name: str
    checked_on: date
    lang: Lang
    geometry: BaseGeometry
    vertices: list[Vertex]
    communes: list[nearby.NearbyFeature]
    pieces: list[proposal_conflicts.Piece]
    notes: list[Message]
    """The report's notes as labels, worded in the document's language."""

    @property
    def synthetic(self) -> bool:
        """Return whether any forest figure comes from synthetic data."""
        return any(d.synthetic for d in self.report.forest_datasets)


@dataclass(frozen=True)
class CheckInput:
    """An uploaded boundary and how to read it, as the check endpoint receives it."""

    data: bytes
    file_name: str
    crs: str | None
    max_bytes: int
    zip_limits: ZipLimits
    as_of: datetime | None = None
    limits: ProposalLimits | None = None


def _communes(
    session: Session, geom: BaseGeometry, as_of: datetime | None
) -> list[nearby.NearbyFeature]:
    """Return the 2025 communes whose label point lies in or near ``geom`` (EPSG:4326)."""
    found = nearby.run(
        session.connection(), geom=geom, distance_m=COMMUNE_REACH_M, recorded_at=as_of
    )
    return [f for f in found if f.layer == "commune"]


async def build(
    pool: proposal_conflicts.AsyncPool,
    in_flight: InFlight,
    session: Session,
    upload: CheckInput,
    *,
    name: str,
    lang: Lang,
    client_gone: Callable[[], Awaitable[bool]] | None = None,
) -> CheckDocument:
    """Check an upload as ``/analysis/check`` does and gather what its filed report shows."""
    done = await proposal_check.run_pooled(
        pool,
        in_flight,
        upload.data,
        upload.file_name,
        crs=upload.crs,
        max_bytes=upload.max_bytes,
        with_pieces=True,
        client_gone=client_gone,
        as_of=upload.as_of,
        zip_limits=upload.zip_limits,
        limits=upload.limits,
    )
    geom = done.checked.geometry
    report = done.checked.report
    zone = epsg_code(report.vn2000_zone) if report.vn2000_zone else None
    return CheckDocument(
        report=report,
        name=name,
        checked_on=datetime.now(VIETNAM_TIME).date(),
        lang=lang,
        geometry=geom,
        vertices=vertex_table(geom, zone) if zone else [],
        communes=await anyio.to_thread.run_sync(_communes, session, geom, upload.as_of),
        pieces=done.pieces or [],
        notes=done.checked.notes,
    )


def _hectare_rows(doc: CheckDocument) -> list[CheckReportRow]:
    report = doc.report
    found: list[tuple[str, str, str, float]] = [
        *(
            (
                "forest",
                f"{c.category}/{c.origin}",
                forest_label(doc.lang, c.category, c.origin),
                c.overlap_ha,
            )
            for c in report.forest.by_category
        ),
        *(("protected_area", p.code, p.name, p.overlap_ha) for p in report.protected_areas),
        *(("site", s.code, s.name, s.overlap_ha) for s in report.sites),
        *(("province", u.code, u.name, u.overlap_ha) for u in report.provinces),
        *(("district", u.code, u.name, u.overlap_ha) for u in report.districts),
    ]
    return [
        CheckReportRow(section=section, code=code, label=label, value=value, unit="ha")
        for section, code, label, value in found
    ]


def _finding_rows(doc: CheckDocument) -> list[CheckReportRow]:
    t = translator(doc.lang)
    communes = [
        CheckReportRow(
            section="commune_2025_by_label_point",
            code=c.code,
            label=c.name,
            value=round(c.distance_m, 1),
            unit="m",
        )
        for c in doc.communes
    ]
    datasets = [
        CheckReportRow(
            section="forest_dataset",
            code=d.dataset,
            label=t("doc.synthetic"),
            value=t("doc.yes") if d.synthetic else t("doc.no"),
        )
        for d in doc.report.forest_datasets
    ]
    return [*_hectare_rows(doc), *communes, *datasets]


def forest_label(lang: Lang, category: str, origin: str) -> str:
    """Return a forest category and origin as the label table words them."""
    t = translator(lang)
    labels = []
    for key in (f"forest.{category}", f"origin.{origin}"):
        try:
            labels.append(t(key))
        except KeyError:  # a category the label table does not know yet: show its code
            labels.append(key.split(".", 1)[1])
    return " — ".join(labels)


def _head_rows(doc: CheckDocument) -> list[CheckReportRow]:
    t = translator(doc.lang)
    report = doc.report
    facts: list[tuple[str, str, float | str | None, str]] = [
        ("name", "check.name", doc.name, ""),
        ("date", "doc.date", doc.checked_on.isoformat(), ""),
        ("file_name", "check.file_name", report.file_name, ""),
        ("source_crs", "check.source_crs", report.source_crs, ""),
        ("area_ha", "check.area", report.area_ha, "ha"),
        ("area_vn2000_ha", "check.area_vn2000", report.area_vn2000_ha, "ha"),
        ("vn2000_zone", "doc.vertices", report.vn2000_zone, ""),
    ]
    return [
        CheckReportRow(section="proposal", code=code, label=t(key), value=value, unit=unit)
        for code, key, value, unit in facts
    ]


def csv_rows(doc: CheckDocument) -> list[CheckReportRow]:
    """Return the document as rows: facts, findings, data versions, notes, vertices."""
    t = translator(doc.lang)
    notes = [
        CheckReportRow(section="note", code=str(i), label=n)
        for i, n in enumerate(caveats(doc), start=1)
    ]
    vertices = [
        CheckReportRow(
            section="vertex",
            code=f"{v.polygon}.{v.ring}.{v.point}",
            label=t("doc.point"),
            x_north_m=v.x_north_m,
            y_east_m=v.y_east_m,
        )
        for v in doc.vertices
    ]
    return [*_head_rows(doc), *_finding_rows(doc), *notes, *vertices]


def caveats(doc: CheckDocument) -> list[str]:
    """Return the caveats a filed check carries: synthetic data, indicative findings, notes."""
    t = translator(doc.lang)
    first = [t("data.synthetic_notice")] if doc.synthetic else []
    notes = [note.text(doc.lang) for note in doc.notes]
    return [*first, t("doc.indicative_note"), t("doc.communes_method"), *notes]


def csv_bytes(doc: CheckDocument) -> bytes:
    """Return the document as UTF-8 CSV; every row names synthetic data when there is any."""
    notice = synthetic_notice() if doc.synthetic else None
    return csv_text(csv_rows(doc), notice).encode("utf-8")
