"""Every role of the demo on a 375 × 740 phone: each role's main pages (the routes of the
authorization matrix, tests/support/authz.py, that a role reaches without changing anything)
are no wider than the screen, no badge wraps inside itself, every box that scrolls sideways
(a wide table) can be reached with the keyboard and is named, and axe-core finds nothing
against WCAG 2.1 A and AA. One browser, one context per role, every page once."""

from __future__ import annotations

import re

import pytest
import sqlalchemy as sa
from support.browser import (
    ADVISOR,
    AXE,
    COORDINATOR,
    EVALUATOR,
    MEASURE,
    TOWN,
    WCAG,
    Live,
    log_in,
    narrow_problems,
    new_page,
    report,
    town_path_id,
)

from workflow.extensions import db

pytest_plugins = ["support.browser_fixtures"]
pytestmark = [pytest.mark.browser, pytest.mark.slow]

NARROW = {"width": 375, "height": 740}
GROUP = "kultura-2020-1"  # the demo's first culture group: moderator01, city01 … (a meeting with minutes)
MODERATOR = "moderator01@demo.sciezka.pl"
CITY, DELEGATE = "city01@demo.sciezka.pl", "city01-2@demo.sciezka.pl"  # a city of that group, its delegate

# Measured here, but axe runs on them in test_browser_axe.py only (at 1280 px): the API
# reference's 60 tables and the services report's tables take axe 20 s each on a loaded machine.
# The layout rule axe would add at 375 px (a scrolling box reachable by keyboard) MEASURE checks.
AXE_ELSEWHERE = {"/api/v1/docs", "/coordinator/reports/consultations"}


def first_link(page, pattern: str) -> str:  # noqa: ANN001
    """The first link in <main> of the page shown whose address matches `pattern`."""
    for href in page.locator("main a[href]").evaluate_all("links => links.map(a => a.getAttribute('href'))"):
        if re.fullmatch(pattern, href.split("?")[0].split("#")[0]):
            return href
    raise AssertionError(f"{page.url}: no link to {pattern}")


@pytest.fixture(scope="module")
def ids(live: Live) -> dict[str, int]:
    from workflow.models import ExchangeGroup, ExchangeMeeting, Project, User
    from workflow.models import Path as PathRow

    def found() -> dict[str, int]:
        group = db.session.scalar(sa.select(ExchangeGroup.id).where(ExchangeGroup.code == GROUP))
        project = db.session.scalars(sa.select(Project).order_by(Project.id)).first()
        path = db.session.get(PathRow, project.path_id)
        member = db.session.scalar(sa.select(User.email).where(
            User.applicant_id == path.applicant_id, User.email.like("%-%")).order_by(User.email))
        return {"group": group, "project": project.id, "cwd": path.id, "member": member,
                "meeting": db.session.scalar(sa.select(ExchangeMeeting.id).where(
                    ExchangeMeeting.group_id == group, ExchangeMeeting.minutes_hash.is_not(None)))}

    out = live.query(found)
    out["town"] = town_path_id(live)
    out["rl2019"] = town_path_id(live, programme="RL-2019")
    return out  # type: ignore[return-value]


