"""Seed the agencies of Lào Cai and Lai Châu with the layers and site kinds each keeps.

Data only. Per province: the Department of Agriculture and Environment keeps the forest and
protected-area layers; the Authority of industrial zones keeps the KCN and their clearance
parcels and infrastructure; the Department of Industry and Trade keeps the CCN likewise.
Mines and relocation areas are kept by nobody here: an administrator assigns them by editing
an agency's ``site_kinds`` (data, not code).

Revision ID: 0017_seed_agencies
Revises: 0016_identity
Create Date: 2026-12-07 06:41:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0017_seed_agencies"
down_revision: str | None = "0016_identity"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

PROVINCES = (("LC", "Lào Cai"), ("LCH", "Lai Châu"))
SITE_LAYERS = ["sites", "clearance_parcels", "infrastructure"]
# (code suffix, name without the province, layers, site kinds)
KEEPERS = (
    ("SNNMT", "Sở Nông nghiệp và Môi trường", ["forest", "protected_areas"], []),
    ("BQL-KCN", "Ban quản lý các khu công nghiệp", SITE_LAYERS, ["industrial_zone"]),
    ("SCT", "Sở Công Thương", SITE_LAYERS, ["industrial_cluster"]),
)

agencies = sa.table(
    "agencies",
    sa.column("code", sa.String),
    sa.column("name", sa.Text),
    sa.column("province", sa.Text),
    sa.column("layers", postgresql.ARRAY(sa.Text)),
    sa.column("site_kinds", postgresql.ARRAY(sa.Text)),
)


def _rows() -> list[dict[str, object]]:
    return [
        {
            "code": f"{short}-{suffix}",
            "name": f"{name} tỉnh {province}",
            "province": province,
            "layers": layers,
            "site_kinds": kinds,
        }
        for short, province in PROVINCES
        for suffix, name, layers, kinds in KEEPERS
    ]


def upgrade() -> None:
    op.bulk_insert(agencies, _rows())


def downgrade() -> None:
    codes = [row["code"] for row in _rows()]
    op.execute(agencies.delete().where(agencies.c.code.in_(codes)))
