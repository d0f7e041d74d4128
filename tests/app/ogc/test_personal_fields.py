"""Personal fields of clearance parcels reach signed-in callers only (issue 15, Decree 13/2023).

The items and features are read on the asyncio read pool, which sees committed rows only: the
``owned`` fixture commits placeholder owners on two parcels (no real people) and clears them
afterwards. Tokens and sessions live in the test's rolled-back transaction; the app resolves
them on sessions opened on that same connection.
"""

import csv
import io
import json
import re
import secrets
from collections.abc import Iterator
from pathlib import Path

import httpx
import pyogrio
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, event, text
from sqlalchemy.orm import Session

from app.deps import get_session
from app.main import create_app
from app.models.enums import Role
from app.ogc.catalog import CATALOG, Collection
from app.ogc.catalog.types import S, prop
from app.schemas.problem import PROBLEM_MEDIA_TYPE, ProblemDetail
from app.services import identity
from app.services.web_sessions import SESSION_COOKIE
from app.settings import AuthSettings, Settings

ITEMS = "/ogc/collections/clearance_parcels/items"
EXPORT = "/api/v1/export/"
PERSONAL = {"owner_name", "owner_id_number", "compensation_vnd"}
PASSWORD = "mật khẩu đủ dài 2026"
# Placeholders, not people: the demo data leaves these columns NULL.
OWNERS = (("Người thử nghiệm Một", "000000000001", 150000000),
          ("Người thử nghiệm Hai", "000000000002", 0))  # fmt: skip


@pytest.fixture(scope="module")
def owned(engine: Engine) -> Iterator[dict[str, tuple[str, str, int]]]:
    """Commit placeholder owners on the first two parcels; clear them at the end."""
    with engine.begin() as conn:
        codes = conn.execute(text("SELECT code FROM clearance_parcels ORDER BY code LIMIT 2"))
        owners = dict(zip(codes.scalars(), OWNERS, strict=True))
        conn.execute(
            text(
                "UPDATE clearance_parcels SET owner_name = :name, owner_id_number = :id_number, "
                "compensation_vnd = :vnd WHERE code = :code"
            ),
            [
                {"code": code, "name": name, "id_number": number, "vnd": vnd}
                for code, (name, number, vnd) in owners.items()
            ],
        )
    yield owners
    with engine.begin() as conn:
        conn.execute(
            text(
                "UPDATE clearance_parcels SET owner_name = NULL, owner_id_number = NULL, "
                "compensation_vnd = NULL WHERE code = ANY(:codes)"
            ),
            {"codes": list(owners)},
        )


def _client(settings: Settings, db_session: Session) -> Iterator[TestClient]:
    app = create_app(settings)

    def override() -> Iterator[Session]:
        yield db_session

    app.dependency_overrides[get_session] = override
    with TestClient(app) as client:
        # The reader of OGC reads opens its own session: here, on the test's connection.
        connection = db_session.connection()
        app.state.session_factory = lambda: Session(
            bind=connection, join_transaction_mode="create_savepoint"
        )
        yield client


@pytest.fixture
def api(test_settings: Settings, db_session: Session) -> Iterator[TestClient]:
    """A client on the default app (anonymous reads open)."""
    yield from _client(test_settings, db_session)


@pytest.fixture
def closed(database_url: str, db_session: Session) -> Iterator[TestClient]:
    """A client on an app with ``auth.anonymous_read`` off."""
    settings = Settings(database_url=database_url, auth=AuthSettings(anonymous_read=False))
    yield from _client(settings, db_session)


_TOKENS: dict[Role, str] = {}


@pytest.fixture(scope="module", autouse=True)
def committed_tokens(engine: Engine) -> Iterator[None]:
    """Readers' tokens, committed: a read's token is checked on the read pool (committed rows)."""
    tag = secrets.token_hex(3)
    with Session(engine) as session:
        for role, agency in ((Role.EDITOR, "LC-BQL-KCN"), (Role.VIEWER, None)):
            name = f"reader_{role}_{tag}"
            identity.create_user(session, name, password=PASSWORD, role=role, agency_code=agency)
            _TOKENS[role] = identity.create_token(session, name, name="t").plain
    yield
    with engine.begin() as conn:
        users = "(SELECT id FROM users WHERE username LIKE :pattern)"
        for table in ("auth_events", "api_tokens"):
            conn.execute(
                text(f"DELETE FROM {table} WHERE user_id IN {users}"),
                {"pattern": f"reader_%_{tag}"},
            )
        conn.execute(
            text("DELETE FROM users WHERE username LIKE :pattern"), {"pattern": f"reader_%_{tag}"}
        )


