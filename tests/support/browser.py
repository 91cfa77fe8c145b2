"""Real-browser tests: the app served over HTTP by werkzeug in a thread, driven by Debian's
Chromium through Playwright.

The served app has a database of its own (an SQLite file, or a fresh PostgreSQL database on
the server of TEST_DATABASE_URL), so the conftest's per-test emptying of the run's database
never pulls rows from under a page the browser is showing. It holds the demo, seeded with a
fixed day: the run's seeded demo (the `demo_snapshot` fixture, support/snapshot.py) put into
it once per session, and put back by a module which changes the demo for good.

Chromium missing: the tests skip on a laptop and FAIL under CI=true.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import pytest
import sqlalchemy as sa
from axe_playwright_python.sync_playwright import Axe
from flask import Flask

from support.skips import IN_CI
from support.snapshot import Snapshot
from workflow.extensions import db

CHROMIUM = "/usr/bin/chromium"
LAUNCH_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]
TODAY = date(2026, 11, 28)
PASSWORD = "demo"
PHONE = {"width": 375, "height": 812}
DESKTOP = {"width": 1280, "height": 900}
# axe-core's options for WCAG 2.1 A and AA, the level every page must meet.
WCAG = {"runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]},
        "resultTypes": ["violations"]}

# The demo's people, by role (workflow/services/demo.py).
TOWN = "town01@demo.sciezka.pl"
ADVISOR = "advisor01@demo.sciezka.pl"
COORDINATOR = "coordinator@demo.sciezka.pl"
EVALUATOR = "evaluator01@demo.sciezka.pl"


def chromium_or_skip() -> None:
    """Skip without Chromium; under CI its absence is a failure, not a skip."""
    if Path(CHROMIUM).exists():
        return
    message = f"{CHROMIUM} is missing (apt-get install chromium)"
    if IN_CI:
        pytest.fail(f"{message}: browser tests must run under CI", pytrace=False)
    pytest.skip(message)






@dataclass
class Restorer:
    """Puts the run's seeded demo (the `demo_snapshot` fixture) back into the served app."""

    snapshot: Snapshot
    app: Flask

    def restore(self) -> None:
        self.snapshot.restore(into=self.app)


@dataclass
class Live:
    """The served app and its address."""

    app: Flask
    url: str
    snapshot: Restorer | None = None  # the seeded demo, to put back (support/browser_fixtures.py seeded)

    def __call__(self, path: str) -> str:
        return self.url + path

    def query(self, fn: Callable[[], object]) -> object:
        """Run `fn` in an app context of the served app (to find ids, or set a state up)."""
        with self.app.app_context():
            try:
                return fn()
            finally:
                db.session.remove()








class Dialogs:
    """Every JavaScript dialog a page opens (alert() from injected markup would land here)."""

    def __init__(self) -> None:
        self.seen: list[str] = []

    def __call__(self, dialog) -> None:  # noqa: ANN001
        self.seen.append(dialog.message)
        dialog.dismiss()


def new_page(chromium, live: Live, viewport: dict | None = None):  # noqa: ANN001, ANN201
    """A fresh browser context (no cookies) and its page; JS dialogs are recorded on
    `page.dialogs`, answers of 500 and more on `page.server_errors`."""
    context = chromium.new_context(viewport=viewport or DESKTOP, locale="pl-PL",
                                   base_url=live.url)
    page = context.new_page()
    page.dialogs = Dialogs()
    page.server_errors = []
    page.on("dialog", page.dialogs)
    page.on("response", lambda r: r.status >= 500 and page.server_errors.append(f"{r.status} {r.url}"))
    # How long a click or a locator waits for the page, a ceiling and not a measure: `make test`
    # runs six test processes on two cores, and under such load one announcement (54 paths
    # moved, 54 messages) took 34 s in a CI run where it takes 1 s alone.
    page.set_default_timeout(60000)
    return page


def log_in(page, email: str, password: str = PASSWORD) -> None:  # noqa: ANN001
    page.goto("/login")
    page.locator("input[name=email]").fill(email)
    page.locator("input[name=password]").fill(password)
    page.locator("main form [type=submit]").click()
    page.wait_for_load_state()
    assert "/login" not in page.url, f"{email} could not log in: {page.url}"


def set_language(page, lang: str) -> None:  # noqa: ANN001
    """Use the header's switch when the page is not in `lang` already."""
    if page.locator("html").get_attribute("lang") != lang:
        page.locator("form[action$='/language'] button[type=submit]").click()
        page.wait_for_load_state()
    assert page.locator("html").get_attribute("lang") == lang


def no_horizontal_overflow(page) -> tuple[int, int]:  # noqa: ANN001
    return page.evaluate("[document.scrollingElement.scrollWidth, window.innerWidth]")


