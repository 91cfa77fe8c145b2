"""A long query read in keyset pages, each page in a short session of its own.

Streamed downloads (the audit CSV, the services log) read their rows while the body is being
sent, after the request's own session has been removed. A server-side cursor would have to
outlive that session; pages keyed on a unique ordering (WHERE key > last ORDER BY key LIMIT n)
need no cursor at all: each page is one query on a connection taken from the pool and given
back before its rows are yielded. See docs/decisions/0019.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from typing import Any

from sqlalchemy import ColumnElement, Row, Select, and_, or_
from sqlalchemy.orm import Session

from workflow.extensions import db

PAGE_SIZE = 2000


def _beyond(keys: Sequence[Any], values: Sequence[object], descending: bool) -> ColumnElement[bool]:
    """Rows after `values` in the order of `keys`; the first key alone also bounds the range
    (k <= v), so an index on it is used."""
    key, value = keys[0], values[0]
    step = key < value if descending else key > value
    if len(keys) == 1:
        return step
    return and_(key <= value if descending else key >= value,
                or_(step, _beyond(keys[1:], values[1:], descending)))


def pages(query: Select[Any], keys: Sequence[Any], key_of: Callable[[Row[Any]], Sequence[object]],
          *, descending: bool = False, size: int = PAGE_SIZE) -> Iterator[Row[Any]]:
    """Every row of `query` ordered by `keys` (unique together, e.g. ending with the id),
    `size` rows per query. `key_of(row)` gives a row's key values. Memory holds one page;
    no connection or cursor is kept between pages, so the caller may pause for as long as
    a slow client takes."""
    ordered = query.order_by(*(k.desc() for k in keys) if descending else keys)
    after: Sequence[object] | None = None
    while True:
        page = ordered if after is None else ordered.where(_beyond(keys, after, descending))
        with Session(db.engine) as session:
            rows = session.execute(page.limit(size)).all()
        yield from rows
        if len(rows) < size:
            return
        after = key_of(rows[-1])
