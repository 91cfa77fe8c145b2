"""Users of each role, the password every one of them logs in with, and logging in as one."""

from __future__ import annotations

from flask import Flask
from support import Browser
from werkzeug.security import generate_password_hash

from workflow.extensions import db
from workflow.models import Applicant, User

PASSWORD = "correct horse battery staple"
# A cheap hash: the tests log in often, and the hash's strength is not under test here.
PASSWORD_HASH = generate_password_hash(PASSWORD, method="pbkdf2:sha256:1000")


def make_user(email: str, role: str, applicant: Applicant | None = None) -> User:
    user = User(email=email, name=email.split("@")[0], password_hash=PASSWORD_HASH, role=role,
                applicant=applicant)
    db.session.add(user)
    return user


def as_user(app: Flask, email: str) -> Browser:
    b = Browser(app, PASSWORD)
    response = b.login(email)
    assert response.status_code == 302, response.get_data(as_text=True)[:500]
    return b
