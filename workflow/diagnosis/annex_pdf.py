"""The indicator annex of a diagnosis as a PDF (fpdf2 and DejaVu Sans, workflow/pdf.py,
docs/decisions/0024): each member gmina's indicators against its groups (value, place, the
group's median and quartiles) and, for a partnership, the whole area.

The words and every figure arrive from the caller already as the text they are shown as:
this module draws, it does not translate or format numbers.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from fpdf.fonts import FontFace

from workflow.pdf import FONT, Document


@dataclass(frozen=True)
class Table:
    title: str
    header: Sequence[str]
    rows: Sequence[Sequence[str]]
    widths: Sequence[float]


@dataclass(frozen=True)
class Labels:
    title: str
    facts: Sequence[tuple[str, str]]
    page: str  # with {n} and {of}
    note: str
    generated: str  # with {when}


def render(labels: Labels, tables: Sequence[Table], author: str, now_text: str, now: datetime) -> bytes:
    pdf = Document(labels.page, orientation="L", margin=12)
    pdf.set_title(labels.title)
    pdf.set_author(author)
    pdf.set_creator("Ścieżka")
    pdf.set_creation_date(now)
    pdf.add_page()
    pdf.set_font(FONT, "B", 15)
    pdf.multi_cell(0, 8, labels.title, new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(FONT, size=9)
    for name, value in labels.facts:
        pdf.multi_cell(0, 5, f"{name}: {value}", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(2)
    pdf.multi_cell(0, 4.5, labels.note, new_x="LMARGIN", new_y="NEXT")
    for table in tables:
        if pdf.will_page_break(30):
            pdf.add_page()
        pdf.ln(3)
        pdf.set_font(FONT, "B", 11)
        pdf.multi_cell(0, 6, table.title, new_x="LMARGIN", new_y="NEXT")
        pdf.set_font(FONT, size=8)
        with pdf.table(col_widths=tuple(table.widths), line_height=4.5, text_align="LEFT",
                       headings_style=FontFace(emphasis="BOLD")) as drawn:
            head = drawn.row()
            for word in table.header:
                head.cell(word)
            for cells in table.rows:
                row = drawn.row()
                for cell in cells:
                    row.cell(cell)
    pdf.ln(4)
    pdf.set_font(FONT, size=8)
    pdf.multi_cell(0, 4.5, labels.generated.format(when=now_text), new_x="LMARGIN", new_y="NEXT")
    return bytes(pdf.output())
