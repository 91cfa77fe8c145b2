"""The whole programme in a real browser, on the demo: a town submits its diagnosis, its
advisor signs it off and logs a workshop, an evaluator scores an application, the
coordinator previews, approves and announces the RL-2019 ranking, the town sees its result,
in English too. The login is done with the keyboard only, the skip link first."""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest
from support.browser import (
    ADVISOR,
    COORDINATOR,
    EVALUATOR,
    TOWN,
    log_in,
    new_page,
    reopen_sheet,
    set_language,
    town_path_id,
)

from workflow.demo.parts import pdf_bytes

pytest_plugins = ["support.browser_fixtures"]
pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("pristine")]

JUSTIFICATION = "Diagnoza jest rzetelna, oparta na danych GUS i badaniu ankietowym mieszkańców."


def focused(page) -> str:  # noqa: ANN001
    return page.evaluate("(() => { const e = document.activeElement;"
                         " return (e.id || e.name || e.className || e.tagName); })()")


def reload_until(page, selector: str, seconds: int = 90):  # noqa: ANN001, ANN201
    """Long work (a ranking) runs in the background: reload, as a person would, until done."""
    for _ in range(seconds):
        if page.locator(selector).count():
            return page.locator(selector).first
        page.wait_for_timeout(1000)
        page.reload()
    text = page.locator('main').inner_text()[:800]
    raise AssertionError(f"{selector} did not appear on {page.url}: {text}")


def flash(page) -> str:  # noqa: ANN001
    """The page's flash messages, once the page a click led to has loaded (count() itself
    does not wait, and under load the new URL can come before its document)."""
    page.wait_for_load_state()
    return page.locator(".flashes").inner_text() if page.locator(".flashes").count() else ""


def test_keyboard_only_login_starts_at_the_skip_link(chromium, live):
    page = new_page(chromium, live)
    page.goto("/login")
    page.keyboard.press("Tab")
    assert focused(page) == "skip-link"
    assert page.locator(".skip-link").is_visible()  # shown when focused
    outline = page.evaluate("getComputedStyle(document.activeElement).outlineStyle")
    assert outline != "none"  # a visible focus ring
    page.keyboard.press("Enter")
    assert focused(page) == "main"
    for _ in range(30):  # on to the e-mail field, by Tab alone
        page.keyboard.press("Tab")
        if focused(page) == "email":
            break
    assert focused(page) == "email"
    page.keyboard.type(TOWN)
    page.keyboard.press("Tab")
    assert focused(page) == "password"
    page.keyboard.type("demo")
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"/town/"))
    assert "Zalogowano." in flash(page)
    assert not page.server_errors
    page.context.close()


