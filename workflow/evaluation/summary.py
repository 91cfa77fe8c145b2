"""The evaluation overview's lines, kept beside the scores (docs/decisions/0035).

The coordinator's overview sorts, filters and counts the applications by what only the final
score rule (workflow/evaluation/scoring.py) computes: the spread, the third evaluator, the
final score. Rather than run the rule for every application on every request, each
application's line (`EvaluationSummary`) is written by the same code the pages use
(`scores.scores_of`, so the rule stays in one place) in the same transaction as every change
it follows; the overview reads one page of lines in SQL and runs the rule only for that page.

What a line follows, and how it learns of a change: the ORM session's flushes are watched
(`after_flush`) for new, changed or deleted evaluator assignments (declarations too), score
sheets, scores, paths (state, round, town), towns (name, voivodeship), evaluators' names and
programme settings (evaluators per application, the allowed discrepancy); the paths they touch
are recomputed just before the transaction commits (`before_commit`), in it. Bulk writes
beside the ORM (the demo's scaled copies, benchmarks, factories) call `rebuild()` afterwards.
`flask scores rebuild-summaries --check` compares the lines with a full recomputation.

Every transaction that rewrites a programme's lines also raises its `EvaluationRevision`
(decision 0044), first, before the lines: the overview kept in a worker's memory is keyed by it.
The one UPDATE per programme also makes two transactions rewriting the same programme's lines
take turns (PostgreSQL), so the second computes its lines after the first has committed.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Iterator
from contextlib import contextmanager
from decimal import Decimal
from typing import Any

from sqlalchemy import Connection, delete, event, insert, inspect, literal, select, union_all
from sqlalchemy.orm import Session
from sqlalchemy.sql.selectable import ScalarSelect

from workflow import revisions
from workflow.evaluation.scores import ApplicationScore, scores_of
from workflow.extensions import db
from workflow.models import (
    Applicant,
    EvaluationRevision,
    EvaluationSummary,
    EvaluatorAssignment,
    Path,
    Programme,
    Score,
    ScoreSheet,
    User,
)
from workflow.text import sort_key
from workflow.web.kept import Kept

# The order of the overview's "third evaluation" column (None below two counted sheets).
THIRD_ORDER = {"needed": 0, "assigned": 1, "submitted": 2, "not_needed": 3}
FIELDS = ("programme_id", "state", "in_evaluation", "town_key", "search", "spread_pct", "third",
          "third_order", "final_total", "missing_regular", "complete")

_PENDING = "evaluation_summary_pending"
_HELD = "evaluation_summary_held"


def line(score: ApplicationScore) -> dict[str, Any]:
    """The stored line of one application's score."""
    names = " ".join(r.evaluator_name for r in score.rows)
    total = score.final.total
    return {
        "path_id": score.path_id, "programme_id": score.programme_id, "state": score.state,
        "in_evaluation": score.in_evaluation, "town_key": sort_key(score.town),
        "search": " ".join((score.town, score.voivodeship or "", names)).lower(),
        "spread_pct": score.spread_pct,
        "third": score.third,
        "third_order": THIRD_ORDER.get(score.third, 9) if len(score.sheets) >= 2 else None,
        "final_total": total.quantize(Decimal("0.01")) if total is not None else None,
        "missing_regular": score.missing_regular, "complete": score.complete,
    }


def _programme_paths(session: Session, programme_id: int) -> list[int]:
    return list(session.scalars(select(Path.id).where(Path.programme_id == programme_id)))


def advance(session: Session, programme_ids: Iterable[int]) -> None:
    """One more on the revision of each programme (its row made at 1 if it has none, a new random
    token each), in the session's transaction; in one statement, in the programmes' order, so two
    transactions never wait for each other the wrong way round (decision 0047)."""
    revisions.advance(session.connection(), EvaluationRevision.__table__,  # type: ignore[arg-type]
                      "programme_id", programme_ids)


