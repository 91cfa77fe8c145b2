"""People: the coordinator invites a person (a new account with a role and a town or an
advisor's profile); the invitation e-mail waits in the outbox with a one-time link that
expires; the person sets their own password; inviting the same address again while the
invitation is pending gives back that invitation; each account of a town keeps its own
language; deactivation ends the sessions."""

from __future__ import annotations

import re
import threading
from datetime import timedelta

import pytest
import sqlalchemy as sa
from support.accounts import Client
from support.concurrency import THREADS, at_once
from support.querycount import count_queries

from workflow.accounts import invitations
from workflow.extensions import db
from workflow.models import AdvisorProfile, AuditEvent, Invitation, Notification, Role, User

URL = "/coordinator/users/invite"
NEW = "zielony rower pod lipą"
LINK_RE = re.compile(r"http://localhost/invitation/[A-Za-z0-9_\-]+")


def html(response) -> str:  # noqa: ANN001
    return response.get_data(as_text=True)


def invite(browser, **data: str):  # noqa: ANN001, ANN201
    browser.get(URL)
    form = {"name": "Anna Żółkiewska", "email": "anna@ostrzeszow.pl", "role": "town", "applicant": "",
            "locale": "pl", **data}
    return browser.post(URL, form)


def mails_to(email: str) -> list[Notification]:
    db.session.expire_all()
    return list(db.session.scalars(sa.select(Notification).join(User, User.id == Notification.recipient_id)
                                   .where(User.email == email, Notification.kind == "invitation")
                                   .order_by(Notification.id)))


def link_in(note: Notification) -> str:
    match = LINK_RE.search(note.body)
    assert match, note.body
    return match.group(0).removeprefix("http://localhost")


def set_password(client: Client, link: str, password: str, confirm: str | None = None):  # noqa: ANN201
    client.get(link)
    return client.post(link, {"password": password, "confirm": confirm or password})


def test_the_coordinator_invites_a_town_member_who_sets_their_own_password(world, login, app):
    coordinator = login("coordinator@example.pl")
    town = world.paths["a"].applicant
    page = html(coordinator.get(URL))
    assert "Zaproś osobę" in page and ">Ostrzeszów</option>" in page
    response = invite(coordinator, applicant=str(town.id))
    assert response.status_code == 302 and response.headers["Location"].endswith("/coordinator/users/")
    listing = html(coordinator.get("/coordinator/users/"))
    assert "Wysłano zaproszenie do anna@ostrzeszow.pl." in listing
    assert "anna@ostrzeszow.pl" in listing and "zaproszenie czeka do" in listing

    user = db.session.scalar(sa.select(User).where(User.email == "anna@ostrzeszow.pl"))
    assert (user.role, user.applicant_id, user.name, user.locale) == (
        "town", town.id, "Anna Żółkiewska", "pl")
    [mail] = mails_to("anna@ostrzeszow.pl")
    assert mail.subject == "Zaproszenie do Ścieżki"
    assert "jako: członek zespołu miasta" in mail.body and "przez 7 dni" in mail.body
    assert mail.status in ("pending", "sent")
    link = link_in(mail)
    # Nobody can log in to the account before the invited person sets a password.
    assert Client(app, "").login("anna@ostrzeszow.pl", "").status_code in (400, 401)

    client = Client(app)
    shown = client.get(link)
    assert shown.status_code == 200 and "Konto: anna@ostrzeszow.pl (Anna Żółkiewska)" in html(shown)
    weak = set_password(client, link, "krótkie")
    assert weak.status_code == 422 and "Hasło musi mieć co najmniej 12 znaków." in html(weak)
    done = set_password(client, link, NEW)
    assert done.status_code == 302 and done.headers["Location"].endswith("/login")
    assert Client(app, NEW).login("anna@ostrzeszow.pl").status_code == 302

    # The link works once.
    used = Client(app).get(link)
    assert used.status_code == 410 and "Zaproszenie nieważne" in html(used)
    again = Client(app).post(link, {"password": "inne dobre hasło 42", "confirm": "inne dobre hasło 42"})
    assert again.status_code == 410
    actions = list(db.session.scalars(sa.select(AuditEvent.action).where(AuditEvent.object_id == user.id,
                                                                         AuditEvent.object_type == "user")))
    assert "user_invited" in actions and "invitation_accepted" in actions
    # An account whose owner set a password is not invited again.
    refused = invite(coordinator, applicant=str(town.id))
    assert refused.status_code == 409
    assert "Konto z adresem anna@ostrzeszow.pl już istnieje i jego właściciel ustawił hasło." in html(refused)
    assert len(mails_to("anna@ostrzeszow.pl")) == 1


