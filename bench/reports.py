"""How the services report scales with the consultation log: 2,700, 27,000, 270,000 services.

    python bench/reports.py            # SQLite (a temporary file)
    TEST_DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1:5432/test python bench/reports.py
                                       # SQLite, then PostgreSQL (a database of its own, dropped after)

Builds one programme of 54 towns, 74 advisors and 8 fields with a log of 2,700 services
(about the seed's shape: 63 % consultations, 19 % workshops, ~6.3 participants per
service, ~0.29 studies per service, Feb-Oct 2020), measures, then grows the log (and the
people with it) to 27,000 and 270,000 services with bulk inserts and measures again.
For each size it prints the median time of totals(), of each breakdown, of the chart's
query, of GET /coordinator/reports/consultations and of the anonymous GET /public/ (with
their SQL statement counts), all reading the maintained totals (decision 0029); of the
same report counted from the log (a filter that excludes nothing: what every report cost
before 0029); of logging one service with 6 participants and a study (the upserts that keep
the totals, in its commit); of `rebuild-totals`; and of the full CSV export of the log,
and how much slower each is than at 2,700. The bulk inserts pass beside the ORM, so the
totals are rebuilt after each growth, as the demo does. Figures only: nothing here passes
or fails. BENCH_SIZES=2700,27000 limits the sizes.
"""

from __future__ import annotations

import os
import random
import secrets
import statistics
import sys
import time
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from pathlib import Path as FsPath

ROOT = FsPath(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]

import sqlalchemy as sa  # noqa: E402
from support import Browser, bench_main  # noqa: E402
from support.querycount import count_queries  # noqa: E402
from werkzeug.security import generate_password_hash  # noqa: E402

from workflow.advice import reports, service_totals  # noqa: E402
from workflow.app import create_app  # noqa: E402
from workflow.extensions import db  # noqa: E402
from workflow.models import (  # noqa: E402
    Applicant,
    ExpertiseField,
    Path,
    Person,
    Programme,
    Service,
    Study,
    User,
    service_participant,
)

SIZES = tuple(int(n) for n in os.environ.get("BENCH_SIZES", "2700,27000,270000").split(","))
TOWNS, ADVISORS, FIELDS = 54, 74, 8
PEOPLE_PER_SERVICE_POOL = 3_300 / 2_700  # distinct people grow with the log
CHUNK = 20_000
PASSWORD = "bench-password"  # noqa: S105
PASSWORD_HASH = generate_password_hash(PASSWORD, method="pbkdf2:sha256:1000")
COORDINATOR = "coordinator@bench.example"
URL = "/coordinator/reports/consultations"
START = date(2020, 2, 3)
DAYS = 270  # February to October 2020


def repeats(size: int) -> int:
    return 5 if size <= 27_000 else 3


# --- building the log ---------------------------------------------------------------------------

