"""Maps and charts drawn as SVG (workflow/monitoring/maps.py, charts.py): the projection and
its quantisation, a map composed from stored drawings, histogram bins, colour classes and
numbers written as the page's language writes them."""

from __future__ import annotations

import re

import pytest

from workflow.monitoring import charts, maps


def test_a_ring_is_written_in_whole_relative_units_without_repeated_points():
    frame = maps.frame_for((14.0, 49.0, 24.0, 55.0))
    assert frame.view_box.startswith("0 0 1000 ")
    square = {"type": "Polygon", "coordinates": [[[15.0, 50.0], [15.0001, 50.0], [16.0, 50.0],
                                                   [16.0, 51.0], [15.0, 51.0], [15.0, 50.0]]]}
    d = maps.svg_path(square, frame)
    start = frame.point(15.0, 50.0)
    assert d.startswith(f"M{start[0]} {start[1]}l") and d.endswith("z")
    steps = [int(n) for n in re.findall(r"-?\d+", d.split("l", 1)[1])]
    assert len(steps) == 6  # three steps: the point 11 m away rounds onto the first and goes
    assert sum(steps[0::2]) == frame.point(15.0, 51.0)[0] - start[0]
    # A degree east is shorter than a degree north (cos φ applied); north is up (y falls).
    assert 0 < steps[0] < -steps[3]


def test_a_gmina_too_small_to_draw_keeps_a_one_unit_square():
    frame = maps.frame_for((14.0, 49.0, 24.0, 55.0))
    tiny = {"type": "MultiPolygon", "coordinates": [[[[20.0, 50.0], [20.0001, 50.0], [20.0, 50.0001],
                                                      [20.0, 50.0]]]]}
    assert maps.svg_path(tiny, frame).endswith("h1v1h-1z")


def test_a_map_gives_each_gmina_its_class_and_title_and_escapes_them():
    box = (14.0, 49.0, 24.0, 55.0)
    drawn = [maps.Drawn("12", "voivodeship", box, "M0 0l1 0z", "M0 0l2 0z"),
             maps.Drawn("1204023", "gmina", box, "M1 1l1 1z", "M5 5l1 1z"),
             maps.Drawn("1261011", "gmina", box, "M2 2l1 1z", "M6 6l1 1z")]
    drawn_map = maps.compose("PL", drawn, {"1204023": ("m3", "Dąbrowa <b>: 5 zł")}, lambda c: f"{c} poza")
    assert drawn_map.count == 2 and drawn_map.outlines == ["M0 0l1 0z"]
    assert '<path class="m3" d="M1 1l1 1z"><title>Dąbrowa &lt;b&gt;: 5 zł</title></path>' in drawn_map.shapes
    assert '<path class="mx" d="M2 2l1 1z"><title>1261011 poza</title></path>' in drawn_map.shapes
    region = maps.compose("12", drawn, {}, lambda c: c)
    assert 'd="M5 5l1 1z"' in region.shapes and region.outlines == ["M0 0l2 0z"]
    assert maps.compose("30", drawn, {}, lambda c: c) is None  # no boundary of that voivodeship


def test_histogram_puts_outliers_in_open_bins_and_counts_every_value():
    values = [float(v) for v in range(1, 101)] + [10_000.0]
    h = charts.histogram(values, bins=10)
    assert sum(b.count for b in h.bins) == 101
    assert h.bins[-1].open_high and h.bins[-1].count == 1 and not h.bins[0].open_low
    assert all(b.height >= 0 and b.y >= h.top for b in h.bins)


def test_colour_classes_are_quintiles_and_merge_when_values_repeat():
    classes = charts.colour_classes([float(v) for v in range(1, 11)])
    assert [c.number for c in classes] == [1, 2, 3, 4, 5] and [c.count for c in classes] == [2] * 5
    assert charts.classify(classes, 1.0) == 1 and charts.classify(classes, 10.0) == 5
    same = charts.colour_classes([4.0] * 6)
    assert len(same) == 1 and same[0].count == 6


@pytest.mark.parametrize(("locale", "decimals", "value", "text"), [
    ("pl", 0, 1234.4, "1234"), ("pl", 0, 12345.6, "12\u00a0346"), ("pl", 1, 0.04, "0,0"),
    ("pl", 1, -0.04, "0,0"), ("pl", 2, -12345.678, "-12\u00a0345,68"), ("en", 1, 12345.67, "12,345.7"),
    ("en", 0, None, "–"),
])
def test_numbers_are_written_as_the_language_writes_them(locale, decimals, value, text):
    assert charts.formatter(decimals, locale)(value) == text
