"""The final score rule (workflow.evaluation.scoring), as a table: sheets in, final score out.

Each case gives the submitted sheets in assignment order (the two regular evaluators, then
the third) as (PRL, PRI) points, and what the rule must answer."""

from __future__ import annotations

from decimal import Decimal

import pytest

from workflow.evaluation.scoring import SheetTotals, closest_pair, differ_too_much, final_score


def sheets(*points: tuple[int, int]) -> list[SheetTotals]:
    return [SheetTotals(f"oceniajacy{i}", {"PRL": prl, "PRI": pri}) for i, (prl, pri) in enumerate(points)]


D = Decimal

# (case, sheets, needs_third, complete, counted pair, PRL, PRI, total, spread)
RULE_TABLE = [
    ("no discrepancy: the two regular sheets, part means",
     sheets((91, 97), (90, 95)), False, True, (0, 1), D("90.5"), D("96"), D("186.5"), 3),
    ("exactly 30 % of the higher total apart is not more: no third",
     sheets((50, 50), (35, 35)), False, True, (0, 1), D("42.5"), D("42.5"), D("85"), 30),
    ("just above 30 %: a third is needed and missing, so no final score",
     sheets((50, 50), (35, 34)), True, False, None, None, None, None, 31),
    ("discrepancy, the first pair is still the closest",
     sheets((50, 50), (30, 30), (5, 5)), True, True, (0, 1), D("40"), D("40"), D("80"), 90),
    ("discrepancy, the first and the third are closest",
     sheets((50, 50), (30, 30), (48, 47)), True, True, (0, 2), D("49"), D("48.5"), D("97.5"), 40),
    ("discrepancy, the second and the third are closest",
     sheets((50, 50), (30, 30), (31, 31)), True, True, (1, 2), D("30.5"), D("30.5"), D("61"), 40),
    ("tie between pairs (0,2) and (1,2): the higher mean, the earlier pair here",
     sheets((50, 50), (30, 30), (40, 40)), True, True, (0, 2), D("45"), D("45"), D("90"), 40),
    ("tie between pairs (0,2) and (1,2): the higher mean, the later pair here",
     sheets((30, 30), (50, 50), (40, 40)), True, True, (1, 2), D("45"), D("45"), D("90"), 40),
    ("tie on difference and mean among four sheets: the earlier pair, (0,2) before (0,3) and (2,3)",
     sheets((60, 40), (30, 30), (40, 60), (55, 45)), True, True, (0, 2), D("50"), D("50"), D("100"), 40),
    ("two sheets of zero points never differ too much",
     sheets((0, 0), (0, 0)), False, True, (0, 1), D("0"), D("0"), D("0"), 0),
]


@pytest.mark.parametrize(("case", "given", "needs_third", "complete", "counted", "prl", "pri", "total",
                          "spread"), RULE_TABLE, ids=[row[0] for row in RULE_TABLE])
def test_rule_table(case, given, needs_third, complete, counted, prl, pri, total, spread):
    result = final_score(given, 30)
    assert result.needs_third is needs_third
    assert result.complete is complete
    assert result.counted == counted
    assert result.spread == spread
    if complete:
        assert result.parts == {"PRL": prl, "PRI": pri}
        assert result.total == total
        assert all(isinstance(v, Decimal) for v in [*result.parts.values(), result.total])
    else:
        assert result.parts == {} and result.total is None


def test_part_means_are_exact_decimals_of_the_counted_pair():
    result = final_score(sheets((91, 97), (90, 95)), 30)
    assert result.parts["PRL"] == Decimal("90.5") and str(result.parts["PRL"]) == "90.5"
    assert result.total == Decimal("186.5")
    # The parts come from the counted pair only, not from the uncounted sheet.
    third = final_score(sheets((50, 50), (30, 30), (48, 47)), 30)
    assert third.parts == {"PRL": Decimal("49"), "PRI": Decimal("48.5")}
    assert sum(third.parts.values()) == third.total


@pytest.mark.parametrize("given", [[], sheets((50, 60))], ids=["no sheet", "one sheet"])
def test_fewer_than_two_sheets_are_incomplete(given):
    result = final_score(given, 30)
    assert not result.complete and not result.needs_third
    assert result.counted is None and result.total is None and result.parts == {}
    assert result.spread == 0


def test_the_discrepancy_is_a_programme_setting():
    given = sheets((50, 50), (40, 40))  # 20 of 100 apart: 20 %
    assert not final_score(given, 20).needs_third
    assert final_score(given, 19).needs_third
    assert not final_score(given, 30).needs_third


@pytest.mark.parametrize(("a", "b", "pct", "expected"), [
    (100, 70, 30, False),  # exactly 30 % of the higher
    (70, 100, 30, False),  # order does not matter
    (100, 69, 30, True),  # just above
    (230, 161, 30, False),  # 69 = 30 % of 230
    (230, 160, 30, True),
    (1, 0, 30, True),
    (0, 0, 30, False),
    (100, 100, 0, False),
    (100, 99, 0, True),
])
def test_differ_too_much_is_exact_integer_arithmetic(a, b, pct, expected):
    assert differ_too_much(a, b, pct) is expected


@pytest.mark.parametrize(("totals", "pair"), [
    ([100, 60, 10], (0, 1)),
    ([100, 60, 95], (0, 2)),
    ([100, 60, 62], (1, 2)),
    ([100, 60, 80], (0, 2)),  # tie on 20: mean 90 beats mean 70
    ([60, 100, 80], (1, 2)),
    ([100, 60, 100, 100], (0, 2)),  # three pairs tie on difference and mean: the earliest
])
def test_closest_pair(totals, pair):
    assert closest_pair(totals) == pair
