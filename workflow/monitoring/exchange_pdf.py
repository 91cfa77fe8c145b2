"""The group's analysis as a PDF (fpdf2 and DejaVu Sans, as the ranking protocol and the
consultation report: docs/decisions/0024): the group, the year, then one table per indicator
with each city's value and the group's median. The words arrive in the reader's language
(`Labels`); this module draws, it does not translate.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path as FsPath

from fpdf import FPDF

FONTS = FsPath(__file__).resolve().parents[2] / "data" / "fonts"
FONT = "DejaVu"


@dataclass(frozen=True)
class Table:
    title: str  # the indicator's name and unit
    rows: Sequence[tuple[str, str]]  # (city, value as shown)
    median: str


@dataclass(frozen=True)
class Labels:
    title: str
    facts: Sequence[tuple[str, str]]
    city: str
    value: str
    median: str
    note: str
    page: str  # with {n} and {of}


class _Report(FPDF):
    def __init__(self, labels: Labels) -> None:
        super().__init__(orientation="P", unit="mm", format="A4")
        self.labels = labels
        self.add_font(FONT, "", str(FONTS / "DejaVuSans.ttf"))
        self.add_font(FONT, "B", str(FONTS / "DejaVuSans-Bold.ttf"))
        self.set_auto_page_break(auto=True, margin=15)
        self.set_margins(15, 15, 15)

    def footer(self) -> None:
        self.set_y(-11)
        self.set_font(FONT, size=8)
        self.cell(0, 6, self.labels.page.format(n=self.page_no(), of="{nb}"), align="C")


def render(labels: Labels, tables: Sequence[Table], author: str) -> bytes:
    pdf = _Report(labels)
    pdf.set_title(labels.title)
    pdf.set_author(author)
    pdf.set_creator("Ścieżka")
    pdf.add_page()
    pdf.set_font(FONT, "B", 14)
    pdf.multi_cell(0, 7, labels.title, new_x="LMARGIN", new_y="NEXT")
    pdf.ln(2)
    pdf.set_font(FONT, size=10)
    for name, value in labels.facts:
        pdf.multi_cell(0, 5, f"{name}: {value}", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(1)
    pdf.set_font(FONT, size=8)
    pdf.multi_cell(0, 4, labels.note, new_x="LMARGIN", new_y="NEXT")
    for table in tables:
        pdf.ln(4)
        pdf.set_font(FONT, "B", 11)
        pdf.multi_cell(0, 6, table.title, new_x="LMARGIN", new_y="NEXT")
        pdf.set_font(FONT, size=9)
        with pdf.table(
            col_widths=(120, 60), text_align=("LEFT", "RIGHT"), first_row_as_headings=True
        ) as grid:
            head = grid.row()
            head.cell(labels.city)
            head.cell(labels.value)
            for city, value in table.rows:
                row = grid.row()
                row.cell(city)
                row.cell(value)
            last = grid.row()
            last.cell(labels.median)
            last.cell(table.median)
    return bytes(pdf.output())
