"""The restore drill of docs/operations.md, run for real: a database migrated by Alembic and
filled through the services (paths, documents with files, transitions, services, score
sheets, a ranking, the audit log) is dumped with `pg_dump -Fc`, restored with `pg_restore`
into an empty database, the upload store copied with rsync, and then every table has as many
rows as before and every Document's file is there with the SHA-256 it is named by.

PostgreSQL only (TEST_DATABASE_URL): on the SQLite half of `make test` it is skipped. Under
CI=true a missing PostgreSQL, pg_dump, pg_restore or rsync fails it.
"""

from __future__ import annotations

import hashlib
import io
import os
import shutil
import subprocess  # nosec B404  (runs pg_dump, pg_restore and rsync with fixed arguments)
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path as FsPath

import pytest
import sqlalchemy as sa
from alembic import command
from alembic.script import ScriptDirectory
from factories.accounts import PASSWORD_HASH, make_user
from factories.path import PDF, docx, make_programme, make_town
from flask import Flask
from sqlalchemy.engine import make_url
from support import app_for_tests
from support.migrations import alembic_config
from support.skips import IN_CI, postgres_or_skip

from workflow.advice import consultations
from workflow.advice.consultation_terms import ServiceInput
from workflow.evaluation import criteria, sheets
from workflow.extensions import db
from workflow.models import AdvisorAssignment, Document, EvaluatorAssignment, ExpertiseField
from workflow.path import documents, transitions
from workflow.ranking import runs as ranking_runs

pytestmark = pytest.mark.slow  # pg_dump, pg_restore and rsync of a filled database

TOOLS = ("pg_dump", "pg_restore", "rsync")


def tool(name: str) -> str:
    found = shutil.which(name)
    if found is None:
        if IN_CI:
            raise RuntimeError(f"{name} is not on PATH under CI")
        pytest.skip(f"{name} is not on PATH")
    return found


def libpq_url(url: str) -> str:
    """The SQLAlchemy URL as libpq reads it (pg_dump and pg_restore)."""
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


@pytest.fixture
def source_url() -> Iterator[str]:
    base = os.environ.get("TEST_DATABASE_URL")
    if not base:
        pytest.skip("needs PostgreSQL (set TEST_DATABASE_URL); make test runs it there")
    for name in TOOLS:
        tool(name)
    yield from postgres_or_skip(base)


@pytest.fixture
def target_url(source_url: str) -> Iterator[str]:
    yield from postgres_or_skip(os.environ["TEST_DATABASE_URL"])


def app_on(url: str, uploads: FsPath, instance: FsPath) -> Flask:
    return app_for_tests(url, instance, UPLOAD_DIR=str(uploads), UPLOAD_MAX_MB=1)


def fill_through_the_services() -> None:
    """A little of everything, written the way the app writes it."""
    programme = make_programme("RL-BACKUP")
    town_a = make_town(programme, "Ostrzeszów")
    town_b = make_town(programme, "Wałcz")
    db.session.flush()
    member_a = make_user("town-a@example.pl", "town", town_a.applicant)
    member_b = make_user("town-b@example.pl", "town", town_b.applicant)
    advisor = make_user("advisor@example.pl", "advisor")
    evaluator = make_user("evaluator@example.pl", "evaluator")
    coordinator = make_user("coordinator@example.pl", "coordinator")
    for u in (member_a, member_b, advisor, evaluator, coordinator):
        u.password_hash = PASSWORD_HASH
    field = ExpertiseField(code="finance", name_pl="Finanse publiczne", name_en="Public finance")
    db.session.add(field)
    db.session.flush()
    db.session.add_all([AdvisorAssignment(path_id=p.id, advisor_id=advisor.id, kind="lead")
                        for p in (town_a, town_b)])
    db.session.commit()

    documents.store_upload(town_a, "diagnosis", "diagnoza.pdf", io.BytesIO(PDF), member_a)
    documents.store_upload(town_a, "diagnosis", "diagnoza-v2.docx", io.BytesIO(docx()), member_a)
    documents.store_upload(town_b, "diagnosis", "diagnoza Wałcz.pdf",
                           io.BytesIO(PDF.replace(b"test document", b"Walcz document")), member_b)
    transitions.fire(town_a, "submit_diagnosis", member_a)
    transitions.fire(town_a, "return_diagnosis", advisor, "Proszę uzupełnić dane.")

    entry = ServiceInput(
        kind="workshop", held_on="2020-06-10", duration="90", field_id=field.id, topic="Budżet obywatelski",
        format="on_site", new_people="Anna Nowak; Urząd Miasta; a.nowak@um.pl")
    consultations.create(town_a, advisor, entry, log=True, client_token="backup-1",
                         now=datetime(2020, 6, 15, 12, 0, tzinfo=UTC))

    town_b.state = "evaluation"
    db.session.commit()
    parts = criteria.ensure_sheet(programme)
    assignment = EvaluatorAssignment(path_id=town_b.id, evaluator_id=evaluator.id, role="regular",
                                     declaration="impartial", declared_at=datetime.now(UTC))
    db.session.add(assignment)
    db.session.commit()
    sheet = sheets.get_or_create_draft(assignment)
    values = {c.id: sheets.ScoreInput(c.max_points, "Uzasadnienie wystarczająco długie, by je przyjąć.")
              for p in parts for c in p.criteria}
    sheets.save(sheet, values, True, sheet.version)
    ranking_runs.run(programme, coordinator)


