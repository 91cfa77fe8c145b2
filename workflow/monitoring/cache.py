"""What the public indicator pages compute from the whole register, kept between requests and
keyed by the data's version (docs/decisions/0041).

An indicator's page over all 2,477 gminas, a gmina's profile and the "most similar" search
each turn tens of thousands of stored values into the same few results (an indicator's value
for every gmina in a year, a group's members, the map with its colours) that change only when
data are loaded. Each request reads the data's version in ONE statement (`stamp()`): the
newest load of values, of indicator definitions, of groups, and the number of units; a cached
result made under another version is never used. So every worker (and every machine) answers
what the database holds, as without the cache: the cache is a copy, never a state.

Bounded: at most MAX_ENTRIES results per process (least recently used dropped first), and
none older than MAX_AGE seconds (which covers what the version does not see: a unit's name or
boundary corrected in place by `flask units load`). Programmes' groups are never cached here:
their members follow the applications, which the version does not see.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Any, TypeVar

import sqlalchemy as sa

from workflow.extensions import db
from workflow.models import IndicatorVersion, TerritorialUnit, UnitGroup, ValueSource

T = TypeVar("T")

MAX_ENTRIES = 64  # the largest, an indicator with the map of Poland, is ~0.6 MB
MAX_AGE = 300.0  # seconds

_lock = threading.Lock()
_entries: OrderedDict[Hashable, tuple[float, Any]] = OrderedDict()


def stamp() -> tuple[Any, ...]:
    """The data's version: one statement."""
    row = db.session.execute(sa.select(
        sa.select(sa.func.max(ValueSource.id)).scalar_subquery(),
        sa.select(sa.func.max(IndicatorVersion.id)).scalar_subquery(),
        sa.select(sa.func.max(UnitGroup.id)).scalar_subquery(),
        sa.select(sa.func.count()).select_from(TerritorialUnit).scalar_subquery())).one()
    return (db.engine.url.render_as_string(hide_password=True), *row)


def cached(key: Hashable, build: Callable[[], T]) -> T:
    """The result for `key` (which must include stamp()) if made less than MAX_AGE ago, else
    `build()`, kept. Results are shared between requests: never change one."""
    now = time.monotonic()
    with _lock:
        found = _entries.get(key)
        if found is not None and now - found[0] < MAX_AGE:
            _entries.move_to_end(key)
            return found[1]  # type: ignore[no-any-return]
    value = build()
    with _lock:
        _entries[key] = (now, value)
        _entries.move_to_end(key)
        while len(_entries) > MAX_ENTRIES:
            _entries.popitem(last=False)
    return value


def clear() -> None:
    with _lock:
        _entries.clear()
