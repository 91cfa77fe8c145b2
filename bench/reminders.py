"""The reminder sweep at 5,400 and 54,000 paths, beside one plain SELECT of the due rows.

    python bench/reminders.py          # SQLite (a temporary file)
    TEST_DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1:5432/test python bench/reminders.py
                                       # SQLite, then PostgreSQL (a database of its own)

Builds one programme whose paths stand in every state of the RL path in turn, each town
with one member; one path in fifty has its own deadline extension, and every path in
evaluation has two evaluators with unsubmitted sheets. The diagnosis is due in 7 days
minus an hour (so its 7-day window is open), the evaluation in 3 days, the other stages
in 30 days or more (outside every window). For each size it prints the median time of
`reminders.find_due` (the sweep's reading and deciding, no writes; with its SQL statement
count), of ONE plain SELECT of the same due rows (no CASE over the states, no extensions,
no deciding), their ratio, and then one whole sweep (claims and messages written, in one
transaction) and a second sweep right after it (nothing new to claim). Figures only:
timing depends on the machine, so nothing here passes or fails.
"""

from __future__ import annotations

import os
import secrets
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]

import sqlalchemy as sa  # noqa: E402
from factories.many_towns import SPREAD  # noqa: E402
from support import bench_main, paired  # noqa: E402
from support.querycount import count_queries  # noqa: E402

from workflow.app import create_app  # noqa: E402
from workflow.extensions import db  # noqa: E402
from workflow.messaging import reminders  # noqa: E402
from workflow.models import (  # noqa: E402
    Applicant,
    DeadlineExtension,
    EvaluatorAssignment,
    Programme,
    StageDeadline,
    User,
)
from workflow.models import Path as PathRow  # noqa: E402

SIZES = (5_400, 54_000)
RUNS = {5_400: 9, 54_000: 7}
EVALUATORS = 24
NOW = datetime(2027, 3, 1, 9, 0, tzinfo=UTC)
DUE = {"diagnosis": NOW + timedelta(days=7, hours=-1), "prl": NOW + timedelta(days=30),
       "pri": NOW + timedelta(days=60), "application": NOW + timedelta(days=90)}

# The due rows, read plainly: open diagnosis paths with their member, and unsubmitted sheets.
ONE_QUERY = sa.text("""
    SELECT p.id, a.name, u.id, u.locale, sd.due_at
    FROM path p
    JOIN applicant a ON a.id = p.applicant_id
    JOIN stage_deadline sd ON sd.programme_id = p.programme_id AND sd.stage = 'diagnosis'
    JOIN user_account u ON u.applicant_id = p.applicant_id
    WHERE p.state IN ('diagnosis.draft', 'diagnosis.returned') AND sd.due_at > :now
    UNION ALL
    SELECT ea.id, a.name, u.id, u.locale, pr.evaluation_deadline
    FROM evaluator_assignment ea
    JOIN path p ON p.id = ea.path_id
    JOIN programme pr ON pr.id = p.programme_id
    JOIN applicant a ON a.id = p.applicant_id
    JOIN user_account u ON u.id = ea.evaluator_id
    WHERE p.state = 'evaluation' AND pr.evaluation_deadline > :now
""")


def setup_programme() -> int:
    programme = Programme(code="RL-BENCH", title_pl="Rozwój Lokalny – pomiar przypomnień",
                          title_en="Local Development – reminder benchmark",
                          path_code="rozwoj-lokalny", evaluation_deadline=NOW + timedelta(days=3))
    db.session.add(programme)
    db.session.flush()
    for stage, due in DUE.items():
        db.session.add(StageDeadline(programme_id=programme.id, stage=stage, due_at=due))
    db.session.add_all([User(email=f"evaluator{e:02d}@bench.example", name=f"Oceniający {e}",
                             password_hash="x", role="evaluator") for e in range(EVALUATORS)])
    db.session.commit()
    return programme.id


