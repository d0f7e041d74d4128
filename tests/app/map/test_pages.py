import re

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from app.map.i18n import TEXTS, source_quality_label
from app.map.page import check_page
from app.map.render import PageContext
from app.models.reference import ForestParcel
from app.settings import OSM_TILE_URL, MapSettings, Settings
from tests.support.history_writes import stamp

ASSET_URL = re.compile(r"""(?:src|href)\s*=\s*["']?(https?://[^"'\s>]+)""", re.IGNORECASE)
CSS_URL = re.compile(r"""url\(\s*["']?(https?://[^"')]+)""", re.IGNORECASE)
PAGES = ["/", "/sites/KCN-TANG-LOONG", "/check", "/dashboard"]


@pytest.mark.parametrize("path", PAGES)
@pytest.mark.parametrize("lang", ["vi", "en"])
def test_pages_load_no_asset_from_the_internet(client: TestClient, path: str, lang: str):
    response = client.get(path, params={"lang": lang})
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    assert ASSET_URL.findall(response.text) == []
    assert CSS_URL.findall(response.text) == []


def test_pages_home_is_under_one_megabyte_and_embeds_no_layer(client: TestClient):
    response = client.get("/")
    assert len(response.content) < 1_000_000
    assert '"FeatureCollection"' not in response.text
    assert "/ogc/collections/forest/tiles/WebMercatorQuad/{z}/{y}/{x}" in response.text


def test_pages_home_is_vietnamese_by_default_and_english_on_request(client: TestClient):
    vi = client.get("/").text
    en = client.get("/", params={"lang": "en"}).text
    assert '<html lang="vi"' in vi and TEXTS["nav.check"].vi in vi
    assert '<html lang="en"' in en and TEXTS["nav.check"].en in en
    assert 'href="/check?lang=en"' in en


def test_pages_site_shows_facts_overlap_and_downloads(client: TestClient):
    text = client.get("/sites/KCN-TANG-LOONG").text
    assert "<h1>KCN Tằng Loỏng</h1>" in text
    assert "1.100,00 ha" in text  # planned area, Vietnamese number format
    assert 'id="sr-forest-table"' in text
    assert TEXTS["badge.synthetic"].vi in text
    assert "/api/v1/export/sites/KCN-TANG-LOONG.gpkg" in text


def test_pages_site_labels_its_provenance_and_dates_the_data_by_its_document(client: TestClient):
    text = client.get("/sites/KCN-TANG-LOONG").text
    # The founding decision's date, not the day the demo was loaded, dates the data.
    assert re.search(r'id="sr-data-date">25/02/2026 ', text)
    assert TEXTS["fact.recorded_at"].vi in text
    quality = re.search(r'id="sr-source-quality">([^<]*)<', text)
    assert quality and quality.group(1) == TEXTS["quality.official_coordinate_table"].vi
    assert '<td class="sr-source-note" lang="en">' in text  # the compilers' notes, verbatim
    english = client.get("/sites/KCN-TANG-LOONG", params={"lang": "en"}).text
    assert TEXTS["quality.official_coordinate_table"].en in english


def test_pages_name_an_unlabelled_quality_code_and_label_location_confidence():
    assert source_quality_label("location_confidence:very_low", "vi") == (
        "Độ tin cậy vị trí: rất thấp"
    )
    assert source_quality_label("new_code", "en") == "A quality code with no label (new_code)"
    assert source_quality_label(None, "vi") is None


def test_pages_every_recorded_location_and_quality_code_has_a_label(db_session: Session):
    confidences = db_session.execute(sa.text("SELECT DISTINCT location_confidence FROM sites"))
    qualities = db_session.execute(sa.text("SELECT DISTINCT source_quality FROM sites"))
    unlabelled = TEXTS["quality.unknown"].vi
    assert [c for (c,) in confidences if c and f"location.{c}" not in TEXTS] == []
    assert [q for (q,) in qualities if unlabelled in (source_quality_label(q, "vi") or "")] == []


def test_pages_say_when_no_forest_layer_is_loaded(client: TestClient, db_session: Session):
    warning = TEXTS["common.no_forest_layer"].vi
    assert warning not in client.get("/sites/KCN-TANG-LOONG").text
    assert warning not in client.get("/dashboard").text
    db_session.execute(sa.delete(ForestParcel))
    stamp(db_session)  # the data version moves at COMMIT; the test's transaction is rolled back
    site = client.get("/sites/KCN-TANG-LOONG").text
    assert warning in site and 'id="sr-forest-table"' not in site
    assert TEXTS["site.no_forest"].vi not in site  # not "no forest here"
    assert warning in client.get("/dashboard").text


def test_pages_indicative_site_carries_the_indicative_label(client: TestClient):
    text = client.get("/sites/KCN-DONG-PHO-MOI").text
    assert TEXTS["badge.indicative"].vi in text


