"""Typed SQLAlchemy models; import them from here."""

from bundler.enums import AnswerStatus, Phase, RelationKind, Role, Urgency, WishState
from bundler.models import fulltext as _fulltext  # noqa: F401 - registers the index DDL
from bundler.models.accounts import PhaseChange, Pilot, PilotMunicipality, User, pilot_member
from bundler.models.api import ApiEvent, ApiToken, Delivery, DeliveryAttempt, Subscription
from bundler.models.audit import AuditEvent
from bundler.models.base import Base, utcnow
from bundler.models.branding import OfficeLogo
from bundler.models.cache import DataGeneration
from bundler.models.catalogue import StatuteResponsibility
from bundler.models.forms import FormSubmission
from bundler.models.merges import WishMerge
from bundler.models.notifications import (
    AccountLink,
    MailSetting,
    Notification,
    NotificationPreference,
    OutboxMail,
    ReminderMark,
)
from bundler.models.packages import (
    BuildJob,
    BuildStep,
    DownloadReceipt,
    Package,
    PackageCheck,
    PackageEntry,
    PackageVersion,
    StoredFile,
)
from bundler.models.reference import (
    ExecutingOrganisation,
    Ministry,
    Municipality,
    Statute,
    ministry_split,
    statute_ministry,
)
from bundler.models.security import RecoveryCode
from bundler.models.wishes import Answer, Attachment, Wish, WishRelation, WishSupport, wish_ministry

__all__ = [
    "AccountLink",
    "Answer",
    "AnswerStatus",
    "ApiEvent",
    "ApiToken",
    "Attachment",
    "AuditEvent",
    "Base",
    "BuildJob",
    "BuildStep",
    "DataGeneration",
    "Delivery",
    "DeliveryAttempt",
    "DownloadReceipt",
    "ExecutingOrganisation",
    "FormSubmission",
    "MailSetting",
    "Ministry",
    "Municipality",
    "Notification",
    "NotificationPreference",
    "OfficeLogo",
    "OutboxMail",
    "Package",
    "PackageCheck",
    "PackageEntry",
    "PackageVersion",
    "Phase",
    "PhaseChange",
    "Pilot",
    "PilotMunicipality",
    "RecoveryCode",
    "RelationKind",
    "ReminderMark",
    "Role",
    "Statute",
    "StatuteResponsibility",
    "StoredFile",
    "Subscription",
    "Urgency",
    "User",
    "Wish",
    "WishMerge",
    "WishRelation",
    "WishState",
    "WishSupport",
    "ministry_split",
    "pilot_member",
    "statute_ministry",
    "utcnow",
    "wish_ministry",
]
