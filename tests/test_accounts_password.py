"""Passwords: the policy, the e-mailed one-time reset link, the change of password, and
sessions that end when the password changes."""

from __future__ import annotations

import re
from datetime import timedelta

from factories.accounts import PASSWORD
from sqlalchemy import select
from support.accounts import Client

from workflow.accounts.operations import common_passwords, password_problems
from workflow.extensions import db
from workflow.models import AuditEvent, Notification, PasswordResetToken

NEW = "zielony rower pod lipą"
LINK_RE = re.compile(r"http://localhost/password/reset/[A-Za-z0-9_\-]+")


def ask_for_link(client: Client, email: str):  # noqa: ANN201
    client.get("/password/forgot")
    return client.post("/password/forgot", {"email": email})


def mailed_link(user_id: int) -> str:
    """The link in the newest reset e-mail to this person."""
    note = db.session.scalar(select(Notification).where(
        Notification.recipient_id == user_id, Notification.kind == "password_reset")
        .order_by(Notification.id.desc()).limit(1))
    assert note is not None, "no reset e-mail was queued"
    match = LINK_RE.search(note.body)
    assert match, note.body
    return match.group(0).removeprefix("http://localhost")


def set_new(client: Client, link: str, password: str, confirm: str | None = None):  # noqa: ANN201
    client.get(link)
    return client.post(link, {"password": password, "confirm": confirm or password})


# --- the policy ----------------------------------------------------------------------------

def test_password_policy(app):
    with app.test_request_context():
        _check_policy()


def _check_policy() -> None:
    assert password_problems(NEW, "town-a@example.pl") == []
    assert len(common_passwords()) > 1000
    assert "Hasło musi mieć co najmniej 12 znaków." in password_problems("krótkie1", "a@b.pl")
    for weak in ("haslo1234567", "Polska123456", "qwertyuiop123", "Password1234", "warszawa2026"):
        assert "To hasło jest na liście najczęściej używanych haseł. Wybierz inne." in \
            password_problems(weak, "a@b.pl"), weak
    assert "Hasło nie może zawierać Twojego adresu e-mail." in \
        password_problems("town-a@example.pl", "town-a@example.pl")
    assert password_problems("aaaaaaaaaaaaaaa", "a@b.pl")


# --- the forgotten password ----------------------------------------------------------------

def test_the_answer_is_the_same_whether_or_not_the_address_exists(world, app):
    known = ask_for_link(Client(app), "Town-A@example.pl")
    unknown = ask_for_link(Client(app), "nobody-here@example.pl")
    assert known.status_code == unknown.status_code == 200
    def page(response) -> str:  # noqa: ANN001  (the form tokens differ, nothing else)
        return re.sub(r'value="[^"]{40,}"', "", response.get_data(as_text=True))

    assert page(known) == page(unknown)
    assert "Jeśli ten adres należy do konta w Ścieżce, wysłaliśmy" in known.get_data(as_text=True)
    # One e-mail, to the one person who has that address.
    notes = db.session.scalars(select(Notification).where(Notification.kind == "password_reset")).all()
    assert [n.recipient_id for n in notes] == [world.users["town_a"].id]
    assert db.session.scalar(select(AuditEvent).where(
        AuditEvent.action == "password_reset_requested")).actor_id == world.users["town_a"].id


def test_reset_link_sets_a_new_password_once(world, app, login):
    old_session = login("town-a@example.pl")
    user_id = world.users["town_a"].id
    ask_for_link(Client(app), "town-a@example.pl")
    link = mailed_link(user_id)
    token = link.rsplit("/", 1)[1]
    # Only a hash of the token is stored.
    assert db.session.scalar(select(PasswordResetToken.token_hash)) != token
    assert token not in db.session.scalar(select(PasswordResetToken.token_hash))

    client = Client(app)
    page = client.get(link)
    assert page.status_code == 200 and "town-a@example.pl" in page.get_data(as_text=True)

    short = set_new(client, link, "krótkie")
    assert short.status_code == 400
    html = short.get_data(as_text=True)
    assert 'id="password-error"' in html and "co najmniej 12 znaków" in html
    common = set_new(client, link, "haslo1234567")
    assert "najczęściej używanych haseł" in common.get_data(as_text=True)
    different = set_new(client, link, NEW, "inne hasło całkiem")
    assert "Hasła się różnią." in different.get_data(as_text=True)

    done = set_new(client, link, NEW)
    assert done.status_code == 302 and done.headers["Location"].endswith("/login")
    assert Client(app, NEW).login("town-a@example.pl").status_code == 302
    assert Client(app).login("town-a@example.pl", PASSWORD).status_code == 401
    # The session opened with the old password is over.
    assert old_session.get("/town/").status_code == 302

    used = Client(app).get(link)
    assert used.status_code == 410
    assert "wygasł, został już użyty albo zastąpiony nowszym" in used.get_data(as_text=True)
    again = Client(app).post(link, {"password": "inne dobre hasło 42", "confirm": "inne dobre hasło 42"})
    assert again.status_code == 410
    assert Client(app, NEW).login("town-a@example.pl").status_code == 302


