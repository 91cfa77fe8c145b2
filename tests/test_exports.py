"""Prepared exports: the services log written to a file by the export task, with its
progress on a page and as JSON, the same bytes as the direct download, and nobody else's
to see. Also the ranking page's progress while a run is queued. (Without REDIS_URL the
task runs in-process, so a job is done by the time its page opens.)"""

from __future__ import annotations

import io
import re

import pytest
from factories.services_log import build_log, generate
from openpyxl import load_workbook
from sqlalchemy import event, select
from support.celery_worker import wait_until
from support.smtp import free_port

import config
import worker
from workflow.exports import jobs as exports
from workflow.extensions import db
from workflow.models import ExportJob, RankingSnapshot, User
from workflow.ranking import runs as ranking_runs

URL = "/coordinator/reports/consultations"


@pytest.fixture
def log(world):
    return build_log(world, generate(120))


def raw(browser, url: str):  # noqa: ANN001, ANN201
    with browser.app.app_context():
        return browser.client.get(url)


def logged_services() -> int:
    return int(db.session.execute(db.text("SELECT count(*) FROM service WHERE status = 'logged'")).scalar())


def coordinator_of() -> User:
    return db.session.scalar(select(User).where(User.email == "coordinator@example.pl"))


def prepare(browser, fmt: str, query: str = "") -> int:  # noqa: ANN001
    page = browser.get(f"{URL}?{query}").get_data(as_text=True)
    assert f"/coordinator/reports/consultations/log.{fmt}/prepare" in page  # the button is on the report
    response = browser.post(f"{URL}/log.{fmt}/prepare?{query}")
    assert response.status_code == 302
    match = re.search(r"/coordinator/exports/(\d+)$", response.headers["Location"])
    assert match, response.headers["Location"]
    return int(match.group(1))


def test_prepared_csv_is_the_direct_download_with_its_progress_at_the_total(log, login):
    coordinator = login("coordinator@example.pl")
    total = logged_services()
    assert total > 0
    job_id = prepare(coordinator, "csv")

    page = coordinator.get(f"/coordinator/exports/{job_id}").get_data(as_text=True)
    assert "gotowy" in page
    assert f"{total} z {total} wierszy" in page
    assert f'max="{total}" value="{total}"' in page
    state = raw(coordinator, f"/coordinator/exports/{job_id}.json").get_json()
    assert state["status"] == "done" and state["finished"] is True
    assert state["done"] == state["total"] == total

    prepared = raw(coordinator, f"/coordinator/exports/{job_id}/file")
    assert prepared.status_code == 200
    assert prepared.headers["Content-Disposition"].startswith("attachment;")
    assert re.search(r'filename="?uslugi-\d{4}-\d{2}-\d{2}\.csv', prepared.headers["Content-Disposition"])
    direct = raw(coordinator, f"{URL}/log.csv")
    assert prepared.data == direct.data
    assert prepared.data.decode("utf-8-sig").count("\r\n") == total + 1  # the header and every service


def test_prepared_xlsx_with_filters_has_the_direct_downloads_cells(log, login):
    coordinator = login("coordinator@example.pl")
    query = f"kind=workshop&programme={log.programme.code}"
    job_id = prepare(coordinator, "xlsx", query)
    prepared = raw(coordinator, f"/coordinator/exports/{job_id}/file")
    direct = raw(coordinator, f"{URL}/log.xlsx?{query}")

    def cells(data: bytes) -> list[tuple]:
        return list(load_workbook(io.BytesIO(data), read_only=True).active.iter_rows(values_only=True))

    assert prepared.status_code == 200
    rows = cells(prepared.data)
    assert rows == cells(direct.data)
    assert 1 < len(rows) < logged_services() + 1  # the filter applied: workshops only
    assert all(row[4] == "warsztat szkoleniowy" for row in rows[1:])


