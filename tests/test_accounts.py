"""Logging in under attack: rate limits per account and per address, the lockout, the record
of every attempt, and the coordinator switching an account off."""

from __future__ import annotations

from datetime import timedelta

import pytest
from factories.accounts import PASSWORD, make_user
from factories.path import make_town
from sqlalchemy import select
from support.accounts import Client, form_error
from support.querycount import count_queries

from workflow.extensions import db
from workflow.models import AuditEvent, LoginAttempt

WRONG = "definitely not the password"


@pytest.fixture
def limits(app, monkeypatch):  # noqa: ANN001, ANN201
    """Set small limits for one test (the shared app's are out of reach otherwise)."""
    def apply(**values: object) -> None:
        for key, value in values.items():
            monkeypatch.setitem(app.config, key, value)
    return apply


def attempt(client: Client, email: str, password: str = WRONG):  # noqa: ANN201
    client.get("/login")
    return client.post("/login", {"email": email, "password": password})


def test_failures_per_account_are_limited_for_known_and_unknown_emails(world, app, limits):
    limits(LOGIN_LIMIT_PER_ACCOUNT="3 per minute")
    for email in ("town-a@example.pl", "nobody-here@example.pl"):
        client = Client(app, PASSWORD)
        for _ in range(3):
            assert attempt(client, email).status_code == 401
        refused = attempt(client, email)
        assert refused.status_code == 429
        assert int(refused.headers["Retry-After"]) >= 1
        html = refused.get_data(as_text=True)
        assert "Zbyt wiele nieudanych prób logowania. Spróbuj ponownie za 1 min." in html
        assert f'value="{email}"' in html  # the form keeps the e-mail
        # The limit belongs to the account: another address is refused too, even with the
        # right password, and the answer for an unknown address is the same.
        elsewhere = attempt(Client(app, PASSWORD), email, PASSWORD)
        assert elsewhere.status_code == 429
    # Other accounts are not affected.
    assert attempt(Client(app), "town-b@example.pl", PASSWORD).status_code == 302


def test_failures_per_address_are_limited(world, app, limits):
    limits(LOGIN_LIMIT_PER_ADDRESS="4 per minute")
    attacker = Client(app, PASSWORD)
    for n in range(4):
        assert attempt(attacker, f"guess{n}@example.pl").status_code == 401
    refused = attempt(attacker, "town-a@example.pl", PASSWORD)
    assert refused.status_code == 429
    assert "Zbyt wiele nieudanych prób logowania" in form_error(refused)
    # Someone at another address logs in to the same account as usual.
    assert attempt(Client(app), "town-a@example.pl", PASSWORD).status_code == 302


def test_successful_logins_do_not_count_against_the_limits(world, app, limits):
    limits(LOGIN_LIMIT_PER_ACCOUNT="2 per minute", LOGIN_LIMIT_PER_ADDRESS="2 per minute")
    client = Client(app, PASSWORD)
    for _ in range(4):
        assert attempt(client, "town-a@example.pl", PASSWORD).status_code == 302
        client.post("/logout")


def test_lockout_after_consecutive_failures_says_the_same_for_unknown_emails(world, app, limits):
    limits(LOGIN_LOCKOUT_FAILURES=3, LOGIN_LOCKOUT_MINUTES=15)
    messages = {}
    for email in ("Town-A@Example.pl", "nobody-here@example.pl"):
        client = Client(app, PASSWORD)
        for _ in range(3):
            assert attempt(client, email).status_code == 401
        locked = attempt(Client(app, PASSWORD), email, PASSWORD)  # even the right password
        assert locked.status_code == 429
        messages[email] = form_error(locked)
    assert messages["Town-A@Example.pl"] == messages["nobody-here@example.pl"]
    assert "logowanie na ten adres jest wstrzymane" in messages["nobody-here@example.pl"]
    assert "15 min" in messages["nobody-here@example.pl"]

    # Fifteen minutes later the account opens again.
    for row in db.session.scalars(select(LoginAttempt)):
        row.created_at -= timedelta(minutes=16)
    db.session.commit()
    assert attempt(Client(app), "town-a@example.pl", PASSWORD).status_code == 302


def test_a_successful_login_resets_the_failure_count(world, app, limits):
    limits(LOGIN_LOCKOUT_FAILURES=3)
    client = Client(app, PASSWORD)
    for _ in range(2):
        attempt(client, "town-a@example.pl")
    assert attempt(client, "town-a@example.pl", PASSWORD).status_code == 302
    client.post("/logout")
    for _ in range(2):
        assert attempt(client, "town-a@example.pl").status_code == 401
    assert attempt(client, "town-a@example.pl", PASSWORD).status_code == 302


