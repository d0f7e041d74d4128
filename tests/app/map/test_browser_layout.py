"""What a person sees on the map pages: base map, labels, search, uploads, accessibility.

Real headless Chromium against a real uvicorn (see conftest.py). Screenshots of every page at
a laptop's and a phone's size are saved under ``test-artifacts/map/screenshots``.
"""

import json
import re
import zipfile
from pathlib import Path

import geopandas as gpd
import httpx
import pytest
from browser import ARTIFACTS, Watched, open_page
from playwright.sync_api import Page, expect

from app.settings import PROJECT_ROOT

FIXTURE = Path(__file__).parents[2] / "fixtures" / "map" / "proposal_tang_loong.geojson"
AXE = PROJECT_ROOT / "static" / "vendor" / "axe-core" / "axe.min.js"
AXE_URL = "/static/vendor/axe-core/axe.min.js"
SCREENSHOTS = ARTIFACTS / "screenshots"
VIEWPORTS = {"laptop": (1366, 768), "phone": (390, 844)}
PAGES = {
    "map": "/",
    "site": "/sites/KCN-TANG-LOONG",
    "check": "/check",
    "dashboard": "/dashboard",
}
TANG_LOONG = (22.297, 104.145)
SERIOUS = ("moderate", "serious", "critical")


def _switch(page: Page, section: str, name: str) -> None:
    """Click a layer switcher entry as a person does: point at the switcher, then click.

    Leaflet ignores a click in the same instant as the pointer's arrival (it has just opened).
    """
    label = page.locator(f".leaflet-control-layers-{section} label", has_text=name)
    page.locator(".leaflet-control-layers").hover()
    expect(label).to_be_visible()
    label.hover()
    label.click()


def _view(page: Page, lat: float, lon: float, zoom: int) -> None:
    """Show (lat, lon) at ``zoom`` and wait until the labels are placed (basemap.js)."""
    page.evaluate(f"() => {{ sitereg.map.setView([{lat}, {lon}], {zoom}, {{animate: false}}); }}")
    expect(page.locator(f".folium-map[data-sr-labels='{zoom}']")).to_be_attached()


def _sized(tab: Watched, viewport: str) -> None:
    width, height = VIEWPORTS[viewport]
    tab.page.set_viewport_size({"width": width, "height": height})


def _labels_overlap(page: Page) -> list[tuple[str, str]]:
    """Return the pairs of visible labels (site and commune names) whose boxes overlap."""
    boxes = page.evaluate(
        """() => { const view = sitereg.map.getContainer().getBoundingClientRect();
            return Array.from(document.querySelectorAll('.sr-site-label span, .sr-commune-label'))
            .map(e => { const r = e.getBoundingClientRect();
                        return [e.textContent, r.left, r.top, r.right, r.bottom]; })
            .filter(b => b[3] > b[1] && b[1] < view.right && b[3] > view.left
                         && b[2] < view.bottom && b[4] > view.top); }"""
    )
    pairs = []
    for i, (name, left, top, right, bottom) in enumerate(boxes):
        for other, left2, top2, right2, bottom2 in boxes[i + 1 :]:
            if left < right2 and left2 < right and top < bottom2 and top2 < bottom:
                pairs.append((name, other))
    return pairs


@pytest.mark.parametrize("viewport", VIEWPORTS)
@pytest.mark.parametrize("name", PAGES)
def test_browser_screenshot_of_each_page(tab: Watched, live_url: str, name: str, viewport: str):
    _sized(tab, viewport)
    open_page(tab, live_url + PAGES[name])
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}-{viewport}.png"
    tab.page.screenshot(path=path, full_page=False)
    print(f"screenshot: {path}")  # noqa: T201 (the artifact's path, shown with pytest -s)
    assert path.stat().st_size > 10_000
    assert tab.errors == []
    assert tab.outside(live_url) == []


def test_browser_offline_base_map_is_drawn_and_switchable(tab: Watched, live_url: str):
    page = open_page(tab, live_url + "/")
    expect(page.locator(".leaflet-srBasemap-pane path").first).to_be_attached()
    assert page.locator(".leaflet-srBasemap-pane path").count() >= 5  # land, border, rivers
    switcher = page.locator(".leaflet-control-layers-base")
    expect(switcher).to_contain_text("Nền bản đồ (không cần mạng)")
    expect(switcher).not_to_contain_text("trực tuyến")  # no online base map unless configured
    assert "OpenStreetMap" in page.locator(".leaflet-control-attribution").inner_text()
    _switch(page, "base", "Không có nền")
    expect(page.locator(".leaflet-srBasemap-pane path")).to_have_count(0)
    assert tab.outside(live_url) == []


