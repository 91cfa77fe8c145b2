"""Public consultations and the project package in Chromium: axe-core (WCAG 2.1 A and AA) on
their pages in Polish and English, none wider than a 375 px phone; a visitor comments with the
keyboard-reachable form only (the honeypot is off screen and out of the tab order), without
JavaScript; the schedule's timeline is drawn without it too."""

from __future__ import annotations

import io
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
import sqlalchemy as sa
from axe_playwright_python.sync_playwright import Axe
from support.browser import PHONE, TOWN, WCAG, Live, log_in, new_page, no_horizontal_overflow, set_language

pytestmark = pytest.mark.browser
pytest_plugins = ["support.browser_fixtures"]

AXE = Axe()


@pytest.fixture(scope="module")
def made(live: Live) -> Iterator[dict[str, int]]:
    """town01's diagnosis open for comment with two comments (one answered); a key project
    with a schedule in its package. The seeded demo is put back after the module."""
    from workflow.consultation import operations as consultations
    from workflow.consultation import public
    from workflow.demo.parts import pdf_bytes
    from workflow.extensions import db
    from workflow.models import Path, PublicConsultation, User
    from workflow.path import documents
    from workflow.projects import operations as projects

    def run() -> dict[str, int]:
        town = db.session.scalar(sa.select(User).where(User.email == TOWN))
        path = db.session.scalar(sa.select(Path).where(Path.applicant_id == town.applicant_id)
                                 .order_by(Path.id))
        document = documents.store_upload(path, "diagnosis", "diagnoza-do-konsultacji.pdf",
                                          io.BytesIO(pdf_bytes("diagnoza")), town)
        now = datetime.now(UTC)
        consultation = PublicConsultation(path_id=path.id, document_id=document.id, stage="diagnosis",
                                          starts_at=now - timedelta(days=1), ends_at=now + timedelta(days=30))
        db.session.add(consultation)
        db.session.commit()
        for body, name in (("Proszę dodać dane o dojazdach do pracy.", "Anna Nowak"), ("Brak mapy.", "")):
            public.add_comment(consultation, public.CommentInput(body, name, ""))
        consultations.answer(consultation, 1, "Dodamy je w rozdziale 3.", town)
        leader = projects.members_of(path)[0]
        project = projects.create(path, projects.ProjectInput(
            "Rewitalizacja rynku", "Płyta rynku i zieleń", Decimal("4200000.00"), "zit", "", "chosen", True,
            {leader.id: (True, Decimal("4200000.00"))}), town)
        for name, start, end in (("Dokumentacja", (2027, 1), (2027, 6)), ("Roboty", (2027, 7), (2028, 9))):
            projects.add_task(project, name, date(*start, 1), date(*end, 1), town)
        return {"path": path.id, "consultation": consultation.id, "project": project.id}

    yield live.query(run)  # type: ignore[misc]
    live.snapshot.restore()


def check(page, url: str) -> list[str]:  # noqa: ANN001
    response = page.goto(url)
    if response.status >= 400:
        return [f"{url}: HTTP {response.status}"]
    problems = [f"{url}: [{v['impact']}] {v['id']}: {v['help']} – "
                + "; ".join(n["html"][:120] for n in v["nodes"][:3])
                for v in AXE.run(page, options=WCAG).response["violations"]]
    page.set_viewport_size(PHONE)
    scroll, width = no_horizontal_overflow(page)
    if scroll > width:
        problems.append(f"{url}: {scroll} px wide on a {width} px phone screen")
    page.set_viewport_size({"width": 1280, "height": 900})
    return problems


@pytest.mark.parametrize("lang", ["pl", "en"])
def test_no_wcag_violation_on_the_consultation_and_project_pages(chromium, live, made, lang):
    c, p, path = made["consultation"], made["project"], made["path"]
    page = new_page(chromium, live)
    try:
        page.goto("/login")
        set_language(page, lang)
        problems = []
        for url in ("/public/consultations/", f"/public/consultations/{c}"):
            problems += check(page, url)
        log_in(page, TOWN)
        set_language(page, lang)
        for url in (f"/paths/{path}/public-consultations", f"/public-consultations/{c}",
                    f"/public-consultations/{c}/report", f"/paths/{path}/projects", f"/projects/{p}",
                    f"/paths/{path}/projects/key"):
            problems += check(page, url)
        assert not problems, "\n" + "\n".join(problems)
    finally:
        page.context.close()


def test_a_visitor_comments_without_javascript_and_never_meets_the_honeypot(chromium, live, made):
    context = chromium.new_context(java_script_enabled=False, base_url=live.url, locale="pl-PL")
    page = context.new_page()
    try:
        page.goto(f"/public/consultations/{made['consultation']}")
        honeypot = page.locator("input[name=website]")
        box = honeypot.bounding_box()
        assert box is None or box["x"] + box["width"] <= 0, box  # off screen
        assert honeypot.get_attribute("tabindex") == "-1"
        page.locator("textarea[name=body]").focus()
        focused = []
        for _ in range(4):  # the fields after the comment, then the button: never the honeypot
            page.keyboard.press("Tab")
            focused.append(page.evaluate("document.activeElement.name || document.activeElement.textContent"))
        assert "website" not in focused and "name" in focused and "email" in focused
        page.locator("textarea[name=body]").fill("Proszę uwzględnić ścieżkę rowerową do dworca.")
        page.locator("#comment-form [type=submit]").click()
        page.wait_for_load_state()
        assert "Dziękujemy. Uwaga została przyjęta." in page.content()
    finally:
        context.close()


def test_the_schedule_timeline_is_drawn_without_javascript(chromium, live, made):
    context = chromium.new_context(java_script_enabled=False, base_url=live.url, locale="pl-PL")
    page = context.new_page()
    try:
        page.goto("/login")
        page.locator("input[name=email]").fill(TOWN)
        page.locator("input[name=password]").fill("demo")
        page.locator("main form [type=submit]").click()
        page.goto(f"/projects/{made['project']}")
        bars = page.locator("figure.schedule svg rect[height='16']")
        assert bars.count() == 2
        first, second = bars.nth(0).bounding_box(), bars.nth(1).bounding_box()
        assert first and second and second["x"] > first["x"] and second["width"] > first["width"]
        assert page.locator("figure.schedule svg").get_attribute("role") == "img"
    finally:
        context.close()
