"""Kinds and statuses shared by the ORM tables, the schemas and the loader."""

from __future__ import annotations

from enum import StrEnum


class SiteKind(StrEnum):
    """What a registered site is (KCN, CCN, mine, relocation area)."""

    INDUSTRIAL_ZONE = "industrial_zone"
    INDUSTRIAL_CLUSTER = "industrial_cluster"
    MINING_SITE = "mining_site"
    RELOCATION_AREA = "relocation_area"


class SiteStatus(StrEnum):
    """Lifecycle of a site, from plan to closure or eco-industrial conversion."""

    PLANNED = "planned"
    ESTABLISHED = "established"
    UNDER_CONSTRUCTION = "under_construction"
    OPERATING = "operating"
    EXPANDING = "expanding"
    RELOCATING = "relocating"
    RELOCATED = "relocated"
    CLOSED = "closed"
    CONVERTING_ECO_INDUSTRIAL = "converting_eco_industrial"


class GeometrySource(StrEnum):
    """How a geometry was obtained: a survey table, digitised from maps, or drawn indicatively."""

    SURVEYED = "surveyed"
    DIGITIZED = "digitized"
    INDICATIVE = "indicative"


class WastewaterStatus(StrEnum):
    """Central wastewater treatment plant of a zone or cluster."""

    NONE = "none"
    UNDER_CONSTRUCTION = "under_construction"
    OPERATING_COMPLIANT = "operating_compliant"
    OPERATING_NON_COMPLIANT = "operating_non_compliant"


class LicenceStatus(StrEnum):
    """Mining licence state."""

    NONE = "none"
    APPLIED = "applied"
    LICENSED = "licensed"
    SUSPENDED = "suspended"
    EXPIRED = "expired"


class ClearanceStatus(StrEnum):
    """Site clearance (giải phóng mặt bằng) status of a parcel, in order."""

    NOT_STARTED = "not_started"
    COMPENSATING = "compensating"
    CLEARED = "cleared"
    HANDED_OVER = "handed_over"


class InfrastructureKind(StrEnum):
    """Kind of infrastructure item tied to a site."""

    ROAD = "road"
    TECHNICAL_INFRASTRUCTURE = "technical_infrastructure"
    WASTEWATER_PLANT = "wastewater_plant"


class InfrastructureStatus(StrEnum):
    """Progress of an infrastructure item."""

    PLANNED = "planned"
    APPROVED = "approved"
    UNDER_CONSTRUCTION = "under_construction"
    COMPLETED = "completed"


class ForestCategory(StrEnum):
    """Forest land category under the Forestry Law (special-use, protection, production)."""

    SPECIAL_USE = "special_use"
    PROTECTION = "protection"
    PRODUCTION = "production"


class ForestOrigin(StrEnum):
    """Origin of a forest parcel."""

    NATURAL = "natural"
    PLANTED = "planted"


class AdminLevel(StrEnum):
    """Administrative unit level; districts were abolished on 2025-07-01."""

    PROVINCE_2025 = "province_2025"
    PROVINCE_PRE2025 = "province_pre2025"
    DISTRICT_PRE2025 = "district_pre2025"
    COMMUNE_2025 = "commune_2025"


class TargetUnit(StrEnum):
    """Unit of a plan target."""

    HA = "ha"
    COUNT = "count"
    PCT = "pct"


class Role(StrEnum):
    """What a user may do: read, edit within an agency's scope, approve edits, or administer."""

    VIEWER = "viewer"
    EDITOR = "editor"
    APPROVER = "approver"
    ADMIN = "admin"


class AuthEventKind(StrEnum):
    """What an identity event records (sign-ins, token use and lifecycle, user changes)."""

    SIGN_IN_OK = "sign_in_ok"
    SIGN_IN_FAILED = "sign_in_failed"
    SIGN_IN_THROTTLED = "sign_in_throttled"
    SIGN_OUT = "sign_out"
    TOKEN_USED = "token_used"
    TOKEN_CREATED = "token_created"
    TOKEN_REVOKED = "token_revoked"
    PASSWORD_RESET = "password_reset"
    USER_DISABLED = "user_disabled"
