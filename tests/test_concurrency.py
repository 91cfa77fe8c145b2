"""People pressing the same button at once: exactly one wins, the others get the service's
clear refusal, and the audit log shows exactly one event.

Runs on PostgreSQL, where requests really run in parallel; SQLite serialises writers at
the file level, so there the tests would prove nothing and are skipped (`make test` runs
them on PostgreSQL; under CI=true an unreachable PostgreSQL fails the run in conftest).
"""

from __future__ import annotations

import io
import threading
from collections.abc import Callable
from datetime import UTC, datetime

import pytest
from conftest import PDF
from flask import Flask
from sqlalchemy import func, select
from test_consultations import NOW as SERVICE_DAY
from test_consultations import entry
from test_ranking_runs import build as build_ranking

from workflow.extensions import db
from workflow.models import (
    AuditEvent,
    EvaluatorAssignment,
    ExpertiseField,
    Path,
    PathTransition,
    RankingSnapshot,
    ScoreSheet,
    Service,
    User,
)
from workflow.services import consultations, criteria, documents, ranking_runs, sheets
from workflow.services.transitions import TransitionRefused, fire

THREADS = 8


@pytest.fixture
def postgres_only(is_postgres):
    if not is_postgres:
        pytest.skip("needs PostgreSQL (set TEST_DATABASE_URL); make test runs it there")


def at_once(app: Flask, press: Callable[[], str], threads: int = THREADS) -> list[str]:
    """Run `press` in `threads` threads (it waits on the test's barrier, so they go together);
    each returns what it saw. An exception nobody expected is reported by its class name,
    so the test fails on it and shows it."""
    outcomes: list[str] = []
    lock = threading.Lock()

    def run() -> None:
        with app.app_context():
            try:
                result = press()
            except Exception as exc:  # noqa: BLE001  (shown in the assertion)
                result = f"unexpected {type(exc).__name__}: {exc}"
            finally:
                db.session.remove()
        with lock:
            outcomes.append(result)

    workers = [threading.Thread(target=run) for _ in range(threads)]
    for t in workers:
        t.start()
    for t in workers:
        t.join(timeout=60)
    return sorted(outcomes)


def audit_count(app: Flask, action: str) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(AuditEvent)
                                 .where(AuditEvent.action == action)) or 0


def test_parallel_submits_record_exactly_one_transition(app, world, postgres_only):
    path = world.path("a")
    documents.store_upload(path, "diagnosis", "d.pdf", io.BytesIO(PDF), world.user("town_a"))
    path_id, user_id = path.id, world.users["town_a"].id
    db.session.remove()
    barrier = threading.Barrier(THREADS)

    def press() -> str:
        p = db.session.get(Path, path_id)
        u = db.session.get(User, user_id)
        seen = p.version
        barrier.wait()
        try:
            fire(p, "submit_diagnosis", u, expected_version=seen)
            return "ok"
        except TransitionRefused as refused:
            return "stale" if refused.stale else "refused"

    assert at_once(app, press) == ["ok"] + ["stale"] * (THREADS - 1)
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(PathTransition)) == 1
        assert db.session.get(Path, path_id).state == "diagnosis.submitted"
        assert db.session.get(Path, path_id).version == 2
    assert audit_count(app, "transition") == 1


def test_parallel_submissions_of_one_score_sheet_submit_it_once(app, world, postgres_only):
    path = world.path("a")
    path.state = "evaluation"
    db.session.commit()
    parts = criteria.ensure_sheet(world.programme)
    assignment = EvaluatorAssignment(path_id=path.id, evaluator_id=world.users["evaluator"].id,
                                     role="regular", declaration="impartial", declared_at=datetime.now(UTC))
    db.session.add(assignment)
    db.session.commit()
    sheet = sheets.get_or_create_draft(assignment)
    values = {c.id: sheets.ScoreInput(c.max_points, "Uzasadnienie wystarczająco długie, by je przyjąć.")
              for p in parts for c in p.criteria}
    sheet_id, version = sheet.id, sheet.version
    db.session.remove()
    barrier = threading.Barrier(THREADS)

    def press() -> str:
        fresh = db.session.get(ScoreSheet, sheet_id)
        barrier.wait()
        try:
            sheets.save(fresh, values, True, version)
            return "ok"
        except sheets.SheetRefused as refused:
            return refused.reason.pl

    outcomes = at_once(app, press)
    assert outcomes.count("ok") == 1, outcomes
    refusals = set(outcomes) - {"ok"}
    assert refusals <= {sheets.ALREADY_SUBMITTED.pl, sheets.STALE.pl}, outcomes
    with app.app_context():
        assert db.session.get(ScoreSheet, sheet_id).status == "submitted"
    assert audit_count(app, "sheet_submitted") == 1


def test_parallel_logging_with_one_form_token_logs_one_service(app, world, postgres_only):
    field = ExpertiseField(code="finance", name_pl="Finanse publiczne", name_en="Public finance")
    db.session.add(field)
    db.session.commit()
    fields = {"finance": field.id}
    path_id, advisor_id = world.paths["a"].id, world.users["advisor_a"].id
    db.session.remove()
    barrier = threading.Barrier(THREADS)

    def press() -> str:
        path = db.session.get(Path, path_id)
        advisor = db.session.get(User, advisor_id)
        barrier.wait()
        service, created = consultations.create(path, advisor, entry(fields), log=True,
                                                client_token="form-token-1", now=SERVICE_DAY)
        return f"{'created' if created else 'already saved'} #{service.id}"

    outcomes = at_once(app, press)
    with app.app_context():
        [service_id] = db.session.scalars(select(Service.id)).all()
    # The double submit is not an error for the advisor: every press answers with the one
    # service the first created (the view shows it as saved).
    assert outcomes == [f"already saved #{service_id}"] * (THREADS - 1) + [f"created #{service_id}"]
    assert audit_count(app, "service_logged") == 1


def test_parallel_announcements_announce_once(app, ctx, postgres_only):
    built = build_ranking()
    official = ranking_runs.approve(ranking_runs.run(built.programme, built.coordinator), built.coordinator)
    official_id, coordinator_id = official.id, built.coordinator.id
    transitions_before = db.session.scalar(select(func.count()).select_from(PathTransition))
    db.session.remove()
    barrier = threading.Barrier(THREADS)

    def press() -> str:
        snap = db.session.get(RankingSnapshot, official_id)
        coordinator = db.session.get(User, coordinator_id)
        barrier.wait()
        try:
            ranking_runs.announce(snap, coordinator)
            return "ok"
        except ranking_runs.RankingRefused as refused:
            return refused.reasons[0].pl

    outcomes = at_once(app, press)
    assert outcomes.count("ok") == 1, outcomes
    already = ranking_runs.ALREADY_ANNOUNCED.pl.format(id=official_id)
    assert set(outcomes) - {"ok"} <= {ranking_runs.CONFLICT.pl, already}, outcomes
    assert audit_count(app, "ranking_announced") == 1
    with app.app_context():
        moved = db.session.scalar(select(func.count()).select_from(PathTransition)) - transitions_before
        # Four ranked towns move twice (rank, then the outcome); the rejected one stays.
        assert moved == 8
        assert audit_count(app, "transition") == 8