def _bearer(_session: Session, role: Role = Role.EDITOR, _agency: str | None = None) -> dict:
    return {"Authorization": f"Bearer {_TOKENS[role]}"}


def _problem(response: httpx.Response, status: int) -> ProblemDetail:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == PROBLEM_MEDIA_TYPE
    return ProblemDetail.model_validate(response.json())


def _by_code(body: dict) -> dict[str, dict]:
    return {feature["id"]: feature["properties"] for feature in body["features"]}


def _vary(response: httpx.Response) -> set[str]:
    return {part.strip().lower() for part in response.headers.get("vary", "").split(",")}


def _owned_filter(owned: dict) -> dict[str, str]:
    return {"filter": f"code IN ({', '.join(repr(code) for code in owned)})"}


def test_anonymous_items_have_no_personal_fields(api: TestClient, owned: dict):
    response = api.get(ITEMS, params=_owned_filter(owned))
    assert response.status_code == 200
    features = _by_code(response.json())
    assert set(features) == set(owned)
    assert all(not PERSONAL & set(properties) for properties in features.values())
    assert "public" in response.headers["cache-control"]
    assert {"authorization", "cookie"} <= _vary(response)


def test_anonymous_feature_and_its_page_have_no_personal_fields(api: TestClient, owned: dict):
    code, (name, number, _vnd) = next(iter(owned.items()))
    feature = api.get(f"{ITEMS}/{code}").json()
    assert not PERSONAL & set(feature["properties"])
    for url, params in ((f"{ITEMS}/{code}", {"f": "html"}), (ITEMS, {"f": "html", "limit": 1000})):
        page = api.get(url, params=params)
        assert page.status_code == 200
        assert name not in page.text and number not in page.text
        assert not PERSONAL & set(re.findall(r"[a-z_]+", page.text))


def test_anonymous_queryables_and_schema_have_no_personal_fields(api: TestClient):
    queryables = api.get("/ogc/collections/clearance_parcels/queryables").json()
    schema = api.get("/ogc/collections/clearance_parcels/schema").json()
    assert "status" in queryables["properties"]
    assert not PERSONAL & set(queryables["properties"])
    assert not PERSONAL & set(schema["properties"]["properties"]["properties"])


@pytest.mark.parametrize(
    ("params", "pointer"),
    [
        ({"filter": "owner_name = 'x'"}, "filter"),
        ({"filter": "owner_name LIKE 'N%'"}, "filter"),
        ({"filter": "compensation_vnd > 0"}, "filter"),
        (
            {
                "filter": json.dumps({"op": "isNull", "args": [{"property": "owner_id_number"}]}),
                "filter-lang": "cql2-json",
            },
            "filter",
        ),
        ({"sortby": "-compensation_vnd"}, "sortby"),
        ({"properties": "code,owner_name"}, "properties"),
        ({"owner_id_number": "000000000001"}, "owner_id_number"),
    ],
)
def test_anonymous_filter_naming_a_personal_field_is_400(
    api: TestClient, owned: dict, params: dict[str, str], pointer: str
):
    problem = _problem(api.get(ITEMS, params=params), 400)
    assert problem.errors is not None and problem.errors[0].pointer == f"/query/{pointer}"
    assert "personal data" in problem.detail


def test_anonymous_download_filter_naming_a_personal_field_is_400(api: TestClient):
    response = api.get(EXPORT + "clearance_parcels.csv", params={"filter": "owner_name = 'x'"})
    assert "personal data" in _problem(response, 400).detail


def _csv(response: httpx.Response) -> list[dict[str, str]]:
    assert response.status_code == 200, response.text
    return list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"))))


def test_anonymous_downloads_have_no_personal_fields(api: TestClient, owned: dict):
    response = api.get(EXPORT + "clearance_parcels.csv")
    rows = _csv(response)
    assert rows and not PERSONAL & set(rows[0])
    assert {"authorization", "cookie"} <= _vary(response)
    streamed = api.get(EXPORT + "clearance_parcels.geojson")
    assert all(not PERSONAL & set(f["properties"]) for f in streamed.json()["features"])
    assert "no-store" not in streamed.headers["cache-control"]


def test_anonymous_site_bundle_has_no_personal_fields(
    api: TestClient, db_session: Session, owned: dict, tmp_path: Path
):
    site = db_session.execute(
        text(
            "SELECT s.code FROM clearance_parcels AS p JOIN sites AS s ON s.id = p.site_id "
            "WHERE p.code = :code"
        ),
        {"code": next(iter(owned))},
    ).scalar_one()
    path = tmp_path / "bundle.gpkg"
    path.write_bytes(api.get(f"{EXPORT}sites/{site}.gpkg").content)
    fields = set(pyogrio.read_info(path, layer="clearance_parcels")["fields"])
    assert "status" in fields and not PERSONAL & fields


