"""Lists that scale: search, sort by a column and page, on the server (docs/decisions/0026).

One contract for every list that can pass 20 rows. The request's `?q=&sort=&dir=&page=` are
read by `parse`, which never fails: an unknown sort key or direction falls back to the list's
default, a page that is not a number is the first, a page past the end (however large the
number) is the last, a search longer than 100 characters is cut. `paged` applies them to a
SQLAlchemy select in two queries whatever the page or the size of the table (COUNT, then
the page's rows with ORDER BY ... LIMIT ... OFFSET); `paged_rows` does the same to rows
already in memory (a list whose columns only Python computes, e.g. the final score rule).

A list declares what may be sorted (`Column`s: a whitelist, so nothing from the URL reaches
ORDER BY) and what the search looks in; text columns sort in Polish alphabetical order and
the search ignores case (workflow.text). Templates draw the list with the macros of
templates/listing.html (search box, sortable headers with aria-sort, pager).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

from flask import request, url_for
from sqlalchemy import ColumnElement, Select, and_, func, or_, select

from workflow.extensions import db
from workflow.text import folded, polish_key, polish_order

T = TypeVar("T")

PAGE_SIZE = 25
MAX_QUERY = 100  # characters of a search
MAX_WORDS = 5  # words of a search, each of which must be found
LAST = 10**9  # any page number from this up (or too long to read) means the last page
ASC, DESC = "asc", "desc"


@dataclass(frozen=True)
class Column:
    """A column the list may be sorted by: `key` in the URL; `sort` a SQL expression (paged)
    or a function of a row (paged_rows); `text` sorts in Polish alphabetical order; `first`
    is the direction of the first click (DESC for dates and amounts: newest, largest first)."""

    key: str
    sort: Any
    text: bool = False
    first: str = ASC


@dataclass(frozen=True)
class Spec:
    """What a list allows: its sortable columns, the default order, where the search looks
    (SQL expressions, or functions of a row giving text), the page size, and a unique
    column (`tiebreak`, e.g. the id) so equal values keep one order from page to page."""

    columns: tuple[Column, ...]
    default: str
    default_dir: str = ASC
    search: tuple[Any, ...] = ()
    size: int = PAGE_SIZE
    tiebreak: Any = None

    def column(self, key: str) -> Column | None:
        return next((c for c in self.columns if c.key == key), None)


@dataclass(frozen=True)
class Params:
    """The list's part of the request, made safe: search, sort key, direction, page."""

    q: str = ""
    sort: str = ""
    dir: str = ASC
    page: int = 1

    @property
    def words(self) -> list[str]:
        return self.q.lower().split()[:MAX_WORDS]


def _page_number(raw: object) -> int:
    text = str(raw or "").strip()
    if not text.isascii() or not text.isdigit():
        return 1
    if len(text) > 9:
        return LAST
    return max(1, int(text))


def parse(args: Mapping[str, str], spec: Spec) -> Params:
    """The list's parameters from `args` (request.args); never fails (see the module)."""
    q = " ".join("".join(ch for ch in str(args.get("q") or "") if ch.isprintable()).split())
    sort = str(args.get("sort") or "")
    column = spec.column(sort)
    if column is None:
        sort, column = spec.default, spec.column(spec.default)
        fallback = spec.default_dir
    else:
        fallback = column.first
    direction = str(args.get("dir") or "")
    if direction not in (ASC, DESC):
        direction = fallback
    return Params(q=q[:MAX_QUERY], sort=sort, dir=direction, page=_page_number(args.get("page")))


@dataclass(frozen=True)
class Page(Generic[T]):
    """One page of a list, and what its template needs to draw the controls."""

    rows: list[T]
    total: int
    number: int
    pages: int
    size: int
    params: Params
    spec: Spec
    keep: dict[str, str] = field(default_factory=dict)  # the page's other filters, kept in links

    @property
    def first_row(self) -> int:
        return 0 if not self.total else (self.number - 1) * self.size + 1

    @property
    def last_row(self) -> int:
        return min(self.total, self.number * self.size)

    def args(self, **changes: Any) -> dict[str, Any]:
        """The page's query arguments with `changes` (None drops one); defaults left out."""
        current: dict[str, Any] = {**self.keep, "q": self.params.q, "sort": self.params.sort,
                                   "dir": self.params.dir, "page": self.number}
        current.update(changes)
        if current.get("page") == 1:
            current.pop("page")
        return {k: v for k, v in current.items() if v not in (None, "")}

    def url(self, **changes: Any) -> str:
        return url_for(request.endpoint or "", **(request.view_args or {}), **self.args(**changes))

    def sort_url(self, key: str) -> str:
        """The link of a column's header: sort by it, or turn its order round; page 1."""
        column = self.spec.column(key)
        if column is None:
            raise KeyError(key)
        if key == self.params.sort:
            direction = DESC if self.params.dir == ASC else ASC
        else:
            direction = column.first
        return self.url(sort=key, dir=direction, page=1)

    def aria_sort(self, key: str) -> str | None:
        if key != self.params.sort:
            return None
        return "ascending" if self.params.dir == ASC else "descending"


