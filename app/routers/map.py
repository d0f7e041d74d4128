"""The planners' pages: the registry map, one site, the boundary check and the plan dashboard.

Every page is Vietnamese by default; ``?lang=en`` switches it to English. The pages load no
asset from the internet: Leaflet and its plugins come from ``/static/vendor``.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse

from app.access import Caller
from app.deps import AsOfDep, SessionDep, SettingsDep, ViewerDep
from app.map import page
from app.map.i18n import parse_lang
from app.map.render import PageContext
from app.repositories.as_of import VIETNAM
from app.schemas.problem import problem_responses
from app.services import dashboard, site_page

router = APIRouter(tags=["pages"], include_in_schema=False, default_response_class=HTMLResponse)

LangQuery = Annotated[str | None, Query(description="Page language: vi (default) or en.")]


def page_context(
    request: Request, name: str, lang: str | None, viewer: Caller | None = None
) -> PageContext:
    """Return the context of a page: its language, name, path and who is signed in."""
    user = (viewer.display_name or viewer.username) if viewer else None
    return PageContext(
        lang=parse_lang(lang),
        page=name,
        path=request.url.path,
        user=user,
        csrf_token=viewer.csrf_token if viewer else None,
        role=viewer.role.value if viewer and viewer.role else None,
    )


@router.get("/", summary="Registry map")
def home(
    request: Request, settings: SettingsDep, viewer: ViewerDep, lang: LangQuery = None
) -> HTMLResponse:
    """Return the map of every site with forest land, protected areas, parcels and units."""
    return HTMLResponse(page.home_page(settings, page_context(request, "home", lang, viewer)))


@router.get("/sites/{code}", summary="One site", responses=problem_responses(404))
def site(
    request: Request,
    code: str,
    session: SessionDep,
    settings: SettingsDep,
    viewer: ViewerDep,
    as_of: AsOfDep,
    lang: LangQuery = None,
) -> HTMLResponse:
    """Return one site's page: map, facts, forest overlap, clearance and downloads.

    ``as_of`` shows the site as the registry recorded it then, under a banner saying so.
    """
    day = as_of.astimezone(VIETNAM).date() if as_of else date.today()
    facts = site_page.facts(session, code, as_of=day, recorded_at=as_of)
    context = page_context(request, "site", lang, viewer)
    return HTMLResponse(page.site_page(settings, context, facts))


@router.get("/check", summary="Check a proposed boundary")
def check(
    request: Request, settings: SettingsDep, viewer: ViewerDep, lang: LangQuery = None
) -> HTMLResponse:
    """Return the page that checks a drawn or uploaded boundary with the analysis API."""
    return HTMLResponse(page.check_page(settings, page_context(request, "check", lang, viewer)))


@router.get("/drafts", summary="Pending drafts")
def drafts(
    request: Request, settings: SettingsDep, viewer: ViewerDep, lang: LangQuery = None
) -> HTMLResponse:
    """Return the page listing the pending drafts, with their previews, for approvers."""
    return HTMLResponse(page.drafts_page(settings, page_context(request, "drafts", lang, viewer)))


@router.get("/import", summary="Import official layers")
def import_layers(request: Request, viewer: ViewerDep, lang: LangQuery = None) -> HTMLResponse:
    """Return the page that uploads an official layer file as an import job and follows it."""
    return HTMLResponse(page.import_page(page_context(request, "import", lang, viewer)))


@router.get("/dashboard", summary="Plan targets")
def plan_dashboard(
    request: Request,
    session: SessionDep,
    viewer: ViewerDep,
    lang: LangQuery = None,
    as_of: Annotated[date | None, Query(description="Report date (default: today).")] = None,
) -> HTMLResponse:
    """Return the plan targets against the figures computed from the registry."""
    figures = dashboard.build(session, as_of=as_of or date.today())
    context = page_context(request, "dashboard", lang, viewer)
    return HTMLResponse(page.dashboard_page(context, figures))
