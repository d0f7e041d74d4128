"""Downloads for GIS analysts: every collection in five formats, and one site's bundle."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request, Response
from fastapi import Path as PathParam
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import FileResponse, StreamingResponse
from sqlalchemy.orm import Session
from starlette.types import Receive, Scope, Send

from app.deps import ExportSessionDep, ReaderDep
from app.map.i18n import Lang
from app.ogc.downloads import boundary, spool
from app.ogc.downloads import files as exports
from app.ogc.downloads.styles import style_text
from app.ogc.features import fetch
from app.ogc.features.params import RawQueryDep, export_query, readable_collection
from app.ogc.features.query import FeatureQuery, check_known
from app.ogc.protocol import caching
from app.ogc.protocol.crs import parse_ogc_crs
from app.schemas.problem import problem_responses
from app.tempfiles import work_folder
from spatial.io.formats import COLLECTION_FORMATS, FileFormat

router = APIRouter(prefix="/api/v1/export", tags=["downloads"])
FILE_RESPONSES: dict[int | str, dict[str, Any]] = {
    200: {"content": {fmt.media_type: {} for fmt in COLLECTION_FORMATS}}
}


class TemporaryFileResponse(FileResponse):
    """A file response that removes the file's folder once sent, or once its client has gone.

    A background task would not run when the client disconnects mid-way, and the folder
    would stay behind (one per interrupted download).
    """

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Send the file, then remove its folder whatever happened."""
        try:
            await super().__call__(scope, receive, send)
        finally:
            await run_in_threadpool(shutil.rmtree, Path(self.path).parent, ignore_errors=True)


def _send_file(
    request: Request, path: Path, media_type: str, name: str, *, personal: bool, varies: bool
) -> Response:
    """Send a written file with an ETag of its bytes; its temporary folder goes afterwards.

    ``personal``: the file carries personal properties (``private, no-store``); ``varies``: its
    collection has some, so what a reader gets depends on its credentials.
    """
    etag = caching.etag_of_file(path)
    if caching.matches(request, etag):
        shutil.rmtree(path.parent, ignore_errors=True)
        return caching.not_modified(etag, caching.DOWNLOADS_MAX_AGE_S, personal=personal)
    headers = {
        "ETag": etag,
        "Cache-Control": caching.cache_control(0),
        **caching.reader_headers(personal=personal, varies=varies),
    }
    return TemporaryFileResponse(path, media_type=media_type, filename=name, headers=headers)


def _end_transaction(session: Session) -> None:
    """End the read's transaction before any byte goes out: a slow client holds no connection."""
    session.commit()


STYLE_MEDIA_TYPES = {"qml": "application/xml", "sld": "application/vnd.ogc.sld+xml"}
CollectionPath = Annotated[str, PathParam(description="Collection id, e.g. `sites`, `forest`.")]
LangQuery = Annotated[
    Lang, Query(description="Language of the legend and value labels: `vi` (default) or `en`.")
]


def _style(
    request: Request, reader: ReaderDep, collection_id: str, lang: Lang, kind: str
) -> Response:
    check_known(request.query_params.keys(), {"lang"})
    collection = readable_collection(collection_id, reader)
    text = style_text(collection, lang, kind)
    name = f"sitereg-{collection_id}-{lang}.{kind}"
    headers = {"Content-Disposition": f'attachment; filename="{name}"', **caching.reader_headers(
        personal=False, varies=collection.has_personal)}  # fmt: skip
    return Response(text, media_type=STYLE_MEDIA_TYPES[kind], headers=headers)


