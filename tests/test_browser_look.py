"""Issue 13's layout measured in Chromium, at 1280 px and at 375 px: every radio button and
checkbox on the same line as its label; no page of the main journeys wider than the window
after a 300-character unbroken string was typed into every text field (and saved where the
form allows); the coordinator's phone menu collapsed behind one button; axe on the new pages."""

from __future__ import annotations

import pytest
from axe_playwright_python.sync_playwright import Axe
from support.browser import (
    ADVISOR,
    COORDINATOR,
    DESKTOP,
    EVALUATOR,
    PHONE,
    TOWN,
    WCAG,
    Live,
    log_in,
    new_page,
    no_horizontal_overflow,
    reopen_sheet,
    town_path_id,
)

pytest_plugins = ["support.browser_fixtures"]
pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("pristine")]

LONG = "https://example.pl/" + "x" * 281  # 300 characters, not one place to break
VIEWPORTS = {"desktop": DESKTOP, "phone": PHONE}

# For each radio button and checkbox shown in <main>: is the first line of its label's text
# beside it (vertical centres within half a line, the text to its right)?
CONTROLS_BESIDE_LABELS = """() => {
  const out = [];
  for (const input of document.querySelectorAll('main input[type=radio], main input[type=checkbox]')) {
    const box = input.getBoundingClientRect();
    if (!box.width || !input.labels || !input.labels.length) continue;
    const range = document.createRange();
    range.selectNodeContents(input.labels[0]);
    const text = [...range.getClientRects()].find(r => r.width > 1 && r.height > 1 &&
        !(Math.abs(r.left - box.left) < 1 && Math.abs(r.top - box.top) < 1));
    if (!text) continue;
    const dy = Math.abs((box.top + box.bottom) / 2 - (text.top + text.bottom) / 2);
    out.push({name: input.name + '=' + input.value, dy: Math.round(dy), line: Math.round(text.height),
              right: text.left >= box.right - 1});
  }
  return out;
}"""


def overflow(page, url: str) -> str | None:  # noqa: ANN001
    """None, or what is wrong: the page wider than its window."""
    response = page.goto(url)
    assert response.status < 500, f"{url}: HTTP {response.status}"
    width, window = no_horizontal_overflow(page)
    return None if width <= window else f"{url}: {width} px wide in a {window} px window"


def typed_town(typed: list[tuple[str, str]]) -> str:
    return next(url for email, url in typed if url.startswith("/town/paths/")).rsplit("/", 1)[1]


def fill_texts(form) -> int:  # noqa: ANN001
    """Type LONG into every visible text box and text area of `form`; how many."""
    boxes = form.locator("input[type=text]:visible, input:not([type]):visible, textarea:visible")
    for i in range(boxes.count()):
        boxes.nth(i).fill(LONG)
    return boxes.count()


@pytest.fixture(scope="module")
def ids(live: Live) -> dict[str, int]:
    return {"town": town_path_id(live), "declared": reopen_sheet(live, declared=True).path_id}


@pytest.fixture(scope="module")
def typed(live: Live, chromium, ids) -> list[tuple[str, str]]:  # noqa: ANN001
    """The journey's text fields filled with LONG, through the pages; returns (login, url) of
    every page that shows what was typed. Pages re-shown with an error count too."""
    town, sheet = ids["town"], ids["declared"]
    shown: list[tuple[str, str]] = []
    page = new_page(chromium, live)
    # The town: a document with a long name, submitted with a long comment.
    log_in(page, TOWN)
    page.goto(f"/town/paths/{town}")
    page.locator("form[enctype='multipart/form-data'] input[type=file]").set_input_files(
        {"name": "x" * 180 + ".pdf", "mimeType": "application/pdf", "buffer": b"%PDF-1.4\n%%EOF\n"})
    page.locator("form[enctype='multipart/form-data'] [type=submit]").click()
    page.wait_for_load_state()
    submit = page.locator("form#transition-submit_diagnosis")
    assert fill_texts(submit) == 1
    submit.locator("button[type=submit]").click()
    page.wait_for_load_state()
    shown += [(TOWN, "/town/"), (TOWN, f"/town/paths/{town}")]
    page.context.close()
    # The advisor: the diagnosis returned with a long reason; a service logged with long texts.
    page = new_page(chromium, live)
    log_in(page, ADVISOR)
    page.goto(f"/advisor/paths/{town}")
    back = page.locator("form#decision")  # one comment box for either decision
    assert fill_texts(back) == 1
    back.locator("[formaction$='/events/return_diagnosis']").click()
    page.wait_for_load_state()
    page.goto(f"/advisor/consultations/new?path={town}")
    form = page.locator("main form").filter(has=page.locator("textarea")).first
    fill_texts(form)
    form.locator("[name=save_draft]").click()
    page.wait_for_load_state()
    shown += [(ADVISOR, f"/advisor/paths/{town}"), (ADVISOR, "/advisor/consultations/"),
              (ADVISOR, page.url.replace(live.url, ""))]
    page.context.close()
    # The evaluator: every justification of a sheet, saved as a draft.
    page = new_page(chromium, live)
    log_in(page, EVALUATOR)
    page.goto(f"/evaluator/applications/{sheet}/sheet")
    form = page.locator("main form").filter(has=page.locator("textarea")).first
    assert fill_texts(form) >= 2
    form.locator("[name=save_draft]").click()
    page.wait_for_load_state()
    shown += [(EVALUATOR, f"/evaluator/applications/{sheet}/sheet"), (EVALUATOR, "/evaluator/")]
    page.context.close()
    shown += [(COORDINATOR, f"/coordinator/paths/{town}"), (COORDINATOR, "/coordinator/"),
              (COORDINATOR, "/coordinator/outbox"), (COORDINATOR, "/coordinator/audit/")]
    return shown


