"""The analysis endpoints over HTTP, including every kind of bad upload."""

import io
import json
import zipfile
from pathlib import Path

import geopandas as gpd
import pytest
import sqlalchemy as sa
from asgi import http_scope
from fastapi.testclient import TestClient
from geodesic import close, geodesic_ha
from shapely.geometry import Polygon, box, mapping, shape
from sqlalchemy.orm import Session

from app.models.reference import ForestParcel
from app.schemas.analysis import (
    ClearanceReport,
    ForestOverlapReport,
    NearbyResult,
    PlanOverlapReport,
    ProposalCheck,
    SiteForestOverlap,
    UploadedBoundary,
)
from app.services.reports import NO_FOREST_NOTE, SYNTHETIC_NOTE
from spatial.crs import transform_geometry

CHECK = "/api/v1/analysis/check"
BOUNDARY = "/api/v1/analysis/boundary"
# ~500 ha next to KCN Tằng Loỏng, in WGS 84.
PROPOSAL = box(104.13, 22.29, 104.1517, 22.3105)


def _geojson(geom=PROPOSAL) -> bytes:
    return json.dumps(
        {
            "type": "FeatureCollection",
            "features": [
                {"type": "Feature", "properties": {"ten": "Đề xuất"}, "geometry": mapping(geom)}
            ],
        }
    ).encode()


def _problem(response, status: int, code: str) -> dict:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/problem+json"
    body = response.json()
    assert body["code"] == code and body["detail"]
    return body


def _shapefile_zip(tmp_path: Path, geom, *, srid: int, with_prj: bool = True) -> bytes:
    folder = tmp_path / "shp"
    folder.mkdir()
    gpd.GeoDataFrame({"ten": ["Đề xuất"]}, geometry=[geom], crs=f"EPSG:{srid}").to_file(
        folder / "de_xuat.shp", encoding="utf-8"
    )
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for path in folder.iterdir():
            if with_prj or path.suffix != ".prj":
                archive.write(path, path.name)
    return buffer.getvalue()


def test_site_forest_overlap_json(client: TestClient):
    response = client.get("/api/v1/sites/KCN-TANG-LOONG/forest-overlap")
    body = SiteForestOverlap.model_validate(response.json())
    assert body.forest_total_ha > 0
    assert body.forest_total_ha == pytest.approx(
        body.special_use_ha + body.protection_ha + body.production_ha
    )
    assert body.forest_total_ha == pytest.approx(body.natural_ha + body.planted_ha)
    assert body.forest_share_pct == pytest.approx(
        100 * body.forest_total_ha / body.site_area_ha, abs=0.01
    )
    assert body.forest_datasets[0].synthetic
    assert body.notes == [SYNTHETIC_NOTE]


def test_forest_answers_on_an_empty_forest_layer_say_so(client: TestClient, db_session: Session):
    db_session.execute(sa.delete(ForestParcel))
    site = SiteForestOverlap.model_validate(
        client.get("/api/v1/sites/KCN-TANG-LOONG/forest-overlap").json()
    )
    assert site.forest_total_ha == 0 and site.notes == [NO_FOREST_NOTE]
    report = ForestOverlapReport.model_validate(client.get("/api/v1/reports/forest-overlap").json())
    assert report.totals.forest_total_ha == 0 and NO_FOREST_NOTE in report.notes
    pieces = client.get("/api/v1/sites/KCN-TANG-LOONG/forest-overlap?format=geojson").json()
    assert pieces["features"] == [] and pieces["notes"] == [NO_FOREST_NOTE]


def test_site_forest_overlap_vn2000_differs_by_the_tm3_scale(client: TestClient):
    geodesic = client.get("/api/v1/sites/KCN-TANG-LOONG/forest-overlap").json()
    planar = client.get("/api/v1/sites/KCN-TANG-LOONG/forest-overlap?area=vn2000").json()
    ratio = planar["site_area_ha"] / geodesic["site_area_ha"]
    assert 0.9997 < ratio < 1.0  # TM-3 areal scale k² ≈ 0.9999 at 104°08′ E


def test_site_forest_overlap_geojson_and_csv(client: TestClient):
    pieces = client.get("/api/v1/sites/KCN-TANG-LOONG/forest-overlap?format=geojson")
    assert pieces.headers["content-type"].startswith("application/geo+json")
    collection = pieces.json()
    assert collection["type"] == "FeatureCollection" and collection["features"]
    csv_text = client.get("/api/v1/sites/KCN-TANG-LOONG/forest-overlap?format=csv").text
    assert csv_text.lstrip("\ufeff").startswith("category,origin,overlap_ha")