def test_anonymous_items_run_no_query_on_the_session(api: TestClient, db_session: Session):
    seen: list[str] = []
    engine = db_session.get_bind().engine

    def record(conn, cursor, statement, parameters, context, executemany):  # type: ignore[no-untyped-def]
        seen.append(statement)

    event.listen(engine, "before_cursor_execute", record)
    try:
        assert api.get(ITEMS, params={"limit": 5}).status_code == 200
    finally:
        event.remove(engine, "before_cursor_execute", record)
    assert seen == []


def test_token_reader_gets_personal_fields_privately(
    api: TestClient, db_session: Session, owned: dict
):
    anonymous = api.get(ITEMS, params=_owned_filter(owned))
    headers = _bearer(db_session)
    response = api.get(ITEMS, params=_owned_filter(owned), headers=headers)
    assert response.status_code == 200
    for code, properties in _by_code(response.json()).items():
        name, number, vnd = owned[code]
        assert properties["owner_name"] == name
        assert properties["owner_id_number"] == number
        assert properties["compensation_vnd"] == vnd
    assert response.headers["cache-control"] == "private, no-store"
    assert {"authorization", "cookie"} <= _vary(response)
    assert response.headers["etag"] != anonymous.headers["etag"]
    again = {**headers, "If-None-Match": response.headers["etag"]}
    revalidated = api.get(ITEMS, params=_owned_filter(owned), headers=again)
    assert revalidated.status_code == 304
    assert revalidated.headers["cache-control"] == "private, no-store"
    assert {"authorization", "cookie"} <= _vary(revalidated)
    anonymous_again = {"If-None-Match": response.headers["etag"]}
    stale = api.get(ITEMS, params=_owned_filter(owned), headers=anonymous_again)
    assert stale.status_code == 200  # the anonymous representation never matches its ETag


def test_token_reader_filters_and_sorts_by_personal_fields(
    api: TestClient, db_session: Session, owned: dict
):
    headers = _bearer(db_session, Role.VIEWER, None)
    code, (name, _number, _vnd) = next(iter(owned.items()))
    found = api.get(ITEMS, params={"filter": f"owner_name = '{name}'"}, headers=headers).json()
    assert list(_by_code(found)) == [code]
    params = {"sortby": "-compensation_vnd", "properties": "code,compensation_vnd", "limit": 2}
    ranked = api.get(ITEMS, params=params, headers=headers).json()
    top = next(iter(_by_code(ranked).values()))
    assert set(top) == {"code", "compensation_vnd"} and top["compensation_vnd"] == OWNERS[0][2]


def test_token_reader_feature_queryables_and_download(
    api: TestClient, db_session: Session, owned: dict
):
    headers = _bearer(db_session)
    code, (name, _number, _vnd) = next(iter(owned.items()))
    feature = api.get(f"{ITEMS}/{code}", headers=headers)
    assert feature.json()["properties"]["owner_name"] == name
    assert feature.headers["cache-control"] == "private, no-store"
    page = api.get(f"{ITEMS}/{code}", params={"f": "html"}, headers=headers)
    assert name in page.text and page.headers["cache-control"] == "private, no-store"
    queryables = api.get("/ogc/collections/clearance_parcels/queryables", headers=headers)
    assert set(queryables.json()["properties"]) >= PERSONAL
    assert "Tên chủ sử dụng đất" in queryables.json()["properties"]["owner_name"]["title"]
    download = api.get(EXPORT + "clearance_parcels.csv", headers=headers)
    rows = {row["code"]: row for row in _csv(download)}
    assert rows[code]["owner_name"] == name
    assert download.headers["cache-control"] == "private, no-store"


def test_streamed_download_etag_differs_for_a_signed_in_reader(
    api: TestClient, db_session: Session
):
    anonymous = api.get(EXPORT + "clearance_parcels.geojson")
    signed_in = api.get(EXPORT + "clearance_parcels.geojson", headers=_bearer(db_session))
    assert signed_in.headers["etag"] != anonymous.headers["etag"]
    assert signed_in.headers["cache-control"] == "private, no-store"
    assert "owner_name" in signed_in.json()["features"][0]["properties"]


