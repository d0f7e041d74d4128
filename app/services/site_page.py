"""The facts of one site's page: the site, its forest overlap and its clearance today."""

from __future__ import annotations

from datetime import date

from sqlalchemy.orm import Session

from app.schemas.site import SiteFacts
from app.services import reports, sites


def facts(session: Session, code: str, *, as_of: date) -> SiteFacts:
    """Return one site's facts, geodesic forest overlap and clearance on ``as_of``.

    Raises:
        NotFound: when no site has this code.
    """
    return SiteFacts(
        site=sites.site_item(session, code).feature(),
        forest=reports.site_forest_overlap(session, code, area="geodesic"),
        clearance=reports.site_clearance(session, code, as_of=as_of),
    )
