"""Polish alphabetical order as a key: in Python (`polish_key`) and as a string a database
sorts byte by byte (`sort_key`, kept in columns such as applicant.sort_key). workflow.text
offers both to the areas; the models use them here, below it."""

from __future__ import annotations

from functools import lru_cache
from typing import Any

POLISH_ALPHABET = "aąbcćdeęfghijklłmnńoóprsśtuwxyzźż"
_ORDER = {ch: i for i, ch in enumerate(POLISH_ALPHABET)}


def _rank(ch: str) -> int:
    found = _ORDER.get(ch)
    if found is not None:
        return found
    # Letters of other alphabets after ours; spaces, punctuation and digits before every letter
    # ("Nowa Sól" before "Nowak"), as PostgreSQL's ICU collation orders them (decision 0026).
    return 100 + ord(ch) if ch.isalpha() else ord(ch) - 0x110000


@lru_cache(maxsize=65536)
def polish_key(text: str) -> tuple[int, ...]:
    """Sort key that puts 'Łobez' after 'Limanowa' and before 'Maków', as a Pole expects.
    Kept for the names seen (a list of 740 advisors is sorted on every request)."""
    return tuple(_rank(ch) for ch in text.lower())


def sort_key(text: str) -> str:
    """`polish_key` as a string that sorts the same way byte by byte (six hex digits per
    character), for a column that is sorted with an index on either database (decision 0035)."""
    return "".join(f"{rank + 0x110000:06x}" for rank in polish_key(text))




def name_key(context: Any) -> str | None:
    """A column default: the sort key of the `name` being inserted (ORM and Core inserts
    alike, row by row)."""
    name = context.get_current_parameters().get("name")
    return sort_key(name) if name is not None else None
