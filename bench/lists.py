"""The paged lists at 54, 540 and 5,400 towns: a page of the same size should cost the same.

Builds one programme of 54 towns with the rows of every long list (tests/factories/many_towns:
towns with their advisors, users, fields, audit entries, services, evaluated applications
with their evaluators and sheets), measures, grows it to 540 and to 5,400 towns, and measures
again. For each list, at its first page, a later page and its last page: the SQL statements of
one request and the median of REQUESTS requests and the fastest (in-process, Flask's test
client), and the ratio of the fastest to the same page at 54 towns (the fastest is the least
moved by other work on a shared machine). Prints figures only and never fails on timing; the
statement counts are pinned by tests/test_query_counts.py (54 and 540 towns, first and last
page).

    python bench/lists.py                 # SQLite, in a temporary file
    TEST_DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1:5432/test python bench/lists.py
                                          # then PostgreSQL, in a database of its own, dropped afterwards
    BENCH_SIZES=54,540 python bench/lists.py
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "tests"), str(ROOT / "bench")]

from factories.many_towns import Built, add_list_rows, add_towns, build_programme  # noqa: E402
from queries import PASSWORD_HASH, REQUESTS, bench_app, measure_page  # noqa: E402  (bench/queries.py)
from support import bench_main  # noqa: E402

from workflow.extensions import db  # noqa: E402

SIZES = tuple(int(s) for s in os.environ.get("BENCH_SIZES", "54,540,5400").split(","))
LAST = "page=999999"  # clamped to the last page
LISTS = {
    "evaluation overview": (Built.coordinator, "/coordinator/evaluation/"),
    "evaluation overview, by score, page 2": (Built.coordinator,
                                              "/coordinator/evaluation/?sort=final&page=2"),
    "evaluation overview, last page": (Built.coordinator, "/coordinator/evaluation/?sort=spread&" + LAST),
    "evaluation overview, searched": (Built.coordinator, "/coordinator/evaluation/?q=00012"),
    "coordinator overview (towns)": (Built.coordinator, "/coordinator/"),
    "towns by advisor, page 2": (Built.coordinator, "/coordinator/?sort=advisor&dir=desc&page=2"),
    "towns, last page": (Built.coordinator, "/coordinator/?" + LAST),
    "users": (Built.coordinator, "/coordinator/users/"),
    "users, last page": (Built.coordinator, "/coordinator/users/?" + LAST),
    "advisors": (Built.coordinator, "/coordinator/advisors/?sort=load"),
    "audit log": (Built.coordinator, "/coordinator/audit/?sort=actor"),
    "services log (busy advisor)": (Built.busy, "/advisor/consultations/?sort=town"),
}


def run(label: str, database_url: str, workdir: Path) -> list[tuple[str, int, int, float, float]]:
    app = bench_app(database_url, workdir)
    rows = []
    with app.app_context():
        db.create_all()
        engine = db.engine
    built: Built | None = None
    for size in SIZES:
        started = time.perf_counter()
        with app.app_context():
            if built is None:
                built = build_programme(size, PASSWORD_HASH)
                add_list_rows(built.programme_id, 0, size, PASSWORD_HASH)
            else:
                add_towns(built.programme_id, built.towns, size, PASSWORD_HASH)
                add_list_rows(built.programme_id, built.towns, size, PASSWORD_HASH)
                built = Built(built.programme_id, size)
        print(f"  [{label}] {size} towns built in {time.perf_counter() - started:.1f} s", flush=True)
        for page, (email, url) in LISTS.items():
            rows.append((page, size, *measure_page(app, engine, email, url)))
    with app.app_context():
        db.drop_all()
    engine.dispose()
    return rows


def report(label: str, rows: list[tuple[str, int, int, float, float]]) -> None:
    print()
    print(f"{label}: SQL statements per request; median and fastest of {REQUESTS} requests (ms); "
          "the fastest's ratio to 54 towns. Load average at the end: "
          + " ".join(f"{x:.2f}" for x in os.getloadavg()))
    header = f"{'list':40} " + " ".join(f"{f'{n} towns':>24}" for n in SIZES) + \
        "".join(f" {f'{n}/{SIZES[0]}':>8}" for n in SIZES[1:])
    print(header)
    print("-" * len(header))
    for page in LISTS:
        by_size = {size: (q, t, fast) for p, size, q, t, fast in rows if p == page}
        cells = " ".join(f"{by_size[n][0]:>3} q {by_size[n][1] * 1000:>7.1f} {by_size[n][2] * 1000:>7.1f} ms"
                         for n in SIZES)
        base = by_size[SIZES[0]][2]
        print(f"{page:40} {cells}" + "".join(f" {by_size[n][2] / base:>7.1f}x" for n in SIZES[1:]))


def main() -> None:
    bench_main(run, report)


if __name__ == "__main__":
    main()
