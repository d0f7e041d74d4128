"""Web and API imports as jobs: their state and progress live in the database.

``POST /api/v1/imports`` spools the upload to disk, records a job and runs the importer in a
thread of the receiving process. The thread writes the job's phase and rows done at most twice a
second, and at the end its outcome and CSV report, all in ``import_jobs``. Any server process can
therefore answer for the job and serve its report. A job whose process stopped (no progress for
``STALE_AFTER``) is shown as failed, saying so.

An editor's committed import is a draft, as an editor's feature write is: it runs as a dry run,
keeps its file and waits for review (``review`` pending). An approver or an admin who keeps the
layer approves it, which starts a new job committing the same file on the approver's authority
(the editor's decision and reason carried over), or rejects it with a reason. Draft files live
in the import spool folder until then, so every server process must share that folder.
"""

from __future__ import annotations

import json
import logging
import shutil
import threading
import time
from dataclasses import asdict, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, Final

import sqlalchemy as sa
from sqlalchemy import Engine

from app.access import Caller, Forbidden, require_write
from app.models.enums import Role
from app.repositories import Conflict, NotFound
from app.services.change_context import ChangeContext
from app.services.importer import ImportOutcome, ImportRequest, run_import
from spatial.io.dbf_encoding import TextEncoding
from spatial.io.mapping import MAPPINGS_DIR

logger = logging.getLogger(__name__)

PROGRESS_EVERY_S: Final = 0.5
STALE_AFTER: Final = timedelta(minutes=10)
COMMITTERS: Final = frozenset({Role.ADMIN, Role.APPROVER})
"""Who may commit an import through the web or API; editors may run dry runs to check files."""


def check_allowed(caller: Caller, layer: str, commit: bool) -> bool:
    """Refuse a caller who may not import into ``layer``; say whether the import is a draft.

    An editor's committed import is a draft: a dry run now, committed when an approver approves.

    Raises:
        Unauthorized, Forbidden.
    """
    require_write(caller, layer=layer)
    return commit and caller.role not in COMMITTERS


def start(
    engine: Engine, caller: Caller, request: ImportRequest, spool: Path, *, draft: bool = False
) -> int:
    """Record a queued job for ``request`` (its file already in ``spool``) and start it.

    A ``draft`` runs as a dry run and keeps its file for review.
    """
    if draft:
        request = replace(request, commit=False)
    description = {
        "file_name": request.path.name,
        "layer": request.layer,
        "dataset": request.dataset,
        "crs": request.crs,
        "encoding": request.encoding.value,
        "commit": request.commit,
        "mapping": request.mapping_path.name if request.mapping_path else None,
        "decision_id": request.context.decision_id,
        "reason": request.context.reason,
    }
    with engine.begin() as connection:
        job_id = connection.execute(
            sa.text(
                "INSERT INTO import_jobs (state, request, user_id, review, file_path) "
                "VALUES ('queued', CAST(:request AS jsonb), :user_id, :review, :file_path) "
                "RETURNING id"
            ),
            {
                "request": json.dumps(description, ensure_ascii=False),
                "user_id": caller.user_id,
                "review": "pending" if draft else None,
                "file_path": str(request.path) if draft else None,
            },
        ).scalar_one()
    worker = threading.Thread(
        target=_run,
        args=(engine, int(job_id), request, spool, draft),
        name=f"import-{job_id}",
        daemon=True,
    )
    worker.start()
    return int(job_id)


def _run(engine: Engine, job_id: int, request: ImportRequest, spool: Path, keep: bool) -> None:
    report = spool / "report.csv"
    progress = _Progress(engine, job_id)
    try:
        outcome = run_import(engine, request, progress, report)
        _finish(engine, job_id, outcome, report.read_bytes())
    except Exception as exc:  # noqa: BLE001 (any failure is the job's answer)
        logger.info("import job %s failed: %s", job_id, exc)
        _fail(engine, job_id, f"{type(exc).__name__}: {exc}")
        keep = False
    finally:
        if not keep:  # a draft keeps its file until it is approved or rejected
            shutil.rmtree(spool, ignore_errors=True)


