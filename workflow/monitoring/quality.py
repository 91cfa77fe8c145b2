"""Data quality in the open (issue 16, items 3 and 4; docs/decisions/0039).

- `Spread`: a group's median and median absolute deviation, and how far a value lies from it.
  The ONE outlier rule: the questionnaire's plausibility warning and the public pages' outlier
  flag both use it (more than MAD_LIMIT raw MADs from the group's median, with at least
  MIN_GROUP values and a MAD above 0).
- `corrections(...)`: the latest revision of every corrected value of some variables in some
  years (who, when, why, what it was): the revision note shown beside a value; one statement.
- `comments(...)`: the cities' visible comments on their published values; one statement.
- `marks(...)`: for an indicator value (a unit, a formula, a year), the revision note of the
  latest correction of any of its inputs and the comments on it.
- `provenance(...)`: everything about one value for its own page: each input with its status,
  source (import or questionnaire, file and digest, when) and every earlier revision; four
  statements whatever the history's length.
- `add_comment`, `hide_comment`: a city's comment on its own published value, the analyst's
  moderation.
"""

from __future__ import annotations

import functools
import statistics
from collections import defaultdict
from collections.abc import Callable, Container, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal

import sqlalchemy as sa
from flask_babel import gettext as _

from workflow.extensions import db
from workflow.models import (
    Indicator,
    IndicatorVersion,
    SourceKind,
    TerritorialUnit,
    User,
    ValueComment,
    ValueRevision,
    ValueSource,
    ValueStatus,
    Variable,
    VariableValue,
)
from workflow.models.types import UTCDateTime, utcnow
from workflow.monitoring import compute
from workflow.refusal import Refused

MAD_LIMIT = 3.0  # more than this many median absolute deviations from the group's median
MIN_GROUP = 4  # fewer values than this: no comparison with the group
COMMENT_MAX = 2000


# --- outliers ----------------------------------------------------------------------------------

@dataclass(frozen=True)
class Spread:
    """A group's median and raw median absolute deviation (not scaled by 1.4826)."""

    median: float
    mad: float

    @classmethod
    def of(cls, values: Iterable[float]) -> Spread | None:
        """None when the group is too small (MIN_GROUP) or its MAD is 0: no comparison."""
        found = list(values)
        if len(found) < MIN_GROUP:
            return None
        median = statistics.median(found)
        mad = statistics.median(abs(x - median) for x in found)
        return cls(median, mad) if mad > 0 else None

    def deviations(self, value: float) -> float | None:
        """How many MADs `value` lies from the median, when that is more than MAD_LIMIT."""
        far = abs(value - self.median) / self.mad
        return round(far, 1) if far > MAD_LIMIT else None


# --- revision notes and comments --------------------------------------------------------------

@dataclass(frozen=True)
class RevisionNote:
    """Beside a corrected value: what it was, and who changed it, when and why."""

    previous: float
    note: str | None
    at: datetime
    by: str | None
    variable: str = ""
    year: int = 0
    unit_code: str = ""


Key = tuple[int, str, int]  # unit id, variable code, year
Param = sa.BindParameter[Any]  # a list or a year given when the statement is run (built once)


def _listed(ids: Sequence[int] | Param) -> list[int] | Param:
    return ids if isinstance(ids, sa.BindParameter) else sorted(set(ids))
Said = dict[tuple[int, int], list["Comment"]]  # (unit id, indicator id) -> comments


