"""A text in Polish and English: how a path definition names its states, stages and refusals."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Label:
    """A text in Polish and English."""

    pl: str
    en: str

    def get(self, locale: str | None) -> str:
        return self.en if (locale or "pl").startswith("en") else self.pl
