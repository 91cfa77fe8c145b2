"""Help: /help summarises each role's work and links the full user guide, which the app
serves itself (docs/user-guide.md as a page of the site, its Markdown source to download, and
the screenshots the browser tests take), so help works on a town's network without internet
access."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

from flask import Blueprint, abort, current_app, g, render_template, send_from_directory
from werkzeug.wrappers import Response

from workflow.web.guide import guide_html

bp = Blueprint("help", __name__)

DOCS = Path(__file__).resolve().parents[3] / "docs"
ROLES = ("town", "advisor", "evaluator", "coordinator")


def screenshot_names(lang: str) -> dict[str, str]:
    """The landing-page screenshot of each role in `lang`, for the roles that have one."""
    names = {role: f"{role}-{lang}.png" for role in ROLES}
    return {role: name for role, name in names.items() if (DOCS / "screenshots" / name).is_file()}


@bp.route("/help")
def index() -> str:
    return render_template("web/help/index.html", roles=ROLES, screenshots=screenshot_names(g.locale))


@bp.route("/help/guide")
def guide() -> str:
    """The guide as a page of the site (its layout, language and title); its images are
    addressed relative to this address (screenshots/<name>)."""
    return render_template("web/help/guide.html", guide=guide_html(DOCS / "user-guide.md"))


@bp.route("/help/guide.md")
def guide_source() -> Response:
    """The guide's Markdown source, to download: readable as plain text, no converter needed."""
    response = send_from_directory(DOCS, "user-guide.md", mimetype="text/markdown", as_attachment=True,
                                   download_name="sciezka-user-guide.md")
    response.charset = "utf-8"
    return response


# A screenshot of the guide: a name of docs/screenshots (words, then the language).
SCREENSHOT = re.compile(r"[a-z]+(-[a-z]+)*-(pl|en)\.png")


@bp.route("/help/screenshots/<name>")
def screenshot(name: str) -> Response:
    if not SCREENSHOT.fullmatch(name):
        abort(404)
    return send_from_directory(DOCS / "screenshots", name, mimetype="image/png")


# The dates of the accessibility statement (the official template asks for all three).
PUBLISHED_ON, UPDATED_ON, STATEMENT_ON = date(2026, 10, 1), date(2026, 12, 5), date(2026, 12, 5)


@bp.route("/accessibility")
def accessibility() -> str:
    """The accessibility statement (deklaracja dostępności), in the structure of the official
    template for Polish public bodies (the a11y-* ids), in the page's language."""
    config = current_app.config
    return render_template("web/help/accessibility.html", published=PUBLISHED_ON, updated=UPDATED_ON,
                           prepared=STATEMENT_ON, contact=config.get("ACCESSIBILITY_CONTACT", ""),
                           email=config.get("ACCESSIBILITY_EMAIL", ""),
                           phone=config.get("ACCESSIBILITY_PHONE", ""))


@bp.route("/favicon.ico")
def favicon() -> Response:
    """Browsers ask for /favicon.ico whatever the page says; pages link the SVG and PNG too."""
    static = Path(current_app.static_folder or "")
    return send_from_directory(static, "favicon.ico", mimetype="image/vnd.microsoft.icon", max_age=86400)
