"""The edit tools, drafts and history of the pages, rendered without a browser."""

from datetime import UTC, date, datetime

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from app.map import edit_form, page
from app.map.i18n import TEXTS
from app.map.render import PageContext
from app.models.enums import SiteKind
from app.services import site_page
from app.services.write_specs import SiteProperties
from app.settings import Settings

SITE = "KCN-TANG-LOONG"


def _site_html(
    settings: Settings, session: Session, role: str | None, recorded_at: datetime | None = None
) -> str:
    facts = site_page.facts(session, SITE, as_of=date.today(), recorded_at=recorded_at)
    context = PageContext(lang="vi", page="site", path=f"/sites/{SITE}", user="u", role=role)
    return page.site_page(settings, context, facts)


@pytest.mark.parametrize("kind", list(SiteKind))
def test_edit_form_names_only_writable_site_properties(kind: SiteKind):
    names = [field.name for field in edit_form.fields(kind)]
    assert names and len(names) == len(set(names))
    assert set(names) <= SiteProperties.model_fields.keys()


def test_edit_form_shows_each_kind_its_own_details():
    mine = {field.name for field in edit_form.fields(SiteKind.MINING_SITE)}
    zone = {field.name for field in edit_form.fields(SiteKind.INDUSTRIAL_ZONE)}
    assert "licence_status" in mine and "occupancy_rate_pct" not in mine
    assert "occupancy_rate_pct" in zone and "households_planned" not in zone


def test_pages_site_shows_anonymous_readers_no_edit_tools_but_the_history_tab(client: TestClient):
    text = client.get(f"/sites/{SITE}").text
    assert 'id="sr-edit"' not in text and 'id="sr-drafts"' not in text
    assert 'data-tab="history"' in text and TEXTS["tab.history"].vi in text
    assert (
        "/static/map/history.js" in text and "/static/vendor/leaflet-draw/leaflet.draw.js" in text
    )


@pytest.mark.parametrize("role", [None, "viewer"])
def test_pages_site_gives_readers_no_edit_form(
    test_settings: Settings, db_session: Session, role: str | None
):
    text = _site_html(test_settings, db_session, role)
    assert 'id="sr-edit"' not in text and 'id="sr-drafts"' not in text


def test_pages_site_gives_editors_the_form_of_its_kind_hidden_until_me_agrees(
    test_settings: Settings, db_session: Session
):
    text = _site_html(test_settings, db_session, "editor")
    assert '<form id="sr-edit" class="sr-form sr-edit sr-noprint" hidden' in text
    assert 'name="occupancy_rate_pct"' in text and 'name="mineral"' not in text
    assert 'id="sr-edit-file"' in text and 'name="change_decision_id"' in text
    assert 'id="sr-drafts"' not in text  # editors send drafts; approvers review them
    assert f'"/ogc/collections/sites/items/{SITE}"' in text


def test_pages_site_gives_approvers_the_pending_drafts(
    test_settings: Settings, db_session: Session
):
    text = _site_html(test_settings, db_session, "approver")
    assert 'id="sr-drafts"' in text and 'id="sr-edit"' in text
    assert f'href="/drafts">{TEXTS["nav.drafts"].vi}</a>' in text


@pytest.mark.parametrize("lang", ["vi", "en"])
def test_pages_drafts_page_renders_for_anyone(client: TestClient, lang: str):
    response = client.get("/drafts", params={"lang": lang})
    assert response.status_code == 200
    assert getattr(TEXTS["page.drafts"], lang) in response.text
    assert "/static/map/drafts.js" in response.text and "http://" not in response.text
    assert getattr(TEXTS["nav.drafts"], lang) + "</a>" not in response.text  # approvers' link


def test_pages_site_of_the_past_is_read_only_even_for_approvers(
    test_settings: Settings, db_session: Session
):
    text = _site_html(test_settings, db_session, "approver", datetime.now(UTC))
    assert 'id="sr-edit"' not in text and 'id="sr-drafts"' not in text
