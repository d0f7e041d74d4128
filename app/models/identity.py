"""Who may write: agencies and their scopes, users, API tokens, and the identity event log.

Scopes are data: an agency row lists the province, the layers (catalogue collection ids such as
``sites`` or ``forest``) and the site kinds it keeps; ``app.access.require_write`` reads them.
Signed-in browsers are ``web_sessions`` rows. Secrets are never stored: passwords as argon2id
hashes, tokens and session secrets as SHA-256 digests (``app.services.identity``).
"""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.orm import Mapped, mapped_column

from app.db.base import Base
from app.models.common import enum_type
from app.models.enums import AuthEventKind, Role, SiteKind

KNOWN_SITE_KINDS = ", ".join(f"'{kind.value}'" for kind in SiteKind)


class Agency(Base):
    """A provincial agency that keeps some layers and site kinds of one province."""

    __tablename__ = "agencies"
    # A misspelt kind would silently deny its editors: only the registry's kinds are accepted.
    __table_args__ = (
        sa.CheckConstraint(f"site_kinds <@ ARRAY[{KNOWN_SITE_KINDS}]::text[]", name="known_kinds"),
        sa.CheckConstraint(
            "approval_for <@ ARRAY['geometry', 'status', 'create', 'delete', 'attributes']",
            name="known_approvals",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(sa.String(32), unique=True)
    name: Mapped[str] = mapped_column(sa.Text)
    province: Mapped[str] = mapped_column(sa.Text)
    layers: Mapped[list[str]] = mapped_column(ARRAY(sa.Text), server_default="{}")
    site_kinds: Mapped[list[str]] = mapped_column(ARRAY(sa.Text), server_default="{}")
    # What of an editor's change waits for an approver (migration 0022); approvers and admins
    # write directly.
    approval_for: Mapped[list[str]] = mapped_column(
        ARRAY(sa.Text), server_default="{geometry,status}"
    )


class User(Base):
    """A person or a portal's service account; editors and approvers belong to an agency."""

    __tablename__ = "users"
    __table_args__ = (
        sa.CheckConstraint(
            "role IN ('viewer', 'admin') OR agency_id IS NOT NULL", name="scoped_role_has_agency"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(sa.String(64), unique=True)
    display_name: Mapped[str | None] = mapped_column(sa.Text)
    password_hash: Mapped[str] = mapped_column(sa.Text)
    role: Mapped[Role] = mapped_column(enum_type(Role, "user_role"))
    agency_id: Mapped[int | None] = mapped_column(sa.ForeignKey("agencies.id"), index=True)
    disabled: Mapped[bool] = mapped_column(sa.Boolean, server_default=sa.false())
    created_at: Mapped[datetime] = mapped_column(
        sa.DateTime(timezone=True), server_default=sa.func.now()
    )


class ApiToken(Base):
    """A bearer token of a user: only its SHA-256 digest and a short prefix are kept."""

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"), index=True)
    name: Mapped[str] = mapped_column(sa.Text)
    # Hex SHA-256 of the whole token; the unique index is the lookup of every authenticated call.
    token_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    prefix: Mapped[str] = mapped_column(sa.String(16))
    created_at: Mapped[datetime] = mapped_column(
        sa.DateTime(timezone=True), server_default=sa.func.now()
    )
    expires_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True))
    revoked_at: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True))
    last_used_at: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True))


class AuthEvent(Base):
    """One identity event: a sign-in, a token's use or lifecycle, a user change."""

    __tablename__ = "auth_events"

    id: Mapped[int] = mapped_column(sa.BigInteger, primary_key=True)
    at: Mapped[datetime] = mapped_column(
        sa.DateTime(timezone=True), server_default=sa.func.now(), index=True
    )
    user_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"), index=True)
    token_id: Mapped[int | None] = mapped_column(sa.ForeignKey("api_tokens.id"))
    kind: Mapped[AuthEventKind] = mapped_column(enum_type(AuthEventKind, "auth_event_kind"))
    request_id: Mapped[str | None] = mapped_column(sa.Text)
    # The name typed and the client's address of a sign-in attempt: the throttle counts the
    # failures of either, known user or not, across every server process.
    username: Mapped[str | None] = mapped_column(sa.Text, index=True)
    client_addr: Mapped[str | None] = mapped_column(sa.Text, index=True)


class WebSession(Base):
    """A signed-in browser: the cookie holds a random secret, the row only its SHA-256."""

    __tablename__ = "web_sessions"

    # Hex SHA-256 of the cookie's secret: a stolen table does not sign anyone in.
    id: Mapped[str] = mapped_column(sa.String(64), primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"), index=True)
    # The synchronizer token of CSRF: sent back in X-CSRF-Token; alone it grants nothing.
    csrf_token: Mapped[str] = mapped_column(sa.String(64))
    created_at: Mapped[datetime] = mapped_column(
        sa.DateTime(timezone=True), server_default=sa.func.now()
    )
    expires_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True))
    last_seen_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True))
    revoked_at: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True))
    user_agent: Mapped[str | None] = mapped_column(sa.Text)
    client_addr: Mapped[str | None] = mapped_column(sa.Text)
