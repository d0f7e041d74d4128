"""Read the shared inputs and write the demo layers as RFC 7946 GeoJSON, one feature a line."""

from __future__ import annotations

import json
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

import numpy as np
import shapely
from shapely.geometry import mapping
from shapely.geometry.base import BaseGeometry

from spatial.synthetic import oriented

Feature = dict[str, Any]
Site = tuple[BaseGeometry, dict[str, Any]]
"""A site being built: its unrounded lon/lat geometry and its properties."""

COORD_DECIMALS: Final = 7


@dataclass(frozen=True, slots=True)
class Inputs:
    """The read-only inputs in shared/data, as GeoJSON features (EPSG:4326)."""

    boundaries: list[Feature]
    named_points: list[Feature]
    commune_points: list[Feature]
    provinces_2025: list[Feature]
    provinces_pre2025: list[Feature]
    districts_pre2025: list[Feature]
    protected_areas: list[Feature]

    def by_source_name(self) -> dict[str, list[Feature]]:
        """Return the reference inputs keyed by their file name in shared/data."""
        return {
            "admin_provinces_2025.geojson": self.provinces_2025,
            "admin_provinces_pre2025.geojson": self.provinces_pre2025,
            "admin_districts_pre2025.geojson": self.districts_pre2025,
            "admin_communes_2025_points.geojson": self.commune_points,
            "protected_areas_indicative.geojson": self.protected_areas,
        }


def load_features(path: Path) -> list[Feature]:
    """Return the features of a GeoJSON FeatureCollection file."""
    with path.open(encoding="utf-8") as handle:
        features: list[Feature] = json.load(handle)["features"]
    return features


def read_inputs(shared: Path) -> Inputs:
    """Read every input file of the build from the shared/data folder."""
    return Inputs(
        boundaries=load_features(shared / "kcn_ccn_laocai_boundaries.geojson"),
        named_points=load_features(shared / "sites_named_points.geojson"),
        commune_points=load_features(shared / "admin_communes_2025_points.geojson"),
        provinces_2025=load_features(shared / "admin_provinces_2025.geojson"),
        provinces_pre2025=load_features(shared / "admin_provinces_pre2025.geojson"),
        districts_pre2025=load_features(shared / "admin_districts_pre2025.geojson"),
        protected_areas=load_features(shared / "protected_areas_indicative.geojson"),
    )


def to_nfc(value: Any) -> Any:
    """Return ``value`` with every string (recursively) in Unicode NFC."""
    if isinstance(value, str):
        return unicodedata.normalize("NFC", value)
    if isinstance(value, list):
        return [to_nfc(item) for item in value]
    if isinstance(value, dict):
        return {key: to_nfc(item) for key, item in value.items()}
    return value


def rounded(geom: BaseGeometry) -> BaseGeometry:
    """Return ``geom`` oriented (RFC 7946) with coordinates rounded to 7 decimals, for output."""
    return shapely.transform(oriented(geom), lambda xy: np.round(xy, COORD_DECIMALS))


def feature(geom: BaseGeometry, properties: dict[str, Any]) -> Feature:
    """Return a GeoJSON Feature with rounded, oriented geometry and NFC properties."""
    return {"type": "Feature", "properties": to_nfc(properties), "geometry": mapping(rounded(geom))}


def write_collection(path: Path, features: Sequence[Feature]) -> None:
    """Write an RFC 7946 FeatureCollection, one feature per line, UTF-8 without ASCII escapes."""
    lines = [json.dumps(item, ensure_ascii=False, separators=(",", ":")) for item in features]
    body = ",\n".join(lines)
    path.write_text(
        '{"type":"FeatureCollection","features":[\n' + body + "\n]}\n", encoding="utf-8"
    )


def write_json(path: Path, rows: Sequence[dict[str, Any]]) -> None:
    """Write a JSON list, indented by two spaces, UTF-8 without ASCII escapes."""
    path.write_text(json.dumps(rows, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
