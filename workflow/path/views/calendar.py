"""Calendar feeds: the town's page to make or revoke its secret iCalendar link, the
coordinator's view of a town's link, and the public feed itself (no login: the secret
in the URL is the key, as calendar programs cannot log in)."""

from __future__ import annotations

from flask import Blueprint, Response, abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.wrappers import Response as WerkzeugResponse

from workflow.extensions import db
from workflow.models import Applicant, CalendarFeed, Role, User
from workflow.path import calendar_feed
from workflow.web.helpers import role_required

bp = Blueprint("calendar", __name__)


def own_applicant() -> Applicant:
    applicant = db.session.get(Applicant, current_user.applicant_id) if current_user.applicant_id else None
    if applicant is None:
        abort(404)
    return applicant


def render_feed_page(applicant: Applicant, token: str | None = None, status: int = 200) -> tuple[str, int]:
    feed = calendar_feed.active_feed(applicant.id)
    creator = db.session.get(User, feed.created_by_id) if feed and feed.created_by_id else None
    url = url_for("calendar.feed", token=token, _external=True) if token else None
    is_town = current_user.role == Role.TOWN
    template = "path/calendar/town.html" if is_town else "path/calendar/coordinator.html"
    return render_template(template, applicant=applicant, feed=feed, creator=creator, url=url,
                           webcal=url.replace("https://", "webcal://", 1).replace("http://", "webcal://", 1)
                           if url else None), status


@bp.route("/town/calendar")
@role_required(Role.TOWN)
def town() -> tuple[str, int]:
    return render_feed_page(own_applicant())


@bp.route("/town/calendar", methods=["POST"])
@role_required(Role.TOWN)
def create() -> tuple[str, int]:
    """Answered with the page itself, not a redirect: the link is shown this once and
    never travels in a cookie or a URL of ours."""
    applicant = own_applicant()
    _feed, token = calendar_feed.create(applicant, current_user)
    return render_feed_page(applicant, token, 201)


@bp.route("/coordinator/applicants/<int:applicant_id>/calendar")
@role_required(Role.COORDINATOR)
def coordinator(applicant_id: int) -> tuple[str, int]:
    applicant = db.session.get(Applicant, applicant_id)
    if applicant is None:
        abort(404)
    return render_feed_page(applicant)


@bp.route("/calendar/feeds/<int:feed_id>/revoke", methods=["POST"])
@role_required(Role.TOWN, Role.COORDINATOR)
def revoke(feed_id: int) -> WerkzeugResponse:
    """A town revokes its own link; a coordinator any town's. Anyone else: 404."""
    feed = db.session.get(CalendarFeed, feed_id)
    if feed is None or (current_user.role == Role.TOWN and feed.applicant_id != current_user.applicant_id):
        abort(404)
    calendar_feed.revoke(feed, current_user)
    flash(_("Link do kalendarza został unieważniony. Kalendarze, które go subskrybowały, "
            "przestaną otrzymywać terminy."), "success")
    if current_user.role == Role.TOWN:
        return redirect(url_for("calendar.town"))
    return redirect(url_for("calendar.coordinator", applicant_id=feed.applicant_id))


@bp.route("/calendar/<token>.ics")
def feed(token: str) -> Response:
    found = calendar_feed.lookup(token)
    if found is None:
        abort(404)
    body = calendar_feed.ical(found.applicant)
    return Response(body, content_type="text/calendar; charset=utf-8", headers={
        "Content-Disposition": 'inline; filename="terminy.ics"',
        "Cache-Control": "private, max-age=300",
        "X-Robots-Tag": "noindex, nofollow",
    })
