"""create_app(): extensions, blueprints, CLI commands and error pages, wired together."""

from __future__ import annotations

from pathlib import Path

from flask import (
    Flask,
    abort,
    current_app,
    flash,
    g,
    has_request_context,
    redirect,
    request,
    session,
    url_for,
)
from flask_babel import gettext, lazy_gettext, refresh
from flask_login import current_user, logout_user
from werkzeug.wrappers import Response

import config
from workflow import revisions, text
from workflow.accounts import operations as accounts
from workflow.accounts import security
from workflow.accounts.operations import load_session_user
from workflow.advice import service_totals
from workflow.blueprints import register_blueprints
from workflow.cli import register_cli
from workflow.evaluation import summary as evaluation_summary
from workflow.extensions import babel, csrf, db, login_manager
from workflow.messaging import inbox
from workflow.models import User
from workflow.web.errors import register_error_handlers
from workflow.web.templating import register_template_helpers

ROOT = Path(__file__).resolve().parent.parent


def select_locale() -> str | None:
    """The user's saved language, then the session's, then the browser's, then Polish.
    Outside a request (a task, a test calling an operation): the default, Polish."""
    if not has_request_context():
        return None
    languages = current_app.config["LANGUAGES"]
    if current_user and current_user.is_authenticated and current_user.locale in languages:
        return current_user.locale
    chosen = session.get("lang")
    if chosen in languages:
        return chosen
    return request.accept_languages.best_match(languages) or current_app.config["BABEL_DEFAULT_LOCALE"]


def create_app(overrides: dict | None = None) -> Flask:
    settings = config.load(overrides)
    app = Flask(
        __name__,
        instance_path=settings["INSTANCE_PATH"],
        template_folder=str(ROOT / "templates"),
        static_folder=str(Path(__file__).resolve().parent / "static"),
    )
    app.config.update(settings)
    Path(app.instance_path).mkdir(parents=True, exist_ok=True)

    db.init_app(app)
    service_totals.install()  # the services report's totals follow every write (decision 0029)
    evaluation_summary.install()  # the evaluation overview's lines follow the scores (decision 0035)
    revisions.install()  # last: the names' revision is the last row a commit locks (decision 0047)
    with app.app_context():  # Polish order and search in SQL on SQLite too (decision 0026)
        text.register_sqlite(db.engine)
    csrf.init_app(app)
    babel.init_app(
        app,
        locale_selector=select_locale,
        timezone_selector=lambda: app.config["TIMEZONE"],
        default_translation_directories=str(ROOT / "translations"),
    )
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message_category = "info"
    login_manager.login_message = lazy_gettext("Zaloguj się, aby zobaczyć tę stronę.")

    @login_manager.user_loader
    def load_user(user_id: str) -> User | None:
        user, also = load_session_user(user_id, inbox.unread_count_column())
        # The bell's number came with the user (messaging/views/inbox.py reads it from `g`).
        # A POST may mark or write notifications before its page is drawn: counted then.
        if user is not None and request.method in ("GET", "HEAD"):
            g.unread_notifications = also[0] or 0
        else:
            g.pop("unread_notifications", None)
        return user

    security.init_app(app)
    register_blueprints(app)
    register_error_handlers(app)
    register_template_helpers(app)
    register_cli(app)

    @app.before_request
    def _session_in_time() -> Response | None:
        """An idle or too old session ends here, with a word on the login page (the user
        loader refuses it too, whichever runs first)."""
        if request.endpoint == "static" or "_user_id" not in session:
            return None
        if accounts.session_in_time():
            accounts.touch_session()
            return None
        logout_user()
        flash(gettext("Sesja wygasła. Zaloguj się ponownie."), "info")
        if request.endpoint == "auth.login":
            return None
        target = request.full_path.rstrip("?") if request.method == "GET" else None
        return redirect(url_for("auth.login", next=target))

    @app.before_request
    def _locale_for_templates() -> None:
        refresh()  # a request choosing its own language, even in an app context it shares
        g.locale = str(select_locale())

    @app.before_request
    def _refuse_nul_bytes() -> None:
        """No text we keep may hold a NUL byte (PostgreSQL refuses them): a 400, not a 500."""
        values = [*request.args.values(), *request.form.values(), request.path]
        if any("\x00" in v for v in values):
            abort(400)

    return app
