"""RFC 9457 problem details (application/problem+json)."""

from __future__ import annotations

from pydantic import BaseModel, Field


class ProblemLocation(BaseModel):
    """Where one problem is: a JSON pointer, query parameter, feature index or coordinate."""

    pointer: str = Field(examples=["/features/0/geometry/coordinates/0/3"])
    detail: str = Field(examples=["ring self-intersects at (104.1, 22.3)"])


class ProblemDetail(BaseModel):
    """The body of every 4xx and 5xx response."""

    type: str = Field(examples=["/problems/not-found"])
    title: str = Field(examples=["Not found"])
    status: int = Field(examples=[404])
    detail: str = Field(examples=["site 'KCN-XYZ' does not exist"])
    instance: str = Field(examples=["/api/v1/sites/KCN-XYZ"])
    code: str = Field(examples=["not-found"])
    errors: list[ProblemLocation] = Field(default_factory=list)
    request_id: str | None = None


PROBLEM_MEDIA_TYPE = "application/problem+json"


def problem_responses(*statuses: int) -> dict[int | str, dict[str, object]]:
    """Return the OpenAPI ``responses`` entry documenting problem+json for these statuses."""
    return {
        status: {
            "model": ProblemDetail,
            "content": {
                PROBLEM_MEDIA_TYPE: {"schema": {"$ref": "#/components/schemas/ProblemDetail"}}
            },
        }
        for status in statuses
    }
