"""Pressing the same button twice (a double click, two tabs): an action that creates a
record creates it once, and the second press answers with the first one's record.

The races with threads, on PostgreSQL, are in test_concurrency.py."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa
from factories.evaluation import make_evaluator, make_parts
from factories.ranking import build
from factories.results import ANNOUNCED, LONG_ENOUGH, announce
from factories.services_log import build_log, generate

from workflow.advice.assignment import AssignmentRefused
from workflow.evaluation import proposal
from workflow.exports import jobs as exports
from workflow.exports.views import exports as export_views
from workflow.extensions import db
from workflow.models import Appeal, AuditEvent, EvaluatorAssignment, ExportJob, Path, RankingSnapshot, User
from workflow.ranking import appeals
from workflow.ranking import runs as ranking_runs
from workflow.refusal import in_language

BASE = "/coordinator/ranking/"


@pytest.fixture
def built(world):
    """The world's people and a ranking programme RL-RANK of five towns."""
    return build()


def officials() -> list[RankingSnapshot]:
    db.session.expire_all()
    return list(db.session.scalars(sa.select(RankingSnapshot).where(RankingSnapshot.kind == "official")))


def audit_count(action: str) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(AuditEvent)
                             .where(AuditEvent.action == action)) or 0


def test_approving_a_preview_twice_gives_back_the_one_official_ranking(built):
    preview = ranking_runs.run(built.programme, built.coordinator)
    first, made = ranking_runs.approve_once(preview, built.coordinator)
    assert made
    again, made_again = ranking_runs.approve_once(preview, built.coordinator)
    assert (again.id, made_again) == (first.id, False)
    assert ranking_runs.approve(preview, built.coordinator).id == first.id
    assert [o.id for o in officials()] == [first.id]
    assert audit_count("ranking_approved") == 1


def test_a_second_approval_after_the_data_changed_still_gives_back_the_first(built):
    """The preview was approved: that approval stands, whatever changed since."""
    preview = ranking_runs.run(built.programme, built.coordinator)
    first = ranking_runs.approve(preview, built.coordinator)
    built.path("Łobez").requested_amount = 19_000_000
    db.session.commit()
    assert ranking_runs.approve_once(preview, built.coordinator) == (first, False)
    assert len(officials()) == 1


def test_a_double_post_of_approve_redirects_both_to_the_one_official_ranking(built, login):
    browser = login("coordinator@example.pl")
    preview = ranking_runs.run(built.programme, built.coordinator)
    preview_id = preview.id
    first = browser.post(f"{BASE}{preview_id}/approve", {})
    second = browser.post(f"{BASE}{preview_id}/approve", {})
    [official] = officials()
    assert first.status_code == second.status_code == 302
    assert first.headers["Location"].endswith(f"{BASE}{official.id}")
    assert second.headers["Location"].endswith(f"{BASE}{official.id}")
    page = browser.get(second.headers["Location"]).get_data(as_text=True)
    assert f"Ten podgląd był już zatwierdzony: to jest jego ranking oficjalny #{official.id}." in page
    assert audit_count("ranking_approved") == 1


def test_announcing_twice_announces_once_and_refuses_the_second_politely(built, login):
    browser = login("coordinator@example.pl")
    official = ranking_runs.approve(ranking_runs.run(built.programme, built.coordinator), built.coordinator)
    official_id = official.id
    first = browser.post(f"{BASE}{official_id}/announce", {"confirm": "y"})
    second = browser.post(f"{BASE}{official_id}/announce", {"confirm": "y"})
    assert first.status_code == 302
    assert second.status_code in (302, 409), second.status_code
    assert second.status_code < 500
    assert audit_count("ranking_announced") == 1
    db.session.expire_all()
    assert db.session.get(RankingSnapshot, official_id).announced_at is not None


# --- prepared exports ------------------------------------------------------------------------------

EXPORTS = "/coordinator/reports/consultations"


@pytest.fixture
def unsent(monkeypatch):
    """The task is not run (as when a worker has not picked it up yet): the job stays queued.
    Gives the list of job ids sent to the queue."""
    sent: list[int] = []
    monkeypatch.setattr(export_views, "send_task", lambda name, job_id: sent.append(job_id))
    return sent


def jobs() -> list[ExportJob]:
    db.session.expire_all()
    return list(db.session.scalars(sa.select(ExportJob).order_by(ExportJob.id)))