def test_session_cookie_reader_gets_personal_fields(
    api: TestClient, db_session: Session, owned: dict
):
    identity.create_user(db_session, "nguoidoc", password=PASSWORD, role=Role.VIEWER)
    form = api.get("/sign-in").text.partition("<main")[2]
    token = re.search(r'name="csrf_token" value="([^"]+)"', form)
    assert token is not None
    data = {"username": "nguoidoc", "password": PASSWORD, "csrf_token": token[1], "next": "/"}
    assert api.post("/sign-in", data=data, follow_redirects=False).status_code == 303
    assert api.cookies.get(SESSION_COOKIE)
    code, (name, _number, _vnd) = next(iter(owned.items()))
    assert api.get(f"{ITEMS}/{code}").json()["properties"]["owner_name"] == name


def test_unknown_token_on_a_read_is_401(api: TestClient):
    response = api.get(ITEMS, headers={"Authorization": "Bearer srg_" + "A" * 43})
    assert _problem(response, 401).status == 401
    assert "invalid_token" in response.headers["www-authenticate"]


def test_other_authorization_schemes_read_as_anonymous(api: TestClient, owned: dict):
    response = api.get(ITEMS, params=_owned_filter(owned), headers={"Authorization": "Basic eDp5"})
    assert response.status_code == 200
    assert all(not PERSONAL & set(p) for p in _by_code(response.json()).values())


def test_tiles_never_carry_personal_fields(api: TestClient, db_session: Session):
    tilejson = api.get(
        "/ogc/collections/clearance_parcels/tiles/WebMercatorQuad/tilejson.json",
        headers=_bearer(db_session),
    ).json()
    assert not PERSONAL & set(tilejson["vector_layers"][0]["fields"])
    for collection in CATALOG.values():
        tiled = {*collection.tile_properties, *collection.tile_detail_properties}
        assert not tiled & {p.name for p in collection.properties if p.personal}


def test_catalogue_refuses_a_personal_tile_property():
    parcels = CATALOG["clearance_parcels"]
    secret = prop("owner_name", parcels.property("code").expr, S, "x", personal=True)  # type: ignore[union-attr]
    with pytest.raises(ValueError, match="never in tiles"):
        Collection(
            id="leaky",
            title="t",
            description="d",
            source=parcels.source,
            id_expr=parcels.id_expr,
            tile_id_expr=parcels.tile_id_expr,
            geometry=parcels.geometry,
            geometry_type="MultiPolygon",
            properties=(secret,),
            licence="l",
            tile_properties=("owner_name",),
        )


def test_personal_columns_are_commented_as_personal_data(db_session: Session):
    comments = dict(
        db_session.execute(
            text(
                "SELECT attname, col_description(attrelid, attnum) FROM pg_attribute "
                "WHERE attrelid = 'clearance_parcels'::regclass AND attname = ANY(:names)"
            ),
            {"names": sorted(PERSONAL)},
        ).all()
    )
    assert set(comments) == PERSONAL
    assert all("Decree 13/2023/NĐ-CP" in comment for comment in comments.values())


def test_public_view_withholds_exactly_the_personal_fields():
    parcels = CATALOG["clearance_parcels"]
    assert {p.name for p in parcels.properties if p.personal} == PERSONAL
    assert parcels.public.withheld == PERSONAL
    assert set(parcels.public.by_name) == set(parcels.by_name) - PERSONAL
    assert parcels.for_reader(signed_in=True) is parcels
    assert CATALOG["sites"].public is CATALOG["sites"]


@pytest.mark.parametrize(
    "path",
    [
        ITEMS,
        "/ogc/collections",
        "/ogc/collections/sites/items/KCN-TANG-LOONG",
        "/ogc/collections/sites/tiles/WebMercatorQuad/tilejson.json",
        "/api/v1/sites",
        "/api/v1/export/sites.csv",
        "/",
    ],
)
def test_closed_deployment_refuses_anonymous_reads(closed: TestClient, path: str):
    response = closed.get(path)
    problem = _problem(response, 401)
    assert "signed-in callers only" in problem.detail
    assert response.headers["www-authenticate"].startswith("Bearer")


@pytest.mark.parametrize(
    "path",
    [
        "/healthz",
        "/sign-in",
        "/ogc",
        "/ogc/conformance",
        "/ogc/api",
        "/openapi.json",
        "/static/map/sitereg.css",
    ],
)
def test_closed_deployment_keeps_sign_in_health_and_documents_open(closed: TestClient, path: str):
    assert closed.get(path, follow_redirects=False).status_code == 200


def test_closed_deployment_serves_a_token(closed: TestClient, db_session: Session):
    headers = _bearer(db_session)
    assert closed.get(ITEMS, params={"limit": 1}, headers=headers).status_code == 200
    assert closed.get("/api/v1/sites", headers=headers).status_code == 200