def pages_of(ids: dict) -> dict[str, tuple[str | None, list]]:
    """Each role's login and main pages; an entry (list page, pattern) stands for the first
    link of the list page to a page of the pattern (a detail page whose id the demo chose)."""
    town, group, cwd = ids["town"], ids["group"], ids["cwd"]
    return {
        "public": (None, [
            "/login", "/password/forgot", "/help", "/accessibility", "/privacy",
            "/public/", "/public/results/", "/public/partnerships/", "/public/consultations/",
            ("/public/consultations/", r"/public/consultations/\d+"), "/indicators/", "/indicators/units/",
            "/indicators/groups/", "/api/v1/docs", "/help/guide", "/no-such-page"]),
        "town": (TOWN, [
            "/town/", f"/town/paths/{town}", f"/paths/{town}/diagnosis", "/town/consultations/",
            "/town/results/", f"/town/results/{ids['rl2019']}", "/town/calendar", "/inbox/",
            "/inbox/settings", "/account/password", "/account/two-factor",
            f"/paths/{town}/events/withdraw/confirm"]),
        "advisor": (ADVISOR, [
            "/advisor/", f"/advisor/paths/{town}", "/advisor/consultations/",
            ("/advisor/consultations/", r"/advisor/consultations/\d+"),
            f"/advisor/consultations/new?path={town}"]),
        "evaluator": (EVALUATOR, [
            "/evaluator/", ("/evaluator/", r"/evaluator/applications/\d+(/\w+)?")]),
        # the coordinator is also the monitoring's analyst (decision 0043)
        "coordinator": (COORDINATOR, [
            "/coordinator/", f"/coordinator/paths/{town}", "/coordinator/advisors/",
            f"/coordinator/advisors/paths/{town}",
            ("/coordinator/advisors/", r"/coordinator/advisors/\d+/profile"),
            "/coordinator/reports/consultations", "/coordinator/reports/consultations/rates",
            "/coordinator/reports/partnerships", "/coordinator/evaluation/",
            "/coordinator/evaluation/evaluators", f"/coordinator/evaluation/applications/{ids['rl2019']}",
            "/coordinator/criteria/", "/coordinator/ranking/?programme=RL-2019", "/coordinator/appeals/",
            "/coordinator/deadlines", "/coordinator/programme-settings/?programme=RL-2019",
            "/coordinator/users/", "/coordinator/users/invite", "/coordinator/messages/",
            "/coordinator/outbox", "/coordinator/audit/", "/coordinator/privacy/?q=example.pl",
            "/coordinator/diagram", "/coordinator/questionnaires",
            ("/coordinator/questionnaires", r"/coordinator/questionnaires/\d+"),
            "/coordinator/exchange/groups", f"/coordinator/exchange/groups/{group}",
            f"/exchange/groups/{group}/plans", "/coordinator/monitoring/projects"]),
        "moderator": (MODERATOR, [
            "/exchange/groups", f"/exchange/groups/{group}", f"/exchange/meetings/{ids['meeting']}",
            f"/exchange/groups/{group}/analysis?year=2018", f"/exchange/groups/{group}/plans"]),
        # a city of the monitoring, and one of its delegates
        "city": (CITY, [
            "/town/", "/town/questionnaires", ("/town/questionnaires", r"/town/questionnaires/\d+"),
            "/exchange/groups", f"/exchange/groups/{group}", f"/exchange/groups/{group}/plans",
            f"/town/exchange/groups/{group}/plan"]),
        "delegate": (DELEGATE, [f"/exchange/groups/{group}", f"/exchange/meetings/{ids['meeting']}"]),
        # a member municipality's person of a CWD partnership with a project package
        "member": (ids["member"], [
            "/town/", f"/town/paths/{cwd}", f"/partnerships/paths/{cwd}", f"/paths/{cwd}/projects",
            f"/projects/{ids['project']}", f"/projects/{ids['project']}/indicators",
            f"/paths/{cwd}/public-consultations"]),
    }


def check(page, url: str) -> list[str]:  # noqa: ANN001
    response = page.goto(url)
    if response.status >= 500:
        return [f"{url}: HTTP {response.status}"]
    problems = narrow_problems(page, url)
    if url in AXE_ELSEWHERE:
        return problems
    violations = AXE.run(page, options=WCAG).response["violations"]
    if violations:
        problems.append(report(url, violations))
    return problems


@pytest.mark.parametrize("role", ["public", "town", "advisor", "evaluator", "coordinator", "moderator",
                                  "city", "delegate", "member"])
def test_every_main_page_of_the_role_fits_a_phone(chromium, live, ids, role):
    email, urls = pages_of(ids)[role]
    page = new_page(chromium, live, NARROW)
    try:
        if email:
            log_in(page, email)
        problems, checked = [], 0
        for url in urls:
            if isinstance(url, tuple):
                page.goto(url[0])
                url = first_link(page, url[1])
            problems += check(page, url)
            checked += 1
        assert checked == len(urls)
        assert not page.server_errors, page.server_errors
        assert not problems, "\n" + "\n".join(problems)
    finally:
        page.context.close()


def test_the_measure_finds_a_wrapped_badge_and_a_page_too_wide(chromium):
    """The measure is live: a badge squeezed into a narrow cell, a table wider than the
    window and a scrolling box without a name are each reported."""
    page = chromium.new_page(viewport=NARROW)
    try:
        page.set_content(
            '<style>.badge{display:inline-block}</style><main>'
            '<table><tr><td style="width:3em"><strong class="badge">brak nowych danych</strong></td>'
            '<td><div style="width:600px">x</div></td></tr></table>'
            '<div style="overflow-x:auto"><div style="width:900px">y</div></div></main>')
        seen = page.evaluate(MEASURE)
        assert seen["width"] > seen["window"] == 375
        assert seen["wrapped"] == ["brak nowych danych"]
        assert seen["unreachable"] == ["div"]
    finally:
        page.close()
