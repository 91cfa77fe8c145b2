"""Streamed exports read their rows while the body is sent: the cursor lives inside the
response, so the whole file arrives on SQLite and on PostgreSQL (docs/decisions/).

The downloads go through the bare test client with no application context around them (not
Browser.get, which pushes one): a pushed context is shared by the request and keeps its session
alive past the view, hiding what a real server does (the session is removed at the request's
teardown, before the body is read)."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from factories.path import build_world
from factories.services_log import build_log, expected, generate
from flask import Flask
from sqlalchemy import insert

from workflow.extensions import db
from workflow.models import AuditEvent

ROWS = 100_000


@pytest.fixture
def built(app: Flask) -> Iterator[None]:
    """The test world, built in a context that is gone before the test's requests."""
    with app.app_context():
        build_world()
        db.session.remove()
    yield


def add_events_fast(app: Flask, n: int, action: str = "document_downloaded") -> None:
    """n audit rows in a few executemany calls (core insert), oldest first."""
    start = datetime(2026, 1, 1, tzinfo=UTC)
    with app.app_context():
        for first in range(0, n, 20_000):
            db.session.execute(insert(AuditEvent), [
                {"action": action, "actor_label": f"user{i}@example.pl", "object_type": "report",
                 "object_id": i + 1, "created_at": start + timedelta(seconds=i), "ip": "10.1.1.1",
                 "detail": ""}
                for i in range(first, min(n, first + 20_000))])
        db.session.commit()
        db.session.remove()


def csv_rows(body: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(body.decode("utf-8").lstrip("\ufeff")), delimiter=";"))


def connections_in_use(app: Flask) -> int:
    """Connections still checked out of the pool: a streamed body must give back its own."""
    with app.app_context():
        return db.engine.pool.checkedout()  # type: ignore[attr-defined]


@pytest.mark.slow
def test_the_audit_csv_streams_100000_rows_to_the_end(app, built, login):
    add_events_fast(app, ROWS)
    coordinator = login("coordinator@example.pl")
    response = coordinator.client.get("/coordinator/audit/events.csv?action=document_downloaded")
    assert response.status_code == 200
    rows = csv_rows(response.get_data())
    assert len(rows) == ROWS + 1  # and the header
    assert rows[0][:3] == ["kiedy", "kto", "czynność"]
    # newest first: the first data row is the last one inserted, the last row the first one
    assert rows[1][1] == f"user{ROWS - 1}@example.pl" and rows[1][4] == str(ROWS)
    assert rows[-1][1] == "user0@example.pl" and rows[-1][4] == "1"
    assert connections_in_use(app) == 0



SERVICES = 5_000  # three keyset pages and more


def test_the_services_log_csv_streams_every_logged_service_oldest_first(app, login):
    services = generate(SERVICES, seed=7)
    with app.app_context():
        build_log(build_world(), services)
        db.session.remove()
    coordinator = login("coordinator@example.pl")
    response = coordinator.client.get("/coordinator/reports/consultations/log.csv")
    assert response.status_code == 200
    rows = csv_rows(response.get_data())
    logged = sorted((s.held_on, i, s.topic) for i, s in enumerate(services) if s.status == "logged")
    assert len(rows) == expected(services)["services"] + 1 == len(logged) + 1
    assert rows[0][:2] == ["data", "miasto"]
    assert [r[7] for r in rows[1:]] == [topic for _day, _i, topic in logged]  # every one, in order
    assert rows[-1][0] == logged[-1][0].isoformat()
    assert connections_in_use(app) == 0