def test_every_login_and_failed_login_is_recorded_with_address_and_time(world, app):
    client = Client(app, PASSWORD, address="192.0.2.44")
    attempt(client, "town-a@example.pl")
    attempt(client, "ghost@example.pl")
    attempt(client, "town-a@example.pl", PASSWORD)
    client.post("/logout")

    rows = db.session.scalars(select(LoginAttempt).order_by(LoginAttempt.id)).all()
    assert [(r.email, r.success, r.reason, r.ip) for r in rows] == [
        ("town-a@example.pl", False, "bad_password", "192.0.2.44"),
        ("ghost@example.pl", False, "unknown", "192.0.2.44"),
        ("town-a@example.pl", True, "ok", "192.0.2.44"),
    ]
    assert all(r.created_at is not None for r in rows)
    town = world.user("town_a")
    events = db.session.scalars(select(AuditEvent).order_by(AuditEvent.id)).all()
    assert [(e.action, e.actor_id, e.ip) for e in events] == [
        ("login_failed", town.id, "192.0.2.44"),
        ("login_failed", None, "192.0.2.44"),
        ("login", town.id, "192.0.2.44"),
        ("logout", town.id, "192.0.2.44"),
    ]
    assert "ghost@example.pl" in events[1].detail


def test_coordinator_deactivates_a_user_who_is_logged_out_at_once(world, app, login):
    town = login("town-a@example.pl")
    assert town.get("/town/").status_code == 200
    coordinator = login("coordinator@example.pl")
    page = coordinator.get("/coordinator/users/")
    assert page.status_code == 200
    assert "town-a@example.pl" in page.get_data(as_text=True)

    town_id = world.users["town_a"].id
    done = coordinator.post(f"/coordinator/users/{town_id}/deactivate")
    assert done.status_code == 302
    listing = coordinator.get("/coordinator/users/").get_data(as_text=True)
    assert "Konto town-a@example.pl zostało wyłączone" in listing

    # The open session ends at its next request.
    after = town.get("/town/")
    assert after.status_code == 302 and "/login" in after.headers["Location"]
    # Logging in again is refused, with a message that says why.
    refused = Client(app, PASSWORD).login("town-a@example.pl")
    assert refused.status_code == 401
    assert "To konto zostało wyłączone" in form_error(refused)
    # ...but only to the one who knows the password.
    wrong = Client(app).login("town-a@example.pl", WRONG)
    assert form_error(wrong) == "Nieprawidłowy e-mail lub hasło."

    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "user_deactivated"))
    assert event.object_id == town_id and event.actor_id == world.users["coordinator"].id

    assert coordinator.post(f"/coordinator/users/{town_id}/activate").status_code == 302
    assert Client(app, PASSWORD).login("town-a@example.pl").status_code == 302
    assert db.session.scalar(select(AuditEvent).where(AuditEvent.action == "user_activated"))


def test_coordinator_cannot_deactivate_themselves(world, login):
    coordinator = login("coordinator@example.pl")
    coordinator.get("/coordinator/users/")
    response = coordinator.post(f"/coordinator/users/{world.users['coordinator'].id}/deactivate")
    assert response.status_code == 400
    assert "Nie możesz wyłączyć własnego konta." in response.get_data(as_text=True)
    assert world.user("coordinator").active
    assert coordinator.get("/coordinator/").status_code == 200


def test_user_page_is_for_coordinators_and_needs_the_form_token(world, app, login):
    for email in ("town-a@example.pl", "advisor-a@example.pl", "evaluator@example.pl"):
        other = login(email)
        assert other.get("/coordinator/users/").status_code == 404
        target = world.users["town_b"].id
        assert other.post(f"/coordinator/users/{target}/deactivate").status_code == 404
    assert Client(app).get("/coordinator/users/").status_code == 302  # to the login page
    coordinator = login("coordinator@example.pl")
    with app.app_context():
        forged = coordinator.client.post(f"/coordinator/users/{world.users['town_b'].id}/deactivate")
    assert forged.status_code == 400
    assert world.user("town_b").active
    assert coordinator.post("/coordinator/users/99999/deactivate").status_code == 404


def test_user_page_costs_the_same_for_few_and_many_people(world, login):
    """The list loads towns and last logins in a fixed number of queries."""
    coordinator = login("coordinator@example.pl")
    coordinator.get("/coordinator/users/")
    with count_queries(db.engine) as few:
        coordinator.get("/coordinator/users/")
    for n in range(30):
        path = make_town(world.programme, f"Miasto {n}")
        db.session.flush()
        make_user(f"town-{n}@example.pl", "town", path.applicant)
    db.session.commit()
    with count_queries(db.engine) as many:
        page = coordinator.get("/coordinator/users/?q=town-29&sort=email&page=2")  # clamped to 1
    assert "town-29@example.pl" in page.get_data(as_text=True)
    assert many.count == few.count, (few, many)