class _Progress:
    """Writes the job's phase and rows done, at most every ``PROGRESS_EVERY_S``."""

    def __init__(self, engine: Engine, job_id: int) -> None:
        self.engine, self.job_id, self.last, self.phase = engine, job_id, 0.0, ""

    def __call__(self, phase: str, done: int, total: int | None) -> None:
        now = time.monotonic()
        if phase == self.phase and now - self.last < PROGRESS_EVERY_S:
            return
        self.last, self.phase = now, phase
        with self.engine.begin() as connection:
            connection.execute(
                sa.text(
                    "UPDATE import_jobs SET state = 'running', phase = :phase,"
                    " rows_done = greatest(rows_done, :done),"
                    " rows_total = coalesce(:total, rows_total), updated_at = now() WHERE id = :id"
                ),
                {"phase": phase, "done": done, "total": total, "id": self.job_id},
            )


def _finish(engine: Engine, job_id: int, outcome: ImportOutcome, report: bytes) -> None:
    summary = {
        "committed": outcome.committed,
        "counts": outcome.counts,
        "file_format": outcome.file_format,
        "mapping": outcome.mapping,
        "encoding": {"name": outcome.encoding.encoding.value, "reason": outcome.encoding.reason},
        "crs": asdict(outcome.crs),
        "notable": [
            {"row": row, "key": key, "status": status, "reason": reason}
            for row, key, status, reason in outcome.notable
        ],
    }
    with engine.begin() as connection:
        connection.execute(
            sa.text(
                "UPDATE import_jobs SET state = 'done', phase = 'done', import_id = :import_id, "
                "outcome = CAST(:outcome AS jsonb), report = :report, updated_at = now() "
                "WHERE id = :id"
            ),
            {
                "import_id": outcome.import_id,
                "outcome": json.dumps(summary, ensure_ascii=False),
                "report": report,
                "id": job_id,
            },
        )


def _fail(engine: Engine, job_id: int, error: str) -> None:
    with engine.begin() as connection:
        connection.execute(
            sa.text(
                "UPDATE import_jobs SET state = 'failed', error = :error, updated_at = now() "
                "WHERE id = :id"
            ),
            {"error": error, "id": job_id},
        )


def job(engine: Engine, caller: Caller, job_id: int) -> dict[str, Any]:
    """Return a job as the API shows it (its owner or an admin only).

    Raises:
        NotFound: no such job, or not the caller's.
    """
    row = _job_row(
        engine,
        caller,
        job_id,
        "state, phase, rows_done, rows_total, request, "
        "import_id, outcome, error, created_at, updated_at, report IS NOT NULL, "
        "review, review_reason, approved_job_id, user_id",
    )
    state, error = row[0], row[7]
    if state in ("queued", "running") and datetime.now(UTC) - row[9] > STALE_AFTER:
        state, error = "failed", "the server process running it stopped (no progress since)"
    return {
        "id": job_id,
        "state": state,
        "phase": row[1],
        "rows_done": row[2],
        "rows_total": row[3],
        "request": row[4],
        "import_id": row[5],
        "outcome": row[6],
        "error": error,
        "created_at": row[8].isoformat(),
        "updated_at": row[9].isoformat(),
        "has_report": row[10],
        "review": row[11],
        "review_reason": row[12],
        "approved_job_id": row[13],
        "mine": row[14] == caller.user_id,
    }


def report(engine: Engine, caller: Caller, job_id: int) -> bytes:
    """Return a finished job's row-by-row CSV report.

    Raises:
        NotFound: no such job, not the caller's, or no report (yet).
    """
    found = _job_row(engine, caller, job_id, "report")[0]
    if found is None:
        raise NotFound("report of import job", str(job_id))
    return bytes(found)


def _job_row(engine: Engine, caller: Caller, job_id: int, columns: str) -> Any:
    if not caller.authenticated:
        raise NotFound("import job", str(job_id))
    with engine.connect() as connection:
        row = connection.execute(
            sa.text(
                f"SELECT {columns} FROM import_jobs WHERE id = :id "  # noqa: S608 (fixed)
                "AND (user_id = :user_id OR :admin OR (review IS NOT NULL AND :reviewer "
                "AND request->>'layer' = ANY(:layers)))"
            ),
            {
                "id": job_id,
                "user_id": caller.user_id,
                "admin": caller.role is Role.ADMIN,
                "reviewer": caller.role is Role.APPROVER,
                "layers": sorted(caller.layers),
            },
        ).one_or_none()
    if row is None:
        raise NotFound("import job", str(job_id))
    return row