def test_a_newer_link_spends_the_older_and_links_expire(world, app):
    user_id = world.users["town_a"].id
    ask_for_link(Client(app), "town-a@example.pl")
    first = mailed_link(user_id)
    ask_for_link(Client(app), "town-a@example.pl")
    second = mailed_link(user_id)
    assert first != second
    assert Client(app).get(first).status_code == 410
    assert Client(app).get(second).status_code == 200

    for token in db.session.scalars(select(PasswordResetToken)):
        token.created_at -= timedelta(minutes=61)
        token.expires_at -= timedelta(minutes=61)
    db.session.commit()
    assert Client(app).get(second).status_code == 410
    assert Client(app).get("/password/reset/made-up-token").status_code == 410


def test_no_link_for_a_deactivated_account(world, app):
    user = world.user("town_a")
    user.active = False
    db.session.commit()
    assert ask_for_link(Client(app), "town-a@example.pl").status_code == 200
    assert db.session.scalar(select(Notification).where(Notification.kind == "password_reset")) is None


def test_reset_requests_per_address_are_limited(world, app, monkeypatch):
    monkeypatch.setitem(app.config, "RESET_LIMIT_PER_ADDRESS", "2 per hour")
    client = Client(app)
    for n in range(2):
        assert ask_for_link(client, f"someone{n}@example.pl").status_code == 200
    refused = ask_for_link(client, "town-a@example.pl")
    assert refused.status_code == 429
    assert "Zbyt wiele próśb o odnośnik" in refused.get_data(as_text=True)
    assert 'value="town-a@example.pl"' in refused.get_data(as_text=True)


# --- changing one's password --------------------------------------------------------------

def test_change_password_ends_the_other_sessions_but_not_this_one(world, app, login):
    laptop = login("town-a@example.pl")
    phone = login("town-a@example.pl")
    assert phone.get("/town/").status_code == 200

    page = laptop.get("/account/password")
    assert page.status_code == 200
    wrong = laptop.post("/account/password", {"current": "not it", "password": NEW, "confirm": NEW})
    assert wrong.status_code == 400
    assert 'id="current-error"' in wrong.get_data(as_text=True)
    assert "Obecne hasło jest nieprawidłowe." in wrong.get_data(as_text=True)
    weak = laptop.post("/account/password",
                       {"current": PASSWORD, "password": "polska123456", "confirm": "polska123456"})
    assert weak.status_code == 400
    assert "najczęściej używanych haseł" in weak.get_data(as_text=True)

    done = laptop.post("/account/password", {"current": PASSWORD, "password": NEW, "confirm": NEW})
    assert done.status_code == 302
    assert laptop.get("/town/").status_code == 200  # this session goes on
    gone = phone.get("/town/")  # the other one is over
    assert gone.status_code == 302 and "/login" in gone.headers["Location"]
    assert Client(app, NEW).login("town-a@example.pl").status_code == 302
    assert db.session.scalar(select(AuditEvent).where(AuditEvent.action == "password_changed"))


def test_change_password_needs_a_login(world, app):
    response = Client(app).get("/account/password")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_an_old_style_session_id_is_refused(world, app, login):
    """A cookie holding only the row id (as before session versions) is not a session."""
    client = login("town-a@example.pl")
    with client.client.session_transaction() as session:
        session["_user_id"] = str(world.users["town_a"].id)
    assert client.get("/town/").status_code == 302
