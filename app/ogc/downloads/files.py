"""Downloads: a collection (or one site's bundle) as GeoJSON, GeoPackage, Shapefile, KML, CSV.

GeoJSON is streamed as PostgreSQL produces it, so memory stays flat however large the layer.
The other formats are written by :mod:`spatial.io.write` into a private temporary folder, with
typed fields, the web map's styles (a GeoPackage's ``layer_styles``) and, on synthetic rows,
the ``data_notice`` field saying they are not real figures.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session

from app.access import Caller
from app.errors import InvalidParameter
from app.formats import synthetic_notice
from app.ogc.catalog import Collection, get_collection
from app.ogc.downloads import styles
from app.ogc.downloads.styles import NOTICE_FIELD
from app.ogc.features import fetch
from app.ogc.features.query import FeatureQuery, RawQuery, build_query
from app.ogc.protocol.crs import OgcCrs
from app.repositories import NotFound
from spatial.io.formats import COLLECTION_FORMATS, FileFormat
from spatial.io.write import ExportLayer, write_layers

BUNDLE_FORMATS = (FileFormat.GPKG, FileFormat.SHAPEFILE_ZIP, FileFormat.KML)


@dataclass(frozen=True)
class ExportName:
    """A requested download: the collection (or site code) and the format."""

    stem: str
    fmt: FileFormat


def parse_export_name(
    name: str, formats: tuple[FileFormat, ...] = COLLECTION_FORMATS
) -> ExportName:
    """Split ``sites.shp.zip`` into ``sites`` and the Shapefile format.

    Raises:
        NotFound: for a format this download does not offer.
    """
    for fmt in sorted(formats, key=lambda item: -len(item.value)):
        if name.endswith("." + fmt.value) and len(name) > len(fmt.value) + 1:
            return ExportName(name[: -len(fmt.value) - 1], fmt)
    offered = ", ".join(f".{fmt.value}" for fmt in formats)
    raise NotFound(f"download format (offered: {offered}) for", name)


def check_crs(fmt: FileFormat, crs: OgcCrs) -> None:
    """Refuse a CRS the format cannot state (GeoJSON and KML are WGS 84 lon/lat).

    Raises:
        InvalidParameter: naming ``crs``.
    """
    if not crs.is_crs84 and not fmt.carries_crs:
        raise InvalidParameter(
            "crs", f"{fmt.value} is always WGS 84 lon/lat; use gpkg, shp.zip or csv for {crs.uri}"
        )


def file_name(stem: str, fmt: FileFormat, crs: OgcCrs) -> str:
    """Return the download's file name: ``sitereg-<stem>[-epsg<srid>]-<YYYYMMDD>.<ext>``."""
    crs_part = "" if crs.is_crs84 else f"-epsg{crs.srid}"
    day = datetime.now(UTC).strftime("%Y%m%d")
    return f"sitereg-{stem}{crs_part}-{day}.{fmt.value}"


def is_synthetic(collection: Collection) -> bool:
    """Return whether the collection holds synthetic rows (it has a ``synthetic`` flag)."""
    return collection.property("synthetic") is not None


def metadata(collection: Collection, crs: OgcCrs) -> dict[str, str]:
    """Return the provenance and licence recorded in a file's metadata (and the notice)."""
    recorded = {
        "TITLE": collection.title,
        "SOURCE": "sitereg — registry of industrial zones, clusters, mines and relocation areas",
        "LICENCE": collection.licence,
        "PROVENANCE": "Per-feature provenance and geometry_source are in the attributes.",
        "CRS": crs.uri,
        "EXPORTED_AT": datetime.now(UTC).isoformat(timespec="seconds"),
    }
    if is_synthetic(collection):
        recorded["NOTICE"] = f"{synthetic_notice()} (rows with synthetic = true; {NOTICE_FIELD})"
    return recorded


def with_notice(
    columns: list[str], rows: list[tuple[Any, ...]]
) -> tuple[list[str], list[tuple[Any, ...]]]:
    """Add the ``data_notice`` field, the synthetic label on each synthetic row, before the WKB."""
    if "synthetic" not in columns:
        return columns, rows
    flag = columns.index("synthetic")
    notice = synthetic_notice()
    labelled = [(*row[:-1], notice if row[flag] else None, row[-1]) for row in rows]
    return [*columns[:-1], NOTICE_FIELD, columns[-1]], labelled


def geojson_stream(session: Session, query: FeatureQuery) -> Iterator[bytes]:
    """Yield a FeatureCollection in chunks, with provenance and licence as foreign members."""
    collection = query.collection
    head = {
        "type": "FeatureCollection",
        "name": collection.id,
        "title": collection.title,
        "licence": collection.licence,
        **({"notice": synthetic_notice()} if is_synthetic(collection) else {}),
    }
    yield (json.dumps(head, ensure_ascii=False)[:-1] + ',"features":[').encode()
    separator = b""
    for batch in fetch.stream_features(session, query):
        yield separator + ",".join(batch).encode()
        separator = b","
    yield b"]}"


def layer_for(session: Session, query: FeatureQuery, name: str | None = None) -> ExportLayer:
    """Fetch one export layer's rows, with its field types, styles and synthetic notice."""
    columns, rows = with_notice(*fetch.fetch_rows(session, query))
    collection = query.collection
    title = collection.title
    if is_synthetic(collection):
        title = f"{title} — {synthetic_notice()}"
    return ExportLayer(
        name=name or collection.id,
        columns=columns,
        rows=rows,
        srid=query.crs.srid,
        title=title,
        metadata=metadata(collection, query.crs),
        types={prop.name: prop.type.value for prop in query.properties},
        styles=styles.layer_styles(collection, name),
    )


def write_collection(
    session: Session, query: FeatureQuery, fmt: FileFormat, directory: Path
) -> Path:
    """Write a collection's filtered features as one file of ``fmt``."""
    return write_layers([layer_for(session, query)], fmt, directory, query.collection.id)


def site_bundle(
    session: Session,
    code: str,
    fmt: FileFormat,
    crs: OgcCrs,
    directory: Path,
    *,
    reader: Caller,
) -> Path:
    """Write one site with its clearance parcels and infrastructure (three layers).

    Each layer is the collection as ``reader`` may read it (personal properties signed in only).

    Raises:
        NotFound: when no site has this code.
    """
    parts = (
        ("sites", "code", "site"),
        ("clearance_parcels", "site_code", None),
        ("infrastructure", "site_code", None),
    )
    layers = []
    for collection_id, key, name in parts:
        collection = get_collection(collection_id).for_reader(signed_in=reader.authenticated)
        query = build_query(collection, RawQuery(crs=crs.uri), {key: code})
        layers.append(layer_for(session, query, name))
    if not layers[0].rows:
        raise NotFound("site", code)
    notices = {key: value for layer in layers for key, value in layer.metadata.items()}
    if "NOTICE" in notices:  # the file's metadata is its first layer's
        layers[0] = replace(layers[0], metadata={**layers[0].metadata, "NOTICE": notices["NOTICE"]})
    return write_layers(layers, fmt, directory, code)
