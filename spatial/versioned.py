"""The registry tables whose every version the database keeps (migration 0021)."""

from __future__ import annotations

from typing import Final

VERSIONED_TABLES: Final = (
    "sites",
    "zone_details",
    "mining_details",
    "relocation_details",
    "clearance_parcels",
    "infrastructure",
    "forest_parcels",
    "protected_areas",
)
"""Each has a ``<table>_versions`` twin and ``<table>_as_of(timestamptz)``; the migration keeps
its own frozen copy of this list, as migrations do."""
