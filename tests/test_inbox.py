"""The in-app inbox and the bell: each person sees their own notifications only, a count of
the unread ones on every page, and can mark them read; and the coordinator's outbox page."""

from __future__ import annotations

import pytest
from factories.messaging import failed_row, tell
from factories.path import submit_diagnosis
from sqlalchemy import func, select
from support import version_on
from support.querycount import count_queries

from workflow.extensions import db
from workflow.messaging.texts import Kind
from workflow.models import Notification


def bell(html: str) -> str:
    """The number on the bell in the header."""
    after = html.split('class="bell"', 1)[1]
    return after.split('<span class="badge">', 1)[1].split("</span>", 1)[0]


def test_the_inbox_shows_own_notifications_only(world, login):
    tell(world, "advisor_a", town="Ostrzeszów")
    tell(world, "advisor_b", town="Wałcz")
    page = login("advisor-a@example.pl").get("/inbox/")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "Przydzielono Ci miasto: Ostrzeszów" in html
    assert "przydzielił Cię do miasta Ostrzeszów" in html
    assert "Wałcz" not in html.split("<main", 1)[1]


def test_a_notification_of_someone_else_is_not_found(world, login):
    other = tell(world, "advisor_b")
    advisor = login("advisor-a@example.pl")
    advisor.get("/inbox/")
    assert advisor.post(f"/inbox/{other.id}/read").status_code == 404
    assert advisor.post("/inbox/999999/read").status_code == 404
    db.session.expire_all()
    assert db.session.get(Notification, other.id).read_at is None


def test_the_bell_counts_unread_and_marking_read_lowers_it(world, login):
    first = tell(world, "advisor_a", town="Ostrzeszów")
    tell(world, "advisor_a", town="Łobez")
    advisor = login("advisor-a@example.pl")
    home = advisor.get("/advisor/")
    assert bell(home.get_data(as_text=True)) == "2"
    assert "nieprzeczytane" in home.get_data(as_text=True)
    advisor.get("/inbox/")
    done = advisor.post(f"/inbox/{first.id}/read", {"next": "/inbox/"})
    assert done.status_code == 302 and done.headers["Location"].endswith("/inbox/")
    page = advisor.get("/inbox/").get_data(as_text=True)
    assert bell(page) == "1"
    assert page.count("Oznacz jako przeczytane") == 1
    advisor.post("/inbox/read")
    assert bell(advisor.get("/advisor/").get_data(as_text=True)) == "0"


def test_mark_read_refuses_a_post_without_the_csrf_token(world, app, login):
    row = tell(world, "advisor_a")
    advisor = login("advisor-a@example.pl")
    with app.app_context():
        refused = advisor.client.post(f"/inbox/{row.id}/read")
    assert refused.status_code == 400
    db.session.expire_all()
    assert db.session.get(Notification, row.id).read_at is None


def test_an_email_only_kind_stays_out_of_the_inbox(world, login):
    advisor = login("advisor-a@example.pl")
    advisor.get("/inbox/settings")
    advisor.post("/inbox/settings", {f"email-{Kind.ADVISOR_ASSIGNED}": "1"})
    row = tell(world, "advisor_a")
    assert row.inbox is False and row.status == "pending"
    html = advisor.get("/inbox/").get_data(as_text=True)
    assert bell(html) == "0" and "Przydzielono Ci miasto" not in html


def test_a_returned_stage_rings_the_town_s_bell(world, login):
    """The whole way: the advisor returns the diagnosis, the town sees it in its inbox."""
    town = submit_diagnosis(world, login)
    assert bell(town.get("/town/").get_data(as_text=True)) == "0"
    advisor = login("advisor-a@example.pl")
    page = advisor.get(f"/advisor/paths/{world.paths['a'].id}")
    note = "Brakuje analizy <b>demograficznej</b>."
    assert advisor.fire(world.paths["a"].id, "return_diagnosis", version_on(page),
                        comment=note).status_code == 302
    assert bell(town.get("/town/").get_data(as_text=True)) == "1"
    inbox = town.get("/inbox/").get_data(as_text=True)
    assert "Zwrócono do poprawy" in inbox and "Ostrzeszów" in inbox
    assert "Brakuje analizy &lt;b&gt;demograficznej&lt;/b&gt;." in inbox  # text, not HTML
    assert bell(login("town-b@example.pl").get("/town/").get_data(as_text=True)) == "0"


