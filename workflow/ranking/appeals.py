"""The announced result as a town and the public see it, and the towns' appeals against it.

The window (a programme setting, `appeal_days`; None means the result is final, as in
RL-2020) counts calendar days in the programme's zone (Europe/Warsaw): the day of the
announcement is day 0, and an appeal may be filed until the end of day N, 23:59:59
Warsaw time. Announced on 1 December with 14 days: until 15 December, 23:59:59.

A town files one appeal per announced ranking (the database's unique (path, snapshot)
keeps it so under concurrent requests). The coordinator decides it once, with a note,
and the town is notified. An upheld appeal takes the application back to evaluation
(`reopen_evaluation`, from reserve or not awarded) in a new evaluation round
(Path.evaluation_round + 1): the earlier round's assignments and sheets stay as history and
no longer count; the coordinator assigns evaluators again and, with their sheets in, runs a
new ranking. The announced snapshot itself is never changed. A
refusal carries a code and its values; the view
turns it into the message in the reader's language (this module also runs outside a
request, where there is no reader's language).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import ColumnElement, and_, case, false, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload
from sqlalchemy.orm.exc import StaleDataError

import states
from workflow.audit import log as audit
from workflow.evaluation import scoring
from workflow.extensions import db
from workflow.messaging import links, notifications
from workflow.messaging.notifications import Kind
from workflow.models import (
    Appeal,
    AppealStatus,
    Applicant,
    Criterion,
    Declaration,
    EvaluatorAssignment,
    EvaluatorRole,
    Path,
    Programme,
    RankingSnapshot,
    Role,
    Score,
    ScoreSheet,
    SheetPart,
    SheetStatus,
    User,
)
from workflow.models.types import utcnow
from workflow.path import transitions
from workflow.ranking import runs as ranking_runs
from workflow.refusal import LazyText, Message, NotFound, Refused, _l, either, in_language
from workflow.web.l10n import format_date

MIN_JUSTIFICATION, MAX_TEXT = 50, 5000
UPHELD = _l("protest uwzględniony – wniosek zostanie ponownie oceniony")
REJECTED = _l("protest odrzucony")


class AppealNotFound(NotFound):
    """Not the user's to see or touch: the view answers 404."""


REFUSALS = {
    # code: (HTTP status, the form field the message belongs to, or None for the page)
    "final": (409, None),  # the programme allows no appeal
    "not_announced": (409, None),
    "awarded": (409, None),  # nothing to appeal against
    "already_filed": (409, None),  # values: filed_on (date, or None after a race)
    "window_closed": (409, None),  # values: last_day (date)
    "too_short": (400, "justification"),  # values: min, n
    "too_long": (400, "justification"),  # values: max
    "already_decided": (409, None),
    "note_required": (400, "note"),
    "note_too_long": (400, "note"),  # values: max
    "path_changed": (409, None),  # the path moved while the appeal was decided
}


MESSAGES = {
    "final": _l("W tym programie wynik jest ostateczny – protest nie przysługuje."),
    "not_announced": _l("Wyniki nie zostały jeszcze ogłoszone."),
    "awarded": _l("Wniosek otrzymał dofinansowanie – protest przysługuje od wyniku negatywnego."),
    "already_filed": _l("Protest od tego wyniku został już złożony. Można złożyć tylko jeden protest."),
    "already_decided": _l("Ten protest został już rozpatrzony."),
    "note_required": _l("Podaj uzasadnienie rozstrzygnięcia."),
    "path_changed": _l("Wniosek zmienił w międzyczasie etap, więc nie można go przywrócić do oceny. "
                       "Odśwież stronę i spróbuj ponownie."),
}


def _long_date(day: date) -> LazyText:
    return LazyText(format_date, day, "long")