def row_counts(url: str) -> dict[str, int]:
    engine = sa.create_engine(url, poolclass=sa.pool.NullPool)
    try:
        with engine.connect() as conn:
            tables = sa.inspect(conn).get_table_names()
            return {t: conn.execute(sa.text(f'SELECT count(*) FROM "{t}"')).scalar_one()  # nosec B608
                    for t in sorted(tables)}
    finally:
        engine.dispose()


def test_a_dump_restored_into_an_empty_database_has_every_row_and_file(source_url, target_url, tmp_path):
    command.upgrade(alembic_config(source_url), "head")
    uploads = tmp_path / "uploads"
    app = app_on(source_url, uploads, tmp_path / "instance")
    with app.app_context():
        fill_through_the_services()
        db.session.remove()
        db.engine.dispose()
    before = row_counts(source_url)
    for table in ("path", "document", "path_transition", "service", "score_sheet", "score",
                  "ranking_snapshot", "audit_event"):
        assert before[table] > 0, table

    # 1. The database first (see docs/operations.md for why this order) ...
    dump = tmp_path / "sciezka.dump"
    subprocess.run([tool("pg_dump"), "-Fc", "--no-owner", "-f", str(dump), libpq_url(source_url)],  # nosec B603
                   check=True, capture_output=True, timeout=120)
    # 2. ... then the files, which only ever grow.
    backup_uploads = tmp_path / "backup" / "uploads"
    backup_uploads.parent.mkdir()
    subprocess.run([tool("rsync"), "-a", f"{uploads}/", f"{backup_uploads}/"],  # nosec B603
                   check=True, capture_output=True, timeout=120)

    # The restore, into an empty database and an empty upload folder.
    assert row_counts(target_url) == {}
    subprocess.run([tool("pg_restore"), "--no-owner", "--exit-on-error", "-d", libpq_url(target_url),  # nosec B603
                    str(dump)], check=True, capture_output=True, timeout=120)
    restored_uploads = tmp_path / "restored" / "uploads"
    restored_uploads.parent.mkdir()
    subprocess.run([tool("rsync"), "-a", f"{backup_uploads}/", f"{restored_uploads}/"],  # nosec B603
                   check=True, capture_output=True, timeout=120)

    assert row_counts(target_url) == before
    restored = app_on(target_url, restored_uploads, tmp_path / "instance2")
    with restored.app_context():
        rows = list(db.session.scalars(sa.select(Document)))
        assert len(rows) == before["document"] == 3
        for document in rows:
            stored = documents.stored_path(document.content_hash)
            assert stored.is_relative_to(restored_uploads)
            assert hashlib.sha256(stored.read_bytes()).hexdigest() == document.content_hash
        # The restored database still refuses to rewrite its audit log (the trigger came along).
        with pytest.raises(sa.exc.DBAPIError, match="append-only"):
            db.session.execute(sa.text("DELETE FROM audit_event"))
        db.session.rollback()
        # The restored database is at the code's migration head: the app can run on it as is.
        head = ScriptDirectory.from_config(alembic_config(target_url)).get_current_head()
        assert db.session.scalar(sa.text("SELECT version_num FROM alembic_version")) == head
        db.session.remove()
        db.engine.dispose()
