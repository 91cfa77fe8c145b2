"""Column types shared by the models."""

from __future__ import annotations

import enum
from datetime import UTC, datetime

from sqlalchemy import DateTime, Enum
from sqlalchemy.engine import Dialect
from sqlalchemy.types import TypeDecorator

# The largest id an INTEGER column holds. PostgreSQL refuses to compare a larger number with
# one (NumericValueOutOfRange: a 500), so such an id is answered 404 before any query.
MAX_ROW_ID = 2**31 - 1


def row_id(value: object) -> int:
    """`value` (an int, or decimal digits as posted) as the id of a row: a whole number from 1 to
    MAX_ROW_ID. Anything else, however it was typed, is a ValueError raised before any query, so
    an id from a form or from posted data never reaches the database out of range.
    The forms (forms.RowIdField and its kin) and the operations that parse posted ids use it."""
    if isinstance(value, int) and not isinstance(value, bool):
        number = value
    elif isinstance(value, str) and value.strip().isascii() and value.strip().isdigit() \
            and len(value.strip()) <= len(str(MAX_ROW_ID)):
        number = int(value.strip())
    else:
        raise ValueError(f"not the id of a row: {value!r:.40}")
    if not 0 < number <= MAX_ROW_ID:
        raise ValueError(f"not the id of a row: {str(number)[:40]}")
    return number


def row_id_or_none(value: object) -> int | None:
    """`value` as the id of a row (row_id), or None for anything else."""
    try:
        return row_id(value)
    except ValueError:
        return None


class UTCDateTime(TypeDecorator[datetime]):
    """A moment, stored in UTC and always returned timezone-aware.

    PostgreSQL keeps `timestamptz`; SQLite has no time zones, so the value is stored as
    naive UTC and made aware again on the way out. A naive datetime is refused: a
    deadline is a moment, never a wall-clock time without a zone.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given for a UTC column")
        value = value.astimezone(UTC)
        if dialect.name == "sqlite":
            return value.replace(tzinfo=None)
        return value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


def str_enum(enum_class: type[enum.StrEnum], length: int) -> Enum:
    """A column holding members of `enum_class`, stored as their values (the lowercase
    strings) in a VARCHAR(length): no database enum type and no constraint of its own (the
    table's CHECK constraint names the values), so the column is the String(length) it was
    and needs no migration. Rows come back as members; a plain string that is one of the
    values is accepted on the way in."""
    return Enum(enum_class, native_enum=False, create_constraint=False, length=length,
                values_callable=lambda members: [m.value for m in members])


def utcnow() -> datetime:
    return datetime.now(UTC)
