"""The revisions the kept pages are keyed by (docs/decisions/0047): a write of names (a new
account, a renamed town) locks no programme's row, so two transactions writing services and
names of two programmes in the reverse order both commit without waiting for each other
(PostgreSQL; SQLite runs one writer at a time and proves nothing there); and a database put back
from a backup, counting its revisions again with other data, never shows a page kept before
(both databases)."""

from __future__ import annotations

import re
import threading
from datetime import UTC, date, datetime

import pytest
from factories.accounts import make_user
from factories.advice import form_data, open_new
from factories.evaluation import application_in_evaluation
from factories.path import make_programme, make_town
from sqlalchemy import select, text
from sqlalchemy.orm import Session
from support.snapshot import Snapshot

from workflow.extensions import db
from workflow.models import AdvisorAssignment, Applicant, Service, ServiceKind, ServiceStatus, User

REPORT = "/coordinator/reports/consultations"
OVERVIEW = "/coordinator/evaluation/"
WAIT = "2s"  # a statement that waits for a lock longer than this fails the test instead of hanging


@pytest.fixture
def postgres_only(is_postgres):
    if not is_postgres:
        pytest.skip("needs PostgreSQL (set TEST_DATABASE_URL); make test runs it there")


def page(browser, url: str) -> str:  # noqa: ANN001
    response = browser.get(url)
    assert response.status_code == 200
    return response.get_data(as_text=True)


def metrics(html: str) -> dict[str, str]:
    """The programme table of the report: its numbers by metric, as shown."""
    table = html.split('id="programme-h"', 1)[1].split("</table>", 1)[0]
    return dict(re.findall(r'data-metric="(\w+)">([^<]*)<', table))


def logged(path_id: int, advisor_id: int, field_id: int, topic: str) -> Service:
    return Service(path_id=path_id, advisor_id=advisor_id, field_id=field_id, kind=ServiceKind.CONSULTATION,
                   held_on=date(2026, 11, 20), duration_minutes=60, topic=topic, status=ServiceStatus.LOGGED,
                   logged_at=datetime.now(UTC))


def begin(session: Session) -> Session:
    """The session's transaction, in which any wait for a lock longer than WAIT is an error."""
    session.execute(text(f"SET LOCAL lock_timeout = '{WAIT}'"))
    session.execute(text("SET LOCAL statement_timeout = '10s'"))
    return session


def test_names_and_services_written_in_the_reverse_order_in_two_programmes_both_commit(
        app, world, fields, login, postgres_only):
    application_in_evaluation(world)
    first_programme = world.programme
    other = make_programme("RL-DRUGI")
    kalisz = make_town(other, "Kalisz")
    advisor_c = make_user("advisor-c@example.pl", "advisor")
    db.session.flush()
    db.session.add(AdvisorAssignment(path_id=kalisz.id, advisor_id=advisor_c.id, kind="lead"))
    db.session.commit()
    assert first_programme.id < other.id
    ids = {"a": world.paths["a"].id, "town_a": world.paths["a"].applicant_id, "c": kalisz.id,
           "advisor_a": world.users["advisor_a"].id, "advisor_c": advisor_c.id,
           "evaluator": world.users["evaluator"].id, "field": fields["finance"]}
    first_report, other_report = f"{REPORT}?programme=RL-TEST", f"{REPORT}?programme=RL-DRUGI"
    coordinator = login("coordinator@example.pl")
    for _ in range(2):  # drawn, then kept
        assert metrics(page(coordinator, first_report))["services"] == "0"
        assert metrics(page(coordinator, other_report))["services"] == "0"
        overview = page(coordinator, OVERVIEW)
        assert "Ostrzeszów" in overview and "Ewa Nowooceniająca" not in overview
    db.session.remove()

    with Session(db.engine) as one, Session(db.engine) as two:
        # one: a service in the second programme (its row of the report's revision locked)
        begin(one).add(logged(ids["c"], ids["advisor_c"], ids["field"], "Budżet Kalisza"))
        one.flush()
        # two: a new advisor account, and the evaluator renamed (before decision 0047 every
        # programme's row, in the programmes' order: the first taken, then a wait for one's)
        begin(two).add(User(email="zofia@example.pl", name="Zofia Nowodoradcza", password_hash="x",
                            role="advisor"))
        two.get(User, ids["evaluator"]).name = "Ewa Nowooceniająca"
        two.flush()
        # one: town A renamed (a name again; the overview's lines of the first programme too)
        one.get(Applicant, ids["town_a"]).name = "Ostrzeszów Nowy"
        one.flush()
        # two: a service in the first programme, the reverse of one's order
        two.add(logged(ids["a"], ids["advisor_a"], ids["field"], "Budżet Ostrzeszowa"))
        two.flush()
        one.commit()
        two.commit()

    first = page(coordinator, first_report)
    assert metrics(first)["services"] == "1"
    assert "Ostrzeszów Nowy" in first and "Zofia Nowodoradcza</option>" in first
    second = page(coordinator, other_report)
    assert metrics(second)["services"] == "1" and "Zofia Nowodoradcza</option>" in second
    overview = page(coordinator, OVERVIEW)
    assert "Ostrzeszów Nowy" in overview and "Ewa Nowooceniająca" in overview