def test_inviting_the_same_address_twice_gives_back_the_pending_invitation(world, login):
    coordinator = login("coordinator@example.pl")
    first = invite(coordinator, email="Ewa@Example.pl", role="evaluator")
    assert first.status_code == 302
    second = invite(coordinator, email="ewa@example.pl ", role="evaluator", name="Ewa inna")
    assert second.status_code == 302
    page = html(coordinator.get("/coordinator/users/"))
    assert "Zaproszenie dla ewa@example.pl już czeka" in page and "nie wysłano drugiego" in page
    assert db.session.scalar(sa.select(sa.func.count()).select_from(User)
                             .where(User.email == "ewa@example.pl")) == 1
    assert len(mails_to("ewa@example.pl")) == 1
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Invitation)) == 1


def test_an_expired_link_is_refused_and_a_new_invitation_replaces_it(world, login, app):
    coordinator = login("coordinator@example.pl")
    invite(coordinator, email="jan@example.pl", role="evaluator")
    old_link = link_in(mails_to("jan@example.pl")[0])
    for row in db.session.scalars(sa.select(Invitation)):
        row.created_at -= timedelta(days=7, minutes=1)
        row.expires_at -= timedelta(days=7, minutes=1)
    db.session.commit()
    expired = Client(app).get(old_link)
    assert expired.status_code == 410 and "wygasł" in html(expired)

    assert invite(coordinator, email="jan@example.pl", role="evaluator").status_code == 302
    mails = mails_to("jan@example.pl")
    assert len(mails) == 2
    new_link = link_in(mails[1])
    assert new_link != old_link and Client(app).get(old_link).status_code == 410
    assert set_password(Client(app), new_link, NEW).status_code == 302
    assert Client(app, NEW).login("jan@example.pl").status_code == 302


def test_an_advisor_gets_a_profile_and_the_coordinator_fills_it_in(world, login):
    coordinator = login("coordinator@example.pl")
    response = invite(coordinator, email="doradca@example.pl", role="advisor", locale="en")
    user = db.session.scalar(sa.select(User).where(User.email == "doradca@example.pl"))
    assert response.headers["Location"].endswith(f"/coordinator/assignments/{user.id}/profile") or \
        response.headers["Location"].endswith(f"/{user.id}/profile")
    assert db.session.get(AdvisorProfile, user.id) is not None
    [mail] = mails_to("doradca@example.pl")
    assert mail.subject == "Invitation to Ścieżka" and "advisor" in mail.body  # the account's language


def test_bad_input_is_refused_on_the_same_page_and_kept(world, login):
    coordinator = login("coordinator@example.pl")
    for data, field, message in (
        ({"email": "nie-adres"}, "email", "To nie jest adres e-mail."),
        ({"name": "  "}, "name", "Podaj imię i nazwisko."),
        ({"role": "town", "applicant": ""}, "applicant", "Wybierz miasto, do którego zespołu należy"),
        ({"role": "town", "applicant": "999999"}, "applicant", "Nie ma takiego miasta."),
    ):
        response = invite(coordinator, **data)
        page = html(response)
        assert response.status_code == 422, data
        error = re.search(rf'<p class="error" id="{field}-error">(.*?)</p>', page, re.S)
        assert error and message in error.group(1), (data, page[:0])
        if field == "email":
            assert 'value="nie-adres"' in page
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Invitation)) == 0


def test_each_account_of_a_town_has_its_own_language(world, login, app):
    coordinator = login("coordinator@example.pl")
    town = world.paths["a"].applicant
    invite(coordinator, email="druga@example.pl", name="Druga Osoba", applicant=str(town.id))
    assert set_password(Client(app), link_in(mails_to("druga@example.pl")[0]), NEW).status_code == 302

    first = login("town-a@example.pl")
    second = Client(app, NEW)
    assert second.login("druga@example.pl").status_code == 302
    first.get("/town/")
    first.post("/language", {"lang": "en", "next": "/town/"})
    db.session.expire_all()
    assert world.user("town_a").locale == "en"
    assert db.session.scalar(sa.select(User.locale).where(User.email == "druga@example.pl")) == "pl"
    assert 'lang="en"' in html(first.get("/town/"))
    assert 'lang="pl"' in html(second.get("/town/"))


