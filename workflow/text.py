"""Small text helpers: Polish alphabetical order."""

from __future__ import annotations

POLISH_ALPHABET = "aąbcćdeęfghijklłmnńoóprsśtuwxyzźż"
_ORDER = {ch: i for i, ch in enumerate(POLISH_ALPHABET)}


def polish_key(text: str) -> tuple[int, ...]:
    """Sort key that puts 'Łobez' after 'Limanowa' and before 'Maków', as a Pole expects."""
    return tuple(_ORDER.get(ch, 100 + ord(ch)) for ch in text.lower())