def _clamp(params: Params, total: int, size: int) -> tuple[int, int]:
    pages = max(1, -(-total // size))
    return min(params.page, pages), pages


# --- a SQL select -------------------------------------------------------------------------------


def search_clause(spec: Spec, params: Params) -> ColumnElement[bool] | None:
    """Every word of the search found (case ignored) in at least one of the searched columns."""
    if not params.words or not spec.search:
        return None
    return and_(*(or_(*(folded(e).contains(word, autoescape=True) for e in spec.search))
                  for word in params.words))


def order_by(spec: Spec, params: Params) -> list[Any]:
    column = spec.column(params.sort) or spec.column(spec.default)
    assert column is not None  # noqa: S101  (the default is one of the columns)
    expr = polish_order(column.sort) if column.text else column.sort
    ordered = expr.desc() if params.dir == DESC else expr.asc()
    # Empty values last in either direction, as on both databases alike.
    keys = [column.sort.is_(None), ordered]
    if spec.tiebreak is not None:
        keys.append(spec.tiebreak.desc() if params.dir == DESC else spec.tiebreak.asc())
    return keys


def paged(query: Select[Any], spec: Spec, params: Params, *,
          keep: Mapping[str, str] | None = None) -> Page[Any]:
    """The page of `query` that `params` ask for: two queries, whatever the page or the size.

    Rows are the select's entity when it selects one (select(User)), else Row tuples."""
    found = search_clause(spec, params)
    if found is not None:
        query = query.where(found)
    total = db.session.scalar(select(func.count()).select_from(query.order_by(None).subquery())) or 0
    number, pages = _clamp(params, total, spec.size)
    ordered = query.order_by(None).order_by(*order_by(spec, params)) \
        .limit(spec.size).offset((number - 1) * spec.size)
    if len(query.column_descriptions) == 1:
        rows: list[Any] = list(db.session.scalars(ordered).unique())
    else:
        rows = list(db.session.execute(ordered).unique())
    return Page(rows, total, number, pages, spec.size, params, spec, dict(keep or {}))


# --- rows in memory -------------------------------------------------------------------------------


def _sort_value(column: Column, row: Any) -> tuple[bool, Any]:
    value = column.sort(row)
    if value is None:
        return (True, 0)
    return (False, polish_key(str(value)) if column.text else value)


def paged_rows(rows: Sequence[T], spec: Spec, params: Params, *,
               keep: Mapping[str, str] | None = None,
               where: Callable[[T], bool] | None = None) -> Page[T]:
    """The same contract for rows already read (by a fixed number of queries): search,
    `where` (the page's own filters), sort, slice."""
    words = params.words
    chosen = [
        r for r in rows
        if (where is None or where(r))
        and all(any(word in (s(r) or "").lower() for s in spec.search) for word in words)
    ]
    column = spec.column(params.sort) or spec.column(spec.default)
    assert column is not None  # noqa: S101
    tie = spec.tiebreak or (lambda r: 0)
    present = [r for r in chosen if column.sort(r) is not None]
    empty = [r for r in chosen if column.sort(r) is None]
    present.sort(key=lambda r: (_sort_value(column, r), tie(r)), reverse=params.dir == DESC)
    empty.sort(key=tie, reverse=params.dir == DESC)
    ordered = present + empty
    number, pages = _clamp(params, len(ordered), spec.size)
    start = (number - 1) * spec.size
    return Page(ordered[start:start + spec.size], len(ordered), number, pages, spec.size,
                params, spec, dict(keep or {}))


def paged_ordered(ordered: Sequence[T], spec: Spec, params: Params, *,
                  keep: Mapping[str, str] | None = None) -> Page[T] | None:
    """The page of rows already in the spec's default order (as paged_rows would sort them),
    when `params` ask for that order and no search: a slice, without looking at every row.
    None when they ask for something else (then paged_rows)."""
    if params.words or params.sort != spec.default or params.dir != spec.default_dir:
        return None
    number, pages = _clamp(params, len(ordered), spec.size)
    start = (number - 1) * spec.size
    return Page(list(ordered[start:start + spec.size]), len(ordered), number, pages, spec.size,
                params, spec, dict(keep or {}))
