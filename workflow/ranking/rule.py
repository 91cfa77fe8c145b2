"""The ranking rule (RL-2020 default): pure and deterministic; no database, no request.

Eligible: passed the formal check, every required sheet submitted (so the final score is
complete), and each part's final score at least `threshold_pct` % of that part's maximum.
Order: total descending; ties by each part in sheet order (part I, then part II),
descending, then the earlier submission, then the town's name in Polish alphabetical
order, and last the path id (so that no two rows ever compare equal).
Selection walks the order and awards while fewer than `cap` are awarded and the request
fits the remaining budget. Policy 'strict': the first that does not fit the budget and
every one below it go to the reserve list; 'skip': it goes to the reserve list and the
walk continues. Every reserve row and every not eligible row carries its reason.

Reasons are lazy gettext messages, read in the reader's language; the document keeps them
in Polish. The same applications and settings always give the same document: `to_document`
is the machine-readable ranking (`flask rank --json`), `inputs_json` + `digest` identify
the inputs a snapshot was computed from.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any

from workflow.collector import no_cycle_collection
from workflow.evaluation.scoring import RULE_VERSION as SCORING_RULE_VERSION
from workflow.evaluation.scoring import FinalScore, SheetTotals, final_score
from workflow.refusal import LazyText, Message, _l, either, in_language
from workflow.refusal import fill as _fill
from workflow.text import polish_key

RULE_VERSION = "best-within-budget-v1"
FULL_RULE_VERSION = f"{RULE_VERSION}/{SCORING_RULE_VERSION}"
POLICIES = ("strict", "skip")
FORMAL_CHECKS = ("passed", "failed", "pending")
OUTCOMES = ("awarded", "reserve", "not_eligible")
CENT = Decimal("0.01")
ZERO = Decimal(0)

FORMAL_FAILED = _l("negatywna ocena formalna")
FORMAL_PENDING = _l("ocena formalna niezakończona")
SHEETS_MISSING = _l("brak wymaganych kart")
NO_AMOUNT = _l("brak wnioskowanej kwoty")
# Filled by _fill with their %(name)s values.
CAP_REACHED = _l("wyczerpany limit liczby dofinansowań (%(cap)s)")
OVER_BUDGET = _l("wnioskowana kwota przekracza pozostały budżet (%(left)s zł)")
BELOW_MISFIT = _l("poniżej wniosku, który nie zmieścił się w budżecie (zasada „strict”)")
BELOW_THRESHOLD = _l("%(part)s poniżej progu: %(got)s z %(max)s pkt (wymagane %(need)s pkt, %(pct)s %%)")


@dataclass(frozen=True)
class Application:
    """One application as the ranking sees it. `sheets` are the submitted sheets in
    assignment order: the regular evaluators first, then the third."""

    path_id: int
    town: str
    requested: Decimal | None
    submitted_at: datetime | None
    formal_check: str  # passed | failed | pending
    sheets: tuple[SheetTotals, ...] = ()


@dataclass(frozen=True)
class Settings:
    cap: int | None  # None: no limit on the number of grants
    budget: Decimal | None  # None: no limit on the money
    threshold_pct: int = 60
    policy: str = "strict"
    discrepancy_pct: int = 30
    parts: tuple[tuple[str, int], ...] = ()  # (code, max points) in sheet order
    evaluators: int = 2  # regular sheets required per application

    def __post_init__(self) -> None:
        if self.policy not in POLICIES:
            raise ValueError(f"unknown policy {self.policy!r}")
        if self.cap is not None and self.cap < 0:
            raise ValueError("cap must not be negative")
        if self.budget is not None and self.budget < 0:
            raise ValueError("budget must not be negative")
        if not 0 <= self.threshold_pct <= 100:
            raise ValueError("threshold must be 0..100")


@dataclass(frozen=True)
class Row:
    application: Application
    final: FinalScore
    rank: int | None  # place among the eligible; None when not eligible
    outcome: str  # awarded | reserve | not_eligible
    reasons: tuple[Message, ...] = ()

    @property
    def reason(self) -> Message | None:
        if not self.reasons:
            return None
        reasons = self.reasons
        return LazyText(lambda: "; ".join(str(r) for r in reasons))


@dataclass(frozen=True)
class Result:
    settings: Settings
    rows: tuple[Row, ...]
    awarded_count: int = 0
    awarded_sum: Decimal = Decimal("0.00")
    rule_version: str = FULL_RULE_VERSION
    missing_sheets: tuple[str, ...] = field(default=())  # towns that passed but lack sheets

    @property
    def remaining(self) -> Decimal | None:
        return None if self.settings.budget is None else self.settings.budget - self.awarded_sum


# --- the rule ----------------------------------------------------------------------------------

def pl_number(value: Decimal | int) -> str:
    """62.5 → '62,5'; 66 → '66' (Polish decimal comma, no trailing zeros)."""
    text = format(Decimal(value).normalize(), "f")
    return text.replace(".", ",")


def pl_money(value: Decimal) -> str:
    """Decimal('1234567.5') → '1 234 567,50' (no-break spaces between thousands)."""
    return f"{value.quantize(CENT):,.2f}".replace(",", "\xa0").replace(".", ",")


def _normalised(sheets: Sequence[SheetTotals], codes: Sequence[str]) -> list[SheetTotals]:
    """Every sheet with every part of the settings (a part without scores counts 0)."""
    if not codes:
        return list(sheets)
    return [SheetTotals(s.evaluator, {c: int(s.parts.get(c, 0)) for c in codes}) for s in sheets]


def _limits(settings: Settings) -> tuple[tuple[str, int, Decimal], ...]:
    """Each part's code, maximum and threshold × maximum (the least points × 100 that pass)."""
    threshold = Decimal(settings.threshold_pct)
    return tuple((code, maximum, threshold * maximum) for code, maximum in settings.parts)


