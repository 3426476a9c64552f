from .areas import LEVEL_DEPTH, Area, AreaLevel
from .cameras import Camera
from .capabilities import CameraCapability
from .choices import (
    CameraType,
    Capability,
    EvidenceKind,
    Kind,
    Mount,
    OperatorOrigin,
    OperatorType,
    OsmType,
    RestrictionRegime,
    Status,
    VerifiedBy,
    Visibility,
    Zone,
)
from .contributions import (
    Confirmation,
    EditSuggestion,
    ModerationAction,
    ModeratorArea,
    Receipt,
    RemovalReport,
    ReviewState,
    Submission,
)
from .datasets import Dataset
from .evidence import Evidence
from .giveback import OsmAuthorization, OsmUpload
from .history import ANONYMOUS, Changeset, Revision
from .imports import ImportConflict, MergeCandidate
from .organisations import Operator, Vendor, VendorRestriction
from .places import Place, PlaceName
from .replication import ReplicationState
from .reports import AreaReportPdf, PdfStatus
from .safeguards import IdempotentRequest, SpentProof
from .tiles import TileCell
from .watches import (
    ALL_EVENTS,
    DeliveryState,
    Frequency,
    Subscription,
    Watch,
    WatchEvent,
    Webhook,
    WebhookAttempt,
    WebhookDelivery,
    revision_events,
)

__all__ = [
    "ALL_EVENTS",
    "ANONYMOUS",
    "LEVEL_DEPTH",
    "Area",
    "AreaLevel",
    "AreaReportPdf",
    "Camera",
    "CameraCapability",
    "CameraType",
    "Capability",
    "Changeset",
    "Confirmation",
    "Dataset",
    "DeliveryState",
    "EditSuggestion",
    "Evidence",
    "EvidenceKind",
    "Frequency",
    "IdempotentRequest",
    "ImportConflict",
    "Kind",
    "MergeCandidate",
    "ModerationAction",
    "ModeratorArea",
    "Mount",
    "Operator",
    "OperatorOrigin",
    "OperatorType",
    "OsmAuthorization",
    "OsmType",
    "OsmUpload",
    "PdfStatus",
    "Place",
    "PlaceName",
    "Receipt",
    "RemovalReport",
    "ReplicationState",
    "RestrictionRegime",
    "ReviewState",
    "Revision",
    "SpentProof",
    "Status",
    "Submission",
    "Subscription",
    "TileCell",
    "Vendor",
    "VendorRestriction",
    "VerifiedBy",
    "Visibility",
    "Watch",
    "WatchEvent",
    "Webhook",
    "WebhookAttempt",
    "WebhookDelivery",
    "Zone",
    "revision_events",
]
