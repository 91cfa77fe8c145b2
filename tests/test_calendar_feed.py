"""The town's calendar feed: a secret iCalendar link with its deadlines (extensions
applied), revocable by the town or a coordinator, stored only as a hash."""

from __future__ import annotations

import hashlib
import re
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa
from icalendar import Calendar
from support import Browser

from workflow.extensions import db
from workflow.models import CalendarFeed, StageDeadline
from workflow.path.deadlines import extend

URL_RE = re.compile(r'value="(http://localhost/calendar/([A-Za-z0-9_-]+)\.ics)"')
STAGES_WITH_DEADLINES = {"diagnosis": "Diagnoza", "prl": "Plan Rozwoju Lokalnego",
                         "pri": "Plan Rozwoju Instytucjonalnego", "application": "Wniosek o dofinansowanie"}


def create_feed(browser) -> tuple[str, str]:  # noqa: ANN001
    browser.get("/town/calendar")
    response = browser.post("/town/calendar")
    assert response.status_code == 201
    html = response.get_data(as_text=True)
    assert "nie pokażemy go ponownie" in html
    match = URL_RE.search(html)
    assert match, html
    return match.group(1), match.group(2)


def fetch(browser, url: str):  # noqa: ANN001, ANN201
    """The feed as a calendar program gets it: a request with a context of its own."""
    with browser.app.app_context():
        return browser.client.get(url.removeprefix("http://localhost"))


def test_feed_has_every_deadline_with_the_extension_applied(world, login, app):
    extended = datetime(2027, 3, 1, 14, 30, tzinfo=UTC)
    path_a = world.path("a")
    extend(path_a, "diagnosis", extended, "Powódź w urzędzie miasta", world.user("coordinator"))
    programme_due = {row.stage: row.due_at for row in db.session.scalars(sa.select(StageDeadline))}

    town = login("town-a@example.pl")
    assert "/town/calendar" in town.get("/town/").get_data(as_text=True)  # linked from the landing page
    url, _token = create_feed(town)
    anonymous = Browser(app)
    response = fetch(anonymous, url)
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/calendar; charset=utf-8"

    calendar = Calendar.from_ical(response.data)
    assert str(calendar["METHOD"]) == "PUBLISH"
    assert "Ostrzeszów" in str(calendar["X-WR-CALNAME"])
    events = {str(e["UID"]): e for e in calendar.walk("VEVENT")}
    assert len(events) == len(STAGES_WITH_DEADLINES)
    by_summary = {str(e["SUMMARY"]): e for e in events.values()}
    for code, name in STAGES_WITH_DEADLINES.items():
        event = by_summary[f"Termin: {name} — Ostrzeszów"]
        expected = extended if code == "diagnosis" else programme_due[code]
        start = event.decoded("DTSTART")
        assert start.utcoffset() == timedelta(0)
        assert start == expected.replace(microsecond=0)  # iCalendar counts whole seconds
        alarm = event.walk("VALARM")[0]
        assert alarm.decoded("TRIGGER") == timedelta(days=-1)
    assert not any("Wałcz" in s for s in by_summary)  # town B's deadlines are not in A's feed

    again = Calendar.from_ical(fetch(anonymous, url).data)
    assert {str(e["UID"]) for e in again.walk("VEVENT")} == set(events)  # stable UIDs


def test_token_is_stored_only_as_its_hash(world, login):
    town = login("town-a@example.pl")
    _url, token = create_feed(town)
    rows = db.session.execute(sa.select(CalendarFeed.__table__)).all()
    assert len(rows) == 1
    assert all(token not in str(value) for value in rows[0])
    assert rows[0].token_hash == hashlib.sha256(token.encode()).hexdigest()
    page = town.get("/town/calendar").get_data(as_text=True)
    assert token not in page  # shown once, with the answer to the POST only
    assert "Link do kalendarza działa od:" in page


def test_revoked_or_replaced_or_unknown_link_is_a_404(world, login):
    town = login("town-a@example.pl")
    first_url, _ = create_feed(town)
    second_url, _ = create_feed(town)
    assert fetch(town, first_url).status_code == 404  # a new link revokes the old one
    assert fetch(town, second_url).status_code == 200
    assert town.client.get("/calendar/not-a-token.ics").status_code == 404

    feed = db.session.scalar(sa.select(CalendarFeed).where(CalendarFeed.revoked_at.is_(None)))
    response = town.post(f"/calendar/feeds/{feed.id}/revoke")
    assert response.status_code == 302
    assert "unieważniony" in town.get("/town/calendar").get_data(as_text=True)
    assert fetch(town, second_url).status_code == 404


def test_another_town_cannot_revoke_the_link_but_a_coordinator_can(world, login):
    town_a = login("town-a@example.pl")
    url, _ = create_feed(town_a)
    feed = db.session.scalar(sa.select(CalendarFeed))

    town_b = login("town-b@example.pl")
    assert town_b.post(f"/calendar/feeds/{feed.id}/revoke").status_code == 404
    assert fetch(town_a, url).status_code == 200
    advisor = login("advisor-a@example.pl")
    assert advisor.get("/town/calendar").status_code == 404
    assert advisor.post(f"/calendar/feeds/{feed.id}/revoke").status_code == 404

    coordinator = login("coordinator@example.pl")
    applicant_id = world.paths["a"].applicant_id
    path_page = coordinator.get(f"/coordinator/paths/{world.paths['a'].id}").get_data(as_text=True)
    assert f"/coordinator/applicants/{applicant_id}/calendar" in path_page
    page = coordinator.get(f"/coordinator/applicants/{applicant_id}/calendar").get_data(as_text=True)
    assert "Link do kalendarza działa od:" in page
    assert coordinator.post(f"/calendar/feeds/{feed.id}/revoke").status_code == 302
    assert fetch(town_a, url).status_code == 404
    page = coordinator.get(f"/coordinator/applicants/{applicant_id}/calendar").get_data(as_text=True)
    assert "nie ma teraz działającego linku" in page


def test_calendar_page_needs_a_login(app, world):
    response = app.test_client().get("/town/calendar")
    assert response.status_code == 302 and "/login" in response.headers["Location"]
    assert app.test_client().post("/town/calendar").status_code in (400, 302)  # no CSRF token, no login
