"""History responses: a site's versions, the difference of two, and the registry's change feed."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, Literal

from pydantic import BaseModel, Field


class ChangeAuthor(BaseModel):
    """Who made a change, in which request, on which legal decision, and why."""

    operation: Literal["create", "update", "delete"] | None = Field(
        description="None for versions older than the history (loaded before migration 0020)."
    )
    actor: str | None
    request_id: str | None
    decision_id: int | None = Field(description="/api/v1/decisions/{id}")
    decision_number: str | None
    decision_date: date | None
    reason: str | None
    draft_id: int | None


class SiteVersion(ChangeAuthor):
    """One version of a site: when it was the registry's, who wrote it, its status and area."""

    version: int
    recorded_from: datetime = Field(description="When this version entered the registry.")
    recorded_to: datetime | None = Field(description="When it was replaced (None: current).")
    status: str | None = Field(description="None for a deletion.")
    area_ha: float | None = Field(description="Geodesic area, WGS 84 ellipsoid (ha).")


class SiteHistory(BaseModel):
    """Every version of one site, newest first."""

    code: str
    current_version: int | None = Field(description="None when the site has been deleted.")
    versions: list[SiteVersion]


class AttributeChange(BaseModel):
    """One attribute that differs between two versions."""

    name: str
    old: Any
    new: Any


class VersionDifference(BaseModel):
    """What changed from one version of a site to another: attributes, and ground gained/lost."""

    code: str
    from_version: int
    to_version: int
    changed: list[AttributeChange]
    area_gained_ha: float = Field(description="Geodesic area in `to` but not `from` (ha).")
    area_lost_ha: float = Field(description="Geodesic area in `from` but not `to` (ha).")
    gained: dict[str, Any] | None = Field(description="GeoJSON geometry of the gained ground.")
    lost: dict[str, Any] | None = Field(description="GeoJSON geometry of the lost ground.")


class Change(ChangeAuthor):
    """One created, updated or deleted feature in the registry-wide feed."""

    data_version: int = Field(description="Grows in commit order: the feed's cursor.")
    recorded_at: datetime
    layer: str
    feature_id: int
    code: str | None
    version: int
    href: str | None = Field(description="The feature's history (sites) or OGC item.")


class ChangeFeed(BaseModel):
    """A page of changes in commit order, with the cursor of the next page."""

    changes: list[Change]
    data_version: int = Field(description="The registry's data version when this page was read.")
    next: str | None = Field(description="URL of the next page (after=<last data_version>).")


class RestoreRequest(BaseModel):
    """Which earlier version to restore, why, and (without If-Match) the current version."""

    version: int = Field(ge=1, le=2**31 - 1, description="The earlier version to restore.")
    reason: str = Field(min_length=1, max_length=2000)
    expected_version: int | None = Field(
        default=None, ge=1, le=2**31 - 1, description="The current version (or If-Match)."
    )


class RestoreResult(BaseModel):
    """The new version a restore wrote."""

    code: str
    version: int = Field(description="The new current version.")
    restored_from: int
