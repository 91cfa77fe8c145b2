"""The second factor: enrolling with a real code computed (by pyotp) from the secret the page
shows; the login asking for a code; a half-logged-in session that opens nothing; recovery
codes that work once; a role that must enrol; the demo's settings that require nothing;
wrong codes throttled; a code never accepted twice; the audit log; secrets nowhere."""

from __future__ import annotations

import re
import threading
import time
from html import unescape

import pyotp
import pytest
import segno
from factories.accounts import PASSWORD
from flask import Flask
from sqlalchemy import select
from support.accounts import Client
from support.querycount import count_queries

import config
from workflow.extensions import db
from workflow.models import AuditEvent, RecoveryCode, User

TOWN = "town-a@example.pl"
COORDINATOR = "coordinator@example.pl"
SECRET_RE = re.compile(r'<p class="secret"><code>([A-Z2-7 ]+)</code></p>')
CODES_RE = re.compile(r"<li><code>([a-z0-9-]+)</code></li>")


def sent_to(response, path: str) -> bool:  # noqa: ANN001
    return response.status_code == 302 and response.headers["Location"].split("?")[0].endswith(path)


def text(response) -> str:  # noqa: ANN001
    return unescape(response.get_data(as_text=True))


def error_of(response, name: str = "code") -> str:  # noqa: ANN001
    match = re.search(rf'<p class="error" id="{name}-error">(.*?)</p>', response.get_data(as_text=True), re.S)
    return unescape(match.group(1)).strip() if match else ""


def logged_in(app: Flask, email: str) -> Client:
    client = Client(app, PASSWORD)
    assert client.login(email).status_code == 302
    client.email = email  # type: ignore[attr-defined]
    return client


def enrol(client: Client) -> tuple[pyotp.TOTP, list[str]]:
    """Enrol as a person would: start, read the secret off the page, type the app's code."""
    assert client.post("/account/two-factor/start").status_code == 302
    page = client.get("/account/two-factor")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    secret = SECRET_RE.search(html).group(1)
    assert re.fullmatch(r"([A-Z2-7]{4} )+[A-Z2-7]{4}", secret)  # in groups of four
    totp = pyotp.TOTP(secret.replace(" ", ""))
    assert qr_modules(html) == expected_modules(totp, client)
    done = client.post("/account/two-factor/confirm", {"code": totp.now(), "password": PASSWORD})
    assert done.status_code == 200, error_of(done)
    assert done.headers["Cache-Control"] == "no-store"
    codes = CODES_RE.findall(done.get_data(as_text=True))
    assert len(codes) == 10 and len(set(codes)) == 10
    assert "Zapisz te kody teraz: więcej ich nie zobaczysz." in text(done)
    return totp, codes


def qr_modules(html: str) -> set[tuple[int, int]]:
    """The dark modules the page's QR code draws (its one path, "M x y h n v1 h-n z" a run)."""
    assert re.search(r'<svg class="qr" role="img"[^>]*>\s*<title>Kod QR', html)  # an image, named
    path = re.search(r'<path d="([^"]*)"', html).group(1)
    return {(x + i, y) for x, y, n in (map(int, m) for m in re.findall(r"M(\d+) (\d+)h(\d+)v1h-\3z", path))
            for i in range(n)}


def expected_modules(totp: pyotp.TOTP, client: Client) -> set[tuple[int, int]]:
    """The modules of a QR code of the otpauth:// address of this secret and account."""
    email = client.email  # type: ignore[attr-defined]
    uri = totp.provisioning_uri(name=email, issuer_name="Ścieżka")
    rows = segno.make(uri, error="m").matrix_iter(scale=1, border=4)
    return {(x, y) for y, row in enumerate(rows) for x, dark in enumerate(row) if dark}


def next_code(totp: pyotp.TOTP) -> str:
    """A code the app shows in the next 30 seconds (the step now was spent by the last use)."""
    return totp.at(time.time() + 30)


def password_step(app: Flask, email: str, next_url: str = "") -> Client:
    client = Client(app, PASSWORD)
    client.get("/login")
    response = client.post("/login" + (f"?next={next_url}" if next_url else ""),
                           {"email": email, "password": PASSWORD})
    assert sent_to(response, "/login/code"), response.status_code
    return client