@pytest.mark.parametrize("size", VIEWPORTS)
def test_no_page_of_the_journeys_is_wider_than_the_window_with_long_unbroken_text(live, chromium, typed,
                                                                                 size):
    problems, pages = [], {}
    for email, url in typed:
        if email not in pages:
            pages[email] = new_page(chromium, live, VIEWPORTS[size])
            log_in(pages[email], email)
        problem = overflow(pages[email], url)
        if problem:
            problems.append(f"{email} {problem}")
    town = pages[TOWN]
    town.goto(f"/town/paths/{typed_town(typed)}")
    assert LONG in town.content()  # what was typed is on the page
    for page in pages.values():
        page.context.close()
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("size", VIEWPORTS)
def test_every_radio_button_and_checkbox_is_on_the_line_of_its_label(live, chromium, ids, size):
    town = ids["town"]
    checks = {EVALUATOR: [f"/evaluator/applications/{ids['declared']}/declaration"],
              ADVISOR: [f"/advisor/consultations/new?path={town}", "/inbox/settings"],
              COORDINATOR: ["/coordinator/ranking/?programme=RL-2019"]}
    problems, measured = [], 0
    for email, urls in checks.items():
        page = new_page(chromium, live, VIEWPORTS[size])
        log_in(page, email)
        for url in urls:
            page.goto(url)
            for c in page.evaluate(CONTROLS_BESIDE_LABELS):
                measured += 1
                if c["dy"] > max(c["line"], 20) / 2 or not c["right"]:
                    problems.append(f"{url} {c}")
        page.context.close()
    assert measured >= 10
    assert not problems, "\n".join(problems)


def test_the_coordinators_phone_menu_is_one_button_that_opens_the_links(live, chromium):
    page = new_page(chromium, live, PHONE)
    log_in(page, COORDINATOR)
    page.goto("/coordinator/")
    summary = page.locator("details.menu > summary")
    links = page.locator("details.menu .nav a")
    assert summary.is_visible() and not links.first.is_visible()
    header = page.locator("header").bounding_box()
    assert header["height"] < 250, header  # was 550 px with the 14 links open
    summary.click()
    assert links.first.is_visible() and summary.get_attribute("aria-expanded") in (None, "true")
    assert page.evaluate("document.querySelector('details.menu').open")
    results = Axe().run(page, options=WCAG).response["violations"]
    assert not results, results
    page.context.close()
    wide = new_page(chromium, live, DESKTOP)
    log_in(wide, COORDINATOR)
    wide.goto("/coordinator/")
    assert not wide.locator("details.menu > summary").is_visible()
    assert wide.locator("details.menu .nav a").first.is_visible()
    wide.context.close()


def test_the_new_public_pages_pass_axe_and_fit_a_phone(live, chromium):
    page = new_page(chromium, live, PHONE)
    for url in ("/accessibility", "/public/results/", "/public/?programme=RL-2019"):
        assert overflow(page, url) is None
        violations = Axe().run(page, options=WCAG).response["violations"]
        assert not violations, (url, violations)
    page.context.close()
