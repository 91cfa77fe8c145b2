"""The ranking's cost at 54, 5,400 and 54,000 applications, beside one SQL query.

    python bench/ranking.py            # SQLite (a temporary file)
    TEST_DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1:5432/test python bench/ranking.py
                                       # SQLite, then PostgreSQL (a database of its own)

Builds one programme with the RL-2020 score sheet (PRL 110 points, PRI 120, three
criteria each) and 54 applications, each with two submitted sheets (a third for about one
in twenty, as when two totals differ too much), measures, then grows it to 5,400 and
54,000 applications with bulk inserts and measures again. For each size it prints the
median time of `load_inputs` (its SQL statements), of `rank()`, of both together, and of
ONE SQL query that reads the same score rows (every submitted sheet's points summed per
part, with its application and town), and the ratio of the ranking to that query. It
prints figures only: timing depends on the machine, so nothing here passes or fails.
"""

from __future__ import annotations

import os
import secrets
import statistics
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]

import sqlalchemy as sa  # noqa: E402
from support import bench_main, paired  # noqa: E402
from support.querycount import count_queries  # noqa: E402

from workflow.app import create_app  # noqa: E402
from workflow.extensions import db  # noqa: E402
from workflow.models import (  # noqa: E402
    Applicant,
    Criterion,
    EvaluatorAssignment,
    PathTransition,
    Programme,
    Score,
    ScoreSheet,
    SheetPart,
    User,
)
from workflow.models import Path as PathRow  # noqa: E402
from workflow.ranking import rule as ranking  # noqa: E402
from workflow.ranking import runs as ranking_runs  # noqa: E402

SIZES = (54, 5_400, 54_000)
RUNS = {54: 9, 5_400: 5, 54_000: 3}
EVALUATORS = 24
CRITERIA = {"PRL": (30, 40, 40), "PRI": (40, 40, 40)}
T0 = datetime(2020, 10, 30, 9, 0, tzinfo=UTC)

ONE_QUERY = sa.text("""
    SELECT ea.path_id, ap.name, u.email, sp.code, SUM(s.points)
    FROM evaluator_assignment ea
    JOIN path p ON p.id = ea.path_id
    JOIN applicant ap ON ap.id = p.applicant_id
    JOIN user_account u ON u.id = ea.evaluator_id
    JOIN score_sheet sh ON sh.assignment_id = ea.id
    JOIN score s ON s.sheet_id = sh.id
    JOIN criterion c ON c.id = s.criterion_id
    JOIN sheet_part sp ON sp.id = c.part_id
    WHERE p.programme_id = :programme AND sh.status = 'submitted'
    GROUP BY ea.path_id, ap.name, ea.id, u.email, sp.code
""")


def setup_programme() -> tuple[int, list[int]]:
    """The programme, its sheet and the evaluators; returns (programme id, criterion ids)."""
    programme = Programme(code="RL-BENCH", title_pl="Rozwój Lokalny – pomiar rankingu",
                          title_en="Local Development – ranking benchmark", path_code="rozwoj-lokalny",
                          budget=Decimal("450000000.00"), winners_cap=15)
    db.session.add(programme)
    db.session.flush()
    criteria: list[Criterion] = []
    for position, (code, maxima) in enumerate(CRITERIA.items()):
        part = SheetPart(programme_id=programme.id, code=code, title_pl=code, title_en=code,
                         position=position)
        for i, maximum in enumerate(maxima):
            criterion = Criterion(code=f"{code}.{i + 1}", title_pl="k", title_en="c", max_points=maximum,
                                  position=i)
            part.criteria.append(criterion)
            criteria.append(criterion)
        db.session.add(part)
    db.session.add_all(User(email=f"oceniajacy{i:02d}@bench.example", name=f"Oceniający {i:02d}",
                            password_hash="-", role="evaluator") for i in range(EVALUATORS))
    db.session.commit()
    return programme.id, [c.id for c in criteria]


