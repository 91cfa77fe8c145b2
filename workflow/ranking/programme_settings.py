"""A programme's settings, changed by the coordinator: the ranking's (budget, winners' cap,
threshold, budget policy, evaluators per application, discrepancy), the evaluation's (when
other sheets become visible, the evaluation deadline), the appeals' (days to appeal, days
to decide) and the reminders' offsets.

They live on the Programme row (workflow/models/programme.py). Every change is one audit
event, `programme_settings_changed`, whose detail names each changed setting with the
value it replaced and the new one. Once a ranking of the programme has been approved (an
official snapshot exists), the settings that ranking was computed with are locked: a
change to any of them is refused, saying why, and nothing is written.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import select

from workflow.audit import log as audit
from workflow.extensions import db
from workflow.models import (
    AuditEvent,
    HideScoresUntil,
    Programme,
    RankingKind,
    RankingPolicy,
    RankingSnapshot,
    User,
)
from workflow.refusal import Message, Refused, _l

ACTION = "programme_settings_changed"
# What the ranking is computed with: locked once a ranking is approved.
RANKING_FIELDS = ("budget", "winners_cap", "threshold_pct", "policy", "evaluators_per_application",
                  "discrepancy_pct")
OTHER_FIELDS = ("hide_scores_until", "appeal_days", "appeal_decision_days", "evaluation_deadline",
                "reminder_offsets")
FIELDS = RANKING_FIELDS + OTHER_FIELDS

OFFSETS_MAX_CHARS = 40  # the column's width
OFFSET_MIN, OFFSET_MAX = 1, 365

LOCKED_FIELD = _l("Nie można zmienić – ranking jest już zatwierdzony.")


class SettingsRefused(Refused):
    """A change of settings that may not happen; `errors` name the fields (HTTP 409)."""

    def __init__(self, reasons: list[Message], errors: dict[str, list[Message]] | None = None) -> None:
        super().__init__(reasons, errors=errors or {}, status=409)


def parse_offsets(text: str | None) -> list[int] | None:
    """'14, 7,3 1' → [14, 7, 3, 1] (whole days, 1..365, each once, largest first); '' → [];
    None when anything typed is not such a number."""
    parts = (text or "").replace(";", ",").replace(" ", ",").split(",")
    days: set[int] = set()
    for part in (p.strip() for p in parts):
        if not part:
            continue
        if not part.isdigit():
            return None
        value = int(part)
        if not OFFSET_MIN <= value <= OFFSET_MAX:
            return None
        days.add(value)
    return sorted(days, reverse=True)


def offsets_text(days: list[int]) -> str:
    return ",".join(str(d) for d in days)


def approved_ranking(programme_id: int) -> RankingSnapshot | None:
    """The first approved (official) ranking of the programme, or None: while there is one,
    the ranking's settings are locked."""
    return db.session.scalar(select(RankingSnapshot)
                             .where(RankingSnapshot.programme_id == programme_id,
                                    RankingSnapshot.kind == RankingKind.OFFICIAL)
                             .order_by(RankingSnapshot.id).limit(1))


def current(programme: Programme) -> dict[str, Any]:
    """The programme's settings, by name."""
    return {name: getattr(programme, name) for name in FIELDS}


def _json(value: Any) -> Any:
    """A setting's value as the audit log keeps it."""
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value.quantize(Decimal("0.01")))
    if isinstance(value, RankingPolicy | HideScoresUntil):
        return value.value
    return value


def _same(old: Any, new: Any) -> bool:
    if isinstance(old, datetime) and isinstance(new, datetime):  # the form types whole minutes
        return old.replace(second=0, microsecond=0) == new.replace(second=0, microsecond=0)
    if isinstance(old, Decimal) or isinstance(new, Decimal):
        return (old is None) == (new is None) and (old is None or Decimal(old) == Decimal(new))
    return _json(old) == _json(new)


@dataclass(frozen=True)
class Change:
    name: str
    old: Any
    new: Any


def update(programme: Programme, values: dict[str, Any], actor: User) -> list[Change]:
    """Write the settings in `values` (names of FIELDS; the form has checked each value) and
    record what changed, with the values replaced (committed). Returns the changes (empty:
    nothing differed, nothing written). Refused when a locked setting would change."""
    unknown = set(values) - set(FIELDS)
    if unknown:
        raise ValueError(f"unknown settings: {sorted(unknown)}")
    if "reminder_offsets" in values:
        days = parse_offsets(values["reminder_offsets"])
        if days is None:
            raise ValueError("reminder_offsets: not a list of days")
        values = {**values, "reminder_offsets": offsets_text(days)}
    row = db.session.scalar(select(Programme).where(Programme.id == programme.id)
                            .with_for_update().execution_options(populate_existing=True))
    assert row is not None
    changes = [Change(name, getattr(row, name), new) for name, new in values.items()
               if not _same(getattr(row, name), new)]
    if not changes:
        db.session.rollback()
        return []
    locked = [c for c in changes if c.name in RANKING_FIELDS]
    approved = approved_ranking(row.id) if locked else None
    if approved is not None:
        db.session.rollback()
        raise SettingsRefused([locked_message(approved.id)], {c.name: [LOCKED_FIELD] for c in locked})
    for change in changes:
        setattr(row, change.name, change.new)
    audit.record(ACTION, actor=actor, object_type="programme", object_id=row.id, programme_id=row.id,
                 detail={"changes": {c.name: {"old": _json(c.old), "new": _json(c.new)}
                                     for c in changes}})
    db.session.commit()
    return changes


def locked_message(snapshot_id: int) -> Message:
    """Why the ranking's settings may not change."""
    return _l("Ranking tego programu został już zatwierdzony (ranking #%(id)s), więc ustawień, "
              "na których się opiera, nie można zmienić: budżetu, limitu dofinansowań, progu, "
              "zasady budżetowej, liczby oceniających i dopuszczalnej rozbieżności ocen.",
              id=snapshot_id)


def history(programme: Programme, limit: int = 20) -> list[AuditEvent]:
    """The latest changes of the programme's settings, newest first (one query)."""
    return list(db.session.scalars(
        select(AuditEvent).where(AuditEvent.action == ACTION, AuditEvent.programme_id == programme.id)
        .order_by(AuditEvent.created_at.desc(), AuditEvent.id.desc()).limit(limit)))
