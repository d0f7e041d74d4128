"""The planners' pages in real headless Chromium against a real uvicorn (see conftest.py)."""

import json
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import sqlalchemy as sa
from browser import Watched, open_page
from sqlalchemy.orm import Session

from app.map.i18n import format_number
from app.models.enums import Role
from app.models.identity import AuthEvent, User, WebSession
from app.services import identity

PASSWORD = "mật khẩu đủ dài 2026"

FIXTURE = Path(__file__).parents[2] / "fixtures" / "map" / "proposal_tang_loong.geojson"
PAGES = {
    "home": "/",
    "home-en": "/?lang=en",
    "site": "/sites/KCN-TANG-LOONG",
    "check": "/check",
    "dashboard": "/dashboard",
}


@pytest.mark.parametrize("name", PAGES)
def test_browser_page_loads_without_errors_or_outside_requests(
    tab: Watched, live_url: str, name: str
):
    open_page(tab, live_url + PAGES[name])
    tab.screenshot(name)
    assert tab.errors == []
    assert tab.outside(live_url) == []


def test_browser_home_draws_every_site(tab: Watched, live_url: str, engine: sa.Engine):
    with engine.connect() as conn:
        total, indicative = conn.execute(
            sa.text(
                "SELECT count(*), count(*) FILTER (WHERE geometry_source = 'indicative') FROM sites"
            )
        ).one()
    page = open_page(tab, live_url + "/")
    assert page.locator("path.sr-site").count() == total
    dashed = page.locator("path.sr-site.sr-indicative")
    assert dashed.count() == indicative > 0
    assert dashed.first.get_attribute("stroke-dasharray")


def test_browser_home_loads_forest_as_vector_tiles(tab: Watched, live_url: str):
    open_page(tab, live_url + "/")
    tiles = [url for url in tab.requests if "/ogc/collections/forest/tiles/" in url]
    assert tiles
    assert not [url for url in tab.requests if "/collections/forest/items" in url]


def test_browser_search_finds_tang_loong_without_diacritics(tab: Watched, live_url: str):
    page = open_page(tab, live_url + "/")
    page.fill("#sr-search-input", "tang loong")
    result = page.locator(".sr-search-result", has_text="KCN Tằng Loỏng")
    result.first.click()
    popup = page.locator(".leaflet-popup-content")
    popup.wait_for()
    assert "KCN Tằng Loỏng" in popup.inner_text()
    tab.screenshot("home-search")
    assert tab.errors == []


def test_browser_check_reports_an_uploaded_file(tab: Watched, live_url: str):
    expected = httpx.post(
        live_url + "/api/v1/analysis/check",
        content=FIXTURE.read_bytes(),
        headers={"Content-Type": "application/geo+json"},
    ).json()
    page = open_page(tab, live_url + "/check")
    page.set_input_files("#sr-file", str(FIXTURE))
    page.click("#sr-upload button[type=submit]")
    page.wait_for_selector("html[data-sr-checked=true]", state="attached")
    report = page.locator("#sr-report").inner_text()
    assert format_number(expected["area_ha"], "vi", 2) + " ha" in report
    assert format_number(expected["forest"]["forest_total_ha"], "vi", 2) in report
    assert page.locator(".leaflet-srPieces-pane path").count() > 0
    tab.screenshot("check-upload")
    assert tab.errors == []


def test_browser_check_reports_a_drawn_rectangle(tab: Watched, live_url: str):
    page = open_page(tab, live_url + "/check")
    page.evaluate("sitereg.map.setView([22.297, 104.145], 13)")
    page.click(".leaflet-draw-draw-rectangle")
    box = page.locator(".folium-map").bounding_box()
    assert box is not None
    x, y = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
    page.mouse.move(x - 80, y - 60)
    page.mouse.down()
    page.mouse.move(x + 80, y + 60, steps=5)
    page.mouse.up()
    page.wait_for_selector("html[data-sr-checked=true]", state="attached")
    assert "KCN Tằng Loỏng" in page.locator("#sr-report").inner_text()
    tab.screenshot("check-draw")
    assert tab.errors == []


def test_browser_dashboard_draws_its_charts(tab: Watched, live_url: str):
    page = open_page(tab, live_url + "/dashboard")
    charts = page.evaluate("Object.keys(Chart.instances).length")
    assert charts == 2
    figures = json.loads(page.evaluate("JSON.stringify(sitereg.config.charts.forest.labels)"))
    assert figures


@pytest.fixture
def person(engine: sa.Engine) -> Iterator[str]:
    """A user committed to the live server's database, removed with its sessions afterwards."""
    with Session(engine) as session:
        identity.create_user(session, "nguoi_dung_thu", password=PASSWORD, role=Role.VIEWER)
    yield "nguoi_dung_thu"
    with engine.begin() as conn:
        user = sa.select(User.id).where(User.username == "nguoi_dung_thu").scalar_subquery()
        conn.execute(sa.delete(WebSession).where(WebSession.user_id == user))
        conn.execute(sa.delete(AuthEvent).where(AuthEvent.username == "nguoi_dung_thu"))
        conn.execute(sa.delete(AuthEvent).where(AuthEvent.user_id == user))
        conn.execute(sa.delete(User).where(User.username == "nguoi_dung_thu"))


def test_browser_signs_in_and_out_from_the_header(tab: Watched, live_url: str, person: str):
    page = open_page(tab, live_url + "/check")
    page.click(".sr-account a")
    page.fill("#username", person)
    page.fill("#password", PASSWORD)
    page.click("main button[type=submit]")
    page.wait_for_url(live_url + "/check")
    assert page.locator(".sr-account span").inner_text() == person
    tab.screenshot("signed-in")
    page.click(".sr-account button")
    page.wait_for_url(live_url + "/")
    assert page.locator(".sr-account a").inner_text() == "Đăng nhập"
    assert tab.errors == []
    assert tab.outside(live_url) == []


RECORD_CSP_VIOLATIONS = """
window.srViolations = [];
document.addEventListener("securitypolicyviolation", function (event) {
  window.srViolations.push(event.effectiveDirective + " " + event.blockedURI);
});
"""


@pytest.mark.parametrize("name", ["home", "site", "check", "dashboard"])
def test_browser_page_breaks_no_rule_of_its_content_security_policy(
    tab: Watched, live_url: str, name: str
):
    tab.page.add_init_script(RECORD_CSP_VIOLATIONS)
    response = tab.page.request.get(live_url + PAGES[name])
    assert "'nonce-" in response.headers["content-security-policy"]
    page = open_page(tab, live_url + PAGES[name])
    assert page.evaluate("window.srViolations") == []
    # An injected script (no nonce) is refused, and the listener sees it.
    page.evaluate(
        "() => { const s = document.createElement('script');"
        " s.textContent = 'window.srInjected = true'; document.body.appendChild(s); }"
    )
    assert page.evaluate("window.srInjected") is None
    assert page.evaluate("window.srViolations.length") == 1
