"""The services report's maintained totals (decision 0029) equal a recomputation from the
log after every step of a seeded random walk of edits: services logged and drafted, drafts
logged, corrections of every attribute (town, advisor, field, month, kind, minutes),
participants and studies added and removed, services deleted, changes rolled back. The
recomputation is `service_totals.rebuild()` (GROUP BY over the log) and the report's own
scanning path (a filter that excludes nothing), two computations that share nothing with
the upserts. Also: through the consultation operations, the command, and two advisors
logging for one town at once on PostgreSQL."""

from __future__ import annotations

import random
import threading
from datetime import UTC, date, datetime

import pytest
from factories.advice import NOW as SERVICE_DAY
from factories.advice import entry
from factories.services_log import build_log, generate
from sqlalchemy import select

from workflow.advice import consultations, reports, service_totals
from workflow.advice.consultation_terms import ServiceInput
from workflow.extensions import db
from workflow.models import ExpertiseField, Path, Person, Service, Study, User

KINDS = ("consultation", "workshop", "study", "other")
EVERYTHING = reports.Filters(date_from=date(1900, 1, 1))  # scans the log, excludes nothing


def the_report(programme, filters=None):  # noqa: ANN001, ANN201
    return (reports.totals(programme, filters),
            {name: reports.breakdown(name, programme, filters) for name in reports.BREAKDOWNS},
            reports.services_per_month_by_kind(programme, filters))


def assert_kept_equals_log(programme) -> None:  # noqa: ANN001
    kept = service_totals.stored()
    report = the_report(programme)
    assert report == the_report(programme, EVERYTHING)
    service_totals.rebuild()
    assert service_totals.stored() == kept
    db.session.commit()


def random_walk(log, seed: int, steps: int) -> None:  # noqa: ANN001
    rnd = random.Random(seed)
    paths, advisors, fields = list(log.paths.values()), list(log.advisors.values()), list(log.fields.values())
    people = {pid: list(db.session.scalars(
        select(Person.id).join(Path, Path.applicant_id == Person.applicant_id).where(Path.id == pid)))
        for pid in paths}

    def any_service(status: str | None = None) -> Service | None:
        query = select(Service).join(Path).where(Path.programme_id == log.programme.id)
        if status:
            query = query.where(Service.status == status)
        found = db.session.scalars(query.order_by(Service.id)).all()
        return rnd.choice(found) if found else None

    def someone(path_id: int) -> list[Person]:
        chosen = rnd.sample(people[path_id], rnd.randint(0, min(4, len(people[path_id]))))
        return [db.session.get(Person, i) for i in chosen]

    for step in range(steps):
        action = rnd.choice(["new", "new", "log_draft", "correct", "correct", "people", "studies",
                             "delete", "rollback", "new_person"])
        service = any_service("draft" if action == "log_draft" else None)
        if action == "new" or service is None:
            path_id = rnd.choice(paths)
            logged = rnd.random() < 0.7
            s = Service(path_id=path_id, advisor_id=rnd.choice(advisors), field_id=rnd.choice(fields),
                        kind=rnd.choice(KINDS), held_on=date(2019, rnd.randint(1, 12), rnd.randint(1, 28)),
                        duration_minutes=rnd.choice((30, 60, 90)), topic=f"Krok {step}",
                        status="logged" if logged else "draft",
                        logged_at=datetime(2020, 1, 1, tzinfo=UTC) if logged else None)
            s.participants = someone(path_id)
            s.studies = [Study(title=f"Opracowanie {step}.{k}", kind="analysis")
                         for k in range(rnd.randint(0, 2))]
            db.session.add(s)
        elif action == "log_draft":
            service.status, service.logged_at = "logged", datetime(2020, 2, 1, tzinfo=UTC)
        elif action == "correct":
            what = rnd.choice(["path", "advisor", "field", "held_on", "kind", "minutes"])
            if what == "path":
                service.path_id = rnd.choice(paths)
                service.participants = someone(service.path_id)
            elif what == "advisor":
                service.advisor_id = rnd.choice(advisors)
            elif what == "field":
                service.field_id = rnd.choice(fields)
            elif what == "held_on":
                service.held_on = date(rnd.choice((2019, 2020)), rnd.randint(1, 12), 15)
            elif what == "kind":
                service.kind = rnd.choice(KINDS)
            else:
                service.duration_minutes = rnd.choice((15, 45, 120))
        elif action == "people":
            current = list(service.participants)
            if current and rnd.random() < 0.5:
                current.remove(rnd.choice(current))
            extra = [p for p in someone(service.path_id) if p not in current]
            service.participants = current + extra
        elif action == "studies":
            if service.studies and rnd.random() < 0.5:
                db.session.delete(rnd.choice(service.studies))
            else:
                db.session.add(Study(service_id=service.id, title=f"Dodane {step}", kind="planning"))
        elif action == "delete":
            db.session.delete(service)
        elif action == "rollback":
            service.kind = rnd.choice(KINDS)
            service.participants = []
            db.session.flush()
            db.session.rollback()
            continue
        elif action == "new_person":
            town = db.session.get(Path, service.path_id)
            person = Person(applicant_id=town.applicant_id, name=f"Nowa {step}")
            service.participants.append(person)
            db.session.flush()
            people[service.path_id].append(person.id)
        db.session.commit()
        assert_kept_equals_log(log.programme)


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_kept_totals_equal_the_log_after_a_random_walk_of_edits(world, seed):
    log = build_log(world, generate(30, seed=seed))
    assert_kept_equals_log(log.programme)
    random_walk(log, seed, steps=40)
    assert reports.totals(log.programme).services > 0