def refresh(session: Session, path_ids: Collection[int], programme_ids: Iterable[int] = ()) -> int:
    """Recompute the lines of `path_ids` in the session's transaction (five queries per
    programme touched, plus the writes). Paths that are gone lose their line. The revision of
    every programme whose lines these are or were (and of `programme_ids`) goes up first."""
    if not path_ids:
        advance(session, programme_ids)
        return 0
    ids = sorted(set(path_ids))
    conn = session.connection()
    table = EvaluationSummary.__table__
    by_programme: dict[int, list[int]] = {}
    touched = set(programme_ids)
    for path_id, programme_id, live in session.execute(union_all(
            select(Path.id, Path.programme_id, literal(1)).where(Path.id.in_(ids)),
            select(table.c.path_id, table.c.programme_id, literal(0)).where(table.c.path_id.in_(ids)))):
        touched.add(programme_id)
        if live:
            by_programme.setdefault(programme_id, []).append(path_id)
    advance(session, touched)
    rows = []
    for programme_id, paths in sorted(by_programme.items()):
        programme = session.get(Programme, programme_id)
        if programme is not None:
            rows += [line(s) for s in scores_of(programme, paths, session=session)]
    conn.execute(delete(table).where(table.c.path_id.in_(ids)))
    if rows:
        conn.execute(insert(table), rows)
    return len(rows)


def computed(session: Session, programme_id: int | None = None) -> dict[int, dict[str, Any]]:
    """Every line as a full recomputation gives it (all programmes, or one)."""
    query = select(Programme).order_by(Programme.id)
    if programme_id is not None:
        query = query.where(Programme.id == programme_id)
    out: dict[int, dict[str, Any]] = {}
    for programme in session.scalars(query):
        paths = _programme_paths(session, programme.id)
        for score in scores_of(programme, paths, session=session) if paths else []:
            out[score.path_id] = line(score)
    return out


def stored(session: Session, programme_id: int | None = None) -> dict[int, dict[str, Any]]:
    """Every stored line, as `computed` gives them."""
    table = EvaluationSummary.__table__
    query = select(table)
    if programme_id is not None:
        query = query.where(table.c.programme_id == programme_id)
    out = {}
    for row in session.execute(query).mappings():
        values = dict(row)
        for name in ("spread_pct", "final_total"):  # SQLite gives floats back
            if values[name] is not None:
                values[name] = Decimal(str(values[name])).quantize(
                    Decimal("0.1") if name == "spread_pct" else Decimal("0.01"))
        values["in_evaluation"], values["complete"] = bool(values["in_evaluation"]), bool(values["complete"])
        out[values["path_id"]] = values
    return out


def differences(session: Session, programme_id: int | None = None) -> list[str]:
    """What the stored lines get wrong against a full recomputation (empty: nothing)."""
    want, have = computed(session, programme_id), stored(session, programme_id)
    out = []
    for path_id in sorted(set(want) | set(have)):
        a, b = want.get(path_id), have.get(path_id)
        if a is None or b is None:
            out.append(f"path {path_id}: {'missing' if b is None else 'not expected'}")
            continue
        wrong = [f"{k}={b.get(k)!r} (expected {a[k]!r})" for k in FIELDS if a[k] != b.get(k)]
        if wrong:
            out.append(f"path {path_id}: " + ", ".join(wrong))
    return out


def rebuild(session: Session | None = None, programme_id: int | None = None, *, revise: bool = True) -> int:
    """Recompute every line (of one programme, or all) in the caller's transaction; after bulk
    writes beside the ORM, and for repairs. Returns the number of lines. `revise=False` only
    for migration 0026, which comes before the revisions' table."""
    session = session or db.session()
    table = EvaluationSummary.__table__
    conn: Connection = session.connection()
    if revise:
        programmes = [programme_id] if programme_id is not None else session.scalars(select(Programme.id))
        advance(session, programmes)
    rows = list(computed(session, programme_id).values())
    query = delete(table)
    if programme_id is not None:
        query = query.where(table.c.programme_id == programme_id)
    conn.execute(query)
    if rows:
        conn.execute(insert(table), rows)
    return len(rows)


# --- following the session's writes --------------------------------------------------------------

_WATCHED = {
    Path: ("state", "evaluation_round", "applicant_id", "programme_id"),
    Applicant: ("name", "voivodeship"),
    User: ("name",),
    Programme: ("evaluators_per_application", "discrepancy_pct", "path_code"),
}


def _changed(obj: object, names: Iterable[str]) -> bool:
    state = inspect(obj)
    return any(state.attrs[name].history.has_changes() for name in names)


