"""In Chromium: a prepared export's page follows the job's progress by itself (the static
progress.js polling the JSON), and shows the download once the file is ready; the calendar
and export pages pass axe (WCAG 2.1 AA). The job's row is moved by the test, as a worker
would move it, so the page is watched mid-run."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from axe_playwright_python.sync_playwright import Axe
from support.browser import COORDINATOR, TOWN, WCAG, Live, log_in, new_page

from workflow.exports import jobs as exports
from workflow.extensions import db
from workflow.models import ExportJob, Programme, User

pytest_plugins = ["support.browser_fixtures"]
pytestmark = pytest.mark.browser



def running_job(live: Live) -> int:
    def make() -> int:
        user = db.session.scalar(sa.select(User).where(User.email == COORDINATOR))
        programme = db.session.scalar(sa.select(Programme).where(Programme.code == "RL-2020"))
        job = exports.queue(programme, user, "csv", "log", exports.Filters(), "pl")
        job.status, job.progress_done, job.progress_total = "running", 1200, 2700
        db.session.commit()
        return job.id

    return live.query(make)  # type: ignore[return-value]


def move(live: Live, job_id: int, **values: object) -> None:
    def update() -> None:
        job = db.session.get(ExportJob, job_id)
        for name, value in values.items():
            setattr(job, name, value)
        if values.get("status") == "done":
            path = exports.file_path(job)
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text("\ufeffdata\r\n", encoding="utf-8")
            job.file_name = "uslugi-2026-11-28.csv"
        db.session.commit()

    live.query(update)


def test_the_export_page_follows_the_job_and_offers_the_file(chromium, live):
    job_id = running_job(live)
    page = new_page(chromium, live)
    errors: list[str] = []
    page.on("console", lambda m: m.type == "error" and "Failed to load resource" not in m.text
            and errors.append(m.text))
    page.on("response", lambda r: r.status >= 400 and "favicon" not in r.url
            and errors.append(f"{r.status} {r.url}"))
    try:
        log_in(page, COORDINATOR)
        page.goto(f"/coordinator/exports/{job_id}")
        bar = page.locator("progress")
        assert bar.get_attribute("value") == "1200" and bar.get_attribute("max") == "2700"
        text = page.locator("[data-progress-text]")
        assert text.inner_text() == "1200 z 2700 wierszy"

        move(live, job_id, progress_done=2000)
        page.locator("[data-progress-text]", has_text="2000 z 2700 wierszy").wait_for()
        assert page.evaluate("document.querySelector('progress').value") == 2000

        move(live, job_id, status="done", progress_done=2700)
        page.get_by_role("heading", name="Plik jest gotowy").wait_for()
        link = page.get_by_role("link", name="Pobierz uslugi-2026-11-28.csv")
        with page.expect_download() as download:
            link.click()
        assert download.value.suggested_filename == "uslugi-2026-11-28.csv"
        violations = Axe().run(page, options=WCAG).response["violations"]
        assert not violations, violations
        assert not errors, errors
        assert not page.server_errors
    finally:
        page.context.close()


def test_the_running_export_and_the_calendar_pages_pass_axe(chromium, live):
    job_id = running_job(live)
    page = new_page(chromium, live)
    try:
        log_in(page, COORDINATOR)
        page.goto(f"/coordinator/exports/{job_id}")
        assert not Axe().run(page, options=WCAG).response["violations"]
        page.context.close()

        page = new_page(chromium, live)
        log_in(page, TOWN)
        page.goto("/town/calendar")
        page.get_by_role("button", name="Utwórz link do kalendarza").click()
        page.get_by_text("nie pokażemy go ponownie").wait_for()
        assert "/calendar/" in page.locator("#feed-url").input_value()
        violations = Axe().run(page, options=WCAG).response["violations"]
        assert not violations, violations
    finally:
        page.context.close()