def refusal_message(code: str, values: dict[str, Any]) -> Message:
    """The refusal `code` with its `values` as a sentence in the reader's language."""
    if code == "window_closed":
        return _l("Termin na złożenie protestu minął %(date)s o godz. 23:59:59 (czasu warszawskiego).",
                  date=_long_date(values["last_day"]))
    if code == "already_filed" and values.get("filed_on"):
        return _l("Protest od tego wyniku został już złożony %(date)s. Można złożyć tylko jeden protest.",
                  date=_long_date(values["filed_on"]))
    if code == "too_short":
        return _l("Uzasadnienie protestu musi mieć co najmniej %(min)d znaków (wpisano %(n)d).",
                  min=values["min"], n=values["n"])
    if code in ("too_long", "note_too_long"):
        return _l("Uzasadnienie może mieć najwyżej %(max)d znaków.", max=values["max"])
    return MESSAGES[code]


class AppealRefused(Refused):
    """The appeal or decision may not be made, and why: `code` (a key of REFUSALS) with
    its `values`; `status` is the HTTP answer, `field` where the message belongs."""

    def __init__(self, code: str, **values: Any) -> None:
        status, field_name = REFUSALS[code]
        message = refusal_message(code, values)
        super().__init__([] if field_name else [message],
                         errors={field_name: [message]} if field_name else None, status=status)
        self.code = code
        self.values = values
        self.field = field_name

    @property
    def message(self) -> Message:
        return self.messages[0]


# --- the window --------------------------------------------------------------------------------

@dataclass(frozen=True)
class Window:
    opens_at: datetime  # the announcement
    last_day: date  # in the programme's zone
    closes_at: datetime  # the first moment after it: midnight after the last day (exclusive)

    @property
    def last_moment(self) -> datetime:
        return self.closes_at - timedelta(seconds=1)

    def is_open(self, now: datetime) -> bool:
        return self.opens_at <= now < self.closes_at


def window(programme: Programme, snapshot: RankingSnapshot | None) -> Window | None:
    """The appeal window of an announced snapshot; None when the result is final."""
    if programme.appeal_days is None or snapshot is None or snapshot.announced_at is None:
        return None
    zone = ZoneInfo(programme.timezone)
    last_day = snapshot.announced_at.astimezone(zone).date() + timedelta(days=programme.appeal_days)
    closes_at = datetime.combine(last_day + timedelta(days=1), time(0), tzinfo=zone)
    return Window(snapshot.announced_at, last_day, closes_at)


def decide_by(programme: Programme, appeal: Appeal) -> date | None:
    """The last day (programme's zone) for the decision, if the programme sets one."""
    if programme.appeal_decision_days is None:
        return None
    return local_day(appeal.filed_at, programme) + timedelta(days=programme.appeal_decision_days)


# --- the announced result of one application -----------------------------------------------------

@dataclass(frozen=True)
class CriterionScore:
    code: str
    title: Message
    max_points: int
    points: int | None
    justification: str


@dataclass(frozen=True)
class SheetView:
    """A submitted sheet as the town sees it: numbered, never named."""

    number: int
    parts: dict[str, int]
    total: int
    counted: bool  # one of the pair the final score is the mean of
    criteria: dict[str, list[CriterionScore]]  # part code -> its criteria in order


@dataclass
class Outcome:
    path: Path
    programme: Programme
    snapshot: RankingSnapshot | None
    entry: dict[str, Any] | None = None  # the application's row of the ranking document
    parts: list[tuple[str, Message, int]] = field(default_factory=list)  # code, title, max
    reserve_position: int | None = None
    sheets: list[SheetView] = field(default_factory=list)
    appeal: Appeal | None = None
    window: Window | None = None

    @property
    def announced(self) -> bool:
        return self.snapshot is not None and self.entry is not None

    @property
    def requested(self) -> Decimal | None:
        value = self.entry.get("requested") if self.entry else None
        return Decimal(value) if value is not None else None

    @property
    def awarded_amount(self) -> Decimal | None:
        return self.requested if self.entry and self.entry["outcome"] == "awarded" else None