@router.get(
    "/{collection_id}.qml",
    summary="QGIS style (QML) of a collection, as the web map draws it",
    response_class=Response,
    responses={200: {"content": {STYLE_MEDIA_TYPES["qml"]: {}}}, **problem_responses(400, 404)},
)
def download_qml(
    request: Request, reader: ReaderDep, collection_id: CollectionPath, lang: LangQuery = "vi"
) -> Response:
    """Return the collection's QGIS style: a rule per legend entry, labels and value maps.

    Load it in QGIS (Layer Properties → Style → Load Style) on a download of the collection;
    GeoPackage downloads already carry it in their `layer_styles` table. Coded values
    (`industrial_zone`, `special_use`, `planned`) show with their labels in `lang`.
    """
    return _style(request, reader, collection_id, lang, "qml")


@router.get(
    "/{collection_id}.sld",
    summary="OGC SLD 1.0 style of a collection, as the web map draws it",
    response_class=Response,
    responses={200: {"content": {STYLE_MEDIA_TYPES["sld"]: {}}}, **problem_responses(400, 404)},
)
def download_sld(
    request: Request, reader: ReaderDep, collection_id: CollectionPath, lang: LangQuery = "vi"
) -> Response:
    """Return the collection's style as an SLD 1.0 document (QGIS, GeoServer, MapServer).

    One rule per legend entry, titled in `lang`: the same colours, widths and dashes as the
    web map, indicative outlines dashed.
    """
    return _style(request, reader, collection_id, lang, "sld")


@router.get(
    "/{name}",
    summary="Download a collection (GeoJSON, GeoPackage, Shapefile zip, KML, CSV)",
    response_class=Response,
    responses={**FILE_RESPONSES, **problem_responses(400, 404)},
)
def download_collection(
    request: Request,
    session: ExportSessionDep,
    raw: RawQueryDep,
    reader: ReaderDep,
    name: Annotated[str, PathParam(description="`<collection>.<format>`, e.g. `sites.gpkg`.")],
) -> Response:
    """Return a whole collection, filtered like the OGC items (`bbox`, `datetime`, `filter`...).

    Formats: `.geojson` (RFC 7946, streamed; lists such as `communes` are JSON arrays),
    `.gpkg` (typed fields: dates are DATE/DATETIME, numbers REAL/INTEGER; the web map's QGIS
    styles in its `layer_styles` table, Vietnamese by default, English beside it), `.shp.zip`
    (with .prj, .cpg UTF-8 and a README of the 10-character field names), `.kml`, `.csv` (WKT
    geometry; a `crs` column names the CRS on every row: `OGC:CRS84` is WGS 84 lon/lat, else
    `EPSG:<code>`) and `.csv.zip` (the same CSV with GDAL's `.csvt` of column types and a
    `.prj`). In every format but GeoJSON, lists are one text joined with `; `. Synthetic rows
    carry `data_notice` = "dữ liệu mô phỏng — không phải số liệu thật / synthetic data — not
    real figures". `crs` (e.g. `EPSG:9208`, VN-2000 TM-3 Lào Cai) applies to the formats that
    record a CRS. Personal properties (owners of clearance parcels) are in signed-in callers'
    downloads only. Styles: `/{collection}.qml` and `/{collection}.sld`.
    """
    wanted = exports.parse_export_name(name)
    query = export_query(request, readable_collection(wanted.stem, reader), raw)
    exports.check_crs(wanted.fmt, query.crs)
    file_name = exports.file_name(wanted.stem, wanted.fmt, query.crs)
    if wanted.fmt is FileFormat.GEOJSON:
        return _stream_geojson(request, session, query, file_name)
    with work_folder() as folder:
        path = exports.write_collection(session, query, wanted.fmt, folder)
        _end_transaction(session)
    return _send_file(
        request,
        path,
        wanted.fmt.media_type,
        file_name,
        personal=query.personal,
        varies=query.collection.has_personal,
    )


