"""How the services report scales with the consultation log: 2,700, 27,000, 270,000 services.

    python bench/reports.py            # SQLite (a temporary file)
    TEST_DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1:5432/test python bench/reports.py
                                       # SQLite, then PostgreSQL (a database of its own, dropped after)

Builds one programme of 54 towns, 74 advisors and 8 fields with a log of 2,700 services
(about the seed's shape: 63 % consultations, 19 % workshops, ~6.3 participants per
service, ~0.29 studies per service, Feb-Oct 2020), measures, then grows the log (and the
people with it) to 27,000 and 270,000 services with bulk inserts and measures again.
For each size it prints the median time of totals(), of each breakdown, of the chart's
query, of GET /coordinator/reports/consultations as kept (decision 0046: the first request
after a change computes and keeps the report, 7 statements; the next ones read it, 3; both
printed) and of the anonymous GET /public/, all reading the maintained totals (decision
0029); of the same report counted from the log (a filter that excludes nothing: what every
report cost before 0029); of logging one service with 6 participants and a study (the
upserts that keep the totals, in its commit); of `rebuild-totals`; and of the full CSV
export of the log, and how much slower each is than at 2,700.

The machine is shared and its load changes during a run (the 270,000 build takes minutes):
the smallest size's database is copied (SQLite: the file; PostgreSQL: CREATE DATABASE …
TEMPLATE) and opened by a second app in the same process, and the reads of the totals, the
two pages and logging a service are timed in turn with the same on that copy in every round; their ratio
("~") is the median of the rounds' ratios, not one median over another taken minutes
apart. The process's CPU time at the largest size is printed beside. The measures that
read the whole log (the report from the log, the CSV export: a minute each at 270,000 on
SQLite) run 3 times up to 27,000 and once at 270,000, `rebuild-totals` once.

The bulk inserts pass beside the ORM, so the totals are rebuilt after each growth, as the
demo does. Figures only: nothing here passes or fails. BENCH_SIZES=2700,270000 limits the
sizes; BENCH_KEEP=DIR keeps each size's SQLite file in DIR and takes them from there on the
next run (saves the ~3 minute build of 270,000).
"""

from __future__ import annotations

import os
import random
import secrets
import shutil
import statistics
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path as FsPath

ROOT = FsPath(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]

import sqlalchemy as sa  # noqa: E402
from flask import Flask  # noqa: E402
from support import Browser, bench_main, paired, postgres_database  # noqa: E402
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


def rounds(size: int) -> int:
    """Timed runs of the quick measures (the reads of the totals, the pages)."""
    return 15 if size <= 27_000 else 9


def slow_runs(size: int) -> int:
    """Timed runs of the measures that read the whole log (the report counted from the log, the
    CSV export): a minute and more each at 270,000 on SQLite."""
    return 3 if size <= 27_000 else 1


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


@dataclass
class Figure:
    """One measure at one size: the median wall time; with a reference (the same measure on
    the smallest size's copy, timed in turn in the same rounds), the median of the rounds'
    ratios; the process's CPU time; how many timed runs; a note."""

    seconds: float
    note: str = ""
    ratio: float | None = None
    cpu: float = 0.0
    runs: int = 1
    cpu_ratio: float | None = None  # paired: CPU time over the reference's (the database's own work
    # too on SQLite, which runs in the process; not PostgreSQL's server)


def timed(action: Callable[[], object], times: int, warm_up: bool = True) -> Figure:
    """Median wall and CPU time of `times` runs of `action`."""
    if warm_up:
        action()
    spent, cpu = [], []
    for _ in range(times):
        start, start_cpu = time.perf_counter(), time.process_time()
        action()
        spent.append(time.perf_counter() - start)
        cpu.append(time.process_time() - start_cpu)
    return Figure(statistics.median(spent), cpu=statistics.median(cpu), runs=times)


def paired_figure(action: Callable[[], object], reference: Callable[[], object], rounds: int) -> Figure:
    """`action` and the same on the smallest size's copy, in turn in every round (after one of
    each to warm up): both share the machine's load at every moment."""
    action()
    reference()
    cpu_spent: dict[bool, list[float]] = {True: [], False: []}

    def with_cpu(fn: Callable[[], object], own: bool) -> Callable[[], None]:
        def timed_fn() -> None:
            start = time.process_time()
            fn()
            cpu_spent[own].append(time.process_time() - start)
        return timed_fn
    seconds, _ref, ratio, _fastest = paired(with_cpu(action, True), with_cpu(reference, False), rounds)
    cpu = statistics.median(cpu_spent[True])
    return Figure(seconds, ratio=ratio, cpu=cpu, runs=rounds,
                  cpu_ratio=cpu / max(statistics.median(cpu_spent[False]), 1e-9))