def _entry(snapshot: RankingSnapshot, path: Path) -> tuple[dict[str, Any] | None, int | None]:
    """The path's row of the document and, on the reserve list, its place there."""
    rows = (snapshot.result or {}).get("applications", [])
    reserve = 0
    for path_id, row in zip(ranking_runs.path_ids(snapshot), rows, strict=True):
        if row["outcome"] == "reserve":
            reserve += 1
        if path_id == path.id:
            return row, reserve if row["outcome"] == "reserve" else None
    return None, None


def _sheets(path: Path, snapshot: RankingSnapshot, entry: dict[str, Any], discrepancy_pct: int
            ) -> list[SheetView]:
    """The sheets the ranking counted, in its order, with their criteria (two queries).

    An evaluator may have scored the application in more than one evaluation round (after an
    upheld appeal): their sheet is the one of the latest round submitted before the ranking ran."""
    listed = [s["evaluator"] for s in entry.get("sheets", [])]
    if not listed:
        return []
    final = scoring.final_score([scoring.SheetTotals(s["evaluator"], s["parts"]) for s in entry["sheets"]],
                                discrepancy_pct)
    counted = set(final.counted or ())
    third_last = case((EvaluatorAssignment.role == EvaluatorRole.THIRD, 1), else_=0)
    sheet_rows = db.session.execute(
        select(ScoreSheet.id, User.email)
        .join(EvaluatorAssignment, EvaluatorAssignment.id == ScoreSheet.assignment_id)
        .join(User, User.id == EvaluatorAssignment.evaluator_id)
        .where(EvaluatorAssignment.path_id == path.id, ScoreSheet.status == SheetStatus.SUBMITTED,
               ScoreSheet.submitted_at <= snapshot.created_at,
               or_(EvaluatorAssignment.declaration.is_(None),
                   EvaluatorAssignment.declaration != Declaration.CONFLICT))
        .order_by(EvaluatorAssignment.round, third_last, EvaluatorAssignment.id)
    ).all()
    sheet_of = {email: sid for sid, email in sheet_rows}
    ids = [sheet_of[e] for e in listed if e in sheet_of]
    scores: dict[int, dict[str, list[CriterionScore]]] = {sid: {} for sid in ids}
    for sid, code, c_code, title_pl, title_en, max_points, points, text in db.session.execute(
        select(Score.sheet_id, SheetPart.code, Criterion.code, Criterion.title_pl, Criterion.title_en,
               Criterion.max_points, Score.points, Score.justification)
        .join(Criterion, Criterion.id == Score.criterion_id)
        .join(SheetPart, SheetPart.id == Criterion.part_id)
        .where(Score.sheet_id.in_(ids)).order_by(SheetPart.position, SheetPart.id, Criterion.position)
    ):
        scores[sid].setdefault(code, []).append(
            CriterionScore(c_code, either(title_pl, title_en), max_points, points, text))
    out = []
    for i, doc_sheet in enumerate(entry["sheets"]):
        sid = sheet_of.get(doc_sheet["evaluator"])
        out.append(SheetView(i + 1, dict(doc_sheet["parts"]), doc_sheet["total"], i in counted,
                             scores.get(sid, {}) if sid is not None else {}))
    return out


def outcome(path: Path) -> Outcome:
    """What the town may read about its application in the announced ranking."""
    programme = path.programme
    snapshot = ranking_runs.announced_snapshot(programme.id)
    result = Outcome(path, programme, snapshot)
    if snapshot is None:
        return result
    result.entry, result.reserve_position = _entry(snapshot, path)
    if result.entry is None:
        return result
    titles = {code: either(pl, en) for code, pl, en in db.session.execute(
        select(SheetPart.code, SheetPart.title_pl, SheetPart.title_en)
        .where(SheetPart.programme_id == programme.id))}
    result.parts = [(p["code"], titles.get(p["code"], p["code"]), p["max"])
                    for p in snapshot.result["settings"]["parts"]]
    result.sheets = _sheets(path, snapshot, result.entry, int(snapshot.result["settings"]["discrepancy"]))
    result.appeal = db.session.scalar(select(Appeal).where(Appeal.path_id == path.id,
                                                           Appeal.snapshot_id == snapshot.id))
    result.window = window(programme, snapshot)
    return result


