"""Identity schema: agencies (their scopes as data), users, API tokens, identity events.

Schema only; the agencies of Lào Cai and Lai Châu are seeded by the next revision.

Revision ID: 0016_identity
Revises: 0015_legal_decisions
Create Date: 2026-12-07 06:40:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0016_identity"
down_revision: str | None = "0015_legal_decisions"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ROLES = ("viewer", "editor", "approver", "admin")
SITE_KINDS = ("industrial_zone", "industrial_cluster", "mining_site", "relocation_area")
KNOWN_SITE_KINDS = ", ".join(f"'{kind}'" for kind in SITE_KINDS)
EVENT_KINDS = (
    "sign_in_ok",
    "sign_in_failed",
    "token_used",
    "token_created",
    "token_revoked",
    "password_reset",
    "user_disabled",
)


def _enum(values: tuple[str, ...], name: str) -> sa.Enum:
    return sa.Enum(*values, name=name, native_enum=False, create_constraint=True, length=32)


def _moment(name: str, *, nullable: bool = True, now: bool = False) -> sa.Column[object]:
    default = sa.text("now()") if now else None
    return sa.Column(
        name, sa.DateTime(timezone=True), server_default=default, nullable=nullable and not now
    )


def upgrade() -> None:
    op.create_table(
        "agencies",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=32), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("province", sa.Text(), nullable=False),
        sa.Column("layers", postgresql.ARRAY(sa.Text()), server_default="{}", nullable=False),
        sa.Column("site_kinds", postgresql.ARRAY(sa.Text()), server_default="{}", nullable=False),
        sa.CheckConstraint(
            f"site_kinds <@ ARRAY[{KNOWN_SITE_KINDS}]::text[]", name=op.f("ck_agencies_known_kinds")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_agencies")),
        sa.UniqueConstraint("code", name=op.f("uq_agencies_code")),
    )
    op.create_table(
        "users",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("username", sa.String(length=64), nullable=False),
        sa.Column("display_name", sa.Text(), nullable=True),
        sa.Column("password_hash", sa.Text(), nullable=False),
        sa.Column("role", _enum(ROLES, "user_role"), nullable=False),
        sa.Column("agency_id", sa.Integer(), nullable=True),
        sa.Column("disabled", sa.Boolean(), server_default=sa.false(), nullable=False),
        _moment("created_at", now=True),
        sa.CheckConstraint(
            "role IN ('viewer', 'admin') OR agency_id IS NOT NULL",
            name=op.f("ck_users_scoped_role_has_agency"),
        ),
        sa.ForeignKeyConstraint(
            ["agency_id"], ["agencies.id"], name=op.f("fk_users_agency_id_agencies")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_users")),
        sa.UniqueConstraint("username", name=op.f("uq_users_username")),
    )
    op.create_index(op.f("ix_users_agency_id"), "users", ["agency_id"])
    op.create_table(
        "api_tokens",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("prefix", sa.String(length=16), nullable=False),
        _moment("created_at", now=True),
        _moment("expires_at", nullable=False),
        _moment("revoked_at"),
        _moment("last_used_at"),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_api_tokens_user_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_api_tokens")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_api_tokens_token_hash")),
    )
    op.create_index(op.f("ix_api_tokens_user_id"), "api_tokens", ["user_id"])
    op.create_table(
        "auth_events",
        sa.Column("id", sa.BigInteger(), nullable=False),
        _moment("at", now=True),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("token_id", sa.Integer(), nullable=True),
        sa.Column("kind", _enum(EVENT_KINDS, "auth_event_kind"), nullable=False),
        sa.Column("request_id", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["token_id"], ["api_tokens.id"], name=op.f("fk_auth_events_token_id_api_tokens")
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_auth_events_user_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_auth_events")),
    )
    op.create_index(op.f("ix_auth_events_at"), "auth_events", ["at"])
    op.create_index(op.f("ix_auth_events_user_id"), "auth_events", ["user_id"])


def downgrade() -> None:
    op.drop_index(op.f("ix_auth_events_user_id"), table_name="auth_events")
    op.drop_index(op.f("ix_auth_events_at"), table_name="auth_events")
    op.drop_table("auth_events")
    op.drop_index(op.f("ix_api_tokens_user_id"), table_name="api_tokens")
    op.drop_table("api_tokens")
    op.drop_index(op.f("ix_users_agency_id"), table_name="users")
    op.drop_table("users")
    op.drop_table("agencies")
