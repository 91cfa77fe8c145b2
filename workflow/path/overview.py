"""The coordinator's overview of a programme: every path, counts per stage, filters.

The page issues the same number of queries for 5 towns or 500: two for the page of rows (how
many match, then the page, with the lead advisor joined in; workflow/web/listing.py), one for
the counts, one for the voivodeships.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from sqlalchemy import and_, case, func, select
from sqlalchemy.orm import aliased

from states.definition import PathDefinition
from workflow.extensions import db
from workflow.models import AdvisorAssignment, AdvisorKind, Applicant, Path, Programme, User
from workflow.text import polish_key
from workflow.web import listing
from workflow.web.listing import Page


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
    rows: Page[OverviewRow]
    counts_by_stage: dict[str, int]
    counts_by_state: dict[str, int]
    total: int
    voivodeships: list[str]


_LEAD = aliased(AdvisorAssignment)
_ADVISOR = aliased(User)


# The towns' table of each path definition, built once per process: its two CASE columns (one
# branch per state) took ~2 ms to build, twice a request (issue 17). Kept with the definition.
_SPECS: dict[int, tuple[PathDefinition, listing.Spec]] = {}


def towns_spec(definition: PathDefinition) -> listing.Spec:
    """The towns' table: searched by town, voivodeship and advisor; sorted by any column (the
    stage and the state in the path's own order)."""
    found = _SPECS.get(id(definition))
    if found is None or found[0] is not definition:
        found = _SPECS[id(definition)] = (definition, _towns_spec(definition))
    return found[1]


def _towns_spec(definition: PathDefinition) -> listing.Spec:
    stage_at = {s.code: i for i, s in enumerate(definition.stages)}
    stage = case({s.code: stage_at[s.stage] for s in definition.states}, value=Path.state, else_=999)
    state = case({s.code: i for i, s in enumerate(definition.states)}, value=Path.state, else_=999)
    return listing.Spec(
        columns=(
            listing.Column("town", Applicant.sort_key),  # the name's Polish sort key (decision 0035)
            listing.Column("voivodeship", Applicant.voivodeship, text=True),
            listing.Column("stage", stage),
            listing.Column("state", state),
            listing.Column("advisor", _ADVISOR.sort_key),
            listing.Column("updated", Path.updated_at, first=listing.DESC),
        ),
        default="town", search=(Applicant.name, Applicant.voivodeship, _ADVISOR.name),
        tiebreak=Path.id,
    )


def overview(
    programme: Programme,
    definition: PathDefinition,
    params: listing.Params,
    *,
    stage: str | None = None,
    voivodeship: str | None = None,
    keep: dict[str, str] | None = None,
) -> Overview:
    query = (
        select(
            Path.id, Applicant.name, Applicant.voivodeship, Path.state, _ADVISOR.name,
            Path.updated_at,
        )
        .join(Applicant, Applicant.id == Path.applicant_id)
        .outerjoin(_LEAD, and_(_LEAD.path_id == Path.id, _LEAD.kind == AdvisorKind.LEAD))
        .outerjoin(_ADVISOR, _ADVISOR.id == _LEAD.advisor_id)
        .where(Path.programme_id == programme.id)
    )
    if stage:
        query = query.where(Path.state.in_(definition.states_of([stage])))
    if voivodeship:
        query = query.where(Applicant.voivodeship == voivodeship)
    found = listing.paged(query, towns_spec(definition), params, keep=keep)
    rows = replace(found, rows=[
        OverviewRow(pid, name, voiv, state, definition.state(state).stage, adv, updated)
        for pid, name, voiv, state, adv, updated in found.rows
    ])
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
