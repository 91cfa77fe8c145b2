"""Security headers on every kind of response, HSTS and Secure cookies in production, and
templates that the Content-Security-Policy does not break (no inline script or style)."""

from __future__ import annotations

import re
import secrets
from pathlib import Path

import pytest
from factories.path import PDF
from sqlalchemy import select
from support import app_for_tests

from workflow.accounts.security import CONTENT_SECURITY_POLICY
from workflow.app import create_app
from workflow.extensions import db
from workflow.models import Document, LoginAttempt

TEMPLATES = Path(__file__).resolve().parent.parent / "templates"
EXPECTED = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
}


def assert_secure_headers(response) -> None:  # noqa: ANN001
    for name, value in EXPECTED.items():
        assert response.headers.get(name) == value, (name, response.headers.get(name))
    assert "camera=()" in response.headers["Permissions-Policy"]


def test_the_policy_is_the_one_asked_for():
    assert CONTENT_SECURITY_POLICY == (
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
        "object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'")


def test_headers_on_a_page_a_404_and_a_download(world, login, browser):
    page = browser.get("/login")
    assert page.status_code == 200
    assert_secure_headers(page)
    missing = browser.get("/no/such/page")
    assert missing.status_code == 404
    assert_secure_headers(missing)

    town = login("town-a@example.pl")
    town.upload(world.paths["a"].id, "diagnoza.pdf", PDF)
    document_id = db.session.scalar(select(Document.id))
    download = town.get(f"/documents/{document_id}")
    assert download.status_code == 200
    assert download.headers["Content-Disposition"].startswith("attachment")
    assert_secure_headers(download)
    # Development and testing never send HSTS: it would pin http://localhost to https.
    for response in (page, missing, download):
        assert "Strict-Transport-Security" not in response.headers


@pytest.fixture
def production_app(database_url, tmp_path, app):  # noqa: ANN001, ANN201
    """The app as deployed: APP_ENV=production and a strong key (same database)."""
    return create_app({
        "APP_ENV": "production",
        "SECRET_KEY": secrets.token_urlsafe(48),
        "SQLALCHEMY_DATABASE_URI": database_url,
        "INSTANCE_PATH": str(tmp_path / "instance"),
        "UPLOAD_DIR": str(tmp_path / "uploads"),
    })


def test_production_sends_hsts_and_secure_cookies(production_app):
    client = production_app.test_client()
    response = client.get("/login", base_url="https://sciezka.example.pl")
    assert response.status_code == 200
    assert_secure_headers(response)
    assert response.headers["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains"
    missing = client.get("/no/such/page", base_url="https://sciezka.example.pl")
    assert missing.headers["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains"

    # The login form put its CSRF token in the session: the cookie is Secure, HttpOnly, Lax.
    cookie = response.headers["Set-Cookie"]
    assert cookie.startswith("session=")
    flags = {part.strip().lower() for part in cookie.split(";")}
    assert {"secure", "httponly", "samesite=lax"} <= flags

    config = production_app.config
    assert config["SESSION_COOKIE_SECURE"] and config["SESSION_COOKIE_HTTPONLY"]
    assert config["SESSION_COOKIE_SAMESITE"] == "Lax"
    assert config["REMEMBER_COOKIE_SECURE"] and config["REMEMBER_COOKIE_HTTPONLY"]
    assert config["REMEMBER_COOKIE_SAMESITE"] == "Lax"


def test_testing_cookies_are_not_secure_only(app):
    assert not app.config["SESSION_COOKIE_SECURE"]
    assert app.config["SESSION_COOKIE_HTTPONLY"]


INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)[^>]*>", re.I)
INLINE_STYLE = re.compile(r"<style\b|\sstyle\s*=", re.I)
EVENT_HANDLER = re.compile(r"<[^>]*\son[a-z]+\s*=", re.I)
JS_URL = re.compile(r"javascript:", re.I)


def test_templates_carry_no_inline_script_or_style():
    """script-src 'self' and style-src 'self' would block these: use static files."""
    offences = []
    for template in sorted(TEMPLATES.rglob("*.html")):
        text = template.read_text(encoding="utf-8")
        for name, pattern in (("inline script", INLINE_SCRIPT), ("inline style", INLINE_STYLE),
                              ("event handler", EVENT_HANDLER), ("javascript: URL", JS_URL)):
            for match in pattern.finditer(text):
                line = text.count("\n", 0, match.start()) + 1
                offences.append(f"{template.relative_to(TEMPLATES)}:{line}: {name}")
    assert not offences, "\n".join(offences)


def test_behind_a_trusted_proxy_the_client_address_is_the_forwarded_one(world, app, tmp_path):
    proxied = app_for_tests(app.config["SQLALCHEMY_DATABASE_URI"], tmp_path, TRUSTED_PROXIES=1)
    client = proxied.test_client()
    page = client.get("/login")
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page.get_data(as_text=True)).group(1)
    client.post("/login", data={"csrf_token": token, "email": "x@example.pl", "password": "wrong"},
                headers={"X-Forwarded-For": "203.0.113.9"}, environ_base={"REMOTE_ADDR": "10.0.0.1"})
    assert db.session.scalar(select(LoginAttempt.ip)) == "203.0.113.9"