# --- filing and deciding ---------------------------------------------------------------------------

def local_day(moment: datetime, programme: Programme) -> date:
    return moment.astimezone(ZoneInfo(programme.timezone)).date()


def check_can_file(found: Outcome, now: datetime) -> None:
    """Raise AppealRefused if the town may not file an appeal now (before any input)."""
    if found.programme.appeal_days is None:
        raise AppealRefused("final")
    if not found.announced:
        raise AppealRefused("not_announced")
    assert found.entry is not None and found.window is not None  # noqa: S101
    if found.entry["outcome"] == "awarded":
        raise AppealRefused("awarded")
    if found.appeal is not None:
        raise AppealRefused("already_filed", filed_on=local_day(found.appeal.filed_at, found.programme))
    if not found.window.is_open(now):
        raise AppealRefused("window_closed", last_day=found.window.last_day)


def file(path: Path, user: User, justification: str, now: datetime | None = None) -> Appeal:
    """File the town's appeal against its announced result; commits."""
    if user.role != Role.TOWN or user.applicant_id != path.applicant_id:
        raise AppealNotFound(path.id)
    now = now or utcnow()
    found = outcome(path)
    check_can_file(found, now)
    text = (justification or "").strip()
    if len(text) < MIN_JUSTIFICATION:
        raise AppealRefused("too_short", min=MIN_JUSTIFICATION, n=len(text))
    if len(text) > MAX_TEXT:
        raise AppealRefused("too_long", max=MAX_TEXT)
    assert found.snapshot is not None  # noqa: S101  (checked above)
    appeal = Appeal(path_id=path.id, snapshot_id=found.snapshot.id, justification=text,
                    status=AppealStatus.FILED, filed_at=now, filed_by_id=user.id)
    db.session.add(appeal)
    audit.record("appeal_filed", actor=user, object_type="path", object_id=path.id,
                 programme_id=path.programme_id)
    try:
        db.session.commit()
    except IntegrityError as exc:  # the same town's second request at the same moment
        db.session.rollback()
        raise AppealRefused("already_filed", filed_on=None) from exc
    return appeal


def decide(appeal: Appeal, actor: User, upheld: bool, note: str, now: datetime | None = None) -> Appeal:
    """Decide a filed appeal once, with a note; notify the town's members; commits.

    Upheld: in the same transaction the path goes back to evaluation (the definition's
    `reopen_event`, fired as `actor` with the note as its comment, if the path is in a state
    it leaves from: on the reserve list or not awarded) and its evaluation round goes up by
    one. The coordinator's next steps are evaluators for the new round
    (manual_assignment.assign) and, with their sheets in, a new ranking. Rejected: no path changes."""
    if actor.role != Role.COORDINATOR:
        raise AppealNotFound(appeal.id)
    text = (note or "").strip()
    if appeal.status != AppealStatus.FILED:
        raise AppealRefused("already_decided")
    if not text:
        raise AppealRefused("note_required")
    if len(text) > MAX_TEXT:
        raise AppealRefused("note_too_long", max=MAX_TEXT)
    now = now or utcnow()
    status = AppealStatus.UPHELD if upheld else AppealStatus.REJECTED
    changed = db.session.execute(
        update(Appeal).where(Appeal.id == appeal.id, Appeal.status == AppealStatus.FILED)
        .values(status=status, decided_at=now, decided_by_id=actor.id, decision_note=text)
        .execution_options(synchronize_session=False)
    ).rowcount
    if changed != 1:  # someone decided it in the meantime
        db.session.rollback()
        raise AppealRefused("already_decided")
    path = db.session.get(Path, appeal.path_id)
    assert path is not None  # noqa: S101
    definition = transitions.definition_of(path)
    if upheld and definition.can_reopen(path.state):
        reopen = definition.reopen_event or ""  # can_reopen: there is one
        try:
            transitions.fire(path, reopen, actor, comment=text, commit=False)
        except transitions.TransitionRefused as exc:
            db.session.rollback()
            raise AppealRefused("path_changed") from exc
        path.evaluation_round += 1
    _notify_town(path, UPHELD if upheld else REJECTED, text)
    audit.record("appeal_decided", actor=actor, object_type="appeal", object_id=appeal.id,
                 programme_id=path.programme_id, detail={"decision": status, "path_id": path.id})
    try:
        db.session.commit()
    except (IntegrityError, StaleDataError) as exc:  # the path moved in the meantime
        db.session.rollback()
        raise AppealRefused("path_changed") from exc
    db.session.refresh(appeal)
    notifications.dispatch()  # the town's message, and any the reopening declares
    return appeal


