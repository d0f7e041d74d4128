"""Approval: an editor's change is a draft until an approver accepts it (where agencies say so).

``agencies.approval_for`` lists what of an editor's change needs a second person: ``geometry``
(a new outline) and ``status`` by default (issue 15), ``create``, ``delete`` and
``attributes`` on request. ``drafts`` keeps the change as sent, who sent it and on which
version, and who approved or rejected it; the approved write's feed row names the draft.

Revision ID: 0022_drafts
Revises: 0021_registry_versions
Create Date: 2026-12-07 08:30:00
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0022_drafts"
down_revision: str | None = "0021_registry_versions"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.execute(
        """
        ALTER TABLE agencies ADD COLUMN approval_for text[] NOT NULL
            DEFAULT '{geometry,status}',
            ADD CONSTRAINT ck_agencies_known_approvals CHECK (
                approval_for <@ ARRAY['geometry', 'status', 'create', 'delete', 'attributes']
            );
        CREATE TABLE drafts (
            id bigserial CONSTRAINT pk_drafts PRIMARY KEY,
            collection text NOT NULL,
            layer text NOT NULL,
            code text NOT NULL,
            operation text NOT NULL CONSTRAINT ck_drafts_operation
                CHECK (operation IN ('create', 'replace', 'update', 'delete')),
            base_version integer,
            body jsonb NOT NULL,
            content_crs text,
            repair boolean NOT NULL DEFAULT false,
            needs text[] NOT NULL,
            author_id integer NOT NULL CONSTRAINT fk_drafts_author_id_users REFERENCES users (id),
            request_id text,
            created_at timestamptz NOT NULL DEFAULT now(),
            status text NOT NULL DEFAULT 'pending' CONSTRAINT ck_drafts_status
                CHECK (status IN ('pending', 'approved', 'rejected')),
            reviewer_id integer CONSTRAINT fk_drafts_reviewer_id_users REFERENCES users (id),
            reviewed_at timestamptz,
            review_reason text,
            result_version integer
        );
        CREATE INDEX ix_drafts_status ON drafts (status);
        CREATE INDEX ix_drafts_code ON drafts (code);
        """
    )


def downgrade() -> None:
    op.execute("DROP TABLE IF EXISTS drafts")
    op.execute(
        "ALTER TABLE agencies DROP CONSTRAINT IF EXISTS ck_agencies_known_approvals, "
        "DROP COLUMN IF EXISTS approval_for"
    )