def add_paths(programme_id: int, start: int, stop: int) -> None:
    """Paths start..stop-1 with a town member each, as bulk inserts with explicit ids."""
    evaluators = list(db.session.scalars(
        sa.select(User.id).where(User.role == "evaluator").order_by(User.id)))
    base = 1_000_000
    applicants, paths, users, extensions, assignments = [], [], [], [], []
    for i in range(start, stop):
        pid = base + i
        state = SPREAD[i % len(SPREAD)]
        applicants.append({"id": pid, "kind": "town", "name": f"Miasto {i:05d}",
                           "voivodeship": "mazowieckie"})
        paths.append({"id": pid, "programme_id": programme_id, "applicant_id": pid, "state": state,
                      "version": 1, "created_at": NOW, "updated_at": NOW})
        users.append({"id": pid, "email": f"town{i:05d}@bench.example", "name": f"Zespół {i}",
                      "password_hash": "x", "role": "town", "applicant_id": pid, "locale": "pl",
                      "active": True, "created_at": NOW})
        if i % 50 == 0:
            extensions.append({"path_id": pid, "stage": "diagnosis", "due_at": NOW + timedelta(days=2),
                               "reason": "bench", "created_at": NOW})
        if state == "evaluation":
            for e in range(2):
                assignments.append({"id": pid * 2 + e, "path_id": pid, "round": 1,
                                    "evaluator_id": evaluators[(i + e * 5) % EVALUATORS],
                                    "role": "regular", "source": "demo", "declaration": "impartial",
                                    "conflict_note": "", "created_at": NOW})
    for model, rows in ((Applicant, applicants), (PathRow, paths), (User, users),
                        (DeadlineExtension, extensions), (EvaluatorAssignment, assignments)):
        for chunk in range(0, len(rows), 20_000):
            db.session.execute(sa.insert(model), rows[chunk:chunk + 20_000])
    db.session.commit()
    with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(sa.text("ANALYZE"))


def timed(fn: Callable[[], object]) -> tuple[float, object]:
    start = time.perf_counter()
    value = fn()
    return time.perf_counter() - start, value


def measure(size: int, now: datetime) -> dict[str, object]:
    db.session.expire_all()
    runs = RUNS[size]
    with count_queries(db.engine) as log:
        due, messages = reminders.find_due(now)
    rows = db.session.execute(ONE_QUERY, {"now": now}).all()
    find, one, ratio, fastest = paired(lambda: reminders.find_due(now),
                                       lambda: db.session.execute(ONE_QUERY, {"now": now}).all(), runs)
    db.session.rollback()
    with count_queries(db.engine) as sweep_log:
        first, swept = timed(lambda: reminders.sweep_detail(now))
    second, again = timed(lambda: reminders.sweep_detail(now))
    assert again.reminders == 0 and 0 < swept.reminders <= len(due)
    return {"size": size, "queries": log.count, "due": len(due), "messages": len(messages),
            "rows": len(rows), "find": find, "one": one, "ratio": ratio, "fastest": fastest,
            "first": first, "second": second,
            "sweep_queries": sweep_log.count, "loadavg": os.getloadavg()[0]}


def run(label: str, database_url: str, workdir: Path) -> list[dict[str, object]]:
    app = create_app({"APP_ENV": "testing", "SECRET_KEY": secrets.token_hex(32),
                      "SQLALCHEMY_DATABASE_URI": database_url,
                      "INSTANCE_PATH": str(workdir / "instance"), "UPLOAD_DIR": str(workdir / "uploads")})
    out = []
    with app.app_context():
        db.create_all()
        programme_id = setup_programme()
        built = 0
        for n, size in enumerate(SIZES):
            started = time.perf_counter()
            add_paths(programme_id, built, size)
            built = size
            print(f"  [{label}] {size:,} paths built in {time.perf_counter() - started:.1f} s", flush=True)
            # A new moment per size (an hour apart, same windows): the first size's claims
            # hold for the same deadlines, so only the new paths are claimed at the second.
            out.append(measure(size, NOW + timedelta(minutes=n)))
        db.session.remove()
        db.drop_all()
        db.engine.dispose()
    return out


def report(label: str, rows: list[dict[str, object]]) -> None:
    print()
    print(f"{label}: median time (ms) of the sweep's finding (find_due) and of one plain SELECT "
          "of the same due rows; then one whole sweep and a second one (load: the 1-minute load average)")
    header = (f"{'paths':>7} {'due':>6} {'messages':>8} {'find_due':>13} {'one SELECT':>10} "
              f"{'ratio':>6} {'fastest':>7} {'sweep (writes)':>18} {'2nd sweep':>10} {'load':>5}")
    print(header)
    print("-" * len(header))
    for r in rows:
        print(f"{r['size']:>7,} {r['due']:>6,} {r['messages']:>8,} {r['queries']:>3} q "
              f"{r['find'] * 1000:>7.1f} {r['one'] * 1000:>10.1f} {r['ratio']:>5.1f}x {r['fastest']:>6.1f}x "
              f"{r['sweep_queries']:>3} q {r['first'] * 1000:>10.1f} {r['second'] * 1000:>10.1f} "
              f"{r['loadavg']:>5.1f}")


def main() -> None:
    bench_main(run, report)


if __name__ == "__main__":
    main()