def _after_flush(session: Session, _context: object) -> None:
    pending: dict[str, set[int]] = session.info.setdefault(
        _PENDING, {"path": set(), "assignment": set(), "sheet": set(), "applicant": set(), "user": set(),
                   "programme": set(), "revised": set()})
    for obj in (*session.new, *session.dirty, *session.deleted):
        if isinstance(obj, EvaluatorAssignment):
            pending["path"].add(obj.path_id)
        elif isinstance(obj, ScoreSheet):
            pending["assignment"].add(obj.assignment_id)
        elif isinstance(obj, Score):
            pending["sheet"].add(obj.sheet_id)
        elif isinstance(obj, Path):
            if obj in session.new or obj in session.deleted or _changed(obj, _WATCHED[Path]):
                pending["path"].add(obj.id)
            if obj in session.deleted:  # its line may go with it (ON DELETE CASCADE): the list changes
                pending["revised"].add(obj.programme_id)
        elif isinstance(obj, Applicant) and obj in session.dirty and _changed(obj, _WATCHED[Applicant]):
            pending["applicant"].add(obj.id)
        elif isinstance(obj, User) and obj in session.dirty and _changed(obj, _WATCHED[User]):
            pending["user"].add(obj.id)
        elif isinstance(obj, Programme) and obj in session.dirty and _changed(obj, _WATCHED[Programme]):
            pending["programme"].add(obj.id)


def _paths_of(session: Session, pending: dict[str, set[int]]) -> set[int]:
    """The paths whose lines the pending changes touch (a query per kind of change seen)."""
    paths = {p for p in pending["path"] if p is not None}
    sheets = {s for s in pending["sheet"] if s is not None}
    assignments = {a for a in pending["assignment"] if a is not None}
    if sheets:
        assignments |= set(session.scalars(select(ScoreSheet.assignment_id).where(ScoreSheet.id.in_(sheets))))
    if assignments:
        paths |= set(session.scalars(select(EvaluatorAssignment.path_id)
                                     .where(EvaluatorAssignment.id.in_(assignments))))
    if pending["applicant"]:
        paths |= set(session.scalars(select(Path.id).where(Path.applicant_id.in_(pending["applicant"]))))
    if pending["user"]:
        paths |= set(session.scalars(select(EvaluatorAssignment.path_id)
                                     .where(EvaluatorAssignment.evaluator_id.in_(pending["user"]))))
    if pending["programme"]:
        paths |= set(session.scalars(select(Path.id).where(Path.programme_id.in_(pending["programme"]))))
    return paths


def _before_commit(session: Session) -> None:
    if session.info.get(_HELD):
        return
    if session.info.get(_PENDING) is None and not (session.new or session.dirty or session.deleted):
        return
    session.flush()
    pending = session.info.pop(_PENDING, None)
    if pending is None or not any(pending.values()):
        return
    paths = _paths_of(session, pending)
    if paths or pending["revised"]:
        refresh(session, paths, pending["revised"])


def _forget(session: Session, *_args: Any) -> None:
    session.info.pop(_PENDING, None)


@contextmanager
def held(session: Session | None = None) -> Iterator[None]:
    """No line is recomputed at the commits inside: for a writer that calls `rebuild()` once
    when it is done (the demo's seed commits a thousand times, and recomputing the touched
    paths at each commit was a quarter of its time). Nothing inside may read the lines."""
    session = session or db.session()
    session.info[_HELD] = True
    try:
        yield
    finally:
        session.info.pop(_HELD, None)
        session.info.pop(_PENDING, None)


def install() -> None:
    """Keep the lines on every ORM session (the app calls this once)."""
    if not event.contains(Session, "after_flush", _after_flush):
        event.listen(Session, "after_flush", _after_flush)
        event.listen(Session, "before_commit", _before_commit)
        event.listen(Session, "after_rollback", _forget)


# --- the overview kept as drawn (decision 0044) ---------------------------------------------------

# The coordinator's overview, kept in this process per revision and its token (a restored database
# repeats the numbers, not the tokens: decision 0047): its pages of lines with their scores, and the
# lists as drawn (20–50 KB each). At most 400 entries (~20 MB), none older than five minutes.
OVERVIEW = Kept(max_weight=400, max_age=300.0)


def revision_columns() -> tuple[ScalarSelect[Any], ScalarSelect[Any]]:
    """The programme's revision and its token as columns correlated with Programme.id (None: its
    lines were never written), to read with the programme itself (decisions 0044, 0047)."""
    def of(column: Any) -> ScalarSelect[Any]:
        return (select(column).where(EvaluationRevision.programme_id == Programme.id)
                .correlate(Programme).scalar_subquery())
    return of(EvaluationRevision.revision), of(EvaluationRevision.token)