class Builder:
    """Adds services (and the people they need) to one programme with bulk inserts."""

    def __init__(self) -> None:
        self.rnd = random.Random(2020)
        programme = Programme(code="RL-BENCH", title_pl="Rozwój Lokalny – pomiar raportu",
                              title_en="Local Development – report benchmark", path_code="rozwoj-lokalny")
        db.session.add(programme)
        db.session.add(User(email=COORDINATOR, name="Koordynator", password_hash=PASSWORD_HASH,
                            role="coordinator"))
        fields = [ExpertiseField(code=f"f{i}", name_pl=f"Dziedzina {i}", name_en=f"Field {i}")
                  for i in range(FIELDS)]
        advisors = [User(email=f"advisor{i:02d}@bench.example", name=f"Doradca {i:02d}",
                         password_hash=PASSWORD_HASH, role="advisor") for i in range(ADVISORS)]
        applicants = [Applicant(kind="town", name=f"Miasto {i:02d}", voivodeship="mazowieckie")
                      for i in range(TOWNS)]
        paths = [Path(programme=programme, applicant=a, state="diagnosis.draft") for a in applicants]
        db.session.add_all([*fields, *advisors, *applicants, *paths])
        db.session.commit()
        self.programme_id = programme.id
        self.paths = [(p.id, p.applicant_id) for p in paths]
        self.advisors = [a.id for a in advisors]
        self.fields = [f.id for f in fields]
        self.people: list[list[int]] = [[] for _ in range(TOWNS)]
        self.services = 0
        self.next_person = self.next_service = 1

    def add_people(self, target_services: int) -> None:
        per_town = round(target_services * PEOPLE_PER_SERVICE_POOL / TOWNS)
        rows = []
        for town, (_path_id, applicant_id) in enumerate(self.paths):
            for j in range(len(self.people[town]), per_town):
                rows.append({"id": self.next_person, "applicant_id": applicant_id,
                             "name": f"Osoba {town:02d}-{j:06d}"})
                self.people[town].append(self.next_person)
                self.next_person += 1
        for start in range(0, len(rows), CHUNK):
            db.session.execute(sa.insert(Person), rows[start:start + CHUNK])
        db.session.commit()

    def grow(self, target: int) -> None:
        self.add_people(target)
        rnd = self.rnd
        self.next_service = (db.session.scalar(sa.select(sa.func.max(Service.id))) or 0) + 1  # log_one()
        logged_at = datetime(2020, 11, 1, tzinfo=UTC)
        while self.services < target:
            services, participants, studies = [], [], []
            for _ in range(min(CHUNK, target - self.services)):
                i, sid = self.services, self.next_service
                town = i % TOWNS
                roll = rnd.random()
                kind = ("consultation" if roll < 0.63 else "workshop" if roll < 0.82
                        else "study" if roll < 0.95 else "other")
                services.append({
                    "id": sid, "path_id": self.paths[town][0],
                    "advisor_id": self.advisors[(town + (i // TOWNS) % 3 * TOWNS) % ADVISORS],
                    "field_id": self.fields[rnd.randrange(FIELDS)], "kind": kind,
                    "held_on": START + timedelta(days=rnd.randrange(DAYS)),
                    "duration_minutes": rnd.choice((45, 60, 90, 120, 180)), "topic": f"Temat {i}",
                    "format": "on_site", "status": "logged", "logged_at": logged_at,
                })
                pool = self.people[town]
                how_many = rnd.randint(8, 20) if kind == "workshop" else rnd.randint(1, 7)
                participants += [{"service_id": sid, "person_id": p}
                                 for p in rnd.sample(pool, min(how_many, len(pool)))]
                if kind == "study" or (kind == "consultation" and rnd.random() < 0.25):
                    studies.append({"service_id": sid, "title": f"Opracowanie {i}", "kind": "analysis"})
                self.services += 1
                self.next_service += 1
            db.session.execute(sa.insert(Service), services)
            for start in range(0, len(participants), CHUNK):
                db.session.execute(sa.insert(service_participant), participants[start:start + CHUNK])
            if studies:
                db.session.execute(sa.insert(Study), studies)
            db.session.commit()
        if db.session.get_bind().dialect.name == "postgresql":  # the ORM's next id follows ours
            db.session.execute(sa.text("SELECT setval(pg_get_serial_sequence('service', 'id'), "
                                       "(SELECT max(id) FROM service))"))
            db.session.commit()


# --- measuring ----------------------------------------------------------------------------------

def log_one(programme_id: int) -> None:
    """One logged service through the ORM, as the consultation operations write it: the
    flush adds its contribution to the maintained totals in the same transaction."""
    path_id, applicant_id = db.session.execute(
        sa.select(Path.id, Path.applicant_id).where(Path.programme_id == programme_id).limit(1)).one()
    advisor_id = db.session.scalar(sa.select(User.id).where(User.role == "advisor").limit(1))
    field_id = db.session.scalar(sa.select(ExpertiseField.id).limit(1))
    people = db.session.scalars(sa.select(Person).where(Person.applicant_id == applicant_id).limit(6)).all()
    service = Service(path_id=path_id, advisor_id=advisor_id, field_id=field_id, kind="workshop",
                      held_on=START, duration_minutes=60, topic="Pomiar", format="on_site", status="logged",
                      logged_at=datetime(2020, 11, 1, tzinfo=UTC), participants=list(people),
                      studies=[Study(title="Pomiar", kind="analysis")])
    db.session.add(service)
    db.session.commit()


def median_time(action: Callable[[], object], times: int) -> float:
    action()  # warm-up
    spent = []
    for _ in range(times):
        start = time.perf_counter()
        action()
        spent.append(time.perf_counter() - start)
    return statistics.median(spent)


def measure(app, engine: sa.Engine, size: int) -> dict[str, tuple[float, str]]:  # noqa: ANN001
    """name -> (median seconds, a note)."""
    out: dict[str, tuple[float, str]] = {}
    n = repeats(size)
    with app.app_context():
        programme = db.session.scalar(sa.select(Programme).where(Programme.code == "RL-BENCH"))
        totals = reports.totals(programme)
        out["totals()"] = (median_time(lambda: reports.totals(programme), n),
                           f"{totals.services} services, {totals.people} people")
        for name in reports.BREAKDOWNS:
            rows = reports.breakdown(name, programme)
            out[f"by_{name}()"] = (median_time(lambda name=name: reports.breakdown(name, programme), n),
                                   f"{len(rows)} rows")
        out["services_per_month_by_kind()"] = (
            median_time(lambda: reports.services_per_month_by_kind(programme), n), "")
        everything = reports.Filters(date_from=date(1900, 1, 1))
        out["report from the log (pre-0029)"] = (
            median_time(lambda: reports.report(programme, everything), n), "15 GROUP BY queries")
        out["log one service (+ totals)"] = (median_time(lambda: log_one(programme.id), n),
                                             "6 participants, 1 study, commit")
        started = time.perf_counter()
        rows = service_totals.rebuild(programme.id)
        db.session.commit()
        out["rebuild-totals"] = (time.perf_counter() - started, f"{rows} total rows")
    browser = Browser(app, PASSWORD)
    if browser.login(COORDINATOR).status_code != 302:
        raise RuntimeError("could not log in")
    with count_queries(engine) as log:
        page = browser.get(URL)
    if page.status_code != 200:
        raise RuntimeError(f"{URL}: {page.status_code}")
    out["report page GET"] = (median_time(lambda: browser.get(URL), n), f"{log.count} SQL statements")
    anonymous = Browser(app, PASSWORD)
    with count_queries(engine) as log:
        page = anonymous.get("/public/")
    if page.status_code != 200:
        raise RuntimeError(f"/public/: {page.status_code}")
    out["public statistics GET"] = (median_time(lambda: anonymous.get("/public/"), n),
                                    f"{log.count} SQL statements, anonymous")

    def export() -> int:
        with app.app_context():
            response = browser.client.get(f"{URL}/log.csv")
            return len(response.get_data())

    size_bytes = export()
    out["CSV export of the log"] = (median_time(export, n), f"{size_bytes / 1e6:.1f} MB")
    return out


def run(label: str, database_url: str, workdir: FsPath) -> dict[int, dict[str, tuple[float, str]]]:
    app = create_app({
        "APP_ENV": "testing",
        "SECRET_KEY": secrets.token_hex(32),
        "SQLALCHEMY_DATABASE_URI": database_url,
        "INSTANCE_PATH": str(workdir / "instance"),
        "UPLOAD_DIR": str(workdir / "uploads"),
    })
    results = {}
    with app.app_context():
        db.create_all()
        engine = db.engine
        builder = Builder()
    for size in SIZES:
        started = time.perf_counter()
        with app.app_context():
            builder.grow(size)
            service_totals.rebuild(builder.programme_id)  # the bulk inserts passed beside the ORM
            db.session.commit()
            if engine.dialect.name == "postgresql":
                with engine.begin() as conn:
                    conn.execute(sa.text("ANALYZE"))
        print(f"  [{label}] {size:,} services built in {time.perf_counter() - started:.1f} s", flush=True)
        results[size] = measure(app, engine, size)
    with app.app_context():
        db.session.remove()
        db.drop_all()
    engine.dispose()
    return results


def print_report(label: str, results: dict[int, dict[str, tuple[float, str]]]) -> None:
    first, *rest = SIZES
    print()
    print(f"{label}: median time (ms), {repeats(first)} runs up to 27,000 services, "
          f"{repeats(SIZES[-1])} at {SIZES[-1]:,}")
    header = (f"{'measure':30} " + " ".join(f"{f'{n:,}':>10}" for n in SIZES) + " "
              + " ".join(f"{f'{n // 1000}k/2.7k':>10}" for n in rest) + f"  at {SIZES[-1]:,}")
    print(header)
    print("-" * len(header))
    for name in results[first]:
        times = [results[n][name][0] for n in SIZES]
        ratios = " ".join(f"{t / times[0]:>9.1f}x" for t in times[1:])
        cells = " ".join(f"{t * 1000:>10.1f}" for t in times)
        print(f"{name:30} {cells} {ratios}  {results[SIZES[-1]][name][1]}")


def main() -> None:
    bench_main(run, print_report)


if __name__ == "__main__":
    main()
