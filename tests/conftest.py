"""Fixtures: one real database per test run (SQLite, or PostgreSQL when
TEST_DATABASE_URL is set), emptied after every test, and rows built by small factories.

On PostgreSQL the run creates a database of its own with a random name and drops it at
the end, so two runs never share tables. Under CI=true an unreachable PostgreSQL fails
the run instead of skipping it.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa
from flask import Flask
from support import VERSION_RE, Browser, app_for_tests, empty_tables, postgres_database  # noqa: F401
from werkzeug.security import generate_password_hash

from workflow.demo.parts import pdf_bytes
from workflow.extensions import db
from workflow.models import (
    AdvisorAssignment,
    Applicant,
    ApplicantMember,
    Municipality,
    Path,
    Programme,
    StageDeadline,
    User,
)

PASSWORD = "correct horse battery staple"
# A cheap hash: the tests log in often, and the hash's strength is not under test here.
PASSWORD_HASH = generate_password_hash(PASSWORD, method="pbkdf2:sha256:1000")
IN_CI = os.environ.get("CI", "").lower() == "true"


def postgres_or_skip(base_url: str) -> Iterator[str]:
    try:
        with postgres_database(base_url) as url:
            yield url
    except sa.exc.OperationalError as exc:
        if IN_CI:
            raise RuntimeError(f"PostgreSQL at {base_url} is not reachable under CI") from exc
        pytest.skip(f"PostgreSQL at {base_url} is not reachable: {exc.orig}")


@pytest.fixture(scope="session")
def database_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    base = os.environ.get("TEST_DATABASE_URL")
    if base:
        yield from postgres_or_skip(base)
    else:
        yield f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.sqlite3'}"


@pytest.fixture(scope="session")
def is_postgres(database_url: str) -> bool:
    return database_url.startswith("postgresql")


@pytest.fixture(scope="session")
def app(database_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Flask]:
    instance = tmp_path_factory.mktemp("instance")
    app = app_for_tests(database_url, instance, UPLOAD_MAX_MB=1)
    with app.app_context():
        db.create_all()
    yield app
    with app.app_context():
        db.session.remove()
        db.drop_all()
        db.engine.dispose()


@pytest.fixture(autouse=True)
def _clean_database(request: pytest.FixtureRequest) -> Iterator[None]:
    """Empty every table after each test that used the app."""
    yield
    if "app" not in request.fixturenames:
        return
    app: Flask = request.getfixturevalue("app")
    with app.app_context():
        empty_tables()


@pytest.fixture
def ctx(app: Flask) -> Iterator[None]:
    """An application context for tests that call services directly."""
    with app.app_context():
        yield
        db.session.remove()


# --- factories -------------------------------------------------------------------------

NOW = datetime.now(UTC)


@dataclass
class World:
    """A small programme: towns A and B with members and advisors, a coordinator, an
    evaluator, and an advisor assigned to nobody."""

    programme: Programme
    paths: dict[str, Path] = field(default_factory=dict)
    users: dict[str, User] = field(default_factory=dict)

    def path(self, key: str) -> Path:
        """The path as the database has it now (requests write in sessions of their own)."""
        db.session.expire_all()
        return db.session.get(Path, self.paths[key].id)

    def user(self, key: str) -> User:
        db.session.expire_all()
        return db.session.get(User, self.users[key].id)


def make_user(email: str, role: str, applicant: Applicant | None = None) -> User:
    user = User(email=email, name=email.split("@")[0], password_hash=PASSWORD_HASH, role=role,
                applicant=applicant)
    db.session.add(user)
    return user


def make_town(programme: Programme, name: str, voivodeship: str = "mazowieckie",
              state: str = "diagnosis.draft", kind: str = "town") -> Path:
    municipality = Municipality(name=name, voivodeship=voivodeship)
    applicant = Applicant(kind=kind, name=name, voivodeship=voivodeship)
    applicant.memberships.append(ApplicantMember(municipality=municipality, is_leader=True))
    path = Path(programme=programme, applicant=applicant, state=state)
    db.session.add_all([municipality, applicant, path])
    return path


def make_programme(code: str = "RL-TEST", path_code: str = "rozwoj-lokalny",
                   deadline: datetime | None = None) -> Programme:
    programme = Programme(code=code, title_pl="Rozwój Lokalny test", title_en="Local Development test",
                          path_code=path_code)
    db.session.add(programme)
    db.session.flush()
    due = deadline or NOW + timedelta(days=30)
    for stage in ("diagnosis", "prl", "pri", "application", "strategy", "key_project"):
        db.session.add(StageDeadline(programme_id=programme.id, stage=stage, due_at=due))
    return programme


@pytest.fixture
def world(ctx: None) -> World:
    programme = make_programme()
    world = World(programme=programme)
    for key, name in (("a", "Ostrzeszów"), ("b", "Wałcz")):
        path = make_town(programme, name)
        world.paths[key] = path
    db.session.flush()
    for key in ("a", "b"):
        world.users[f"town_{key}"] = make_user(f"town-{key}@example.pl", "town",
                                               world.paths[key].applicant)
        advisor = make_user(f"advisor-{key}@example.pl", "advisor")
        world.users[f"advisor_{key}"] = advisor
    world.users["advisor_none"] = make_user("advisor-none@example.pl", "advisor")
    world.users["coordinator"] = make_user("coordinator@example.pl", "coordinator")
    world.users["evaluator"] = make_user("evaluator@example.pl", "evaluator")
    db.session.flush()
    for key in ("a", "b"):
        db.session.add(AdvisorAssignment(path_id=world.paths[key].id,
                                         advisor_id=world.users[f"advisor_{key}"].id, kind="lead"))
    db.session.commit()
    return world


# --- web helpers -----------------------------------------------------------------------

@pytest.fixture
def browser(app: Flask) -> Browser:
    return Browser(app, PASSWORD)


def as_user(app: Flask, email: str) -> Browser:
    b = Browser(app, PASSWORD)
    response = b.login(email)
    assert response.status_code == 302, response.get_data(as_text=True)[:500]
    return b


@pytest.fixture
def login(app: Flask):  # noqa: ANN201
    return lambda email: as_user(app, email)


PDF = pdf_bytes("test document")
