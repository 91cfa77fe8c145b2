"""The user guide's screenshots: each role's landing page in Polish and English, the
coordinator's settings and invitation screens, and the indicator base's public pages (only
with SCREENSHOTS=1: they load the whole BDL extract, and test_browser_indicators.py checks
those pages).

`SCREENSHOTS=1 .venv/bin/pytest tests/test_browser_screenshots.py` (or `make screenshots`)
writes docs/screenshots/<role>-<lang>.png from a freshly seeded demo. Without the variable
the test still opens and checks every page, and writes nothing."""

from __future__ import annotations

import os
from pathlib import Path

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

pytest_plugins = ["support.browser_fixtures"]
pytestmark = pytest.mark.browser

OUT = Path(__file__).resolve().parent.parent / "docs" / "screenshots"
WRITE = os.environ.get("SCREENSHOTS", "") not in ("", "0")
SIZE = {"width": 1280, "height": 860}
PEOPLE = {"town": TOWN, "advisor": ADVISOR, "evaluator": EVALUATOR, "coordinator": COORDINATOR}
# What each landing page must say first: its heading, and the section that tells what to do.
LANDING = {"town": ("/town/paths/{town}", "#now-h"), "advisor": ("/advisor/", "#waiting-h"),
           "evaluator": ("/evaluator/", "#todo-h"), "coordinator": ("/coordinator/", "#attention-h")}


@pytest.fixture(scope="module")
def demo(live):  # noqa: ANN001, ANN201
    if WRITE:  # the guide shows the demo as seeded, whatever ran before, with work to do
        live.snapshot.restore()
        reopen_sheet(live)
        reopen_sheet(live, declared=True)
    return live


@pytest.mark.parametrize("lang", ["pl", "en"])
@pytest.mark.parametrize("role", list(PEOPLE))
def test_landing_page_of_each_role(chromium, demo, role, lang):
    page = new_page(chromium, demo, SIZE)
    try:
        log_in(page, PEOPLE[role])
        set_language(page, lang)
        url, says = LANDING[role]
        response = page.goto(url.format(town=town_path_id(demo)))
        assert response.status == 200
        assert page.locator("html").get_attribute("lang") == lang
        assert page.locator("main h1").is_visible()
        assert page.locator(says).is_visible(), f"{role}: the landing page does not say what to do next"
        assert not page.server_errors and not page.dialogs.seen
        if WRITE:
            OUT.mkdir(parents=True, exist_ok=True)
            page.screenshot(path=str(OUT / f"{role}-{lang}.png"))
    finally:
        page.context.close()


# The coordinator's screens of issue 13 the guide shows: the programme's settings (RL-2019, its
# ranking approved, so the locked fields show) and the invitation of a new person.
SCREENS = {"coordinator-settings": "/coordinator/programme-settings/?programme=RL-2019",
           "coordinator-invite": "/coordinator/users/invite"}


@pytest.mark.parametrize("lang", ["pl", "en"])
@pytest.mark.parametrize("name", list(SCREENS))
def test_screens_of_the_coordinator(chromium, demo, name, lang):
    page = new_page(chromium, demo, SIZE)
    try:
        log_in(page, COORDINATOR)
        set_language(page, lang)
        response = page.goto(SCREENS[name])
        assert response.status == 200
        assert page.locator("main h1").is_visible() and page.locator("main form").first.is_visible()
        assert not page.server_errors and not page.dialogs.seen
        if WRITE:
            OUT.mkdir(parents=True, exist_ok=True)
            page.screenshot(path=str(OUT / f"{name}-{lang}.png"))
    finally:
        page.context.close()


# The partnerships' screens of issue 14: the leader's partnership page (cwd01, Dąbrowa Tarnowska
# and six gminas), the coordinator's partnerships report and the public list of partnerships.
PARTNERSHIP_SCREENS = {
    "partnership": ("cwd01@demo.sciezka.pl", "/partnerships/paths/{cwd01}", "main h1"),
    "coordinator-partnerships": (COORDINATOR, "/coordinator/reports/partnerships", "#by-voivodeship"),
    "public-partnerships": (None, "/public/partnerships/", "#partnerships"),
}


