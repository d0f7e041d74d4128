"""Imports of official layers over HTTP: upload a file, follow its job, download its report."""

from __future__ import annotations

import shutil
import uuid
from pathlib import Path
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Body, File, Form, Request, Response, UploadFile
from fastapi import Path as PathParam

from app.access import Unauthorized
from app.deps import ROW_ID_MAX, CallerDep, SettingsDep
from app.ogc.protocol import links
from app.schemas.problem import problem_responses
from app.services import import_jobs
from app.services.importer import ImportRequest
from spatial.errors import TooLarge
from spatial.io.dbf_encoding import TextEncoding
from spatial.io.mapping import MAPPINGS_DIR

router = APIRouter(prefix="/api/v1/imports", tags=["imports"])
JobId = Annotated[int, PathParam(ge=1, le=ROW_ID_MAX, description="The import job's id.")]
ShippedMapping = Literal[
    "forest_inventory",
    "forest_sitereg",
    "protected_areas_wdpa",
    "communes_2025",
    "sites_sitereg",
    "clearance_sitereg",
    "infrastructure_sitereg",
]
ImportLayer = Literal[
    "forest", "protected_areas", "admin_units", "sites", "clearance_parcels", "infrastructure"
]


@router.post(
    "",
    status_code=202,
    summary="Import an official layer file (a job: dry run unless commit)",
    responses=problem_responses(400, 401, 403, 413, 422),
)
async def create_import(
    request: Request,
    caller: CallerDep,
    settings: SettingsDep,
    file: Annotated[UploadFile, File(description="A .zip (Shapefile, TAB), .gpkg, .geojson, …")],
    dataset: Annotated[str, Form(min_length=1, max_length=200, examples=["LC-KKR-2025"])],
    layer: Annotated[ImportLayer, Form()] = "forest",
    mapping: Annotated[ShippedMapping | None, Form()] = None,
    crs: Annotated[str | None, Form(max_length=100, examples=["EPSG:9208"])] = None,
    encoding: Annotated[TextEncoding, Form()] = TextEncoding.AUTO,
    commit: Annotated[bool, Form()] = False,
    decision_id: Annotated[int | None, Form(ge=1, le=ROW_ID_MAX)] = None,
    reason: Annotated[str | None, Form(max_length=2000)] = None,
) -> Response:
    """Start an import job of the file; `Location` is the job, which says its progress.

    The same importer as `sitereg import`: the report lists every row as created, updated,
    unchanged, removed, skipped or rejected with its reason; with `commit` everything is applied
    in one transaction or nothing. An approver's or an admin's `commit` applies at once; an
    editor's is a draft: the job runs as a dry run (`review` pending) and an approver approves
    it (`POST /api/v1/imports/{jobId}/approve`) or rejects it. Files may be up to
    `SITEREG_IMPORTS__MAX_UPLOAD_MB`.
    """
    draft = import_jobs.check_allowed(caller, layer, commit)
    spool = _spool(file, settings.imports.spool_dir, settings.imports.max_upload_mb)
    job_request = ImportRequest(
        path=spool / Path(file.filename or "upload").name,
        layer=layer,
        dataset=dataset,
        context=import_jobs.context_of(caller, decision_id, reason),
        mapping_path=None if mapping is None else MAPPINGS_DIR / f"{mapping}.yaml",
        crs=crs,
        encoding=encoding,
        commit=commit,
        statement_timeout_s=settings.imports.statement_timeout_s,
    )
    job_id = import_jobs.start(request.app.state.engine, caller, job_request, spool, draft=draft)
    body = import_jobs.job(request.app.state.engine, caller, job_id)
    return _json(body, 202, {"Location": links.url(request, f"/api/v1/imports/{job_id}")})


