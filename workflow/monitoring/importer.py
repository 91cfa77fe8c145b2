"""Import of variable values from a file (GUS BDL exports, bdl.py): idempotent and in bulk.

One transaction: the file is parsed in memory, each record's variable and unit resolved, the
current values of the file's variables read in ONE query and compared, and then

- new values are written with one bulk statement (executemany on SQLite, COPY on PostgreSQL);
- changed values are updated in bulk, each replaced value kept in value_revision (its revision,
  status and source); a value that was final and changes becomes "corrected";
- equal values are left alone (unchanged), so a second run of the same file writes nothing but
  its ValueSource row.

Units are found by their TERYT code; a gmina code that the register no longer has is found by
its first six digits when exactly one gmina of the register has them: GUS changes the 7th digit
when a rural gmina gets town rights (…2 → …3), and the BDL keeps the old code for the years
before (data/geo/README.md). Parts of gminas (RODZ 4, 5, 8, 9) are rejected with their reason.
"""

from __future__ import annotations

import gc
import hashlib
from collections import Counter
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from workflow.extensions import db
from workflow.models import (
    SourceKind,
    TerritorialUnit,
    ValueRevision,
    ValueSource,
    ValueStatus,
    Variable,
    VariableValue,
)
from workflow.monitoring import bdl
from workflow.monitoring.bdl import Reason, Record, Rejection

COLUMNS = ("variable_id", "year", "unit_id", "value", "status", "source_id", "revision")
COPY_SQL = "COPY variable_value (variable_id, year, unit_id, value, status, source_id, revision) FROM STDIN"
INSERT_SQL = ("INSERT INTO variable_value (variable_id, year, unit_id, value, status, source_id, revision) "
              "VALUES (?, ?, ?, ?, ?, ?, ?)")
GMINA_PART_KINDS = frozenset("4589")
EXAMPLES_PER_REASON = 5


@dataclass
class ImportReport:
    read: int = 0  # values read (a wide file's filled cells; a long file's rows)
    inserted: int = 0
    updated: int = 0
    unchanged: int = 0
    rejected: int = 0
    reasons: Counter[str] = field(default_factory=Counter)
    examples: dict[str, list[str]] = field(default_factory=dict)
    by_six_digits: int = 0  # values whose unit was found by the first six digits of its code
    source_id: int | None = None

    def reject(self, rejection: Rejection) -> None:
        self.rejected += 1
        self.reasons[rejection.reason] += 1
        examples = self.examples.setdefault(rejection.reason, [])
        example = f"wiersz {rejection.line}: {rejection.detail}"
        seen = any(e.endswith(f": {rejection.detail}") for e in examples)
        if len(examples) < EXAMPLES_PER_REASON and not seen:
            examples.append(example)

    def summary(self) -> dict[str, Any]:
        """The counts (read, inserted, updated, unchanged, rejected, by six digits) and the
        rejections by reason, as kept in value_source.summary."""
        counts = {f.name: getattr(self, f.name) for f in fields(self)
                  if f.type == "int" and f.name != "source_id"}
        return {**counts, "reasons": dict(self.reasons)}


def import_file(path: Path, *, status: ValueStatus = ValueStatus.FINAL, variable: str | None = None,
                kind: SourceKind = SourceKind.FILE, user_id: int | None = None,
                name: str | None = None) -> ImportReport:
    raw = path.read_bytes()
    return import_bytes(raw, name or path.name, status=status, variable=variable, kind=kind,
                        user_id=user_id)


def import_bytes(raw: bytes, name: str, *, status: ValueStatus = ValueStatus.FINAL,
                 variable: str | None = None, kind: SourceKind = SourceKind.FILE,
                 user_id: int | None = None) -> ImportReport:
    """Import a file's bytes; raises bdl.FormatError (nothing written) when it is not one."""
    report = ImportReport()
    # Hundreds of thousands of small objects and no cycles among them: the cyclic garbage
    # collector would only walk them again and again (a third of the time, measured).
    collecting = gc.isenabled()
    gc.disable()
    try:
        records = _resolve(bdl.parse(bdl.decode(raw), variable), variable, report)
        variable_ids = sorted({key[0] for key in records})
        existing = _existing(variable_ids)
    finally:
        if collecting:
            gc.enable()
    source = ValueSource(kind=kind, name=name[:300], sha256=hashlib.sha256(raw).hexdigest(),
                         user_id=user_id)
    db.session.add(source)
    db.session.flush()
    report.source_id = source.id

    inserts: list[tuple[Any, ...]] = []
    updates: list[tuple[Any, ...]] = []
    revisions: list[dict[str, Any]] = []
    for key, value in records.items():
        old = existing.get(key)
        if old is None:
            inserts.append((*key, value, status.value, source.id, 1))
            continue
        old_value, old_status, old_source, old_revision = old
        same_status = old_status == status.value or (
            old_status == ValueStatus.CORRECTED.value and status is ValueStatus.FINAL)
        if old_value == value and same_status:
            report.unchanged += 1
            continue
        new_status = status
        if old_value != value and old_status in (ValueStatus.FINAL.value, ValueStatus.CORRECTED.value) \
                and status is ValueStatus.FINAL:
            new_status = ValueStatus.CORRECTED
        revisions.append({"variable_id": key[0], "year": key[1], "unit_id": key[2],
                          "revision": old_revision, "value": old_value, "status": old_status,
                          "source_id": old_source, "replaced_by_id": source.id})
        updates.append((value, new_status.value, source.id, old_revision + 1, *key))

    report.inserted = len(inserts)
    report.updated = len(updates)
    if inserts:
        bulk_insert(inserts)
    if updates:
        db.session.execute(sa.insert(ValueRevision), revisions)
        _bulk_update(updates)
    source.summary = report.summary()
    db.session.commit()
    return report


