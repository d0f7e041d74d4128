"""The /check page's report downloads in real headless Chromium (see conftest.py)."""

import io
from pathlib import Path

from browser import Watched, open_page
from pypdf import PdfReader

FIXTURE = Path(__file__).parents[2] / "fixtures" / "map" / "proposal_tang_loong.geojson"
NAME = "Mở rộng KCN Tằng Loỏng"


def _check_upload(tab: Watched, url: str):
    page = open_page(tab, url)
    assert page.locator("#sr-check-downloads").is_hidden()
    page.fill("#sr-name", NAME)
    page.set_input_files("#sr-file", str(FIXTURE))
    page.click("#sr-upload button[type=submit]")
    page.wait_for_selector("html[data-sr-checked=true]", state="attached")
    return page


def test_browser_check_downloads_the_pdf_report_with_its_name(tab: Watched, live_url: str):
    page = _check_upload(tab, live_url + "/check")
    button = page.locator("[data-sr-report=pdf]")
    assert button.inner_text() == "Tải báo cáo PDF"
    with page.expect_download() as info:
        button.click()
    download = info.value
    assert download.suggested_filename.endswith(".pdf")
    text = "\n".join(
        p.extract_text() for p in PdfReader(io.BytesIO(Path(download.path()).read_bytes())).pages
    )
    assert NAME in text and "Bảng toạ độ đỉnh VN-2000" in text
    assert tab.errors == []


def test_browser_check_downloads_the_csv_report_in_english(tab: Watched, live_url: str):
    page = _check_upload(tab, live_url + "/check?lang=en")
    button = page.locator("[data-sr-report=csv]")
    assert button.inner_text() == "Download the CSV table"
    with page.expect_download() as info:
        button.click()
    text = Path(info.value.path()).read_text(encoding="utf-8-sig")
    assert text.startswith("section,code,label,value,unit,x_north_m,y_east_m")
    assert f"proposal,name,Proposal name,{NAME}" in text
    tab.screenshot("check-downloads-en")
    assert tab.errors == []
