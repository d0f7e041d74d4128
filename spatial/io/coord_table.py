"""Read a VN-2000 coordinate table (CSV, XLSX) as decisions' annexes print it, into polygons.

An annex lists a boundary's points in order: a point number ("Điểm", "STT"), X = northing and
Y = easting in metres on the province's TM-3 meridian, sometimes a parcel ("Thửa") column for
several parcels and a ring ("Vòng") column for holes. Title rows may come first. The header row
is found by its words, Vietnamese or English, with or without diacritics; the columns found are
returned so a person can confirm them. A ring closes when a point repeats its first point.
Numbers may be written ``2456789.12``, ``2 456 789,12`` or ``2.456.789,12``.
"""

from __future__ import annotations

import csv
import io
import math
import re
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Final

from shapely.geometry.base import BaseGeometry

from spatial.crs import TM3_ZONES
from spatial.errors import (
    MAX_PROBLEMS,
    InvalidGeometry,
    Problem,
    SpatialError,
    UnknownCRS,
    UnreadableFile,
)
from spatial.io.archive import PROPOSAL_ZIP_LIMITS, check_members
from spatial.io.rings import area_of_rings
from spatial.text import fold

HEADER_SCAN_ROWS: Final = 30
MAX_ROWS: Final = 200_000
MAX_COLUMNS: Final = 64
"""Cells read per row of a workbook: an annex has a handful of columns."""
NORTHING_M: Final = (900_000.0, 2_600_000.0)
"""VN-2000 northings in Vietnam (8.3°–23.4° N); Lào Cai and Lai Châu lie at 2.3–2.6 million."""
EASTING_M: Final = (150_000.0, 850_000.0)
"""TM-3 eastings: 500 000 m false easting ± the width of a province."""
RANGES_HINT: Final = (
    "X is the northing (about 2 300 000–2 600 000 m in Lào Cai and Lai Châu) and Y the easting "
    "(about 300 000–700 000 m)"
)

WORDS: Final[dict[str, frozenset[str]]] = {
    "ring": frozenset({"vong", "ring"}),
    "parcel": frozenset(
        {"thua", "parcel", "part", "polygon", "khu", "vung", "lo", "khoanh", "phan"}
    ),
    "x_north": frozenset({"x", "northing", "north", "bac"}),
    "y_east": frozenset({"y", "easting", "east", "dong"}),
    "point": frozenset({"diem", "moc", "point", "dinh", "vertex", "pt"}),
    "order": frozenset({"stt", "tt", "no", "order"}),
}
"""Header words of each column role, diacritics folded (``Điểm`` → ``diem``)."""


@dataclass(frozen=True)
class TableLayout:
    """How a coordinate table was read: header row, the column of each role, what it held."""

    header_row: int
    x_north: str
    y_east: str
    point: str | None
    parcel: str | None
    ring: str | None
    points: int
    parcels: tuple[str, ...]


@dataclass(frozen=True)
class CoordinateTable:
    """A table's parcels as polygons (x = easting, y = northing, metres) and how it was read."""

    geometries: list[BaseGeometry]
    layout: TableLayout
    srid: int | None
    """The TM-3 zone the table names above its header (``EPSG:9208``, ``kinh tuyến trục
    104°45'``), if it does."""


@dataclass(frozen=True)
class _Point:
    row: int
    parcel: str
    ring: str | None
    x_north_m: float
    y_east_m: float


