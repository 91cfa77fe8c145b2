"""The BDL import against the plainest bulk insert of the same rows.

    python bench/indicators_import.py     # SQLite (a temporary file)
    TEST_DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1:5432/test python bench/indicators_import.py
                                          # then PostgreSQL (a database of its own, dropped after)

Loads the TERYT units and the definitions, then for data/bdl/bdl_gminy_2010-2019_long_compact.csv
(416,370 rows) measures, into an EMPTY variable_value each time:

- plain: the rows the import writes, already in memory as tuples, inserted by one executemany of
  one INSERT (SQLite) or one COPY (PostgreSQL), and committed;
- import: `importer.import_file` from the file: reading and parsing it, resolving variables and
  units, reading what is there, the bulk insert, the ValueSource row, the commit;
- second run: the same import again (every value unchanged, nothing written).

It prints the median of REPEATS runs of each (and the fastest of each, steadier on a busy
machine) and the ratio import / plain (the target is ≤ 2).
Figures only: nothing passes or fails.
"""

from __future__ import annotations

import secrets
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]

import sqlalchemy as sa  # noqa: E402
from support import bench_main  # noqa: E402

from workflow.app import create_app  # noqa: E402
from workflow.extensions import db  # noqa: E402
from workflow.models import VariableValue  # noqa: E402
from workflow.monitoring import definitions, importer, units  # noqa: E402

LONG = ROOT / "data" / "bdl" / "bdl_gminy_2010-2019_long_compact.csv"
REPEATS = 5
COLUMNS = importer.COLUMNS


def empty() -> None:
    """No values (the ValueSource rows stay: the plain rows name the first import's)."""
    db.session.execute(sa.delete(VariableValue))
    db.session.commit()


def plain_insert(rows: list[tuple]) -> float:
    """One executemany (SQLite) or one COPY (PostgreSQL) of `rows`, and the commit."""
    started = time.perf_counter()
    connection = db.session.connection()
    dbapi = connection.connection.dbapi_connection
    cursor = dbapi.cursor()
    if connection.dialect.name == "postgresql":
        with cursor.copy(f"COPY variable_value ({', '.join(COLUMNS)}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)
    else:
        cursor.executemany(f"INSERT INTO variable_value ({', '.join(COLUMNS)}) "  # noqa: S608
                           f"VALUES ({', '.join('?' for _ in COLUMNS)})", rows)
    cursor.close()
    db.session.commit()
    return time.perf_counter() - started


def timed_import() -> tuple[float, importer.ImportReport]:
    started = time.perf_counter()
    report = importer.import_file(LONG)
    return time.perf_counter() - started, report


def analyze() -> None:
    if db.session.connection().dialect.name == "postgresql":
        db.session.commit()
        db.session.execute(sa.text("ANALYZE variable_value"))
    db.session.commit()


def run(label: str, database_url: str, workdir: Path) -> dict[str, object]:
    app = create_app({"APP_ENV": "testing", "SECRET_KEY": secrets.token_hex(32),
                      "SQLALCHEMY_DATABASE_URI": database_url,
                      "INSTANCE_PATH": str(workdir / "instance"), "UPLOAD_DIR": str(workdir / "uploads")})
    out: dict[str, object] = {}
    with app.app_context():
        db.create_all()
        units.load(with_boundaries=False)
        definitions.load()
        _, first = timed_import()
        t = VariableValue.__table__
        rows = [tuple(r) for r in db.session.execute(sa.select(*(t.c[c] for c in COLUMNS)))]
        rows = [(*r[:4], str(r[4]), *r[5:]) for r in rows]
        plain, imports, seconds = [], [], []
        for i in range(REPEATS):
            empty()
            plain.append(plain_insert(rows))
            empty()
            took, report = timed_import()
            imports.append(took)
            analyze()
            took2, again = timed_import()
            seconds.append(took2)
            print(f"  [{label}] run {i + 1}: plain {plain[-1]:.2f} s, import {imports[-1]:.2f} s, "
                  f"second run {seconds[-1]:.2f} s", flush=True)
        out = {"rows": len(rows), "read": first.read, "inserted": report.inserted,
               "unchanged": again.unchanged, "rejected": again.rejected,
               "plain": statistics.median(plain), "import": statistics.median(imports),
               "second": statistics.median(seconds),
               "min": (min(plain), min(imports), min(seconds))}
        db.session.remove()
        db.drop_all()
        db.engine.dispose()
    return out


def report(label: str, r: dict[str, object]) -> None:
    print()
    print(f"{label}: {LONG.name}, {r['read']:,} rows read, {r['inserted']:,} inserted, "
          f"{r['rejected']:,} rejected; median of {REPEATS} runs")
    plain, imported, second = float(r["plain"]), float(r["import"]), float(r["second"])  # type: ignore[arg-type]
    kind = "COPY" if label == "PostgreSQL" else "executemany"
    print(f"  plain bulk insert ({kind}) of the {r['rows']:,} rows  {plain:7.2f} s")
    print(f"  indicators import of the file (empty table)   {imported:7.2f} s   "
          f"ratio {imported / plain:.2f}x")
    print(f"  second run (all {r['unchanged']:,} unchanged)     {second:7.2f} s   "
          f"ratio {second / plain:.2f}x")
    low_plain, low_import, low_second = r["min"]  # type: ignore[misc]
    print(f"  fastest runs: plain {low_plain:.2f} s, import {low_import:.2f} s "
          f"({low_import / low_plain:.2f}x), second run {low_second:.2f} s ({low_second / low_plain:.2f}x)")


def main() -> None:
    bench_main(run, report)


if __name__ == "__main__":
    main()
