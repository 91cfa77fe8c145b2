"""How the busiest pages scale with the number of towns: SQL queries and response time.

    python bench/queries.py            # SQLite (a temporary file)
    TEST_DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1:5432/test python bench/queries.py
                                       # SQLite, then PostgreSQL (a database of its own)

Builds one programme of 54 towns, measures, grows it to 540 and then to 5400 towns,
measuring again each time. For every page it prints the number of SQL statements of one
request and the median time of 20 requests (after one warm-up request), and how much
slower the page is at 540 and 5400 towns than at 54. It prints figures only: timing
depends on the machine, so nothing here passes or fails.
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
from factories.many_towns import Built, add_towns, build_programme  # noqa: E402
from flask import Flask  # noqa: E402
from support import Browser, bench_main  # noqa: E402
from support.querycount import count_queries  # noqa: E402
from werkzeug.security import generate_password_hash  # noqa: E402

from workflow.app import create_app  # noqa: E402
from workflow.extensions import db  # noqa: E402

SIZES = (54, 540, 5400)
REQUESTS = 20
PASSWORD = "bench-password"  # noqa: S105
PASSWORD_HASH = generate_password_hash(PASSWORD, method="pbkdf2:sha256:1000")
PAGES = {
    "coordinator overview": (Built.coordinator, "/coordinator/"),
    "town dashboard": (Built.town, "/town/"),
    "advisor page (1 town)": (Built.lead, "/advisor/"),
    "advisor page (every 10th town)": (Built.busy, "/advisor/"),
}


def logged_in(app, email: str) -> Browser:  # noqa: ANN001
    client = Browser(app, PASSWORD)
    response = client.login(email)
    if response.status_code != 302:
        raise RuntimeError(f"could not log in as {email}: {response.status_code}")
    return client


def measure_page(app, engine: sa.Engine, email: str, url: str) -> tuple[int, float, float]:  # noqa: ANN001
    """(SQL statements of one request, median and fastest of REQUESTS requests, in seconds);
    bench/lists.py measures its pages with it too."""
    client = logged_in(app, email)
    with count_queries(engine) as log:
        first = client.get(url)
    if first.status_code != 200:
        raise RuntimeError(f"{url} as {email}: {first.status_code}")
    times = []
    for _ in range(REQUESTS):
        start = time.perf_counter()
        response = client.get(url)
        times.append(time.perf_counter() - start)
        assert response.status_code == 200  # a broken page would make the timing meaningless
    return log.count, statistics.median(times), min(times)


def bench_app(database_url: str, workdir: Path) -> Flask:
    """The app the scaling benches measure (bench/lists.py too): testing settings, `database_url`."""
    return create_app({
        "APP_ENV": "testing",
        "SECRET_KEY": secrets.token_hex(32),
        "SQLALCHEMY_DATABASE_URI": database_url,
        "INSTANCE_PATH": str(workdir / "instance"),
        "UPLOAD_DIR": str(workdir / "uploads"),
    })


def run(label: str, database_url: str, workdir: Path) -> list[tuple[str, int, int, float]]:
    app = bench_app(database_url, workdir)
    rows = []
    with app.app_context():
        db.create_all()
        engine = db.engine
    built = None
    for size in SIZES:
        started = time.perf_counter()
        with app.app_context():
            if built is None:
                built = build_programme(size, PASSWORD_HASH)
            else:
                add_towns(built.programme_id, built.towns, size, PASSWORD_HASH)
                built = Built(built.programme_id, size)
        print(f"  [{label}] {size} towns built in {time.perf_counter() - started:.1f} s", flush=True)
        for page, (email, url) in PAGES.items():
            queries, median, _fastest = measure_page(app, engine, email, url)
            rows.append((page, size, queries, median))
    with app.app_context():
        db.drop_all()
    engine.dispose()
    return rows


def report(label: str, rows: list[tuple[str, int, int, float]]) -> None:
    print()
    print(f"{label}: SQL statements per request, median of {REQUESTS} requests")
    header = f"{'page':32} " + " ".join(f"{f'{n} towns':>18}" for n in SIZES) + \
        f" {'540/54':>7} {'5400/54':>8}"
    print(header)
    print("-" * len(header))
    for page in PAGES:
        by_size = {size: (q, t) for p, size, q, t in rows if p == page}
        cells = " ".join(f"{by_size[n][0]:>4} q {by_size[n][1] * 1000:>8.1f} ms" for n in SIZES)
        base = by_size[SIZES[0]][1]
        print(f"{page:32} {cells} {by_size[540][1] / base:>6.1f}x {by_size[5400][1] / base:>7.1f}x")


def main() -> None:
    bench_main(run, report)


if __name__ == "__main__":
    main()