def user(email: str) -> User:
    db.session.expire_all()
    return db.session.scalar(select(User).where(User.email == email))


def actions(email: str) -> list[str]:
    db.session.expire_all()
    return list(db.session.scalars(select(AuditEvent.action).where(AuditEvent.actor_label == email)
                                   .order_by(AuditEvent.id)))


def forget_last_step(email: str) -> None:
    """Let the next test login use the current step again (as if 30 seconds went by)."""
    account = user(email)
    account.totp_last_step = None
    db.session.commit()


# --- enrolment ----------------------------------------------------------------------------------

def test_enrolment_with_a_real_code_then_the_login_asks_for_one(world, app):
    town = logged_in(app, TOWN)
    intro = town.get("/account/two-factor")
    assert "Włącz weryfikację dwuetapową" in text(intro)
    totp, codes = enrol(town)
    account = user(TOWN)
    assert account.has_totp and account.totp_enabled_at is not None
    # The secret is never shown again, and never stored: the database holds a seed.
    settings = town.get("/account/two-factor").get_data(as_text=True)
    assert totp.secret not in settings and not SECRET_RE.search(settings)
    assert "Nieużyte kody zapasowe: 10 z 10." in unescape(settings)
    assert account.totp_seed and totp.secret not in account.totp_seed
    stored = list(db.session.scalars(select(RecoveryCode.code_hash)
                                     .where(RecoveryCode.user_id == account.id)))
    assert len(stored) == 10 and not set(stored) & {c.replace("-", "") for c in codes}

    # The login is now two steps.
    client = password_step(app, TOWN, next_url="/town/")
    page = client.get("/login/code")
    assert page.status_code == 200 and "Kod weryfikacyjny" in text(page)
    assert sent_to(client.get("/town/"), "/login")  # nothing opens between the two steps
    done = client.post("/login/code", {"code": next_code(totp)})
    assert sent_to(done, "/town/")
    assert client.get("/town/").status_code == 200
    assert "totp_enabled" in actions(TOWN)


def test_a_wrong_code_at_enrolment_is_refused_on_the_same_page(world, app):
    town = logged_in(app, TOWN)
    town.post("/account/two-factor/start")
    page = town.get("/account/two-factor").get_data(as_text=True)
    secret = SECRET_RE.search(page).group(1).replace(" ", "")
    wrong = f"{(int(pyotp.TOTP(secret).now()) + 1) % 1_000_000:06d}"
    refused = town.post("/account/two-factor/confirm", {"code": wrong, "password": PASSWORD})
    assert refused.status_code == 422
    assert "Ten kod się nie zgadza" in error_of(refused)
    assert f'value="{wrong}"' in refused.get_data(as_text=True)  # what was typed stays
    assert SECRET_RE.search(refused.get_data(as_text=True)).group(1).replace(" ", "") == secret
    assert not user(TOWN).has_totp
    empty = town.post("/account/two-factor/confirm", {"code": "", "password": PASSWORD})
    assert empty.status_code == 422 and "Wpisz 6-cyfrowy kod z aplikacji." in error_of(empty)


def test_a_stolen_session_cannot_enrol_without_the_password(world, app, monkeypatch):
    """Else a thief with a copied cookie could put their own phone on the account."""
    town = logged_in(app, TOWN)
    town.post("/account/two-factor/start")
    secret = SECRET_RE.search(town.get("/account/two-factor").get_data(as_text=True)).group(1)
    totp = pyotp.TOTP(secret.replace(" ", ""))
    refused = town.post("/account/two-factor/confirm", {"code": totp.now(), "password": "a guess"})
    assert refused.status_code == 422
    assert error_of(refused, "password") == "Hasło jest nieprawidłowe."
    assert not user(TOWN).has_totp
    assert town.post("/account/two-factor/confirm", {"code": totp.now()}).status_code == 422
    monkeypatch.setitem(app.config, "TOTP_LIMIT_PER_ACCOUNT", "2 per 62 seconds")
    town.post("/account/two-factor/confirm", {"code": totp.now(), "password": "another guess"})
    town.post("/account/two-factor/confirm", {"code": totp.now(), "password": "a third guess"})
    limited = town.post("/account/two-factor/confirm", {"code": totp.now(), "password": PASSWORD})
    assert limited.status_code == 429
    assert not user(TOWN).has_totp


