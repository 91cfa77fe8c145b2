"""Files and rows agree (docs/decisions/0021-files-and-rows-agree.md): an upload is written to
the temporary folder, its row commits, then it moves into the store; `documents check`
finds each kind of disagreement and `--repair` removes the debris without ever deleting a
row. The unit tests run on SQLite and on PostgreSQL (TEST_DATABASE_URL); the slow test at
the end kills a real gunicorn worker in the middle of uploads."""

from __future__ import annotations

import hashlib
import http.client
import io
import json
import os
import re
import signal
import subprocess  # nosec B404  (flask, with fixed arguments)
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from http.cookies import SimpleCookie
from pathlib import Path as FsPath
from urllib.parse import urlencode

import pytest
import sqlalchemy as sa
from factories.accounts import PASSWORD
from factories.path import PDF, docx
from flask import Flask
from support.gunicorn import ROOT, Server

from workflow.extensions import db, send_task
from workflow.models import AuditEvent, CheckSource, Document, DocumentCheck, Path
from workflow.path import documents, store_check
from workflow.path.store_check import Kind

HOURS_AGO_2 = 2 * 60 * 60


@pytest.fixture
def store(app: Flask, monkeypatch: pytest.MonkeyPatch, tmp_path: FsPath) -> FsPath:
    """A store and a temporary folder of this test's own (the session's app shares one)."""
    monkeypatch.setitem(app.config, "UPLOAD_DIR", str(tmp_path / "uploads"))
    monkeypatch.setitem(app.config, "UPLOAD_TMP_DIR", str(tmp_path / "uploads-incoming"))
    return tmp_path / "uploads"


def upload(world, content: bytes = PDF, name: str = "diagnoza.pdf", *,  # noqa: ANN001
           same_file_ok: bool = False) -> Document:
    return documents.store_upload(world.path("a"), "diagnosis", name, io.BytesIO(content),
                                  world.user("town_a"), same_file_ok=same_file_ok)


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
    assert document.content_hash == hashlib.sha256(PDF).hexdigest()
    assert hashlib.sha256(stored.read_bytes()).hexdigest() == document.content_hash
    assert list(documents.incoming_dir().iterdir()) == []
    assert not documents.incoming_dir().is_relative_to(store)  # the temporary folder is outside

    report = store_check.run(repair_debris=False, source=CheckSource.COMMAND)
    assert report.ok and report.exit_code == 0 and report.findings == []
    assert report.counts()["store_files"] == 1 and report.counts()["document_rows"] == 1


def test_the_same_content_twice_is_one_file_for_two_rows(world, store):
    # the town says it knows it is the same file (documents: "unchanged")
    first, second = upload(world), upload(world, name="diagnoza-kopia.pdf", same_file_ok=True)
    assert first.content_hash == second.content_hash
    assert [p for p in store.rglob("*") if p.is_file()] == [documents.stored_path(first.content_hash)]
    assert store_check.run(repair_debris=False, source=CheckSource.COMMAND).ok


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

    report = store_check.run(repair_debris=False, source=CheckSource.COMMAND)
    assert kinds(report) == {Kind.ORPHAN: 2}
    assert {f.file for f in report.of(Kind.ORPHAN)} == {str(orphan), str(stray)}
    assert report.exit_code == 1 and not report.ok
    assert orphan.exists()  # without --repair nothing changes

    repaired = store_check.run(repair_debris=True, source=CheckSource.COMMAND)
    assert repaired.counts()["removed"] == 2 and repaired.ok and repaired.exit_code == 0
    assert not orphan.exists() and not stray.exists()
    assert not orphan.parent.exists()  # its now empty folders went with it
    assert documents.stored_path(kept.content_hash).read_bytes() == PDF
    assert store_check.run(repair_debris=False, source=CheckSource.COMMAND).findings == []