def _notify_town(path: Path, decision: Message, note: str) -> None:
    members = db.session.scalars(select(User).where(User.applicant_id == path.applicant_id,
                                                    User.role == Role.TOWN, User.active.is_(True))
                                 .order_by(User.id))
    for user in members:
        locale = user.locale or "pl"
        notifications.queue(user, Kind.APPEAL_DECIDED, town=path.applicant.name,
                            programme=path.programme, decision=in_language(decision, locale), note=note,
                            link=links.absolute("results.town_path", path_id=path.id))


# --- reading appeals ---------------------------------------------------------------------------------

def get_for(user: User, appeal_id: int) -> Appeal:
    """The appeal if `user` may see it (the coordinator any, a town its own)."""
    query = select(Appeal).where(Appeal.id == appeal_id).options(
        joinedload(Appeal.path).joinedload(Path.applicant),
        joinedload(Appeal.path).joinedload(Path.programme))
    if user.role == Role.TOWN:
        query = query.join(Path, Path.id == Appeal.path_id).where(Path.applicant_id == user.applicant_id)
    elif user.role != Role.COORDINATOR:
        raise AppealNotFound(appeal_id)
    appeal = db.session.scalar(query)
    if appeal is None:
        raise AppealNotFound(appeal_id)
    return appeal


def listing(programme_id: int | None = None, status: str | None = None) -> list[Appeal]:
    """Appeals, those waiting for a decision first, then the newest (one query)."""
    query = (select(Appeal).join(Path, Path.id == Appeal.path_id)
             .options(joinedload(Appeal.path).joinedload(Path.applicant),
                      joinedload(Appeal.path).joinedload(Path.programme))
             .order_by(case((Appeal.status == AppealStatus.FILED, 0), else_=1), Appeal.filed_at.desc(),
                       Appeal.id.desc()))
    if programme_id is not None:
        query = query.where(Path.programme_id == programme_id)
    if status is not None:
        query = query.where(Appeal.status == status)
    return list(db.session.scalars(query))


# --- the public results ------------------------------------------------------------------------------

# The outcomes the public results list: the awarded towns and the reserve list.
PUBLIC_LISTS = ("awarded", "reserve")


def _holding(programme: Programme, outcomes: tuple[str, ...]) -> ColumnElement[bool]:
    """A path of `programme` in the state its definition gives one of `outcomes`."""
    definition = states.get_definition(programme.path_code)
    codes = [code for code in (definition.outcome_state(o) for o in outcomes) if code is not None]
    if not codes:
        return false()
    return and_(Path.programme_id == programme.id, Path.state.in_(codes))


@dataclass(frozen=True)
class PublicResult:
    programme: Programme
    snapshot_id: int
    announced_at: datetime
    budget: Decimal | None
    parts: list[str]  # the codes of the score sheet's parts, in order
    awarded: list[dict[str, Any]]  # rank, town, voivodeship, amount, total, parts {code: points}
    reserve: list[dict[str, Any]]  # the same, for the reserve list
    awarded_sum: Decimal


