"""Reports for the API and the CLI: forest overlap, clearance progress, plan overlaps, nearby."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, Final

import sqlalchemy as sa
from shapely.geometry import Point
from sqlalchemy.orm import Session

from app.map.i18n import Message
from app.models import PlanTarget
from app.repositories import NotFound
from app.repositories.as_of import AsOf, as_of_bind, as_of_label
from app.repositories.sites import find_site, sites
from app.schemas.analysis import (
    AreaMethod,
    BoundaryCrossingRead,
    CategoryOverlap,
    ClearanceReport,
    ForestDatasetRead,
    ForestOverlapReport,
    ForestOverlapRow,
    ForestTotals,
    GroupForestOverlap,
    MisplacedSiteRead,
    NearbyFeatureRead,
    NearbyResult,
    PlanOverlapRead,
    PlanOverlapReport,
    ProtectedOverlap,
    SiteClearance,
    SiteForestOverlap,
    TargetProgress,
)
from spatial.analysis import (
    clearance_progress,
    forest_overlap,
    misplaced_sites,
    nearby,
    plan_overlap,
)

SYNTHETIC_NOTE = Message("note.forest_synthetic").text("en")
NO_FOREST_NOTE = Message("note.no_forest").text("en")
CLEARANCE_SYNTHETIC_NOTE = (
    "The demo clearance parcels are SYNTHETIC subdivisions, not official figures."
)
CLEAN_LAND_METRIC = "cleared_land_ha"


def from_synthetic_data(notes: list[str]) -> bool:
    """Return whether an answer's notes say its figures come from synthetic data."""
    return SYNTHETIC_NOTE in notes or CLEARANCE_SYNTHETIC_NOTE in notes


def as_of_messages(as_of: datetime | None) -> list[Message]:
    """Return the note saying which recorded time an answer is for (none for now)."""
    return [] if as_of is None else [Message("note.as_of", (("when", as_of_label(as_of)),))]


def as_of_notes(as_of: datetime | None) -> list[str]:
    """Return the note saying which recorded time an answer is for, in English (the API's)."""
    return [note.text("en") for note in as_of_messages(as_of)]


def percent(part: float, whole: float | None) -> float:
    """Return part as % of whole (0 when whole is 0 or unknown), to 2 decimals."""
    return round(100.0 * part / whole, 2) if whole else 0.0


def forest_datasets(session: Session) -> list[ForestDatasetRead]:
    """Return the forest datasets the answers are computed from."""
    rows = forest_overlap.datasets(session.connection())
    return [ForestDatasetRead(dataset=r.dataset, synthetic=r.synthetic) for r in rows]


def forest_layer_messages(datasets: list[ForestDatasetRead]) -> list[Message]:
    """Return the warning to add when the forest layer is empty or any of it is synthetic."""
    if not datasets:
        return [Message("note.no_forest")]
    return [Message("note.forest_synthetic")] if any(d.synthetic for d in datasets) else []


def forest_layer_notes(datasets: list[ForestDatasetRead]) -> list[str]:
    """Return the forest layer's warnings in English, as the JSON answers give them."""
    return [note.text("en") for note in forest_layer_messages(datasets)]


def add_forest_totals(
    totals: ForestTotals, category: str | None, origin: str | None, ha: float
) -> None:
    """Add hectares to the category and origin totals."""
    if category is None:
        return
    setattr(totals, f"{category}_ha", getattr(totals, f"{category}_ha") + ha)
    setattr(totals, f"{origin}_ha", getattr(totals, f"{origin}_ha") + ha)
    totals.forest_total_ha += ha


def site_forest_overlap(
    session: Session, code: str, *, area: AreaMethod, as_of: datetime | None = None
) -> SiteForestOverlap:
    """Return the forest and protected-area overlap of one site (as recorded at ``as_of``).

    Raises:
        NotFound: when no site has this code (had it at ``as_of``).
    """
    site = find_site(session, code, sites.c.name, sites.c.kind, sites.c.communes, as_of=as_of)
    if site is None:
        raise NotFound("site", code)
    conn = session.connection()
    rows = forest_overlap.run(conn, site_codes=[code], vn2000=area == "vn2000", recorded_at=as_of)
    datasets = forest_datasets(session)
    site_area_ha = rows[0].site_area_ha or 0.0
    result = SiteForestOverlap(
        site_code=code,
        site_name=site.name,
        kind=site.kind,
        communes=list(site.communes),
        area_method=area,
        site_area_ha=site_area_ha,
        forest_share_pct=0.0,
        by_category=[],
        protected_areas=[
            ProtectedOverlap(
                code=p.area_code,
                name=p.area_name,
                overlap_ha=p.overlap_ha,
                outline_indicative=not p.use_for_overlap_analysis,
            )
            for p in forest_overlap.protected(conn, site_codes=[code], recorded_at=as_of)
        ],
        forest_datasets=datasets,
        notes=[*forest_layer_notes(datasets), *as_of_notes(as_of)],
        recorded_as_of=as_of,
    )
    for row in rows:
        if row.category is None:
            continue
        add_forest_totals(result, row.category, row.origin, row.overlap_ha)
        result.by_category.append(
            CategoryOverlap(
                category=row.category,
                origin=row.origin or "",
                overlap_ha=row.overlap_ha,
                share_pct=percent(row.overlap_ha, site_area_ha),
                parcels=row.parcels,
            )
        )
    result.forest_share_pct = percent(result.forest_total_ha, site_area_ha)
    return result


