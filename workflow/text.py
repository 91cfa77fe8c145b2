"""Small text helpers: Polish alphabetical order, amounts of money as Poles type them."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

POLISH_ALPHABET = "aąbcćdeęfghijklłmnńoóprsśtuwxyzźż"
_ORDER = {ch: i for i, ch in enumerate(POLISH_ALPHABET)}


def polish_key(text: str) -> tuple[int, ...]:
    """Sort key that puts 'Łobez' after 'Limanowa' and before 'Maków', as a Pole expects."""
    return tuple(_ORDER.get(ch, 100 + ord(ch)) for ch in text.lower())


def parse_amount(text: str) -> Decimal | None:
    """'38 000 000,00', '38000000.00' or '38000000' as Decimal; None if it is not money."""
    cleaned = (text or "").replace("\xa0", "").replace(" ", "").replace("zł", "").strip()
    if cleaned.count(",") == 1 and "." not in cleaned:
        cleaned = cleaned.replace(",", ".")
    try:
        value = Decimal(cleaned)
        if not value.is_finite() or value != value.quantize(Decimal("0.01")):
            return None
        return value.quantize(Decimal("0.01"))
    except InvalidOperation:  # not a number, or more digits than a Decimal holds (quantize)
        return None