def _stream_geojson(
    request: Request, session: Session, query: FeatureQuery, file_name: str
) -> Response:
    """Stream GeoJSON through a spool; the validator is the data version (the bytes come later).

    The query drains into the spool as fast as PostgreSQL sends and its transaction ends then,
    whatever the client's pace (``spool``).
    """
    names = ",".join(prop.name for prop in query.properties)  # anonymous or signed-in columns
    etag = caching.etag_of(str(request.url), names, fetch.data_version(session, query.collection))
    if caching.matches(request, etag):
        return caching.not_modified(etag, caching.DOWNLOADS_MAX_AGE_S, personal=query.personal)
    headers = {
        "ETag": etag,
        "Cache-Control": caching.cache_control(0),
        "Content-Disposition": f'attachment; filename="{file_name}"',
        **query.reader_headers(),
    }
    media_type = FileFormat.GEOJSON.media_type
    produced = spool.spooled(
        lambda: exports.geojson_stream(session, query), lambda: _end_transaction(session)
    )
    return StreamingResponse(spool.body(produced), media_type=media_type, headers=headers)


@router.get(
    "/sites/{name}",
    summary="Download one site with its clearance parcels and infrastructure",
    response_class=Response,
    responses={**FILE_RESPONSES, **problem_responses(400, 404)},
)
def download_site_bundle(
    request: Request,
    session: ExportSessionDep,
    reader: ReaderDep,
    name: Annotated[str, PathParam(description="`<site code>.<format>`: gpkg, shp.zip, kml.")],
    crs: Annotated[str | None, Query(description="Output CRS (gpkg, shp.zip).")] = None,
) -> Response:
    """Return a site, its clearance parcels and its infrastructure as three layers of one file.

    The parcels' personal properties (owners, compensation) are in signed-in callers' files only.
    """
    check_known(request.query_params.keys(), {"crs"})
    wanted = exports.parse_export_name(name, exports.BUNDLE_FORMATS)
    output_crs = parse_ogc_crs(crs, "crs")
    exports.check_crs(wanted.fmt, output_crs)
    with work_folder() as folder:
        path = exports.site_bundle(
            session, wanted.stem, wanted.fmt, output_crs, folder, reader=reader
        )
        _end_transaction(session)
    name = exports.file_name(wanted.stem, wanted.fmt, output_crs)
    # Signed in, the parcels' layer carries the personal columns; so the bundle varies.
    personal = reader.authenticated
    return _send_file(request, path, wanted.fmt.media_type, name, personal=personal, varies=True)


@router.get(
    "/sites/{code}/boundary.{fmt}",
    summary="A site's boundary as a VN-2000 coordinate table (CSV, XLSX) or a DXF drawing",
    response_class=Response,
    responses={
        200: {"content": {fmt.media_type: {} for fmt in boundary.BoundaryFormat}},
        **problem_responses(400, 404),
    },
)
def download_site_boundary(
    request: Request,
    session: ExportSessionDep,
    code: Annotated[str, PathParam(description="Site code, e.g. `KCN-TANG-LOONG`.")],
    fmt: Annotated[boundary.BoundaryFormat, PathParam(description="`csv`, `xlsx` or `dxf`.")],
    lang: LangQuery = "vi",
) -> Response:
    """Return a site's boundary the way officers exchange it, on its province's TM-3 zone.

    `csv` and `xlsx`: a coordinate table as decisions' annexes print it — part, ring (0 =
    outline), point number, X = northing and Y = easting in metres on VN-2000 TM-3 (Lào Cai
    104°45′ EPSG:9208, Lai Châu 103°00′ EPSG:9205), each ring closed by repeating its first
    point. `dxf`: each ring as a closed polyline (x = easting, y = northing) with its point
    numbers. Title lines name the CRS, the outline's source and its caveat (an indicative
    outline is not surveyed), in `lang`. `/analysis/check` reads the table back.
    """
    check_known(request.query_params.keys(), {"lang"})
    written = boundary.site_boundary(session, code, fmt, lang)
    _end_transaction(session)
    headers = {
        "Content-Disposition": f'attachment; filename="{written.file_name}"',
        **caching.reader_headers(personal=False, varies=False),
    }
    return Response(written.content, media_type=fmt.media_type, headers=headers)