@dataclass(frozen=True)
class SiteForestPieces:
    """The forest pieces inside one site (GeoJSON in EPSG:4326) and the forest layer's notes."""

    pieces: list[forest_overlap.ForestPiece]
    notes: list[str]


def site_forest_pieces(
    session: Session, code: str, *, as_of: datetime | None = None
) -> SiteForestPieces:
    """Return the pieces of forest parcels inside one site, with the forest layer's warnings.

    Raises:
        NotFound: when no site has this code (had it at ``as_of``).
    """
    if find_site(session, code, sites.c.id, as_of=as_of) is None:
        raise NotFound("site", code)
    notes = [*forest_layer_notes(forest_datasets(session)), *as_of_notes(as_of)]
    found = forest_overlap.pieces(session.connection(), site_code=code, recorded_at=as_of)
    return SiteForestPieces(found, notes)


TOTAL_FIELDS: tuple[str, ...] = tuple(ForestTotals.model_fields)


def forest_sums() -> dict[str, float]:
    """Return zeroed forest totals as plain floats (cheaper to add to than model fields)."""
    return dict.fromkeys(TOTAL_FIELDS, 0.0)


def add_forest_sums(
    sums: dict[str, float], category: str | None, origin: str | None, ha: float
) -> None:
    """Add hectares to the category, origin and total sums of ``forest_sums()``."""
    if category is None:
        return
    sums[f"{category}_ha"] += ha
    sums[f"{origin}_ha"] += ha
    sums["forest_total_ha"] += ha


def _site_facts(session: Session, as_of: datetime | None) -> dict[str, Any]:
    # Only the columns the report shows: loading 120+ geometries through the ORM costs more
    # than the overlap SQL's own overhead (bench/README.md).
    facts = sa.select(sites.c.code, sites.c.name, sites.c.kind, sites.c.communes)
    if as_of is not None:
        facts = AsOf(as_of_bind(as_of))(facts)
    return {row.code: row for row in session.execute(facts)}


def _site_rows(
    session: Session,
    found: list[forest_overlap.ForestOverlapRow],
    as_of: datetime | None,
) -> list[ForestOverlapRow]:
    conn = session.connection()
    facts = _site_facts(session, as_of)
    protected_ha: dict[str, float] = defaultdict(float)
    for hit in forest_overlap.protected(conn, recorded_at=as_of):
        protected_ha[hit.site_code] += hit.overlap_ha
    # Plain floats first, each model built once: setting pydantic fields one by one was 60 %
    # of the report's CPU in the API process (bench/README.md).
    sums: dict[str, dict[str, float]] = {}
    areas: dict[str, float] = {}
    for row in found:
        if row.site_code not in sums:
            sums[row.site_code] = forest_sums()
            areas[row.site_code] = row.site_area_ha or 0.0
        add_forest_sums(sums[row.site_code], row.category, row.origin, row.overlap_ha)
    return [
        ForestOverlapRow(
            site_code=code,
            site_name=facts[code].name,
            kind=facts[code].kind,
            communes=", ".join(facts[code].communes),
            site_area_ha=areas[code],
            forest_share_pct=percent(totals["forest_total_ha"], areas[code]),
            protected_ha=protected_ha[code],
            **totals,
        )
        for code, totals in sums.items()
    ]


def _group(name: str, members: Iterable[ForestOverlapRow]) -> GroupForestOverlap:
    sums = forest_sums()
    count = 0
    site_area_ha = 0.0
    for member in members:
        count += 1
        site_area_ha += member.site_area_ha
        for key in TOTAL_FIELDS:
            sums[key] += getattr(member, key)
    return GroupForestOverlap(
        group=name,
        sites=count,
        site_area_ha=site_area_ha,
        forest_share_pct=percent(sums["forest_total_ha"], site_area_ha),
        **sums,
    )