def test_site_forest_overlap_unknown_site_is_404(client: TestClient):
    _problem(client.get("/api/v1/sites/NOPE/forest-overlap"), 404, "not-found")


def test_forest_overlap_report_totals_count_shared_ground_once(client: TestClient):
    report = ForestOverlapReport.model_validate(client.get("/api/v1/reports/forest-overlap").json())
    # An outline outside its province or Vietnam is listed but left out of every total.
    left_out = {site.code for site in report.left_out}
    assert left_out == {"CCN-QUANG-KIM-1"}
    counted = [s for s in report.sites if s.site_code not in left_out]
    assert len(report.sites) >= 71 and report.totals.sites == len(counted)
    summed_area = sum(s.site_area_ha for s in counted)
    summed_forest = sum(s.forest_total_ha for s in counted)
    # The demo sites share about 400 ha (phases inside zones, relocation areas drawn at their
    # destination): the ground is smaller than the sum of the sites, and so is its forest.
    assert report.totals.site_area_ha < summed_area - 300
    assert report.totals.forest_total_ha <= summed_forest + 1e-6
    for kind in report.by_kind:
        members = [s for s in counted if s.kind == kind.group]
        assert kind.sites == len(members)
        assert kind.forest_total_ha <= sum(s.forest_total_ha for s in members) + 1e-6
        assert kind.forest_total_ha <= report.totals.forest_total_ha + 1e-6
    assert any("counted once" in note for note in report.notes)
    assert sum(c.sites for c in report.by_commune) == len(report.sites)
    assert any("SYNTHETIC" in note for note in report.notes)


def test_forest_overlap_report_csv_keeps_vietnamese(client: TestClient):
    response = client.get("/api/v1/reports/forest-overlap?format=csv")
    assert response.headers["content-type"].startswith("text/csv")
    assert "KCN Tằng Loỏng" in response.text


def test_forest_overlap_report_rejects_geojson_format(client: TestClient):
    body = _problem(
        client.get("/api/v1/reports/forest-overlap?format=geojson"), 400, "invalid-parameter"
    )
    assert body["errors"][0]["pointer"] == "/query/format"


def test_clearance_report_against_the_500_ha_target(client: TestClient):
    report = ClearanceReport.model_validate(
        client.get("/api/v1/reports/clearance?as_of=2026-07-01").json()
    )
    assert report.target is not None and report.target.target_value == 500
    assert report.target.achieved == pytest.approx(report.totals.clean_land_ha, abs=1e-3)
    early = ClearanceReport.model_validate(
        client.get("/api/v1/reports/clearance?as_of=2024-01-01").json()
    )
    assert early.totals.clean_land_ha <= report.totals.clean_land_ha


def test_clearance_report_bad_date_is_400(client: TestClient):
    body = _problem(
        client.get("/api/v1/reports/clearance?as_of=yesterday"), 400, "invalid-parameter"
    )
    assert body["errors"][0]["pointer"] == "/query/as_of"


def test_plan_overlaps_report(client: TestClient):
    report = PlanOverlapReport.model_validate(client.get("/api/v1/reports/plan-overlaps").json())
    pairs = {(o.site_a, o.site_b) for o in report.overlaps}
    assert ("KCN-VO-LAO-GD1", "KCN-VO-LAO-TOAN-KHU") in pairs
    geojson = client.get("/api/v1/reports/plan-overlaps?format=geojson").json()
    assert len(geojson["features"]) == len(report.overlaps)


def test_check_geojson_body_reports_area_forest_and_sites(client: TestClient):
    response = client.post(
        CHECK, content=_geojson(), headers={"content-type": "application/geo+json"}
    )
    assert response.status_code == 200, response.text
    report = ProposalCheck.model_validate(response.json())
    assert close(report.area_ha, geodesic_ha(PROPOSAL))
    assert report.province == "Lào Cai" and report.vn2000_zone == "EPSG:9208"
    assert report.crs_from == "default (RFC 7946)"
    assert "KCN-TANG-LOONG" in {s.code for s in report.sites}
    assert report.forest.forest_total_ha > 0


def test_check_vn2000_shapefile_lands_where_the_wgs84_one_does(client: TestClient, tmp_path):
    vn2000 = transform_geometry(PROPOSAL, 4326, 9208)
    files = {
        "file": ("de_xuat.zip", _shapefile_zip(tmp_path, vn2000, srid=9208), "application/zip")
    }
    report = ProposalCheck.model_validate(client.post(CHECK, files=files).json())
    assert report.source_crs == "EPSG:9208" and report.crs_from == "file"
    assert close(report.area_ha, geodesic_ha(PROPOSAL))
    assert close(report.area_vn2000_ha, vn2000.area / 1e4)