def test_two_names_writes_logging_services_at_once_in_two_programmes_both_commit(
        app, world, fields, postgres_only):
    """Two threads, each a service of its own programme then a name, in step, committing at once:
    the second to raise the names' row waits for the first's commit only, and both count."""
    other = make_programme("RL-DRUGI")
    kalisz = make_town(other, "Kalisz")
    db.session.commit()
    paths = {"one": (kalisz.id, world.paths["b"].applicant_id),
             "two": (world.paths["a"].id, kalisz.applicant_id)}
    advisor_id, field_id, engine = world.users["advisor_a"].id, fields["finance"], db.engine
    db.session.remove()
    barrier, failures = threading.Barrier(2), []

    def write(who: str) -> None:
        path_id, town_id = paths[who]
        with app.app_context(), Session(engine) as session:
            try:
                begin(session).add(logged(path_id, advisor_id, field_id, f"Usługa {who}"))
                session.flush()
                barrier.wait(timeout=20)
                session.get(Applicant, town_id).name = f"Miasto {who}"
                session.add(User(email=f"{who}@example.pl", name=f"Doradca {who}", password_hash="x",
                                 role="advisor"))
                session.flush()
                barrier.wait(timeout=20)
                session.commit()
            except Exception as exc:  # noqa: BLE001  (shown in the assertion)
                failures.append(f"{who}: {exc!r}")

    threads = [threading.Thread(target=write, args=(who,)) for who in paths]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert failures == []
    with app.app_context():
        assert sorted(db.session.scalars(select(Service.topic))) == ["Usługa one", "Usługa two"]
        assert {"Miasto one", "Miasto two"} <= set(db.session.scalars(select(Applicant.name)))


def test_a_database_put_back_from_a_backup_never_shows_a_page_kept_for_other_data(app, world, fields, login):
    coordinator, advisor = login("coordinator@example.pl"), login("advisor-a@example.pl")
    path_id = world.paths["a"].id
    assert metrics(page(coordinator, REPORT))["services"] == "0"
    db.session.remove()  # the copies are made and put back with no connection held
    backup = Snapshot(app, "revisions")
    backup.take()
    try:
        def log(kind: str) -> None:
            token = open_new(advisor, path_id)
            assert advisor.post(f"/advisor/consultations/new?path={path_id}",
                                form_data(fields, client_token=token, kind=kind)).status_code == 302

        log("consultation")
        kept = metrics(page(coordinator, REPORT))
        assert (kept["consultations"], kept["workshops"]) == ("1", "0")
        db.session.remove()
        backup.restore()  # the consultation is gone, and the revisions are the backup's again
        log("workshop")  # the same number of raises since the backup as the consultation's
        shown = metrics(page(coordinator, REPORT))
        assert (shown["services"], shown["consultations"], shown["workshops"]) == ("1", "0", "1")
        assert [s.kind for s in db.session.scalars(select(Service))] == [ServiceKind.WORKSHOP]
    finally:
        db.session.remove()
        backup.drop()
