import math
import os
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from pathlib import Path

import pyogrio
import pytest
from asgi import http_scope
from fastapi.testclient import TestClient
from sqlalchemy import text
from sqlalchemy.orm import Session

from app.db.admission import InFlight
from app.ogc.catalog import CATALOG
from app.settings import LimitSettings

TILES = "/ogc/collections/{}/tiles/WebMercatorQuad"


def _tile_of(lon: float, lat: float, z: int) -> tuple[int, int, int]:
    n = 1 << z
    x = int((lon + 180) / 360 * n)
    y = int((1 - math.asinh(math.tan(math.radians(lat))) / math.pi) / 2 * n)
    return z, y, x


def _centre(db_session: Session, table: str) -> tuple[float, float]:
    point = db_session.execute(
        text(
            f"SELECT ST_X(p), ST_Y(p) FROM (SELECT ST_PointOnSurface(geom) AS p FROM {table} "
            "ORDER BY id LIMIT 1) AS first"
        )
    ).one()
    return float(point[0]), float(point[1])


def _read_tile(tmp_path: Path, content: bytes, layer: str, z: int, y: int, x: int):
    path = tmp_path / f"{z}-{y}-{x}.pbf"
    path.write_bytes(content)
    return pyogrio.read_dataframe(path, layer=layer, X=x, Y=y, Z=z)


def test_tile_matrix_set_is_web_mercator_quad(client: TestClient):
    listing = client.get("/ogc/tileMatrixSets").json()
    assert [item["id"] for item in listing["tileMatrixSets"]] == ["WebMercatorQuad"]
    tms = client.get("/ogc/tileMatrixSets/WebMercatorQuad").json()
    assert tms["crs"].endswith("/EPSG/0/3857")
    assert tms["tileMatrices"][8]["matrixWidth"] == 256
    # The standard's figures (OGC 17-083r4, annex D): zooms 0 to 24, z0 at 1:559 082 264.
    assert [matrix["id"] for matrix in tms["tileMatrices"]] == [str(z) for z in range(25)]
    assert tms["tileMatrices"][0]["scaleDenominator"] == pytest.approx(559082264.0287178)
    origin_m = 20037508.3427892
    assert tms["tileMatrices"][0]["pointOfOrigin"] == pytest.approx([-origin_m, origin_m])


def test_tilesets_and_tileset_link_the_tile_template(client: TestClient):
    tilesets = client.get("/ogc/collections/sites/tiles").json()["tilesets"]
    assert tilesets[0]["dataType"] == "vector"
    tileset = client.get(TILES.format("sites")).json()
    template = next(link for link in tileset["links"] if link["rel"] == "item")
    assert template["href"].endswith("/WebMercatorQuad/{tileMatrix}/{tileRow}/{tileCol}")
    assert template["type"] == "application/vnd.mapbox-vector-tile"


def test_tilejson_describes_the_layer(client: TestClient):
    body = client.get(TILES.format("forest") + "/tilejson.json").json()
    assert body["tilejson"] == "3.0.0"
    assert body["tiles"][0].endswith("/ogc/collections/forest/tiles/WebMercatorQuad/{z}/{y}/{x}")
    assert body["vector_layers"][0]["id"] == "forest"
    assert "category" in body["vector_layers"][0]["fields"]
    west, south, east, north = body["bounds"]
    assert 102 < west < east < 106 and 20 < south < north < 24


@pytest.mark.parametrize("collection_id", sorted(CATALOG))
def test_every_collection_serves_a_tile_with_its_features(
    client: TestClient, db_session: Session, tmp_path: Path, collection_id: str
):
    body = client.get(f"/ogc/collections/{collection_id}/items", params={"limit": 1}).json()
    first = body["features"][0]
    lon, lat = _first_point(first["geometry"])
    z, y, x = _tile_of(lon, lat, 14)
    response = client.get(f"{TILES.format(collection_id)}/{z}/{y}/{x}")
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/vnd.mapbox-vector-tile"
    frame = _read_tile(tmp_path, response.content, collection_id, z, y, x)
    assert len(frame) >= 1
    assert "code" in frame.columns


def _first_point(geometry: dict) -> tuple[float, float]:
    coordinates = geometry["coordinates"]
    while isinstance(coordinates[0], list):
        coordinates = coordinates[0]
    return coordinates[0], coordinates[1]


def test_empty_tile_is_204(client: TestClient):
    z, y, x = _tile_of(0.0, 0.0, 10)  # Gulf of Guinea
    response = client.get(f"{TILES.format('sites')}/{z}/{y}/{x}")
    assert response.status_code == 204
    assert response.content == b""


def test_tile_outside_the_matrix_is_404(client: TestClient):
    response = client.get(f"{TILES.format('sites')}/3/9/1")
    assert response.status_code == 404
    assert response.headers["content-type"] == "application/problem+json"


def test_tiles_exist_up_to_the_matrix_sets_last_zoom(client: TestClient):
    assert client.get(f"{TILES.format('sites')}/24/0/0").status_code == 204
    assert client.get(f"{TILES.format('sites')}/25/0/0").status_code == 404


