"""Check the written demo layers and print the build report (counts, sizes, areas, problems)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Final

import shapely
from demo_facts import (
    DAM_HONG_RELOCATION,
    INDICATIVE_SITES,
    RAILWAY_RELOCATIONS,
    TANG_LOONG_RESETTLEMENT,
)
from demo_geojson import Feature
from shapely.geometry import Polygon, shape

from spatial.synthetic import CLEARANCE_STATUSES, geodesic_area_ha, geodesic_length_km

VN_EXTENT: Final = (102.1, 8.3, 109.5, 23.4)  # lon min, lat min, lon max, lat max


def feature_problems(name: str, index: int, item: Feature) -> list[str]:
    """Return the problems of one written feature (required keys, validity, extent, rings)."""
    problems = []
    props = item["properties"]
    for key in ("code", "geometry_source", "provenance"):
        if not props.get(key):
            problems.append(f"{name}[{index}]: missing {key}")
    if props.get("geometry_source") not in ("surveyed", "digitized", "indicative"):
        problems.append(f"{name}[{index}]: bad geometry_source {props.get('geometry_source')!r}")
    geom = shape(item["geometry"])
    if geom.is_empty or not geom.is_valid:
        problems.append(f"{name}[{index}] {props.get('code')}: invalid or empty geometry")
    west, south, east, north = geom.bounds
    lon_min, lat_min, lon_max, lat_max = VN_EXTENT
    if west < lon_min or east > lon_max or south < lat_min or north > lat_max:
        problems.append(f"{name}[{index}] {props.get('code')}: outside Vietnam's extent")
    for part in getattr(geom, "geoms", [geom]):
        if isinstance(part, Polygon) and not part.exterior.is_ccw:
            problems.append(f"{name}[{index}] {props.get('code')}: exterior ring not CCW")
    return problems


def check_collection(name: str, features: Sequence[Feature]) -> list[str]:
    """Return all problems of a written layer, including duplicate codes."""
    problems = [p for i, item in enumerate(features) for p in feature_problems(name, i, item)]
    codes = Counter(item["properties"]["code"] for item in features)
    problems += [f"{name}: duplicate code {code}" for code, n in codes.items() if n > 1]
    return problems


def check_disjoint(name: str, features: Sequence[Feature]) -> list[str]:
    """Return overlaps (> 0 m²) between polygons of a layer that must not overlap."""
    geoms = [shape(item["geometry"]) for item in features]
    tree = shapely.STRtree(geoms)
    left, right = tree.query(geoms, predicate="intersects")
    return [
        f"{name}: {features[a]['properties']['code']} overlaps {features[b]['properties']['code']}"
        for a, b in zip(left, right, strict=True)
        if a < b and geoms[a].intersection(geoms[b]).area > 0
    ]


def check_clearance(parcels: Sequence[Feature], sites: dict[str, Feature]) -> list[str]:
    """Return parcels that are not strictly inside their (written) site polygon."""
    problems = []
    for item in parcels:
        site = shape(sites[item["properties"]["site_code"]]["geometry"])
        parcel = shape(item["geometry"])
        if not site.contains(parcel):
            problems.append(f"clearance: {item['properties']['code']} not inside its site")
        history = item["properties"]["status_history"]
        dates = [step["date"] for step in history]
        if dates != sorted(dates) or history[-1]["status"] != item["properties"]["status"]:
            problems.append(f"clearance: {item['properties']['code']} bad status_history")
    return problems


def report_indicative(sites: Sequence[Feature]) -> list[str]:
    """Print drawn vs computed geodesic areas of indicative outlines; return mismatches > 0.01 %."""
    problems = []
    drawn = drawn_areas_ha()
    print("Indicative outlines (drawn target vs geodesic area of the written, rounded geometry):")
    total_target = total_actual = 0.0
    for item in sites:
        props = item["properties"]
        if props["geometry_source"] != "indicative":
            continue
        target = props["planned_area_ha"] or drawn[props["code"]]
        actual = geodesic_area_ha(shape(item["geometry"]))
        total_target += target
        total_actual += actual
        error_pct = 100.0 * (actual - target) / target
        print(
            f"  {props['code']:<36} target {target:9.3f} ha  computed {actual:11.5f} ha  "
            f"({error_pct:+.5f} %)"
        )
        if abs(error_pct) > 0.01:
            problems.append(f"sites: {props['code']} area off by {error_pct:.4f} %")
    print(f"  TOTAL target {total_target:.3f} ha, computed {total_actual:.4f} ha")
    return problems


def drawn_areas_ha() -> dict[str, float]:
    """Return the drawn area (ha) of every indicative outline, from the facts it was drawn from."""
    drawn = {spec.code: spec.drawn_area_ha for spec in INDICATIVE_SITES}
    drawn.update((reloc.code, drawn[reloc.moved_to]) for reloc in RAILWAY_RELOCATIONS)
    for area in (TANG_LOONG_RESETTLEMENT, DAM_HONG_RELOCATION):
        drawn[area.code] = area.drawn_area_ha
    return drawn


def report_clearance(parcels: Sequence[Feature]) -> None:
    """Print synthetic clearance totals per status."""
    by_status = dict.fromkeys(CLEARANCE_STATUSES, 0.0)
    for item in parcels:
        by_status[item["properties"]["status"]] += geodesic_area_ha(shape(item["geometry"]))
    text = ", ".join(f"{status} {by_status[status]:.1f} ha" for status in CLEARANCE_STATUSES)
    done = by_status["cleared"] + by_status["handed_over"]
    print(f"Clearance (synthetic): {text}; cleared+handed_over {done:.1f} ha")


def report_forest(forest: Sequence[Feature], sites: Sequence[Feature]) -> list[str]:
    """Print forest statistics and how many sites meet all three forest categories."""
    geoms = [shape(item["geometry"]) for item in forest]
    tree = shapely.STRtree(geoms)
    full = 0
    for site in sites:
        hits = tree.query(shape(site["geometry"]), predicate="intersects")
        categories = {forest[int(i)]["properties"]["category"] for i in hits}
        full += len(categories) == 3
    counts = Counter(item["properties"]["category"] for item in forest)
    print(
        f"Forest (synthetic): {len(forest)} parcels {dict(sorted(counts.items()))}; "
        f"{full} sites intersect all three categories"
    )
    return [] if full >= 5 else ["forest: fewer than 5 sites intersect all three categories"]


def report(
    out: Path,
    layers: dict[str, list[Feature]],
    sites_by_code: dict[str, Feature],
    targets: Sequence[dict[str, Any]],
) -> int:
    """Print counts, sizes and checks of the written layers; return the number of problems."""
    problems: list[str] = []
    print(f"Written to {out}:")
    for name, features in layers.items():
        size_mb = (out / name).stat().st_size / 1e6
        print(f"  {name:<28} {len(features):6d} features  {size_mb:6.2f} MB")
        problems += check_collection(name, features)
    print(f"  plan_targets.json            {len(targets):6d} targets")
    problems += check_disjoint("forest_synthetic", layers["forest_synthetic.geojson"])
    problems += check_disjoint("clearance_parcels", layers["clearance_parcels.geojson"])
    problems += check_clearance(layers["clearance_parcels.geojson"], sites_by_code)
    problems += report_indicative(layers["sites.geojson"])
    report_clearance(layers["clearance_parcels.geojson"])
    problems += report_forest(layers["forest_synthetic.geojson"], layers["sites.geojson"])
    for road in layers["infrastructure.geojson"]:
        props = road["properties"]
        if props["stated_length_km"]:
            length = geodesic_length_km(shape(road["geometry"]))
            print(
                f"  road {props['code']}: stated {props['stated_length_km']} km, "
                f"drawn {length:.4f} km"
            )
            if abs(length / props["stated_length_km"] - 1.0) > 0.01:
                problems.append(f"infrastructure: {props['code']} length off by more than 1 %")
    print(
        "Every feature has code/geometry_source/provenance and a valid geometry inside "
        "Vietnam's extent: " + ("YES" if not problems else "NO")
    )
    for problem in problems:
        print("  PROBLEM:", problem)
    return len(problems)
