"""Web sessions of signed-in people; sign-in attempts name the username and client address.

Schema only. ``auth_events`` gains the kinds ``sign_in_throttled`` and ``sign_out`` (a VARCHAR
with a CHECK, so the check is replaced) and two indexed columns the sign-in throttle counts by.

Revision ID: 0019_web_sessions
Revises: 0018_app_role_privileges
Create Date: 2026-12-07 07:10:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0019_web_sessions"
down_revision: str | None = "0018_app_role_privileges"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

OLD_KINDS = (
    "sign_in_ok",
    "sign_in_failed",
    "token_used",
    "token_created",
    "token_revoked",
    "password_reset",
    "user_disabled",
)
NEW_KINDS = ("sign_in_ok", "sign_in_failed", "sign_in_throttled", "sign_out", *OLD_KINDS[2:])
KIND_CHECK = "ck_auth_events_auth_event_kind"


def _kind_check(kinds: tuple[str, ...]) -> None:
    op.drop_constraint(op.f(KIND_CHECK), "auth_events", type_="check")
    listed = ", ".join(f"'{kind}'" for kind in kinds)
    op.create_check_constraint(op.f(KIND_CHECK), "auth_events", f"kind IN ({listed})")


def _moment(name: str, *, nullable: bool = True) -> sa.Column[object]:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def upgrade() -> None:
    op.create_table(
        "web_sessions",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("csrf_token", sa.String(length=64), nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        _moment("expires_at", nullable=False),
        _moment("last_seen_at", nullable=False),
        _moment("revoked_at"),
        sa.Column("user_agent", sa.Text(), nullable=True),
        sa.Column("client_addr", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_web_sessions_user_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_web_sessions")),
    )
    op.create_index(op.f("ix_web_sessions_user_id"), "web_sessions", ["user_id"])
    op.add_column("auth_events", sa.Column("username", sa.Text(), nullable=True))
    op.add_column("auth_events", sa.Column("client_addr", sa.Text(), nullable=True))
    op.create_index(op.f("ix_auth_events_username"), "auth_events", ["username"])
    op.create_index(op.f("ix_auth_events_client_addr"), "auth_events", ["client_addr"])
    _kind_check(NEW_KINDS)


def downgrade() -> None:
    op.execute(sa.text("DELETE FROM auth_events WHERE kind IN ('sign_in_throttled', 'sign_out')"))
    _kind_check(OLD_KINDS)
    op.drop_index(op.f("ix_auth_events_client_addr"), table_name="auth_events")
    op.drop_index(op.f("ix_auth_events_username"), table_name="auth_events")
    op.drop_column("auth_events", "client_addr")
    op.drop_column("auth_events", "username")
    op.drop_index(op.f("ix_web_sessions_user_id"), table_name="web_sessions")
    op.drop_table("web_sessions")
