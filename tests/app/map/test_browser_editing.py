"""Editing on the site page in headless Chromium: edit, preview, draft, approve, history.

The live server commits to the session's test database, so the site and the people of these
tests are made here under their own codes and removed afterwards, with every row they left.
"""

import json
import re
import secrets
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
import sqlalchemy as sa
from browser import Watched, open_page
from factories import make_site, square
from geodesic import geodesic_ha
from playwright.sync_api import Page, expect
from shapely.geometry import mapping, shape
from sqlalchemy.orm import Session

from app.db.engine import make_engine
from app.models import Draft, RegistryChange, Site
from app.models.enums import Role
from app.models.identity import AuthEvent, User, WebSession
from app.services import identity
from app.services.change_context import ChangeContext, record_context

PASSWORD = "mật khẩu đủ dài 2026"
AGENCY = "LC-BQL-KCN"  # Lào Cai's industrial-zone authority: outlines need its approval
# A small square in Lào Cai (degrees); the edit moves it east, so area is gained and lost.
CORNER = (104.02, 22.40)
SIZE = 0.01
SHIFT = 0.004


@dataclass(frozen=True)
class Cast:
    """The site and the people of one test."""

    code: str
    editor: str
    approver: str


def _remove(owner: sa.Engine, cast: Cast) -> None:
    """Remove the site, its versions and feed rows, its drafts and the people (as the owner:
    the server's role may not rewrite history)."""
    users = [cast.editor, cast.approver]
    with owner.begin() as conn:
        ids = sa.select(User.id).where(User.username.in_(users)).scalar_subquery()
        conn.execute(sa.delete(Draft).where(Draft.code == cast.code))
        record_context(Session(bind=conn), ChangeContext(actor="browser test"))
        conn.execute(sa.delete(Site).where(Site.code == cast.code))
        conn.execute(sa.text("DELETE FROM sites_versions WHERE code = :code"), {"code": cast.code})
        conn.execute(sa.delete(RegistryChange).where(RegistryChange.code == cast.code))
        conn.execute(sa.delete(WebSession).where(WebSession.user_id.in_(ids)))
        conn.execute(sa.delete(AuthEvent).where(AuthEvent.user_id.in_(ids)))
        conn.execute(sa.delete(AuthEvent).where(AuthEvent.username.in_(users)))
        conn.execute(sa.delete(User).where(User.username.in_(users)))


@pytest.fixture(scope="module")
def owner(owner_database_url: str) -> Iterator[sa.Engine]:
    """The test database's owner, who may remove what the tests' writes left in the history."""
    engine = make_engine(owner_database_url)
    yield engine
    engine.dispose()


@pytest.fixture
def cast(engine: sa.Engine, owner: sa.Engine) -> Iterator[Cast]:
    """A KCN of Lào Cai, an editor and an approver of its agency, all committed."""
    tag = secrets.token_hex(3)
    made = Cast(f"KCN-E2E-{tag}", f"bien_tap_{tag}", f"phe_duyet_{tag}")
    try:
        with Session(engine) as session:
            record_context(session, ChangeContext(actor="browser test"))
            make_site(
                session, made.code, square(*CORNER, SIZE), kind="industrial_zone", status="planned"
            )
            session.commit()
            for name, role in ((made.editor, Role.EDITOR), (made.approver, Role.APPROVER)):
                identity.create_user(
                    session, name, password=PASSWORD, role=role, agency_code=AGENCY
                )
        yield made
    finally:
        _remove(owner, made)


# A write from the same session behind the form's back (another tab, say).
STRANGER_SAVES = """async ([url, etag]) => {
  const me = await (await fetch("/api/v1/me")).json();
  const headers = {"Content-Type": "application/merge-patch+json", "If-Match": etag,
                   "X-CSRF-Token": me.csrf_token};
  const body = JSON.stringify({properties: {qa_flags: "checked elsewhere"}});
  const answer = await fetch(url, {method: "PATCH", headers, body});
  if (answer.status !== 200) throw new Error("stranger's save: " + answer.status);
}"""


def _sign_in(tab: Watched, live_url: str, username: str, path: str) -> Page:
    page = tab.page
    page.goto(f"{live_url}/sign-in?next={path}")
    page.fill("#username", username)
    page.fill("#password", PASSWORD)
    page.click("main button[type=submit]")
    page.wait_for_url(live_url + path)
    return open_page(tab, live_url + path)


def _edit_by_upload(page: Page, boundary: Path) -> None:
    page.click("#sr-edit-open")
    page.wait_for_selector("#sr-edit:not([hidden])")
    page.fill("#sr-f-occupancy_rate_pct", "42.5")
    page.set_input_files("#sr-edit-file", str(boundary))
    page.click("#sr-edit-upload")
    # expect() waits without evaluating a string in the page (the CSP forbids eval).
    expect(page.locator("#sr-edit-geometry")).to_contain_text("boundary.geojson")
    page.fill("#sr-reason", "Điều chỉnh ranh giới theo đo đạc")


def _site_outline(page: Page) -> str:
    return page.locator("path.sr-site").first.get_attribute("d") or ""


