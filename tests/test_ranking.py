"""The ranking rule as a table of cases: eligibility, order and tie-breakers, selection
under both policies, cap and budget, Decimal money, determinism, and the document shape.
Pure: no database."""

from __future__ import annotations

import json
import random
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from workflow.evaluation.scoring import SheetTotals
from workflow.ranking import rule as ranking
from workflow.ranking.rule import Application, Settings, rank, to_document
from workflow.refusal import in_language

PARTS = (("PRL", 110), ("PRI", 120))
T0 = datetime(2020, 10, 30, 9, 0, tzinfo=UTC)
MLN = Decimal(1_000_000)


def app(pid: int, town: str, prl: int, pri: int, requested: str | Decimal = "30000000.00", *,
        at: datetime | None = None, formal: str = "passed",
        sheets: list[tuple[int, int]] | None = None) -> Application:
    """An application whose two sheets agree, so the final parts are exactly (prl, pri)."""
    given = sheets if sheets is not None else [(prl, pri), (prl, pri)]
    return Application(pid, town, Decimal(requested), at or T0 + timedelta(minutes=pid), formal,
                       tuple(SheetTotals(f"ev{i}@example.pl", {"PRL": a, "PRI": b})
                             for i, (a, b) in enumerate(given, 1)))


def settings(cap: int | None = 15, budget: str | None = "450000000.00", **kw: object) -> Settings:
    return Settings(cap=cap, budget=Decimal(budget) if budget is not None else None,
                    parts=kw.pop("parts", PARTS), **kw)  # type: ignore[arg-type]


def table(result: ranking.Result) -> list[tuple[str, int | None, str]]:
    return [(r.application.town, r.rank, r.outcome) for r in result.rows]


def towns(result: ranking.Result) -> list[str]:
    return [r.application.town for r in result.rows]


# --- order -------------------------------------------------------------------------------------

def test_higher_total_ranks_first():
    result = rank([app(1, "Wałcz", 80, 90), app(2, "Ostrzeszów", 100, 100), app(3, "Kolno", 90, 90)],
                  settings())
    assert table(result) == [("Ostrzeszów", 1, "awarded"), ("Kolno", 2, "awarded"), ("Wałcz", 3, "awarded")]


def test_equal_totals_are_ordered_by_part_one():
    # 190 points each: Wałcz has more in part I (PRL)
    result = rank([app(1, "Ostrzeszów", 85, 105), app(2, "Wałcz", 95, 95)], settings())
    assert towns(result) == ["Wałcz", "Ostrzeszów"]


def test_equal_totals_and_part_one_are_ordered_by_part_two():
    three = (("A", 100), ("B", 100), ("C", 100))

    def sheets(a: int, b: int, c: int) -> tuple[SheetTotals, ...]:
        return tuple(SheetTotals(f"ev{i}", {"A": a, "B": b, "C": c}) for i in (1, 2))

    first = Application(1, "Ostrzeszów", Decimal("1.00"), T0, "passed", sheets(80, 70, 90))
    second = Application(2, "Wałcz", Decimal("1.00"), T0, "passed", sheets(80, 90, 70))
    result = rank([first, second], settings(parts=three))
    assert [r.final.total for r in result.rows] == [Decimal(240), Decimal(240)]
    assert towns(result) == ["Wałcz", "Ostrzeszów"]


def test_equal_scores_are_ordered_by_the_earlier_submission():
    late = app(1, "Kolno", 90, 100, at=T0 + timedelta(hours=2))
    early = app(2, "Wałcz", 90, 100, at=T0 + timedelta(hours=1))
    assert towns(rank([late, early], settings())) == ["Wałcz", "Kolno"]


def test_then_by_town_name_in_polish_alphabetical_order():
    # Unicode order would put 'Dębica' before 'Ćmielów'; Polish order puts ć right after c.
    same = dict(at=T0)
    result = rank([app(1, "Dębica", 90, 100, **same), app(2, "Ćmielów", 90, 100, **same),
                   app(3, "Cieszyn", 90, 100, **same)], settings())
    assert towns(result) == ["Cieszyn", "Ćmielów", "Dębica"]


# --- selection ---------------------------------------------------------------------------------

def test_strict_sends_the_first_misfit_and_everyone_below_to_the_reserve():
    apps = [app(1, "A", 100, 110, 30 * MLN), app(2, "B", 95, 110, 40 * MLN), app(3, "C", 90, 110, 10 * MLN)]
    result = rank(apps, settings(budget="50000000.00", policy="strict"))
    assert table(result) == [("A", 1, "awarded"), ("B", 2, "reserve"), ("C", 3, "reserve")]
    left = "20\xa0000\xa0000,00 zł"
    expected = f"wnioskowana kwota przekracza pozostały budżet ({left})"
    assert in_language(result.rows[1].reason, "pl") == expected
    assert "strict" in in_language(result.rows[2].reason, "pl")
    assert result.awarded_sum == Decimal("30000000.00")


