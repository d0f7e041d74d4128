"""Setting the proposal check's PDF: seconds per report for a proposal of N vertices.

No database: a report with empty findings and an N-vertex outline in Lào Cai, so the figure is
fpdf2's work for the sketch map and the VN-2000 vertex table (``PDF_VERTEX_ROWS`` of them).
Timings are printed, never asserted.

Usage::

    .venv/bin/python bench/check_pdf.py [--vertices 20 200 2000] [--rounds 3]
"""

from __future__ import annotations

import argparse
import math
import time
from datetime import date

from shapely.geometry import Polygon

from app.schemas.analysis import ProposalCheck, ProposalForest
from app.services import check_pdf
from app.services.check_document import CheckDocument
from spatial.vertices import vertex_table


def _document(vertices: int) -> CheckDocument:
    """Return a report on a wavy ring of ``vertices`` points near Tằng Loỏng (EPSG:4326)."""
    ring = [
        (
            104.14
            + 0.01
            * math.cos(2 * math.pi * i / vertices)
            * (1 + 0.3 * math.sin(14 * math.pi * i / vertices)),
            22.30 + 0.01 * math.sin(2 * math.pi * i / vertices),
        )
        for i in range(vertices)
    ]
    geom = Polygon(ring)
    report = ProposalCheck(
        file_name="bench.geojson",
        source_crs="EPSG:4326",
        crs_from="file",
        features=1,
        area_ha=1.0,
        area_vn2000_ha=1.0,
        vn2000_zone="EPSG:9208",
        province="Lào Cai",
        forest=ProposalForest(share_pct=0.0, by_category=[]),
        protected_areas=[],
        sites=[],
        provinces=[],
        districts=[],
        forest_datasets=[],
        notes=[],
    )
    return CheckDocument(
        report=report,
        name="bench",
        checked_on=date.today(),
        lang="vi",
        geometry=geom,
        vertices=vertex_table(geom, 9208),
        communes=[],
        pieces=[],
        notes=[],
    )


def main() -> None:
    """Print the median seconds and size of the PDF for each vertex count."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--vertices", type=int, nargs="+", default=[20, 200, 2000])
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    for count in args.vertices:
        doc = _document(count)
        times = []
        for _ in range(args.rounds):
            start = time.perf_counter()
            size = len(check_pdf.render(doc))
            times.append(time.perf_counter() - start)
        median_s = sorted(times)[len(times) // 2]
        print(f"{count:>6} vertices: median {median_s:.2f} s, {size / 1e3:.0f} kB")  # noqa: T201 (a bench prints)


if __name__ == "__main__":
    main()
