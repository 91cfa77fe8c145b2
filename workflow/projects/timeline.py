"""A schedule as a timeline: the geometry of an SVG drawn by the template, no script.

Months run left to right from the first task's month to the last one's (at most MAX_MONTHS
shown); each task is a row with a bar from its first month to its last. The template gives
the SVG a title and a description and puts the same data in a table below it, so a screen
reader (and a phone at 375 px, where the SVG scrolls) reads the schedule from the table.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

MAX_MONTHS = 120
LABEL_WIDTH = 220  # the column of task names
MONTH_WIDTH = 26
ROW_HEIGHT = 28
HEADER = 44  # two lines: the years, then the months
BAR_HEIGHT = 16
NAME_CHARS = 30  # a longer name is cut in the SVG (whole in its tooltip and in the table)


@dataclass(frozen=True)
class Bar:
    name: str
    short: str
    starts: date
    ends: date
    x: float
    y: float
    width: float
    months: int
    clipped: bool  # runs past the last month shown


@dataclass(frozen=True)
class Tick:
    x: float
    month: int  # 1..12
    year: int | None  # shown where a year starts, and on the first month


@dataclass(frozen=True)
class Timeline:
    width: int
    height: int
    label_width: int
    month_width: int
    header: int
    first: date
    last: date
    ticks: list[Tick]
    bars: list[Bar]
    year_lines: list[float]

    @property
    def months(self) -> int:
        return len(self.ticks)


def month_index(first: date, day: date) -> int:
    return (day.year - first.year) * 12 + day.month - first.month


def add_months(day: date, months: int) -> date:
    total = day.year * 12 + day.month - 1 + months
    return date(total // 12, total % 12 + 1, 1)


def shorten(text: str, limit: int = NAME_CHARS) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def build(tasks: Sequence[tuple[str, date, date]]) -> Timeline | None:
    """The timeline of (name, first month, last month) tasks, or None without tasks."""
    if not tasks:
        return None
    first = min(t[1] for t in tasks).replace(day=1)
    wanted_last = max(t[2] for t in tasks).replace(day=1)
    count = min(month_index(first, wanted_last) + 1, MAX_MONTHS)
    last = add_months(first, count - 1)
    ticks, year_lines = [], []
    for i in range(count):
        day = add_months(first, i)
        x = LABEL_WIDTH + i * MONTH_WIDTH
        ticks.append(Tick(x, day.month, day.year if i == 0 or day.month == 1 else None))
        if day.month == 1 and i > 0:
            year_lines.append(x)
    bars = []
    for row, (name, starts, ends) in enumerate(tasks):
        start_i = month_index(first, starts.replace(day=1))
        end_i = min(month_index(first, ends.replace(day=1)), count - 1)
        clipped = month_index(first, ends.replace(day=1)) > count - 1
        width = max(end_i - start_i + 1, 0) * MONTH_WIDTH
        bars.append(Bar(name, shorten(name), starts, ends, LABEL_WIDTH + start_i * MONTH_WIDTH + 2,
                        HEADER + row * ROW_HEIGHT + (ROW_HEIGHT - BAR_HEIGHT) / 2, max(width - 4, 2),
                        month_index(starts, ends) + 1, clipped))
    return Timeline(width=LABEL_WIDTH + count * MONTH_WIDTH + 8, height=HEADER + len(tasks) * ROW_HEIGHT + 4,
                    label_width=LABEL_WIDTH, month_width=MONTH_WIDTH, header=HEADER, first=first, last=last,
                    ticks=ticks, bars=bars, year_lines=year_lines)
