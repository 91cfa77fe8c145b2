"""The demo's seed (`flask demo seed`), as the tests run it three times per half of `make test`.

    python bench/demo_seed.py          # SQLite (a temporary file)
    TEST_DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1:5432/test python bench/demo_seed.py
                                       # SQLite, then PostgreSQL (a database of its own)

Seeds the demo once into an empty database (with the tests' commits without a disk flush,
tests/support/fast_commit.py) and prints its wall and CPU time, the load average, and the SQL
statements and commits it sent: on PostgreSQL every statement is a round trip, so the count is
what the seed costs there beside its CPU. Figures only: nothing here passes or fails.
"""

from __future__ import annotations

import os
import sys
import time
from collections import Counter
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]

import sqlalchemy as sa  # noqa: E402
import support.fast_commit  # noqa: E402, F401  (as in the tests)
from support import app_for_tests, bench_main  # noqa: E402

from workflow.demo import seed as demo  # noqa: E402
from workflow.extensions import db  # noqa: E402

DAY = date(2026, 11, 28)  # the tests' day (tests/support/snapshot.py DEMO_DAY)


def run(_label: str, url: str, work: Path) -> dict[str, float]:
    app = app_for_tests(url, work)
    with app.app_context():
        db.create_all()
        counts: Counter[str] = Counter()

        def statement(_conn: object, _cursor: object, text: str, *_args: object) -> None:
            counts["statements"] += 1

        def commit(_conn: object) -> None:
            counts["commits"] += 1

        sa.event.listen(db.engine, "before_cursor_execute", statement)
        sa.event.listen(db.engine, "commit", commit)
        wall, cpu = time.perf_counter(), time.process_time()
        created, _ = demo.seed("demo", today=DAY)
        wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
        assert created
        db.session.remove()
        db.drop_all()
        db.engine.dispose()
    return {"wall": wall, "cpu": cpu, "load": os.getloadavg()[0], **counts}


def report(label: str, row: dict[str, float]) -> None:
    print(f"{label}: seed {row['wall']:.1f} s wall, {row['cpu']:.1f} s CPU (load {row['load']:.1f}); "
          f"{row['statements']:,.0f} statements, {row['commits']:,.0f} commits")


if __name__ == "__main__":
    bench_main(run, report)