def test_check_gpkg_and_kml_uploads(client: TestClient, tmp_path):
    frame = gpd.GeoDataFrame({"ten": ["Đề xuất"]}, geometry=[PROPOSAL], crs="EPSG:4326")
    for suffix, driver in ((".gpkg", "GPKG"), (".kml", "KML")):
        path = tmp_path / f"de_xuat{suffix}"
        frame.to_file(path, driver=driver)
        files = {"file": (path.name, path.read_bytes(), "application/octet-stream")}
        report = ProposalCheck.model_validate(client.post(CHECK, files=files).json())
        assert close(report.area_ha, geodesic_ha(PROPOSAL)), suffix


def test_check_geojson_format_returns_overlap_pieces(client: TestClient):
    response = client.post(
        f"{CHECK}?format=geojson",
        content=_geojson(),
        headers={"content-type": "application/geo+json"},
    )
    layers = {f["properties"]["layer"] for f in response.json()["features"]}
    assert {"forest", "site"} <= layers


def test_check_self_intersecting_polygon_is_422_with_location(client: TestClient):
    bowtie = {
        "type": "Polygon",
        "coordinates": [
            [[104.1, 22.3], [104.11, 22.31], [104.11, 22.3], [104.1, 22.31], [104.1, 22.3]]
        ],
    }
    body = _problem(client.post(CHECK, json=bowtie), 422, "invalid-geometry")
    assert body["errors"][0]["pointer"] == "/features/0/geometry"
    assert "Self-intersection" in body["errors"][0]["detail"]


def test_check_lines_instead_of_polygons_is_422(client: TestClient):
    line = {"type": "LineString", "coordinates": [[104.1, 22.3], [104.2, 22.4]]}
    body = _problem(client.post(CHECK, json=line), 422, "invalid-geometry")
    assert "LineString" in body["detail"]


def test_check_vn2000_metres_sent_as_degrees_is_422(client: TestClient):
    metres = transform_geometry(PROPOSAL, 4326, 9208)
    body = _problem(client.post(CHECK, json=mapping(metres)), 422, "unknown-crs")
    assert "EPSG:9208" in body["detail"]


def test_check_swapped_vn2000_axes_is_422(client: TestClient):
    import shapely

    swapped = shapely.transform(transform_geometry(PROPOSAL, 4326, 9208), lambda xy: xy[:, ::-1])
    body = _problem(
        client.post(f"{CHECK}?crs=EPSG:9208", json=mapping(swapped)), 422, "unknown-crs"
    )
    assert "swapped" in body["detail"]


def test_check_outside_vietnam_is_422(client: TestClient):
    body = _problem(
        client.post(CHECK, json=mapping(box(2.3, 48.8, 2.4, 48.9))), 422, "invalid-geometry"
    )
    assert "outside Vietnam" in body["detail"]


def test_boundary_reads_a_vn2000_shapefile_into_crs84(client: TestClient, tmp_path):
    vn2000 = transform_geometry(PROPOSAL, 4326, 9208)
    files = {"file": ("x.zip", _shapefile_zip(tmp_path, vn2000, srid=9208), "application/zip")}
    response = client.post(BOUNDARY, files=files)
    assert response.status_code == 200, response.text
    read = UploadedBoundary.model_validate(response.json())
    assert read.properties.source_crs == "EPSG:9208" and read.properties.features == 1
    geom = shape(read.geometry)
    assert geom.geom_type == "Polygon" and geom.exterior.is_ccw
    assert geom.symmetric_difference(PROPOSAL).area < 1e-4 * PROPOSAL.area


def test_boundary_outside_vietnam_is_422(client: TestClient):
    _problem(
        client.post(BOUNDARY, json=mapping(box(2.3, 48.8, 2.4, 48.9))), 422, "invalid-geometry"
    )


def test_check_zip_without_prj_is_422(client: TestClient, tmp_path):
    vn2000 = transform_geometry(PROPOSAL, 4326, 9208)
    data = _shapefile_zip(tmp_path, vn2000, srid=9208, with_prj=False)
    body = _problem(
        client.post(CHECK, files={"file": ("x.zip", data, "application/zip")}), 422, "unknown-crs"
    )
    assert ".prj" in body["detail"]
    ok = client.post(f"{CHECK}?crs=EPSG:9208", files={"file": ("x.zip", data, "application/zip")})
    assert ok.status_code == 200