# What a page shows wrong on a narrow screen, measured in the page:
# - the document wider than the window;
# - a badge (a status pill: .badge) whose text takes more than one line;
# - a box that scrolls sideways but is neither focusable nor a named region (a keyboard or
#   screen-reader user could not reach or tell what is hidden in it).
MEASURE = """() => {
  const out = {width: document.documentElement.scrollWidth, window: window.innerWidth,
               wrapped: [], unreachable: []};
  for (const badge of document.querySelectorAll('.badge')) {
    if (!badge.getClientRects().length) continue;
    const range = document.createRange();
    range.selectNodeContents(badge);
    const tops = new Set([...range.getClientRects()].filter(r => r.width > 0)
                                                  .map(r => Math.round(r.top)));
    if (tops.size > 1) out.wrapped.push(badge.textContent.trim());
  }
  for (const box of document.querySelectorAll('body *')) {
    const style = getComputedStyle(box);
    if (!['auto', 'scroll'].includes(style.overflowX) || box.scrollWidth <= box.clientWidth + 1) continue;
    const named = box.getAttribute('role') === 'region' &&
                  (box.hasAttribute('aria-label') || box.hasAttribute('aria-labelledby'));
    if (box.tabIndex < 0 || !named)
      out.unreachable.push(box.tagName.toLowerCase() + (box.className ? '.' + box.className : ''));
  }
  return out;
}"""


def narrow_problems(page, url: str) -> list[str]:  # noqa: ANN001
    """What MEASURE finds wrong with the page shown (at `url`) at its window's width."""
    seen = page.evaluate(MEASURE)
    problems = []
    if seen["width"] > seen["window"]:
        problems.append(f"{url}: {seen['width']} px wide in a {seen['window']} px window")
    problems += [f"{url}: the badge {text!r} takes two lines" for text in seen["wrapped"]]
    problems += [f"{url}: {box} scrolls sideways but is not a focusable, named region"
                 for box in seen["unreachable"]]
    return problems


def town_path_id(live: Live, email: str = TOWN, programme: str = "RL-2020") -> int:
    from workflow.models import Path as PathRow
    from workflow.models import Programme, User

    return live.query(lambda: db.session.scalar(
        sa.select(PathRow.id).join(Programme).join(User, User.applicant_id == PathRow.applicant_id)
        .where(User.email == email, Programme.code == programme)))  # type: ignore[return-value]


@dataclass
class Reopened:
    path_id: int
    points: dict[int, int]  # the removed sheet's points by criterion id


def reopen_sheet(live: Live, email: str = EVALUATOR, declared: bool = False) -> Reopened:
    """Set the state up for scoring: one of `email`'s RL-2019 applications (one with two
    evaluators) gets its sheet and declaration removed, as if not yet evaluated. The demo has
    every RL-2019 sheet submitted already; `declared` keeps the impartiality declaration.
    Returns the path and the removed points (the same points keep the two sheets within the
    programme's allowed discrepancy, so no third evaluator is needed)."""
    from workflow.models import EvaluatorAssignment, Programme, User
    from workflow.models import Path as PathRow

    def run() -> Reopened:
        mine = db.session.scalars(
            sa.select(EvaluatorAssignment).join(PathRow).join(Programme)
            .join(User, User.id == EvaluatorAssignment.evaluator_id)
            .where(User.email == email, Programme.code == "RL-2019")
            .order_by(EvaluatorAssignment.path_id)).all()
        for assignment in mine:
            others = db.session.scalar(sa.select(sa.func.count()).select_from(EvaluatorAssignment)
                                       .where(EvaluatorAssignment.path_id == assignment.path_id))
            sheet = assignment.sheet
            if others == 2 and sheet is not None and sheet.status == "submitted":
                points = {score.criterion_id: score.points for score in sheet.scores}
                db.session.delete(sheet)
                if not declared:
                    assignment.declaration = None
                    assignment.declared_at = None
                db.session.commit()
                return Reopened(assignment.path_id, points)
        raise AssertionError(f"{email} has no RL-2019 application to reopen")

    return live.query(run)  # type: ignore[return-value]


# --- axe-core and the phone width, on a list of pages -----------------------------------------

AXE = Axe()


def report(url: str, violations: list[dict]) -> str:
    lines = []
    for v in violations:
        lines.append(f"{url}: [{v['impact']}] {v['id']}: {v['help']}")
        for node in v["nodes"][:5]:
            lines.append(f"    {' '.join(node['target'])}: {node['html'][:160]}")
            summary = node.get("failureSummary", "").replace("\n", " / ")
            lines.append(f"      {summary[:300]}")
    return "\n".join(lines)


def check_pages(page, urls: list[str]) -> list[str]:  # noqa: ANN001
    problems = []
    for url in urls:
        response = page.goto(url)
        if response.status >= 500:
            problems.append(f"{url}: HTTP {response.status}")
            continue
        results = AXE.run(page, options=WCAG)
        violations = results.response["violations"]
        if violations:
            problems.append(report(url, violations))
        page.set_viewport_size(PHONE)
        scroll, width = no_horizontal_overflow(page)
        if scroll > width:
            problems.append(f"{url}: {scroll} px wide on a {width} px phone screen")
        page.set_viewport_size({"width": 1280, "height": 900})
    return problems
