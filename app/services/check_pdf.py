"""Render a filed proposal check as PDF: facts, a sketch map, findings, vertices, caveats.

The text is set in DejaVu Sans (shipped in ``app/fonts`` under its free licence), whose glyphs
cover Vietnamese, so diacritics print and survive text extraction.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Final

from fpdf import FPDF
from shapely.geometry import shape
from shapely.geometry.base import BaseGeometry

from app.map.i18n import format_date, format_number, translator
from app.services.check_document import CheckDocument, caveats, forest_label
from spatial.vertices import polygons

FONTS: Final = Path(__file__).resolve().parent.parent / "fonts"
FONT: Final = "DejaVu"
MAP_W_MM: Final = 180.0
MAP_H_MM: Final = 100.0
PDF_VERTEX_ROWS: Final = 500
"""The PDF lists this many vertices (about 12 pages; 2 000 take seconds to set); the CSV has all."""
VERTEX_COLUMNS_MM: Final = (18.0, 14.0, 16.0, 40.0, 40.0)
CRS_FROM: Final = {
    "file": "check.crs_from_file",
    "parameter": "check.crs_from_parameter",
    "default (RFC 7946)": "check.crs_from_default",
}
# Piece styles: stroke RGB, fill RGB or None, dashed.
STYLES: Final[dict[str, tuple[tuple[int, int, int], tuple[int, int, int] | None, bool]]] = {
    "forest": ((46, 125, 50), (200, 230, 201), False),
    "protected_area": ((123, 31, 162), None, True),
    "site": ((239, 108, 0), None, False),
    "proposal": ((211, 47, 47), None, False),
}


def _document(title: str) -> FPDF:
    pdf = FPDF(orientation="P", unit="mm", format="A4")
    pdf.add_font(FONT, "", str(FONTS / "DejaVuSans.ttf"))
    pdf.add_font(FONT, "B", str(FONTS / "DejaVuSans-Bold.ttf"))
    pdf.set_title(title)
    pdf.set_creator("sitereg")
    pdf.set_auto_page_break(auto=True, margin=15)
    pdf.add_page()
    return pdf


def _heading(pdf: FPDF, text: str, size: float = 12) -> None:
    pdf.set_font(FONT, "B", size)
    pdf.multi_cell(0, 7, text, new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(FONT, "", 9)


def _paragraph(pdf: FPDF, text: str) -> None:
    pdf.multi_cell(0, 5, text, new_x="LMARGIN", new_y="NEXT")


def _table(pdf: FPDF, header: Sequence[str], rows: Sequence[Sequence[str]], none: str) -> None:
    if not rows:
        _paragraph(pdf, none)
        return
    pdf.set_font(FONT, "", 8)
    with pdf.table(text_align="LEFT", line_height=4.5, first_row_as_headings=True) as table:
        for values in [header, *rows]:
            row = table.row()
            for value in values:
                row.cell(value)
    pdf.set_font(FONT, "", 9)
    pdf.ln(2)


def _facts(pdf: FPDF, doc: CheckDocument) -> None:
    t = translator(doc.lang)
    report = doc.report
    _heading(pdf, t("doc.title"), 15)
    if doc.synthetic:
        pdf.set_text_color(183, 28, 28)
        _heading(
            pdf,
            t("data.synthetic_notice").upper() if doc.lang == "en" else t("data.synthetic_notice"),
            11,
        )
        pdf.set_text_color(0, 0, 0)
    num = _num(doc)
    facts = [
        (t("check.name"), doc.name or t("doc.unnamed")),
        (t("doc.date"), format_date(doc.checked_on, doc.lang)),
        (t("check.file_name"), report.file_name),
        (t("check.source_crs"), f"{report.source_crs} ({_crs_from(doc)})"),
        (t("check.area"), f"{num(report.area_ha)} ha"),
        (t("check.area_vn2000"), f"{num(report.area_vn2000_ha)} ha"),
        (t("doc.province"), report.province or "—"),
    ]
    for label, value in facts:
        _paragraph(pdf, f"{label}: {value}")
    pdf.ln(2)


def _crs_from(doc: CheckDocument) -> str:
    """Word where the CRS came from as the page does (``static/map/report.js``)."""
    key = CRS_FROM.get(doc.report.crs_from)
    return translator(doc.lang)(key) if key else doc.report.crs_from


def _num(doc: CheckDocument, digits: int = 2) -> Callable[[float | None], str]:
    def num(value: float | None) -> str:
        return format_number(value, doc.lang, digits)

    return num


def _frame(geoms: Sequence[BaseGeometry]) -> Callable[[float, float], tuple[float, float]]:
    """Return lon/lat → page mm that fits ``geoms`` in the map box (equirectangular, local)."""
    west = min(g.bounds[0] for g in geoms)
    south = min(g.bounds[1] for g in geoms)
    east = max(g.bounds[2] for g in geoms)
    north = max(g.bounds[3] for g in geoms)
    shrink = math.cos(math.radians((south + north) / 2))  # a degree of longitude is shorter
    width, height = max((east - west) * shrink, 1e-9), max(north - south, 1e-9)
    scale = min(MAP_W_MM / width, MAP_H_MM / height) * 0.95
    left = (MAP_W_MM - width * scale) / 2
    top = (MAP_H_MM - height * scale) / 2

    def place(lon: float, lat: float) -> tuple[float, float]:
        return left + (lon - west) * shrink * scale, top + (north - lat) * scale

    return place


def _draw(
    pdf: FPDF,
    geom: BaseGeometry,
    style: str,
    place: Callable[[float, float], tuple[float, float]],
    origin: tuple[float, float],
) -> None:
    stroke, fill, dashed = STYLES[style]
    pdf.set_draw_color(*stroke)
    pdf.set_line_width(0.6 if style == "proposal" else 0.3)
    pdf.set_dash_pattern(dash=1.5, gap=1.0) if dashed else pdf.set_dash_pattern()
    if fill:
        pdf.set_fill_color(*fill)
    for polygon in polygons(geom):
        for ring in [polygon.exterior, *polygon.interiors]:
            points = [place(x, y) for x, y in ring.coords]
            pdf.polygon(
                [(origin[0] + x, origin[1] + y) for x, y in points], style="DF" if fill else "D"
            )
    pdf.set_dash_pattern()


def _map(pdf: FPDF, doc: CheckDocument) -> None:
    t = translator(doc.lang)
    _heading(pdf, t("doc.map"))
    pieces = [(p.layer, shape(json.loads(p.geometry_json))) for p in doc.pieces]
    place = _frame([doc.geometry, *(g for _, g in pieces)])
    if pdf.will_page_break(MAP_H_MM + 12):
        pdf.add_page()
    origin = (pdf.l_margin, pdf.get_y())
    pdf.set_draw_color(120, 120, 120)
    pdf.set_line_width(0.2)
    pdf.rect(origin[0], origin[1], MAP_W_MM, MAP_H_MM)
    for order in ("forest", "protected_area", "site"):
        for layer, geom in pieces:
            if layer == order:
                _draw(pdf, geom, layer, place, origin)
    _draw(pdf, doc.geometry, "proposal", place, origin)
    pdf.set_draw_color(90, 90, 90)  # the tables' rules, not the last outline's colour
    pdf.set_fill_color(238, 238, 238)
    pdf.set_line_width(0.2)
    pdf.set_y(origin[1] + MAP_H_MM + 2)
    pdf.set_font(FONT, "", 8)
    _paragraph(pdf, t("doc.map_legend"))
    pdf.set_font(FONT, "", 9)
    pdf.ln(2)


def _findings(pdf: FPDF, doc: CheckDocument) -> None:
    t, num, report = translator(doc.lang), _num(doc), doc.report
    none = t("doc.none")
    _heading(pdf, t("check.forest"))
    _table(
        pdf,
        [t("doc.category"), t("doc.parcels"), t("doc.overlap_ha"), t("doc.share_pct")],
        [
            [
                forest_label(doc.lang, c.category, c.origin),
                str(c.parcels),
                num(c.overlap_ha),
                num(c.share_pct),
            ]
            for c in report.forest.by_category
        ],
        none,
    )
    _heading(pdf, t("check.protected"))
    _table(
        pdf,
        [t("doc.code"), t("doc.name"), t("doc.outline"), t("doc.overlap_ha")],
        [
            [
                p.code,
                p.name,
                t("doc.indicative" if p.outline_indicative else "doc.official"),
                num(p.overlap_ha),
            ]
            for p in report.protected_areas
        ],
        none,
    )
    _sites(pdf, doc)
    _units(pdf, doc)


def _sites(pdf: FPDF, doc: CheckDocument) -> None:
    t, num, report = translator(doc.lang), _num(doc), doc.report
    _heading(pdf, t("check.sites"))
    _table(
        pdf,
        [
            t("doc.code"),
            t("doc.name"),
            t("doc.overlap_ha"),
            t("check.share_of_site"),
            t("check.share_of_proposal"),
        ],
        [
            [
                s.code,
                s.name,
                num(s.overlap_ha),
                num(s.share_of_site_pct),
                num(s.share_of_proposal_pct),
            ]
            for s in report.sites
        ],
        t("doc.none"),
    )


def _units(pdf: FPDF, doc: CheckDocument) -> None:
    t, num, report = translator(doc.lang), _num(doc), doc.report
    for title, units in (
        ("check.provinces", report.provinces),
        ("check.districts", report.districts),
    ):
        _heading(pdf, t(title))
        _table(
            pdf,
            [t("doc.code"), t("doc.name"), t("doc.overlap_ha")],
            [[u.code, u.name, num(u.overlap_ha)] for u in units],
            t("doc.none"),
        )
    _heading(pdf, t("doc.communes"))
    _paragraph(pdf, t("doc.communes_method"))
    _table(
        pdf,
        [t("doc.code"), t("doc.name"), t("doc.province"), t("doc.distance_m")],
        [[c.code, c.name, c.kind or "", _num(doc, 0)(c.distance_m)] for c in doc.communes],
        t("doc.none"),
    )


def _vertices(pdf: FPDF, doc: CheckDocument) -> None:
    t = translator(doc.lang)
    _heading(pdf, t("doc.vertices"))
    if not doc.vertices:
        _paragraph(pdf, t("doc.vertices_none"))
        return
    _paragraph(pdf, t("doc.vertices_zone").format(zone=doc.report.vn2000_zone))
    header = [t("doc.polygon"), t("doc.ring"), t("doc.point"), t("doc.x_north"), t("doc.y_east")]
    # Plain cells: fpdf's table() took 14 s for 2 000 vertices, cells 6 s (bench/check_pdf.py).
    # Coordinates as tables print them: 3 decimals, no grouping, so they copy into CAD as read.
    pdf.set_font(FONT, "B", 8)
    _cells(pdf, header)
    pdf.set_font(FONT, "", 8)
    for v in doc.vertices[:PDF_VERTEX_ROWS]:
        _cells(
            pdf,
            [str(v.polygon), str(v.ring), str(v.point), f"{v.x_north_m:.3f}", f"{v.y_east_m:.3f}"],
        )
    pdf.set_font(FONT, "", 9)
    if len(doc.vertices) > PDF_VERTEX_ROWS:
        _paragraph(
            pdf, t("doc.vertices_more").format(shown=PDF_VERTEX_ROWS, total=len(doc.vertices))
        )
    pdf.ln(2)


def _cells(pdf: FPDF, values: Sequence[str]) -> None:
    for width, value in zip(VERTEX_COLUMNS_MM, values, strict=True):
        pdf.cell(width, 4.5, value, border=1, align="R" if width > 20 else "C")
    pdf.ln()


def _data(pdf: FPDF, doc: CheckDocument) -> None:
    t = translator(doc.lang)
    _heading(pdf, t("doc.data"))
    _table(
        pdf,
        [t("doc.dataset"), t("doc.synthetic")],
        [
            [d.dataset, t("doc.yes" if d.synthetic else "doc.no")]
            for d in doc.report.forest_datasets
        ],
        t("doc.none"),
    )
    _heading(pdf, t("doc.caveats"))
    for note in caveats(doc):
        _paragraph(pdf, f"• {note}")


def render(doc: CheckDocument) -> bytes:
    """Return the filed check as PDF bytes (A4, in the document's language)."""
    pdf = _document(translator(doc.lang)("doc.title"))
    pdf.set_lang(doc.lang)
    _facts(pdf, doc)
    _map(pdf, doc)
    _findings(pdf, doc)
    _vertices(pdf, doc)
    _data(pdf, doc)
    return bytes(pdf.output())
