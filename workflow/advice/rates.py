"""The market value of the advisory support: the coordinator's rate per hour of each kind of
service in a programme (ServiceRate), and the hours of the services report valued at them.

The support is free for the applicants (the partnerships' municipalities above all), so the
report says what it would have cost: hours of each kind (the maintained totals keep the
minutes of each kind, migration 0022) times its rate. A kind without a rate is shown
without a value, and the total says it leaves that kind out.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from sqlalchemy import delete, select

from workflow.advice.reports import Metrics
from workflow.audit import log as audit
from workflow.extensions import db
from workflow.models import Programme, ServiceRate, User
from workflow.models.advisory import SERVICE_KINDS
from workflow.models.types import utcnow

MAX_RATE = Decimal("99999.99")
CENT = Decimal("0.01")


def rates_of(programme: Programme) -> dict[str, Decimal | None]:
    """Each kind's rate (None: not set), one query."""
    found = {str(getattr(kind, "value", kind)): rate for kind, rate in db.session.execute(
        select(ServiceRate.kind, ServiceRate.hourly_rate).where(ServiceRate.programme_id == programme.id))}
    return {kind: found.get(kind) for kind in SERVICE_KINDS}


def save(programme: Programme, rates: Mapping[str, Decimal | None], actor: User) -> None:
    """Set (or, with None, clear) the rates of the kinds given; commits, with an audit entry."""
    before = rates_of(programme)
    db.session.execute(delete(ServiceRate).where(ServiceRate.programme_id == programme.id,
                                                 ServiceRate.kind.in_(list(rates))))
    now = utcnow()
    for kind, rate in rates.items():
        if rate is not None:
            db.session.add(ServiceRate(programme_id=programme.id, kind=kind,
                                       hourly_rate=rate.quantize(CENT), updated_at=now,
                                       updated_by_id=actor.id))
    audit.record("service_rates_set", actor=actor, object_type="programme", object_id=programme.id,
                 programme_id=programme.id,
                 detail={kind: {"from": str(before.get(kind)) if before.get(kind) is not None else None,
                                "to": str(rate) if rate is not None else None}
                         for kind, rate in rates.items()})
    db.session.commit()


@dataclass(frozen=True)
class Line:
    kind: str
    hours: Decimal
    rate: Decimal | None
    value: Decimal | None


@dataclass(frozen=True)
class Valuation:
    lines: list[Line]
    hours: Decimal
    value: Decimal
    unpriced: list[str]  # kinds with hours but no rate: left out of `value`


def hours(minutes: int) -> Decimal:
    return (Decimal(minutes) / 60).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


def valuation(metrics: Metrics, rates: Mapping[str, Decimal | None]) -> Valuation:
    """The hours of each kind and their value at `rates` (exact minutes, rounded to the grosz)."""
    lines: list[Line] = []
    for kind in SERVICE_KINDS:
        minutes = metrics.minutes_of(kind)
        rate = rates.get(kind)
        value = None if rate is None else (Decimal(minutes) * rate / 60).quantize(CENT, ROUND_HALF_UP)
        lines.append(Line(kind, hours(minutes), rate, value))
    return Valuation(lines, hours(metrics.minutes), sum((ln.value or Decimal(0) for ln in lines), Decimal(0)),
                     [ln.kind for ln in lines if ln.rate is None and ln.hours])
