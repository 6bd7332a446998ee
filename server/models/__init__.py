"""Every model module, imported so that Base.metadata is complete (for Alembic and tests)."""

from server.models.accounts import (
    BODY_ROLES,
    Body,
    BodyKind,
    Device,
    LoginAttempt,
    Role,
    User,
    user_depots,
)
from server.models.catalogue import MakerAlias, WeaponModel
from server.models.forms import EntityBranch, FormDefinition, FormVersion
from server.models.inspections import RegisterEntry, StockCheck, StockCheckLine, Visit
from server.models.inventory import AmmoItemType, AmmoLot, Crate, Weapon
from server.models.journal import AuditEvent, AuditHead, Change
from server.models.labels import Label, LabelPrint, LabelStatus
from server.models.ledger import LossReport, Movement, MovementLine, VoucherProposal
from server.models.places import Agency, Country, Depot, Location, StorageBuilding
from server.models.register import TracingRequest, WeaponAlert
from server.models.safety import LotTest, SafetyItem, SuspensionNotice, SuspensionTask
from server.models.sync import (
    AppliedOp,
    Conflict,
    CountEvent,
    Discrepancy,
    Finding,
    HeldOp,
    OpIncident,
    Photo,
    Submission,
    SubmissionAttachment,
    SyncState,
)
from server.models.transfers import Consignment, ConsignmentLine
from server.models.uploads import Upload, UploadStatus

__all__ = [
    "Agency", "AmmoItemType", "AmmoLot", "AuditEvent", "Change", "Country", "Crate", "Depot",
    "Device", "LoginAttempt", "Location", "Movement", "MovementLine", "Role", "StorageBuilding",
    "User", "Weapon",
    "user_depots", "AppliedOp", "Conflict", "CountEvent", "Discrepancy", "Finding", "HeldOp",
    "OpIncident", "Photo", "Submission", "SubmissionAttachment", "SyncState",
    "EntityBranch", "FormDefinition", "FormVersion",
    "Upload", "UploadStatus",
]
__all__ += ["Consignment", "ConsignmentLine", "Label", "LabelPrint", "LabelStatus", "AuditHead",
            "LossReport", "MakerAlias", "VoucherProposal", "WeaponModel"]
__all__ += ["RegisterEntry", "StockCheck", "StockCheckLine", "Visit"]
from server.models.programme import (  # noqa: E402
    Appointment,
    Attendance,
    Baseline,
    Course,
    CourseTrainer,
    IndicatorRelease,
    SopAdoption,
    StaffMember,
    Works,
)

__all__ += ["Appointment", "Attendance", "Baseline", "Course", "CourseTrainer", "IndicatorRelease",
            "SopAdoption",
            "StaffMember", "Works"]
__all__ += ["BODY_ROLES", "Body", "BodyKind"]
__all__ += ["TracingRequest", "WeaponAlert"]
__all__ += ["LotTest", "SafetyItem", "SuspensionNotice", "SuspensionTask"]