def _corrections_select(codes: Sequence[str] | Param, years: Sequence[int] | Param,
                        unit_ids: Sequence[int] | Param | None, only_corrected: bool) -> sa.Select[Any]:
    """The revisions of the variables' values in the years, in the column layout that
    `_comments_select` shares (so that a page reads both in one statement)."""
    query = (sa.select(sa.literal("r").label("kind"), ValueRevision.unit_id.label("unit_id"),
                       TerritorialUnit.code.label("unit_code"), Variable.code.label("key"),
                       ValueRevision.year.label("year"), ValueRevision.revision.label("n"),
                       ValueRevision.value.label("number"), ValueSource.note.label("text"),
                       ValueSource.created_at.label("at"), User.name.label("name"),
                       sa.cast(sa.null(), UTCDateTime()).label("hidden_at"),
                       sa.cast(sa.null(), sa.Text()).label("hidden_reason"))
             .join(Variable, Variable.id == ValueRevision.variable_id)
             .join(TerritorialUnit, TerritorialUnit.id == ValueRevision.unit_id)
             .join(ValueSource, ValueSource.id == ValueRevision.replaced_by_id)
             .outerjoin(User, User.id == ValueSource.user_id)
             .where(Variable.code.in_(codes), ValueRevision.year.in_(years)))
    if unit_ids is not None:
        query = query.where(ValueRevision.unit_id.in_(_listed(unit_ids)))
    if only_corrected:
        query = query.join(VariableValue, sa.and_(
            VariableValue.variable_id == ValueRevision.variable_id, VariableValue.year == ValueRevision.year,
            VariableValue.unit_id == ValueRevision.unit_id)
        ).where(VariableValue.status == ValueStatus.CORRECTED)
    return query


ORDER = ("kind", "unit_id", "key", "year", "n")


def _read(parts: Sequence[sa.Select[Any]]) -> tuple[dict[Key, RevisionNote], Said]:
    """Rows of the selects (one statement), ordered by kind, unit, key, year and n: the latest
    revision of a value wins; comments come in the order they were made (ids grow with time)."""
    if not parts:
        return {}, {}
    return _read_rows(db.session.execute(_ordered(parts)))


def _ordered(parts: Sequence[sa.Select[Any]]) -> sa.Select[Any]:
    query = (parts[0] if len(parts) == 1 else sa.union_all(*parts)).subquery()
    return sa.select(query).order_by(*(query.c[c] for c in ORDER))


def _read_rows(rows: Iterable[Any]) -> tuple[dict[Key, RevisionNote], Said]:
    notes: dict[Key, RevisionNote] = {}
    said: Said = defaultdict(list)
    for kind, unit_id, unit_code, key, year, n, number, text, at, name, hidden_at, why in rows:
        if kind == "r":
            notes[(unit_id, key, year)] = RevisionNote(number, text, at, name, key, year, unit_code)
        else:
            said[(unit_id, int(key))].append(
                Comment(n, unit_id, int(key), year, text, at, name, hidden_at, why))
    return notes, dict(said)


def corrections(variable_codes: Iterable[str], years: Iterable[int], unit_ids: Sequence[int] | None = None,
                only_corrected: bool = True) -> dict[Key, RevisionNote]:
    """The latest revision of each value of the variables in the years (of the units, or of
    all), by (unit id, variable code, year): one statement. `only_corrected`: only values whose
    status is "corrected" (a published value changed), which are few, so no unit filter is
    needed for a page of all gminas."""
    codes, wanted = sorted(set(variable_codes)), sorted(set(years))
    if not codes or not wanted or (unit_ids is not None and not unit_ids):
        return {}
    return _read([_corrections_select(codes, wanted, unit_ids, only_corrected)])[0]


@dataclass(frozen=True)
class Comment:
    id: int
    unit_id: int
    indicator_id: int
    year: int
    body: str
    at: datetime
    city: str  # the unit's name: a comment is signed by the city, never by a person
    hidden_at: datetime | None = None
    hidden_reason: str | None = None


def _comments_select(indicator_ids: Sequence[int] | Param, year: int | Param,
                     unit_ids: Sequence[int] | Param | None, hidden: bool) -> sa.Select[Any]:
    query = (sa.select(sa.literal("c").label("kind"), ValueComment.unit_id.label("unit_id"),
                       TerritorialUnit.code.label("unit_code"),
                       sa.cast(ValueComment.indicator_id, sa.String(60)).label("key"),
                       ValueComment.year.label("year"), ValueComment.id.label("n"),
                       sa.cast(sa.null(), sa.Double()).label("number"), ValueComment.body.label("text"),
                       ValueComment.created_at.label("at"), TerritorialUnit.name.label("name"),
                       ValueComment.hidden_at.label("hidden_at"),
                       ValueComment.hidden_reason.label("hidden_reason"))
             .join(TerritorialUnit, TerritorialUnit.id == ValueComment.unit_id)
             .where(ValueComment.indicator_id.in_(indicator_ids), ValueComment.year == year))
    if unit_ids is not None:
        query = query.where(ValueComment.unit_id.in_(_listed(unit_ids)))
    if not hidden:
        query = query.where(ValueComment.hidden_at.is_(None))
    return query