def context_of(caller: Caller, decision_id: int | None, reason: str | None) -> ChangeContext:
    """Return the author of a web import: the caller, on the decision and reason given."""
    return ChangeContext.of(caller, "web-import").because(decision_id, reason)


def pending(engine: Engine, caller: Caller) -> list[dict[str, Any]]:
    """Return the draft imports waiting for the caller's review (layers it keeps)."""
    if not caller.authenticated or caller.role not in COMMITTERS:
        return []
    with engine.connect() as connection:
        rows = connection.execute(
            sa.text(
                "SELECT j.id, j.request, j.outcome->'counts', u.username, j.created_at "
                "FROM import_jobs j JOIN users u ON u.id = j.user_id "
                "WHERE j.review = 'pending' AND j.state = 'done' "
                "AND (:admin OR j.request->>'layer' = ANY(:layers)) ORDER BY j.id"
            ),
            {"admin": caller.role is Role.ADMIN, "layers": sorted(caller.layers)},
        ).all()
    return [
        {"id": r[0], "request": r[1], "counts": r[2], "by": r[3], "created_at": r[4].isoformat()}
        for r in rows
    ]


def approve(engine: Engine, caller: Caller, job_id: int, reason: str | None) -> int:
    """Commit a draft import's file on the approver's authority; return the new job's id.

    Raises:
        NotFound, Forbidden, Conflict: not a pending draft that finished its dry run, or its file
        is gone.
    """
    description, path, author = _pending_draft(engine, caller, job_id)
    if not path.is_file():
        raise Conflict(f"the file of import job {job_id} is gone: the editor uploads it again")
    why = f"approves import job {job_id} by {author}" + (f": {reason}" if reason else "")
    request = ImportRequest(
        path=path,
        layer=description["layer"],
        dataset=description["dataset"],
        context=context_of(caller, description.get("decision_id"), why),
        mapping_path=_mapping_path(description.get("mapping")),
        crs=description.get("crs"),
        encoding=TextEncoding(description["encoding"]),
        commit=True,
    )
    _close_review(engine, caller, job_id, "approved", reason)
    new_id = start(engine, caller, request, path.parent)
    with engine.begin() as connection:
        connection.execute(
            sa.text("UPDATE import_jobs SET approved_job_id = :new WHERE id = :id"),
            {"new": new_id, "id": job_id},
        )
    return new_id


def reject(engine: Engine, caller: Caller, job_id: int, reason: str) -> None:
    """Close a draft import unapplied, keeping the reason; its file goes.

    Raises:
        NotFound, Forbidden, Conflict.
    """
    _, path, _ = _pending_draft(engine, caller, job_id)
    _close_review(engine, caller, job_id, "rejected", reason)
    shutil.rmtree(path.parent, ignore_errors=True)


def _mapping_path(name: str | None) -> Path | None:
    return None if name is None else MAPPINGS_DIR / Path(name).name


def _pending_draft(engine: Engine, caller: Caller, job_id: int) -> tuple[dict[str, Any], Path, str]:
    """Return a pending draft's request, file and author, once the caller may review it."""
    if caller.authenticated and caller.role not in COMMITTERS:
        raise Forbidden(f"user '{caller.username}' is a {caller.role}: an approver reviews imports")
    state, description, review, file_path, user_id = _job_row(
        engine, caller, job_id, "state, request, review, file_path, user_id"
    )
    require_write(caller, layer=description["layer"])
    if review != "pending" or file_path is None:
        raise Conflict(f"import job {job_id} is not a draft waiting for review ({review})")
    if state != "done":
        raise Conflict(f"import job {job_id} has not finished its dry run ({state})")
    with engine.connect() as connection:
        author = connection.execute(
            sa.text("SELECT username FROM users WHERE id = :id"), {"id": user_id}
        ).scalar_one()
    return description, Path(file_path), str(author)


def _close_review(
    engine: Engine, caller: Caller, job_id: int, outcome: str, reason: str | None
) -> None:
    with engine.begin() as connection:
        closed = connection.execute(
            sa.text(
                "UPDATE import_jobs SET review = :outcome, reviewed_by = :by, "
                "review_reason = :reason, updated_at = now() "
                "WHERE id = :id AND review = 'pending'"
            ),
            {"outcome": outcome, "by": caller.user_id, "reason": reason, "id": job_id},
        ).rowcount
    if closed != 1:
        raise Conflict(f"import job {job_id} was reviewed meanwhile")