@pytest.mark.parametrize("lang", ["pl", "en"])
@pytest.mark.parametrize("name", list(PARTNERSHIP_SCREENS))
def test_screens_of_the_partnerships(chromium, demo, name, lang):
    email, url, shows = PARTNERSHIP_SCREENS[name]
    page = new_page(chromium, demo, SIZE)
    try:
        if email:
            log_in(page, email)
        else:
            page.goto("/public/partnerships/")
        set_language(page, lang)
        response = page.goto(url.format(cwd01=town_path_id(demo, "cwd01@demo.sciezka.pl", "CWD-2020")))
        assert response.status == 200
        assert page.locator("main h1").is_visible() and page.locator(shows).first.is_visible()
        assert not page.server_errors and not page.dialogs.seen
        if WRITE:
            OUT.mkdir(parents=True, exist_ok=True)
            page.screenshot(path=str(OUT / f"{name}-{lang}.png"))
    finally:
        page.context.close()


# The indicator base's public pages (issue 15): an indicator over every gmina with its figures
# and map, a gmina's profile and the most similar gminas, on the whole BDL extract.
LONG = Path(__file__).resolve().parent.parent / "data" / "bdl" / "bdl_gminy_2010-2019_long_compact.csv"
INDICATOR_SCREENS = {
    "indicator": ("/indicators/dochody_wlasne_na_mieszkanca?year=2019", "#summary-h"),
    "indicator-profile": ("/indicators/units/1204023?year=2019", None),
    "indicator-similar": ("/indicators/groups/similar?anchor=1204023&year=2019"
                          "&w-dochody_wlasne_na_mieszkanca=2&w-gestosc_zaludnienia=1"
                          "&w-udzial_podatku_rolnego=1", "#result-h"),
}


def load_base() -> None:
    from workflow.monitoring import definitions, groups, importer, units

    units.load()
    definitions.load()
    importer.import_file(LONG)
    groups.ensure_standard()


@pytest.fixture(scope="module")
def indicator_base(demo):  # noqa: ANN001, ANN201
    demo.query(load_base)
    yield demo
    demo.snapshot.restore()


@pytest.mark.parametrize("lang", ["pl", "en"])
@pytest.mark.parametrize("name", list(INDICATOR_SCREENS))
def test_screens_of_the_indicator_base(chromium, request, name, lang):
    if not WRITE:  # test_browser_indicators.py checks these pages (axe, a phone, the map)
        pytest.skip("writes the guide's screenshots of the indicator base only with SCREENSHOTS=1")
    live = request.getfixturevalue("indicator_base")
    page = new_page(chromium, live, SIZE)
    try:
        page.goto("/indicators/")
        set_language(page, lang)
        url, scroll_to = INDICATOR_SCREENS[name]
        response = page.goto(url)
        assert response.status == 200
        assert page.locator("main h1").is_visible()
        assert not page.server_errors and not page.dialogs.seen
        if scroll_to:  # the figures under the form
            page.locator(scroll_to).evaluate("heading => heading.scrollIntoView()")
        OUT.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(OUT / f"{name}-{lang}.png"))
    finally:
        page.context.close()


# The public-services monitoring's screens of issue 16 (the guide's part for cities, moderators
# and analysts), on the demo with the indicator base loaded (the group's analysis and the plans'
# progress divide by the BDL population; a fixture of its own, the demo as seeded). Before the
# screens the analyst accepts the culture questionnaires of 2019 and publishes that year (so the
# culture plans' targets are judged), and the coordinator announces RL-2019's ranking (so the
# awarded projects' result indicators are followed). Education and social policy 2019 stay in
# review, with their warnings and the returned value.
CULTURE_GROUP = "kultura-2020-1"


