"""axe-core (WCAG 2.1 A and AA) on every main page of every role, in Polish and English,
and each page on a 375 px wide phone without horizontal scrolling."""

from __future__ import annotations

import pytest
from axe_playwright_python.sync_playwright import Axe
from support.browser import (
    ADVISOR,
    COORDINATOR,
    EVALUATOR,
    PHONE,
    TOWN,
    WCAG,
    Live,
    log_in,
    new_page,
    no_horizontal_overflow,
    reopen_sheet,
    set_language,
    town_path_id,
)

pytest_plugins = ["support.browser_fixtures"]
pytestmark = pytest.mark.browser

AXE = Axe()


def pages_of(role: str, live: Live, ids: dict[str, int]) -> list[str]:
    """The main pages of a role (public: the pages anyone may open)."""
    town, rl2019, evaluated = ids["town"], ids["rl2019"], ids["evaluated"]
    return {
        "public": ["/login", "/public/results/", "/public/", "/no-such-page", "/help", "/privacy"],
        "town": ["/town/", f"/town/paths/{town}", "/town/consultations/", "/town/results/",
                 f"/town/results/{rl2019}", "/help", f"/paths/{town}/events/withdraw/confirm"],
        "advisor": ["/advisor/", f"/advisor/paths/{town}", "/advisor/consultations/",
                    f"/advisor/consultations/new?path={town}"],
        "evaluator": ["/evaluator/", f"/evaluator/applications/{evaluated}/declaration",
                      f"/evaluator/applications/{ids['declared']}",
                      f"/evaluator/applications/{ids['declared']}/sheet"],
        "coordinator": ["/coordinator/", f"/coordinator/paths/{town}", "/coordinator/advisors/",
                        "/coordinator/reports/consultations", "/coordinator/ranking/?programme=RL-2019",
                        "/coordinator/evaluation/", "/coordinator/deadlines",
                        "/coordinator/privacy/?q=example.pl", "/coordinator/privacy/?q=x",
                        "/coordinator/privacy/account/1", "/coordinator/privacy/account/1/erase",
                        "/coordinator/programme-settings/?programme=RL-2019", "/coordinator/users/invite",
                        f"/coordinator/paths/{town}/deadlines/shorten"],
    }[role]


LOGINS = {"public": None, "town": TOWN, "advisor": ADVISOR, "evaluator": EVALUATOR,
          "coordinator": COORDINATOR}


@pytest.fixture(scope="module")
def ids(live: Live) -> dict[str, int]:
    return {"town": town_path_id(live), "rl2019": town_path_id(live, programme="RL-2019"),
            "evaluated": reopen_sheet(live).path_id,
            "declared": reopen_sheet(live, declared=True).path_id}


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


@pytest.mark.parametrize("lang", ["pl", "en"])
@pytest.mark.parametrize("role", ["public", "town", "advisor", "evaluator", "coordinator"])
def test_no_wcag_violation_on_the_main_pages(chromium, live, ids, role, lang):
    page = new_page(chromium, live)
    try:
        if LOGINS[role]:
            log_in(page, LOGINS[role])
        else:
            page.goto("/login")
        set_language(page, lang)
        urls = pages_of(role, live, ids)
        problems = check_pages(page, urls)
        assert page.locator("html").get_attribute("lang") == lang
        assert not problems, "\n" + "\n".join(problems)
    finally:
        page.context.close()


def test_the_check_finds_a_known_violation(chromium):
    """The checker is live: a page with an unlabelled field and an image without alt fails."""
    page = chromium.new_page()
    try:
        page.set_content('<html lang="pl"><body><main><img src="data:,"><input name="q"></main></body>')
        found = {v["id"] for v in AXE.run(page, options=WCAG).response["violations"]}
        assert {"image-alt", "label"} <= found, found
    finally:
        page.close()