def test_a_row_without_its_file_is_reported_for_a_person_and_kept(world, store):
    document = upload(world)
    documents.stored_path(document.content_hash).unlink()

    for repair in (False, True):
        report = store_check.run(repair_debris=repair, source=CheckSource.COMMAND)
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
        report = store_check.run(repair_debris=repair, source=CheckSource.COMMAND)
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

    report = store_check.run(repair_debris=False, source=CheckSource.COMMAND)
    assert kinds(report) == {Kind.OLD_TEMP: 1, Kind.FRESH_TEMP: 1}
    assert report.of(Kind.OLD_TEMP)[0].file == str(old)
    assert report.counts()["problems"] == 1 and report.exit_code == 1

    repaired = store_check.run(repair_debris=True, source=CheckSource.COMMAND)
    assert repaired.ok and repaired.counts()["removed"] == 1
    assert not old.exists() and fresh.exists()
    again = store_check.run(repair_debris=False, source=CheckSource.COMMAND)
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

    report = store_check.run(repair_debris=False, source=CheckSource.COMMAND)
    assert kinds(report) == {Kind.PENDING: 1} and report.exit_code == 1

    repaired = store_check.run(repair_debris=True, source=CheckSource.COMMAND)
    assert repaired.ok and repaired.counts()["moved_in"] == 1
    assert documents.stored_path(document.content_hash).read_bytes() == PDF
    assert not incoming.path.exists()
    assert store_check.run(repair_debris=False, source=CheckSource.COMMAND).findings == []
    repairs = sa.select(AuditEvent).where(AuditEvent.action == "document_store_repaired")
    assert len(db.session.scalars(repairs).all()) == 1


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
        assert [(c.source, c.repaired, c.ok) for c in checks] == [
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
    assert last is not None and last.source == "beat" and last.repaired and last.ok
    assert last.counts["removed"] == 1 and last.counts["document_rows"] == 0
    assert not old.exists()


def test_the_beat_task_loads_no_view():
    """The worker reaches the check through operations, never through a blueprint."""
    probe = ("import sys, worker.tasks; "
             "print(sorted(m for m in sys.modules if m.startswith(('forms', 'workflow')) and '.views' in m "
             "or m == 'forms'))")
    loaded = subprocess.run([sys.executable, "-c", probe], cwd=ROOT, capture_output=True, text=True,  # noqa: S603
                            timeout=120, check=True)
    assert loaded.stdout.strip() == "[]", loaded.stdout


def test_the_coordinators_overview_shows_the_last_check(app, world, store, login):
    coordinator = login("coordinator@example.pl")
    html = coordinator.get("/coordinator/").get_data(as_text=True)
    assert "Sprawdzenie plików dokumentów jeszcze się nie odbyło" in html

    document = upload(world)
    store_check.run(repair_debris=True, source=CheckSource.BEAT)
    html = coordinator.get("/coordinator/").get_data(as_text=True)
    assert "Pliki dokumentów" in html and "Wszystko w porządku." in html
    assert "pliki w magazynie: 1, dokumenty w bazie: 1" in html

    documents.stored_path(document.content_hash).unlink()
    store_check.run(repair_debris=True, source=CheckSource.BEAT)
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
        report = store_check.run(repair_debris=True, source=CheckSource.COMMAND)
        assert kinds(report) == {Kind.SETUP: 1} and report.exit_code == 2
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Document)) == 0
    finally:
        for path in sorted(elsewhere.rglob("*"), reverse=True):
            path.unlink() if path.is_file() else path.rmdir()
        elsewhere.rmdir()


# --- a real server, its worker killed mid-upload ------------------------------------------------

FLASK = str(FsPath(sys.executable).parent / "flask")
CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


def big_pdf(label: bytes, megabytes: int) -> bytes:
    """A PDF of about `megabytes` MB (the bytes after %%EOF are a comment to a reader)."""
    return PDF.replace(b"test document", label) + b"\n%" + os.urandom(megabytes * 512 * 1024).hex().encode()


