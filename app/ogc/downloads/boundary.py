"""A site's boundary as officers exchange it: a VN-2000 coordinate table (CSV, XLSX) or a DXF.

The coordinates are on the TM-3 zone of the site's province (Lào Cai 104°45′, Lai Châu 103°00′),
recomputed from the registry's WGS 84 outline through the pinned EPSG:6960 transformation. The
title lines of each file name that CRS, the outline's source and its caveat (indicative outlines
are not surveyed coordinates), in the language asked for.
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from zoneinfo import ZoneInfo

import shapely
import sqlalchemy as sa
from shapely.geometry.base import BaseGeometry
from sqlalchemy.orm import Session

from app.errors import InvalidParameter
from app.map.i18n import Lang, format_date, format_number, translator
from app.repositories import NotFound
from app.repositories.sites import find_site, sites
from app.tempfiles import work_folder
from spatial.crs import PROVINCE_ZONES, TM3_ZONES, WGS84, transform_geometry
from spatial.io.coord_export import TableWords, table_csv, table_rows, table_xlsx, write_dxf
from spatial.io.formats import FileFormat

VIETNAM_TIME = ZoneInfo("Asia/Ho_Chi_Minh")


class BoundaryFormat(StrEnum):
    """The files a site's boundary downloads as."""

    CSV = "csv"
    XLSX = "xlsx"
    DXF = "dxf"

    @property
    def media_type(self) -> str:
        """Return the IANA media type."""
        return FileFormat(self.value).media_type


@dataclass(frozen=True)
class BoundaryFile:
    """A written boundary file: its bytes and its name."""

    content: bytes
    file_name: str


@dataclass(frozen=True)
class _Site:
    code: str
    name: str
    province: str
    geometry_source: str
    geom: BaseGeometry  # EPSG:4326


def _site(session: Session, code: str) -> tuple[_Site, int]:
    """Return the site and the EPSG code of its province's TM-3 zone.

    Raises:
        NotFound: no site has this code.
        InvalidParameter: its province has no TM-3 zone in the table.
    """
    columns = (sites.c.name, sites.c.province, sites.c.geometry_source)
    found = find_site(session, code, *columns, sa.func.ST_AsBinary(sites.c.geom))
    if found is None:
        raise NotFound("site", code)
    zone = PROVINCE_ZONES.get(found[1])
    if zone is None:
        raise InvalidParameter(
            "code", f"no VN-2000 TM-3 zone is recorded for {found[1]}, the province of {code}"
        )
    geom = shapely.from_wkb(bytes(found[3]))
    return _Site(code, found[0], found[1], str(found[2]), geom), zone


def _meridian(zone: int) -> str:
    degrees = TM3_ZONES[zone].central_meridian_deg
    return f"{int(degrees)}°{round((degrees % 1) * 60):02d}′"


def title_lines(site: _Site, zone: int, lang: Lang) -> list[str]:
    """Return the lines above the table: site, CRS, area, outline source and caveat, date."""
    t = translator(lang)
    area_ha = transform_geometry(site.geom, WGS84, zone).area / 10_000
    caveat = "surveyed" if site.geometry_source == "surveyed" else "indicative"
    today = datetime.now(VIETNAM_TIME).date()
    return [
        t("boundary.title").format(name=site.name, code=site.code),
        t("boundary.crs").format(meridian=_meridian(zone), epsg=f"EPSG:{zone}"),
        t("boundary.area").format(area=format_number(area_ha, lang, 4)),
        t("boundary.source").format(source=t(f"source.{site.geometry_source}")),
        t(f"boundary.caveat_{caveat}"),
        t("boundary.exported").format(date=format_date(today, lang)),
    ]


def site_boundary(session: Session, code: str, fmt: BoundaryFormat, lang: Lang) -> BoundaryFile:
    """Write the boundary of site ``code`` as ``fmt`` on its province's TM-3 zone.

    Raises:
        NotFound: no site has this code.
        InvalidParameter: its province has no TM-3 zone in the table.
    """
    site, zone = _site(session, code)
    lines = title_lines(site, zone, lang)
    name = f"sitereg-{code}-vn2000-epsg{zone}.{fmt.value}"
    if fmt is BoundaryFormat.DXF:
        with work_folder() as folder:
            try:
                content = write_dxf(site.geom, zone, lines, folder / "boundary.dxf").read_bytes()
            finally:
                shutil.rmtree(folder, ignore_errors=True)
        return BoundaryFile(content, name)
    t = translator(lang)
    headings = (
        t("boundary.part"),
        t("boundary.ring"),
        t("boundary.point"),
        t("boundary.x"),
        t("boundary.y"),
    )
    words = TableWords(lines, headings)
    rows = table_rows(site.geom, zone)
    if fmt is BoundaryFormat.XLSX:
        return BoundaryFile(table_xlsx(rows, words, code), name)
    return BoundaryFile(table_csv(rows, words), name)
