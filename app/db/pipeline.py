"""Send several statements in one round trip: psycopg's pipeline mode beneath a session.

A write's last steps (who made it, the row, its details, the answer read back) need no result
until the answer: in pipeline mode psycopg sends them together and waits once, where one by one
each waits for its own reply (bench/writes.py). SQLAlchemy does not know of the pipeline, so
inside it a statement run through the session must not have its result read (SQLAlchemy would
see none); the one result needed is fetched on the driver connection (``fetch_prepared``), which
waits for everything sent before it. An error in any of them is raised there, as psycopg's.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, cast

import psycopg
from sqlalchemy.orm import Session


@contextmanager
def one_round_trip(session: Session) -> Iterator[None]:
    """Pipeline the statements run on ``session`` inside the block (see the module docstring)."""
    raw = cast(
        "psycopg.Connection[tuple[Any, ...]]", session.connection().connection.dbapi_connection
    )
    with raw.pipeline():
        yield
