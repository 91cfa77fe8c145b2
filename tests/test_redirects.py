"""Old addresses (workflow/web/redirects.py): the Polish URLs and the consultation log's
"services" URLs given out in e-mails and bookmarks answer 301 (GET, HEAD) or 308 (POST) to
their English address, with the same path parameters and query string; a town's calendar
link keeps serving the feed; and every address the app serves now is English."""

from __future__ import annotations

import re

import pytest
from factories.accounts import PASSWORD
from flask import Flask
from support import Browser

from workflow.extensions import db
from workflow.messaging import notifications
from workflow.messaging.texts import Kind
from workflow.path import calendar_feed
from workflow.web.redirects import KEPT_PREFIX, MOVED, MOVED_PREFIX

# Old address as it was given out -> where it must lead now. Written out by hand, so that a
# wrong rule in the table cannot agree with itself.
EXAMPLES: list[tuple[str, str, str]] = [
    ("GET", "/pomoc", "/help"),
    ("GET", "/pomoc/przewodnik", "/help/guide"),
    ("GET", "/pomoc/zrzuty/town-pl.png", "/help/screenshots/town-pl.png"),
    ("GET", "/powiadomienia/?strona=2", "/inbox/?strona=2"),
    ("POST", "/powiadomienia/12/przeczytane", "/inbox/12/read"),
    ("POST", "/powiadomienia/przeczytane", "/inbox/read"),
    ("GET", "/powiadomienia/ustawienia", "/inbox/settings"),
    ("POST", "/powiadomienia/ustawienia", "/inbox/settings"),
    ("GET", "/koordynator/komunikaty/?programme=RL-2020", "/coordinator/messages/?programme=RL-2020"),
    ("GET", "/koordynator/komunikaty/RL-2020/stage_returned", "/coordinator/messages/RL-2020/stage_returned"),
    ("POST", "/koordynator/komunikaty/RL-2020/stage_returned",
     "/coordinator/messages/RL-2020/stage_returned"),
    ("POST", "/koordynator/komunikaty/RL-2020/stage_returned/przywroc",
     "/coordinator/messages/RL-2020/stage_returned/reset"),
    ("GET", "/koordynator/wysylka", "/coordinator/outbox"),
    ("POST", "/koordynator/wysylka/5/ponow", "/coordinator/outbox/5/retry"),
    ("GET", "/eksporty/31", "/coordinator/exports/31"),
    ("GET", "/eksporty/31.json", "/coordinator/exports/31.json"),
    ("GET", "/eksporty/31/plik", "/coordinator/exports/31/file"),
    ("POST", "/calendar-feeds/4/revoke", "/calendar/feeds/4/revoke"),
    ("GET", "/advisor/services/?path=3&q=Bud%C5%BCet", "/advisor/consultations/?path=3&q=Bud%C5%BCet"),
    ("GET", "/advisor/services/new?path=3", "/advisor/consultations/new?path=3"),
    ("POST", "/advisor/services/new?path=3", "/advisor/consultations/new?path=3"),
    ("GET", "/advisor/services/8", "/advisor/consultations/8"),
    ("GET", "/advisor/services/8/edit", "/advisor/consultations/8/edit"),
    ("POST", "/advisor/services/8/edit", "/advisor/consultations/8/edit"),
    ("GET", "/advisor/services/8/delete", "/advisor/consultations/8/delete"),
    ("POST", "/advisor/services/8/delete", "/advisor/consultations/8/delete"),
    ("GET", "/town/services/", "/town/consultations/"),
    ("GET", "/coordinator/services/8", "/coordinator/consultations/8"),
    ("GET", "/coordinator/services/8/edit", "/coordinator/consultations/8/edit"),
    ("POST", "/coordinator/services/8/edit", "/coordinator/consultations/8/edit"),
    ("GET", "/coordinator/reports/services?programme=RL-2020&town=5",
     "/coordinator/reports/consultations?programme=RL-2020&town=5"),
    ("GET", "/coordinator/reports/services/log.csv?programme=RL-2020",
     "/coordinator/reports/consultations/log.csv?programme=RL-2020"),
    ("GET", "/coordinator/reports/services/month.xlsx", "/coordinator/reports/consultations/month.xlsx"),
    ("POST", "/coordinator/reports/services/town.xlsx/prepare?programme=RL-2020",
     "/coordinator/reports/consultations/town.xlsx/prepare?programme=RL-2020"),
]

# Every word of every address the app serves (what a new address may use without a review
# of its language); the old addresses of redirects.py aside.
ENGLISH = set("""
questionnaires answers review publish correct
value comments hide exchange meetings delegates survey minutes upload attendance analysis rates
moderator cities remove
360giving accessibility account activate advisor advisors amount announce appeal appeals applicants
applications approve assignments audit auto calendar compare consultations coordinator create
criteria csv deactivate deadlines decide declaration delete diagram documents edit evaluation
evaluator evaluators events experts exports extensions favicon feeds fields file forgot grants guide
healthz help ico ics inbox json language lead login logout messages needs new outbox parts password
paths prepare profile programmes proposal public ranking read reports reset restore results retry
revoke run screenshots settings sheet signoff static third town unassign users withdraw xlsx
invitation invite pdf programme protocol
shorten
code codes confirm disable factor recovery start two
data erase privacy
approval partnerships records
document comments answer close report projects tasks feasibility key
api v1 units variables indicators versions values groups aggregates openapi docs
groups indicators similar units
diagnosis monitoring
plan plans
md
""".split())