def comments(indicator_ids: Iterable[int], year: int, unit_ids: Sequence[int] | None = None,
             hidden: bool = False) -> Said:
    """The comments on the indicators' values in the year (of the units, or of all), by (unit
    id, indicator id), oldest first: one statement. Hidden ones only when `hidden`."""
    ids = sorted(set(indicator_ids))
    if not ids or (unit_ids is not None and not unit_ids):
        return {}
    return _read([_comments_select(ids, year, unit_ids, hidden)])[1]


def notes_and_comments(variable_codes: Iterable[str], years: Iterable[int], indicator_ids: Iterable[int],
                       year: int, unit_ids: Sequence[int] | None = None,
                       ) -> tuple[dict[Key, RevisionNote], Said]:
    """What a public page shows beside its values, in ONE statement (UNION ALL): the revision
    notes of the corrected values of the variables in the years, and the visible comments on
    the indicators' values in `year` (of the units, or of all)."""
    codes, wanted, ids = sorted(set(variable_codes)), sorted(set(years)), sorted(set(indicator_ids))
    if unit_ids is not None and not unit_ids:
        return {}, {}
    if not (codes and wanted) and not ids:
        return {}, {}
    params: dict[str, Any] = {"codes": codes, "years": wanted, "ids": ids, "year": year}
    if unit_ids is not None:
        params["units"] = sorted(set(unit_ids))
    return _read_rows(db.session.execute(
        _notes_and_comments_query(bool(codes and wanted), bool(ids), unit_ids is not None), params))


@functools.cache
def _notes_and_comments_query(notes: bool, said: bool, of_units: bool) -> sa.Select[Any]:
    """notes_and_comments()' statement, built once per shape (every public page reads it):
    the lists and the year are parameters."""
    units = sa.bindparam("units", expanding=True) if of_units else None
    parts = []
    if notes:
        parts.append(_corrections_select(sa.bindparam("codes", expanding=True),
                                         sa.bindparam("years", expanding=True), units, True))
    if said:
        parts.append(_comments_select(sa.bindparam("ids", expanding=True), sa.bindparam("year"), units,
                                      False))
    return _ordered(parts)


def inputs(formula: compute.Formula, year: int) -> list[tuple[str, int]]:
    """The (variable, year) pairs a formula reads for `year`, in the formula's order."""
    terms = (*formula.numerator, *formula.denominator)
    return list(dict.fromkeys((t.variable, t.year_for(year)) for t in terms))


def years_needed(formulas: Iterable[compute.Formula], year: int) -> set[int]:
    return {y for f in formulas for _v, y in inputs(f, year)}


@dataclass(frozen=True)
class Mark:
    """What a public page shows beside an indicator value."""

    note: RevisionNote | None = None  # the latest correction of any of its inputs
    comments: tuple[Comment, ...] = ()
    outlier: float | None = None  # MADs from the group's median, when an outlier

    def __bool__(self) -> bool:
        return self.note is not None or bool(self.comments) or self.outlier is not None


NO_MARK = Mark()


def mark(unit_id: int, indicator_id: int, formula: compute.Formula, year: int,
         notes: dict[Key, RevisionNote], said: Said,
         outlier: float | None = None) -> Mark:
    found = [n for v, y in inputs(formula, year) if (n := notes.get((unit_id, v, y))) is not None]
    latest = max(found, key=lambda n: n.at) if found else None
    return Mark(latest, tuple(said.get((unit_id, indicator_id), ())), outlier)


# --- one value's provenance --------------------------------------------------------------------

@dataclass(frozen=True)
class Revision:
    revision: int
    value: float
    status: str
    source: SourceView
    replaced_by: SourceView


@dataclass(frozen=True)
class SourceView:
    kind: str  # file, import, entry
    name: str
    sha256: str | None
    at: datetime
    note: str | None
    questionnaire: bool  # an entry from the cities' questionnaire (or its correction)