def _ground_groups(rows: list[forest_overlap.GroundRow]) -> dict[str, GroupForestOverlap]:
    """Return the forest on the ground of every kind and of all sites, shared ground once."""
    sums: dict[str, dict[str, float]] = {}
    facts: dict[str, tuple[int, float]] = {}
    for row in rows:
        if row.group_name not in sums:
            sums[row.group_name] = forest_sums()
            facts[row.group_name] = (row.sites, row.ground_ha or 0.0)
        add_forest_sums(sums[row.group_name], row.category, row.origin, row.overlap_ha)
    return {
        name: GroupForestOverlap(
            group=name,
            sites=facts[name][0],
            site_area_ha=facts[name][1],
            forest_share_pct=percent(totals["forest_total_ha"], facts[name][1]),
            **totals,
        )
        for name, totals in sums.items()
    }


GROUND_NOTE: Final = (
    "by_kind and totals count ground once: where sites overlap (a phase inside its zone, a "
    "relocation area drawn over its destination) their shared ground and its forest are "
    "counted once, so site_area_ha there is the ground's area, not the sum of the sites'."
)


def forest_overlap_report(
    session: Session, *, area: AreaMethod, as_of: datetime | None = None
) -> ForestOverlapReport:
    """Return the province-wide forest overlap report, per site, per kind and per commune.

    Per kind and in total the figures are of the sites' ground (shared ground once); per
    commune list they are sums over sites, which a commune list cannot split spatially.
    """
    misplaced = left_out_sites(session, as_of)
    found = forest_overlap.report(
        session.connection(),
        vn2000=area == "vn2000",
        recorded_at=as_of,
        left_out=[site.code for site in misplaced],
    )
    rows = _site_rows(session, found.sites, as_of)
    by_commune: dict[str, list[ForestOverlapRow]] = defaultdict(list)
    for row in rows:
        by_commune[row.communes or "(không rõ xã / unknown)"].append(row)
    grounds = _ground_groups(found.ground)
    total = grounds.pop("total", None) or _group("total", [])
    datasets = forest_datasets(session)
    return ForestOverlapReport(
        area_method=area,
        sites=rows,
        by_kind=[grounds[kind] for kind in sorted(grounds)],
        by_commune=[_group(name, members) for name, members in sorted(by_commune.items())],
        totals=total,
        forest_datasets=datasets,
        notes=[
            *forest_layer_notes(datasets),
            GROUND_NOTE,
            *left_out_notes(misplaced),
            "by_commune groups sites by the commune list recorded on each site and sums them; "
            "post-2025 commune polygons are not published, so no spatial split is made.",
            *as_of_notes(as_of),
        ],
        recorded_as_of=as_of,
        left_out=misplaced,
    )


def left_out_sites(session: Session, as_of: datetime | None = None) -> list[MisplacedSiteRead]:
    """Return the sites left out of the province's totals: outlines outside it or Vietnam."""
    found = misplaced_sites.run(session.connection(), recorded_at=as_of)
    return [MisplacedSiteRead.model_validate(site, from_attributes=True) for site in found]


def left_out_notes(misplaced: list[MisplacedSiteRead]) -> list[str]:
    """Return the note saying how many sites the totals leave out, and which, and why."""
    if not misplaced:
        return []
    listed = ", ".join(f"{site.code} ({site.place.replace('_', ' ')})" for site in misplaced)
    return [
        f"by_kind and totals leave out {len(misplaced)} site(s) whose outline lies outside "
        f"the province it states or outside Vietnam, until the outline is corrected: {listed}."
    ]


def _clean_land_target(session: Session, achieved_ha: float) -> TargetProgress | None:
    target = session.scalar(sa.select(PlanTarget).where(PlanTarget.metric == CLEAN_LAND_METRIC))
    if target is None:
        return None
    return TargetProgress(
        code=target.code,
        title_vi=target.title_vi,
        legal_source=target.legal_source,
        target_value=target.target_value,
        unit=target.unit,
        deadline=target.deadline,
        achieved=round(achieved_ha, 4),
        progress_pct=percent(achieved_ha, target.target_value),
    )


def _finish(item: SiteClearance) -> SiteClearance:
    item.clean_land_ha = item.cleared_ha + item.handed_over_ha
    if item.planned_area_ha:
        item.clean_land_pct_of_planned = percent(item.clean_land_ha, item.planned_area_ha)
        item.handed_over_pct_of_planned = percent(item.handed_over_ha, item.planned_area_ha)
    return item