def test_skip_passes_over_the_misfit_and_awards_the_next_that_fits():
    apps = [app(1, "A", 100, 110, 30 * MLN), app(2, "B", 95, 110, 40 * MLN), app(3, "C", 90, 110, 10 * MLN)]
    result = rank(apps, settings(budget="50000000.00", policy="skip"))
    assert table(result) == [("A", 1, "awarded"), ("B", 2, "reserve"), ("C", 3, "awarded")]
    assert result.awarded_sum == Decimal("40000000.00")
    assert result.remaining == Decimal("10000000.00")


def test_cap_reached_before_the_budget():
    apps = [app(i, f"Miasto {i}", 100 - i, 110, 10 * MLN) for i in range(1, 6)]
    result = rank(apps, settings(cap=3, budget="450000000.00"))
    assert [r.outcome for r in result.rows] == ["awarded"] * 3 + ["reserve"] * 2
    assert in_language(result.rows[3].reason, "pl") == "wyczerpany limit liczby dofinansowań (3)"
    assert result.awarded_count == 3 and result.remaining == Decimal("420000000.00")


def test_budget_runs_out_before_the_cap():
    apps = [app(i, f"Miasto {i}", 100 - i, 110, 40 * MLN) for i in range(1, 6)]
    result = rank(apps, settings(cap=15, budget="100000000.00"))
    assert [r.outcome for r in result.rows] == ["awarded", "awarded", "reserve", "reserve", "reserve"]
    assert result.awarded_count == 2


def test_no_cap_and_no_budget_award_every_eligible_application():
    apps = [app(i, f"Miasto {i}", 100, 110, 40 * MLN) for i in range(1, 30)]
    assert {r.outcome for r in rank(apps, settings(cap=None, budget=None)).rows} == {"awarded"}


def test_money_is_decimal_to_the_grosz():
    # 0.10 + 0.20 is exactly 0.30 zł: with floats the second would not fit.
    apps = [app(1, "A", 100, 110, "0.10"), app(2, "B", 99, 110, "0.20"), app(3, "C", 98, 110, "0.01")]
    result = rank(apps, settings(budget="0.30"))
    assert [r.outcome for r in result.rows] == ["awarded", "awarded", "reserve"]
    assert result.awarded_sum == Decimal("0.30") and result.remaining == Decimal("0.00")
    assert isinstance(result.awarded_sum, Decimal)


# --- eligibility -------------------------------------------------------------------------------

def test_exactly_the_threshold_is_enough():
    # 60 % of 110 = 66, of 120 = 72
    assert rank([app(1, "A", 66, 72)], settings()).rows[0].outcome == "awarded"


def test_part_one_below_the_threshold_is_not_eligible(ctx: None) -> None:
    """(In an application context: the English reason comes from the catalog.)"""
    result = rank([app(1, "A", 65, 120), app(2, "B", 70, 80)], settings())
    assert table(result) == [("B", 1, "awarded"), ("A", None, "not_eligible")]
    reason = result.rows[1].reason
    assert in_language(reason, "pl") == "PRL poniżej progu: 65 z 110 pkt (wymagane 66 pkt, 60 %)"
    assert in_language(reason, "en") == "PRL below the threshold: 65 of 110 points (66 needed, 60 %)"


def test_part_two_below_the_threshold_is_not_eligible():
    result = rank([app(1, "A", 110, 71, sheets=[(110, 71), (110, 72)])], settings())
    row = result.rows[0]
    assert (row.rank, row.outcome) == (None, "not_eligible")
    assert in_language(row.reason, "pl") == "PRI poniżej progu: 71,5 z 120 pkt (wymagane 72 pkt, 60 %)"


def test_both_parts_below_give_both_reasons_and_a_lower_threshold_admits_them():
    low = app(1, "A", 50, 50)
    assert in_language(rank([low], settings()).rows[0].reason, "pl").count("poniżej progu") == 2
    assert rank([low], settings(threshold_pct=40)).rows[0].outcome == "awarded"


def test_failed_formal_check_is_not_eligible_and_listed_last():
    result = rank([app(1, "A", 110, 120, formal="failed"), app(2, "B", 70, 80)], settings())
    assert table(result) == [("B", 1, "awarded"), ("A", None, "not_eligible")]
    assert in_language(result.rows[1].reason, "pl") == "negatywna ocena formalna"