@dataclass(frozen=True)
class Input:
    variable: Variable
    year: int
    value: float | None
    status: str | None
    source: SourceView | None
    revision: int
    history: list[Revision] = field(default_factory=list)  # oldest first


@dataclass(frozen=True)
class Provenance:
    unit: TerritorialUnit
    version: IndicatorVersion
    year: int
    value: float | None
    status: str | None  # provisional when any input is, corrected when any was, else final
    inputs: list[Input]
    comments: list[Comment]


def _source(kind: str, name: str, sha: str | None, at: datetime, note: str | None,
            summary: dict[str, object] | None) -> SourceView:
    return SourceView(str(kind), name, sha, at, note,
                      str(kind) == SourceKind.ENTRY.value and bool(summary and "questionnaire_id" in summary))


STATUS_ORDER = (ValueStatus.PROVISIONAL.value, ValueStatus.CORRECTED.value, ValueStatus.FINAL.value)


def provenance(unit: TerritorialUnit, version: IndicatorVersion, year: int,
               hidden: bool = False) -> Provenance:
    """One value with where it came from: its inputs' values, statuses and sources (one
    statement), their earlier revisions with both sources (one), the comments (one)."""
    formula = compute.Formula.from_json(version.formula)
    pairs = inputs(formula, year)
    codes = sorted({v for v, _y in pairs})
    years = sorted({y for _v, y in pairs})
    variables = {v.code: v for v in db.session.scalars(sa.select(Variable).where(Variable.code.in_(codes)))}
    ids = [v.id for v in variables.values()]
    rows = db.session.execute(
        sa.select(VariableValue.variable_id, VariableValue.year, VariableValue.value, VariableValue.status,
                  VariableValue.revision, ValueSource.kind, ValueSource.name, ValueSource.sha256,
                  ValueSource.created_at, ValueSource.note, ValueSource.summary)
        .join(ValueSource, ValueSource.id == VariableValue.source_id)
        .where(VariableValue.unit_id == unit.id, VariableValue.variable_id.in_(ids),
               VariableValue.year.in_(years))).all()
    current = {(r[0], r[1]): r for r in rows}
    replaced = sa.orm.aliased(ValueSource)
    history: dict[tuple[int, int], list[Revision]] = defaultdict(list)
    for r in db.session.execute(
            sa.select(ValueRevision.variable_id, ValueRevision.year, ValueRevision.revision,
                      ValueRevision.value,
                      ValueRevision.status, ValueSource.kind, ValueSource.name, ValueSource.sha256,
                      ValueSource.created_at, ValueSource.note, ValueSource.summary,
                      replaced.kind, replaced.name, replaced.sha256, replaced.created_at, replaced.note,
                      replaced.summary)
            .join(ValueSource, ValueSource.id == ValueRevision.source_id)
            .join(replaced, replaced.id == ValueRevision.replaced_by_id)
            .where(ValueRevision.unit_id == unit.id, ValueRevision.variable_id.in_(ids),
                   ValueRevision.year.in_(years))
            .order_by(ValueRevision.revision)):
        history[(r[0], r[1])].append(Revision(r[2], r[3], str(r[4]), _source(*r[5:11]), _source(*r[11:17])))
    found: list[Input] = []
    data: dict[tuple[str, int], float] = {}
    for code, y in pairs:
        variable = variables.get(code)
        if variable is None:
            continue
        row = current.get((variable.id, y))
        if row is None:
            found.append(Input(variable, y, None, None, None, 0))
            continue
        data[(code, y)] = row[2]
        found.append(Input(variable, y, row[2], str(row[3]), _source(*row[5:11]), row[4],
                           history.get((variable.id, y), [])))
    statuses = {i.status for i in found if i.status}
    status = next((s for s in STATUS_ORDER if s in statuses), None)
    said = comments([version.indicator_id], year, [unit.id], hidden=hidden).get(
        (unit.id, version.indicator_id), [])
    return Provenance(unit, version, year, formula.evaluator(year)(data), status, found, said)


# --- a city's comments and the analyst's moderation --------------------------------------------