def _spool(file: UploadFile, folder: Path, max_mb: float) -> Path:
    """Copy the upload to a folder of its own, refusing it beyond ``max_mb`` (413)."""
    limit = int(max_mb * 1024 * 1024)
    size = file.size
    if size is not None and size > limit:
        raise TooLarge(f"the file has {size} bytes; imports take up to {limit} bytes")
    spool = folder / uuid.uuid4().hex
    spool.mkdir(parents=True)
    target = spool / Path(file.filename or "upload").name
    with target.open("wb") as out:
        shutil.copyfileobj(file.file, out, 1 << 20)
    if target.stat().st_size > limit:
        shutil.rmtree(spool, ignore_errors=True)
        raise TooLarge(f"the file is larger than the import limit of {limit} bytes")
    return spool


@router.get(
    "/pending",
    summary="Draft imports waiting for the caller's review",
    responses=problem_responses(401),
)
def pending_imports(request: Request, caller: CallerDep) -> Response:
    """List editors' committed imports that wait for an approver (layers the caller keeps)."""
    if not caller.authenticated:
        raise Unauthorized("draft imports are for signed-in approvers")
    return _json({"imports": import_jobs.pending(request.app.state.engine, caller)}, 200, {})


@router.post(
    "/{jobId}/approve",
    status_code=202,
    summary="Approve a draft import: commit its file as the approver (a new job)",
    responses=problem_responses(400, 401, 403, 404, 409, 422),
)
def approve_import(
    request: Request,
    caller: CallerDep,
    job_id: Annotated[int, PathParam(alias="jobId", ge=1, le=ROW_ID_MAX)],
    reason: Annotated[str | None, Body(embed=True, max_length=2000)] = None,
) -> Response:
    """Start the job that commits the draft's file; `Location` is that job."""
    engine = request.app.state.engine
    new_id = import_jobs.approve(engine, caller, job_id, reason)
    body = import_jobs.job(engine, caller, new_id)
    return _json(body, 202, {"Location": links.url(request, f"/api/v1/imports/{new_id}")})


@router.post(
    "/{jobId}/reject",
    status_code=204,
    response_class=Response,
    summary="Reject a draft import, saying why",
    responses=problem_responses(400, 401, 403, 404, 409, 422),
)
def reject_import(
    request: Request,
    caller: CallerDep,
    job_id: Annotated[int, PathParam(alias="jobId", ge=1, le=ROW_ID_MAX)],
    reason: Annotated[str, Body(embed=True, min_length=1, max_length=2000)],
) -> Response:
    """Close the draft unapplied; the reason is kept with it and its file goes."""
    import_jobs.reject(request.app.state.engine, caller, job_id, reason)
    return Response(status_code=204)


@router.get(
    "/{jobId}",
    summary="An import job: state, progress, counts and choices",
    responses=problem_responses(400, 401, 404),
)
def get_import(
    request: Request,
    caller: CallerDep,
    job_id: Annotated[int, PathParam(alias="jobId", ge=1, le=ROW_ID_MAX)],
) -> Response:
    """Return the job: queued, running (phase, rows done of rows in all), done or failed."""
    return _json(import_jobs.job(request.app.state.engine, caller, job_id), 200, {})


@router.get(
    "/{jobId}/report.csv",
    summary="An import job's row-by-row report (CSV)",
    response_class=Response,
    responses={200: {"content": {"text/csv": {}}}, **problem_responses(400, 401, 404)},
)
def get_import_report(
    request: Request,
    caller: CallerDep,
    job_id: Annotated[int, PathParam(alias="jobId", ge=1, le=ROW_ID_MAX)],
) -> Response:
    """Return every row's key, status and reason, as `sitereg import --report` writes it."""
    data = import_jobs.report(request.app.state.engine, caller, job_id)
    headers = {"Content-Disposition": f'attachment; filename="import-{job_id}-report.csv"'}
    return Response(data, media_type="text/csv; charset=utf-8", headers=headers)


def _json(body: dict[str, Any], status: int, headers: dict[str, str]) -> Response:
    import json

    return Response(
        json.dumps(body, ensure_ascii=False).encode(),
        status_code=status,
        media_type="application/json",
        headers={"Cache-Control": "no-store", **headers},
    )
