"""The revisions that key the pages kept as drawn (decisions 0044, 0046, 0047).

A revision is a row holding a number raised by one (`revision`) and a number drawn at random
(`token`) by every transaction that changes what a kept page shows, in that transaction. The
number only grows in the order the transactions commit; the token tells apart two states with
the same number, which a database restored from a backup gives: it counts again from the
backup's number, but draws other tokens. A page is kept under both.

Which writes raise which row, and when, is what keeps writers of different programmes from
waiting for each other (decision 0047):

- a programme's rows (`evaluation_revision`, `service_total_revision`) are raised only by the
  writes that change that programme's lines or totals, with those writes;
- the names' row (`name_revision`, one row) by a transaction that adds, removes or renames a
  town, path, account or field, marked by `mark_names` during its flushes and raised only by
  `_before_commit`, after the transaction's last flush: the last row it locks. A transaction
  waiting for it (another such write) can then hold nothing the holder still needs.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterable
from typing import Any

from sqlalchemy import Connection, Table, event, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session
from sqlalchemy.sql.selectable import ScalarSelect

from workflow.models import NameRevision

_NAMES = "revisions.names"
NAMES_ROW = 1


def advance(conn: Connection, table: Table, key: str, ids: Iterable[int]) -> None:
    """One more on the revision of each row `key` in `ids` of `table` (made at 1 if missing), each
    with a new random token, in `conn`'s transaction: one statement, in the keys' order, so two
    transactions raising the same rows never wait for each other the wrong way round."""
    ordered = sorted(set(ids))
    if not ordered:
        return
    make = postgresql.insert if conn.dialect.name == "postgresql" else sqlite.insert
    upsert = make(table).values([{key: i, "revision": 1, "token": secrets.randbits(63)} for i in ordered])
    conn.execute(upsert.on_conflict_do_update(
        index_elements=[table.c[key]],
        set_={"revision": table.c.revision + 1, "token": upsert.excluded.token}))


def advance_names(conn: Connection) -> None:
    """One more on the names' revision (bulk writes beside the ORM call this via their rebuild)."""
    advance(conn, NameRevision.__table__, "id", [NAMES_ROW])  # type: ignore[arg-type]


def names_columns() -> tuple[ScalarSelect[Any], ScalarSelect[Any]]:
    """The names' revision and token as two columns (None: never raised), to read in the
    statement a page already runs."""
    row = NameRevision.id == NAMES_ROW
    return (select(NameRevision.revision).where(row).scalar_subquery(),
            select(NameRevision.token).where(row).scalar_subquery())


def mark_names(session: Session) -> None:
    """This transaction changes a name a kept page shows: its commit raises the names' revision."""
    session.info[_NAMES] = True


def _before_commit(session: Session) -> None:
    if session.new or session.dirty or session.deleted:
        session.flush()  # the last flush, so that nothing is locked after the names' row
    if session.info.pop(_NAMES, None):
        advance_names(session.connection())


def _forget(session: Session, *_args: Any) -> None:
    session.info.pop(_NAMES, None)


def install() -> None:
    """Raise the names' revision at commit on every ORM session. The app calls this after every
    other module's `install()`, so that its `before_commit` runs last."""
    if not event.contains(Session, "before_commit", _before_commit):
        event.listen(Session, "before_commit", _before_commit)
        event.listen(Session, "after_rollback", _forget)