def test_browser_site_names_are_labels_from_zoom_12(tab: Watched, live_url: str):
    page = open_page(tab, live_url + "/")
    expect(page.locator(".sr-site-label span").first).to_be_hidden()  # the whole region
    _view(page, *TANG_LOONG, 12)
    label = page.locator(".sr-site-label span", has_text=re.compile("^KCN Tằng Loỏng$"))
    expect(label).to_be_visible()
    # Above the commune names and apart from them: no two visible labels overlap.
    assert _labels_overlap(page) == []
    tab.screenshot("labels-zoom-12")
    _switch(page, "overlays", "Tên khu")
    expect(label).to_be_hidden()
    assert tab.errors == []


def test_browser_labels_keep_apart_across_the_region(tab: Watched, live_url: str):
    page = open_page(tab, live_url + "/")
    shown = 0
    for lat, lon in ((22.40, 103.98), (22.05, 103.25), (22.50, 104.00), (21.95, 104.30)):
        _view(page, lat, lon, 13)
        assert _labels_overlap(page) == []
        shown += page.locator(".sr-site-label span:visible").count()
    assert shown > 0


@pytest.mark.parametrize("viewport", VIEWPORTS)
def test_browser_every_search_result_is_clickable(tab: Watched, live_url: str, viewport: str):
    _sized(tab, viewport)
    page = open_page(tab, live_url + "/")
    page.fill("#sr-search-input", "ccn phu")
    results = page.locator(".sr-search-result")
    expect(results.first).to_be_visible()
    codes = [code for code in results.evaluate_all("bs => bs.map(b => b.dataset.code)") if code]
    assert len(codes) >= 6
    tab.page.screenshot(path=ARTIFACTS / f"search-ccn-phu-{viewport}.png")
    for code in codes:
        page.fill("#sr-search-input", "")
        page.fill("#sr-search-input", "ccn phu")
        button = page.locator(f".sr-search-result[data-code='{code}']")
        button.click(timeout=5_000)  # fails when another panel covers it
        expect(page.locator(".leaflet-popup-content", has_text=code)).to_be_visible()
    assert tab.errors == []


def _vn2000() -> gpd.GeoDataFrame:
    frame = gpd.read_file(FIXTURE)
    frame["name"] = "Mở rộng KCN Tằng Loỏng"
    return frame.to_crs("EPSG:9208")


def _shapefile_zip(tmp: Path) -> Path:
    folder = tmp / "shp"
    folder.mkdir()
    _vn2000().to_file(folder / "de_xuat.shp", engine="pyogrio", encoding="utf-8")
    target = tmp / "de_xuat.zip"
    with zipfile.ZipFile(target, "w") as archive:
        for part in folder.iterdir():
            archive.write(part, part.name)
    return target


def _geopackage(tmp: Path) -> Path:
    target = tmp / "de_xuat.gpkg"
    _vn2000().to_file(target, driver="GPKG", engine="pyogrio")
    return target


def _kml(tmp: Path) -> Path:
    target = tmp / "de_xuat.kml"
    _vn2000().to_crs("EPSG:4326").to_file(target, driver="KML", engine="pyogrio")
    return target


def _geojson(tmp: Path) -> Path:
    return FIXTURE


FORMATS = {"geojson": _geojson, "shapefile": _shapefile_zip, "gpkg": _geopackage, "kml": _kml}


@pytest.mark.parametrize("fmt", FORMATS)
def test_browser_check_draws_and_zooms_to_each_upload_format(
    tab: Watched, live_url: str, tmp_path: Path, fmt: str
):
    upload = FORMATS[fmt](tmp_path)
    page = open_page(tab, live_url + "/check")
    page.set_input_files("#sr-file", str(upload))
    page.click("#sr-upload button[type=submit]")
    page.wait_for_selector("html[data-sr-checked=true]", state="attached")
    outline = page.locator(".leaflet-srProposal-pane path.sr-proposal")
    expect(outline).to_have_count(1)
    expect(outline).to_be_visible()
    west, south, east, north = gpd.read_file(FIXTURE).total_bounds
    inside = page.evaluate(
        f"sitereg.map.getBounds().contains([[{south}, {west}], [{north}, {east}]])"
    )
    assert page.evaluate("sitereg.map.getZoom()") >= 12 and inside  # zoomed to the outline
    tab.screenshot(f"check-upload-{fmt}")
    assert tab.errors == []


