"""What every PDF of the application shares (fpdf2, docs/decisions/0024): DejaVu Sans regular
and bold bundled in data/fonts/ (every Polish letter, the same on any host, only the glyphs
used embedded), A4, margins, automatic page breaks and a centred "page n of m" footer.

The words come from the caller, already in the reader's language: a PDF draws, it does not
translate.
"""

from __future__ import annotations

from pathlib import Path as FsPath

from fpdf import FPDF

FONTS = FsPath(__file__).resolve().parents[1] / "data" / "fonts"
FONT = "DejaVu"


class Document(FPDF):
    """An A4 page in DejaVu Sans with the footer `page` ("Strona {n} z {of}")."""

    def __init__(self, page: str, orientation: str = "P", margin: float = 15) -> None:
        super().__init__(orientation=orientation, unit="mm", format="A4")
        self.page_words = page
        self.add_font(FONT, "", str(FONTS / "DejaVuSans.ttf"))
        self.add_font(FONT, "B", str(FONTS / "DejaVuSans-Bold.ttf"))
        self.set_auto_page_break(auto=True, margin=15)
        self.set_margins(margin, margin, margin)

    def footer(self) -> None:
        self.set_y(-11)
        self.set_font(FONT, size=8)
        self.cell(0, 6, self.page_words.format(n=self.page_no(), of="{nb}"), align="C")