def test_asking_twice_for_an_export_still_queued_gives_back_the_queued_job(world, login, unsent):
    build_log(world, generate(20))
    browser = login("coordinator@example.pl")
    first = browser.post(f"{EXPORTS}/log.csv/prepare")
    second = browser.post(f"{EXPORTS}/log.csv/prepare")
    [job] = jobs()
    assert first.status_code == second.status_code == 302
    assert first.headers["Location"] == second.headers["Location"]
    assert first.headers["Location"].endswith(f"/coordinator/exports/{job.id}")
    assert unsent == [job.id]  # queued for the worker once
    page = browser.get(second.headers["Location"]).get_data(as_text=True)
    assert "Ten plik jest już przygotowywany – to jego postęp." in page
    other = browser.post(f"{EXPORTS}/log.xlsx/prepare")  # another file is another job
    assert other.status_code == 302 and len(jobs()) == 2


def test_a_finished_or_stale_export_is_not_reused(world):
    log = build_log(world, generate(10))
    coordinator = db.session.scalar(sa.select(User).where(User.email == "coordinator@example.pl"))
    first, new = exports.queue_once(log.programme, coordinator, "csv", "log", exports.Filters(), "pl")
    assert new
    again, new_again = exports.queue_once(log.programme, coordinator, "csv", "log", exports.Filters(), "pl")
    assert (again.id, new_again) == (first.id, False)
    english, new_english = exports.queue_once(log.programme, coordinator, "csv", "log", exports.Filters(),
                                              "en")
    assert new_english and english.id != first.id  # another language is another file
    later = first.created_at + exports.PENDING_FOR + timedelta(minutes=1)
    stale, new_stale = exports.queue_once(log.programme, coordinator, "csv", "log", exports.Filters(), "pl",
                                          now=later)
    assert new_stale and stale.id not in (first.id, english.id)
    exports.run(stale)
    assert stale.status == "done"
    fresh, new_fresh = exports.queue_once(log.programme, coordinator, "csv", "log", exports.Filters(), "pl",
                                          now=later)
    assert new_fresh and fresh.id != stale.id


# --- appeal decisions ------------------------------------------------------------------------------

def test_deciding_an_appeal_twice_keeps_the_first_decision_and_refuses_the_second(scored, login):
    announce(scored)
    path = scored.path("b")
    appeal = appeals.file(path, scored.user("town_b"), LONG_ENOUGH, now=ANNOUNCED + timedelta(days=1))
    appeal_id, path_id, round_before = appeal.id, path.id, path.evaluation_round
    coordinator = login("coordinator@example.pl")
    url = f"/coordinator/appeals/{appeal_id}/decide"
    first = coordinator.post(url, {"decision": "upheld", "note": "Pominięto rozdział 4."})
    second = coordinator.post(url, {"decision": "upheld", "note": "Pominięto rozdział 4."})
    assert first.status_code == 302
    assert second.status_code == 409
    assert "Ten protest został już rozpatrzony." in second.get_data(as_text=True)
    db.session.expire_all()
    decided = db.session.get(Appeal, appeal_id)
    assert (decided.status, decided.decision_note) == ("upheld", "Pominięto rozdział 4.")
    assert db.session.get(Path, path_id).evaluation_round == round_before + 1
    assert audit_count("appeal_decided") == 1


# --- the evaluators' proposal ----------------------------------------------------------------------

def test_applying_the_evaluators_proposal_twice_adds_nobody_the_second_time(world):
    for key in ("a", "b"):
        world.paths[key].state = "evaluation"
    make_parts(world.programme)
    for i in range(1, 4):
        make_evaluator(f"oceniajacy{i}@example.pl", f"Oceniający {i}")
    db.session.commit()
    pairs = [(p.path_id, p.evaluator_id) for p in proposal.propose(world.programme).pairs]
    coordinator = world.users["coordinator"]
    rows = proposal.apply(world.programme, pairs, coordinator)
    assert len(rows) == len(pairs) == 4
    with pytest.raises(AssignmentRefused) as refused:
        proposal.apply(world.programme, pairs, coordinator)
    said = [in_language(r, "pl") for r in refused.value.reasons]
    assert len(said) == 4 and all("już" in s for s in said), said
    assert db.session.scalar(sa.select(sa.func.count()).select_from(EvaluatorAssignment)) == 4
