"""Sessions that really end: a session cookie copied before a logout, a new password, a
deactivation or "log out everywhere" opens nothing afterwards; a remember-me cookie neither;
an idle or too old session goes to the login page with a word; a stolen session cannot
guess the password on the change-password form without limit."""

from __future__ import annotations

import time

from factories.accounts import PASSWORD, make_user
from flask import Flask
from flask_login.utils import encode_cookie
from support.accounts import Client

from workflow.extensions import db
from workflow.models import User

TOWN = "town-a@example.pl"
NEW = "a brand new long passphrase"


def copy_of(browser: Client, app: Flask) -> Client:
    """Another client holding a copy of `browser`'s session cookie (as a thief would)."""
    thief = Client(app)
    thief.client.set_cookie("session", browser.client.get_cookie("session").value)
    return thief


def sent_to_login(response) -> bool:  # noqa: ANN001
    return response.status_code == 302 and response.headers["Location"].split("?")[0].endswith("/login")


def logged_in(app: Flask, email: str, password: str = PASSWORD) -> Client:
    client = Client(app, password)
    assert client.login(email).status_code == 302
    return client


def test_a_cookie_copied_before_logout_opens_nothing_after(world, app):
    town = logged_in(app, TOWN)
    thief = copy_of(town, app)
    assert thief.get("/town/").status_code == 200  # the copy works while the session lives

    assert sent_to_login(town.post("/logout"))
    assert sent_to_login(thief.get("/town/"))
    assert sent_to_login(copy_of(thief, app).post("/account/password", {"current": PASSWORD}))
    assert sent_to_login(town.get("/town/"))


def test_a_cookie_copied_before_a_password_change_opens_nothing_after(world, app):
    town = logged_in(app, TOWN)
    thief = copy_of(town, app)
    done = town.post("/account/password", {"current": PASSWORD, "password": NEW, "confirm": NEW})
    assert done.status_code == 302
    assert town.get("/town/").status_code == 200  # the session that changed it goes on
    assert sent_to_login(thief.get("/town/"))


def test_a_cookie_copied_before_a_password_reset_opens_nothing_after(world, app):
    from workflow.accounts import operations as accounts

    town = logged_in(app, TOWN)
    thief = copy_of(town, app)
    accounts.set_password(world.users["town_a"], NEW)
    db.session.commit()
    assert sent_to_login(thief.get("/town/"))
    assert sent_to_login(town.get("/town/"))


def test_a_cookie_copied_before_deactivation_opens_nothing_after(world, app):
    town = logged_in(app, TOWN)
    thief = copy_of(town, app)
    coordinator = logged_in(app, "coordinator@example.pl")
    coordinator.get("/coordinator/users/")
    assert coordinator.post(f"/coordinator/users/{world.users['town_a'].id}/deactivate").status_code == 302
    assert sent_to_login(thief.get("/town/"))
    assert sent_to_login(town.get("/town/"))


def test_log_out_everywhere_ends_the_sessions_of_other_clients(world, app):
    laptop = logged_in(app, TOWN)
    phone = logged_in(app, TOWN)
    other_town = logged_in(app, "town-b@example.pl")
    page = phone.get("/account/password")
    assert page.status_code == 200
    assert "Wyloguj mnie wszędzie" in page.get_data(as_text=True)

    without_token = phone.client.post("/account/logout")
    assert without_token.status_code == 400  # CSRF is required
    assert laptop.get("/town/").status_code == 200

    done = phone.post("/account/logout")
    assert sent_to_login(done)
    assert "Wylogowano na wszystkich urządzeniach." in phone.get("/login").get_data(as_text=True)
    assert sent_to_login(laptop.get("/town/"))
    assert sent_to_login(phone.get("/town/"))
    assert other_town.get("/town/").status_code == 200  # another person's session is untouched
    assert logged_in(app, TOWN).get("/town/").status_code == 200  # and one logs in again


