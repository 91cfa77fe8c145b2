"""The final score rule (RL-2020 default, a programme setting): pure and deterministic.

Two evaluators score each application. When their totals differ by more than
`discrepancy_pct` per cent of the higher total, a third evaluator scores it too. The
final score is the mean of the two closest totals (on a tie between pairs, the pair with
the higher mean; on a further tie, the earlier pair); each part's final score is the
mean of that pair's part scores.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from itertools import combinations

RULE_VERSION = "closest-pair-v1"
TWO = Decimal(2)


@dataclass(frozen=True)
class SheetTotals:
    """A submitted sheet's points per part, e.g. {"PRL": 91, "PRI": 97}."""

    evaluator: str
    parts: dict[str, int]

    @property
    def total(self) -> int:
        return sum(self.parts.values())


@dataclass(frozen=True)
class FinalScore:
    complete: bool  # False: a third sheet is needed and missing
    needs_third: bool  # the first two totals differ by more than the allowed share
    counted: tuple[int, int] | None  # indices of the pair of sheets that counted
    parts: dict[str, Decimal]  # per part, mean of the counted pair
    total: Decimal | None
    spread: int  # highest total minus lowest total among all sheets


def differ_too_much(a: int, b: int, discrepancy_pct: int) -> bool:
    """More than `discrepancy_pct` % of the higher total apart (exact integer arithmetic)."""
    higher = max(a, b)
    return 100 * abs(a - b) > discrepancy_pct * higher


def closest_pair(totals: Sequence[int]) -> tuple[int, int]:
    """Indices of the two closest totals; ties → higher mean, then the earlier pair."""
    best: tuple[int, int] | None = None
    best_key: tuple[int, int] | None = None
    for i, j in combinations(range(len(totals)), 2):
        key = (abs(totals[i] - totals[j]), -(totals[i] + totals[j]))
        if best_key is None or key < best_key:
            best, best_key = (i, j), key
    assert best is not None  # noqa: S101  (at least two totals)
    return best


def final_score(sheets: Sequence[SheetTotals], discrepancy_pct: int) -> FinalScore:
    """The final score of one application from its submitted sheets, in assignment order
    (the two regular evaluators first, then the third)."""
    totals = [sum(s.parts.values()) for s in sheets]
    spread = (max(totals) - min(totals)) if totals else 0
    if len(sheets) < 2:
        return FinalScore(False, False, None, {}, None, spread)
    needs_third = differ_too_much(totals[0], totals[1], discrepancy_pct)
    if needs_third and len(sheets) < 3:
        return FinalScore(False, True, None, {}, None, spread)
    pair = closest_pair(totals) if needs_third else (0, 1)
    a, b = sheets[pair[0]], sheets[pair[1]]
    # Whole points summed first (exact), one Decimal per part: the same values as adding Decimals.
    a_parts, b_parts = a.parts, b.parts
    parts = {code: Decimal(points + b_parts[code]) / TWO for code, points in a_parts.items()}
    total = Decimal(totals[pair[0]] + totals[pair[1]]) / TWO
    return FinalScore(True, needs_third, pair, parts, total, spread)
