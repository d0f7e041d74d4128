"""The figures' caveats as a planner sees them, in headless Chromium: methods, no data, labels."""

from browser import Watched, open_page
from playwright.sync_api import expect

from app.map.i18n import TEXTS

UNKNOWN_WASTEWATER = "KCN-PHIA-NAM"  # no wastewater plant status recorded (data-quality.md)


def _text(key: str, lang: str) -> str:
    return TEXTS[key].vi if lang == "vi" else TEXTS[key].en


def test_browser_dashboard_explains_each_figure_and_shows_no_data(tab: Watched, live_url: str):
    page = open_page(tab, live_url + "/dashboard")
    for metric in ("new_zone_cluster_area_ha", "cleared_land_ha", "kcn_compliant_wastewater_pct"):
        expect(page.get_by_text(_text(f"dash.metric.{metric}", "vi"))).to_be_visible()
    card = page.locator("#target-KCN-WASTEWATER-2026")
    expect(card.locator(".sr-no-data")).to_have_text(_text("dash.no_data", "vi"))
    expect(card.locator(".sr-unknown")).to_be_visible()
    expect(card.locator(".sr-unknown")).to_contain_text(_text("dash.unknown", "vi") + ": ")
    expect(card.locator(".sr-progress")).to_have_count(0)  # no bar drawn from unknown data
    expect(page.locator("#target-CLEARED-LAND-2026 .sr-badge--synthetic")).to_be_visible()
    expect(page.locator("#target-CLEARED-LAND-2026 .sr-reported")).to_contain_text("280,33")
    left_out = page.locator("#left-out")
    expect(left_out).to_be_visible()
    expect(left_out).to_contain_text("CCN-QUANG-KIM-1")
    expect(left_out).to_contain_text(_text("dash.place.outside_vietnam", "vi"))
    assert tab.errors == []


def test_browser_dashboard_in_english_says_no_data(tab: Watched, live_url: str):
    page = open_page(tab, live_url + "/dashboard?lang=en")
    card = page.locator("#target-KCN-WASTEWATER-2026")
    expect(card.locator(".sr-no-data")).to_have_text("No data")
    expect(card.locator(".sr-unknown")).to_contain_text("Sites with no recorded data (not 0)")
    expect(page.locator(".sr-badge--synthetic").first).to_contain_text(
        "synthetic data — not real figures"
    )


def test_browser_site_page_shows_method_no_data_and_synthetic_label(tab: Watched, live_url: str):
    page = open_page(tab, live_url + f"/sites/{UNKNOWN_WASTEWATER}?lang=en")
    expect(page.locator("#sr-wastewater-no-data")).to_have_text("No data")
    how = page.locator("#sr-how-forest")
    how.locator("summary").click()
    expect(how.get_by_text(_text("how.area", "en"))).to_be_visible()
    expect(how).to_contain_text("synthetic data — not real figures")
    expect(page.locator(".sr-badge--synthetic").first).to_be_visible()
    assert tab.errors == []


def test_browser_site_page_in_vietnamese_keeps_its_diacritics(tab: Watched, live_url: str):
    page = open_page(tab, live_url + f"/sites/{UNKNOWN_WASTEWATER}")
    expect(page.locator("#sr-wastewater-no-data")).to_have_text("Chưa có số liệu")
    expect(page.locator(".sr-badge--synthetic").first).to_contain_text(
        "dữ liệu mô phỏng — không phải số liệu thật"
    )