def test_progress_is_saved_every_n_rows_while_the_file_is_written(log):
    user = coordinator_of()
    job = exports.queue(log.programme, user, "csv", "log", exports.Filters(), "pl")
    seen: list[int] = []

    def watch(conn, cursor, statement, parameters, context, executemany):  # noqa: ANN001, ARG001
        if statement.lstrip().upper().startswith("UPDATE EXPORT_JOB") and "progress_done" in statement:
            values = parameters.values() if isinstance(parameters, dict) else parameters
            seen.append(next(v for v in values if isinstance(v, int) and v != job.id))

    total = logged_services()
    event.listen(db.engine, "before_cursor_execute", watch)
    try:
        exports.run(job, every=25)
    finally:
        event.remove(db.engine, "before_cursor_execute", watch)
    db.session.expire_all()
    job = db.session.get(ExportJob, job.id)
    assert job.status == "done"
    assert job.progress_done == job.progress_total == total
    assert seen[: total // 25] == [25 * n for n in range(1, total // 25 + 1)]
    assert exports.file_path(job).is_file()
    assert exports.run(job).status == "done"  # delivered twice: the second delivery changes nothing


@pytest.mark.parametrize("email", ["town-a@example.pl", "advisor-a@example.pl", "evaluator@example.pl"])
def test_someone_elses_export_is_a_404(log, login, email):
    coordinator = login("coordinator@example.pl")
    job_id = prepare(coordinator, "csv")
    other = login(email)
    for url in (f"/coordinator/exports/{job_id}", f"/coordinator/exports/{job_id}.json",
                f"/coordinator/exports/{job_id}/file"):
        assert raw(other, url).status_code == 404, url
    assert other.post(f"{URL}/log.csv/prepare").status_code == 404


def test_anonymous_is_sent_to_log_in_and_unknown_job_is_a_404(app, log, login):
    response = app.test_client().get("/coordinator/exports/1")
    assert response.status_code == 302 and "/login" in response.headers["Location"]
    assert raw(login("coordinator@example.pl"), "/coordinator/exports/999").status_code == 404


def test_bad_filters_are_a_400_and_queue_nothing(log, login):
    coordinator = login("coordinator@example.pl")
    coordinator.get(URL)
    response = coordinator.post(f"{URL}/log.csv/prepare?date_from=2020-13-45")
    assert response.status_code == 400
    assert "Podaj datę w formacie RRRR-MM-DD" in response.get_data(as_text=True)
    assert db.session.scalar(select(ExportJob)) is None


def test_a_job_still_running_shows_a_progress_bar_polled_by_a_static_script(log, login):
    job = exports.queue(log.programme, coordinator_of(), "csv", "log", exports.Filters(), "pl")
    job.status, job.progress_done, job.progress_total = "running", 1200, 2700
    db.session.commit()
    coordinator = login("coordinator@example.pl")
    page = coordinator.get(f"/coordinator/exports/{job.id}").get_data(as_text=True)
    assert "1200 z 2700 wierszy" in page
    assert '<progress aria-labelledby="progress-h" max="2700" value="1200">' in page
    assert f'data-progress-url="/coordinator/exports/{job.id}.json"' in page
    assert "/static/progress.js" in page and "Odśwież" in page
    assert "<script>" not in page and "http-equiv" not in page and "style=" not in page
    assert raw(coordinator, f"/coordinator/exports/{job.id}/file").status_code == 404  # not ready yet
    state = raw(coordinator, f"/coordinator/exports/{job.id}.json").get_json()
    assert state == {**state, "status": "running", "finished": False, "done": 1200, "total": 2700,
                     "text": "1200 z 2700 wierszy"}
    script = raw(coordinator, "/static/progress.js")
    assert script.status_code == 200 and b"data-progress-url" in script.data


def test_a_queued_ranking_run_shows_its_progress(world, login):
    snap = ranking_runs.queue_run(world.programme, world.users["coordinator"], None, "preview")
    coordinator = login("coordinator@example.pl")
    page = coordinator.get(f"/coordinator/ranking/{snap.id}").get_data(as_text=True)
    assert f'data-progress-url="/coordinator/ranking/{snap.id}.json"' in page
    assert "<progress" in page and "/static/progress.js" in page
    state = raw(coordinator, f"/coordinator/ranking/{snap.id}.json").get_json()
    assert state["status"] == "queued" and state["finished"] is False
    ranking_runs.mark_failed(db.session.get(RankingSnapshot, snap.id))
    assert raw(coordinator, f"/coordinator/ranking/{snap.id}.json").get_json()["finished"] is True
    assert raw(login("advisor-a@example.pl"), f"/coordinator/ranking/{snap.id}.json").status_code == 404


# --- with a real worker on Redis ------------------------------------------------------------------

@pytest.mark.slow  # a real Celery worker
def test_a_real_worker_writes_the_file_the_web_then_sends(log, login, faults, app):
    """The web queues, a `celery -A worker worker` process on Redis writes the file into the
    shared EXPORT_DIR and the row; the web shows the job done and sends that file."""
    env = faults(smtp_port=free_port())
    env["EXPORT_DIR"] = app.config["EXPORT_DIR"]
    faults.start(env, "exports")
    job_id = exports.queue(log.programme, coordinator_of(), "csv", "log", exports.Filters(), "pl").id
    total = logged_services()
    db.session.commit()  # no read transaction left open: on SQLite the worker must write

    broker = worker.make_celery(config.load({"APP_ENV": "testing", **{
        k: env[k] for k in ("SECRET_KEY", "REDIS_URL", "CELERY_QUEUE", "REDIS_KEY_PREFIX")}}))
    broker.send_task("exports.run", args=[job_id])
    broker.close()

    def finished() -> bool:
        db.session.expire_all()
        status = db.session.get(ExportJob, job_id).status
        db.session.commit()
        return status in ("done", "failed")

    wait_until(finished, timeout=60, what="the export job")
    job = db.session.get(ExportJob, job_id)
    assert (job.status, job.progress_done, job.progress_total) == ("done", total, total)
    db.session.commit()
    coordinator = login("coordinator@example.pl")
    page = coordinator.get(f"/coordinator/exports/{job_id}").get_data(as_text=True)
    assert f"{total} z {total} wierszy" in page
    assert (raw(coordinator, f"/coordinator/exports/{job_id}/file").data
            == raw(coordinator, f"{URL}/log.csv").data)