def remember_cookie(app: Flask, user: User) -> str:
    with app.test_request_context():
        return encode_cookie(user.get_id())


def test_a_remember_me_cookie_opens_nothing_after_logout(world, app):
    town = logged_in(app, TOWN)
    user = world.users["town_a"]
    db.session.refresh(user)
    cookie = remember_cookie(app, user)  # as Flask-Login would have set it at this login
    assert sent_to_login(town.post("/logout"))

    replay = Client(app)
    replay.client.set_cookie("remember_token", cookie)
    assert sent_to_login(replay.get("/town/"))
    # Ścieżka issues no remember-me cookies: even a current one starts no session.
    db.session.refresh(user)
    fresh = Client(app)
    fresh.client.set_cookie("remember_token", remember_cookie(app, user))
    assert sent_to_login(fresh.get("/town/"))


def shift(client: Client, **seconds_ago: float) -> None:
    """Move the session's clock: its login and last request `seconds_ago` in the past."""
    now = time.time()
    with client.client.session_transaction() as session:
        for key, ago in seconds_ago.items():
            session[f"_{key}"] = int(now - ago)


def test_an_idle_session_ends_with_a_word_on_the_login_page(world, app):
    idle = app.config["SESSION_IDLE_MINUTES"] * 60
    town = logged_in(app, TOWN)
    shift(town, seen=idle - 60)
    touched = town.get("/town/")  # a request in time resets the idle clock
    assert touched.status_code == 200 and "session=" in touched.headers.get("Set-Cookie", "")
    assert "Set-Cookie" not in town.get("/town/").headers  # not rewritten again within a minute
    shift(town, seen=idle + 60)
    expired = town.get("/town/")
    assert sent_to_login(expired)
    assert "next=/town/" in expired.headers["Location"]
    page = town.get("/login").get_data(as_text=True)
    assert "Sesja wygasła" in page
    assert sent_to_login(town.get("/town/"))  # it stays over


def test_a_session_ends_after_its_maximum_lifetime_however_busy(world, app):
    most = app.config["SESSION_MAX_HOURS"] * 3600
    town = logged_in(app, TOWN)
    shift(town, started=most - 60, seen=0)
    assert town.get("/town/").status_code == 200
    shift(town, started=most + 60, seen=0)
    assert sent_to_login(town.get("/town/"))
    assert "Sesja wygasła" in town.get("/login").get_data(as_text=True)
    assert town.login(TOWN).status_code == 302  # a new login starts a new lifetime
    assert town.get("/town/").status_code == 200


def test_expired_message_in_english(world, app):
    town = logged_in(app, TOWN)
    town.post("/language", {"lang": "en"})
    shift(town, seen=app.config["SESSION_IDLE_MINUTES"] * 60 + 60)
    assert sent_to_login(town.get("/town/"))
    assert "Your session has expired" in town.get("/login").get_data(as_text=True)


def test_a_session_without_a_login_time_is_refused(world, app):
    town = logged_in(app, TOWN)
    with town.client.session_transaction() as session:
        del session["_started"]
    assert sent_to_login(town.get("/town/"))


def test_change_password_is_throttled_like_the_login(world, app, monkeypatch):
    monkeypatch.setitem(app.config, "PASSWORD_LIMIT_PER_ACCOUNT", "2 per minute")
    make_user("throttled@example.pl", "town", world.users["town_a"].applicant)
    db.session.commit()
    client = logged_in(app, "throttled@example.pl")
    for _ in range(2):
        wrong = client.post("/account/password", {"current": "not it", "password": NEW, "confirm": NEW})
        assert wrong.status_code == 400
    refused = client.post("/account/password", {"current": PASSWORD, "password": NEW, "confirm": NEW})
    assert refused.status_code == 429
    assert int(refused.headers["Retry-After"]) >= 1
    assert "Zbyt wiele błędnych haseł" in refused.get_data(as_text=True)
    assert Client(app, PASSWORD).login("throttled@example.pl").status_code == 302  # unchanged
