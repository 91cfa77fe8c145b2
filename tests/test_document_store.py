"""Files and rows agree (docs/decisions/0021-files-and-rows-agree.md): an upload is written to
the temporary folder, its row commits, then it moves into the store; `documents check`
finds each kind of disagreement and `--repair` removes the debris without ever deleting a
row. The unit tests run on SQLite and on PostgreSQL (TEST_DATABASE_URL); the slow test at
the end kills a real gunicorn worker in the middle of uploads."""

from __future__ import annotations

import hashlib
import io
import json
import os
import time
from pathlib import Path as FsPath

import pytest
import sqlalchemy as sa
from factories.path import PDF, docx
from flask import Flask

from workflow.extensions import db, send_task
from workflow.models import AuditEvent, Document, DocumentCheck, Path
from workflow.path import documents, store_check
from workflow.path.store_check import Kind

HOURS_AGO_2 = 2 * 60 * 60


@pytest.fixture
def store(app: Flask, monkeypatch: pytest.MonkeyPatch, tmp_path: FsPath) -> FsPath:
    """A store and a temporary folder of this test's own (the session's app shares one)."""
    monkeypatch.setitem(app.config, "UPLOAD_DIR", str(tmp_path / "uploads"))
    monkeypatch.setitem(app.config, "UPLOAD_TMP_DIR", str(tmp_path / "uploads-incoming"))
    return tmp_path / "uploads"


def upload(world, content: bytes = PDF, name: str = "diagnoza.pdf") -> Document:  # noqa: ANN001
    return documents.store_upload(world.path("a"), "diagnosis", name, io.BytesIO(content),
                                  world.user("town_a"))


def age(path: FsPath, seconds: int) -> None:
    """As if the file had been written `seconds` ago."""
    then = time.time() - seconds
    os.utime(path, (then, then))


def kinds(report: store_check.Report) -> dict[str, int]:
    return {k: v for k, v in report.counts().items() if k in set(Kind) and v}


def test_an_upload_moves_into_the_store_and_leaves_nothing_behind(world, store):
    document = upload(world)
    stored = documents.stored_path(document.content_hash)
    assert stored.is_relative_to(store)
    assert hashlib.sha256(stored.read_bytes()).hexdigest() == document.content_hash == hashlib.sha256(PDF).hexdigest()
    assert list(documents.incoming_dir().iterdir()) == []
    assert not documents.incoming_dir().is_relative_to(store)  # the temporary folder is outside

    report = store_check.run(repair_debris=False, trigger="command")
    assert report.ok and report.exit_code == 0 and report.findings == []
    assert report.counts()["store_files"] == 1 and report.counts()["document_rows"] == 1


def test_the_same_content_twice_is_one_file_for_two_rows(world, store):
    first, second = upload(world), upload(world, name="diagnoza-kopia.pdf")
    assert first.content_hash == second.content_hash
    assert [p for p in store.rglob("*") if p.is_file()] == [documents.stored_path(first.content_hash)]
    assert store_check.run(repair_debris=False, trigger="command").ok


def test_an_upload_whose_row_fails_leaves_no_file(world, store):
    ghost = Path(id=10**6, programme_id=world.programme.id)  # no such row: the INSERT fails
    with pytest.raises(sa.exc.IntegrityError):
        documents.store_upload(ghost, "diagnosis", "diagnoza.pdf", io.BytesIO(PDF), world.user("town_a"))
    db.session.rollback()
    assert [p for p in store.parent.rglob("*") if p.is_file()] == []


def test_an_orphan_file_is_found_and_repair_removes_it(world, store):
    kept = upload(world)
    orphan_bytes = docx()
    orphan = documents.stored_path(hashlib.sha256(orphan_bytes).hexdigest())
    orphan.parent.mkdir(parents=True)
    orphan.write_bytes(orphan_bytes)
    # What the old upload code could leave: a half-written temporary file inside the store.
    stray = documents.stored_path(kept.content_hash).parent / "tmpk3x9a1"
    stray.write_bytes(PDF[:100])

    report = store_check.run(repair_debris=False, trigger="command")
    assert kinds(report) == {Kind.ORPHAN: 2}
    assert {f.file for f in report.of(Kind.ORPHAN)} == {str(orphan), str(stray)}
    assert report.exit_code == 1 and not report.ok
    assert orphan.exists()  # without --repair nothing changes

    repaired = store_check.run(repair_debris=True, trigger="command")
    assert repaired.counts()["removed"] == 2 and repaired.ok and repaired.exit_code == 0
    assert not orphan.exists() and not stray.exists()
    assert not orphan.parent.exists()  # its now empty folders went with it
    assert documents.stored_path(kept.content_hash).read_bytes() == PDF
    assert store_check.run(repair_debris=False, trigger="command").findings == []