def test_browser_check_geojson_answer_carries_the_proposal(live_url: str, tmp_path: Path):
    upload = _geopackage(tmp_path)
    answer = httpx.post(
        live_url + "/api/v1/analysis/check?format=geojson",
        files={"file": (upload.name, upload.read_bytes())},
    ).json()
    assert answer["proposal"]["type"] in ("Polygon", "MultiPolygon")
    lon, lat = re.findall(r"-?\d+\.?\d*", json.dumps(answer["proposal"]["coordinates"]))[:2]
    assert 104 < float(lon) < 105 and 22 < float(lat) < 23  # CRS84, not VN-2000 metres


def _axe(page: Page) -> list[str]:
    if not AXE.exists():
        pytest.fail("axe-core is missing: run `bash scripts/vendor-assets.sh`")
    page.add_script_tag(url=AXE_URL)  # served by the app: the pages' CSP allows 'self'
    result = page.evaluate("axe.run(document, {resultTypes: ['violations']})")
    assert len(result["passes"]) > 20  # axe ran its rules on the page
    return [
        f"{v['impact']} {v['id']}: {v['help']} — {[n['target'] for n in v['nodes'][:3]]}"
        for v in result["violations"]
        if v["impact"] in SERIOUS
    ]


@pytest.mark.parametrize("viewport", VIEWPORTS)
@pytest.mark.parametrize("name", PAGES)
def test_browser_axe_finds_nothing_moderate_or_worse(
    tab: Watched, live_url: str, name: str, viewport: str
):
    _sized(tab, viewport)
    page = open_page(tab, live_url + PAGES[name])
    assert _axe(page) == []


@pytest.mark.parametrize("name", PAGES)
def test_browser_headings_are_in_order(tab: Watched, live_url: str, name: str):
    page = open_page(tab, live_url + PAGES[name])
    levels = page.evaluate(
        "Array.from(document.querySelectorAll('h1,h2,h3,h4,h5,h6')).map(h => +h.tagName[1])"
    )
    assert levels[0] == 1 and levels.count(1) == 1
    assert all(b <= a + 1 for a, b in zip(levels, levels[1:], strict=False))


def test_browser_phone_keeps_the_search_box_on_screen(tab: Watched, live_url: str):
    _sized(tab, "phone")
    page = open_page(tab, live_url + "/")
    box = page.locator("#sr-search-input").bounding_box()
    assert box is not None and box["x"] + box["width"] <= VIEWPORTS["phone"][0]


def _coordinate_table(tmp: Path) -> Path:
    """Return the proposal as a decision's annex prints it: point, X northing, Y easting (m)."""
    ring = _vn2000().geometry.iloc[0].exterior.coords
    lines = ["Điểm,X (m),Y (m)"] + [f"{n},{y:.3f},{x:.3f}" for n, (x, y) in enumerate(ring, 1)]
    target = tmp / "bang_toa_do.csv"
    target.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return target


def _drawing(tmp: Path) -> Path:
    target = tmp / "de_xuat.dxf"
    _vn2000()[["geometry"]].to_file(target, driver="DXF", engine="pyogrio")
    return target


@pytest.mark.parametrize("make", [_coordinate_table, _drawing], ids=["table", "dxf"])
def test_browser_check_draws_a_table_or_drawing_in_the_chosen_zone(
    tab: Watched, live_url: str, tmp_path: Path, make
):
    page = open_page(tab, live_url + "/check")
    page.select_option("#sr-crs", "EPSG:9208")
    page.set_input_files("#sr-file", str(make(tmp_path)))
    page.click("#sr-upload button[type=submit]")
    page.wait_for_selector("html[data-sr-checked=true]", state="attached")
    expect(page.locator(".leaflet-srProposal-pane path.sr-proposal")).to_have_count(1)
    if make is _coordinate_table:  # the columns read, shown for the officer to confirm
        expect(page.locator(".sr-facts")).to_contain_text("X = “X (m)”, Y = “Y (m)”")
    assert tab.errors == []
