"""Pressing the same button twice (a double click, two tabs): an action that creates a
record creates it once, and the second press answers with the first one's record.

The races with threads, on PostgreSQL, are in test_concurrency.py."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from factories.ranking import build

from workflow.extensions import db
from workflow.models import AuditEvent, RankingSnapshot
from workflow.ranking import runs as ranking_runs

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