def test_erasing_an_invited_account_forgets_its_invitation(world, login, app):
    coordinator = login("coordinator@example.pl")
    invite(coordinator, email="zapomnij@example.pl", role="evaluator")
    link = link_in(mails_to("zapomnij@example.pl")[0])
    user_id = db.session.scalar(sa.select(User.id).where(User.email == "zapomnij@example.pl"))
    coordinator.get(f"/coordinator/privacy/account/{user_id}/erase")
    response = coordinator.post(f"/coordinator/privacy/account/{user_id}/erase",
                                {"reason": "Wniosek osoby", "confirm": "y"})
    assert response.status_code == 302
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Invitation)
                             .where(Invitation.user_id == user_id)) == 0
    assert Client(app).get(link).status_code == 410


def test_deactivating_an_invited_account_spends_its_link(world, login, app):
    coordinator = login("coordinator@example.pl")
    invite(coordinator, email="ola@example.pl", role="evaluator")
    link = link_in(mails_to("ola@example.pl")[0])
    user = db.session.scalar(sa.select(User).where(User.email == "ola@example.pl"))
    coordinator.get("/coordinator/users/")
    assert coordinator.post(f"/coordinator/users/{user.id}/deactivate", {}).status_code == 302
    assert Client(app).get(link).status_code == 410


def test_the_list_of_people_costs_the_same_whatever_their_number(world, login):
    coordinator = login("coordinator@example.pl")
    with count_queries(db.engine) as few:
        coordinator.get("/coordinator/users/")
    for n in range(6):
        invite(coordinator, email=f"osoba{n}@example.pl", role="evaluator")
    with count_queries(db.engine) as many:
        page = html(coordinator.get("/coordinator/users/"))
    assert page.count("zaproszenie czeka do") == 6
    assert few.count == many.count == 4, many  # the user (with the unread count), the list's
    # count and page (with their towns), the page's pending invitations


# --- at the same moment (PostgreSQL: requests really run in parallel) ---------------------------

def test_parallel_invitations_of_one_address_make_one_account_and_one_mail(app, world, is_postgres):
    if not is_postgres:
        pytest.skip("needs PostgreSQL (set TEST_DATABASE_URL); SQLite serialises writers")
    coordinator_id = world.users["coordinator"].id
    db.session.remove()
    barrier = threading.Barrier(THREADS)

    def press() -> str:
        by = db.session.get(User, coordinator_id)
        barrier.wait()
        with app.test_request_context():
            invited = invitations.invite(email="rownoczesna@example.pl", name="Ola", role=Role.EVALUATOR,
                                         locale="pl", by=by, link_for=lambda raw: f"http://localhost/i/{raw}")
        return "sent" if invited.created else "pending"

    assert at_once(app, press) == ["pending"] * (THREADS - 1) + ["sent"]
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(User)
                                 .where(User.email == "rownoczesna@example.pl")) == 1
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Invitation)) == 1
        assert len(mails_to("rownoczesna@example.pl")) == 1


def test_parallel_uses_of_one_link_set_the_password_once(app, world, login, is_postgres):
    if not is_postgres:
        pytest.skip("needs PostgreSQL (set TEST_DATABASE_URL); SQLite serialises writers")
    invite(login("coordinator@example.pl"), email="raz@example.pl", role="evaluator")
    token = link_in(mails_to("raz@example.pl")[0]).rsplit("/", 1)[1]
    db.session.remove()
    barrier = threading.Barrier(THREADS)

    def press() -> str:
        found = invitations.valid_invitation(token)
        barrier.wait()
        if found is None:
            return "gone"
        with app.test_request_context():
            return "set" if invitations.accept(found[0], f"{NEW} {threading.get_ident()}") else "gone"

    assert at_once(app, press) == ["gone"] * (THREADS - 1) + ["set"]
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(AuditEvent)
                                 .where(AuditEvent.action == "invitation_accepted")) == 1
