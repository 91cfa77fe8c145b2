"""axe-core (WCAG 2.1 A and AA) on every main page of every role, in Polish and English,
and each page on a 375 px wide phone without horizontal scrolling."""

from __future__ import annotations

import pytest
from support.browser import (
    ADVISOR,
    AXE,
    COORDINATOR,
    EVALUATOR,
    TOWN,
    WCAG,
    Live,
    check_pages,
    log_in,
    new_page,
    reopen_sheet,
    set_language,
    town_path_id,
)

pytest_plugins = ["support.browser_fixtures"]
pytestmark = pytest.mark.browser


def pages_of(role: str, live: Live, ids: dict[str, int]) -> list[str]:
    """The main pages of a role (public: the pages anyone may open)."""
    town, rl2019, evaluated = ids["town"], ids["rl2019"], ids["evaluated"]
    return {
        "public": ["/login", "/public/results/", "/public/", "/no-such-page", "/help", "/privacy",
                   "/api/v1/docs", "/public/partnerships/"],
        "town": ["/town/", f"/town/paths/{town}", "/town/consultations/", "/town/results/",
                 f"/town/results/{rl2019}", "/help", f"/paths/{town}/events/withdraw/confirm"],
        "advisor": ["/advisor/", f"/advisor/paths/{town}", "/advisor/consultations/",
                    f"/advisor/consultations/new?path={town}"],
        "evaluator": ["/evaluator/", f"/evaluator/applications/{evaluated}/declaration",
                      f"/evaluator/applications/{ids['declared']}",
                      f"/evaluator/applications/{ids['declared']}/sheet"],
        "coordinator": ["/coordinator/", f"/coordinator/paths/{town}", "/coordinator/advisors/",
                        "/coordinator/reports/consultations", "/coordinator/ranking/?programme=RL-2019",
                        "/coordinator/reports/partnerships", "/coordinator/reports/consultations/rates",
                        "/coordinator/evaluation/", "/coordinator/deadlines",
                        "/coordinator/privacy/?q=example.pl", "/coordinator/privacy/?q=x",
                        "/coordinator/privacy/account/1", "/coordinator/privacy/account/1/erase",
                        "/coordinator/programme-settings/?programme=RL-2019", "/coordinator/users/invite",
                        f"/coordinator/paths/{town}/deadlines/shorten",
                        # the analyst's running of the exchange groups (decision 0043)
                        "/coordinator/exchange/groups", "/coordinator/exchange/groups/1",
                        "/coordinator/monitoring/projects"],
        # the demo's first exchange group (culture, moderator01) and its meeting with minutes
        "moderator": ["/exchange/groups", "/exchange/groups/1", "/exchange/meetings/1",
                      "/exchange/groups/1/analysis?year=2018"],
        # a city of that group: its delegates' and survey's forms, its improvement plan's forms
        "city": ["/exchange/groups/1", "/exchange/meetings/1", "/town/exchange/groups/1/plan"],
    }[role]


LOGINS = {"public": None, "town": TOWN, "advisor": ADVISOR, "evaluator": EVALUATOR,
          "coordinator": COORDINATOR, "moderator": "moderator01@demo.sciezka.pl",
          "city": "city01@demo.sciezka.pl"}


@pytest.fixture(scope="module")
def ids(live: Live) -> dict[str, int]:
    return {"town": town_path_id(live), "rl2019": town_path_id(live, programme="RL-2019"),
            "evaluated": reopen_sheet(live).path_id,
            "declared": reopen_sheet(live, declared=True).path_id}


@pytest.mark.parametrize("lang", ["pl", "en"])
@pytest.mark.parametrize("role", ["public", "town", "advisor", "evaluator", "coordinator", "moderator",
                                  "city"])
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
