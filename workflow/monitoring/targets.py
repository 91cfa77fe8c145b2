"""Targets on indicators: on track or behind (docs/decisions/0040, 0042).

One rule for a project's result indicators (workflow/diagnosis/progress.py) and a city's
improvement plan (workflow/monitoring/plans.py). The expected value in a year is on the straight
line from the baseline to the target (the target itself after the target year). The latest
value (the newest year after the baseline in which every gmina of the area has one) is on track
when it is on the good side of the expected value: at or above it for "the more, the better", at
or below it for "the less, the better"; for a neutral indicator the good side is the direction
from the baseline to the target. No value after the baseline yet: not judged.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum

from workflow.models import IndicatorVersion, Polarity
from workflow.monitoring import compute, profiles
from workflow.refusal import Message, Refused, _l, fill

EARLIEST, LATEST = 2000, 2100
TARGET_AFTER = _l("Rok docelowy musi być późniejszy niż rok bazowy.")
YEAR_RANGE = _l("Podaj rok od %(low)d do %(high)d.", low=EARLIEST, high=LATEST)
UNKNOWN = _l("Wybierz wskaźnik z bazy wskaźników.")
WRONG_WAY_UP = _l("Dla wskaźnika „im więcej, tym lepiej” wartość docelowa nie może być niższa niż bazowa.")
WRONG_WAY_DOWN = _l("Dla wskaźnika „im mniej, tym lepiej” wartość docelowa nie może być wyższa niż bazowa.")


class ResultRefused(Refused):
    """A target (a result indicator, a plan's target) that may not be added as asked (400, by field)."""

    status = 400


@dataclass(frozen=True)
class ResultInput:
    indicator_code: str
    baseline_year: int
    baseline_value: float
    target_year: int
    target_value: float


def check(data: ResultInput, version: IndicatorVersion | None, existing: Sequence[int], limit: int,
          twice: Message, too_many: Message) -> None:
    """Refuse what the form alone cannot tell, by field: the indicator known and not named twice
    (`existing`: the indicator ids already named), at most `limit`, the years, the target on the
    good side of the baseline by the indicator's polarity."""
    errors: dict[str, list[Message]] = {}
    if version is None:
        errors.setdefault("indicator", []).append(UNKNOWN)
    elif version.indicator_id in existing:
        errors.setdefault("indicator", []).append(fill(twice, name=version.name_pl))
    if len(existing) >= limit:
        errors.setdefault("indicator", []).append(too_many)
    for name in ("baseline_year", "target_year"):
        if not EARLIEST <= getattr(data, name) <= LATEST:
            errors.setdefault(name, []).append(YEAR_RANGE)
    if data.target_year <= data.baseline_year:
        errors.setdefault("target_year", []).append(TARGET_AFTER)
    if version is not None:
        if version.polarity == Polarity.HIGHER_BETTER and data.target_value < data.baseline_value:
            errors.setdefault("target_value", []).append(WRONG_WAY_UP)
        if version.polarity == Polarity.LOWER_BETTER and data.target_value > data.baseline_value:
            errors.setdefault("target_value", []).append(WRONG_WAY_DOWN)
    if errors:
        raise ResultRefused(errors=errors)



class Judgement(StrEnum):
    ON_TRACK = "on_track"
    BEHIND = "behind"
    NO_VALUE = "no_value"  # no value after the baseline yet


def judgement_names() -> dict[str, str]:
    """The judgements' names in the reader's language (a page's legend and cells)."""
    return {Judgement.ON_TRACK: str(_l("zgodnie z planem")), Judgement.BEHIND: str(_l("opóźniony")),
            Judgement.NO_VALUE: str(_l("brak nowych danych"))}


@dataclass(frozen=True)
class Progress:
    year: int | None  # of the latest value
    value: float | None
    expected: float | None
    judgement: Judgement


def expected_at(year: int, baseline_year: int, baseline: float, target_year: int, target: float) -> float:
    """The value on the straight line from the baseline to the target (the target after it)."""
    if year >= target_year:
        return target
    if year <= baseline_year:
        return baseline
    return baseline + (target - baseline) * (year - baseline_year) / (target_year - baseline_year)


def judge(polarity: Polarity, baseline_year: int, baseline: float, target_year: int, target: float,
          year: int | None, value: float | None) -> Progress:
    if year is None or value is None or year <= baseline_year or not math.isfinite(value):
        return Progress(None, None, None, Judgement.NO_VALUE)
    expected = expected_at(year, baseline_year, baseline, target_year, target)
    if polarity == Polarity.HIGHER_BETTER:
        up = True
    elif polarity == Polarity.LOWER_BETTER:
        up = False
    else:
        up = target >= baseline
    good = value >= expected if up else value <= expected
    return Progress(year, value, expected, Judgement.ON_TRACK if good else Judgement.BEHIND)


def latest(formula: compute.Formula, series: profiles.SeriesByUnit, unit_ids: list[int],
           after: int) -> tuple[int | None, float | None]:
    """The newest year after `after` in which every gmina of the area has a value, and the
    area's value then (ratio of sums)."""
    if not unit_ids:
        return None, None
    years = sorted({y for uid in unit_ids for (_c, y) in series.get(uid, {}) if y > after}, reverse=True)
    for year in years:
        figures = compute.aggregate(formula, series, year, unit_ids)
        if figures.count == len(unit_ids) and figures.value is not None:
            return year, figures.value
    return None, None
