"""The facts of one site's page: the site, its forest overlap and its clearance today."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy.orm import Session

from app.schemas.site import SiteFacts
from app.services import reports, sites


def facts(
    session: Session, code: str, *, as_of: date, recorded_at: datetime | None = None
) -> SiteFacts:
    """Return one site's facts, geodesic forest overlap and clearance on ``as_of``.

    With ``recorded_at``, all of them as the registry recorded them at that time.

    Raises:
        NotFound: when no site has this code (had it at ``recorded_at``).
    """
    return SiteFacts(
        site=sites.site_item(session, code, as_of=recorded_at).feature(),
        forest=reports.site_forest_overlap(session, code, area="geodesic", as_of=recorded_at),
        clearance=reports.site_clearance(session, code, as_of=as_of, recorded_at=recorded_at),
        as_of=recorded_at,
    )
