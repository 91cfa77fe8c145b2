"""The audit log: written with the change it describes, append-only in the database, and
read by the coordinator on a filtered, paged page with a CSV export."""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa
from factories.accounts import make_user
from factories.path import PDF, make_town
from factories.ranking import build as build_ranking
from sqlalchemy import func, select
from support.migrations import insert, user
from support.querycount import count_queries

from workflow.audit import log as audit
from workflow.evaluation import sheets
from workflow.evaluation.manual_assignment import assign
from workflow.extensions import db
from workflow.models import AuditEvent, EvaluatorAssignment
from workflow.path import documents
from workflow.path.transitions import fire
from workflow.ranking import runs as ranking_runs


def events(action: str | None = None) -> list[AuditEvent]:
    db.session.expire_all()
    query = select(AuditEvent).order_by(AuditEvent.id)
    if action:
        query = query.where(AuditEvent.action == action)
    return list(db.session.scalars(query))


# --- recording ------------------------------------------------------------------------------------


def test_an_event_is_committed_with_the_callers_transaction_only(world):
    coordinator = world.user("coordinator")
    audit.record("export", actor=coordinator, object_type="report", detail={"format": "csv"}, ip="10.0.0.1")
    db.session.rollback()
    assert events() == []
    audit.record("export", actor=coordinator, object_type="report", detail={"format": "csv"}, ip="10.0.0.1")
    db.session.commit()
    [event] = events()
    assert (event.actor_id, event.actor_label, event.ip) == (coordinator.id, "coordinator@example.pl",
                                                             "10.0.0.1")
    assert json.loads(event.detail) == {"format": "csv"}
    assert event.created_at.tzinfo is not None


def test_a_transition_writes_one_event_with_its_states(world):
    path = world.path("a")
    documents.store_upload(path, "diagnosis", "d.pdf", io.BytesIO(PDF), world.user("town_a"))
    fire(path, "submit_diagnosis", world.user("town_a"))
    [event] = events("transition")
    assert event.object_type == "path" and event.object_id == path.id
    assert event.programme_id == path.programme_id
    assert audit.detail_of(event) == {"event": "submit_diagnosis", "from": "diagnosis.draft",
                                      "to": "diagnosis.submitted", "seq": 1}
    assert [e.action for e in events()] == ["document_uploaded", "transition"]


def test_the_ip_comes_from_the_request(app, world, login):
    town = login("town-a@example.pl")
    page = town.upload(world.paths["a"].id, "diagnoza.pdf", PDF)
    assert page.status_code == 302
    [event] = events("document_uploaded")
    assert event.ip == "127.0.0.1"
    assert event.actor_label == "town-a@example.pl"
    assert audit.detail_of(event)["name"] == "diagnoza.pdf"


# --- append-only in the migrated database ------------------------------------------------------

def test_the_database_refuses_to_change_or_delete_an_event(migrated):
    with migrated.begin() as conn:
        actor = user(conn, "coordinator@example.pl", "coordinator")
        event = insert(conn, "audit_event", created_at="2026-11-28 10:00:00", actor_id=actor,
                       actor_label="coordinator@example.pl", action="export", object_type="report",
                       ip="", detail="")
    for statement in ("UPDATE audit_event SET action = 'login' WHERE id = :id",
                      "UPDATE audit_event SET actor_label = 'someone@else.pl' WHERE id = :id",
                      "DELETE FROM audit_event WHERE id = :id"):
        with pytest.raises(sa.exc.DBAPIError, match="append-only"), migrated.begin() as conn:
            conn.execute(sa.text(statement), {"id": event})
    # Deleting the account keeps the event; only the link goes, the e-mail stays.
    with migrated.begin() as conn:
        conn.execute(sa.text("DELETE FROM user_account WHERE id = :id"), {"id": actor})
    with migrated.connect() as conn:
        row = conn.execute(sa.text("SELECT actor_id, actor_label, action FROM audit_event")).one()
    assert tuple(row) == (None, "coordinator@example.pl", "export")


# --- the coordinator's page -------------------------------------------------------------------------