def points(i: int, e: int) -> list[int]:
    """Deterministic points per criterion of application i by evaluator slot e."""
    out = []
    for k, maximum in enumerate((*CRITERIA["PRL"], *CRITERIA["PRI"])):
        out.append(min(maximum, (i * 7 + e * 13 + k * 5) % (maximum + 1) // 2 + maximum // 2))
    return out


def add_applications(programme_id: int, criteria: list[int], start: int, stop: int) -> None:
    """Applications start..stop-1 with their history, assignments, sheets and scores,
    as bulk inserts with explicit ids (ids follow the application number)."""
    evaluators = list(db.session.scalars(
        sa.select(User.id).where(User.role == "evaluator").order_by(User.id)))
    base = 1_000_000  # ids of this benchmark's rows, clear of the setup's
    applicants, paths, history, assignments, sheets, scores = [], [], [], [], [], []
    for i in range(start, stop):
        pid = base + i
        applicants.append({"id": pid, "kind": "town", "name": f"Miasto {i:05d}",
                           "voivodeship": "mazowieckie"})
        paths.append({"id": pid, "programme_id": programme_id, "applicant_id": pid, "state": "evaluation",
                      "version": 3, "created_at": T0, "updated_at": T0,
                      "requested_amount": Decimal(10_000_000 + (i * 7_919_000) % 30_000_000)})
        history += [{"path_id": pid, "seq": 1, "event": "submit_application",
                     "from_state": "application.draft", "to_state": "formal_check", "comment": "",
                     "created_at": T0 + timedelta(seconds=i)},
                    {"path_id": pid, "seq": 2, "event": "pass_formal_check", "from_state": "formal_check",
                     "to_state": "evaluation", "comment": "", "created_at": T0 + timedelta(days=1)}]
        slots = 3 if i % 20 == 7 else 2
        for e in range(slots):
            aid = (base + i) * 4 + e
            assignments.append({"id": aid, "path_id": pid,
                                "evaluator_id": evaluators[(i + e * 5) % EVALUATORS],
                                "role": "third" if e == 2 else "regular", "source": "demo",
                                "declaration": "impartial", "conflict_note": "", "declared_at": T0,
                                "created_at": T0})
            sheets.append({"id": aid, "assignment_id": aid, "status": "submitted", "created_at": T0,
                           "updated_at": T0, "submitted_at": T0 + timedelta(days=2), "version": 2})
            for cid, value in zip(criteria, points(i, e), strict=True):
                scores.append({"sheet_id": aid, "criterion_id": cid, "points": value, "justification": "ok"})
    for model, rows in ((Applicant, applicants), (PathRow, paths), (PathTransition, history),
                        (EvaluatorAssignment, assignments), (ScoreSheet, sheets), (Score, scores)):
        for chunk in range(0, len(rows), 20_000):
            db.session.execute(sa.insert(model.__table__), rows[chunk:chunk + 20_000])
    db.session.commit()
    # Fresh statistics, as autovacuum (PostgreSQL) or a routine ANALYZE would leave them.
    with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(sa.text("ANALYZE"))


def median_of(fn: Callable[[], object], runs: int) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def measure(programme_id: int, size: int) -> dict[str, object]:
    db.session.expire_all()
    programme = db.session.get(Programme, programme_id)
    runs = RUNS[size]
    with count_queries(db.engine) as log:
        applications = ranking_runs.load_inputs(programme)
    settings = ranking_runs.settings_of(programme)
    result = ranking.rank(applications, settings)
    assert len(applications) == size and result.awarded_count > 0
    load = median_of(lambda: ranking_runs.load_inputs(programme), runs)
    rank = median_of(lambda: ranking.rank(applications, settings), runs)
    rows = db.session.execute(ONE_QUERY, {"programme": programme_id}).all()
    both, one, ratio, fastest = paired(
        lambda: ranking.rank(ranking_runs.load_inputs(programme), settings),
        lambda: db.session.execute(ONE_QUERY, {"programme": programme_id}).all(), runs)
    db.session.rollback()
    return {"size": size, "queries": log.count, "rows": len(rows), "load": load, "rank": rank,
            "both": both, "one": one, "ratio": ratio, "fastest": fastest, "awarded": result.awarded_count,
            "loadavg": os.getloadavg()[0]}


def run(label: str, database_url: str, workdir: Path) -> list[dict[str, object]]:
    app = create_app({"APP_ENV": "testing", "SECRET_KEY": secrets.token_hex(32),
                      "SQLALCHEMY_DATABASE_URI": database_url,
                      "INSTANCE_PATH": str(workdir / "instance"), "UPLOAD_DIR": str(workdir / "uploads")})
    out = []
    with app.app_context():
        db.create_all()
        programme_id, criteria = setup_programme()
        built = 0
        for size in SIZES:
            started = time.perf_counter()
            add_applications(programme_id, criteria, built, size)
            built = size
            took = time.perf_counter() - started
            print(f"  [{label}] {size:,} applications built in {took:.1f} s", flush=True)
            out.append(measure(programme_id, size))
        db.session.remove()
        db.drop_all()
        db.engine.dispose()
    return out


def report(label: str, rows: list[dict[str, object]]) -> None:
    print()
    print(f"{label}: median time (ms) of load_inputs + rank(), and of one SQL query reading the same "
          "score rows (load: the 1-minute load average after each size)")
    header = (f"{'applications':>12} {'score rows':>10} {'load_inputs':>15} {'rank()':>8} {'load+rank':>10} "
              f"{'one query':>10} {'ratio':>6} {'fastest':>7} {'load':>5}")
    print(header)
    print("-" * len(header))
    for r in rows:
        print(f"{r['size']:>12,} {r['rows']:>10,} {r['queries']:>4} q {r['load'] * 1000:>8.1f} "
              f"{r['rank'] * 1000:>8.1f} {r['both'] * 1000:>10.1f} {r['one'] * 1000:>10.1f} "
              f"{r['ratio']:>5.1f}x {r['fastest']:>6.1f}x {r['loadavg']:>5.1f}")



def main() -> None:
    bench_main(run, report)


if __name__ == "__main__":
    main()