@dataclass
class Target:
    """A built database with its app, the programme (detached: only its id is read) and a
    logged-in coordinator's and an anonymous browser."""

    app: Flask
    engine: sa.Engine
    programme: Programme
    coordinator: Browser
    anonymous: Browser

    @classmethod
    def open(cls, app: Flask) -> Target:
        with app.app_context():
            engine = db.engine
            programme = db.session.scalar(sa.select(Programme).where(Programme.code == "RL-BENCH"))
            db.session.expunge(programme)
        coordinator = Browser(app, PASSWORD)
        if coordinator.login(COORDINATOR).status_code != 302:
            raise RuntimeError("could not log in")
        return cls(app, engine, programme, coordinator, Browser(app, PASSWORD))

    def call(self, fn: Callable[[Programme], object]) -> Callable[[], object]:
        def action() -> object:
            with self.app.app_context():
                return fn(self.programme)
        return action

    def get(self, url: str, browser: Browser | None = None) -> Callable[[], object]:
        def action() -> object:
            response = (browser or self.coordinator).get(url)
            if response.status_code != 200:
                raise RuntimeError(f"{url}: {response.status_code}")
            return response
        return action


def statements(target: Target, action: Callable[[], object]) -> int:
    with count_queries(target.engine) as log:
        action()
    return log.count


def measure(target: Target, reference: Target, size: int) -> dict[str, Figure]:
    """name -> Figure. The reads of the maintained totals and the two pages are timed in
    turn with the same on the smallest size's copy; the rest alone (wall and CPU time)."""
    out: dict[str, Figure] = {}
    n, slow = rounds(size), slow_runs(size)
    with target.app.app_context():
        found = reports.totals(target.programme)
    out["totals()"] = paired_figure(target.call(reports.totals), reference.call(reports.totals), n)
    out["totals()"].note = f"{found.services} services, {found.people} people"
    for name in reports.BREAKDOWNS:
        def table(programme: Programme, name: str = name) -> object:
            return reports.breakdown(name, programme)
        rows = target.call(table)()
        out[f"by_{name}()"] = paired_figure(target.call(table), reference.call(table), n)
        out[f"by_{name}()"].note = f"{len(rows)} rows"  # type: ignore[arg-type]
    chart = reports.services_per_month_by_kind
    out["services_per_month_by_kind()"] = paired_figure(target.call(chart), reference.call(chart), n)
    everything = reports.Filters(date_from=date(1900, 1, 1))
    out["report from the log (pre-0029)"] = timed(
        target.call(lambda programme: reports.report(programme, everything)), slow, warm_up=slow > 1)
    out["report from the log (pre-0029)"].note = "15 GROUP BY queries"
    def one(programme: Programme) -> None:
        log_one(programme.id)
    out["log one service (+ totals)"] = paired_figure(target.call(one), reference.call(one), n)
    out["log one service (+ totals)"].note = "6 participants, 1 study, commit"

    rebuilt: list[int] = []

    def rebuild(programme: Programme) -> None:
        rebuilt.append(service_totals.rebuild(programme.id))
        db.session.commit()
    out["rebuild-totals"] = timed(target.call(rebuild), 1, warm_up=False)
    out["rebuild-totals"].note = f"{rebuilt[0]} total rows"
    # the first request after a change computes and keeps the report; the next ones read it kept
    first, kept = statements(target, target.get(URL)), statements(target, target.get(URL))
    out["report page GET (kept)"] = paired_figure(target.get(URL), reference.get(URL), n)
    out["report page GET (kept)"].note = f"{kept} SQL statements kept, {first} on the first request"
    public = statements(target, target.get("/public/", target.anonymous))
    out["public statistics GET"] = paired_figure(target.get("/public/", target.anonymous),
                                                 reference.get("/public/", reference.anonymous), n)
    out["public statistics GET"].note = f"{public} SQL statements, anonymous"

    def export() -> int:
        with target.app.app_context():
            return len(target.coordinator.client.get(f"{URL}/log.csv").get_data())
    size_bytes = export()
    out["CSV export of the log"] = timed(export, slow, warm_up=False)
    out["CSV export of the log"].note = f"{size_bytes / 1e6:.1f} MB"
    return out


def make_app(database_url: str, workdir: FsPath) -> Flask:
    return create_app({
        "APP_ENV": "testing",
        "SECRET_KEY": secrets.token_hex(32),
        "SQLALCHEMY_DATABASE_URI": database_url,
        "INSTANCE_PATH": str(workdir / "instance"),
        "UPLOAD_DIR": str(workdir / "uploads"),
    })


