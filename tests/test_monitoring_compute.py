"""The one algorithm (workflow/monitoring/compute.py): units' values and groups' aggregates,
checked against direct computations written out here."""

from __future__ import annotations

import random
import statistics

import pytest

from workflow.monitoring.compute import Formula, Term, aggregate, quantile, unit_values

POP = (Term("pre"), Term("work"), Term("post"))
PER_CAPITA = Formula(numerator=(Term("rev"),), denominator=POP)
DEPENDENCY = Formula(numerator=(Term("pre"), Term("post")), denominator=(Term("work"),), scale=100)
POPULATION = Formula(numerator=POP)
CHANGE = Formula(numerator=(*POP, *(Term(t.variable, -1, 2010) for t in POP)),
                 denominator=tuple(Term(t.variable, year=2010) for t in POP), scale=100)


def unit(year: int, pre: float, work: float, post: float, rev: float | None = None) -> dict:
    data = {("pre", year): pre, ("work", year): work, ("post", year): post}
    if rev is not None:
        data[("rev", year)] = rev
    return data


def test_a_units_value_is_the_ratio_times_the_scale():
    data = unit(2019, 100, 600, 300, rev=2_000_000)
    assert PER_CAPITA.value(data, 2019) == pytest.approx(2_000)
    assert DEPENDENCY.value(data, 2019) == pytest.approx(400 / 600 * 100)
    assert POPULATION.value(data, 2019) == 1_000


def test_a_missing_term_or_a_zero_denominator_gives_no_value():
    assert PER_CAPITA.value(unit(2019, 100, 600, 300), 2019) is None  # no revenue
    assert PER_CAPITA.value(unit(2019, 100, 600, 300, rev=5), 2018) is None  # another year
    assert DEPENDENCY.value(unit(2019, 100, 0, 300), 2019) is None


def test_change_since_a_base_year_reads_that_year():
    data = {**unit(2010, 200, 600, 200), **unit(2019, 150, 560, 290)}
    assert CHANGE.value(data, 2019) == pytest.approx(0.0)
    data[("post", 2019)] = 340
    assert CHANGE.value(data, 2019) == pytest.approx(5.0)
    assert CHANGE.value(data, 2010) == 0
    assert CHANGE.value(unit(2019, 1, 1, 1), 2019) is None  # no 2010
    assert CHANGE.years_needed(2019) == {2019, 2010}


def test_the_formula_round_trips_through_json():
    for formula in (PER_CAPITA, DEPENDENCY, POPULATION, CHANGE):
        assert Formula.from_json(formula.to_json()) == formula
    with pytest.raises(ValueError):
        Formula(numerator=())
    with pytest.raises(ValueError):
        Formula(numerator=(Term("x"),), scale=0)


def random_units(n: int, seed: int = 7) -> dict[str, dict]:
    rnd = random.Random(seed)
    return {f"{i:07d}": unit(2019, rnd.randint(100, 5000), rnd.randint(500, 20000),
                            rnd.randint(100, 6000), rev=rnd.uniform(1e6, 9e7)) for i in range(n)}


def test_a_groups_aggregate_is_the_ratio_of_sums_and_the_distribution_of_its_units():
    data = random_units(101)
    data["0000005"].pop(("rev", 2019))  # one unit without a value
    members = list(data)[:60] + ["9999999"]  # and one without any data
    result = aggregate(PER_CAPITA, data, 2019, members)

    contributing = [u for u in members if u in data and ("rev", 2019) in data[u]]
    revenue = sum(data[u][("rev", 2019)] for u in contributing)
    people = sum(data[u][(k, 2019)] for u in contributing for k in ("pre", "work", "post"))
    own = sorted(data[u][("rev", 2019)] / sum(data[u][(k, 2019)] for k in ("pre", "work", "post"))
                 for u in contributing)
    q1, median, q3 = statistics.quantiles(own, n=4, method="inclusive")
    assert result.count == len(contributing) == 59 and result.members == 61
    assert result.value == pytest.approx(revenue / people)
    assert result.median == pytest.approx(median) == pytest.approx(statistics.median(own))
    assert (result.q1, result.q3) == (pytest.approx(q1), pytest.approx(q3))
    assert (result.minimum, result.maximum) == (own[0], own[-1])


def test_a_group_without_a_denominator_sums_and_an_empty_group_has_no_value():
    data = random_units(10)
    total = sum(sum(v for (k, _), v in d.items() if k != "rev") for d in data.values())
    assert aggregate(POPULATION, data, 2019).value == pytest.approx(total)
    empty = aggregate(POPULATION, data, 2018)
    assert (empty.value, empty.count, empty.members, empty.median) == (None, 0, 10, None)


def test_unit_values_leave_out_units_without_a_value():
    data = random_units(5)
    data["0000002"] = unit(2019, 1, 1, 1)
    values = unit_values(PER_CAPITA, data, 2019)
    assert set(values) == set(data) - {"0000002"}


def test_quantiles_interpolate_linearly():
    assert quantile([1.0], 0.5) == 1.0
    assert quantile([1.0, 2.0, 3.0, 4.0], 0.25) == pytest.approx(1.75)
    assert quantile([1.0, 2.0, 3.0, 4.0], 0.5) == pytest.approx(2.5)
    with pytest.raises(ValueError):
        quantile([], 0.5)
