"""Reads of the registry as it stood at a recorded time: ``as_of`` parsed, statements adapted.

Migration 0020 gives every versioned table ``<table>_as_of(at timestamptz)``, one SELECT over
the live table and its ``_versions`` twin that the planner inlines. :class:`AsOf` rewrites a
statement built from the catalogue's tables (and aliases of them) so that each reads from its
``_as_of`` function with the time as one bound parameter: the same query, one time predicate,
never a second copy of it.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from typing import Any, Final, cast
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlalchemy.sql import visitors

from app.errors import InvalidParameter
from spatial.versioned import VERSIONED_TABLES

VERSIONED: Final = frozenset(VERSIONED_TABLES)
AS_OF_BIND: Final = "as_of"
VIETNAM: Final = ZoneInfo("Asia/Ho_Chi_Minh")
AS_OF_HELP: Final = (
    "Recorded time (RFC 3339 date or date-time): answer as the registry stood then. A bare "
    "date means the end of that day in Vietnam (Asia/Ho_Chi_Minh); a time without offset is "
    "Vietnam's time; a future time reads as now."
)


def parse_as_of(
    text: str | None, parameter: str = "as_of", *, end_of_day: bool = True
) -> datetime | None:
    """Return ``as_of`` as an aware datetime (None when absent).

    A bare date is the end of that day in Vietnam (the start of it with ``end_of_day`` false).

    Raises:
        InvalidParameter: for text that is neither an ISO date nor an ISO date-time.
    """
    if text is None or text == "":
        return None
    try:
        if len(text) == 10:
            day = date.fromisoformat(text)
            if not end_of_day:
                return datetime.combine(day, time(), VIETNAM)
            return datetime.combine(day + timedelta(days=1), time(), VIETNAM) - timedelta(
                microseconds=1
            )
        value = datetime.fromisoformat(text.replace("z", "Z"))
    except ValueError:
        raise InvalidParameter(
            parameter, f"'{text}' is not an ISO date (YYYY-MM-DD) or date-time"
        ) from None
    return value if value.tzinfo is not None else value.replace(tzinfo=VIETNAM)


def as_of_label(value: datetime) -> str:
    """Return ``value`` as it is shown to people: Vietnam's local time, to the second."""
    return value.astimezone(VIETNAM).strftime("%Y-%m-%d %H:%M:%S %z")


def utc(value: datetime) -> datetime:
    """Return ``value`` in UTC (for stable keys and JSON)."""
    return value.astimezone(UTC)


def as_of_source(table: sa.Table, name: str, at: Any) -> Any:
    """Return ``<table>_as_of(at) AS name``: the rows of ``table`` recorded at ``at``."""
    columns = (sa.column(column.name, column.type) for column in table.columns)
    function = getattr(sa.func, f"{table.name}_as_of")(at)
    return function.table_valued(*columns, name=name)


def as_of_bind(value: datetime | None = None) -> Any:
    """Return the one bound parameter of the recorded time (``as_of``)."""
    return sa.bindparam(AS_OF_BIND, value, sa.DateTime(timezone=True))


class AsOf:
    """Adapts expressions so that each versioned table or alias reads as it stood at a time.

    One instance per statement: the same table (or alias) becomes the same ``_as_of`` source
    in every expression adapted with it, so a statement built from adapted parts is coherent.
    """

    def __init__(self, at: Any) -> None:
        """Adapt to the recorded time ``at`` (a bind or an SQL expression)."""
        self.at = at
        self._sources: dict[Any, Any] = {}

    def source(self, element: Any) -> Any | None:
        """Return the ``_as_of`` source replacing a table or an alias of one, else None."""
        table = element
        if isinstance(element, sa.Alias):
            table = element.element
        if not isinstance(table, sa.Table) or table.name not in VERSIONED:
            return None
        key = id(element)
        if key not in self._sources:
            self._sources[key] = as_of_source(table, element.name, self.at)
        return self._sources[key]

    def _replace(self, element: Any, **_: Any) -> Any | None:
        if isinstance(element, sa.ColumnClause) and element.table is not None:
            source = self.source(element.table)
            return None if source is None else source.c[element.name]
        if isinstance(element, sa.FromClause):
            return self.source(element)
        return None

    def __call__(self, element: Any) -> Any:
        """Return ``element`` with every versioned table and its columns replaced."""
        return visitors.replacement_traverse(
            cast(visitors.ExternallyTraversible, element), {}, self._replace
        )


def adapt_all(adapter: AsOf | None, elements: tuple[Any, ...]) -> tuple[Any, ...]:
    """Return each element adapted (unchanged without an adapter)."""
    if adapter is None:
        return elements
    return tuple(adapter(element) for element in elements)
