"""Site clearance (giải phóng mặt bằng) progress as of a date, from the parcels' status history."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy import Connection

from spatial.analysis._sql import TEXT_ARRAY, recorded_params, statement


@dataclass(frozen=True)
class ClearanceRow:
    """Hectares of one site's parcels in one clearance status on the report date."""

    site_code: str
    site_name: str
    kind: str
    planned_area_ha: float | None
    status: str
    area_ha: float
    parcels: int


def run(
    conn: Connection,
    *,
    as_of: date,
    site_codes: Sequence[str] | None = None,
    recorded_at: datetime | None = None,
) -> list[ClearanceRow]:
    """Return clearance hectares per site and status on ``as_of`` (geodesic WGS 84 ha).

    ``as_of`` is the date of the parcels' statuses; ``recorded_at`` reads the parcels and
    sites as the registry recorded them then (None: now).
    """
    query = statement(
        "clearance_progress",
        recorded=recorded_at is not None,
        as_of=sa.Date,
        site_codes=TEXT_ARRAY,
    )
    params = {"as_of": as_of, "site_codes": list(site_codes) if site_codes is not None else None}
    return [ClearanceRow(*row) for row in conn.execute(query, recorded_params(params, recorded_at))]
