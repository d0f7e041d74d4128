"""Engine and session factory; nothing is created at import time."""

from __future__ import annotations

from sqlalchemy import Engine, create_engine
from sqlalchemy.orm import Session, sessionmaker

from app.db.cluster import EmbeddedCluster
from app.settings import Settings


def resolve_database_url(settings: Settings) -> str:
    """Return ``DATABASE_URL`` or the URL of the embedded cluster's database."""
    if settings.database_url:
        return settings.database_url
    return EmbeddedCluster(settings.cluster).url()


def make_engine(url: str, *, pool_size: int = 16, max_overflow: int = 8) -> Engine:
    """Build an engine whose connections run with JIT off.

    PostgreSQL's JIT adds 100+ ms to spatial joins whose row estimates are wrong, and it never
    pays off on the registry's short queries, so every connection disables it.
    """
    return create_engine(
        url,
        pool_pre_ping=True,
        pool_size=pool_size,
        max_overflow=max_overflow,
        connect_args={"options": "-c jit=off"},
    )


def make_session_factory(engine: Engine) -> sessionmaker[Session]:
    """Return the session factory bound to ``engine``."""
    return sessionmaker(bind=engine, expire_on_commit=False)