def test_unknown_tile_matrix_set_is_404(client: TestClient):
    response = client.get("/ogc/collections/sites/tiles/WorldCRS84Quad/0/0/0")
    assert response.status_code == 404


def test_low_zoom_forest_tile_is_simplified_and_small(
    client: TestClient, db_session: Session, tmp_path: Path
):
    lon, lat = _centre(db_session, "forest_parcels")
    z, y, x = _tile_of(lon, lat, 8)
    response = client.get(f"{TILES.format('forest')}/{z}/{y}/{x}")
    assert response.status_code == 200
    assert len(response.content) <= 100_000
    frame = _read_tile(tmp_path, response.content, "forest", z, y, x)
    assert set(frame["category"]) <= {"special_use", "protection", "production"}


def test_tile_etag_answers_304_and_sets_cache_control(client: TestClient, db_session: Session):
    lon, lat = _centre(db_session, "sites")
    z, y, x = _tile_of(lon, lat, 12)
    url = f"{TILES.format('sites')}/{z}/{y}/{x}"
    first = client.get(url)
    assert "max-age" in first.headers["cache-control"]
    again = client.get(url, headers={"If-None-Match": first.headers["etag"]})
    assert again.status_code == 304


def test_tile_rejects_unknown_parameters(client: TestClient):
    response = client.get(f"{TILES.format('sites')}/0/0/0", params={"style": "dark"})
    assert response.status_code == 400
    assert response.json()["errors"][0]["pointer"] == "/query/style"


def test_low_zoom_forest_tile_is_a_grid_of_dominant_categories(
    client: TestClient, db_session: Session, tmp_path: Path
):
    lon, lat = _centre(db_session, "forest_parcels")
    z, y, x = _tile_of(lon, lat, 9)
    response = client.get(f"{TILES.format('forest')}/{z}/{y}/{x}")
    frame = _read_tile(tmp_path, response.content, "forest", z, y, x)
    assert {"category", "features"} <= set(frame.columns)
    assert frame["features"].min() >= 1
    assert "code" not in frame.columns


def test_forest_codes_appear_from_full_detail_zoom(
    client: TestClient, db_session: Session, tmp_path: Path
):
    lon, lat = _centre(db_session, "forest_parcels")
    z, y, x = _tile_of(lon, lat, 12)
    response = client.get(f"{TILES.format('forest')}/{z}/{y}/{x}")
    frame = _read_tile(tmp_path, response.content, "forest", z, y, x)
    assert frame["code"].str.startswith("SYN-FOREST-").all()


def test_tile_bytes_are_stable_across_requests(client: TestClient, db_session: Session):
    lon, lat = _centre(db_session, "forest_parcels")
    z, y, x = _tile_of(lon, lat, 11)
    url = f"{TILES.format('forest')}/{z}/{y}/{x}"
    assert client.get(url).content == client.get(url).content


class _CountingInFlight(InFlight):
    """An InFlight that remembers how many requests it admitted."""

    def __init__(self, limit: int) -> None:
        super().__init__(limit)
        self.admitted = 0

    @asynccontextmanager
    async def entered(
        self, client_gone: Callable[[], Awaitable[bool]] | None = None
    ) -> AsyncIterator[int]:
        async with super().entered(client_gone) as running:
            self.admitted += 1
            yield running


def test_generated_tiles_wait_for_a_tile_slot_and_cached_ones_do_not(
    client: TestClient, db_session: Session
):
    assert client.app.state.tiles_in_flight is not client.app.state.checks_in_flight
    counting = _CountingInFlight(1)
    client.app.state.tiles_in_flight = counting
    lon, lat = _centre(db_session, "forest_parcels")
    z, y, x = _tile_of(lon, lat, 13)
    url = f"{TILES.format('forest')}/{z}/{y}/{x}"
    assert client.get(url).status_code == 200
    assert client.get(url).status_code == 200  # from the in-process tile cache
    assert counting.admitted == 1


def test_tile_slots_default_to_twice_the_cores_unless_set():
    assert LimitSettings().tile_slots() == 2 * (os.cpu_count() or 1)
    assert LimitSettings(tile_concurrency=3).tile_slots() == 3


def test_a_tile_whose_client_has_gone_is_not_made(client: TestClient, db_session: Session):
    lon, lat = _centre(db_session, "forest_parcels")
    z, y, x = _tile_of(lon, lat, 13)
    path = f"{TILES.format('forest')}/{z}/{y}/{x}"
    scope = http_scope("GET", path)
    sent: list[dict] = []

    async def receive() -> dict:
        return {"type": "http.disconnect"}  # the map panned away before the tile was made

    async def send(message: dict) -> None:
        sent.append(message)

    client.portal.call(client.app, scope, receive, send)
    assert sent[0]["status"] == 499
    version = db_session.scalar(text("SELECT data_version FROM registry_state"))
    assert client.app.state.tile_cache.get(("forest", z, x, y, version)) is None
    assert client.get(path).status_code == 200  # a client that waits still gets it
    assert client.app.state.tile_cache.get(("forest", z, x, y, version))
