"""Lists that scale, in Chromium (docs/decisions/0026): typing in a list's search box or
choosing a filter changes the list without a click, focus stays where the person types, the
address follows; the participant picker filters its checkboxes. At 1280 px and 375 px, with
axe (WCAG 2.1 AA) on the changed page; and without JavaScript the same forms still work."""

from __future__ import annotations

import re

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import expect
from support.browser import ADVISOR, COORDINATOR, DESKTOP, PHONE, Live, log_in, new_page, town_path_id

pytest_plugins = ["support.browser_fixtures"]
pytestmark = pytest.mark.browser

WCAG = {"runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]},
        "resultTypes": ["violations"]}
VIEWPORTS = {"desktop": DESKTOP, "phone": PHONE}


def axe_violations(page) -> list[str]:  # noqa: ANN001
    found = Axe().run(page, options=WCAG).response["violations"]
    return [f"{v['id']}: {[n['target'] for n in v['nodes'][:3]]}" for v in found]


def towns_shown(page) -> list[str]:  # noqa: ANN001
    return page.locator("[data-listing-results=towns] tbody tr td:first-child").all_inner_texts()


@pytest.mark.parametrize("size", list(VIEWPORTS))
def test_typing_filters_the_towns_without_a_click(chromium, live: Live, size: str):
    page = new_page(chromium, live, VIEWPORTS[size])
    log_in(page, COORDINATOR)
    page.goto("/coordinator/?programme=RL-2020")
    assert len(towns_shown(page)) == 25
    assert page.locator("[data-listing-status=towns]").inner_text().startswith("Pokazano 1–25 z ")
    box = page.get_by_label("Szukaj", exact=True)
    rows = page.locator("[data-listing-results=towns] tbody tr")
    box.press_sequentially("szczec", delay=40)
    expect(rows).to_have_count(1)
    assert towns_shown(page) == ["Szczecinek"]
    assert page.locator("[data-listing-status=towns]").inner_text().startswith("Pokazano 1–1 z 1")
    assert "q=szczec" in page.url  # the address follows, so the list can be bookmarked
    assert page.evaluate("document.activeElement.id") == "towns-q"  # still typing there
    assert page.evaluate("document.activeElement.value") == "szczec"
    # A filter applies as it is chosen; the search stays.
    box.fill("")
    expect(rows).to_have_count(25)
    page.select_option("#f-voiv", "wielkopolskie")
    page.wait_for_url(re.compile(r"voivodeship=wielkopolskie"))
    expect(page.locator("[data-listing-results=towns][aria-busy]")).to_have_count(0)
    voivodeships = page.locator("[data-listing-results=towns] tbody tr td:nth-child(2)").all_inner_texts()
    assert voivodeships and set(voivodeships) == {"wielkopolskie"}
    # Sorting is a link: the header says how the column is sorted.
    page.locator("[data-listing-results=towns] th a.sort", has_text="Miasto").click()
    page.wait_for_load_state()
    assert page.locator("th[aria-sort=descending]").count() == 1
    shown = towns_shown(page)
    assert shown == sorted(shown, key=_polish, reverse=True)
    assert axe_violations(page) == []
    width, viewport = page.evaluate("[document.scrollingElement.scrollWidth, window.innerWidth]")
    assert width <= viewport, f"{size}: the page is {width} px wide in a {viewport} px window"
    assert not page.server_errors
    page.context.close()


def _polish(text: str) -> tuple[int, ...]:
    from workflow.text import polish_key

    return polish_key(text)


@pytest.mark.parametrize("size", list(VIEWPORTS))
def test_the_participant_picker_filters_its_checkboxes(chromium, live: Live, size: str):
    page = new_page(chromium, live, VIEWPORTS[size])
    log_in(page, ADVISOR)
    page.goto(f"/advisor/consultations/new?path={town_path_id(live)}")
    items = page.locator("#participants-choices li")
    total = items.count()
    assert total > 5
    first = items.nth(0)
    first.locator("input").check()
    name = items.nth(total - 1).inner_text().split(" – ")[0].split(" (")[0]
    page.get_by_label("Szukaj na liście").press_sequentially(name.split()[-1][:5], delay=30)
    visible = page.locator("#participants-choices li:not([hidden])")
    assert 2 <= visible.count() < total  # the matches, and the one already ticked
    assert first.is_visible() and first.locator("input").is_checked()
    assert name in " ".join(visible.all_inner_texts())
    assert "Pokazano" in page.locator("#participants-filter-status").inner_text()
    page.get_by_label("Szukaj na liście").press("Enter")  # filters; does not send the form
    assert "/new" in page.url and page.locator("#participants-choices").is_visible()
    assert axe_violations(page) == []
    width, viewport = page.evaluate("[document.scrollingElement.scrollWidth, window.innerWidth]")
    assert width <= viewport
    page.context.close()


def test_without_javascript_the_forms_still_work(chromium, live: Live):
    context = chromium.new_context(viewport=DESKTOP, locale="pl-PL", base_url=live.url,
                                   java_script_enabled=False)
    page = context.new_page()
    log_in(page, COORDINATOR)
    page.goto("/coordinator/users/")
    page.get_by_label("Szukaj", exact=True).fill("advisor01@")
    page.locator("form[data-listing-form=users] button[type=submit]").click()
    page.wait_for_load_state()
    assert "q=advisor01" in page.url
    assert page.locator("[data-listing-results=users] tbody tr").count() == 1
    page.goto(f"/advisor/consultations/new?path={town_path_id(live)}")
    context.close()
    context = chromium.new_context(viewport=DESKTOP, locale="pl-PL", base_url=live.url,
                                   java_script_enabled=False)
    page = context.new_page()
    log_in(page, ADVISOR)
    page.goto(f"/advisor/consultations/new?path={town_path_id(live)}")
    assert page.locator("[data-choice-filter]").is_hidden()  # no search box that cannot work
    assert page.locator("#participants-choices li:visible").count() == \
        page.locator("#participants-choices li").count()  # every person listed
    context.close()