def test_from_diagnosis_to_announced_result(chromium, live):
    path_id = town_path_id(live)
    rl2019 = town_path_id(live, programme="RL-2019")
    reopened = reopen_sheet(live)
    scored = reopened.path_id

    # The town uploads and submits its diagnosis.
    town = new_page(chromium, live)
    log_in(town, TOWN)
    town.goto(f"/town/paths/{path_id}")
    assert town.locator("[aria-current=step]").inner_text().startswith("Diagnoza")
    assert "Przygotuj i złóż diagnozę" in town.locator("#now-h + p").inner_text()
    town.set_input_files("input[name=document]", files=[{
        "name": "diagnoza.pdf", "mimeType": "application/pdf", "buffer": pdf_bytes("Diagnoza")}])
    town.locator("input[name=document]").locator("xpath=ancestor::form").locator("[type=submit]").click()
    assert "diagnoza.pdf" in town.locator("main").inner_text()
    town.locator("form[action$='/events/submit_diagnosis'] button").click()
    assert "Złożono diagnozę – czeka na doradcę" in town.locator("#now-h + p").inner_text()

    # Its advisor signs it off, then logs a workshop.
    advisor = new_page(chromium, live)
    log_in(advisor, ADVISOR)
    waiting = advisor.locator("section[aria-labelledby=waiting-h]")
    waiting.get_by_role("link", name="Dąbrowa Tarnowska").click()
    advisor.locator("#decision button[formaction$='/events/accept_diagnosis']").click()
    assert "Przygotowanie PRL" in advisor.locator("main").inner_text()
    advisor.goto(f"/advisor/consultations/new?path={path_id}")
    advisor.check("input[name=kind][value=workshop]")
    advisor.fill("[name=held_on]", (date.today() - timedelta(days=1)).isoformat())
    advisor.fill("[name=duration]", "180")
    advisor.select_option("select[name=field_id]", index=1)
    advisor.fill("[name=topic]", "Warsztat: budżet zadaniowy miasta")
    advisor.check("input[name=format][value=on_site]")
    advisor.fill("[name=new_people]", "\n".join(
        f"Uczestniczka {i:02d}; Urząd Miejski w Dąbrowie Tarnowskiej" for i in range(1, 13)))
    advisor.click("[name=log]")
    assert "/advisor/consultations/new" not in advisor.url, advisor.locator("main").inner_text()[:1500]
    assert flash(advisor)

    # An evaluator declares impartiality and scores an RL-2019 application.
    evaluator = new_page(chromium, live)
    log_in(evaluator, EVALUATOR)
    evaluator.locator(f"a[href$='/evaluator/applications/{scored}/declaration']").click()
    evaluator.check("input[name=declaration][value=impartial]")
    evaluator.locator("main form [type=submit]").click()
    evaluator.goto(f"/evaluator/applications/{scored}/sheet")
    for criterion, points in reopened.points.items():
        evaluator.fill(f"[name=points_{criterion}]", str(points))
    for text in evaluator.locator("textarea[name^=justification_]").all():
        text.fill(JUSTIFICATION)
    evaluator.check("input[name=confirm]")
    evaluator.click("[name=submit_sheet]")
    assert "/sheet" not in evaluator.url, evaluator.locator("main").inner_text()[:1500]
    evaluator.goto("/evaluator/")
    row = evaluator.locator("tr", has=evaluator.locator(f"a[href$='/applications/{scored}']"))
    assert "złożona" in row.inner_text()

    # The coordinator previews, approves and announces the ranking.
    coordinator = new_page(chromium, live)
    log_in(coordinator, COORDINATOR)
    coordinator.goto("/coordinator/ranking/?programme=RL-2019")
    coordinator.fill("input[name=cap]", "15")
    coordinator.fill("input[name=budget]", "450000000")
    coordinator.fill("input[name=threshold]", "60")
    coordinator.select_option("select[name=policy]", "strict")
    coordinator.locator("form[action*='/ranking/run'] [type=submit]").click()
    coordinator.wait_for_url(re.compile(r"/coordinator/ranking/\d+$"), timeout=90000)
    reload_until(coordinator, "form[action$='/approve'] [type=submit]").click()
    assert "Dąbrowa Tarnowska" in coordinator.locator("main").inner_text()
    reload_until(coordinator, "a[href$='/announce']").click()
    coordinator.check("input[name=confirm]")
    coordinator.locator("form[action$='/announce'] [type=submit]").click()
    assert flash(coordinator)

    # The town sees its outcome, then switches to English.
    town.goto(f"/town/paths/{rl2019}")
    town.locator(f"a[href$='/town/results/{rl2019}']").first.click()
    result = town.locator("main").inner_text()
    assert "Oceniający 1" in result and "Oceniający 2" in result
    set_language(town, "en")
    assert town.locator("html").get_attribute("lang") == "en"
    assert town.get_by_role("button", name="Log out").is_visible()
    assert town.get_by_role("link", name="Skip to content").count() == 1
    assert town.get_by_role("button", name="Polski").is_visible()
    town.goto(f"/town/paths/{path_id}")
    assert town.locator("html").get_attribute("lang") == "en"  # remembered for the user
    for page in (town, advisor, evaluator, coordinator):
        assert not page.server_errors and not page.dialogs.seen
        page.context.close()
