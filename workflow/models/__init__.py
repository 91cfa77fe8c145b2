"""SQLAlchemy 2.0 typed models, one module per aggregate."""

from workflow.models.applicant import Applicant, ApplicantKind, ApplicantMember, Municipality
from workflow.models.document import Document, StageSignoff
from workflow.models.path import AdvisorAssignment, DeadlineExtension, Path, PathTransition
from workflow.models.programme import Programme, StageDeadline
from workflow.models.user import Role, User

__all__ = [
    "AdvisorAssignment",
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