def read_table(data: bytes, file_name: str, *, xlsx: bool) -> CoordinateTable:
    """Read a CSV or XLSX coordinate table into one polygon per parcel, in its TM-3 metres.

    Raises:
        UnreadableFile: no header with X and Y, or cells that are not numbers (each located).
        UnknownCRS: X and Y swapped, or values that are not VN-2000 TM-3 metres.
        InvalidGeometry: a ring of fewer than 3 points, or no coordinate rows at all.
    """
    rows = _xlsx_rows(data, file_name) if xlsx else _csv_rows(data, file_name)
    header_at, roles = _find_header(rows, file_name)
    header = rows[header_at]
    names = {role: str(header[index]).strip() for role, index in roles.items()}
    points = _points(rows, header_at, roles, names, file_name)
    _check_ranges(points, names, file_name)
    geometries, parcels = _parcels(points, ring_column="ring" in roles, file_name=file_name)
    layout = TableLayout(
        header_row=header_at + 1,
        x_north=names["x_north"],
        y_east=names["y_east"],
        point=names.get("point"),
        parcel=names.get("parcel"),
        ring=names.get("ring"),
        points=len(points),
        parcels=tuple(parcels),
    )
    return CoordinateTable(geometries, layout, named_zone(rows[: header_at + 1]))


def _csv_rows(data: bytes, file_name: str) -> list[list[Any]]:
    """Return the rows, split by the delimiter (``,``, ``;`` or tab) that yields a header."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = data.decode("cp1258", errors="replace")  # Excel's Vietnamese "ANSI" CSV
    first: list[list[Any]] | None = None
    for delimiter in (";", "\t", ","):  # title rows hold commas: try the others first
        try:
            reader = csv.reader(io.StringIO(text), delimiter=delimiter)
            rows = [row for _, row in zip(range(MAX_ROWS + HEADER_SCAN_ROWS), reader, strict=False)]
        except csv.Error as exc:
            raise UnreadableFile(f"{file_name}: not a readable CSV table ({exc})") from exc
        if _header_roles(rows) is not None:
            return rows
        first = first if first is not None else rows
    return first or []


def _xlsx_rows(data: bytes, file_name: str) -> list[list[Any]]:
    """Return the rows of the first sheet that has a header with X and Y columns."""
    import openpyxl

    try:
        check_members(zipfile.ZipFile(io.BytesIO(data)), file_name, PROPOSAL_ZIP_LIMITS)
        book = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
        try:
            first: list[list[Any]] | None = None
            for sheet in book.worksheets:
                cells = sheet.iter_rows(max_col=MAX_COLUMNS, values_only=True)
                rows = [list(row) for _, row in zip(range(MAX_ROWS), cells, strict=False)]
                if _header_roles(rows) is not None:
                    return rows
                first = first if first is not None else rows
            return first or []
        finally:
            book.close()
    except SpatialError:
        raise
    except Exception as exc:  # noqa: BLE001 (zipfile, XML and openpyxl raise many types)
        raise UnreadableFile(f"{file_name}: not a readable .xlsx workbook ({exc})") from exc


def _role(cell: Any) -> str | None:
    if not isinstance(cell, str):
        return None
    words = set(re.findall(r"[a-z]+", fold(cell).lower()))
    for role in ("ring", "parcel"):
        if words & WORDS[role]:
            return role
    is_x, is_y = bool(words & WORDS["x_north"]), bool(words & WORDS["y_east"])
    if is_x != is_y:
        return "x_north" if is_x else "y_east"
    for role in ("point", "order"):
        if words & WORDS[role]:
            return role
    return None


def _header_roles(rows: Sequence[Sequence[Any]]) -> tuple[int, dict[str, int]] | None:
    for at, row in enumerate(rows[:HEADER_SCAN_ROWS]):
        roles: dict[str, int] = {}
        for index, cell in enumerate(row):
            role = _role(cell)
            if role is not None:
                roles.setdefault(role, index)
        if "x_north" in roles and "y_east" in roles:
            order = roles.pop("order", None)
            if "point" not in roles and order is not None:
                roles["point"] = order
            return at, roles
    return None


def _find_header(rows: Sequence[Sequence[Any]], file_name: str) -> tuple[int, dict[str, int]]:
    found = _header_roles(rows)
    if found is None:
        raise UnreadableFile(
            f"{file_name}: no header row with X and Y columns in the first {HEADER_SCAN_ROWS} "
            "rows; a coordinate table has columns like 'Điểm', 'X (m)', 'Y (m)' (VN-2000: X = "
            "northing, Y = easting), and 'Thửa' when it lists several parcels",
            [Problem("/header", "no X (northing) and Y (easting) columns found")],
        )
    return found


def _blank(cell: Any) -> bool:
    return cell is None or (isinstance(cell, str) and not cell.strip())


def number(cell: Any) -> float | None:
    """Return a cell's number (``2 456 789,12`` and ``2.456.789,12`` too), or None if not one."""
    if isinstance(cell, bool):
        return None
    if isinstance(cell, int | float):
        return float(cell) if math.isfinite(cell) else None
    text = re.sub(r"[\s\u00a0\u202f']", "", str(cell))
    if "," in text and "." in text:
        decimal = "," if text.rfind(",") > text.rfind(".") else "."
        text = text.replace("." if decimal == "," else ",", "").replace(",", ".")
    elif text.count(",") == 1:
        text = text.replace(",", ".")
    elif text.count(",") > 1 or text.count(".") > 1:
        text = text.replace(",", "").replace(".", "")
    if not re.fullmatch(r"[+-]?\d+(\.\d+)?", text):
        return None
    return float(text)