def send(client: object, method: str, url: str) -> object:
    return getattr(client, method.lower())(url)


@pytest.mark.parametrize(("method", "old", "new"), EXAMPLES, ids=[f"{m} {o}" for m, o, _n in EXAMPLES])
def test_an_old_address_leads_to_its_new_one(app: Flask, method: str, old: str, new: str) -> None:
    client = app.test_client()  # nobody logged in: a redirect asks no one who they are
    methods = ("GET", "HEAD") if method == "GET" else (method,)
    for each in methods:
        response = send(client, each, old)
        assert (response.status_code, response.location) == (301 if each != "POST" else 308, new), each


def test_the_examples_cover_every_old_address_and_method(app: Flask) -> None:
    """Every rule of the table, with every method it takes, has an example above."""
    wanted = {(MOVED_PREFIX + old, method) for old, endpoint in MOVED.items()
              for rule in app.url_map.iter_rules(endpoint) for method in rule.methods - {"HEAD", "OPTIONS"}}
    adapter = app.url_map.bind("localhost")
    covered = {(adapter.match(old.partition("?")[0], method)[0], method) for method, old, _new in EXAMPLES}
    assert wanted - covered == set(), "old addresses without an example in EXAMPLES"
    assert covered - wanted == set()


def test_no_old_address_is_served_by_a_page_of_today(app: Flask) -> None:
    """An old rule must stay an old rule: a live page at the same address would shadow it."""
    live = {rule.rule for rule in app.url_map.iter_rules()
            if not rule.endpoint.startswith((MOVED_PREFIX, KEPT_PREFIX))}
    assert live & set(MOVED) == set()


def test_every_address_is_english(app: Flask) -> None:
    words: dict[str, set[str]] = {}
    for rule in app.url_map.iter_rules():
        if rule.endpoint.startswith((MOVED_PREFIX, KEPT_PREFIX)):
            continue
        for word in re.split(r"[^a-z0-9]+", re.sub(r"<[^>]*>", "", rule.rule.lower())):
            if word and word not in ENGLISH:
                words.setdefault(word, set()).add(rule.rule)
    assert not words, f"words of addresses not in ENGLISH (a path is English, its page translated): {words}"


def test_an_old_inbox_link_opens_the_same_page(world: object, login: object) -> None:
    for i in range(25):
        notifications.queue(world.users["advisor_a"], Kind.ADVISOR_ASSIGNED, programme=world.programme,
                            town=f"Miasto {i:02d}", role="doradca prowadzący")
    db.session.commit()
    advisor = login("advisor-a@example.pl")
    second = advisor.get("/powiadomienia/?strona=2", follow_redirects=True)
    assert second.request.path == "/inbox/"
    page = second.get_data(as_text=True)
    assert "Miasto 04" in page and "Miasto 05" not in page


def test_a_form_posted_to_an_old_address_is_saved(world: object, login: object) -> None:
    """308 tells the browser to post the same body again to the new address, and it saves
    there. (Sent by hand: the test client cannot re-send a body the first request has read.)"""
    town = login("town-a@example.pl")
    town.get("/powiadomienia/ustawienia", follow_redirects=True)
    form = {f"email-{Kind.ADVISOR_ASSIGNED}": "1"}
    moved = town.post("/powiadomienia/ustawienia", form)
    assert (moved.status_code, moved.location) == (308, "/inbox/settings")
    saved = town.post(moved.location, form)
    assert (saved.status_code, saved.location) == (302, "/inbox/settings")
    assert "Zapisano ustawienia powiadomień." in town.get(saved.location).get_data(as_text=True)


def test_the_calendar_link_given_out_before_keeps_serving_the_feed(app: Flask, world: object) -> None:
    """A calendar program polls the link it was given for ever, and may not follow a
    redirect: the old link answers with the feed itself."""
    _feed, token = calendar_feed.create(world.path("a").applicant, world.user("town_a"))
    db.session.commit()
    client = Browser(app, PASSWORD).client
    old, new = client.get(f"/kalendarz/{token}.ics"), client.get(f"/calendar/{token}.ics")
    assert old.status_code == new.status_code == 200
    assert old.mimetype == "text/calendar"
    stamped = re.compile(rb"^DTSTAMP:.*$", re.MULTILINE)  # the moment of each answer
    assert stamped.sub(b"", old.get_data()) == stamped.sub(b"", new.get_data())
    assert b"BEGIN:VEVENT" in old.get_data()
    assert client.get("/kalendarz/not-a-token.ics").status_code == 404