def test_browser_edit_preview_draft_approve_and_history(
    tab: Watched, live_url: str, cast: Cast, tmp_path: Path
):
    new = square(CORNER[0] + SHIFT, CORNER[1], SIZE)
    boundary = tmp_path / "boundary.geojson"
    boundary.write_text(json.dumps({"type": "Feature", "properties": {}, "geometry": mapping(new)}))
    site_path = f"/sites/{cast.code}"

    page = _sign_in(tab, live_url, cast.editor, site_path)
    assert page.locator("#sr-drafts").count() == 0  # editors send drafts, they do not review
    _edit_by_upload(page, boundary)
    page.click("#sr-edit-preview")
    page.wait_for_selector("html[data-sr-previewed=true]", state="attached")
    assert page.locator("path.sr-gained").count() > 0
    assert page.locator("path.sr-lost").count() > 0
    shown = re.search(r"\+([\d.]+,\d\d) ha", page.locator("#sr-preview").inner_text())
    assert shown is not None
    gained_ha = geodesic_ha(new.difference(square(*CORNER, SIZE)))
    assert float(shown.group(1).replace(".", "").replace(",", ".")) == pytest.approx(
        gained_ha, 0.005
    )
    tab.screenshot("edit-preview")
    page.click("#sr-edit-save")
    page.wait_for_selector("html[data-sr-saved=draft]", state="attached")
    assert "chờ phê duyệt" in page.locator("#sr-edit-message").inner_text()
    page.click(".sr-account button")
    page.wait_for_url(live_url + "/")

    page = _sign_in(tab, live_url, cast.approver, "/drafts")
    listed = page.locator(".sr-draft", has_text=cast.code)
    listed.locator("button[data-action=preview]").click()
    page.wait_for_selector("html[data-sr-draft-previewed]", state="attached")
    assert page.locator("path.sr-gained").count() > 0
    tab.screenshot("drafts-page")
    listed.locator(f"a[href='/sites/{cast.code}']").click()
    page.wait_for_url(live_url + site_path)
    page.wait_for_selector("html[data-sr-ready=true]", state="attached")
    before = _site_outline(page)
    draft = page.locator("#sr-drafts .sr-draft")
    assert draft.count() == 1 and cast.editor in draft.inner_text()
    draft.locator("button[data-action=preview]").click()
    page.wait_for_selector("html[data-sr-draft-previewed]", state="attached")
    assert page.locator("path.sr-gained").count() > 0
    draft.locator("button[data-action=approve]").click()
    page.wait_for_selector("html[data-sr-draft-done]", state="attached")
    page.wait_for_selector("html[data-sr-refreshed]", state="attached")
    assert _site_outline(page) != before
    tab.screenshot("edit-approved")

    page.click("#sr-tab-history-button")
    page.wait_for_selector("html[data-sr-history='2']", state="attached")
    newest = page.locator(".sr-history tbody tr").first
    assert newest.get_attribute("data-version") == "2" and cast.approver in newest.inner_text()
    page.click(".sr-history tr[data-version='1'] button")
    page.wait_for_selector("html[data-sr-version-shown='1']", state="attached")
    assert page.locator("path.sr-version").count() == 1
    assert _site_outline(page) != before  # the current outline stays beside the old one
    tab.screenshot("edit-history")

    site = httpx.get(f"{live_url}/api/v1/sites/{cast.code}", headers={"Cache-Control": "no-cache"})
    assert site.json()["properties"]["version"] == 2
    assert site.json()["properties"]["occupancy_rate_pct"] == 42.5
    assert shape(site.json()["geometry"]).symmetric_difference(new).area < 1e-9
    assert tab.errors == []
    assert tab.outside(live_url) == []


def test_browser_approver_draws_a_boundary_and_saves_it_directly(
    tab: Watched, live_url: str, cast: Cast
):
    page = _sign_in(tab, live_url, cast.approver, f"/sites/{cast.code}")
    before = _site_outline(page)
    page.click("#sr-edit-open")
    page.fill("#sr-f-occupancy_rate_pct", "150")  # over 100 %: the API names the property
    page.click("#sr-edit-save")
    page.wait_for_selector("#sr-f-occupancy_rate_pct.sr-invalid")
    assert "occupancy_rate_pct" in page.locator("#sr-edit-message").inner_text()
    page.fill("#sr-f-occupancy_rate_pct", "")
    page.click(".leaflet-draw-draw-rectangle")
    box = page.locator(".folium-map").bounding_box()
    assert box is not None
    x, y = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
    page.mouse.move(x - 60, y - 40)
    page.mouse.down()
    page.mouse.move(x + 220, y + 90, steps=5)
    page.mouse.up()
    expect(page.locator("#sr-edit-geometry")).to_contain_text("vẽ trên bản đồ", timeout=5000)
    page.click("#sr-edit-preview")
    page.wait_for_selector("html[data-sr-previewed=true]", state="attached")
    assert page.locator("path.sr-gained").count() > 0 and page.locator("path.sr-lost").count() > 0
    page.click("#sr-edit-save")
    page.wait_for_selector("html[data-sr-saved=saved]", state="attached")
    assert "Đã lưu" in page.locator("#sr-edit-message").inner_text()
    page.wait_for_selector("html[data-sr-refreshed]", state="attached")
    assert _site_outline(page) != before
    site = httpx.get(f"{live_url}/api/v1/sites/{cast.code}").json()
    assert site["properties"]["version"] == 2
    tab.screenshot("edit-drawn-saved")

    # Someone else saves meanwhile: the next save is a 412 and the page offers to reload.
    page.evaluate(STRANGER_SAVES, [f"/ogc/collections/sites/items/{cast.code}", 'W/"v2"'])
    page.fill("#sr-reason", "Sửa tên")
    page.fill("#sr-f-name", "Tên mới")
    page.click("#sr-edit-save")
    page.wait_for_selector("#sr-edit-reload")
    failed = [error for error in tab.errors if "Failed to load resource" in error]
    assert len(failed) == 2 and "400" in failed[0] and "412" in failed[1]  # as provoked
    assert [error for error in tab.errors if error not in failed] == []
