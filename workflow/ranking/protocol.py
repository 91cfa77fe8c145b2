"""The ranking protocol as a PDF (fpdf2, docs/decisions/0024): the programme, the settings,
the whole list with the points of every part, awarded / reserve / not eligible, the budget
used, the snapshot's input digest, the date of approval and the approver.

It is drawn from the snapshot's stored document (RankingSnapshot.result and its settings),
never from the live tables, so the protocol of a ranking says what that ranking said. The
fonts are DejaVu Sans (data/fonts/, with their licence): every Polish letter has a glyph,
and fpdf2 embeds only the glyphs used.

The words come from the caller (`Labels`), already in the reader's language: this module
draws, it does not translate.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from pathlib import Path as FsPath
from typing import Any
from zoneinfo import ZoneInfo

from fpdf import FPDF
from fpdf.fonts import FontFace

from workflow.models import RankingSnapshot

FONTS = FsPath(__file__).resolve().parents[2] / "data" / "fonts"
FONT = "DejaVu"


@dataclass(frozen=True)
class Labels:
    """Every word the protocol prints, in the reader's language, and how it writes numbers."""

    title: str
    programme: str
    snapshot: str
    approved: str
    approver: str
    announced: str
    digest: str
    rule: str
    settings: str
    settings_rows: Sequence[tuple[str, str]]  # (name, value), already formatted
    summary: str
    summary_rows: Sequence[tuple[str, str]]
    list_title: str
    header: Sequence[str]  # rank, town, requested, <parts…>, total, outcome, reason
    outcomes: dict[str, str]
    money: Callable[[Decimal | str | None], str]
    points: Callable[[float | Decimal | None], str]
    page: str  # "Strona %(n)s z %(of)s"-like, with {n} and {of}
    generated: str


class _Protocol(FPDF):
    def __init__(self, labels: Labels) -> None:
        super().__init__(orientation="L", unit="mm", format="A4")
        self.labels = labels
        self.add_font(FONT, "", str(FONTS / "DejaVuSans.ttf"))
        self.add_font(FONT, "B", str(FONTS / "DejaVuSans-Bold.ttf"))
        self.set_auto_page_break(auto=True, margin=15)
        self.set_margins(12, 12, 12)

    def footer(self) -> None:
        self.set_y(-11)
        self.set_font(FONT, size=8)
        self.cell(0, 6, self.labels.page.format(n=self.page_no(), of="{nb}"), align="C")


def local(moment: datetime | None, tz: str) -> str:
    return moment.astimezone(ZoneInfo(tz)).strftime("%Y-%m-%d %H:%M") if moment else "–"


def _pairs(pdf: FPDF, rows: Sequence[tuple[str, str]]) -> None:
    with pdf.table(col_widths=(95, 178), first_row_as_headings=False, line_height=5.5,
                   text_align="LEFT", borders_layout="HORIZONTAL_LINES") as table:
        for name, value in rows:
            row = table.row()
            row.cell(name, style=FontFace(emphasis="BOLD"))
            row.cell(value)


def _heading(pdf: FPDF, text: str) -> None:
    pdf.ln(3)
    pdf.set_font(FONT, "B", 12)
    pdf.cell(0, 8, text, new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(FONT, size=9)


def render(snap: RankingSnapshot, labels: Labels, approver: str, programme_title: str,
           now: datetime) -> bytes:
    """The protocol of the (official) snapshot `snap` as PDF bytes."""
    doc: dict[str, Any] = snap.result or {"settings": {"parts": []}, "applications": []}
    tz = snap.programme.timezone
    pdf = _Protocol(labels)
    pdf.set_title(f"{labels.title} – {snap.programme.code} #{snap.id}")
    pdf.set_author(approver)
    pdf.set_creator("Ścieżka")
    pdf.set_creation_date(now)
    pdf.add_page()

    pdf.set_font(FONT, "B", 16)
    pdf.multi_cell(0, 8, labels.title, new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(FONT, size=9)
    _pairs(pdf, [
        (labels.programme, f"{programme_title} ({snap.programme.code})"),
        (labels.snapshot, f"#{snap.id}"),
        (labels.approved, local(snap.approved_at, tz)),
        (labels.approver, approver),
        (labels.announced, local(snap.announced_at, tz)),
        (labels.digest, snap.inputs_digest or "–"),
        (labels.rule, snap.rule_version or "–"),
    ])

    _heading(pdf, labels.settings)
    _pairs(pdf, labels.settings_rows)
    _heading(pdf, labels.summary)
    _pairs(pdf, labels.summary_rows)

    if pdf.will_page_break(40):  # the list's heading with at least a few rows, not alone
        pdf.add_page()
    _heading(pdf, labels.list_title)
    codes = [p["code"] for p in doc["settings"]["parts"]]
    part_width = 16
    reason_width = 273 - (17 + 50 + 32 + part_width * len(codes) + 18 + 32)
    widths = (17, 50, 32, *([part_width] * len(codes)), 18, 32, max(reason_width, 40))
    align = ("RIGHT", "LEFT", "RIGHT", *(["RIGHT"] * len(codes)), "RIGHT", "LEFT", "LEFT")
    pdf.set_font(FONT, size=8)
    with pdf.table(col_widths=widths, text_align=align, line_height=4.5,
                   headings_style=FontFace(emphasis="BOLD", fill_color=(230, 230, 230)),
                   repeat_headings=1) as table:
        heading = table.row()
        for name in labels.header:
            heading.cell(name)
        for a in doc["applications"]:
            final = a.get("final") or {}
            row = table.row()
            row.cell("" if a["rank"] is None else str(a["rank"]))
            row.cell(a["town"])
            row.cell(labels.money(a["requested"]) if a["requested"] is not None else "–")
            for code in codes:
                row.cell(labels.points(final.get(code)))
            row.cell(labels.points(a["total"]))
            row.cell(labels.outcomes.get(a["outcome"], a["outcome"]))
            row.cell(a.get("reason") or "")
    pdf.ln(4)
    pdf.set_font(FONT, size=8)
    pdf.multi_cell(0, 4.5, labels.generated.format(when=local(now, tz)), new_x="LMARGIN", new_y="NEXT")
    return bytes(pdf.output())
