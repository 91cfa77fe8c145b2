"""The consultation report as a PDF (fpdf2 and DejaVu Sans, as the ranking protocol:
docs/decisions/0024): what was published, for how long, then every comment with its answer.

The words arrive from the caller already in the reader's language (`Labels`), and the facts
as the text they are shown as (`facts`): this module draws, it does not translate. E-mail
addresses are never printed; a name only where the person gave one.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from fpdf.fonts import FontFace

from workflow.pdf import FONT, Document


@dataclass(frozen=True)
class Entry:
    """One comment as printed: its heading ("Uwaga nr 3 – 2 lutego 2027, Jan Kowalski"), its
    text, the answer's heading and the answer (or the words for none yet)."""

    heading: str
    body: str
    answer_heading: str
    answer: str


@dataclass(frozen=True)
class Labels:
    title: str
    facts: Sequence[tuple[str, str]]  # (name, value), already formatted
    comments_title: str
    no_comments: str
    page: str  # with {n} and {of}
    generated: str  # with {when}


class _Report(Document):
    def __init__(self, labels: Labels) -> None:
        super().__init__(labels.page)
        self.labels = labels


def render(labels: Labels, entries: Sequence[Entry], author: str, now_text: str, now: datetime) -> bytes:
    """The report as PDF bytes."""
    pdf = _Report(labels)
    pdf.set_title(labels.title)
    pdf.set_author(author)
    pdf.set_creator("Ścieżka")
    pdf.set_creation_date(now)
    pdf.add_page()
    pdf.set_font(FONT, "B", 15)
    pdf.multi_cell(0, 8, labels.title, new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(FONT, size=9)
    with pdf.table(col_widths=(55, 125), first_row_as_headings=False, line_height=5.5,
                   text_align="LEFT", borders_layout="HORIZONTAL_LINES") as table:
        for name, value in labels.facts:
            row = table.row()
            row.cell(name, style=FontFace(emphasis="BOLD"))
            row.cell(value)
    pdf.ln(4)
    pdf.set_font(FONT, "B", 12)
    pdf.cell(0, 8, labels.comments_title, new_x="LMARGIN", new_y="NEXT")
    if not entries:
        pdf.set_font(FONT, size=10)
        pdf.multi_cell(0, 5, labels.no_comments, new_x="LMARGIN", new_y="NEXT")
    for entry in entries:
        if pdf.will_page_break(30):  # a comment's heading never alone at the foot of a page
            pdf.add_page()
        pdf.ln(2)
        pdf.set_font(FONT, "B", 10)
        pdf.multi_cell(0, 5.5, entry.heading, new_x="LMARGIN", new_y="NEXT")
        pdf.set_font(FONT, size=10)
        pdf.multi_cell(0, 5, entry.body, new_x="LMARGIN", new_y="NEXT")
        pdf.ln(1)
        pdf.set_x(pdf.l_margin + 8)
        pdf.set_font(FONT, "B", 9)
        pdf.multi_cell(0, 5, entry.answer_heading, new_x="LMARGIN", new_y="NEXT")
        pdf.set_x(pdf.l_margin + 8)
        pdf.set_font(FONT, size=9)
        pdf.multi_cell(0, 5, entry.answer, new_x="LMARGIN", new_y="NEXT")
    pdf.ln(4)
    pdf.set_font(FONT, size=8)
    pdf.multi_cell(0, 4.5, labels.generated.format(when=now_text), new_x="LMARGIN", new_y="NEXT")
    return bytes(pdf.output())
