"""The most similar gminas (workflow/monitoring/similar.py): the distance as defined, the
same definition always giving the same group, a saved group made again from its definition
alone (even after the indicators' definitions changed), and the refusals."""

from __future__ import annotations

import math

import pytest
from factories import monitoring as base_factory
from support.querycount import count_queries

from workflow.extensions import db
from workflow.models import GroupKind, IndicatorVersion
from workflow.monitoring import groups, similar


def test_the_distance_is_the_weighted_root_mean_square_of_z_score_differences():
    points = {"a": [0.0, 10.0], "b": [1.0, 10.0], "c": [2.0, 40.0], "d": [3.0, 20.0]}
    found = similar.nearest(points, "a", [3.0, 1.0], 2)
    # z-scores: x (mean 1.5, sd √1.25), y (mean 20, sd √150)
    sx, sy = math.sqrt(1.25), math.sqrt(150)

    def d(p: str) -> float:
        dx, dy = (points[p][0] - 0) / sx, (points[p][1] - 10) / sy
        return math.sqrt((3 * dx * dx + dy * dy) / 4)

    assert [c for c, _d in found] == ["a", "b", "c"]
    assert found[0] == ("a", 0.0)
    assert found[1][1] == pytest.approx(d("b")) and found[2][1] == pytest.approx(d("c"))
    assert d("d") > d("c")  # d is nearer in y, but x weighs three times as much


def test_ties_are_broken_by_code_and_a_constant_indicator_counts_for_nothing():
    points = {"x": [5.0, 1.0], "c": [6.0, 1.0], "b": [4.0, 1.0], "a": [9.0, 1.0]}
    found = similar.nearest(points, "x", [1.0, 5.0], 3)
    assert [c for c, _d in found] == ["x", "b", "c", "a"]  # b and c equally far: b first
    assert found[1][1] == found[2][1]


def definition(**over) -> similar.Definition:
    values = {"anchor": "3018073", "year": 2019, "size": 3,
              "criteria": (similar.Criterion("dochody_wlasne_na_mieszkanca", 2.0),
                           similar.Criterion("gestosc_zaludnienia", 1.0),
                           similar.Criterion("udzial_ludnosci_w_wieku_poprodukcyjnym", 1.0))}
    values.update(over)
    return similar.Definition(**values)


def test_the_same_definition_gives_the_same_group_and_a_saved_one_is_made_again(ctx, world):
    base_factory.build(extra=30)
    first = similar.compute(definition())
    again = similar.compute(definition())
    assert first.found == again.found and len(first.found) == 4 and first.found[0] == ("3018073", 0.0)
    assert first.compared == len(base_factory.GMINAS) + 30
    assert all(c.version == 1 for c in first.definition.criteria)  # versions pinned

    saved = groups.save_similar(first.definition.to_json(), similar.names(first), first.found,
                                world.user("coordinator"))
    assert saved.kind is GroupKind.SIMILAR and saved.code.startswith("similar-")
    assert saved.name_pl == "Najbardziej podobne do: Ostrzeszów (2019)"
    stored = [(m.position, m.distance) for m in groups.stored_members(saved)]
    assert stored == [(n, d) for n, (_c, d) in enumerate(first.found)]
    # Saved again: the same group (the code is the definition's digest).
    again = groups.save_similar(first.definition.to_json(), similar.names(first), first.found, None)
    assert again.id == saved.id

    # The formula of one indicator changes (a new version): the saved definition still names
    # version 1, so computing it again gives the same members and distances.
    version = db.session.get(IndicatorVersion, first.versions[1].id)
    db.session.add(IndicatorVersion(
        indicator_id=version.indicator_id, version=2, name_pl=version.name_pl, name_en=version.name_en,
        description_pl="x", description_en="x", area=version.area, kind=version.kind,
        dimension=version.dimension, measure_unit_pl="", measure_unit_en="", polarity=version.polarity,
        decimals=0, formula={"numerator": [{"variable": "ludnosc_poprod"}],
                             "denominator": [{"variable": "powierzchnia_km2"}], "scale": 1},
        credit=version.credit, licence=version.licence))
    db.session.commit()
    remade = similar.compute(similar.Definition.from_json(saved.definition))
    assert remade.found == first.found
    assert similar.compute(definition()).found != first.found  # the current version differs


def test_among_a_group_compares_only_its_gminas(ctx):
    base_factory.build(extra=10)
    result = similar.compute(definition(among="voivodeship-30", size=20))
    assert result.compared == 12  # Ostrzeszów, Czajków and the 10 made-up gminas of powiat 3018
    assert all(code.startswith("30") for code, _d in result.found)


@pytest.mark.parametrize(("change", "field", "words"), [
    ({"criteria": ()}, "indicators", "co najmniej jeden"),
    ({"criteria": (similar.Criterion("nie_ma_takiego"),)}, "indicators", "nie_ma_takiego"),
    ({"criteria": (similar.Criterion("ludnosc", 11.0),)}, "weights", "Waga"),
    ({"criteria": (similar.Criterion("ludnosc"), similar.Criterion("ludnosc"))}, "indicators", "tylko raz"),
    ({"size": 0}, "size", "od 1 do 100"),
    ({"anchor": "9999999"}, "anchor", "9999999"),
    ({"year": 2005}, "anchor", "2005"),
    ({"among": "nie-ma"}, "among", "Nie ma takiej grupy"),
])
def test_a_definition_that_cannot_be_computed_is_refused_with_the_reason(ctx, change, field, words):
    base_factory.build(standard=True)
    with pytest.raises(groups.GroupRefused) as refused:
        similar.compute(definition(**change))
    assert refused.value.status == 400
    assert any(words in str(m) for m in refused.value.errors[field]), refused.value.errors


@pytest.mark.parametrize("extra", [0, 40])
def test_reading_and_computing_take_five_statements_whatever_the_number_of_gminas_then_one(ctx, extra):
    base_factory.build(extra=extra)
    with count_queries(db.engine) as log:
        first = similar.compute(definition())
    # the indicators' versions, the data's version, the gminas, the variables, the values
    assert log.count == 5, log
    with count_queries(db.engine) as log:
        again = similar.compute(definition())
    assert log.count == 1, log  # the data's version: the result is kept for it (decisions 0041, 0048)
    assert again.found == first.found