# --- the login's second step --------------------------------------------------------------------

def test_a_wrong_code_is_refused_in_polish_on_the_code_page(world, app):
    totp, _codes = enrol(logged_in(app, TOWN))
    client = password_step(app, TOWN)
    wrong = f"{(int(next_code(totp)) + 7) % 1_000_000:06d}"
    refused = client.post("/login/code", {"code": wrong})
    assert refused.status_code == 401
    assert error_of(refused) == ("Nieprawidłowy kod. Wpisz aktualny kod z aplikacji albo jeden z "
                                 "nieużytych kodów zapasowych.")
    assert sent_to(client.get("/town/"), "/login")
    assert "totp_failed" in actions(TOWN)
    empty = client.post("/login/code", {"code": ""})
    assert empty.status_code == 422
    assert sent_to(client.post("/login/code", {"code": next_code(totp)}), "/")


def test_a_replayed_half_logged_in_cookie_gets_the_login_page(world, app):
    enrol(logged_in(app, COORDINATOR))
    client = password_step(app, COORDINATOR)
    thief = Client(app)
    thief.client.set_cookie("session", client.client.get_cookie("session").value)
    for page in ("/coordinator/", "/coordinator/users/", "/coordinator/audit/", "/account/password",
                 "/account/two-factor", "/inbox/", "/"):
        assert sent_to(thief.get(page), "/login"), page
    assert sent_to(thief.post("/account/two-factor/disable", {"disable-proof": PASSWORD}), "/login")
    assert user(COORDINATOR).has_totp


def test_the_code_page_without_a_password_first_goes_to_the_login(world, app):
    client = Client(app)
    assert sent_to(client.get("/login/code"), "/login")
    assert "Zaloguj się ponownie" in text(client.get("/login"))


def test_the_pending_step_ends_after_some_minutes(world, app):
    totp, _codes = enrol(logged_in(app, TOWN))
    client = password_step(app, TOWN)
    with client.client.session_transaction() as session:
        session["_totp_pending"] = {**session["_totp_pending"], "at": int(time.time()) - 6 * 60}
    assert sent_to(client.post("/login/code", {"code": next_code(totp)}), "/login")
    assert sent_to(client.get("/town/"), "/login")


def test_a_code_is_never_accepted_twice(world, app):
    totp, _codes = enrol(logged_in(app, TOWN))
    code = next_code(totp)
    first = password_step(app, TOWN)
    assert sent_to(first.post("/login/code", {"code": code}), "/")
    again = password_step(app, TOWN)
    refused = again.post("/login/code", {"code": code})
    assert refused.status_code == 401
    assert sent_to(again.get("/town/"), "/login")
    # An older code of the window is refused too, once a later one was used.
    assert again.post("/login/code", {"code": totp.now()}).status_code == 401


def test_a_code_from_the_step_before_or_after_is_accepted(world, app):
    totp, _codes = enrol(logged_in(app, TOWN))
    forget_last_step(TOWN)
    client = password_step(app, TOWN)
    assert sent_to(client.post("/login/code", {"code": totp.at(time.time() - 30)}), "/")
    forget_last_step(TOWN)
    far = password_step(app, TOWN)
    assert far.post("/login/code", {"code": totp.at(time.time() + 95)}).status_code == 401


def test_a_recovery_code_works_once(world, app):
    _totp, codes = enrol(logged_in(app, TOWN))
    client = password_step(app, TOWN)
    done = client.post("/login/code", {"code": codes[0].upper().replace("-", " ")})  # as typed from paper
    assert sent_to(done, "/")
    assert "Pozostałe kody zapasowe: 9." in text(client.get("/town/"))
    again = password_step(app, TOWN)
    assert again.post("/login/code", {"code": codes[0]}).status_code == 401
    assert sent_to(again.get("/town/"), "/login")
    assert actions(TOWN).count("recovery_code_used") == 1
    # Another person's code opens nothing either.
    other_totp, other_codes = enrol(logged_in(app, "town-b@example.pl"))
    assert password_step(app, TOWN).post("/login/code", {"code": other_codes[0]}).status_code == 401