def documents_check(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    """`flask --app wsgi documents check ARGS` in a process of its own, with the server's settings."""
    return subprocess.run([FLASK, "--app", "wsgi", "documents", "check", *args],  # noqa: S603
                          cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)


class Town:
    """A town's member over plain HTTP (http.client, its own cookie): logs in, uploads,
    downloads, or starts an upload and stops halfway."""

    def __init__(self, url: str, path_id: int) -> None:
        self.host, self.path_id = url.removeprefix("http://"), path_id
        self.cookies: dict[str, str] = {}
        self.token = self.token_on("/login")
        form = urlencode({"csrf_token": self.token, "email": "town-a@example.pl", "password": PASSWORD})
        status, page = self.request("POST", "/login", form.encode(), "application/x-www-form-urlencoded")
        assert status == 302, page[:500]
        self.token = self.token_on(f"/town/paths/{path_id}")

    def headers(self, content_type: str | None = None) -> dict[str, str]:
        headers = {"Cookie": "; ".join(f"{k}={v}" for k, v in self.cookies.items())} if self.cookies else {}
        return headers | ({"Content-Type": content_type} if content_type else {})

    def request(self, method: str, target: str, body: bytes | None = None,
                content_type: str | None = None) -> tuple[int, bytes]:
        conn = http.client.HTTPConnection(self.host, timeout=120)
        try:
            conn.request(method, target, body=body, headers=self.headers(content_type))
            response = conn.getresponse()
            data = response.read()
            for header in response.headers.get_all("Set-Cookie") or []:
                self.cookies.update({name: morsel.value for name, morsel in SimpleCookie(header).items()})
            return response.status, data
        finally:
            conn.close()

    def token_on(self, target: str) -> str:
        match = CSRF.search(self.request("GET", target)[1].decode())
        assert match, f"no form on {target}"
        return match.group(1)

    def form(self, name: str, content: bytes) -> tuple[bytes, str]:
        """The upload form's multipart body, and its content type."""
        boundary = "sciezka-" + os.urandom(8).hex()
        head = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"csrf_token\"\r\n\r\n"
                f"{self.token}\r\n--{boundary}\r\nContent-Disposition: form-data; name=\"document\"; "
                f"filename=\"{name}\"\r\nContent-Type: application/octet-stream\r\n\r\n")
        return (head.encode() + content + f"\r\n--{boundary}--\r\n".encode(),
                f"multipart/form-data; boundary={boundary}")

    def upload(self, name: str, content: bytes) -> int:
        body, content_type = self.form(name, content)
        return self.request("POST", f"/town/paths/{self.path_id}/documents", body, content_type)[0]

    def half_upload(self, content: bytes) -> http.client.HTTPConnection:
        """Start an upload and send only the first half of its body."""
        body, content_type = self.form("duzy.pdf", content)
        conn = http.client.HTTPConnection(self.host, timeout=30)
        conn.putrequest("POST", f"/town/paths/{self.path_id}/documents")
        for key, value in self.headers(content_type).items():
            conn.putheader(key, value)
        conn.putheader("Content-Length", str(len(body)))
        conn.endheaders()
        conn.send(body[: len(body) // 2])
        return conn


@contextmanager
def inserts_blocked(database_url: str) -> Iterator[None]:
    """Hold a lock that makes an INSERT into `document` wait (reads still pass)."""
    sqlite = database_url.startswith("sqlite")
    engine = sa.create_engine(database_url, poolclass=sa.pool.NullPool,
                              isolation_level="AUTOCOMMIT" if sqlite else "READ COMMITTED")
    with engine.connect() as conn:
        if sqlite:
            conn.exec_driver_sql("BEGIN IMMEDIATE")  # the write lock; the worker waits up to 5 s
        else:
            conn.execute(sa.text("LOCK TABLE document IN SHARE MODE"))
        try:
            yield
        finally:
            conn.exec_driver_sql("ROLLBACK") if sqlite else conn.rollback()
    engine.dispose()


def files_in(folder: FsPath) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


@pytest.mark.slow
def test_a_worker_killed_mid_upload_leaves_debris_that_repair_clears(app, world, store, database_url,
                                                                     tmp_path):
    if database_url.startswith("sqlite:///:memory:"):
        pytest.skip("the server needs a database file it can open")
    incoming = documents.incoming_dir()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("MAIL_", "REDIS", "CELERY", "UPLOAD"))}
    env.update({"APP_ENV": "testing", "SECRET_KEY": os.urandom(32).hex(), "DATABASE_URL": database_url,
                "INSTANCE_PATH": str(tmp_path / "instance"), "UPLOAD_DIR": str(store),
                "UPLOAD_TMP_DIR": str(incoming), "UPLOAD_MAX_MB": "8"})
    server = Server(env, tmp_path)
    try:
        first_worker = server.worker()
        town = Town(server.url, world.paths["a"].id)

        # Complete uploads, before any trouble.
        kept = {"plan.pdf": big_pdf(b"plan", 3), "diagnoza.docx": docx()}
        for name, content in kept.items():
            assert town.upload(name, content) == 302
        before = files_in(store)
        assert sorted(before.values()) == sorted(kept.values())

        # 1. Killed while the body is still arriving: nothing of ours was written yet.
        conn = town.half_upload(big_pdf(b"half", 6))
        time.sleep(0.5)
        os.kill(first_worker, signal.SIGKILL)
        conn.close()
        second_worker = server.worker(killed=(first_worker,))
        assert files_in(store) == before and files_in(incoming) == {}

        # 2. Killed after the file was written and before its row committed (the INSERT
        # waits for a lock this test holds): a whole temporary file, and no row.
        doomed = big_pdf(b"doomed", 4)
        errors: list[BaseException] = []

        def send() -> None:
            try:
                town.upload("wniosek.pdf", doomed)
            except (OSError, http.client.HTTPException) as exc:  # the connection dies with the worker
                errors.append(exc)

        with inserts_blocked(database_url):
            sender = threading.Thread(target=send)
            sender.start()
            end = time.monotonic() + 30
            while not any(len(b) == len(doomed) for b in files_in(incoming).values()):
                assert time.monotonic() < end, "the upload never reached the temporary folder"
                time.sleep(0.02)
            os.kill(second_worker, signal.SIGKILL)
            sender.join(30)
        assert errors, "the upload should have died with its worker"
        assert list(files_in(incoming).values()) == [doomed]
        assert files_in(store) == before
        with app.app_context():
            assert db.session.scalar(sa.select(sa.func.count()).select_from(Document)) == 2
        server.worker(killed=(first_worker, second_worker))  # the master started a third

        # The check sees the debris: left alone within the hour, reported after it.
        now = documents_check(env)
        assert now.returncode == 0, now.stdout + now.stderr
        assert "świeży plik tymczasowy (pominięty) / fresh temporary file (left alone): 1" in now.stdout
        later = (datetime.now(UTC) + timedelta(hours=2)).isoformat()
        found = documents_check(env, "--now", later)
        assert found.returncode == 1, found.stdout + found.stderr
        assert "stary plik tymczasowy / old temporary file: 1" in found.stdout
        assert "plik bez wiersza / file with no row: 0" in found.stdout
        assert "wiersz bez pliku / row with no file: 0" in found.stdout

        repaired = documents_check(env, "--repair", "--json", "--now", later)
        assert repaired.returncode == 0, repaired.stdout + repaired.stderr
        assert json.loads(repaired.stdout)["counts"]["removed"] == 1
        again = documents_check(env, "--now", later)
        assert again.returncode == 0 and "problemy / problems: 0" in again.stdout, again.stdout

        # The complete uploads are untouched, and the restarted worker serves them.
        assert files_in(store) == before and files_in(incoming) == {}
        with app.app_context():
            rows = db.session.scalars(sa.select(Document).order_by(Document.id)).all()
            assert [r.original_name for r in rows] == list(kept)
            for row in rows:
                assert town.request("GET", f"/documents/{row.id}") == (200, kept[row.original_name])
    finally:
        server.stop()
