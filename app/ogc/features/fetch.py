"""Run the item and export queries of :mod:`app.ogc.features.sql` and return text or records."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from psycopg_pool import AsyncConnectionPool
from sqlalchemy.orm import Session

from app.db.read_pool import AsyncConnection
from app.db.stream import stream_rows
from app.ogc.catalog import Collection
from app.ogc.features import cursor, sql
from app.ogc.features.query import FeatureQuery
from app.repositories import NotFound
from app.repositories.history import data_stamp
from spatial.analysis.prepared import fetch_prepared, fetch_prepared_async

STREAM_BATCH = 2000


@dataclass(frozen=True)
class Page:
    """One page of features as GeoJSON Feature texts, the number matched, and what follows.

    ``matched`` is None when counting would cost more than ``sql.COUNT_CAP`` rows;
    ``next_cursor`` is None on the last page.
    """

    matched: int | None
    features: list[str]
    next_cursor: str | None = None


@dataclass(frozen=True)
class Extent:
    """Spatial (lon/lat degrees) and temporal extent of a collection."""

    bbox: tuple[float, float, float, float] | None
    interval: tuple[date | datetime | None, date | datetime | None] | None


async def fetch_page(pool: AsyncConnectionPool[AsyncConnection], query: FeatureQuery) -> Page:
    """Return one page, its ``next`` cursor and ``numberMatched``, prepared on the read pool.

    One autocommit connection, no session and no BEGIN/ROLLBACK; the SQL is compiled once per
    shape of query (``sql.driver_sql``), which matters most for small pages (bench/README.md).
    The count is skipped when the page is the whole result, and capped otherwise.
    """
    async with pool.connection() as conn:
        rows = await fetch_prepared_async(conn, *sql.driver_sql(query, "items"))
        limit = query.limit if query.limit is not None else len(rows)
        features = [str(row[0]) for row in rows[:limit]]
        following = None
        if len(rows) > limit:
            position = query.position + limit
            following = cursor.encode(query.sortby, str(rows[limit - 1][1]), position)
        if query.after is None and query.position == 0 and following is None:
            return Page(matched=len(features), features=features)  # the whole result
        counted = int((await fetch_prepared_async(conn, *sql.driver_sql(query, "count")))[0][0])
    matched = counted if counted <= sql.COUNT_CAP else None
    return Page(matched=matched, features=features, next_cursor=following)


@dataclass(frozen=True, slots=True)
class FeatureText:
    """One Feature as GeoJSON text, with its registry version (None where layers have none)."""

    text: str
    version: int | None


def _one_feature(rows: list[tuple[Any, ...]], query: FeatureQuery, feature_id: str) -> FeatureText:
    if not rows or rows[0][0] is None:
        raise NotFound(f"feature of collection '{query.collection.id}'", feature_id)
    version = rows[0][1]
    return FeatureText(str(rows[0][0]), None if version is None else int(version))


async def fetch_feature(
    pool: AsyncConnectionPool[AsyncConnection], query: FeatureQuery, feature_id: str
) -> FeatureText:
    """Return one Feature, prepared on the asyncio read pool (see ``fetch_page``).

    Raises:
        NotFound: when the collection has no feature with this id.
    """
    async with pool.connection() as conn:
        rows = await fetch_prepared_async(conn, *sql.feature_driver_sql(query, feature_id))
    return _one_feature(rows, query, feature_id)


def fetch_feature_in_session(session: Session, query: FeatureQuery, feature_id: str) -> FeatureText:
    """Return one Feature on the session's connection: the same prepared SQL as above.

    For synchronous callers (the site page, ``/api/v1/sites/{code}``, writes) holding a session.

    Raises:
        NotFound: when the collection has no feature with this id.
    """
    rows = fetch_prepared(session.connection(), *sql.feature_driver_sql(query, feature_id))
    return _one_feature(rows, query, feature_id)


def stream_features(session: Session, query: FeatureQuery) -> Iterator[list[str]]:
    """Yield Feature texts in batches while PostgreSQL produces them (constant memory).

    The statement runs once on the session's connection in libpq's chunked-rows mode
    (``app.db.stream``): a server-side cursor halved the rate (bench/README.md). If the client
    goes away, psycopg cancels the query when the generator is closed.
    """
    batch: list[str] = []
    for (feature,) in stream_rows(session.connection(), sql.items_select(query), size=STREAM_BATCH):
        batch.append(feature)
        if len(batch) == STREAM_BATCH:
            yield batch
            batch = []
    if batch:
        yield batch


def fetch_rows(session: Session, query: FeatureQuery) -> tuple[list[str], list[tuple[Any, ...]]]:
    """Return the column names and rows of an export (properties plus ``geometry_wkb``)."""
    result = session.execute(sql.export_select(query))
    return list(result.keys()), [tuple(row) for row in result]


def fetch_extent(session: Session, collection: Collection) -> Extent:
    """Return the collection's bbox and, when it has time, its first and last date."""
    row = session.execute(sql.extent_select(collection)).one()
    bbox = None if row[0] is None else (row[0], row[1], row[2], row[3])
    interval = None
    if collection.temporal:
        first, last = session.execute(sql.temporal_extent_select(collection)).one()
        interval = (first, last)
    return Extent(bbox=bbox, interval=interval)


def data_version(session: Session, collection: Collection) -> str:
    """Return a token that changes whenever the collection's rows may have changed.

    Used as the validator of streamed downloads, whose bytes are not known before sending: the
    registry's data version (``registry_state``, moved by every write to a versioned table, in
    any process) and the last demo load (the administrative units are outside the history), in
    one single-row read where counting the layer's rows read all of it.
    """
    return "|".join(str(part) for part in (collection.id, *data_stamp(session)))
