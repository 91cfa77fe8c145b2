"""SQLAlchemy 2.0 typed models, one module per aggregate."""

from workflow.models.account import LoginAttempt, PasswordResetToken
from workflow.models.advisory import (
    AdvisorAssignment,
    AdvisorProfile,
    AssignmentEvent,
    ExpertiseField,
    Person,
    Service,
    ServiceRevision,
    Study,
    advisor_expertise,
    path_need,
    service_participant,
)
from workflow.models.applicant import Applicant, ApplicantKind, ApplicantMember, Municipality
from workflow.models.audit import AuditEvent
from workflow.models.calendar import CalendarFeed
from workflow.models.document import Document, StageSignoff
from workflow.models.evaluation import (
    Appeal,
    AppealStatus,
    ConflictType,
    Criterion,
    Declaration,
    EvaluatorAssignment,
    EvaluatorProfile,
    EvaluatorRole,
    EvaluatorSource,
    RankingKind,
    RankingSnapshot,
    RankingStatus,
    Score,
    ScoreSheet,
    SheetPart,
    SheetStatus,
)
from workflow.models.export import ExportJob, ExportKind, ExportStatus
from workflow.models.notification import Notification, NotificationStatus, ReminderKind
from workflow.models.notification_settings import NotificationPreference, NotificationTemplate
from workflow.models.path import DeadlineExtension, Path, PathTransition
from workflow.models.programme import HideScoresUntil, Programme, RankingPolicy, StageDeadline
from workflow.models.user import Role, User

__all__ = [
    "LoginAttempt",
    "PasswordResetToken",
    "AuditEvent",
    "Appeal",
    "AppealStatus",
    "ConflictType",
    "Criterion",
    "Declaration",
    "EvaluatorAssignment",
    "EvaluatorProfile",
    "EvaluatorRole",
    "EvaluatorSource",
    "RankingKind",
    "RankingSnapshot",
    "RankingStatus",
    "Score",
    "ScoreSheet",
    "SheetPart",
    "SheetStatus",
    "AdvisorAssignment",
    "AdvisorProfile",
    "AssignmentEvent",
    "ExpertiseField",
    "Notification",
    "NotificationStatus",
    "NotificationPreference",
    "NotificationTemplate",
    "Person",
    "Service",
    "ServiceRevision",
    "Study",
    "advisor_expertise",
    "path_need",
    "service_participant",
    "Applicant",
    "ApplicantKind",
    "ApplicantMember",
    "CalendarFeed",
    "DeadlineExtension",
    "ExportJob",
    "ExportKind",
    "ExportStatus",
    "Document",
    "Municipality",
    "Path",
    "PathTransition",
    "HideScoresUntil",
    "Programme",
    "ReminderKind",
    "RankingPolicy",
    "Role",
    "StageDeadline",
    "StageSignoff",
    "User",
]