def test_throttled_like_the_login(world, app, monkeypatch):
    totp, _codes = enrol(logged_in(app, TOWN))
    monkeypatch.setitem(app.config, "TOTP_LIMIT_PER_ACCOUNT", "3 per 61 seconds")
    client = password_step(app, TOWN)
    for _ in range(3):
        assert client.post("/login/code", {"code": "000000"}).status_code == 401
    refused = client.post("/login/code", {"code": next_code(totp)})  # even the right code
    assert refused.status_code == 429
    assert int(refused.headers["Retry-After"]) >= 1
    assert error_of(refused) == "Zbyt wiele błędnych kodów. Spróbuj ponownie za 2 min."
    # The limit is the account's: from another address too.
    elsewhere = password_step(app, TOWN)
    assert elsewhere.post("/login/code", {"code": next_code(totp)}).status_code == 429
    assert sent_to(elsewhere.get("/town/"), "/login")


# --- the setting --------------------------------------------------------------------------------

def test_a_role_that_requires_it_is_sent_to_enrolment_and_reaches_nothing_else(world, app, monkeypatch):
    monkeypatch.setitem(app.config, "TOTP_REQUIRED_ROLES", frozenset({"coordinator"}))
    coordinator = logged_in(app, COORDINATOR)
    for page in ("/", "/coordinator/", "/coordinator/users/", "/coordinator/audit/", "/account/password",
                 "/inbox/"):
        assert sent_to(coordinator.get(page), "/account/two-factor"), page
    assert sent_to(coordinator.post(f"/coordinator/users/{world.users['town_a'].id}/deactivate"),
                   "/account/two-factor")
    assert user("town-a@example.pl").active
    page = coordinator.get("/account/two-factor")
    assert "Twoja rola wymaga weryfikacji dwuetapowej" in text(page)
    # Other roles are not asked.
    assert logged_in(app, TOWN).get("/town/").status_code == 200

    totp, _codes = enrol(coordinator)
    assert coordinator.get("/coordinator/users/").status_code == 200
    # ...and may not switch it off while the setting requires it.
    settings = text(coordinator.get("/account/two-factor"))
    assert "nie można jej wyłączyć" in settings and "Wyłącz weryfikację dwuetapową" not in settings
    refused = coordinator.post("/account/two-factor/disable", {"disable-proof": PASSWORD})
    assert refused.status_code == 403
    assert "Twoja rola musi używać weryfikacji dwuetapowej" in text(refused)
    assert user(COORDINATOR).has_totp


def test_demo_and_development_require_no_second_factor(world, app, monkeypatch):
    for env in ("development", "testing"):
        monkeypatch.setenv("APP_ENV", env)
        monkeypatch.delenv("TOTP_REQUIRED_ROLES", raising=False)
        assert config.load({"SECRET_KEY": "x" * 32})["TOTP_REQUIRED_ROLES"] == frozenset()
    monkeypatch.setenv("APP_ENV", "production")
    assert config.load({"SECRET_KEY": "x" * 32})["TOTP_REQUIRED_ROLES"] == frozenset({"coordinator"})
    monkeypatch.setenv("TOTP_REQUIRED_ROLES", "coordinator, evaluator")
    assert config.load({"SECRET_KEY": "x" * 32})["TOTP_REQUIRED_ROLES"] == {"coordinator", "evaluator"}
    monkeypatch.setenv("TOTP_REQUIRED_ROLES", "koordynator")
    with pytest.raises(config.ConfigError, match="koordynator"):
        config.load({"SECRET_KEY": "x" * 32})
    # The test app (as `make run`'s demo): the coordinator logs in with the password alone.
    assert app.config["TOTP_REQUIRED_ROLES"] == frozenset()
    assert logged_in(app, COORDINATOR).get("/coordinator/users/").status_code == 200


# --- one's own settings -------------------------------------------------------------------------

