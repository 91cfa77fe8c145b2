"""Two people pressing the same button at once: exactly one transition is recorded.

Runs on PostgreSQL, where requests really run in parallel; SQLite serialises writers
at the file level, so there the test would prove nothing.
"""

from __future__ import annotations

import io
import threading

import pytest
from conftest import PDF
from sqlalchemy import func, select

from workflow.extensions import db
from workflow.models import Path, PathTransition, User
from workflow.services import documents
from workflow.services.transitions import TransitionRefused, fire

THREADS = 8


@pytest.fixture
def postgres_only(is_postgres):
    if not is_postgres:
        pytest.skip("needs PostgreSQL (set TEST_DATABASE_URL); make test runs it there")


def test_parallel_submits_record_exactly_one_transition(app, world, postgres_only):
    path = world.path("a")
    documents.store_upload(path, "diagnosis", "d.pdf", io.BytesIO(PDF), world.user("town_a"))
    path_id, user_id = path.id, world.users["town_a"].id
    db.session.remove()

    barrier = threading.Barrier(THREADS)
    outcomes: list[str] = []
    lock = threading.Lock()

    def press() -> None:
        with app.app_context():
            p = db.session.get(Path, path_id)
            u = db.session.get(User, user_id)
            seen = p.version
            barrier.wait()
            try:
                fire(p, "submit_diagnosis", u, expected_version=seen)
                result = "ok"
            except TransitionRefused as refused:
                result = "stale" if refused.stale else "refused"
            finally:
                db.session.remove()
            with lock:
                outcomes.append(result)

    threads = [threading.Thread(target=press) for _ in range(THREADS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)

    assert sorted(outcomes) == ["ok"] + ["stale"] * (THREADS - 1)
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(PathTransition)) == 1
        assert db.session.get(Path, path_id).state == "diagnosis.submitted"
        assert db.session.get(Path, path_id).version == 2