@dataclass(frozen=True)
class Announced:
    """What the public results are made of, read in two statements without the ranking documents:
    the announcements in force with their programmes, and who holds a grant or a reserve place.
    `version` changes whenever the results drawn from them would (decision 0046): a snapshot's
    document never changes once announced, so its id stands for it."""

    rows: list[tuple[int, datetime, Programme]]  # snapshot id, announced at, programme
    # (programme, path) -> (state, voivodeship): the path, not the town's name, which may change
    # after the announcement while the document keeps the name announced
    placed: dict[tuple[int, int], tuple[str, str]]

    @property
    def version(self) -> tuple[Any, ...]:
        return (tuple((i, at, p.id, p.code, p.path_code, p.title_pl, p.title_en) for i, at, p in self.rows),
                frozenset(self.placed.items()))


def announced(code: str | None = None) -> Announced:
    """Every programme with an announced ranking (or only the one of `code`), the latest
    announcement first, and the paths on its lists (two queries, no ranking document read)."""
    query = (select(RankingSnapshot.id, RankingSnapshot.announced_at, Programme)
             .join(Programme, Programme.id == RankingSnapshot.programme_id)
             .where(RankingSnapshot.announced_at.is_not(None), RankingSnapshot.superseded_at.is_(None))
             .order_by(RankingSnapshot.announced_at.desc(), Programme.id))
    if code is not None:
        query = query.where(Programme.code == code)
    rows = [(i, at, p) for i, at, p in db.session.execute(query)]
    placed: dict[tuple[int, int], tuple[str, str]] = {}
    for programme_id, path_id, state, voivodeship in db.session.execute(
        select(Path.programme_id, Path.id, Path.state, Applicant.voivodeship)
        .join(Applicant, Applicant.id == Path.applicant_id)
        .where(or_(false(), *(_holding(p, PUBLIC_LISTS) for _, _, p in rows)))
    ):
        placed[(programme_id, path_id)] = (state, voivodeship)
    return Announced(rows, placed)


def public_results(code: str | None = None, found: Announced | None = None) -> list[PublicResult]:
    """Every programme with an announced ranking (or only the one of `code`), the latest
    announcement first (three queries; two when `found` by announced()): the awarded towns and
    the reserve list.

    Who holds a grant, or a place on the reserve list, is the paths' state, not only the
    latest document: a corrected announcement never withdraws a grant announced earlier,
    even where the corrected ranking would now place that town lower.
    """
    found = found or announced(code)
    docs = {i: (doc, inputs) for i, doc, inputs in db.session.execute(
        select(RankingSnapshot.id, RankingSnapshot.result, RankingSnapshot.inputs)
        .where(RankingSnapshot.id.in_([i for i, _, _ in found.rows])))} if found.rows else {}
    out = []
    for snapshot_id, announced_at, programme in found.rows:
        definition = states.get_definition(programme.path_code)
        doc, inputs = docs.get(snapshot_id) or ({}, {})
        doc = doc or {}
        parts = [p["code"] for p in (doc.get("settings") or {}).get("parts", [])]
        lists: dict[str, list[dict[str, Any]]] = {outcome: [] for outcome in PUBLIC_LISTS}
        # each row matched to its path (a stable id), the town shown by the name announced
        for a, path_id in zip(doc.get("applications", []), ranking_runs.document_path_ids(inputs, doc),
                              strict=True):
            state, voivodeship = found.placed.get((programme.id, path_id), ("", ""))
            for outcome in lists:
                if state and state == definition.outcome_state(outcome):
                    lists[outcome].append({
                        "rank": a["rank"], "town": a["town"], "voivodeship": voivodeship,
                        "amount": Decimal(a["requested"]), "total": a["total"],
                        "parts": {c: (a.get("final") or {}).get(c) for c in parts}})
        budget = (doc.get("settings") or {}).get("budget")
        out.append(PublicResult(programme, snapshot_id, announced_at,
                                Decimal(budget) if budget is not None else None, parts,
                                lists["awarded"], lists["reserve"],
                                sum((a["amount"] for a in lists["awarded"]), Decimal("0.00"))))
    return out
