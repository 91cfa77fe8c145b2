"""People pressing the same button at once: exactly one wins, the others get the service's
clear refusal, and the audit log shows exactly one event.

Runs on PostgreSQL, where requests really run in parallel; SQLite serialises writers at
the file level, so there the tests would prove nothing and are skipped (`make test` runs
them on PostgreSQL; under CI=true an unreachable PostgreSQL fails the run in conftest).
"""

from __future__ import annotations

import io
import threading
from datetime import UTC, datetime, timedelta

import pytest
from factories.advice import NOW as SERVICE_DAY
from factories.advice import entry
from factories.path import PDF
from factories.ranking import build as build_ranking
from factories.results import ANNOUNCED, LONG_ENOUGH, announce
from factories.services_log import build_log, generate
from flask import Flask
from sqlalchemy import event as sa_event
from sqlalchemy import func, select
from support.concurrency import THREADS, at_once

from workflow.advice import consultations
from workflow.evaluation import criteria, sheets
from workflow.exports import jobs as exports
from workflow.extensions import db
from workflow.models import (
    Appeal,
    AuditEvent,
    EvaluatorAssignment,
    ExpertiseField,
    ExportJob,
    Path,
    PathTransition,
    Programme,
    RankingSnapshot,
    ScoreSheet,
    Service,
    User,
)
from workflow.path import documents
from workflow.path.transitions import TransitionRefused, fire
from workflow.ranking import appeals
from workflow.ranking import runs as ranking_runs
from workflow.refusal import in_language


@pytest.fixture
def postgres_only(is_postgres):
    if not is_postgres:
        pytest.skip("needs PostgreSQL (set TEST_DATABASE_URL); make test runs it there")


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
            return in_language(refused.reason, "pl")

    outcomes = at_once(app, press)
    assert outcomes.count("ok") == 1, outcomes
    refusals = set(outcomes) - {"ok"}
    assert refusals <= {in_language(m, "pl") for m in (sheets.ALREADY_SUBMITTED, sheets.STALE)}, outcomes
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


def test_ten_parallel_approvals_of_one_preview_make_one_official_ranking(app, ctx, postgres_only):
    built = build_ranking(code="RL-APPROVE-RACE")
    preview = ranking_runs.run(built.programme, built.coordinator)
    preview_id, coordinator_id = preview.id, built.coordinator.id
    db.session.remove()
    barrier = threading.Barrier(10)

    def press() -> str:
        snap = db.session.get(RankingSnapshot, preview_id)
        coordinator = db.session.get(User, coordinator_id)
        barrier.wait()
        official, made = ranking_runs.approve_once(snap, coordinator)
        return f"{'approved' if made else 'approved already'} #{official.id}"

    outcomes = at_once(app, press, threads=10)
    with app.app_context():
        [official_id] = db.session.scalars(select(RankingSnapshot.id)
                                           .where(RankingSnapshot.kind == "official")).all()
    assert outcomes == [f"approved #{official_id}"] + [f"approved already #{official_id}"] * 9
    assert audit_count(app, "ranking_approved") == 1


def test_parallel_requests_for_one_export_queue_one_job(app, world, postgres_only):
    log = build_log(world, generate(10))
    programme_id, coordinator_id = log.programme.id, world.users["coordinator"].id
    db.session.remove()
    barrier = threading.Barrier(THREADS)

    def press() -> str:
        programme = db.session.get(Programme, programme_id)
        coordinator = db.session.get(User, coordinator_id)
        barrier.wait()
        job, new = exports.queue_once(programme, coordinator, "csv", "log", exports.Filters(), "pl")
        return f"{'queued' if new else 'queued already'} #{job.id}"

    outcomes = at_once(app, press)
    with app.app_context():
        [job_id] = db.session.scalars(select(ExportJob.id)).all()
    assert outcomes == [f"queued #{job_id}"] + [f"queued already #{job_id}"] * (THREADS - 1)