def test_a_missing_sheet_is_not_eligible():
    result = rank([app(1, "Wałcz", 100, 100, sheets=[(100, 100)]), app(2, "B", 70, 80)], settings())
    assert table(result) == [("B", 1, "awarded"), ("Wałcz", None, "not_eligible")]
    assert in_language(result.rows[1].reason, "pl") == "brak wymaganych kart"
    assert result.missing_sheets == ("Wałcz",)


def test_a_missing_third_sheet_is_a_missing_sheet():
    # 100 and 200 differ by 50 % of the higher total: a third evaluator is needed.
    result = rank([app(1, "A", 0, 0, sheets=[(50, 50), (100, 100)])], settings())
    assert in_language(result.rows[0].reason, "pl") == "brak wymaganych kart"
    with_third = app(1, "A", 0, 0, sheets=[(50, 50), (100, 100), (95, 95)])
    row = rank([with_third], settings()).rows[0]
    assert row.outcome == "awarded" and row.final.total == Decimal(195)  # the closest pair: 2nd and 3rd


def test_evaluators_setting_decides_how_many_sheets_are_required():
    three = app(1, "A", 100, 100, sheets=[(100, 100), (100, 100)])
    assert in_language(rank([three], settings(evaluators=3)).rows[0].reason, "pl") == "brak wymaganych kart"


def test_unknown_policy_and_bad_numbers_are_refused():
    for bad in (dict(policy="x"), dict(cap=-1), dict(threshold_pct=120)):
        with pytest.raises(ValueError):
            settings(**bad)


# --- determinism and the document --------------------------------------------------------------

def sample() -> list[Application]:
    return [app(1, "Ostrzeszów", 91, 97, "38000000.00", sheets=[(91, 97), (90, 95)]),
            app(2, "Wałcz", 80, 90, "30000000.00"), app(3, "Łobez", 60, 80, "20000000.00"),
            app(4, "Żnin", 100, 100, "12345678.90", formal="failed"),
            app(5, "Kolno", 75, 85, "25000000.00", sheets=[(75, 85)])]


def test_same_inputs_in_any_order_give_the_same_document_and_digest():
    apps = sample()
    shuffled = apps[:]
    random.Random(4).shuffle(shuffled)
    a = to_document(rank(apps, settings()), "RL-2019")
    b = to_document(rank(shuffled, settings()), "RL-2019")
    assert ranking.canonical(a) == ranking.canonical(b)
    assert ranking.digest(apps) == ranking.digest(shuffled)
    assert ranking.digest(apps) != ranking.digest(apps[:-1])


def test_inputs_and_settings_survive_a_round_trip_through_json():
    apps, s = sample(), settings(cap=2, policy="skip")
    stored_inputs = json.loads(json.dumps(ranking.inputs_json(apps)))
    stored_settings = json.loads(json.dumps(ranking.settings_json(s)))
    again = rank(ranking.inputs_from_json(stored_inputs), ranking.settings_from_json(stored_settings))
    assert to_document(again, "X") == to_document(rank(apps, s), "X")
    assert ranking.digest(ranking.inputs_from_json(stored_inputs)) == ranking.digest(apps)


def test_the_document_has_the_agreed_shape():
    doc = to_document(rank(sample(), settings()), "RL-2019")
    assert list(doc) == ["programme", "settings", "applications"]
    assert doc["programme"] == "RL-2019"
    assert doc["settings"] == {"cap": 15, "budget": "450000000.00", "threshold": 60, "policy": "strict",
                               "discrepancy": 30, "parts": [{"code": "PRL", "max": 110},
                                                            {"code": "PRI", "max": 120}]}
    first = doc["applications"][0]
    assert first == {
        "town": "Ostrzeszów", "requested": "38000000.00", "submitted_at": "2020-10-30T09:01:00+00:00",
        "formal_check": "passed",
        "sheets": [{"evaluator": "ev1@example.pl", "parts": {"PRL": 91, "PRI": 97}, "total": 188},
                   {"evaluator": "ev2@example.pl", "parts": {"PRL": 90, "PRI": 95}, "total": 185}],
        "final": {"PRL": 90.5, "PRI": 96.0}, "total": 186.5, "rank": 1, "outcome": "awarded", "reason": None,
    }
    assert [(a["town"], a["rank"], a["outcome"]) for a in doc["applications"]] == [
        ("Ostrzeszów", 1, "awarded"), ("Wałcz", 2, "awarded"),
        # not eligible, last, by score: failed formal check (200), below threshold (140), no sheets
        ("Żnin", None, "not_eligible"), ("Łobez", None, "not_eligible"), ("Kolno", None, "not_eligible")]
    missing = doc["applications"][-1]
    assert missing["final"] is None and missing["total"] is None
    assert missing["reason"] == "brak wymaganych kart"
    assert doc["applications"][2]["requested"] == "12345678.90"
    json.dumps(doc)  # plain JSON values only
