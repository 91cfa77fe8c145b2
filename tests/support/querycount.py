"""Count the SQL statements an engine executes inside a `with` block.

    with count_queries(db.engine) as queries:
        client.get("/coordinator/")
    assert queries.count == 5, queries

Only statements sent to the database driver are counted (SQLAlchemy's
"before_cursor_execute" event): a query answered from the session's identity map costs
nothing, and one executemany() is one statement.

A programme of many towns to count them on: tests/factories/many_towns.py.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

from sqlalchemy import event
from sqlalchemy.engine import Engine


@dataclass
class QueryLog:
    statements: list[str] = field(default_factory=list)

    @property
    def count(self) -> int:
        return len(self.statements)

    def __str__(self) -> str:
        lines = [f"{self.count} statements:"]
        lines += [f"  {n}. {' '.join(s.split())[:300]}" for n, s in enumerate(self.statements, 1)]
        return "\n".join(lines)


@contextmanager
def count_queries(engine: Engine) -> Iterator[QueryLog]:
    log = QueryLog()

    def before(conn, cursor, statement, parameters, context, executemany) -> None:  # noqa: ANN001
        log.statements.append(statement)

    event.listen(engine, "before_cursor_execute", before)
    try:
        yield log
    finally:
        event.remove(engine, "before_cursor_execute", before)
