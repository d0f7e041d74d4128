"""The ways a feature write is refused, each mapped to its problem+json in ``app.errors``."""

from __future__ import annotations

from app.schemas.problem import ProblemLocation


class InvalidFeature(ValueError):
    """The feature's properties are wrong: every problem names its field."""

    def __init__(self, detail: str, errors: list[ProblemLocation]) -> None:
        super().__init__(detail)
        self.errors = errors


class NotEditable(Exception):
    """The collection is read-only through this API (405, with the methods it allows)."""

    def __init__(self, collection_id: str) -> None:
        super().__init__(f"collection '{collection_id}' is not edited through this API")
        self.headers = {"Allow": "GET, HEAD, OPTIONS"}


class PreconditionRequired(Exception):
    """A write to an existing feature named no expected version (428)."""


class PreconditionFailed(Exception):
    """The expected version is not the current one: someone else wrote first (412)."""

    def __init__(self, current: int) -> None:
        super().__init__(
            f"the feature is at version {current}: read it again and re-apply your change"
        )
        self.current = current
        self.headers = {"ETag": f'W/"v{current}"'}


class InvalidReference(ValueError):
    """A property names a site, decision or code that does not exist (or may not be used)."""

    def __init__(self, field: str, detail: str) -> None:
        super().__init__(f"{field}: {detail}")
        self.errors = [ProblemLocation(pointer=f"/properties/{field}", detail=detail)]