def add_events(n: int, action: str = "export", actor: str = "coordinator@example.pl",
               start: datetime | None = None) -> None:
    start = start or datetime(2026, 11, 20, 12, 0, tzinfo=UTC)
    for i in range(n):
        db.session.add(AuditEvent(action=action, actor_label=actor, object_type="report", object_id=i + 1,
                                  created_at=start + timedelta(minutes=i), ip="10.1.1.1", detail=""))
    db.session.commit()


def test_other_roles_get_403_and_anonymous_the_login(app, world, login):
    for email in ("town-a@example.pl", "advisor-a@example.pl", "evaluator@example.pl"):
        browser = login(email)
        assert browser.get("/coordinator/audit/").status_code == 403
        assert browser.get("/coordinator/audit/events.csv").status_code == 403
    anonymous = app.test_client()
    assert anonymous.get("/coordinator/audit/").status_code == 302


def test_the_coordinator_reads_filters_and_pages_the_log(world, login):
    add_events(120)
    add_events(3, action="transition", actor="advisor-a@example.pl",
               start=datetime(2026, 11, 25, 9, 0, tzinfo=UTC))
    coordinator = login("coordinator@example.pl")
    page = coordinator.get("/coordinator/audit/")
    text = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "Dziennik zdarzeń" in text and "Zmiana etapu ścieżki" in text and "Eksport danych" in text
    assert "Strona 1 z 3" in text
    assert text.count("<tr>") == 50 + 1  # the header row
    filtered = coordinator.get("/coordinator/audit/?action=transition&actor=ADVISOR-A").get_data(as_text=True)
    assert "(3)" in filtered and "advisor-a@example.pl" in filtered
    by_day = coordinator.get("/coordinator/audit/?date_from=2026-11-25&date_to=2026-11-25")
    assert "(3)" in by_day.get_data(as_text=True)
    by_object = coordinator.get("/coordinator/audit/?object_type=report&object_id=7")
    assert "(1)" in by_object.get_data(as_text=True)


def test_bad_filters_are_a_400_with_polish_messages(world, login):
    coordinator = login("coordinator@example.pl")
    page = coordinator.get("/coordinator/audit/?date_from=2026-13-01&object_id=abc&action=nuke&page=0")
    text = page.get_data(as_text=True)
    assert page.status_code == 400
    assert "Podaj datę w formacie RRRR-MM-DD" in text
    assert "Wpisz liczbę całkowitą" in text
    assert "Wybierz czynność z listy." in text
    assert 'value="abc"' in text  # what was typed is shown back
    odd = coordinator.get("/coordinator/audit/?actor=%25_%5C%09&page=999999")
    assert odd.status_code == 200
    assert "Brak zdarzeń spełniających wybrane warunki." in odd.get_data(as_text=True)
    assert coordinator.get("/coordinator/audit/?actor=%00").status_code == 400
    later = coordinator.get("/coordinator/audit/?date_from=2026-11-25&date_to=2026-11-01")
    assert later.status_code == 400
    assert "Data końcowa nie może być wcześniejsza" in later.get_data(as_text=True)


def test_a_page_costs_the_same_queries_on_every_page(app, world, login):
    add_events(160)
    coordinator = login("coordinator@example.pl")
    counts = []
    for number in (1, 2, 4):
        with app.app_context(), count_queries(db.engine) as queries:
            response = coordinator.client.get(f"/coordinator/audit/?page={number}")
        assert response.status_code == 200
        counts.append(queries.count)
    assert counts[0] == counts[1] == counts[2], counts
    assert counts[0] <= 6, counts


