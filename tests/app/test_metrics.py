"""``/metrics``: request counts and latencies per class, pool use, in Prometheus's format."""

import re

import pytest
from fastapi.testclient import TestClient

from app.main import create_app
from app.metrics import Metrics, request_class
from app.settings import Settings


@pytest.mark.parametrize(
    ("method", "path", "kind"),
    [
        ("GET", "/ogc/collections/sites/items", "items"),
        ("GET", "/ogc/collections/forest/tiles/WebMercatorQuad/12/1/2", "tiles"),
        ("POST", "/api/v1/analysis/check", "checks"),
        ("GET", "/api/v1/reports/forest-overlap", "analysis"),
        ("GET", "/api/v1/sites/KCN-1/forest-overlap", "analysis"),
        ("GET", "/api/v1/export/sites.gpkg", "exports"),
        ("PUT", "/ogc/collections/sites/items/KCN-1", "writes"),
        ("GET", "/dashboard", "pages"),
        ("GET", "/healthz", "other"),
    ],
)
def test_metrics_request_classes_follow_the_time_limits(method: str, path: str, kind: str):
    assert request_class(method, path) == kind


def test_metrics_histogram_is_cumulative():
    metrics = Metrics()
    for seconds in (0.001, 0.02, 0.02, 60.0):
        metrics.record("GET", "/api/v1/sites", 200, seconds)
    text = "\n".join(metrics.lines())
    assert 'sitereg_request_duration_seconds_bucket{class="items",le="0.005"} 1' in text
    assert 'sitereg_request_duration_seconds_bucket{class="items",le="0.025"} 3' in text
    assert 'sitereg_request_duration_seconds_bucket{class="items",le="30.0"} 3' in text
    assert 'sitereg_request_duration_seconds_bucket{class="items",le="+Inf"} 4' in text
    assert 'sitereg_requests_total{class="items",status="2xx"} 4' in text


def test_metrics_endpoint_counts_requests_and_shows_the_pools(database_url: str):
    with TestClient(create_app(Settings(database_url=database_url))) as client:
        assert client.get("/ogc/collections/sites/items?limit=1").status_code == 200
        assert client.get("/api/v1/nothing").status_code == 404
        response = client.get("/metrics")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain; version=0.0.4")
    text = response.text
    assert 'sitereg_requests_total{class="items",status="2xx"} 1' in text
    assert 'sitereg_requests_total{class="items",status="4xx"} 1' in text
    for pool in ("orm", "read_pool", "tile_pool", "check_pool"):
        assert f'sitereg_pool_connections{{pool="{pool}",state="idle"}}' in text
    assert "sitereg_wal_archive_failures_total " in text
    sample = re.compile(r'^[a-z_]+(\{[a-z_]+="[^"]*"(,[a-z_]+="[^"]*")*\})? [0-9.e+-]+$')
    assert all(line.startswith("# ") or sample.match(line) for line in text.splitlines())
