"""The one place that decides who may see which path and document.

Anything a user may not see is answered as if it did not exist (404), so ids cannot be
probed. Every view that touches a path or a document loads it through here.
"""

from __future__ import annotations

from flask import abort
from sqlalchemy import ColumnElement, Select, exists, false, select, true
from sqlalchemy.orm import joinedload

import states
from workflow.extensions import db
from workflow.models import (
    AdvisorAssignment,
    AdvisorKind,
    ApplicantMember,
    Declaration,
    Document,
    EvaluatorAssignment,
    Path,
    Role,
    User,
)
from workflow.models.types import MAX_ROW_ID


def path_filter(user: User) -> ColumnElement[bool]:
    """A WHERE clause on Path selecting the paths `user` may see."""
    if user.role == Role.COORDINATOR:
        return true()
    if user.role == Role.TOWN and user.applicant_id is not None:
        return Path.applicant_id == user.applicant_id
    if user.role == Role.ADVISOR:
        return exists().where(
            AdvisorAssignment.path_id == Path.id, AdvisorAssignment.advisor_id == user.id
        )
    return false()


def visible_paths(user: User) -> Select[tuple[Path]]:
    return select(Path).where(path_filter(user))


def get_path_or_404(user: User, path_id: int) -> Path:
    if not 0 < path_id <= MAX_ROW_ID:
        abort(404)
    # With its programme and applicant, which every page of a path shows: no query of their own.
    path = db.session.scalar(visible_paths(user).where(Path.id == path_id)
                             .options(joinedload(Path.programme), joinedload(Path.applicant)))
    if path is None:
        abort(404)
    return path


def document_filter(user: User) -> ColumnElement[bool]:
    """The documents `user` may download: an evaluator those of the applications they
    signed the declaration of impartiality for; everyone else those of visible paths."""
    if user.role == Role.EVALUATOR:
        return exists().where(
            EvaluatorAssignment.path_id == Document.path_id,
            EvaluatorAssignment.evaluator_id == user.id,
            EvaluatorAssignment.declaration == Declaration.IMPARTIAL,
        )
    return path_filter(user)


def get_document_or_404(user: User, document_id: int) -> Document:
    if not 0 < document_id <= MAX_ROW_ID:
        abort(404)
    document = db.session.scalar(
        select(Document).join(Path).where(Document.id == document_id, document_filter(user))
    )
    if document is None:
        abort(404)
    return document


def acting_member(user: User, applicant_id: int) -> ApplicantMember | None:
    """The member of applicant `applicant_id` that `user` acts for, or None.

    A partnership's person acts for their own municipality (User.municipality_id); a person
    without one acts for the applicant as a whole only if it is a single municipality (a
    town's team). Nobody acts for an applicant they do not belong to. One query.
    """
    if user.role != Role.TOWN or user.applicant_id != applicant_id:
        return None
    return member_acted_for(user, list(db.session.scalars(
        select(ApplicantMember).where(ApplicantMember.applicant_id == applicant_id))))


def member_acted_for(user: User, members: list[ApplicantMember]) -> ApplicantMember | None:
    """Of `members` (all the members of the user's own applicant), the one `user` acts for."""
    if user.municipality_id is None:
        return members[0] if len(members) == 1 else None
    return next((m for m in members if m.municipality_id == user.municipality_id), None)


def roles_for(user: User, path: Path) -> frozenset[str]:
    """The path-definition roles (states.definition.ROLES) `user` holds towards `path`:
    "applicant" for every person of the applicant, and "leader" for those who act for its
    leading member (a town's team; a partnership's leader) where the path has leader's moves."""
    roles: set[str] = set()
    if user.role == Role.COORDINATOR:
        roles.add("coordinator")
    elif user.role == Role.TOWN and user.applicant_id == path.applicant_id:
        roles.add("applicant")
        # Who leads is read only for a path that gives the leader moves of their own.
        if "leader" in states.get_definition(path.programme.path_code).roles_used:
            member = acting_member(user, path.applicant_id)
            if member is not None and member.is_leader:
                roles.add("leader")
    elif user.role == Role.ADVISOR:
        kind = db.session.scalar(
            select(AdvisorAssignment.kind).where(
                AdvisorAssignment.path_id == path.id, AdvisorAssignment.advisor_id == user.id
            )
        )
        if kind == AdvisorKind.LEAD:
            roles.add("advisor")
        elif kind == AdvisorKind.EXPERT:
            roles.add("expert")
    return frozenset(roles)