def test_pages_unknown_site_is_a_problem_404(client: TestClient):
    response = client.get("/sites/NO-SUCH-SITE")
    assert response.status_code == 404
    assert response.headers["content-type"] == "application/problem+json"


def test_pages_check_loads_the_local_draw_plugin(client: TestClient):
    text = client.get("/check").text
    assert "/static/vendor/leaflet-draw/leaflet.draw.js" in text
    assert "L.Control.Draw" in text


def test_pages_dashboard_computes_the_targets(client: TestClient):
    text = client.get("/dashboard", params={"as_of": "2026-11-25"}).text
    assert 'id="target-CLEARED-LAND-2026"' in text
    assert "Thành lập mới khoảng trên 500ha" in text
    assert "25/11/2026" in text


def test_pages_static_files_are_served(client: TestClient):
    response = client.get("/static/map/common.js")
    assert response.status_code == 200
    assert "sitereg" in response.text


@pytest.mark.parametrize(
    ("code", "label"),
    [("KCN-TANG-LOONG", "fact.eco"), ("MINE-DONG-PAO", "fact.mineral"), (None, "fact.moved_from")],
)
def test_pages_site_shows_the_details_of_its_kind(client: TestClient, code: str | None, label: str):
    if code is None:  # the relocation area that moves KCN Đông Phố Mới
        areas = client.get("/api/v1/sites", params={"kind": "relocation_area"}).json()["features"]
        code = next(
            f["id"]
            for f in areas
            if client.get(f"/api/v1/sites/{f['id']}").json()["properties"]["moved_from_code"]
        )
    text = client.get(f"/sites/{code}").text
    assert TEXTS[label].vi in text
    other = {"fact.eco": "fact.mineral", "fact.mineral": "fact.eco", "fact.moved_from": "fact.eco"}
    assert TEXTS[other[label]].vi not in text


def test_pages_dashboard_shows_unrecorded_wastewater_as_no_data_not_zero(
    client: TestClient, db_session: Session
):
    db_session.execute(sa.text("DELETE FROM zone_details"))  # rolled back after the test
    db_session.flush()
    page = client.get("/dashboard?lang=en")
    assert page.status_code == 200
    card = page.text.split('id="target-')[
        next(
            i
            for i, part in enumerate(page.text.split('id="target-'))
            if "compliant central wastewater plant" in part.split("</article>")[0]
        )
    ].split("</article>")[0]
    assert "No data" in card and "Sites with no recorded data (not 0)" in card
    assert "sr-progress" not in card  # no progress bar drawn from unknowns


def test_pages_site_says_when_it_was_established_and_by_which_document(client: TestClient):
    text = client.get("/sites/CCN-THINH-HUNG?lang=en").text
    assert "Established" in text and "106/QĐ-UBND" in text
    old = client.get("/sites/KCN-PHIA-NAM?lang=en").text
    assert "Established</th>" in old and "QĐ 525/QĐ-UBND" in old


def test_pages_site_explains_its_figures_and_warns_of_a_placed_outline(client: TestClient):
    placed = client.get("/sites/KCN-BAT-XAT?lang=en").text
    assert 'id="sr-location-uncertain"' in placed and "estimates, not findings" in placed
    assert "How this is computed" in placed and "synthetic-demo-forest-v1" in placed
    surveyed = client.get("/sites/KCN-TANG-LOONG?lang=en").text
    assert 'id="sr-location-uncertain"' not in surveyed


@pytest.mark.parametrize("path", ["/", "/check", "/sites/KCN-TANG-LOONG", "/dashboard"])
def test_pages_allow_zooming_the_page(client: TestClient, path: str):
    text = client.get(path).text
    tags = re.findall(r'<meta name="viewport"[^>]*>', text)
    assert tags == ['<meta name="viewport" content="width=device-width, initial-scale=1">']


def test_pages_online_base_map_is_off_unless_asked_for():
    assert MapSettings().online_tile_url is None  # tests and offline sites: no outside request
    assert MapSettings(online_basemap=True).online_tile_url == OSM_TILE_URL
    own = "https://tiles.example.gov.vn/{z}/{x}/{y}.png"
    assert MapSettings(tile_url=own).online_tile_url == own  # setting the URL switches it on
    assert MapSettings(tile_url=own, online_basemap=False).online_tile_url is None


def test_pages_offer_the_online_base_map_in_the_layer_switcher_when_on():
    settings = Settings(map=MapSettings(online_basemap=True))
    html = check_page(settings, PageContext(lang="en", page="check", path="/check"))
    assert "tile.openstreetmap.org" in html and "Online base map" in html
    assert "Base map (works offline)" in html
    html = check_page(Settings(), PageContext(lang="en", page="check", path="/check"))
    assert "tile.openstreetmap.org" not in html and "Base map (works offline)" in html
