"""The fixtures of the real-browser tests (helpers and the why: tests/support/browser.py).
A test module uses them with `pytest_plugins = ["support.browser_fixtures"]`."""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator

import pytest
import sqlalchemy as sa
from flask import Flask
from werkzeug.serving import make_server

from support import app_for_tests
from support.browser import CHROMIUM, LAUNCH_ARGS, Live, Restorer, chromium_or_skip
from support.skips import postgres_or_skip
from support.snapshot import DemoSnapshot
from workflow.extensions import db


@pytest.fixture(scope="session")
def live_database(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    base = os.environ.get("TEST_DATABASE_URL")
    if not base:
        yield f"sqlite:///{tmp_path_factory.mktemp('live') / 'live.sqlite3'}"
        return
    yield from postgres_or_skip(base, "sciezka_live")


@pytest.fixture(scope="session")
def live_app(live_database: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Flask]:
    chromium_or_skip()
    instance = tmp_path_factory.mktemp("live-instance")
    # TESTING off: errors go through the error pages, as for a real user.
    app = app_for_tests(live_database, instance, TESTING=False, UPLOAD_MAX_MB=2)
    with app.app_context():
        db.create_all()
    yield app
    with app.app_context():
        db.session.remove()
        db.drop_all()
        db.engine.dispose()


@pytest.fixture(scope="session")
def live_server(live_app: Flask) -> Iterator[Live]:
    server = make_server("127.0.0.1", 0, live_app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield Live(live_app, f"http://127.0.0.1:{server.server_port}")
    server.shutdown()
    thread.join(5)


@pytest.fixture(scope="session")
def chromium() -> Iterator[object]:
    chromium_or_skip()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=LAUNCH_ARGS)
        yield browser
        browser.close()


@pytest.fixture(scope="session")
def seeded(live_server: Live, demo_snapshot: DemoSnapshot) -> Live:
    """The demo, as the run seeded it once (tests/conftest.py `demo_snapshot`), copied into
    the served database. The modules change it a little (drafts, reopened sheets); each is
    written to pass whatever another module did before it."""
    live_server.snapshot = Restorer(demo_snapshot.snapshot, live_server.app)
    live_server.snapshot.restore()
    return live_server


@pytest.fixture(scope="module")
def live(seeded: Live) -> Live:
    """The served demo, everyone's language back to Polish (a module may have switched)."""
    from workflow.models import User

    seeded.query(lambda: (db.session.execute(sa.update(User).values(locale="pl")), db.session.commit()))
    return seeded


@pytest.fixture(scope="module")
def pristine(seeded: Live) -> Iterator[None]:
    """For a module that needs the demo as seeded (the journey ranks every RL-2019
    application, so no other module's reopened sheet may be missing) and changes it for good
    (announces the ranking): the seeded demo is put back before and after it."""
    seeded.snapshot.restore()
    yield
    seeded.snapshot.restore()