def _why_not_eligible(app: Application, final: FinalScore, settings: Settings,
                      limits: tuple[tuple[str, int, Decimal], ...] | None = None) -> list[Message]:
    if app.formal_check == "failed":
        return [FORMAL_FAILED]
    if app.formal_check != "passed":
        return [FORMAL_PENDING]
    if len(app.sheets) < settings.evaluators or not final.complete:
        return [SHEETS_MISSING]
    reasons: list[Message] = []
    zero = Decimal(0)
    for code, maximum, limit in limits if limits is not None else _limits(settings):
        got = final.parts.get(code, zero)
        if got * 100 < limit:
            need = Decimal(settings.threshold_pct) * maximum / 100
            numbers = {k: either(pl_number(v), pl_number(v).replace(",", "."))
                       for k, v in (("got", got), ("need", need))}
            reasons.append(_fill(BELOW_THRESHOLD, part=code, max=maximum, pct=settings.threshold_pct,
                                 **numbers))
    if app.requested is None:
        reasons.append(NO_AMOUNT)
    return reasons


def _order_key(app: Application, final: FinalScore, codes: Sequence[str]) -> tuple[Any, ...]:
    total = final.total if final.complete and final.total is not None else None
    if total is not None:
        parts = final.parts
        scores = (0, -total, *[-parts.get(c, ZERO) for c in codes])
    else:
        scores = (1,)
    when = (0, app.submitted_at) if app.submitted_at is not None else (1,)
    return (*scores, when, polish_key(app.town), app.path_id)


@no_cycle_collection
def rank(applications: Iterable[Application], settings: Settings) -> Result:
    """Rank `applications` under `settings` (see the module's docstring)."""
    codes = [c for c, _max in settings.parts]
    code_set = set(codes)
    eligible: list[tuple[tuple[Any, ...], Application, FinalScore]] = []
    others: list[tuple[tuple[Any, ...], Application, FinalScore, list[Message]]] = []
    missing: list[str] = []
    limits, discrepancy = _limits(settings), settings.discrepancy_pct
    for app in applications:
        for sheet in app.sheets if codes else ():  # a plain loop: a generator per application costs
            if sheet.parts.keys() != code_set:
                app = Application(app.path_id, app.town, app.requested, app.submitted_at, app.formal_check,
                                  tuple(_normalised(app.sheets, codes)))
                break
        final = final_score(app.sheets, discrepancy)
        reasons = _why_not_eligible(app, final, settings, limits)
        key = _order_key(app, final, codes)
        if reasons:
            others.append((key, app, final, reasons))
            if any(r is SHEETS_MISSING for r in reasons):
                missing.append(app.town)
        else:
            eligible.append((key, app, final))
    eligible.sort(key=lambda item: item[0])
    others.sort(key=lambda item: item[0])

    rows: list[Row] = []
    awarded, spent, blocked = 0, Decimal("0.00"), False
    cap_reached = _fill(CAP_REACHED, cap=settings.cap)
    for place, (_key, app, final) in enumerate(eligible, start=1):
        assert app.requested is not None  # noqa: S101  (an application without one is not eligible)
        left = None if settings.budget is None else settings.budget - spent
        if settings.cap is not None and awarded >= settings.cap:
            why = cap_reached
        elif blocked:
            why = BELOW_MISFIT
        elif left is not None and app.requested > left:
            why = _fill(OVER_BUDGET, left=either(pl_money(left), f"{left:,.2f}"))
            blocked = settings.policy == "strict"
        else:
            awarded += 1
            spent += app.requested
            rows.append(Row(app, final, place, "awarded"))
            continue
        rows.append(Row(app, final, place, "reserve", (why,)))
    rows += [Row(app, final, None, "not_eligible", tuple(reasons)) for _k, app, final, reasons in others]
    return Result(settings, tuple(rows), awarded, spent.quantize(CENT),
                  missing_sheets=tuple(sorted(missing, key=polish_key)))



