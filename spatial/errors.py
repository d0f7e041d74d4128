"""Domain errors of spatial input; they know nothing about HTTP."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Problem:
    """One located problem: where (a JSON pointer, feature index or coordinate) and what."""

    pointer: str
    detail: str


MAX_PROBLEMS = 50
"""Readers keep this many located problems and count the rest (an error body stays small)."""


@dataclass
class SpatialError(Exception):
    """Base class: a message for people and the list of located problems."""

    detail: str
    errors: list[Problem] = field(default_factory=list)
    found: int | None = None
    """How many problems were found, when ``errors`` keeps only the first ``MAX_PROBLEMS``."""

    def __str__(self) -> str:
        return self.detail


class InvalidGeometry(SpatialError):
    """A geometry is malformed, self-intersecting, empty or of the wrong type."""


class UnknownCRS(SpatialError):
    """A CRS is missing, unknown, or does not fit the coordinates."""


class OutsideVietnam(SpatialError):
    """Coordinates fall outside Vietnam's extent."""


class UnreadableFile(SpatialError):
    """An uploaded or imported file cannot be read."""


class UnsupportedFormat(SpatialError):
    """A file format sitereg does not read."""


class TooLarge(SpatialError):
    """An upload exceeds the size limit."""