def test_the_inbox_pages_through_many_notifications(world, login):
    for i in range(25):
        tell(world, "advisor_a", town=f"Miasto {i:02d}")
    advisor = login("advisor-a@example.pl")
    first = advisor.get("/inbox/").get_data(as_text=True)
    assert "Miasto 24" in first and "Miasto 05" in first and "Miasto 04" not in first
    assert "Strona 1 z 2" in first
    second = advisor.get("/inbox/?page=2").get_data(as_text=True)
    assert "Miasto 04" in second and "Miasto 00" in second and "Miasto 05" not in second
    assert advisor.get("/inbox/?page=abc").status_code == 200


def test_the_bell_costs_one_query_and_the_logged_out_none(world, app, login):
    tell(world, "advisor_a")
    advisor = login("advisor-a@example.pl")
    with count_queries(db.engine) as log:
        advisor.get("/advisor/")
    counts = [s for s in log.statements if "count(" in s.lower() and "notification" in s]
    assert len(counts) == 1, str(log)
    with count_queries(db.engine) as log:
        with app.app_context():
            app.test_client().get("/login")
    assert not [s for s in log.statements if "notification" in s], str(log)


@pytest.mark.parametrize("email", ["town-a@example.pl", "evaluator@example.pl",
                                   "coordinator@example.pl", "advisor-none@example.pl"])
def test_every_role_has_an_inbox_and_a_bell(world, login, email):
    page = login(email).get("/inbox/")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert bell(html) == "0" and "Nie masz jeszcze żadnych powiadomień" in html


def test_the_inbox_needs_a_login(browser):
    response = browser.get("/inbox/")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


# --- the coordinator's outbox -----------------------------------------------------------------------

def test_the_outbox_shows_counts_and_failed_messages_with_their_error(world, login):
    failed = failed_row(world)
    tell(world, "advisor_b")  # pending
    html = login("coordinator@example.pl").get("/coordinator/outbox").get_data(as_text=True)
    assert "SMTPServerDisconnected: Connection unexpectedly closed" in html
    assert failed.subject in html and "advisor-a@example.pl" in html
    assert '<td class="num">8</td>' in html  # the attempts
    assert "czekają na wysłanie</th><td class=\"num\">1</td>" in html
    assert "nieudane</th><td class=\"num\">1</td>" in html
    recent = html.split("Ostatnie wiadomości", 1)[1]
    assert recent.count("<summary>Przydzielono Ci miasto: Ostrzeszów</summary>") == 2
    assert "czeka na wysłanie" in recent and "nieudana" in recent
    assert "przydzielił Cię do miasta Ostrzeszów" in recent


def test_retry_puts_a_failed_message_back_and_it_is_delivered(world, app, login):
    failed = failed_row(world)
    coordinator = login("coordinator@example.pl")
    coordinator.get("/coordinator/outbox")
    with app.app_context():  # without the CSRF token: refused, nothing changes
        assert coordinator.client.post(f"/coordinator/outbox/{failed.id}/retry").status_code == 400
    db.session.expire_all()
    assert db.session.get(Notification, failed.id).status == "failed"
    done = coordinator.post(f"/coordinator/outbox/{failed.id}/retry")
    assert done.status_code == 302
    db.session.expire_all()
    row = db.session.get(Notification, failed.id)
    # Without REDIS_URL delivery runs in-process right away; without MAIL_SERVER it is logged.
    assert row.status == "sent" and row.attempts == 9
    page = coordinator.get("/coordinator/outbox").get_data(as_text=True)
    assert "Nie ma nieudanych wysyłek." in page
    assert coordinator.post(f"/coordinator/outbox/{failed.id}/retry").status_code == 404


def test_only_the_coordinator_sees_the_outbox(world, login):
    failed = failed_row(world)
    for email in ("advisor-a@example.pl", "town-a@example.pl", "evaluator@example.pl"):
        person = login(email)
        assert person.get("/coordinator/outbox").status_code == 403
        person.get("/inbox/")
        assert person.post(f"/coordinator/outbox/{failed.id}/retry").status_code == 403
    db.session.expire_all()
    assert db.session.scalar(select(func.count()).select_from(Notification)
                             .where(Notification.status == "failed")) == 1
