"""SQLAlchemy 2.0 typed models, one module per aggregate."""

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
from workflow.models.document import Document, StageSignoff
from workflow.models.evaluation import (
    Appeal,
    Criterion,
    EvaluatorAssignment,
    EvaluatorProfile,
    RankingSnapshot,
    Score,
    ScoreSheet,
    SheetPart,
)
from workflow.models.notification import Notification
from workflow.models.path import DeadlineExtension, Path, PathTransition
from workflow.models.programme import Programme, StageDeadline
from workflow.models.user import Role, User

__all__ = [
    "Appeal",
    "Criterion",
    "EvaluatorAssignment",
    "EvaluatorProfile",
    "RankingSnapshot",
    "Score",
    "ScoreSheet",
    "SheetPart",
    "AdvisorAssignment",
    "AdvisorProfile",
    "AssignmentEvent",
    "ExpertiseField",
    "Notification",
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
    "DeadlineExtension",
    "Document",
    "Municipality",
    "Path",
    "PathTransition",
    "Programme",
    "Role",
    "StageDeadline",
    "StageSignoff",
    "User",
]