def _label(cell: Any) -> str:
    if isinstance(cell, float) and cell.is_integer():
        return str(int(cell))
    return str(cell).strip()


def _cell(row: Sequence[Any], index: int | None) -> Any:
    return row[index] if index is not None and index < len(row) else None


def _points(
    rows: Sequence[Sequence[Any]],
    header_at: int,
    roles: dict[str, int],
    names: dict[str, str],
    file_name: str,
) -> list[_Point]:
    points: list[_Point] = []
    problems: list[Problem] = []
    found = 0
    parcel, ring = "1", None
    for number_in_file, row in enumerate(rows[header_at + 1 :], start=header_at + 2):
        cells = {role: _cell(row, index) for role, index in roles.items()}
        if _blank(cells["x_north"]) and _blank(cells["y_east"]):
            continue  # a blank line, or a note under the table ("Diện tích: 12,5 ha")
        if not _blank(cells.get("parcel")):
            parcel = _label(cells["parcel"])
        if not _blank(cells.get("ring")):
            ring = _label(cells["ring"])
        values = {role: number(cells[role]) for role in ("x_north", "y_east")}
        bad = [role for role, value in values.items() if value is None]
        for role in bad:
            found += 1
            if len(problems) < MAX_PROBLEMS:
                shown = "" if _blank(cells[role]) else str(cells[role]).strip()[:40]
                problems.append(
                    Problem(
                        f"/rows/{number_in_file}/{names[role]}",
                        f"row {number_in_file}, column '{names[role]}': '{shown}' is not a number",
                    )
                )
        if not bad:
            points.append(
                _Point(
                    number_in_file, parcel, ring, values["x_north"] or 0.0, values["y_east"] or 0.0
                )
            )
    if problems:
        raise UnreadableFile(
            f"{file_name}: {found} cell(s) are not numbers; first: {problems[0].detail}",
            problems,
            found,
        )
    return points


def _check_ranges(points: Sequence[_Point], names: dict[str, str], file_name: str) -> None:
    """Refuse degrees, swapped axes and values that are not TM-3 metres, saying which."""
    if not points:
        return
    xs = [p.x_north_m for p in points]
    ys = [p.y_east_m for p in points]
    x_lo, x_hi, y_lo, y_hi = min(xs), max(xs), min(ys), max(ys)
    where = [Problem(f"/rows/{points[0].row}/{names['x_north']}", f"X = {xs[0]}, Y = {ys[0]}")]
    seen = f"column '{names['x_north']}' holds {xs[0]:.0f}, column '{names['y_east']}' {ys[0]:.0f}"
    if max(abs(x_hi), abs(y_hi)) <= 180:
        raise UnknownCRS(
            f"{file_name}: {seen}: these are degrees, not VN-2000 metres; a coordinate table "
            f"holds metres on the TM-3 meridian ({RANGES_HINT}); send WGS 84 as GeoJSON or KML",
            where,
        )
    if x_hi < NORTHING_M[0] and NORTHING_M[0] <= y_lo:
        raise UnknownCRS(
            f"{file_name}: {seen}: X and Y look swapped. In a VN-2000 table {RANGES_HINT}; "
            "swap the two column headings",
            where,
        )
    if not (NORTHING_M[0] <= x_lo and x_hi <= NORTHING_M[1]) or not (
        EASTING_M[0] <= y_lo and y_hi <= EASTING_M[1]
    ):
        raise UnknownCRS(
            f"{file_name}: X runs {x_lo:.0f}–{x_hi:.0f} and Y {y_lo:.0f}–{y_hi:.0f}, which are "
            f"not VN-2000 TM-3 metres in Vietnam: {RANGES_HINT}",
            where,
        )