@contextmanager
def copy_of(app: Flask, database_url: str, workdir: FsPath) -> Iterator[str]:
    """A copy of the database as it stands (SQLite: the file; PostgreSQL: CREATE DATABASE …
    TEMPLATE, with the app's connections closed first), dropped after."""
    with app.app_context():
        db.session.remove()
        db.engine.dispose()
    url = sa.make_url(database_url)
    if url.get_backend_name() == "sqlite":
        copy = workdir / "reference.sqlite3"
        shutil.copyfile(url.database, copy)
        yield f"sqlite:///{copy}"
        copy.unlink()
        return
    with postgres_database(url.set(database="postgres").render_as_string(hide_password=False),
                           "sciezka_bench_ref", template=url.database) as copy:
        yield copy


def kept_file(size: int) -> FsPath | None:
    """BENCH_KEEP=DIR (SQLite): each size's database is kept there after it is built, and
    read from there instead of building it again when every size's file is present."""
    keep = os.environ.get("BENCH_KEEP")
    return FsPath(keep) / f"reports-{size}.sqlite3" if keep else None


def build(app: Flask, builder: Builder | None, size: int, database_url: str) -> None:
    """Grow the log to `size` services and rebuild its totals, or take the kept file."""
    kept, target = kept_file(size), sa.make_url(database_url).database
    if builder is None and kept is not None:  # every size is kept
        with app.app_context():
            db.session.remove()
            db.engine.dispose()
        shutil.copyfile(kept, target)
        return
    assert builder is not None
    with app.app_context():
        builder.grow(size)
        service_totals.rebuild(builder.programme_id)  # the bulk inserts passed beside the ORM
        db.session.commit()
        if db.engine.dialect.name == "postgresql":
            with db.engine.begin() as conn:
                conn.execute(sa.text("ANALYZE"))
        db.session.remove()
        if kept is not None and db.engine.dialect.name == "sqlite":
            db.engine.dispose()
            kept.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(target, kept)


def run(label: str, database_url: str, workdir: FsPath) -> dict[int, dict[str, Figure]]:
    workdir.mkdir(parents=True, exist_ok=True)
    app = make_app(database_url, workdir)
    sqlite = sa.make_url(database_url).get_backend_name() == "sqlite"
    reuse = sqlite and all((kept_file(n) or FsPath("/nonexistent")).exists() for n in SIZES)
    builder = None
    with app.app_context():
        db.create_all()
        if not reuse:
            builder = Builder()
    results = {}
    with ExitStack() as stack:
        reference: Target | None = None
        for size in SIZES:
            started = time.perf_counter()
            build(app, builder, size, database_url)
            how = "taken from BENCH_KEEP" if reuse else "built"
            print(f"  [{label}] {size:,} services {how} in {time.perf_counter() - started:.1f} s", flush=True)
            if reference is None:  # the smallest size, copied before anything is measured on it
                reference_app = make_app(stack.enter_context(copy_of(app, database_url, workdir)),
                                         workdir / "reference")
                reference = Target.open(reference_app)
                stack.callback(_close, reference_app)
            results[size] = measure(Target.open(app), reference, size)
    _close(app, drop=True)
    return results


def _close(app: Flask, drop: bool = False) -> None:
    with app.app_context():
        db.session.remove()
        if drop:
            db.drop_all()
        db.engine.dispose()


def print_report(label: str, results: dict[int, dict[str, Figure]]) -> None:
    first, *rest = SIZES
    last = results[SIZES[-1]]
    print()
    print(f"{label}: median time (ms); 'ratio' x/{first:,}: the median of the rounds' ratios when the "
          f"measure is timed in turn with the same on a copy of the {first:,}-service database (marked ~), "
          "else median over median; 'cpu': the process's CPU time at the largest size, "
          f"'cpu x': over the same on the copy of {first:,}")
    print("runs at " + ", ".join(f"{n:,}: {rounds(n)} (slow measures {slow_runs(n)})" for n in SIZES))
    header = (f"{'measure':32} " + " ".join(f"{f'{n:,}':>10}" for n in SIZES) + " "
              + " ".join(f"{f'{n // 1000}k/{first / 1000:g}k':>11}" for n in rest)
              + f" {'cpu':>9} {'cpu x':>6}  at {SIZES[-1]:,}")
    print(header)
    print("-" * len(header))
    for name in results[first]:
        figures = [results[n][name] for n in SIZES]
        cells = " ".join(f"{f.seconds * 1000:>10.1f}" for f in figures)
        ratios = " ".join(f"{f.ratio:>9.1f}x~" if f.ratio is not None
                          else f"{f.seconds / figures[0].seconds:>9.1f}x " for f in figures[1:])
        cpu_ratio = f"{last[name].cpu_ratio:>5.1f}x" if last[name].cpu_ratio is not None else " " * 6
        print(f"{name:32} {cells} {ratios} {last[name].cpu * 1000:>9.1f} {cpu_ratio}  {last[name].note}"
              + (f" ({last[name].runs} run)" if last[name].runs == 1 else ""))


def main() -> None:
    bench_main(run, print_report)


if __name__ == "__main__":
    main()
