"""Logging in and out, and the language switch."""

from __future__ import annotations

from workflow.extensions import db


def test_wrong_password_and_unknown_email_get_the_same_answer(world, browser):
    browser.get("/login")
    wrong_password = browser.post("/login", {"email": "town-a@example.pl", "password": "nope"})
    browser.get("/login")
    unknown = browser.post("/login", {"email": "nobody@example.pl", "password": "nope"})
    assert wrong_password.status_code == unknown.status_code == 401
    for response in (wrong_password, unknown):
        html = response.get_data(as_text=True)
        assert "Nieprawidłowy e-mail lub hasło." in html
    # The typed e-mail is kept, the password is not echoed.
    assert 'value="town-a@example.pl"' in wrong_password.get_data(as_text=True)
    assert 'value="nope"' not in wrong_password.get_data(as_text=True)


def test_empty_login_form_explains_each_field(world, browser):
    browser.get("/login")
    response = browser.post("/login", {"email": "", "password": ""})
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert "Podaj adres e-mail." in html and "Podaj hasło." in html
    assert 'href="#email"' in html  # the error summary links to the field


def test_login_lands_on_the_roles_page_and_logout_ends_it(world, login):
    expected = {"town-a@example.pl": "/town/", "advisor-a@example.pl": "/advisor/",
                "coordinator@example.pl": "/coordinator/", "evaluator@example.pl": "/evaluator/"}
    for email, home in expected.items():
        user = login(email)
        assert user.get("/").headers["Location"].endswith(home)
        assert user.get(home).status_code == 200
        user.post("/logout")
        assert user.get(home).status_code == 302


def test_deactivated_user_cannot_log_in(world, browser):
    user = world.user("town_a")
    user.active = False
    db.session.commit()
    response = browser.login("town-a@example.pl")
    assert response.status_code == 401


def test_login_does_not_redirect_off_site(world, browser):
    browser.get("/login")
    response = browser.post("/login?next=https://evil.example/", {
        "email": "town-a@example.pl", "password": "correct horse battery staple"})
    assert response.status_code == 302
    assert response.headers["Location"] == "/town/"


def test_english_switch_is_remembered_for_the_user(world, login):
    town = login("town-a@example.pl")
    assert "Przygotuj i złóż diagnozę" in town.get("/town/").get_data(as_text=True)
    town.post("/language", {"lang": "en", "next": "/town/"})
    html = town.get("/town/").get_data(as_text=True)
    assert '<html lang="en">' in html
    assert "Prepare and submit the diagnosis" in html
    assert world.user("town_a").locale == "en"
    town.post("/logout")
    again = town.login("town-a@example.pl")
    assert again.status_code == 302
    assert "Prepare and submit the diagnosis" in town.get("/town/").get_data(as_text=True)


def test_visitor_language_follows_the_browser(world, browser):
    english = browser.get("/login", headers={"Accept-Language": "en-GB,en;q=0.9"})
    assert '<html lang="en">' in english.get_data(as_text=True)
    polish = browser.get("/login", headers={"Accept-Language": "pl,en;q=0.5"})
    assert '<html lang="pl">' in polish.get_data(as_text=True)


def test_bad_language_value_is_ignored(world, login):
    town = login("town-a@example.pl")
    response = town.post("/language", {"lang": "xx", "next": "/town/"})
    assert response.status_code == 302
    assert world.user("town_a").locale == "pl"
