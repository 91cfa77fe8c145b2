"""The coordinator's overview of a programme: every path, counts per stage, filters.

The page issues the same number of queries for 5 towns or 500: one for the rows (with
the lead advisor joined in), one for the counts, one for the voivodeships.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import and_, func, select
from sqlalchemy.orm import aliased

from states.definition import PathDefinition
from workflow.extensions import db
from workflow.models import AdvisorAssignment, AdvisorKind, Applicant, Path, Programme, User
from workflow.text import polish_key


@dataclass(frozen=True)
class OverviewRow:
    path_id: int
    applicant_name: str
    voivodeship: str
    state: str
    stage: str
    advisor_name: str | None
    updated_at: object


@dataclass(frozen=True)
class Overview:
    rows: list[OverviewRow]
    counts_by_stage: dict[str, int]
    counts_by_state: dict[str, int]
    total: int
    voivodeships: list[str]


def overview(
    programme: Programme,
    definition: PathDefinition,
    *,
    stage: str | None = None,
    voivodeship: str | None = None,
) -> Overview:
    lead = aliased(AdvisorAssignment)
    advisor = aliased(User)
    query = (
        select(
            Path.id, Applicant.name, Applicant.voivodeship, Path.state, advisor.name,
            Path.updated_at,
        )
        .join(Applicant, Applicant.id == Path.applicant_id)
        .outerjoin(lead, and_(lead.path_id == Path.id, lead.kind == AdvisorKind.LEAD))
        .outerjoin(advisor, advisor.id == lead.advisor_id)
        .where(Path.programme_id == programme.id)
    )
    if stage:
        query = query.where(Path.state.in_(definition.states_of([stage])))
    if voivodeship:
        query = query.where(Applicant.voivodeship == voivodeship)
    rows = [
        OverviewRow(pid, name, voiv, state, definition.state(state).stage, adv, updated)
        for pid, name, voiv, state, adv, updated in db.session.execute(query)
    ]
    rows.sort(key=lambda r: (polish_key(r.applicant_name), r.path_id))
    by_state = dict(
        db.session.execute(
            select(Path.state, func.count())
            .where(Path.programme_id == programme.id)
            .group_by(Path.state)
        ).all()
    )
    by_stage = {s.code: 0 for s in definition.stages}
    for state, count in by_state.items():
        by_stage[definition.state(state).stage] += count
    voivodeships = sorted(
        db.session.scalars(
            select(Applicant.voivodeship)
            .join(Path, Path.applicant_id == Applicant.id)
            .where(Path.programme_id == programme.id)
            .distinct()
        ),
        key=polish_key,
    )
    return Overview(rows, by_stage, by_state, sum(by_state.values()), voivodeships)