def test_a_row_without_its_file_is_reported_for_a_person_and_kept(world, store):
    document = upload(world)
    documents.stored_path(document.content_hash).unlink()

    for repair in (False, True):
        report = store_check.run(repair_debris=repair, trigger="command")
        assert kinds(report) == {Kind.MISSING: 1}
        assert report.of(Kind.MISSING)[0].document_ids == [document.id]
        assert report.exit_code == 2 and report.needs_a_human
    assert db.session.get(Document, document.id) is not None  # never deleted


def test_a_file_with_the_wrong_content_is_reported_and_left_as_it_is(world, store):
    document = upload(world)
    stored = documents.stored_path(document.content_hash)
    stored.write_bytes(PDF.replace(b"test document", b"test dokument"))  # bit rot, or a bad copy
    damaged = stored.read_bytes()

    for repair in (False, True):
        report = store_check.run(repair_debris=repair, trigger="command")
        assert kinds(report) == {Kind.WRONG_HASH: 1}
        assert report.of(Kind.WRONG_HASH)[0].document_ids == [document.id]
        assert report.exit_code == 2
    assert stored.read_bytes() == damaged  # evidence for the person who restores it
    assert db.session.get(Document, document.id) is not None


def test_old_temporary_files_are_removed_and_fresh_ones_left_alone(world, store):
    upload(world)
    incoming = documents.incoming_dir()
    old, fresh = incoming / "upload-old.part", incoming / "upload-fresh.part"
    old.write_bytes(PDF[:500])  # an upload that died before its row
    fresh.write_bytes(PDF[:500])  # perhaps one in progress
    age(old, HOURS_AGO_2)

    report = store_check.run(repair_debris=False, trigger="command")
    assert kinds(report) == {Kind.OLD_TEMP: 1, Kind.FRESH_TEMP: 1}
    assert report.of(Kind.OLD_TEMP)[0].file == str(old)
    assert report.counts()["problems"] == 1 and report.exit_code == 1

    repaired = store_check.run(repair_debris=True, trigger="command")
    assert repaired.ok and repaired.counts()["removed"] == 1
    assert not old.exists() and fresh.exists()
    again = store_check.run(repair_debris=False, trigger="command")
    assert again.ok and kinds(again) == {Kind.FRESH_TEMP: 1}


def test_a_row_whose_rename_never_happened_gets_its_file(world, store):
    """The process died after the commit and before the move: the bytes are in the
    temporary folder, flushed, and their hash names the row's file."""
    incoming = documents.write_incoming(PDF)
    path, user = world.path("a"), world.user("town_a")
    document = Document(path_id=path.id, stage="diagnosis", original_name="diagnoza.pdf",
                        content_hash=incoming.digest, mime_type="application/pdf",
                        size_bytes=incoming.size, uploaded_by_id=user.id)
    db.session.add(document)
    db.session.commit()
    age(incoming.path, HOURS_AGO_2)  # found by the next night's run, say

    report = store_check.run(repair_debris=False, trigger="command")
    assert kinds(report) == {Kind.PENDING: 1} and report.exit_code == 1

    repaired = store_check.run(repair_debris=True, trigger="command")
    assert repaired.ok and repaired.counts()["moved_in"] == 1
    assert documents.stored_path(document.content_hash).read_bytes() == PDF
    assert not incoming.path.exists()
    assert store_check.run(repair_debris=False, trigger="command").findings == []
    events = db.session.scalars(sa.select(AuditEvent).where(AuditEvent.action == "document_store_repaired")).all()
    assert len(events) == 1


def test_the_move_after_a_repair_got_there_first_is_no_error(world, store):
    incoming = documents.write_incoming(PDF)
    target = documents.stored_path(incoming.digest)
    target.parent.mkdir(parents=True)
    os.replace(incoming.path, target)  # what the repair did in between
    assert documents.move_in(incoming) == target


