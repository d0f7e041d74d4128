"""Path (c): the same answers computed in geopandas, end to end (read, overlay, measure).

Areas use EPSG:6933 (WGS 84 / EASE-Grid 2.0, cylindrical equal-area on the WGS 84 ellipsoid):
vectorised, and within 1e-8 of the geodesic hectares of ``area_ha`` for parcels this small.
The report reads every site and every forest parcel; a check reads only the features whose
bounding box meets the proposal's (the spatial filter a geopandas client would push down).
Geometries are read as binary WKB (``ST_AsBinary``): ``read_postgis`` parses that vectorised,
about twice as fast as the hex EWKB text a bare geometry column arrives as.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Final

import geopandas as gpd
import pandas as pd
import sqlalchemy as sa
from proposals import Proposal
from timing import Samples, measure

EQUAL_AREA: Final = "EPSG:6933"
M2_PER_HA: Final = 10_000.0
CHECK_LAYERS: Final = {
    "forest": "SELECT category, origin, ST_AsBinary(geom) AS geom FROM forest_parcels "
    "WHERE geom && ST_MakeEnvelope(:west, :south, :east, :north, 4326)",
    "sites": "SELECT code, kind, name, ST_AsBinary(geom) AS geom FROM sites "
    "WHERE geom && ST_MakeEnvelope(:west, :south, :east, :north, 4326)",
    "protected": "SELECT code, name, ST_AsBinary(geom) AS geom FROM protected_areas "
    "WHERE geom && ST_MakeEnvelope(:west, :south, :east, :north, 4326)",
    "units": "SELECT code, level, name, ST_AsBinary(geom) AS geom FROM admin_units "
    "WHERE level IN ('province_2025', 'district_pre2025') "
    "AND geom && ST_MakeEnvelope(:west, :south, :east, :north, 4326)",
}


@dataclass
class GeopandasFigures:
    """End-to-end geopandas latencies and the per-site forest hectares of the last report."""

    report: Samples = field(default_factory=Samples)
    check: Samples = field(default_factory=Samples)
    forest_ha_by_site: dict[str, float] = field(default_factory=dict)


def _area_ha(frame: gpd.GeoDataFrame) -> pd.Series:
    return frame.geometry.to_crs(EQUAL_AREA).area / M2_PER_HA


def report(engine: sa.Engine) -> pd.DataFrame:
    """Return the forest report per site, category and origin (hectares), from the tables."""
    with engine.connect() as conn:
        sites = gpd.read_postgis(
            "SELECT code, kind, communes, ST_AsBinary(geom) AS geom FROM sites",
            conn,
            geom_col="geom",
            crs="EPSG:4326",
        )
        forest = gpd.read_postgis(
            "SELECT category, origin, ST_AsBinary(geom) AS geom FROM forest_parcels",
            conn,
            geom_col="geom",
            crs="EPSG:4326",
        )
        protected = gpd.read_postgis(
            "SELECT code, ST_AsBinary(geom) AS geom FROM protected_areas WHERE geom IS NOT NULL",
            conn,
            geom_col="geom",
            crs="EPSG:4326",
        )
    sites["site_area_ha"] = _area_ha(sites)
    pieces = gpd.overlay(sites, forest, how="intersection", keep_geom_type=True)
    pieces["overlap_ha"] = _area_ha(pieces)
    by_category = pieces.groupby(["code", "category", "origin"], as_index=False).agg(
        overlap_ha=("overlap_ha", "sum"), parcels=("overlap_ha", "size")
    )
    in_protected = gpd.overlay(
        sites[["code", "geom"]],
        protected.rename(columns={"code": "pa"}),
        how="intersection",
        keep_geom_type=True,
    )
    protected_ha = _area_ha(in_protected).groupby(in_protected["code"]).sum()
    per_site = by_category.groupby("code")["overlap_ha"].sum()
    summary = sites[["code", "kind", "site_area_ha"]].set_index("code")
    summary["forest_total_ha"] = per_site.reindex(summary.index, fill_value=0.0)
    summary["protected_ha"] = protected_ha.reindex(summary.index, fill_value=0.0)
    return summary


def per_kind(summary: pd.DataFrame) -> pd.DataFrame:
    """Return the report's per-kind sums (site and forest hectares)."""
    return summary.groupby("kind")[["site_area_ha", "forest_total_ha"]].sum()


def check(engine: sa.Engine, proposal: Proposal) -> dict[str, pd.DataFrame]:
    """Return what a proposal takes from each layer (hectares), reading only nearby features."""
    west, south, east, north = proposal.polygon.bounds
    box = {"west": west, "south": south, "east": east, "north": north}
    target = gpd.GeoDataFrame({"proposal": [1]}, geometry=[proposal.polygon], crs="EPSG:4326")
    found: dict[str, pd.DataFrame] = {}
    with engine.connect() as conn:
        for layer, query in CHECK_LAYERS.items():
            frame = gpd.read_postgis(
                sa.text(query), conn, geom_col="geom", crs="EPSG:4326", params=box
            )
            pieces = gpd.overlay(frame, target, how="intersection", keep_geom_type=True)
            pieces["overlap_ha"] = _area_ha(pieces)
            keys = ["category", "origin"] if layer == "forest" else ["code"]
            found[layer] = pieces.groupby(keys, as_index=False)["overlap_ha"].sum()
    found["proposal"] = pd.DataFrame({"area_ha": _area_ha(target)})
    return found


def run(
    url: str, proposals: Sequence[Proposal], *, report_repeat: int, check_repeat: int
) -> GeopandasFigures:
    """Measure the geopandas report and check end to end on the database at ``url``."""
    figures = GeopandasFigures()
    engine = sa.create_engine(url)
    try:
        figures.report = measure(lambda _i: per_kind(report(engine)), report_repeat)
        last = report(engine)
        figures.forest_ha_by_site = last["forest_total_ha"].to_dict()
        figures.check = measure(
            lambda i: check(engine, proposals[i % len(proposals)]), check_repeat, warmup=2
        )
    finally:
        engine.dispose()
    return figures
