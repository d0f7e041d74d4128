"""Imports over HTTP: a job whose state, progress and report live in the database (issue 16)."""

from __future__ import annotations

import secrets
import time
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from fastapi.testclient import TestClient
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from app.main import create_app
from app.models.enums import Role
from app.services import identity
from app.settings import ImportSettings, Settings
from tests.app.services.test_importer import _lot, inventory_zip


def _bearer(engine: Engine, role: Role, agency: str | None = None) -> dict[str, str]:
    name = f"importer_{secrets.token_hex(4)}"
    with Session(engine) as session:
        identity.create_user(session, name, password="x" * 16, role=role, agency_code=agency)
        token = identity.create_token(session, name, name="imports test")
    return {"Authorization": f"Bearer {token.plain}"}


def _wait(client: TestClient, url: str, headers: dict[str, str]) -> dict[str, Any]:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        job = client.get(url, headers=headers).json()
        if job["state"] in ("done", "failed"):
            return job
        time.sleep(0.1)
    raise AssertionError(f"the job never ended: {job}")


def _file(tmp_path: Path) -> Path:
    return inventory_zip(
        tmp_path / "kiemke.zip", [_lot(1, xa="Mường Hum"), _lot(2, nggocr=3, ldlr="DT2")]
    )


def test_an_upload_is_a_job_with_progress_counts_and_a_report(
    engine: Engine, test_settings: Settings, tmp_path: Path
):
    admin = _bearer(engine, Role.ADMIN)
    dataset = f"TEST-WEB-{secrets.token_hex(3)}"
    with TestClient(create_app(test_settings)) as client:
        with _file(tmp_path).open("rb") as upload:
            started = client.post(
                "/api/v1/imports",
                headers=admin,
                files={"file": ("kiemke.zip", upload)},
                data={"dataset": dataset, "commit": "true", "reason": "kiểm kê 2025"},
            )
        assert started.status_code == 202, started.text
        job = _wait(client, started.headers["location"], admin)
        assert job["state"] == "done", job
        assert job["outcome"]["counts"] == {"created": 1, "skipped": 1}
        assert job["outcome"]["encoding"]["name"] == "tcvn3"
        assert job["outcome"]["crs"]["srid"] == 9208 and job["rows_total"] == 2
        report = client.get(started.headers["location"] + "/report.csv", headers=admin)
        assert report.status_code == 200
        assert report.text.splitlines()[0] == "row_no,key,status,reason"
        other = client.get(started.headers["location"], headers=_bearer(engine, Role.ADMIN))
        assert other.status_code == 200  # admins see every job
    with engine.begin() as connection:
        stored = connection.execute(
            sa.text("SELECT count(*) FROM forest_parcels WHERE dataset = :d"), {"d": dataset}
        ).scalar_one()
        connection.execute(sa.text("DELETE FROM forest_parcels WHERE dataset = :d"), {"d": dataset})
    assert stored == 1


def test_who_may_import_and_how_much(engine: Engine, test_settings: Settings, tmp_path: Path):
    editor = _bearer(engine, Role.EDITOR, "LC-SNNMT")
    with TestClient(create_app(test_settings)) as client:
        anonymous = client.post(
            "/api/v1/imports", files={"file": ("a.zip", b"x")}, data={"dataset": "X"}
        )
        assert anonymous.status_code == 401
        refused = client.post(
            "/api/v1/imports",
            headers=_bearer(engine, Role.VIEWER),
            files={"file": ("a.zip", b"x")},
            data={"dataset": "X", "commit": "true"},
        )
        assert refused.status_code == 403 and "may not write" in refused.json()["detail"]
        outside = client.post(
            "/api/v1/imports",
            headers=editor,
            files={"file": ("a.zip", b"x")},
            data={"dataset": "X", "layer": "sites"},
        )
        assert outside.status_code == 403, outside.text  # the agency keeps no sites
        other = client.get("/api/v1/imports/999999", headers=editor)
        assert other.status_code == 404
    small = Settings(
        database_url=test_settings.database_url,
        imports=ImportSettings(max_upload_mb=0.0001, spool_dir=tmp_path),
    )
    with TestClient(create_app(small)) as client:
        too_big = client.post(
            "/api/v1/imports",
            headers=_bearer(engine, Role.ADMIN),
            files={"file": ("a.zip", b"x" * 1000)},
            data={"dataset": "X"},
        )
        assert too_big.status_code == 413


