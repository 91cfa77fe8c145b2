"""What the public indicator pages compute from the whole register, kept between requests and
keyed by the data's version (docs/decisions/0041).

An indicator's page over all 2,477 gminas, a gmina's profile and the "most similar" search
each turn tens of thousands of stored values into the same few results (an indicator's value
for every gmina in a year, a group's members, the map with its colours) that change only when
data change. Each request reads the data's version in ONE statement (`stamp()`): the
newest source of values (every write of a value makes one: an import, a city's accepted
questionnaire, the analyst's correction after publication), the number of published
questionnaire years (publishing turns provisional values final, public, in one UPDATE that
makes no source), the newest indicator definition, the newest group, the numbers of groups,
of lists' members and of units, and the sum of the groups' revisions (raised by every UPDATE
of a group: `flask groups standard` renaming one or changing its definition or a list's members
in place, decision 0049); a cached result made under another version is never used. The revision
notes and cities' comments beside the values are not cached: read on every request
(quality.notes_and_comments, one statement). So every worker (and every machine) answers
what the database holds, as without the cache: the cache is a copy, never a state.

What is kept: the figures (decision 0041) and, with them, what the pages write from them: the
map and histogram, the group page's table, the profile's tables with places left for the
revision notes and comments, a gmina's own series, the current indicator versions (decision
0045).

Bounded: results weigh about 100 KB a unit (`weight`, a fraction for a small one), at most
MAX_WEIGHT units per process (least recently used dropped first: ~50 MB), and none is older
than MAX_AGE seconds (which covers what the version does not see: a unit's name or boundary
corrected in place by `flask units load`). Programmes' groups are never cached here: their
members follow the applications, which the version does not see.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Hashable
from typing import Any, TypeVar

import sqlalchemy as sa

from workflow.extensions import db
from workflow.models import (
    IndicatorVersion,
    QuestionnairePublication,
    TerritorialUnit,
    UnitGroup,
    UnitGroupMember,
    ValueSource,
)
from workflow.web.kept import Kept

T = TypeVar("T")

MAX_WEIGHT = 500  # units of about 100 KB
MAX_AGE = 300.0  # seconds

_kept = Kept(MAX_WEIGHT, MAX_AGE)


def stamp() -> tuple[Any, ...]:
    """The data's version: one statement."""
    row = db.session.execute(_stamp_query()).one()
    return (db.engine.url.render_as_string(hide_password=True), *row)


@functools.cache
def _stamp_query() -> sa.Select[Any]:
    """stamp()'s statement, built once (it is read on every page of the indicator base)."""
    return sa.select(
        sa.select(sa.func.max(ValueSource.id)).scalar_subquery(),
        sa.select(sa.func.count()).select_from(QuestionnairePublication).scalar_subquery(),
        sa.select(sa.func.max(IndicatorVersion.id)).scalar_subquery(),
        sa.select(sa.func.max(UnitGroup.id)).scalar_subquery(),
        sa.select(sa.func.count()).select_from(UnitGroup).scalar_subquery(),
        sa.select(sa.func.coalesce(sa.func.sum(UnitGroup.revision), 0)).scalar_subquery(),
        sa.select(sa.func.count()).select_from(UnitGroupMember).scalar_subquery(),
        sa.select(sa.func.count()).select_from(TerritorialUnit).scalar_subquery())


def peek(key: Hashable) -> Any | None:
    """The result kept for `key` (which must include stamp()) if made less than MAX_AGE ago,
    else None. Results are shared between requests: never change one."""
    return _kept.peek(key)


def put(key: Hashable, value: Any, weight: float = 1) -> None:
    """Keep `value` for `key`; `weight` in units of about 100 KB (a fraction for a small one)."""
    _kept.put(key, value, weight)


def cached(key: Hashable, build: Callable[[], T], weigh: Callable[[T], float] | None = None) -> T:
    """peek(key), else `build()`, kept (weighing `weigh(result)`, 1 if not given)."""
    return _kept.cached(key, build, weigh)


def clear() -> None:
    _kept.clear()