def _resolve(items: Any, variable: str | None,
             report: ImportReport) -> dict[tuple[int, int, int], float]:
    """Records keyed by (variable id, year, unit id); every other item rejected with its reason."""
    variables: dict[str, int] = {}
    for var_id, code, label in db.session.execute(
            sa.select(Variable.id, Variable.code, Variable.source_label)):
        variables[code] = var_id
        if label:
            variables[label] = var_id
    units: dict[str, int] = {}
    by_six: dict[str, int] = {}
    for unit_id, code in db.session.execute(sa.select(TerritorialUnit.id, TerritorialUnit.code)):
        units[code] = unit_id
        if len(code) == 7:
            by_six[code[:6]] = unit_id
    out: dict[tuple[int, int, int], float] = {}
    for item in items:
        if isinstance(item, Rejection):
            report.read += 1
            report.reject(item)
            continue
        record: Record = item
        report.read += 1
        var_id = variables.get(record.variable)
        if var_id is None:
            report.reject(Rejection(record.line, Reason.UNKNOWN_VARIABLE, record.variable[:80]))
            continue
        unit_id = units.get(record.code)
        if unit_id is None:
            if len(record.code) == 7 and record.code[6] in GMINA_PART_KINDS:
                report.reject(Rejection(record.line, Reason.PART_OF_GMINA, record.code))
                continue
            unit_id = by_six.get(record.code[:6]) if len(record.code) == 7 else None
            if unit_id is None:
                report.reject(Rejection(record.line, Reason.UNKNOWN_UNIT, record.code))
                continue
            report.by_six_digits += 1
        key = (var_id, record.year, unit_id)
        if key in out:
            report.reject(Rejection(record.line, Reason.DUPLICATE,
                                    f"{record.code} {record.year} {record.variable[:40]}"))
            continue
        out[key] = record.value
    return out


def _existing(variable_ids: list[int]) -> dict[tuple[int, int, int], tuple[float, str, int, int]]:
    if not variable_ids:
        return {}
    # Plain SQL: no type processing of 400,000 rows (the status stays the string it is stored as).
    rows = db.session.execute(sa.text(
        "SELECT variable_id, year, unit_id, value, status, source_id, revision FROM variable_value "
        "WHERE variable_id IN :ids").bindparams(sa.bindparam("ids", expanding=True)), {"ids": variable_ids})
    return {(r[0], r[1], r[2]): (r[3], r[4], r[5], r[6]) for r in rows}


def bulk_insert(rows: list[tuple[Any, ...]]) -> None:
    """Rows of COLUMNS into variable_value with the plainest bulk statement the database has:
    COPY on PostgreSQL, executemany of one INSERT on SQLite. Inside the session's transaction."""
    connection = db.session.connection()
    dbapi = connection.connection.dbapi_connection
    assert dbapi is not None  # noqa: S101 (a connection in use always has one)
    cursor = dbapi.cursor()
    try:
        if connection.dialect.name == "postgresql":
            with cursor.copy(COPY_SQL) as copy:  # type: ignore[attr-defined]
                for row in rows:
                    copy.write_row(row)
        else:
            cursor.executemany(INSERT_SQL, rows)
    finally:
        cursor.close()


def _bulk_update(rows: list[tuple[Any, ...]]) -> None:
    """(value, status, source_id, revision, variable_id, year, unit_id) rows: on PostgreSQL
    COPY into a temporary table and one UPDATE … FROM; on SQLite executemany of one UPDATE."""
    connection = db.session.connection()
    if connection.dialect.name == "postgresql":
        dbapi = connection.connection.dbapi_connection
        assert dbapi is not None  # noqa: S101
        cursor = dbapi.cursor()
        try:
            cursor.execute("CREATE TEMPORARY TABLE variable_value_update (value double precision, "
                           "status varchar(20), source_id integer, revision integer, "
                           "variable_id integer, year integer, unit_id integer) ON COMMIT DROP")
            with cursor.copy("COPY variable_value_update FROM STDIN") as copy:  # type: ignore[attr-defined]
                for row in rows:
                    copy.write_row(row)
            cursor.execute(
                "UPDATE variable_value AS v SET value = u.value, status = u.status, "
                "source_id = u.source_id, revision = u.revision FROM variable_value_update AS u "
                "WHERE v.variable_id = u.variable_id AND v.year = u.year AND v.unit_id = u.unit_id")
        finally:
            cursor.close()
        return
    t = VariableValue.__table__
    statement = t.update().where(
        t.c.variable_id == sa.bindparam("k_variable"), t.c.year == sa.bindparam("k_year"),
        t.c.unit_id == sa.bindparam("k_unit"),
    ).values(value=sa.bindparam("n_value"), status=sa.bindparam("n_status"),
             source_id=sa.bindparam("n_source"), revision=sa.bindparam("n_revision"))
    db.session.execute(statement, [
        {"n_value": r[0], "n_status": r[1], "n_source": r[2], "n_revision": r[3],
         "k_variable": r[4], "k_year": r[5], "k_unit": r[6]} for r in rows])