# --- documents ---------------------------------------------------------------------------------

def amount_text(value: Decimal | None) -> str | None:
    return None if value is None else str(Decimal(value).quantize(CENT))


def _number(value: Decimal) -> float:
    """A score as a JSON number (final scores are whole or halves, so exact as floats)."""
    return float(value)


def settings_document(settings: Settings) -> dict[str, Any]:
    """The settings as the ranking document prints them."""
    return {
        "cap": settings.cap,
        "budget": amount_text(settings.budget),
        "threshold": settings.threshold_pct,
        "policy": settings.policy,
        "discrepancy": settings.discrepancy_pct,
        "parts": [{"code": c, "max": m} for c, m in settings.parts],
    }


def to_document(result: Result, programme_code: str) -> dict[str, Any]:
    """The machine-readable ranking: every application, in rank order, not eligible last."""
    applications = []
    for row in result.rows:
        app, final = row.application, row.final
        complete = final.complete and final.total is not None
        reason = row.reason
        applications.append({
            "town": app.town,
            "requested": amount_text(app.requested),
            "submitted_at": app.submitted_at.isoformat() if app.submitted_at else None,
            "formal_check": app.formal_check,
            "sheets": [{"evaluator": s.evaluator, "parts": dict(s.parts), "total": s.total}
                       for s in app.sheets],
            "final": {c: _number(v) for c, v in final.parts.items()} if complete else None,
            "total": _number(final.total) if complete and final.total is not None else None,
            "rank": row.rank,
            "outcome": row.outcome,
            "reason": in_language(reason, "pl") if reason else None,
        })
    return {"programme": programme_code, "settings": settings_document(result.settings),
            "applications": applications}


# --- inputs and settings as JSON (a snapshot stores both) ----------------------------------------

def inputs_json(applications: Iterable[Application]) -> dict[str, Any]:
    """The inputs in a canonical order (by path id), as plain JSON values."""
    return {"applications": [
        {
            "path_id": a.path_id,
            "town": a.town,
            "requested": amount_text(a.requested),
            "submitted_at": a.submitted_at.isoformat() if a.submitted_at else None,
            "formal_check": a.formal_check,
            "sheets": [{"evaluator": s.evaluator, "parts": dict(sorted(s.parts.items()))} for s in a.sheets],
        }
        for a in sorted(applications, key=lambda a: a.path_id)
    ]}


def inputs_from_json(data: dict[str, Any]) -> list[Application]:
    return [
        Application(
            path_id=a["path_id"],
            town=a["town"],
            requested=Decimal(a["requested"]) if a["requested"] is not None else None,
            submitted_at=datetime.fromisoformat(a["submitted_at"]) if a["submitted_at"] else None,
            formal_check=a["formal_check"],
            sheets=tuple(SheetTotals(s["evaluator"], {k: int(v) for k, v in s["parts"].items()})
                         for s in a["sheets"]),
        )
        for a in data["applications"]
    ]


def canonical(data: Any) -> bytes:
    return json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def digest(applications: Iterable[Application]) -> str:
    """sha256 of the canonical JSON of the inputs: equal digests, equal inputs."""
    return hashlib.sha256(canonical(inputs_json(applications))).hexdigest()


def settings_json(settings: Settings) -> dict[str, Any]:
    return {**settings_document(settings), "evaluators": settings.evaluators}


def settings_from_json(data: dict[str, Any]) -> Settings:
    return Settings(
        cap=data["cap"],
        budget=Decimal(data["budget"]) if data["budget"] is not None else None,
        threshold_pct=data["threshold"],
        policy=data["policy"],
        discrepancy_pct=data["discrepancy"],
        parts=tuple((p["code"], p["max"]) for p in data["parts"]),
        evaluators=data.get("evaluators", 2),
    )
