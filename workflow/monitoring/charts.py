"""The geometry of the small charts the indicator pages draw as inline SVG (decision 0032):
a histogram, a trend line, bars side by side, and the colour classes of a map. Pure: numbers
in, coordinates and classes out; the templates write the SVG, each chart next to a table with
the same numbers.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from workflow.monitoring.compute import quantile

CLASSES = 5  # colour classes of a map: quintiles of the values shown


# --- numbers as people read them --------------------------------------------------------------

def formatter(decimals: int, locale: str) -> Formatter:
    return Formatter(max(0, min(decimals, 6)), "en" if (locale or "pl").startswith("en") else "pl")


@dataclass(frozen=True)
class Formatter:
    """A number in the page's language, fast enough for thousands of map titles (the same
    output as Babel's format_decimal with fixed decimals: Polish groups thousands with a
    non-breaking space from 10 000 up, English with a comma)."""

    decimals: int
    locale: str

    def __call__(self, value: float | None) -> str:
        if value is None or not math.isfinite(value):
            return "–"
        if round(value, self.decimals) == 0:
            value = 0.0  # never "-0"
        text = f"{value:,.{self.decimals}f}"
        if self.locale == "en":
            return text
        whole, _, fraction = text.partition(".")
        grouped = len(whole.lstrip("-").replace(",", "")) >= 5
        whole = whole.replace(",", "\u00a0" if grouped else "")
        return whole + ("," + fraction if fraction else "")


# --- a histogram --------------------------------------------------------------------------------

@dataclass(frozen=True)
class Bin:
    low: float
    high: float
    count: int
    open_low: bool = False  # "below `high`": the values far under the rest
    open_high: bool = False  # "`low` and more": the values far over the rest
    x: float = 0
    width: float = 0
    y: float = 0
    height: float = 0


@dataclass(frozen=True)
class Histogram:
    bins: list[Bin]
    width: int
    height: int
    left: int
    top: int
    plot_height: int
    peak: int
    ticks: list[tuple[int, float]]  # (count, y)


def histogram(values: Sequence[float], bins: int = 12, width: int = 640,
              height: int = 220) -> Histogram | None:
    """Equal bins between the quartiles ± 3 interquartile ranges (within the minimum and
    maximum); the values beyond fall into an open first or last bin, so that one outlier does
    not squeeze every other value into one bar."""
    if not values:
        return None
    ordered = sorted(values)
    q1, q3 = quantile(ordered, 0.25), quantile(ordered, 0.75)
    spread = q3 - q1
    low = max(ordered[0], q1 - 3 * spread) if spread > 0 else ordered[0]
    high = min(ordered[-1], q3 + 3 * spread) if spread > 0 else ordered[-1]
    if high <= low:
        high = low + (abs(low) or 1) * 1e-9
    step = (high - low) / bins
    counts = [0] * bins
    below = above = 0
    for v in ordered:
        if v < low:
            below += 1
        elif v > high:
            above += 1
        else:
            counts[min(int((v - low) / step), bins - 1)] += 1
    raw: list[Bin] = []
    if below:
        raw.append(Bin(ordered[0], low, below, open_low=True))
    raw += [Bin(low + i * step, low + (i + 1) * step, c) for i, c in enumerate(counts)]
    if above:
        raw.append(Bin(high, ordered[-1], above, open_high=True))
    left, top, bottom, right = 44, 12, 28, 8
    plot_height = height - top - bottom
    peak = max(b.count for b in raw)
    tick = nice_step(peak)
    slot = (width - left - right) / len(raw)
    laid = [Bin(b.low, b.high, b.count, b.open_low, b.open_high, x=round(left + i * slot + 1, 2),
                width=round(max(slot - 2, 1), 2),
                y=round(top + plot_height - plot_height * b.count / (tick * 4), 2),
                height=round(plot_height * b.count / (tick * 4), 2)) for i, b in enumerate(raw)]
    ticks = [(tick * n, round(top + plot_height - plot_height * n / 4, 2)) for n in range(5)]
    return Histogram(laid, width, height, left, top, plot_height, peak, ticks)


def nice_step(peak: float) -> int:
    """The step of four gridlines reaching `peak`: 1, 2, 5 × 10ⁿ (whole)."""
    base = 1
    while True:
        for factor in (1, 2, 5):
            if 4 * factor * base >= peak:
                return factor * base
        base *= 10


# --- a trend line -------------------------------------------------------------------------------

@dataclass(frozen=True)
class Trend:
    points: str  # the polyline's points
    last: tuple[float, float]
    width: int
    height: int


def trend(series: Sequence[tuple[int, float]], width: int = 120, height: int = 32) -> Trend | None:
    """A line through (year, value) points, the lowest value at the bottom (not at zero:
    it shows the direction, the table beside it the numbers)."""
    if len(series) < 2:
        return None
    years = [y for y, _v in series]
    values = [v for _y, v in series]
    lo, hi = min(values), max(values)
    span_x = (years[-1] - years[0]) or 1
    span_y = (hi - lo) or 1
    pad = 3

    def at(year: int, value: float) -> tuple[float, float]:
        x = pad + (width - 2 * pad) * (year - years[0]) / span_x
        y = height - pad - (height - 2 * pad) * ((value - lo) / span_y if hi > lo else 0.5)
        return round(x, 1), round(y, 1)

    coords = [at(y, v) for y, v in series]
    return Trend(" ".join(f"{x},{y}" for x, y in coords), coords[-1], width, height)


# --- bars side by side ----------------------------------------------------------------------------

@dataclass(frozen=True)
class Bar:
    label: str
    value: float | None
    text: str
    y: float
    x: float
    length: float


@dataclass(frozen=True)
class Bars:
    bars: list[Bar]
    width: int
    height: int
    zero: float


def bars(items: Sequence[tuple[str, float | None, str]], width: int = 560, row: int = 22) -> Bars:
    """Horizontal bars from a common zero (negative values to its left): (label, value, text)."""
    label_width, text_width = 190, 90
    plot = width - label_width - text_width
    present = [v for _l, v, _t in items if v is not None]
    lo, hi = min([0.0, *present]), max([0.0, *present])
    span = (hi - lo) or 1
    zero = label_width + plot * (0 - lo) / span
    out = []
    for i, (label, value, text) in enumerate(items):
        if value is None:
            out.append(Bar(label, None, text, i * row, zero, 0))
            continue
        end = label_width + plot * (value - lo) / span
        out.append(Bar(label, value, text, i * row, round(min(zero, end), 2), round(abs(end - zero), 2)))
    return Bars(out, width, row * len(items) + 4, round(zero, 2))


# --- the colour classes of a map ------------------------------------------------------------------

@dataclass(frozen=True)
class ColourClass:
    number: int  # 1 … CLASSES, for the CSS class m1 … m5
    low: float
    high: float
    count: int


def colour_classes(values: Sequence[float], classes: int = CLASSES) -> list[ColourClass]:
    """Quantile classes (equal numbers of units as far as ties allow): class i holds the values
    above edge i up to edge i + 1 (the first also its lower edge). Repeated edges (many equal
    values) merge classes, and the classes left are spread over the palette's ends."""
    if not values:
        return []
    ordered = sorted(values)
    edges = [ordered[0]]
    for k in range(1, classes):
        cut = quantile(ordered, k / classes)
        if cut > edges[-1]:
            edges.append(cut)
    if ordered[-1] > edges[-1]:
        edges.append(ordered[-1])
    if len(edges) == 1:
        return [ColourClass(classes, ordered[0], ordered[-1], len(ordered))]
    n = len(edges) - 1
    counts = [0] * n
    for v in ordered:
        counts[class_index(edges, v)] += 1
    numbers = [1 + round((classes - 1) * i / (n - 1)) if n > 1 else classes for i in range(n)]
    return [ColourClass(numbers[i], edges[i], edges[i + 1], counts[i]) for i in range(n)]


def class_index(edges: Sequence[float], value: float) -> int:
    """The class of `value` between `edges` (each class includes its upper edge)."""
    for i in range(1, len(edges) - 1):
        if value <= edges[i]:
            return i - 1
    return len(edges) - 2


def classify(classes: Sequence[ColourClass], value: float) -> int:
    """The CSS class number of a value."""
    for c in classes:
        if value <= c.high:
            return c.number
    return classes[-1].number
