"""The market value of the advisory support: the coordinator's rate per hour of each kind of
service in a programme (ServiceRate), and the hours of the services report valued at them.

The support is free for the applicants (the partnerships' municipalities above all), so the
report says what it would have cost: hours of each kind (the maintained totals keep the
minutes of each kind, migration 0022) times its rate. A kind without a rate is shown
without a value, and the total says it leaves that kind out.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from zoneinfo import ZoneInfo

from sqlalchemy import select

from workflow.advice.reports import GroupRow, Metrics
from workflow.audit import log as audit
from workflow.extensions import db
from workflow.models import Programme, ServiceRate, User
from workflow.models.advisory import SERVICE_KINDS
from workflow.models.types import utcnow

MAX_RATE = Decimal("99999.99")
CENT = Decimal("0.01")


@dataclass(frozen=True)
class Period:
    """One kind's rate (None: no rate) in force from `valid_from` until the next period."""

    kind: str
    valid_from: date
    rate: Decimal | None
    updated_at: datetime
    updated_by: str | None


def today(programme: Programme) -> date:
    return datetime.now(ZoneInfo(programme.timezone)).date()


def periods_of(programme: Programme) -> list[Period]:
    """Every period of the programme's rates, each kind's in date order (one query)."""
    return [Period(str(getattr(kind, "value", kind)), valid_from, rate, at, name)
            for kind, valid_from, rate, at, name in db.session.execute(
                select(ServiceRate.kind, ServiceRate.valid_from, ServiceRate.hourly_rate,
                       ServiceRate.updated_at, User.name)
                .outerjoin(User, User.id == ServiceRate.updated_by_id)
                .where(ServiceRate.programme_id == programme.id)
                .order_by(ServiceRate.kind, ServiceRate.valid_from))]


def history(periods: Sequence[Period]) -> dict[str, list[Period]]:
    """Each kind's periods, the newest first (the rates page)."""
    return {kind: sorted((p for p in periods if p.kind == kind), key=lambda p: p.valid_from, reverse=True)
            for kind in SERVICE_KINDS}


def rate_on(periods: Sequence[Period], kind: str, day: date) -> Decimal | None:
    """The kind's rate in force on `day` (None: none)."""
    found: Decimal | None = None
    for p in periods:
        if p.kind == kind and p.valid_from <= day:
            found = p.rate  # periods come in date order
    return found


def rates_on(periods: Sequence[Period], day: date) -> dict[str, Decimal | None]:
    return {kind: rate_on(periods, kind, day) for kind in SERVICE_KINDS}


def rates_of(programme: Programme) -> dict[str, Decimal | None]:
    """Each kind's rate in force today (None: not set), one query."""
    return rates_on(periods_of(programme), today(programme))


def save(programme: Programme, rates: Mapping[str, Decimal | None], valid_from: date, actor: User) -> None:
    """The rates of the kinds given in force from `valid_from` (None: no rate from then): a new
    period for each kind whose rate that day changes, the earlier ones kept; a period starting
    that same day is set anew. Commits, with an audit entry."""
    periods = periods_of(programme)
    now = utcnow()
    changed: dict[str, dict[str, str | None]] = {}
    for kind, rate in rates.items():
        rate = None if rate is None else rate.quantize(CENT)
        before = rate_on(periods, kind, valid_from)
        same_day = db.session.get(ServiceRate, (programme.id, kind, valid_from))
        if same_day is None and rate == before:
            continue
        if same_day is None:
            db.session.add(ServiceRate(programme_id=programme.id, kind=kind, valid_from=valid_from,
                                       hourly_rate=rate, updated_at=now, updated_by_id=actor.id))
        else:
            same_day.hourly_rate, same_day.updated_at, same_day.updated_by_id = rate, now, actor.id
        changed[kind] = {"from": None if before is None else str(before),
                         "to": None if rate is None else str(rate)}
    if changed:
        audit.record("service_rates_set", actor=actor, object_type="programme", object_id=programme.id,
                     programme_id=programme.id, detail={"valid_from": valid_from.isoformat(), **changed})
    db.session.commit()


@dataclass(frozen=True)
class Line:
    kind: str
    hours: Decimal
    rates: tuple[Decimal, ...]  # the rates the kind's hours were valued at, the earliest first
    value: Decimal | None  # None: no hour of the kind had a rate

    @property
    def rate(self) -> Decimal | None:
        """The one rate of every hour of the kind (None: none, or several)."""
        return self.rates[0] if len(self.rates) == 1 else None


@dataclass(frozen=True)
class Valuation:
    lines: list[Line]
    hours: Decimal
    value: Decimal
    unpriced: list[str]  # kinds with hours but no rate: left out of `value`


def hours(minutes: int) -> Decimal:
    return (Decimal(minutes) / 60).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


def _month(key: str) -> tuple[date, date]:
    first = date(int(key[:4]), int(key[5:7]), 1)
    return first, (first + timedelta(days=32)).replace(day=1) - timedelta(days=1)


def split_months(months: Sequence[GroupRow], periods: Sequence[Period]) -> list[str]:
    """The months (with minutes of a kind) in which that kind's rate changes after the 1st."""
    out = []
    for m in months:
        first, last = _month(str(m.key))
        if any(m.minutes_of(p.kind) and first < p.valid_from <= last for p in periods):
            out.append(str(m.key))
    return out


def valuation(metrics: Metrics, months: Sequence[GroupRow], periods: Sequence[Period], on: date,
              days: Callable[[list[str]], Mapping[tuple[str, date], int]]) -> Valuation:
    """The hours of each kind (`metrics`) and their value, each service's minutes at the rate in
    force on its day (exact minutes, rounded to the grosz per kind). The months' minutes
    (`months`, the report's breakdown) are valued at the month's rate; a month in which a rate
    changes after the 1st asks `days` for its minutes per kind and day (one query). A kind
    without minutes shows the rate in force `on` that day."""
    split = split_months(months, periods)
    by_day = days(split) if split else {}
    priced: dict[str, list[tuple[int, Decimal | None]]] = {kind: [] for kind in SERVICE_KINDS}
    for m in months:
        first, _last = _month(str(m.key))
        for kind in SERVICE_KINDS:
            if str(m.key) not in split and m.minutes_of(kind):
                priced[kind].append((m.minutes_of(kind), rate_on(periods, kind, first)))
    for (kind, day), minutes in by_day.items():
        priced[kind].append((minutes, rate_on(periods, kind, day)))
    lines: list[Line] = []
    unpriced: list[str] = []
    for kind in SERVICE_KINDS:
        parts = priced[kind]
        used = sorted({r for n, r in parts if n and r is not None}, key=lambda r: min(
            p.valid_from for p in periods if p.kind == kind and p.rate == r))
        if any(n and r is None for n, r in parts) and metrics.minutes_of(kind):
            unpriced.append(kind)
        if not metrics.minutes_of(kind):
            now = rate_on(periods, kind, on)
            lines.append(Line(kind, hours(0), () if now is None else (now,),
                              None if now is None else Decimal(0)))
            continue
        exact = sum((Decimal(n) * r for n, r in parts if r is not None), Decimal(0))
        value = (exact / 60).quantize(CENT, ROUND_HALF_UP) if used else None
        lines.append(Line(kind, hours(metrics.minutes_of(kind)), tuple(used), value))
    return Valuation(lines, hours(metrics.minutes), sum((ln.value or Decimal(0) for ln in lines), Decimal(0)),
                     unpriced)