def _rings(points: Sequence[_Point], *, ring_column: bool) -> dict[str, list[list[_Point]]]:
    """Group points by parcel, then ring: by the ring column, else a ring closes on its start."""
    parcels: dict[str, list[list[_Point]]] = {}
    for point in points:
        rings = parcels.setdefault(point.parcel, [])
        current = rings[-1] if rings else None
        if ring_column:
            starts = current is None or current[0].ring != point.ring
        else:
            starts = current is None or (len(current) > 2 and _same(current[0], current[-1]))
        if starts:
            rings.append([point])
        else:
            assert current is not None
            current.append(point)
    return parcels


def _same(a: _Point, b: _Point) -> bool:
    return a.x_north_m == b.x_north_m and a.y_east_m == b.y_east_m


def _parcels(
    points: Sequence[_Point], *, ring_column: bool, file_name: str
) -> tuple[list[BaseGeometry], list[str]]:
    if not points:
        raise InvalidGeometry(
            f"{file_name}: the table has a header but no coordinate rows",
            [Problem("/rows", "no rows with X and Y")],
        )
    geometries: list[BaseGeometry] = []
    problems: list[Problem] = []
    for parcel, rings in _rings(points, ring_column=ring_column).items():
        coords: list[list[tuple[float, float]]] = []
        for index, ring in enumerate(rings):
            open_ring = ring[:-1] if len(ring) > 1 and _same(ring[0], ring[-1]) else ring
            distinct = {(p.y_east_m, p.x_north_m) for p in open_ring}
            if len(distinct) < 3:
                problems.append(
                    Problem(
                        f"/parcels/{parcel}/rings/{index}",
                        f"parcel '{parcel}' (rows {ring[0].row}–{ring[-1].row}) has "
                        f"{len(distinct)} distinct point(s); a boundary needs at least 3",
                    )
                )
                continue
            coords.append([(p.y_east_m, p.x_north_m) for p in open_ring])
        if coords:
            geometries.append(area_of_rings(coords))
    if problems:
        raise InvalidGeometry(f"{file_name}: {problems[0].detail}", problems[:MAX_PROBLEMS])
    return geometries, list(dict.fromkeys(p.parcel for p in points))


ZONE_WORDS: Final = ("kinh tuyen", "tm-3", "tm3", "vn-2000", "vn2000", "meridian", "mui chieu")


def named_zone(rows: Sequence[Sequence[Any]]) -> int | None:
    """Return the TM-3 zone named in title rows (``EPSG:9208``, ``kinh tuyến trục 104°45'``)."""
    text = " ".join(str(cell) for row in rows for cell in row if isinstance(cell, str))
    folded = fold(text).lower()
    code = re.search(r"epsg\s*:?\s*(\d{4,5})", folded)
    if code and int(code.group(1)) in TM3_ZONES:
        return int(code.group(1))
    if not any(word in folded for word in ZONE_WORDS):
        return None
    for match in re.finditer(r"\b(10[2-9])\s*(?:[°º˚]\s*(\d{1,2})?|-(\d{2})\b)", folded):
        minutes = match.group(2) or match.group(3) or "0"
        meridian = int(match.group(1)) + int(minutes) / 60
        for zone in TM3_ZONES.values():
            if abs(zone.central_meridian_deg - meridian) < 1e-6:
                return zone.srid
    return None
