"""Addresses that moved. Every URL is English now and the coordinator's pages share one
prefix, but the old addresses live on in e-mails, bookmarks and the towns' calendars: each
old rule answers with a redirect to the endpoint that serves it now, keeping the path
parameters and the query string. GET and HEAD get 301; other methods 308, so a form posted
to an old address is posted again, with its body, to the new one.

One table, MOVED: old rule -> new endpoint (the old rule's parameters are the endpoint's).
KEPT: old rules that keep serving their page themselves, because whoever holds them may
not follow a redirect (a calendar program polling a town's secret feed link).
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from flask import Flask, redirect, request, url_for
from werkzeug.wrappers import Response

from workflow.extensions import csrf

REPORT_TABLE = "<any(log, programme, town, advisor, field, month):table>.<any(csv, xlsx):fmt>"

MOVED: dict[str, str] = {
    # help
    "/pomoc": "help.index",
    "/pomoc/przewodnik": "help.guide",
    "/pomoc/zrzuty/<name>": "help.screenshot",
    # everyone's inbox
    "/powiadomienia/": "inbox.index",
    "/powiadomienia/<int:notification_id>/przeczytane": "inbox.mark_read",
    "/powiadomienia/przeczytane": "inbox.mark_all_read",
    "/powiadomienia/ustawienia": "inbox.settings",
    # the coordinator's message texts and outbox
    "/koordynator/komunikaty/": "message_templates.index",
    "/koordynator/komunikaty/<code>/<kind>": "message_templates.edit",
    "/koordynator/komunikaty/<code>/<kind>/przywroc": "message_templates.reset",
    "/koordynator/wysylka": "message_templates.outbox",
    "/koordynator/wysylka/<int:notification_id>/ponow": "message_templates.retry",
    # prepared exports
    "/eksporty/<int:job_id>": "exports.job",
    "/eksporty/<int:job_id>.json": "exports.status",
    "/eksporty/<int:job_id>/plik": "exports.download",
    # calendar links
    "/calendar-feeds/<int:feed_id>/revoke": "calendar.revoke",
    # the consultation log (was "services", a word kept for the code's layer)
    "/advisor/services/": "consultations.advisor_list",
    "/advisor/services/new": "consultations.new",
    "/advisor/services/<int:service_id>": "consultations.detail",
    "/advisor/services/<int:service_id>/edit": "consultations.edit",
    "/advisor/services/<int:service_id>/delete": "consultations.delete",
    "/town/services/": "consultations.town_list",
    "/coordinator/services/<int:service_id>": "consultations.coordinator_detail",
    "/coordinator/services/<int:service_id>/edit": "consultations.coordinator_edit",
    "/coordinator/reports/services": "reports.consultations",
    f"/coordinator/reports/services/{REPORT_TABLE}": "reports.export",
    f"/coordinator/reports/services/{REPORT_TABLE}/prepare": "exports.prepare",
}

KEPT: dict[str, str] = {
    "/kalendarz/<token>.ics": "calendar.feed",
}

QUERY_SAFE = "/?:@!$&'()*+,;=%~"
MOVED_PREFIX = "moved:"
KEPT_PREFIX = "kept:"


def moved(**values: Any) -> Response:
    """The redirect of an old rule (found by the rule that matched) to its new address."""
    assert request.url_rule is not None  # a view is only reached through its rule
    location = url_for(MOVED[request.url_rule.rule], **values)
    if request.query_string:
        # byte for byte; a raw byte a client did not escape is escaped, as a browser would
        location += "?" + quote(request.query_string, safe=QUERY_SAFE)
    return redirect(location, 301 if request.method in ("GET", "HEAD") else 308)


def register_redirects(app: Flask) -> None:
    """Add the old rules; after the blueprints, whose rules say which methods each accepts."""
    csrf.exempt(moved)  # the redirect changes nothing; the new address checks the form's token
    for table, prefix in ((MOVED, MOVED_PREFIX), (KEPT, KEPT_PREFIX)):
        for old, endpoint in table.items():
            methods = {m for rule in app.url_map.iter_rules(endpoint) for m in rule.methods or ()}
            view = moved if table is MOVED else app.view_functions[endpoint]
            app.add_url_rule(old, endpoint=prefix + old, view_func=view,
                             methods=sorted(methods - {"HEAD", "OPTIONS"}))
