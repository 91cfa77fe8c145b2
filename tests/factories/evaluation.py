"""Criteria and score sheets, evaluators and their assignments: written straight into the
tables (`make_parts`, `put`, `add_sheet`, `assign`), through the operations
(`submit_directly`), or through the evaluator's pages (`impartial`, `post_sheet`)."""

from __future__ import annotations

import io
import re
from datetime import UTC, datetime

from sqlalchemy import select

from factories.accounts import make_user
from factories.path import PDF, World
from workflow.evaluation import criteria, sheets
from workflow.evaluation.sheets import ScoreInput
from workflow.extensions import db
from workflow.models import (
    Criterion,
    EvaluatorAssignment,
    EvaluatorProfile,
    Path,
    Score,
    ScoreSheet,
    SheetPart,
    User,
)
from workflow.path import documents

NOW = datetime(2020, 11, 20, 10, 0, tzinfo=UTC)
VERSION = re.compile(r'name="version" type="hidden" value="(\d+)"')
GOOD = "Diagnoza jest rzetelna, oparta na danych GUS i badaniu ankietowym mieszkańców."


def make_parts(programme) -> dict[str, Criterion]:
    """PRL: I.1 (60) + I.2 (50) = 110; PRI: II.1 (60) + II.2 (60) = 120."""
    criteria = {}
    for position, (code, items) in enumerate((("PRL", (("I.1", 60), ("I.2", 50))),
                                              ("PRI", (("II.1", 60), ("II.2", 60))))):
        part = SheetPart(programme_id=programme.id, code=code, title_pl=code, title_en=code,
                         position=position)
        for i, (c, most) in enumerate(items):
            criteria[c] = Criterion(code=c, title_pl=f"Kryterium {c}", title_en=f"Criterion {c}",
                                    max_points=most, position=i)
            part.criteria.append(criteria[c])
        db.session.add(part)
    db.session.flush()
    return criteria


def make_evaluator(email: str, name: str | None = None, municipality: str = "",
                   advisor: User | None = None) -> User:
    user = make_user(email, "evaluator")
    if name:
        user.name = name
    db.session.flush()
    if municipality or advisor:
        db.session.add(EvaluatorProfile(user_id=user.id, municipality_name=municipality,
                                        advisor_account_id=advisor.id if advisor else None))
    return user


def add_sheet(assignment: EvaluatorAssignment, prl: int, pri: int, status: str = "submitted") -> ScoreSheet:
    """A sheet written straight into the database: PRL and PRI split over their criteria."""
    programme_id = db.session.get(Path, assignment.path_id).programme_id
    crit = {c.code: c for c in db.session.scalars(
        select(Criterion).join(SheetPart).where(SheetPart.programme_id == programme_id))}
    sheet = ScoreSheet(assignment_id=assignment.id, status=status,
                       submitted_at=NOW if status == "submitted" else None)
    for first, second, points in (("I.1", "I.2", prl), ("II.1", "II.2", pri)):
        a = min(points, crit[first].max_points)
        sheet.scores += [Score(criterion_id=crit[first].id, points=a, justification=f"Uzasadnienie {first}"),
                         Score(criterion_id=crit[second].id, points=points - a,
                               justification=f"Uzasadnienie {second}")]
    db.session.add(sheet)
    db.session.commit()
    return sheet


def put(path: Path, evaluator: User, role: str = "regular", declaration: str | None = None,
        conflict_type: str | None = None) -> EvaluatorAssignment:
    row = EvaluatorAssignment(path_id=path.id, evaluator_id=evaluator.id, role=role, source="demo",
                              declaration=declaration, conflict_type=conflict_type)
    db.session.add(row)
    db.session.commit()
    return row


def assign(path_id: int, user: User, declaration: str | None = None, role: str = "regular",
           ) -> EvaluatorAssignment:
    """An assignment written straight into the table, declared now when `declaration` is
    given (a conflict of the family kind)."""
    a = EvaluatorAssignment(path_id=path_id, evaluator_id=user.id, role=role, declaration=declaration,
                            conflict_type="family" if declaration == "conflict" else None,
                            declared_at=datetime.now(UTC) if declaration else None)
    db.session.add(a)
    db.session.commit()
    return a


def application_in_evaluation(world: World) -> World:
    """Town A's application is in evaluation, with its documents; `evaluator@` and
    `evaluator-2@` are assigned to it (not yet declared); town B's is assigned to nobody."""
    path, other = world.path("a"), world.path("b")  # (world.path expires the session)
    path.state = other.state = "evaluation"
    world.users["evaluator2"] = make_user("evaluator-2@example.pl", "evaluator")
    db.session.commit()
    town = world.user("town_a")
    for stage, name in (("diagnosis", "diagnoza-ostrzeszow.pdf"), ("prl", "prl-ostrzeszow.pdf"),
                        ("application", "wniosek-ostrzeszow.pdf")):
        documents.store_upload(path, stage, name, io.BytesIO(PDF), town)
    assign(path.id, world.users["evaluator"])
    assign(path.id, world.users["evaluator2"])
    criteria.ensure_sheet(world.programme)
    return world


# --- through the operations and the evaluator's pages -----------------------------------------

def all_criteria() -> list[Criterion]:
    return list(db.session.scalars(select(Criterion).join(SheetPart)
                                   .order_by(SheetPart.position, Criterion.position)))


def sheet_data(points: int | None = None, text: str = GOOD, **override: str) -> dict[str, object]:
    data: dict[str, object] = {}
    for c in all_criteria():
        data[f"points_{c.id}"] = "" if points is None else str(min(points, c.max_points))
        data[f"justification_{c.id}"] = text
    data.update(override)
    return data


def version_of(page) -> int:  # noqa: ANN001
    match = VERSION.search(page.get_data(as_text=True))
    assert match, "no sheet form on the page"
    return int(match.group(1))


def impartial(browser, path_id: int) -> None:  # noqa: ANN001
    browser.get(f"/evaluator/applications/{path_id}/declaration")
    response = browser.post(f"/evaluator/applications/{path_id}/declaration", {"declaration": "impartial"})
    assert response.status_code == 302


def post_sheet(browser, path_id: int, data: dict, submit: bool = False):  # noqa: ANN001, ANN201
    page = browser.get(f"/evaluator/applications/{path_id}/sheet")
    payload = {"version": version_of(page), **data}
    if submit:
        payload.update({"submit_sheet": "Złóż kartę oceny", "confirm": "y"})
    else:
        payload["save_draft"] = "Zapisz szkic"
    return browser.post(f"/evaluator/applications/{path_id}/sheet", payload)


def submit_directly(path_id: int, user: User, points: int, text: str) -> None:
    a = db.session.scalar(select(EvaluatorAssignment).where(EvaluatorAssignment.path_id == path_id,
                                                            EvaluatorAssignment.evaluator_id == user.id))
    if a.declaration is None:
        sheets.declare(a, "impartial")
    sheet = sheets.get_or_create_draft(a)
    values = {c.id: ScoreInput(min(points, c.max_points), text) for c in all_criteria()}
    sheets.save(sheet, values, True, sheet.version)