@pytest.fixture(scope="module")
def monitoring(demo):  # noqa: ANN001, ANN201
    import sqlalchemy as sa

    from workflow.extensions import db
    from workflow.models import (
        AnswerReview,
        ExchangeGroup,
        ExchangeMeeting,
        MonitoringArea,
        Programme,
        Questionnaire,
        QuestionnaireStatus,
        TerritorialUnit,
        User,
    )
    from workflow.monitoring import exchange
    from workflow.monitoring import questionnaire as qn
    from workflow.ranking import runs

    def prepare() -> dict[str, int]:
        analyst = db.session.scalar(sa.select(User).where(User.email == COORDINATOR))
        culture = MonitoringArea.CULTURE_RECREATION
        for q in db.session.scalars(sa.select(Questionnaire).where(
                Questionnaire.year == 2019, Questionnaire.area == culture,
                Questionnaire.status == QuestionnaireStatus.SUBMITTED)).all():
            for a in [a for a in q.answers if a.review == AnswerReview.PENDING]:
                qn.review(q, a.variable_id, True, "", analyst)
        db.session.commit()
        qn.publish(2019, culture, analyst)
        exchange.publish_surveys(2019, culture)  # as the publish route does
        db.session.commit()
        programme = db.session.scalar(sa.select(Programme).where(Programme.code == "RL-2019"))
        official = runs.approve(runs.run(programme, analyst), analyst)
        runs.announce(official, analyst)
        db.session.commit()
        group = db.session.scalar(sa.select(ExchangeGroup).where(ExchangeGroup.code == CULTURE_GROUP))
        held = db.session.scalar(sa.select(ExchangeMeeting.id).where(
            ExchangeMeeting.group_id == group.id, ExchangeMeeting.minutes_hash.is_not(None)))

        def questionnaire(city: str, area: MonitoringArea) -> int:
            return db.session.scalar(sa.select(Questionnaire.id).join(
                TerritorialUnit, TerritorialUnit.id == Questionnaire.unit_id).where(
                TerritorialUnit.name == city, Questionnaire.year == 2019, Questionnaire.area == area))

        return {"group": group.id, "meeting": held,
                "returned": questionnaire("Cieszyn", MonitoringArea.SOCIAL_POLICY),  # city05
                "warned": questionnaire("Częstochowa", MonitoringArea.EDUCATION)}  # city07

    demo.snapshot.restore()  # the demo as seeded (RL-2019's sheets all submitted), with the base
    demo.query(load_base)
    yield demo, demo.query(prepare)
    demo.snapshot.restore()


# name: (who, address, the element scrolled to the top, or None)
MONITORING_SCREENS = {
    "monitoring-questionnaire": ("city05@demo.sciezka.pl", "/town/questionnaires/{returned}", ".warning"),
    "monitoring-review": (COORDINATOR, "/coordinator/questionnaires/{warned}", ".warning"),
    "monitoring-publish": (COORDINATOR, "/coordinator/questionnaires", None),
    "exchange-group": ("moderator01@demo.sciezka.pl", "/exchange/groups/{group}", None),
    "exchange-meeting": ("moderator01@demo.sciezka.pl", "/exchange/meetings/{meeting}", None),
    "exchange-analysis": ("city01@demo.sciezka.pl", "/exchange/groups/{group}/analysis?year=2019", None),
    "exchange-plans": ("city01@demo.sciezka.pl", "/exchange/groups/{group}/plans", None),
    "exchange-admin": (COORDINATOR, "/coordinator/exchange/groups/{group}", None),
    "monitoring-projects": (COORDINATOR, "/coordinator/monitoring/projects", None),
}


@pytest.mark.parametrize("lang", ["pl", "en"])
@pytest.mark.parametrize("name", list(MONITORING_SCREENS))
def test_screens_of_the_monitoring(chromium, request, name, lang):
    if not WRITE:  # the pages' own tests check them; these need the whole BDL extract loaded
        pytest.skip("writes the guide's screenshots of the monitoring only with SCREENSHOTS=1")
    live, ids = request.getfixturevalue("monitoring")
    email, url, scroll_to = MONITORING_SCREENS[name]
    page = new_page(chromium, live, SIZE)
    try:
        log_in(page, email)
        set_language(page, lang)
        response = page.goto(url.format(**ids))
        assert response.status == 200
        if name == "monitoring-questionnaire":  # the returned value typed three times too high
            field = page.locator("main input[name^=value-]").first
            typed = float(field.input_value().replace(",", ".").replace(" ", ""))
            field.fill(f"{3 * typed:.2f}".replace(".", ","))
            page.locator("main button[value=draft]").click()
            page.wait_for_load_state()
            assert page.locator(".warning").first.is_visible()
        assert page.locator("main h1").is_visible()
        assert not page.server_errors and not page.dialogs.seen
        if scroll_to:
            page.locator(scroll_to).first.evaluate("e => e.closest('section').scrollIntoView()")
        OUT.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(OUT / f"{name}-{lang}.png"))
    finally:
        page.context.close()
