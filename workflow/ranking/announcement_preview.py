"""Before the results are announced: the message each town will get, as it will be sent.

Read only (nothing is written): for every application the announcement would move, the
outcome and the RESULTS_ANNOUNCED message in Polish, rendered by the same
notifications.render a real message goes through (the programme's own wording if the
coordinator edited it), with the link to the town's results page. A fixed number of queries
whatever the number of towns: the paths, the edited texts, the members per town.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select

import states
from workflow.extensions import db
from workflow.messaging import links, notifications
from workflow.messaging.texts import Kind
from workflow.models import Path, RankingSnapshot, Role, User
from workflow.ranking import runs


@dataclass(frozen=True)
class TownMessage:
    town: str
    outcome: str  # the state the town will be in, as the town reads it (Polish)
    recipients: int  # active members of the town's team who will get it
    subject: str
    body: str


def preview(official: RankingSnapshot) -> list[TownMessage]:
    """The message each town the announcement of `official` would move will get; empty when
    results were already announced (a correction tells only the towns it moves)."""
    if not official.result or runs.announced_snapshot(official.programme_id) is not None:
        return []
    programme = official.programme
    definition = states.get_definition(programme.path_code)
    rows = list(zip(runs.path_ids(official), official.result["applications"], strict=True))
    paths = {p.id: p for p in db.session.scalars(
        select(Path).where(Path.programme_id == programme.id, Path.id.in_([pid for pid, _a in rows])))}
    members = dict(db.session.execute(
        select(User.applicant_id, func.count()).where(
            User.applicant_id.in_([p.applicant_id for p in paths.values()]),
            User.role == Role.TOWN, User.active.is_(True)).group_by(User.applicant_id)).all())
    overrides = notifications.overrides_of({programme.id}, {Kind.RESULTS_ANNOUNCED})
    out = []
    for path_id, a in rows:
        path = paths.get(path_id)
        target = definition.outcome_state(a["outcome"])
        if path is None or target is None or path.state == target or (
                definition.is_rejected(path.state) and a["outcome"] == "not_eligible"):
            continue
        outcome = definition.state(target).applicant.get("pl")
        subject, body = notifications.render(
            Kind.RESULTS_ANNOUNCED, "pl", programme,
            {"town": a["town"], "outcome": outcome,
             "link": links.absolute("results.town_path", path_id=path_id)}, overrides=overrides)
        out.append(TownMessage(a["town"], outcome, members.get(path.applicant_id, 0), subject, body))
    return out