def add_comment(unit: TerritorialUnit, indicator: Indicator, year: int, body: str, user: User,
                value: Provenance) -> ValueComment:
    """A city's comment on its own published value (the caller checked the city is the unit's).
    Refused (400) when empty or too long, (409) when the value is not published."""
    body = body.strip()
    if not body:
        raise Refused(errors={"body": [_("Napisz komentarz.")]}, status=400)
    if len(body) > COMMENT_MAX:
        raise Refused(errors={"body": [_("Komentarz może mieć najwyżej %(n)s znaków.", n=COMMENT_MAX)]},
                      status=400)
    if value.value is None or value.status in (None, ValueStatus.PROVISIONAL.value):
        raise Refused([_("Komentować można tylko opublikowane wartości.")], status=409)
    comment = ValueComment(unit_id=unit.id, indicator_id=indicator.id, year=year, body=body,
                           author_id=user.id)
    db.session.add(comment)
    db.session.flush()
    return comment


def hide_comment(comment: ValueComment, reason: str, user: User) -> None:
    reason = reason.strip()
    if not reason:
        raise Refused(errors={"reason": [_("Napisz, dlaczego komentarz jest ukrywany.")]}, status=400)
    if len(reason) > COMMENT_MAX:
        raise Refused(errors={"reason": [_("Uzasadnienie może mieć najwyżej %(n)s znaków.", n=COMMENT_MAX)]},
                      status=400)
    if comment.hidden_at is not None:
        raise Refused([_("Ten komentarz jest już ukryty.")], status=409)
    comment.hidden_at, comment.hidden_by_id, comment.hidden_reason = utcnow(), user.id, reason
    db.session.flush()


def page_marks(indicator_id: int, formula: compute.Formula, year: int | None, values: dict[int, float],
               member_ids: Sequence[int], unit_ids: Sequence[int] | None = None,
               spread: Spread | None | Literal[False] = False,
               outliers: Mapping[int, float] | None = None, members: Container[int] | None = None,
               ) -> Mapping[int, Mark]:
    """The marks of an indicator's values for a group's members (by unit id, only those with
    something to show): outliers against the group (Spread of the members' values, or the
    `spread` already computed from them, or the `outliers` already found among them with the
    `members` as a set: then only the units with something to show are visited), revision
    notes, comments. One statement (`unit_ids` None: read for all units; corrected values and
    comments are few)."""
    if year is None:
        return {}
    notes, said = notes_and_comments(formula.variables, years_needed([formula], year), [indicator_id], year,
                                     unit_ids)
    marked = {u for u, _v, _y in notes} | {u for u, _i in said}
    if outliers is None:
        outliers = group_outliers(values, member_ids, spread)
    if members is None:
        members = frozenset(member_ids)
    shown = [*outliers, *(u for u in marked if u not in outliers and u in members)]
    return Marks(shown, lambda i: mark(i, indicator_id, formula, year, notes, said, outliers.get(i)))


class Marks(Mapping[int, Mark]):
    """Unit id -> its Mark, for the units with something to show; each Mark made when it is
    first asked for (a page of 25 rows asks for 25 of the ~200 outliers of all gminas)."""

    def __init__(self, unit_ids: Iterable[int], make: Callable[[int], Mark]) -> None:
        self._ids = frozenset(unit_ids)
        self._make = make
        self._made: dict[int, Mark] = {}

    def __getitem__(self, unit_id: int) -> Mark:
        if unit_id not in self._ids:
            raise KeyError(unit_id)
        found = self._made.get(unit_id)
        if found is None:
            found = self._made[unit_id] = self._make(unit_id)
        return found

    def __iter__(self) -> Iterator[int]:
        return iter(self._ids)

    def __len__(self) -> int:
        return len(self._ids)


def group_outliers(values: Mapping[int, float], member_ids: Iterable[int],
                   spread: Spread | None | Literal[False] = False) -> dict[int, float]:
    """The members that are outliers (quality.Spread, the one rule), with their MADs from the
    members' median (`spread`: already computed from the members' values)."""
    if spread is False:
        spread = Spread.of(values[i] for i in member_ids if i in values)
    if spread is None:
        return {}
    return {i: far for i in member_ids if (value := values.get(i)) is not None
            and (far := spread.deviations(value)) is not None}
