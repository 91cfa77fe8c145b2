"""Small text helpers: Polish alphabetical order (in Python and in SQL), amounts of money as
Poles type them."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from sqlalchemy import String, event
from sqlalchemy.engine import Engine
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.functions import FunctionElement

from workflow.models.sorting import POLISH_ALPHABET, polish_key, sort_key

__all__ = ["POLISH_ALPHABET", "polish_key", "sort_key"]

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


# --- the same order and search in SQL (docs/decisions/0026) -----------------------------------
#
# A list sorted and paged by the database must sort as polish_key does and find "Łobez" when
# "łob" is typed. PostgreSQL has both (the ICU collation "pl-x-icu"; lower() under a UTF-8
# ctype); SQLite has neither for letters beyond ASCII, so create_app gives each of its
# connections a collation and a function of the same names (register_sqlite).

POLISH_COLLATION = "pl-x-icu"


def polish_compare(a: str, b: str) -> int:
    ka, kb = polish_key(a), polish_key(b)
    return (ka > kb) - (ka < kb)


def casefold(value: object) -> str | None:
    return None if value is None else str(value).lower()


class polish_order(FunctionElement):  # noqa: N801 (an SQL construct, named as a function)
    """A text column in Polish alphabetical order: `ORDER BY polish_order(Applicant.name)`."""

    type = String()
    inherit_cache = True


class folded(FunctionElement):  # noqa: N801
    """A text column in lower case, every letter (Ł too), to match a lower-cased search term."""

    type = String()
    inherit_cache = True


@compiles(polish_order)
def _polish_order_sqlite(element: polish_order, compiler: SQLCompiler, **kw: Any) -> str:
    return f"({compiler.process(element.clauses, **kw)}) COLLATE polish"


@compiles(polish_order, "postgresql")
def _polish_order_postgresql(element: polish_order, compiler: SQLCompiler, **kw: Any) -> str:
    return f'({compiler.process(element.clauses, **kw)}) COLLATE "{POLISH_COLLATION}"'


@compiles(folded)
def _folded_sqlite(element: folded, compiler: SQLCompiler, **kw: Any) -> str:
    return f"casefold({compiler.process(element.clauses, **kw)})"


@compiles(folded, "postgresql")
def _folded_postgresql(element: folded, compiler: SQLCompiler, **kw: Any) -> str:
    return f"lower({compiler.process(element.clauses, **kw)})"


def _sqlite_functions(dbapi_connection: Any, connection_record: object) -> None:
    dbapi_connection.create_collation("polish", polish_compare)
    dbapi_connection.create_function("casefold", 1, casefold, deterministic=True)


def register_sqlite(engine: Engine) -> None:
    """Give every new SQLite connection of `engine` the collation and function above."""
    if engine.dialect.name == "sqlite":
        event.listen(engine, "connect", _sqlite_functions)


REASON_MIN = 10  # characters of a reason: a short sentence, not "x"


def is_sentence(text: str | None, minimum: int = REASON_MIN) -> bool:
    """Whether `text` reads as a reason a person wrote: at least `minimum` characters after
    trimming, with at least five letters of at least four different kinds (so neither "x",
    nor only spaces, nor "xxxxxxxxxx", nor "1234567890")."""
    cleaned = " ".join((text or "").split())
    letters = [ch.lower() for ch in cleaned if ch.isalpha()]
    return len(cleaned) >= minimum and len(letters) >= 5 and len(set(letters)) >= 4