def test_check_unknown_crs_parameter_is_422(client: TestClient):
    _problem(
        client.post(
            f"{CHECK}?crs=EPSG:99999",
            content=_geojson(),
            headers={"content-type": "application/geo+json"},
        ),
        422,
        "unknown-crs",
    )


def test_check_empty_file_is_400(client: TestClient):
    body = _problem(
        client.post(CHECK, files={"file": ("empty.geojson", b"", "application/json")}),
        400,
        "unreadable-file",
    )
    assert "empty" in body["detail"]


def test_check_broken_json_is_400(client: TestClient):
    _problem(
        client.post(
            CHECK, content=b'{"type": "Feature', headers={"content-type": "application/json"}
        ),
        400,
        "unreadable-file",
    )


def test_check_unsupported_format_is_415(client: TestClient):
    files = {"file": ("notes.txt", b"just some text", "text/plain")}
    _problem(client.post(CHECK, files=files), 415, "unsupported-format")


def test_check_upload_over_the_limit_is_413(client: TestClient):
    client.app.state.settings.limits.upload_max_mb = 0.001
    try:
        _problem(
            client.post(
                CHECK,
                content=_geojson(box(104.1, 22.3, 104.2, 22.4).buffer(0.01)) * 40,
                headers={"content-type": "application/geo+json"},
            ),
            413,
            "too-large",
        )
    finally:
        client.app.state.settings.limits.upload_max_mb = 20.0


def test_check_over_the_vertex_and_area_limits_is_422_naming_them(client: TestClient):
    wavy = Polygon(
        [(104.13 + 0.02 * k / 3000, 22.29 + 0.0005 * (k % 2)) for k in range(3001)]
        + [(104.15, 22.31), (104.13, 22.31)]
    )
    within = client.post(
        CHECK, content=_geojson(wavy), headers={"content-type": "application/geo+json"}
    )
    assert within.status_code == 200, within.text  # 3 004 vertices: within the default 5 000
    limits = client.app.state.settings.limits
    limits.check_max_vertices, limits.check_max_area_ha = 1_000, 100.0
    try:
        for url in (CHECK, "/api/v1/analysis/check/report"):
            body = _problem(
                client.post(url, files={"file": ("wavy.geojson", _geojson(wavy))}),
                422,
                "proposal-over-limit",
            )
            assert "3,004 vertices (limit 1,000)" in body["detail"]
            assert "ha (limit 100 ha)" in body["detail"]
    finally:
        limits.check_max_vertices, limits.check_max_area_ha = 5_000, 50_000.0


def test_nearby_around_a_site_and_a_point(client: TestClient):
    result = NearbyResult.model_validate(
        client.get("/api/v1/analysis/nearby?site=KCN-TANG-LOONG&distance_m=2000").json()
    )
    assert "RELOC-TANG-LOONG-ECO" in {f.code for f in result.features}
    point = client.get("/api/v1/analysis/nearby?lon=104.14&lat=22.30&distance_m=500").json()
    assert any(f["code"] == "KCN-TANG-LOONG" and f["distance_m"] == 0 for f in point["features"])


def test_nearby_needs_a_site_or_a_point(client: TestClient):
    _problem(client.get("/api/v1/analysis/nearby?distance_m=100"), 400, "invalid-parameter")


def test_a_check_whose_client_has_gone_is_not_run(client: TestClient, monkeypatch):
    from app.services import proposal_check
    from spatial.analysis import proposal_conflicts

    async def must_not_run(*_args, **_kwargs):
        raise AssertionError("the database was asked for a client that had gone")

    body = _geojson()
    scope = http_scope(
        "POST",
        CHECK,
        [(b"content-type", b"application/geo+json"), (b"content-length", str(len(body)).encode())],
    )
    messages = [{"type": "http.request", "body": body, "more_body": False}]
    sent: list[dict] = []

    async def receive() -> dict:
        # The body, then the planner closes the page while the check waits for its slot.
        return messages.pop(0) if messages else {"type": "http.disconnect"}

    async def send(message: dict) -> None:
        sent.append(message)

    with monkeypatch.context() as patched:
        patched.setattr(proposal_conflicts, "run_pooled", must_not_run)
        # As if it had queued behind a crowd: a check asks only after a long wait.
        patched.setattr(proposal_check, "CLIENT_GONE_AFTER_S", 0.0)
        client.portal.call(client.app, scope, receive, send)
    assert sent[0]["status"] == 499
    answered = client.post(CHECK, content=body, headers={"content-type": "application/geo+json"})
    assert answered.status_code == 200  # a planner who waits still gets the check