def test_a_bad_file_is_a_failed_job_saying_why(
    engine: Engine, test_settings: Settings, tmp_path: Path
):
    admin = _bearer(engine, Role.ADMIN)
    with TestClient(create_app(test_settings)) as client:
        started = client.post(
            "/api/v1/imports",
            headers=admin,
            files={"file": ("notes.txt", b"hello")},
            data={"dataset": "TEST-WEB-BAD"},
        )
        assert started.status_code == 202
        job = _wait(client, started.headers["location"], admin)
    assert job["state"] == "failed" and "unsupported format" in job["error"]


def _upload(client: TestClient, headers: dict[str, str], path: Path, dataset: str) -> str:
    with path.open("rb") as upload:
        started = client.post(
            "/api/v1/imports",
            headers=headers,
            files={"file": ("kiemke.zip", upload)},
            data={"dataset": dataset, "commit": "true", "reason": "kiểm kê 2025"},
        )
    assert started.status_code == 202, started.text
    return str(started.headers["location"])


def _stored(engine: Engine, dataset: str) -> int:
    with engine.connect() as connection:
        return int(
            connection.execute(
                sa.text("SELECT count(*) FROM forest_parcels WHERE dataset = :d"), {"d": dataset}
            ).scalar_one()
        )


def test_an_editors_commit_is_a_draft_an_approver_approves_or_rejects(
    engine: Engine, test_settings: Settings, tmp_path: Path
):
    editor = _bearer(engine, Role.EDITOR, "LC-SNNMT")
    approver = _bearer(engine, Role.APPROVER, "LC-SNNMT")
    dataset = f"TEST-WEB-DRAFT-{secrets.token_hex(3)}"
    settings = test_settings.model_copy(
        update={"imports": ImportSettings(spool_dir=tmp_path / "spool")}
    )
    try:
        with TestClient(create_app(settings)) as client:
            url = _upload(client, editor, _file(tmp_path), dataset)
            draft = _wait(client, url, editor)
            assert draft["review"] == "pending" and draft["outcome"]["committed"] is False
            assert draft["outcome"]["counts"] == {"created": 1, "skipped": 1}
            assert _stored(engine, dataset) == 0  # a dry run until approved
            assert client.post(url + "/approve", headers=editor, json={}).status_code == 403
            waiting = client.get("/api/v1/imports/pending", headers=approver).json()["imports"]
            assert [item["id"] for item in waiting] == [draft["id"]]
            approved = client.post(url + "/approve", headers=approver, json={"reason": "ok"})
            assert approved.status_code == 202, approved.text
            done = _wait(client, approved.headers["location"], approver)
            assert done["state"] == "done" and done["outcome"]["committed"] is True, done
            assert _stored(engine, dataset) == 1
            again = client.post(url + "/approve", headers=approver, json={})
            assert again.status_code == 409
            reviewed = client.get(url, headers=editor).json()
            assert (reviewed["review"], reviewed["approved_job_id"]) == ("approved", done["id"])
            second = _upload(client, editor, _file(tmp_path), dataset + "-B")
            _wait(client, second, editor)
            rejected = client.post(
                second + "/reject", headers=approver, json={"reason": "sai mã xã"}
            )
            assert rejected.status_code == 204
            closed = client.get(second, headers=editor).json()
            assert (closed["review"], closed["review_reason"]) == ("rejected", "sai mã xã")
            assert client.post(second + "/approve", headers=approver, json={}).status_code == 409
            assert not any((tmp_path / "spool").iterdir())  # reviewed drafts leave no file
    finally:
        with engine.begin() as connection:
            connection.execute(
                sa.text("DELETE FROM forest_parcels WHERE dataset = :d"), {"d": dataset}
            )