def test_the_consultation_operations_keep_the_totals(world):
    finance = ExpertiseField(code="finance", name_pl="Finanse publiczne", name_en="Public finance")
    db.session.add(finance)
    db.session.commit()
    fields = {"finance": finance.id}
    path, advisor = world.path("a"), world.users["advisor_a"]
    coordinator = world.users["coordinator"]
    programme = path.programme
    logged, _ = consultations.create(path, advisor, entry(fields), log=True, now=SERVICE_DAY)
    assert reports.totals(programme).seed_table() == {
        "services": 1, "consultations": 0, "workshops": 1, "studies": 0, "participations": 1, "people": 1}
    assert_kept_equals_log(programme)
    draft, _ = consultations.create(path, advisor, entry(fields, kind="consultation"), log=False,
                                    now=SERVICE_DAY)
    assert reports.totals(programme).services == 1  # a draft counts nowhere
    consultations.update_draft(draft, advisor, entry(fields, kind="consultation", studies="Analiza; analiza"),
                               log=True, expected_version=None, now=SERVICE_DAY)
    assert_kept_equals_log(programme)
    assert reports.totals(programme).seed_table()["studies"] == 1
    anna = db.session.scalar(select(Person).where(Person.name == "Anna Nowak"))
    consultations.correct(logged, coordinator,
                          ServiceInput(kind="study", held_on="2020-05-02", duration="30", field_id=finance.id,
                                       topic="Poprawione", person_ids=[anna.id],
                                       new_people="Jan Kowal; Urząd; j.kowal@um.pl",
                                       studies="Plan rozwoju; analiza"),
                          reason="Pomyłka w rodzaju", expected_version=None, now=SERVICE_DAY)
    assert_kept_equals_log(programme)
    table = reports.totals(programme).seed_table()
    assert [table[k] for k in ("participations", "people", "consultations", "studies")] == [3, 2, 1, 2]
    assert [r.key for r in reports.by_month(programme)] == ["2020-05", "2020-06"]
    spare, _ = consultations.create(path, advisor, entry(fields), log=False, now=SERVICE_DAY)
    consultations.delete_draft(spare, advisor)
    assert_kept_equals_log(programme)


def test_the_command_rebuilds_and_checks_the_totals(app, world):
    log = build_log(world, generate(20))
    runner = app.test_cli_runner()
    result = runner.invoke(args=["report", "rebuild-totals", "--check"])
    assert result.exit_code == 0, result.output
    assert "equal the log" in result.output
    # Totals spoiled behind the application's back: the check says so, the rebuild mends them.
    db.session.execute(service_totals.ServiceTotal.__table__.update()
                       .where(service_totals.ServiceTotal.dim == "all").values(services=1))
    db.session.commit()
    result = runner.invoke(args=["report", "rebuild-totals", "--check"])
    assert result.exit_code == 1 and "differ" in result.output
    result = runner.invoke(args=["report", "rebuild-totals"])
    assert result.exit_code == 0 and "1 had differed" in result.output
    assert reports.totals(log.programme) == reports.totals(log.programme, EVERYTHING)


def test_two_advisors_logging_for_one_town_at_once_both_count(app, world, is_postgres):
    if not is_postgres:
        pytest.skip("needs PostgreSQL (set TEST_DATABASE_URL); make test runs it there")
    finance = ExpertiseField(code="finance", name_pl="Finanse publiczne", name_en="Public finance")
    db.session.add(finance)
    db.session.commit()
    fields = {"finance": finance.id}
    path_id, advisor_id, programme_id = world.paths["a"].id, world.users["advisor_a"].id, world.programme.id
    anna = Person(applicant_id=world.paths["a"].applicant_id, name="Anna Wspólna")
    db.session.add(anna)
    db.session.commit()
    anna_id = anna.id
    db.session.remove()
    threads, barrier, failures = 6, threading.Barrier(6), []

    def log_one(i: int) -> None:
        with app.app_context():
            try:
                path, advisor = db.session.get(Path, path_id), db.session.get(User, advisor_id)
                barrier.wait()
                consultations.create(path, advisor, entry(fields, person_ids=[anna_id], new_people=""),
                                     log=True, client_token=f"at-once-{i}", now=SERVICE_DAY)
            except Exception as exc:  # noqa: BLE001  (shown in the assertion)
                failures.append(repr(exc))
            finally:
                db.session.remove()

    workers = [threading.Thread(target=log_one, args=(i,)) for i in range(threads)]
    for t in workers:
        t.start()
    for t in workers:
        t.join(timeout=60)
    assert failures == []
    with app.app_context():
        from workflow.models import Programme

        programme = db.session.get(Programme, programme_id)
        table = reports.totals(programme).seed_table()
        assert (table["services"], table["participations"], table["people"]) == (threads, threads, 1)
        assert_kept_equals_log(programme)