def test_new_recovery_codes_need_a_code_or_the_password_and_replace_the_old(world, app):
    town = logged_in(app, TOWN)
    totp, old = enrol(town)
    town.get("/account/two-factor")
    refused = town.post("/account/two-factor/recovery-codes", {"regen-proof": "not it"})
    assert refused.status_code == 422
    assert error_of(refused, "regen-proof") == "Ani kod, ani hasło się nie zgadzają."
    done = town.post("/account/two-factor/recovery-codes", {"regen-proof": PASSWORD})
    assert done.status_code == 200
    new = CODES_RE.findall(done.get_data(as_text=True))
    assert len(new) == 10 and not set(new) & set(old)
    again = town.post("/account/two-factor/recovery-codes", {"regen-proof": next_code(totp)})
    assert again.status_code == 200  # a current code proves it too
    newest = CODES_RE.findall(again.get_data(as_text=True))
    assert password_step(app, TOWN).post("/login/code", {"code": new[0]}).status_code == 401
    assert sent_to(password_step(app, TOWN).post("/login/code", {"code": newest[0]}), "/")
    assert actions(TOWN).count("recovery_codes_regenerated") == 2


def test_switching_it_off_needs_a_code_or_the_password(world, app):
    town = logged_in(app, TOWN)
    enrol(town)
    town.get("/account/two-factor")
    assert town.post("/account/two-factor/disable", {"disable-proof": "123456"}).status_code == 422
    assert user(TOWN).has_totp
    done = town.post("/account/two-factor/disable", {"disable-proof": PASSWORD})
    assert sent_to(done, "/account/two-factor")
    assert not user(TOWN).has_totp
    assert db.session.scalar(select(RecoveryCode.id)) is None
    assert logged_in(app, TOWN).get("/town/").status_code == 200  # the password alone again
    assert actions(TOWN)[-3:].count("totp_disabled") == 1


def test_no_secret_or_code_in_the_audit_log(world, app):
    town = logged_in(app, TOWN)
    totp, codes = enrol(town)
    password_step(app, TOWN).post("/login/code", {"code": codes[1]})
    password_step(app, TOWN).post("/login/code", {"code": "999999"})
    account = user(TOWN)
    details = " ".join(db.session.scalars(select(AuditEvent.detail)))
    for secret in (totp.secret, account.totp_seed, *codes, *(c.replace("-", "") for c in codes)):
        assert secret not in details
    assert {"totp_enabled", "recovery_code_used", "totp_failed"} <= set(actions(TOWN))


def test_the_operator_resets_a_lost_factor(world, app):
    totp, _codes = enrol(logged_in(app, TOWN))
    result = app.test_cli_runner().invoke(args=["accounts", "reset-two-factor", TOWN])
    assert result.exit_code == 0, result.output
    assert not user(TOWN).has_totp and user(TOWN).totp_seed is None
    assert logged_in(app, TOWN).get("/town/").status_code == 200
    unknown = app.test_cli_runner().invoke(args=["accounts", "reset-two-factor", "nobody@example.pl"])
    assert unknown.exit_code != 0


def test_the_pages_cost_a_fixed_number_of_queries(world, app):
    town = logged_in(app, TOWN)
    town.post("/account/two-factor/start")
    with count_queries(db.engine) as pending:
        assert town.get("/account/two-factor").status_code == 200
    enrol(town)
    with count_queries(db.engine) as enrolled:
        assert town.get("/account/two-factor").status_code == 200
    client = password_step(app, TOWN)
    with count_queries(db.engine) as code_page:
        assert client.get("/login/code").status_code == 200
    # the bell's count comes with the user (issue 17)
    assert (pending.count, enrolled.count, code_page.count) == (1, 2, 1)


def test_the_same_code_sent_at_once_from_many_places_passes_once(world, app):
    """A replay raced against the real login: six sessions past the password send the same
    code at once (PostgreSQL runs them truly in parallel; on SQLite the writers queue, and
    the answer must be the same), then the same recovery code."""
    totp, codes = enrol(logged_in(app, TOWN))

    def send(client: Client, typed: str, barrier: threading.Barrier, results: list[int]) -> None:
        barrier.wait()
        results.append(client.post("/login/code", {"code": typed}).status_code)

    for typed in (next_code(totp), codes[0]):
        clients = [password_step(app, TOWN) for _ in range(6)]
        barrier, results = threading.Barrier(len(clients)), []
        threads = [threading.Thread(target=send, args=(c, typed, barrier, results)) for c in clients]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=60)
        assert sorted(results) == [302] + [401] * 5, (typed, results)
    assert actions(TOWN).count("recovery_code_used") == 1