def _clearance_by_site(rows: Iterable[clearance_progress.ClearanceRow]) -> list[SiteClearance]:
    """Fold the (site, status) rows of the clearance question into one item per site."""
    per_site: dict[str, SiteClearance] = {}
    for row in rows:
        item = per_site.setdefault(
            row.site_code,
            SiteClearance(
                site_code=row.site_code,
                site_name=row.site_name,
                kind=row.kind,
                planned_area_ha=row.planned_area_ha,
            ),
        )
        setattr(item, f"{row.status}_ha", getattr(item, f"{row.status}_ha") + row.area_ha)
        item.parcels += row.parcels
    return [_finish(item) for item in per_site.values()]


def site_clearance(
    session: Session, code: str, *, as_of: date, recorded_at: datetime | None = None
) -> SiteClearance | None:
    """Return one site's clearance hectares by status on ``as_of`` (None: it has no parcels).

    ``recorded_at`` reads the parcels as the registry recorded them then (None: now).
    """
    rows = clearance_progress.run(
        session.connection(), as_of=as_of, site_codes=[code], recorded_at=recorded_at
    )
    return next(iter(_clearance_by_site(rows)), None)


def clearance_report(session: Session, *, as_of: date) -> ClearanceReport:
    """Return clearance hectares per site and status on ``as_of``, with the 500 ha target."""
    sites = _clearance_by_site(clearance_progress.run(session.connection(), as_of=as_of))
    totals = SiteClearance(
        site_code="total",
        site_name="Tổng / total",
        kind="all",
        planned_area_ha=sum(s.planned_area_ha or 0 for s in sites) or None,
    )
    for item in sites:
        for key in ("not_started_ha", "compensating_ha", "cleared_ha", "handed_over_ha", "parcels"):
            setattr(totals, key, getattr(totals, key) + getattr(item, key))
    totals = _finish(totals)
    return ClearanceReport(
        as_of=as_of,
        sites=sites,
        totals=totals,
        target=_clean_land_target(session, totals.clean_land_ha),
        notes=[
            "clean land (mặt bằng sạch) = parcels cleared or handed over on the report date.",
            CLEARANCE_SYNTHETIC_NOTE,
        ],
    )


def plan_overlap_pieces(
    session: Session, *, as_of: datetime | None = None
) -> list[plan_overlap.PlanOverlap]:
    """Return every overlapping pair of sites with its shared ground (GeoJSON, EPSG:4326)."""
    return plan_overlap.run(session.connection(), recorded_at=as_of)


def plan_overlap_report(session: Session, *, as_of: datetime | None = None) -> PlanOverlapReport:
    """Return overlapping site pairs and sites crossing province or former district boundaries."""
    conn = session.connection()
    overlaps = [
        PlanOverlapRead(
            site_a=o.site_a,
            site_b=o.site_b,
            kind_a=o.kind_a,
            kind_b=o.kind_b,
            overlap_ha=o.overlap_ha,
            share_a_pct=o.share_a_pct,
            share_b_pct=o.share_b_pct,
            related=o.related,
            relation=o.relation,
            finding=o.finding,
        )
        for o in plan_overlap.run(conn, recorded_at=as_of)
    ]
    crossings = [
        BoundaryCrossingRead(
            site_code=c.site_code, level=c.level, units=c.unit_names, unit_ha=c.unit_ha
        )
        for c in plan_overlap.crossings(conn, recorded_at=as_of)
    ]
    return PlanOverlapReport(
        overlaps=overlaps,
        crossings=crossings,
        notes=[
            "related = a relocation record links the two sites (overlap by design).",
            "Commune polygons after 2025 are not published: former districts stand in.",
            *as_of_notes(as_of),
        ],
        recorded_as_of=as_of,
    )


def nearby_features(
    session: Session,
    *,
    site_code: str | None,
    lon: float | None,
    lat: float | None,
    distance_m: float,
    as_of: datetime | None = None,
) -> NearbyResult:
    """Return features within ``distance_m`` of a site or of a lon/lat point (EPSG:4326).

    Raises:
        NotFound: when ``site_code`` names no site.
    """
    if site_code is not None:
        found_site = find_site(session, site_code, sa.func.ST_AsBinary(sites.c.geom), as_of=as_of)
        if found_site is None or found_site[0] is None:
            raise NotFound("site", site_code)
        from shapely import wkb

        origin_geom, origin = wkb.loads(bytes(found_site[0])), f"site {site_code}"
    else:
        origin_geom, origin = Point(lon, lat), f"point {lon}, {lat}"
    found = nearby.run(
        session.connection(),
        geom=origin_geom,
        distance_m=distance_m,
        exclude_code=site_code,
        recorded_at=as_of,
    )
    return NearbyResult(
        origin=origin,
        distance_m=distance_m,
        features=[
            NearbyFeatureRead(
                layer=f.layer,
                code=f.code,
                name=f.name,
                kind=f.kind,
                distance_m=round(f.distance_m, 2),
            )
            for f in found
        ],
        recorded_as_of=as_of,
    )