def test_the_csv_export_has_the_filtered_rows_and_is_itself_recorded(world, login):
    add_events(4)
    add_events(2, action="transition", actor="advisor-a@example.pl")
    coordinator = login("coordinator@example.pl")
    response = coordinator.get("/coordinator/audit/events.csv?action=transition")
    assert response.status_code == 200
    assert response.headers["Content-Disposition"].startswith('attachment; filename="dziennik-zdarzen-')
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff")), delimiter=";"))
    assert rows[0][:3] == ["kiedy", "kto", "czynność"]
    assert [r[2] for r in rows[1:]] == ["Zmiana etapu ścieżki"] * 2
    [export] = events("export")[-1:]
    assert export.actor_label == "coordinator@example.pl"
    assert audit.detail_of(export)["report"] == "audit_log"
    assert db.session.scalar(select(func.count()).select_from(AuditEvent)
                             .where(AuditEvent.action == "export")) == 4 + 1


# --- downloads and exports are recorded ---------------------------------------------------------------


def test_a_download_is_an_attachment_with_a_safe_polish_name_and_is_recorded(world, login):
    town = login("town-a@example.pl")
    assert town.upload(world.paths["a"].id, "Diagnoza Łódź – wersja 2.pdf", PDF).status_code == 302
    document_id = events("document_uploaded")[0].object_id
    response = town.get(f"/documents/{document_id}")
    assert response.status_code == 200
    disposition = response.headers["Content-Disposition"]
    assert disposition.startswith("attachment;")
    assert "filename*=UTF-8''Diagnoza%20%C5%81%C3%B3d%C5%BA%20%E2%80%93%20wersja%202.pdf" in disposition
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    [event] = events("document_downloaded")
    assert (event.object_id, event.actor_label) == (document_id, "town-a@example.pl")
    # Another town: the document does not exist for it, and nothing is recorded.
    other = login("town-b@example.pl")
    assert other.get(f"/documents/{document_id}").status_code == 404
    assert len(events("document_downloaded")) == 1


def test_a_report_export_is_recorded(world, login):
    coordinator = login("coordinator@example.pl")
    response = coordinator.get("/coordinator/reports/consultations/log.csv")
    assert response.status_code == 200
    [event] = events("export")
    assert audit.detail_of(event)["report"] == "services/log"
    assert event.programme_id == world.programme.id


def test_ranking_assignments_and_declarations_are_recorded(ctx):
    built = build_ranking()
    preview = ranking_runs.run(built.programme, built.coordinator)
    official = ranking_runs.approve(preview, built.coordinator)
    ranking_runs.announce(official, built.coordinator)
    actions = [e.action for e in events()]
    assert actions[:3] == ["ranking_run", "ranking_approved", "transition"]
    assert actions.count("transition") == 8 and actions[-1] == "ranking_announced"
    announced = events("ranking_announced")[0]
    assert (announced.object_type, announced.object_id) == ("ranking_snapshot", official.id)
    assert announced.actor_label == "coordinator@example.pl"

    # An evaluator assigned to an application in evaluation, who then declares impartiality.
    path = make_town(built.programme, "Kolno", state="evaluation")
    newcomer = make_user("nowy-oceniajacy@example.pl", "evaluator")
    db.session.commit()
    assignment = assign(path, newcomer, built.coordinator)
    sheets.declare(assignment, "impartial")
    [assigned] = events("evaluator_assigned")
    assert audit.detail_of(assigned)["evaluator"] == "nowy-oceniajacy@example.pl"
    [declared] = events("declaration")
    assert declared.actor_label == "nowy-oceniajacy@example.pl" and declared.object_id == path.id


def test_an_evaluator_downloads_only_after_declaring_impartiality(world, login):
    town = login("town-a@example.pl")
    assert town.upload(world.paths["a"].id, "wniosek.pdf", PDF).status_code == 302
    document_id = events("document_uploaded")[0].object_id
    assignment = EvaluatorAssignment(path_id=world.paths["a"].id, evaluator_id=world.users["evaluator"].id,
                                     role="regular")
    db.session.add(assignment)
    db.session.commit()
    evaluator = login("evaluator@example.pl")
    assert evaluator.get(f"/documents/{document_id}").status_code == 404
    assignment.declaration, assignment.declared_at = "impartial", datetime.now(UTC)
    db.session.commit()
    assert evaluator.get(f"/documents/{document_id}").status_code == 200
    assert [e.actor_label for e in events("document_downloaded")] == ["evaluator@example.pl"]
