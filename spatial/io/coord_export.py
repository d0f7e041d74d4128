"""Write a boundary as officers exchange it: a VN-2000 coordinate table (CSV, XLSX) or a DXF.

The table lists every ring's points in order, part by part, as decisions' annexes print them:
part, ring (0 = outline, 1… = holes), point number, X = northing and Y = easting in metres on
the TM-3 zone, each ring closed by repeating its first point. Title lines above the headings
name the CRS and the outline's caveats; ``spatial.io.coord_table`` reads the file back, the
zone included. The DXF draws each ring as a closed polyline (x = easting, y = northing), with
the point numbers and the same title lines as text.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import geopandas as gpd
import pyogrio
from shapely.geometry import LineString, Point
from shapely.geometry.base import BaseGeometry

from spatial.crs import TM3_ZONES, WGS84, transform_geometry
from spatial.vertices import Vertex, polygons, vertex_table

DXF_BOUNDARY_LAYER = "RANH_GIOI"
DXF_POINT_LAYER = "SO_HIEU_DIEM"
DXF_NOTE_LAYER = "GHI_CHU"
TEXT_HEIGHT_M = 2.0


@dataclass(frozen=True)
class TableWords:
    """The words of a written table: title lines, then the five column headings."""

    title_lines: Sequence[str]
    headings: tuple[str, str, str, str, str]  # part, ring, point, X (northing), Y (easting)


def table_rows(geom_4326: BaseGeometry, zone_srid: int) -> list[Vertex]:
    """Return the table's rows: every ring's vertices in ``zone_srid``, then its first again."""
    rows: list[Vertex] = []
    ring: list[Vertex] = []
    for vertex in [*vertex_table(geom_4326, zone_srid), None]:
        if ring and (
            vertex is None or (vertex.polygon, vertex.ring) != (ring[0].polygon, ring[0].ring)
        ):
            rows.extend([*ring, ring[0]])
            ring = []
        if vertex is not None:
            ring.append(vertex)
    return rows


def _cells(rows: Sequence[Vertex]) -> list[list[Any]]:
    return [[v.polygon, v.ring, v.point, v.x_north_m, v.y_east_m] for v in rows]


def table_csv(rows: Sequence[Vertex], words: TableWords) -> bytes:
    """Return the table as UTF-8 CSV (with a byte-order mark, for spreadsheets)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerows([[line] for line in words.title_lines])
    writer.writerow([])
    writer.writerow(words.headings)
    writer.writerows([p, r, n, f"{x:.3f}", f"{y:.3f}"] for p, r, n, x, y in _cells(rows))
    return buffer.getvalue().encode("utf-8-sig")


def table_xlsx(rows: Sequence[Vertex], words: TableWords, sheet: str) -> bytes:
    """Return the table as an .xlsx workbook of one sheet; coordinates as numbers (0.000)."""
    import openpyxl
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font

    book = openpyxl.Workbook(write_only=True)
    page = book.create_sheet(sheet[:31])
    for width, column in zip((8, 14, 8, 16, 16), "ABCDE", strict=True):
        page.column_dimensions[column].width = width
    for line in words.title_lines:
        page.append([line])
    page.append([])
    bold = Font(bold=True)
    headings = []
    for text in words.headings:
        cell = WriteOnlyCell(page, value=text)
        cell.font = bold
        headings.append(cell)
    page.append(headings)
    for values in _cells(rows):
        cells = [WriteOnlyCell(page, value=value) for value in values]
        for cell in cells[3:]:
            cell.number_format = "0.000"
        page.append(cells)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def write_dxf(
    geom_4326: BaseGeometry, zone_srid: int, title_lines: Sequence[str], path: Path
) -> Path:
    """Write the boundary in ``zone_srid`` as a DXF (GDAL): closed polylines, numbers, notes."""
    geom = transform_geometry(geom_4326, WGS84, zone_srid)
    layers: list[str] = []
    texts: list[str | None] = []
    shapes: list[BaseGeometry] = []
    for polygon in polygons(geom):
        for ring in [polygon.exterior, *polygon.interiors]:
            coords = [(round(x, 3), round(y, 3)) for x, y in ring.coords]
            layers.append(DXF_BOUNDARY_LAYER)
            texts.append(None)
            shapes.append(LineString(coords))
            for number, (x, y) in enumerate(coords[:-1], start=1):
                layers.append(DXF_POINT_LAYER)
                texts.append(str(number))
                shapes.append(Point(x, y))
    west, _, _, north = geom.bounds
    for index, line in enumerate(title_lines, start=1):
        layers.append(DXF_NOTE_LAYER)
        texts.append(line)
        shapes.append(Point(west, north + (len(title_lines) - index + 2) * TEXT_HEIGHT_M * 2))
    frame = gpd.GeoDataFrame(
        {"Layer": layers, "OGR_STYLE": [_label(text) for text in texts]},
        geometry=shapes,
        crs=TM3_ZONES[zone_srid].proj4(),  # DXF has no place for it: the title lines say it
    )
    pyogrio.write_dataframe(frame, path, driver="DXF")
    return path


def _label(text: str | None) -> str | None:
    """Return the OGR style that GDAL's DXF writer turns into a TEXT entity."""
    if text is None:
        return None
    escaped = text.replace("\\", "\\\\").replace('"', '\\"')
    return f'LABEL(f:"Arial",t:"{escaped}",s:{TEXT_HEIGHT_M}g)'
