"""ORM tables; importing this package registers every table on ``Base.metadata``."""

from app.db.base import Base
from app.models.clearance import ClearanceParcel, ClearanceStatusChange
from app.models.decision import LegalDecision, LegalDecisionDocument
from app.models.history import Draft, RegistryChange, RegistryState
from app.models.identity import Agency, ApiToken, AuthEvent, User, WebSession
from app.models.imports import Import, ImportJob
from app.models.infrastructure import Infrastructure
from app.models.reference import AdminUnit, AdminUnitPiece, ForestParcel, ProtectedArea
from app.models.site import MiningDetails, RelocationDetails, Site, ZoneDetails
from app.models.target import DatasetLoad, PlanTarget, ReportedFigure
from app.models.tile_cells import ForestCellTile, ForestTileCell

__all__ = [
    "AdminUnit",
    "AdminUnitPiece",
    "Agency",
    "ApiToken",
    "AuthEvent",
    "Base",
    "ClearanceParcel",
    "ClearanceStatusChange",
    "DatasetLoad",
    "Draft",
    "ForestParcel",
    "ForestCellTile",
    "ForestTileCell",
    "Import",
    "ImportJob",
    "Infrastructure",
    "LegalDecision",
    "LegalDecisionDocument",
    "MiningDetails",
    "PlanTarget",
    "ReportedFigure",
    "ProtectedArea",
    "RegistryChange",
    "RegistryState",
    "RelocationDetails",
    "Site",
    "User",
    "WebSession",
    "ZoneDetails",
]