def test_the_command_prints_counts_and_exits_with_the_verdict(app, world, store):
    upload(world)
    old = documents.incoming_dir() / "upload-half.part"
    old.write_bytes(b"%PDF-1.4 half")
    runner = app.test_cli_runner()

    result = runner.invoke(args=["documents", "check"])
    assert result.exit_code == 0, result.output  # an hour has not passed yet
    assert "świeży plik tymczasowy (pominięty) / fresh temporary file (left alone): 1" in result.output

    later = runner.invoke(args=["documents", "check", "--now", "2099-01-01T00:00"])
    assert later.exit_code == 1
    assert f"stary plik tymczasowy / old temporary file: {old}" in later.output
    assert "Podsumowanie / summary:" in later.output and "uruchom z --repair" in later.output

    fixed = runner.invoke(args=["documents", "check", "--repair", "--json", "--now", "2099-01-01T00:00"])
    assert fixed.exit_code == 0, fixed.output
    answer = json.loads(fixed.output)
    assert answer["ok"] is True and answer["counts"]["removed"] == 1
    assert answer["findings"][0]["action"] == "removed"
    assert not old.exists()

    with app.app_context():
        checks = db.session.scalars(sa.select(DocumentCheck).order_by(DocumentCheck.id)).all()
        assert [(c.trigger, c.repaired, c.ok) for c in checks] == [
            ("command", False, True), ("command", False, False), ("command", True, True)]


def test_the_beat_task_repairs_and_records_its_result(app, world, store):
    from worker.tasks import check_documents  # the task beat queues, by this name

    schedule = check_documents.app.conf.beat_schedule["documents-check"]
    assert schedule["task"] == check_documents.name == "documents.check"
    assert schedule["schedule"].hour == {3} and schedule["schedule"].minute == {30}

    old = documents.incoming_dir() / "upload-old.part"
    old.parent.mkdir(parents=True, exist_ok=True)
    old.write_bytes(b"half")
    age(old, HOURS_AGO_2)
    send_task("documents.check")  # without REDIS_URL it runs here and now, as a worker would
    last = store_check.latest()
    assert last is not None and last.trigger == "beat" and last.repaired and last.ok
    assert last.counts["removed"] == 1 and last.counts["document_rows"] == 0
    assert not old.exists()


def test_the_coordinators_overview_shows_the_last_check(app, world, store, login):
    coordinator = login("coordinator@example.pl")
    html = coordinator.get("/coordinator/").get_data(as_text=True)
    assert "Sprawdzenie plików dokumentów jeszcze się nie odbyło" in html

    document = upload(world)
    store_check.run(repair_debris=True, trigger="beat")
    html = coordinator.get("/coordinator/").get_data(as_text=True)
    assert "Pliki dokumentów" in html and "Wszystko w porządku." in html
    assert "pliki w magazynie: 1, dokumenty w bazie: 1" in html

    documents.stored_path(document.content_hash).unlink()
    store_check.run(repair_debris=True, trigger="beat")
    html = coordinator.get("/coordinator/").get_data(as_text=True)
    assert "Znaleziono problemy: 1." in html
    assert "dokumenty bez pliku lub z uszkodzonym plikiem: 1" in html
    assert "przywraca się z kopii zapasowej" in html
    # Filtered views show the programme's towns only, not the system's state.
    assert "Pliki dokumentów" not in coordinator.get("/coordinator/?stage=diagnosis").get_data(as_text=True)


def test_a_temporary_folder_on_another_filesystem_is_refused(app, world, store, monkeypatch):
    shm = FsPath("/dev/shm")
    if not shm.is_dir() or shm.stat().st_dev == store.parent.stat().st_dev:
        pytest.skip("no second filesystem to put the temporary folder on")
    elsewhere = shm / f"sciezka-test-{os.getpid()}-{time.monotonic_ns()}"
    monkeypatch.setitem(app.config, "UPLOAD_TMP_DIR", str(elsewhere))
    try:
        with pytest.raises(RuntimeError, match="same filesystem"):
            upload(world)
        report = store_check.run(repair_debris=True, trigger="command")
        assert kinds(report) == {Kind.SETUP: 1} and report.exit_code == 2
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Document)) == 0
    finally:
        for path in sorted(elsewhere.rglob("*"), reverse=True):
            path.unlink() if path.is_file() else path.rmdir()
        elsewhere.rmdir()