def test_parallel_decisions_of_one_appeal_decide_it_once(app, scored, postgres_only):
    announce(scored)
    path = scored.path("b")
    appeal = appeals.file(path, scored.user("town_b"), LONG_ENOUGH, now=ANNOUNCED + timedelta(days=1))
    appeal_id, path_id, round_before = appeal.id, path.id, path.evaluation_round
    coordinator_id = scored.users["coordinator"].id
    db.session.remove()
    barrier = threading.Barrier(THREADS)

    def press() -> str:
        fresh = db.session.get(Appeal, appeal_id)
        coordinator = db.session.get(User, coordinator_id)
        barrier.wait()
        try:
            appeals.decide(fresh, coordinator, True, "Pominięto rozdział 4.")
            return "ok"
        except appeals.AppealRefused as refused:
            return refused.code

    assert at_once(app, press) == ["already_decided"] * (THREADS - 1) + ["ok"]
    with app.app_context():
        assert db.session.get(Appeal, appeal_id).status == "upheld"
        assert db.session.get(Path, path_id).evaluation_round == round_before + 1
    assert audit_count(app, "appeal_decided") == 1


ROUNDS = 3  # the race is a matter of timing: several programmes, each announced by 8 at once


def test_parallel_announcements_announce_once(app, ctx, postgres_only):
    for round_ in range(ROUNDS):
        built = build_ranking(code=f"RL-RACE-{round_}")
        official = ranking_runs.approve(ranking_runs.run(built.programme, built.coordinator),
                                        built.coordinator)
        official_id, coordinator_id = official.id, built.coordinator.id
        transitions_before = db.session.scalar(select(func.count()).select_from(PathTransition))
        announced_before = audit_count(app, "ranking_announced")
        db.session.remove()
        barrier = threading.Barrier(THREADS)

        def press(official_id: int = official_id, coordinator_id: int = coordinator_id,
                  barrier: threading.Barrier = barrier) -> str:
            snap = db.session.get(RankingSnapshot, official_id)
            coordinator = db.session.get(User, coordinator_id)
            barrier.wait()
            try:
                ranking_runs.announce(snap, coordinator)
                return "ok"
            except ranking_runs.RankingRefused as refused:
                return in_language(refused.reasons[0], "pl")

        outcomes = at_once(app, press)
        assert outcomes.count("ok") == 1, outcomes
        already = in_language(ranking_runs.ALREADY_ANNOUNCED, "pl") % {"id": official_id}
        assert set(outcomes) - {"ok"} <= {in_language(ranking_runs.CONFLICT, "pl"), already}, outcomes
        assert audit_count(app, "ranking_announced") == announced_before + 1
        with app.app_context():
            moved = db.session.scalar(select(func.count()).select_from(PathTransition)) - transitions_before
            # Four ranked towns move twice (rank, then the outcome); the rejected one stays.
            assert moved == 8


def test_an_announcement_overtaken_midway_is_refused(app, ctx, postgres_only):
    """The interleaving that once let two announcements of one snapshot both succeed, forced:
    the late one has checked that nothing is announced yet; then the other announces and
    commits; then the late one goes on. It must be refused (it used to find every path moved,
    move none, and stamp the snapshot again), and the log must show one announcement."""
    built = build_ranking(code="RL-OVERTAKEN")
    official = ranking_runs.approve(ranking_runs.run(built.programme, built.coordinator), built.coordinator)
    official_id, coordinator_id = official.id, built.coordinator.id
    db.session.remove()
    checked, first_done = threading.Event(), threading.Event()
    armed: list[bool] = []

    def pause_late(conn, cursor, statement, parameters, context, executemany) -> None:  # noqa: ANN001
        if threading.current_thread().name != "late":
            return
        if armed and not checked.is_set():
            checked.set()
            first_done.wait(5)  # with the row lock the first waits for us: go on after 5 s
        if "superseded_at IS NULL" in statement:
            armed.append(True)

    outcomes: dict[str, str] = {}

    def announce(name: str) -> None:
        with app.app_context():
            try:
                ranking_runs.announce(db.session.get(RankingSnapshot, official_id),
                                      db.session.get(User, coordinator_id))
                outcomes[name] = "ok"
            except ranking_runs.RankingRefused as refused:
                outcomes[name] = in_language(refused.reasons[0], "pl")
            finally:
                db.session.remove()

    sa_event.listen(db.engine, "before_cursor_execute", pause_late)
    try:
        late = threading.Thread(target=announce, args=("late",), name="late")
        late.start()
        assert checked.wait(30)
        announce("first")
        first_done.set()
        late.join(60)
    finally:
        sa_event.remove(db.engine, "before_cursor_execute", pause_late)
    assert sorted(outcomes.values()).count("ok") == 1, outcomes
    assert audit_count(app, "ranking_announced") == 1
