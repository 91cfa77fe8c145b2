"""The authorization matrix's table: who may use each route of the app, and how to fill
its URL with an object of town A or of town B (tests/test_authz_matrix.py runs it, and
tests/test_authz_cases.py and tests/test_fuzz_forms.py walk the routes it opens). A route
added to the app needs an entry in ENTRIES, or test_authz_matrix fails with its name.

Answers: OK (the page or the action is reachable: 2xx, 3xx other than to the login page,
or a 4xx about the input such as 400/409), LOGIN (sent to the login page), HIDDEN (404, as
if it did not exist), FORBIDDEN (403) and DENIED (403 or 404: a wrong role); MOVED_TO for
an old address (workflow/web/redirects.py). An old address that still serves its page
answers as its new endpoint's entry says.

Also: one logged-in browser per role of the matrix, and every row of the database, to
compare before and after a refused request. The objects themselves: tests/factories/authz.py.
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from factories.accounts import PASSWORD, as_user
from factories.authz import ROLES
from flask import Flask, url_for

from support import CSRF_RE, Browser
from workflow.extensions import db
from workflow.web.redirects import KEPT, KEPT_PREFIX
from workflow.web.views.help import DOCS

OK, LOGIN, HIDDEN, FORBIDDEN, DENIED = "ok", "login", "hidden (404)", "forbidden (403)", "denied (403/404)"
MOVED_TO = "moved (301 to GET, 308 to POST)"
SKIPPED_METHODS = {"HEAD", "OPTIONS"}

Expect = Callable[[str, str], str]
Args = Callable[[Callable[[str], int]], dict[str, Any] | list[dict[str, Any]]]


# --- expectations ------------------------------------------------------------------------------

def only(*roles: str) -> Expect:
    """Routes of a role without an object of a town: its users get in, others are refused."""
    return lambda role, _which: OK if role in roles else LOGIN if role == "anonymous" else DENIED


def per_object(table: dict[str, str | dict[str, str]], default: str = DENIED) -> Expect:
    """Routes naming an object: `table[role]` is the answer, or {"a": …, "b": …} per town."""
    def expect(role: str, which: str) -> str:
        if role == "anonymous":
            return LOGIN
        answer = table.get(role, default)
        return answer[which] if isinstance(answer, dict) else answer
    return expect


def everyone(_role: str, _which: str) -> str:
    return OK


def logged_in(role: str, _which: str) -> str:
    return LOGIN if role == "anonymous" else OK


MINE_A = {"a": OK, "b": HIDDEN}
MINE_B = {"a": HIDDEN, "b": OK}
COORDINATOR = only("coordinator")
TOWNS = only("town_a", "town_b")
ADVISORS = only("advisor_a", "advisor_none")
EVALUATORS = only("eval_a", "eval_conflict", "eval_none")
OWN_TOWN = per_object({"town_a": MINE_A, "town_b": MINE_B})
ADVISED_TOWN = per_object({"advisor_a": MINE_A, "advisor_none": HIDDEN})
EVALUATED = per_object({"eval_a": MINE_A, "eval_conflict": {"a": FORBIDDEN, "b": HIDDEN},
                        "eval_none": HIDDEN})
SEEN_PATH = {"town_a": MINE_A, "town_b": MINE_B, "advisor_a": MINE_A, "advisor_none": HIDDEN,
             "coordinator": OK}
# Firing a transition: who sees the path (evaluators see none through this route).
FIRE = per_object(SEEN_PATH, default=HIDDEN)
# What the applicant's team alone does (consultations, the project package): staff who see the
# path are refused (403), everyone else finds nothing.
TEAM_ACTS = per_object({"town_a": MINE_A, "town_b": MINE_B, "advisor_a": {"a": FORBIDDEN, "b": HIDDEN},
                        "coordinator": FORBIDDEN}, default=HIDDEN)
# A document: who sees the path, and the evaluator who declared impartiality.
DOCUMENT = per_object({**SEEN_PATH, "eval_a": MINE_A}, default=HIDDEN)


# An exchange group (decision 0038): seen by its cities' teams, its moderator (group A's only)
# and the analyst; run by the moderator and the analyst, a city of the group is refused (403).
GROUP_SEEN = per_object({"town_a": MINE_A, "town_b": MINE_B, "moderator": MINE_A, "coordinator": OK})
GROUP_RUN = per_object({"town_a": {"a": FORBIDDEN, "b": HIDDEN}, "town_b": {"a": HIDDEN, "b": FORBIDDEN},
                        "moderator": MINE_A, "coordinator": OK})


# --- the table -----------------------------------------------------------------------------------

@dataclass(frozen=True)
class Entry:
    args: Args
    expect: Expect


def no_args(_o: Callable[[str], int]) -> dict[str, Any]:
    return {}


def arg(name: str, kind: str, **more: Any) -> Args:
    return lambda o: {name: o(kind), **more}


def coordinator_with(**kinds: str) -> Entry:
    return Entry(lambda o: {name: o(kind) for name, kind in kinds.items()}, COORDINATOR)


ENTRIES: dict[str, Entry] = {
    # everyone
    "auth.home": Entry(no_args, logged_in),
    "auth.login": Entry(no_args, everyone),
    "auth.logout": Entry(no_args, lambda _r, _w: LOGIN),  # back to the login page, whoever you were
    "auth.forgot_password": Entry(no_args, everyone),
    "auth.reset_password": Entry(lambda _o: {"token": "not-a-token"}, everyone),
    "invitations.accept": Entry(lambda _o: {"token": "not-a-token"}, everyone),
    "auth.change_password": Entry(no_args, logged_in),
    "auth.end_sessions": Entry(no_args, lambda _r, _w: LOGIN),  # everyone ends on the login page
    # the second factor: one's own settings; the login's code step (without a password typed
    # first, it sends even an anonymous visitor back to the login page)
    "two_factor.login_code": Entry(no_args, logged_in),
    "two_factor.settings": Entry(no_args, logged_in),
    "two_factor.start": Entry(no_args, logged_in),
    "two_factor.confirm": Entry(no_args, logged_in),
    "two_factor.regenerate": Entry(no_args, logged_in),
    "two_factor.disable": Entry(no_args, logged_in),
    "health.healthz": Entry(no_args, everyone),
    "help.index": Entry(no_args, everyone),
    "help.guide": Entry(no_args, everyone),
    "help.guide_source": Entry(no_args, everyone),
    "help.accessibility": Entry(no_args, everyone),
    "help.favicon": Entry(no_args, everyone),
    "help.screenshot": Entry(lambda _o: {"name": "town-pl.png"},
                             lambda _r, _w: OK if (DOCS / "screenshots" / "town-pl.png").is_file()
                             else HIDDEN),
    # a calendar link is a secret: whoever holds it reads that one town's deadlines
    "calendar.feed": Entry(lambda o: {"token": o("calendar_token")}, everyone),
    # every signed-in person's own notifications
    "inbox.index": Entry(no_args, logged_in),
    "inbox.mark_all_read": Entry(no_args, logged_in),
    "inbox.settings": Entry(no_args, logged_in),
    "inbox.mark_read": Entry(arg("notification_id", "notification"),
                             per_object({"town_a": MINE_A, "town_b": MINE_B}, default=HIDDEN)),
    # an export file: who asked for it, and the coordinator
    "exports.job": Entry(arg("job_id", "export_job"), per_object({"coordinator": OK}, default=HIDDEN)),
    "exports.status": Entry(arg("job_id", "export_job"), per_object({"coordinator": OK}, default=HIDDEN)),
    "exports.download": Entry(arg("job_id", "export_job"), per_object({"coordinator": OK}, default=HIDDEN)),
    "auth.language": Entry(no_args, everyone),
    "reports.public": Entry(no_args, everyone),
    "results.public": Entry(no_args, everyone),
    "results.public_download": Entry(lambda o: [{"code": o("programme_code"), "fmt": f}
                                                for f in ("csv", "xlsx", "json")], everyone),
    # the open API and its reference: public, read-only, the same for everyone (decision 0033)
    "api_v1.index": Entry(no_args, everyone),
    "api_v1.units": Entry(lambda _o: [{}, {"format": "csv"}], everyone),
    "api_v1.unit": Entry(arg("code", "unit_code"), everyone),
    "api_v1.variables": Entry(lambda _o: [{}, {"format": "csv"}], everyone),
    "api_v1.indicators": Entry(lambda _o: [{}, {"format": "csv"}], everyone),
    "api_v1.indicator": Entry(arg("code", "indicator_code"), everyone),
    "api_v1.indicator_version": Entry(arg("code", "indicator_code", version=1), everyone),
    "api_v1.values": Entry(lambda o: [{"indicator": o("indicator_code"), "format": f}
                                      for f in ("json", "csv", "jsonstat")], everyone),
    "api_v1.groups": Entry(lambda _o: [{}, {"format": "csv"}], everyone),
    "api_v1.group": Entry(arg("group_id", "group_id"), everyone),
    "api_v1.aggregates": Entry(lambda o: [{"group": o("group_id"), "format": f}
                                          for f in ("json", "csv", "jsonstat")], everyone),
    "api_reference.openapi": Entry(no_args, everyone),
    "api_reference.docs": Entry(no_args, everyone),
    # any role that sees the path or document
    "paths.fire_event": Entry(arg("path_id", "path", event="submit"), FIRE),
    "paths.download": Entry(arg("document_id", "document"), DOCUMENT),
    # an irreversible move's own page: who sees the path (409 where the move is not open)
    "paths.confirm_event": Entry(arg("path_id", "path", event="withdraw"), FIRE),
    # a partnership's page: whoever sees its path (evaluators see none through it)
    "partnership.page": Entry(arg("path_id", "path"), per_object(SEEN_PATH, default=HIDDEN)),
    # the town
    "town.dashboard": Entry(no_args, TOWNS),
    # a member municipality's approval, the leader's records: the applicant's own people
    "partnership.approve": Entry(arg("path_id", "path"), OWN_TOWN),
    "partnership.add_record": Entry(arg("path_id", "path"), OWN_TOWN),
    "town.path": Entry(arg("path_id", "path"), OWN_TOWN),
    "town.amount": Entry(arg("path_id", "path"), OWN_TOWN),
    "town.upload": Entry(arg("path_id", "path"), OWN_TOWN),
    "results.town": Entry(no_args, TOWNS),
    "results.town_path": Entry(arg("path_id", "path"), OWN_TOWN),
    "results.file_appeal": Entry(arg("path_id", "path"), OWN_TOWN),
    "consultations.town_list": Entry(no_args, TOWNS),
    "calendar.town": Entry(no_args, TOWNS),
    "calendar.create": Entry(no_args, TOWNS),
    "calendar.revoke": Entry(arg("feed_id", "calendar_feed"),
                             per_object({"town_a": MINE_A, "town_b": MINE_B, "coordinator": OK})),
    # the advisor
    "advisor.index": Entry(no_args, ADVISORS),
    "advisor.path": Entry(arg("path_id", "path"), ADVISED_TOWN),
    "advisor.signoff": Entry(arg("path_id", "path"), ADVISED_TOWN),
    "consultations.advisor_list": Entry(arg("path", "path"), ADVISED_TOWN),
    "consultations.new": Entry(arg("path", "path"), ADVISED_TOWN),
    "consultations.detail": Entry(arg("service_id", "service"), ADVISED_TOWN),
    "consultations.edit": Entry(arg("service_id", "service"), ADVISED_TOWN),
    "consultations.delete": Entry(arg("service_id", "service"), ADVISED_TOWN),
    # the evaluator
    "evaluator.index": Entry(no_args, EVALUATORS),
    "evaluator.application": Entry(arg("path_id", "path"), EVALUATED),
    "evaluator.declaration": Entry(arg("path_id", "path"), EVALUATED),
    "evaluator.sheet": Entry(arg("path_id", "path"), EVALUATED),
    # the coordinator
    "coordinator.overview": Entry(no_args, COORDINATOR),
    "coordinator.diagram": Entry(no_args, COORDINATOR),
    "coordinator.edit_deadlines": Entry(no_args, COORDINATOR),
    "coordinator.path": coordinator_with(path_id="path"),
    "coordinator.extend": coordinator_with(path_id="path"),
    "coordinator.revoke": Entry(arg("path_id", "path", stage="diagnosis"), COORDINATOR),
    "coordinator.shorten": coordinator_with(path_id="path"),
    "assignments.index": Entry(no_args, COORDINATOR),
    "assignments.add_field": Entry(no_args, COORDINATOR),
    "assignments.profile": coordinator_with(user_id="advisor"),
    "assignments.unassign": coordinator_with(assignment_id="advisor_assignment"),
    "assignments.rename_field": coordinator_with(field_id="field"),
    "assignments.restore_field": coordinator_with(field_id="field"),
    "assignments.withdraw_field": coordinator_with(field_id="field"),
    "assignments.town": coordinator_with(path_id="path"),
    "assignments.assign_expert": coordinator_with(path_id="path", field_id="field"),
    "assignments.assign_lead": coordinator_with(path_id="path"),
    "assignments.needs": coordinator_with(path_id="path"),
    "assignments.programme_board": coordinator_with(programme_id="programme"),
    "assignments.proposal": coordinator_with(programme_id="programme"),
    "results.appeals": Entry(no_args, COORDINATOR),
    "results.appeal": coordinator_with(appeal_id="appeal"),
    "results.decide": coordinator_with(appeal_id="appeal"),
    "criteria.index": Entry(no_args, COORDINATOR),
    "criteria.create": Entry(no_args, COORDINATOR),
    "criteria.new": coordinator_with(part_id="part"),
    "criteria.edit": coordinator_with(criterion_id="criterion"),
    "criteria.delete": coordinator_with(criterion_id="criterion"),
    "evaluation.index": Entry(no_args, COORDINATOR),
    "evaluation.evaluators": Entry(no_args, COORDINATOR),
    "evaluation.proposal": Entry(no_args, COORDINATOR),
    "evaluation.application": coordinator_with(path_id="path"),
    "evaluation.assign": coordinator_with(path_id="path"),
    "evaluation.assign_third": coordinator_with(path_id="path"),
    "evaluation.third_auto": coordinator_with(path_id="path"),
    "evaluation.unassign": coordinator_with(assignment_id="evaluator_assignment"),
    "ranking.index": Entry(no_args, COORDINATOR),
    "ranking.compare": Entry(no_args, COORDINATOR),
    "ranking.run": Entry(no_args, COORDINATOR),
    "ranking.snapshot": coordinator_with(snapshot_id="snapshot"),
    "ranking.announce": coordinator_with(snapshot_id="snapshot"),
    "ranking.approve": coordinator_with(snapshot_id="snapshot"),
    "ranking.grants": coordinator_with(snapshot_id="snapshot"),
    "ranking.protocol_pdf": coordinator_with(snapshot_id="snapshot"),
    "ranking.download": Entry(lambda o: [{"snapshot_id": o("snapshot"), "fmt": f}
                                         for f in ("json", "csv", "xlsx")],
                              COORDINATOR),
    "reports.consultations": Entry(no_args, COORDINATOR),
    "reports.service_rates": Entry(no_args, COORDINATOR),
    "partnership_reports.coordinator_report": Entry(no_args, COORDINATOR),
    "partnership_reports.coordinator_export": Entry(lambda _o: [{"fmt": f} for f in ("csv", "xlsx")],
                                                    COORDINATOR),
    "partnership_reports.public_list": Entry(no_args, everyone),
    "reports.export": Entry(lambda _o: [{"table": t, "fmt": f}
                                        for t in ("log", "programme", "town", "advisor", "field", "month")
                                        for f in ("csv", "xlsx")], COORDINATOR),
    "consultations.coordinator_detail": coordinator_with(service_id="service"),
    "calendar.coordinator": coordinator_with(applicant_id="applicant"),
    "audit.index": Entry(no_args, COORDINATOR),
    "audit.export": Entry(no_args, COORDINATOR),
    "exports.prepare": Entry(lambda _o: {"table": "log", "fmt": "csv"}, COORDINATOR),
    "exports.ranking_status": coordinator_with(snapshot_id="snapshot"),
    "programme_settings.edit": Entry(no_args, COORDINATOR),
    "users.index": Entry(no_args, COORDINATOR),
    "users.invite": Entry(no_args, COORDINATOR),
    "users.activate": coordinator_with(user_id="user"),
    "users.deactivate": coordinator_with(user_id="user"),
    "message_templates.index": Entry(no_args, COORDINATOR),
    "message_templates.outbox": Entry(no_args, COORDINATOR),
    "message_templates.edit": Entry(lambda o: {"code": o("programme_code"), "kind": o("kind")}, COORDINATOR),
    "message_templates.reset": Entry(lambda o: {"code": o("programme_code"), "kind": o("kind")}, COORDINATOR),
    "message_templates.retry": coordinator_with(notification_id="failed_notification"),
    "consultations.coordinator_edit": coordinator_with(service_id="service"),
    # public consultations: the open one's page, document and comment form are anyone's; its
    # comments, answers and report are its team's and staff's, acting is the team's alone
    "public_consultation.index": Entry(no_args, everyone),
    "public_consultation.page": Entry(arg("consultation_id", "consultation"), everyone),
    "public_consultation.document": Entry(arg("consultation_id", "consultation"), everyone),
    "public_consultation.comment": Entry(arg("consultation_id", "consultation"), everyone),
    "consultation_team.of_path": Entry(arg("path_id", "path"), FIRE),
    "consultation_team.publish": Entry(arg("path_id", "path"), TEAM_ACTS),
    "consultation_team.detail": Entry(arg("consultation_id", "consultation"), FIRE),
    "consultation_team.answer": Entry(lambda o: {"consultation_id": o("consultation"),
                                                 "number": o("comment_number")}, TEAM_ACTS),
    "consultation_team.close": Entry(arg("consultation_id", "consultation"), TEAM_ACTS),
    "consultation_team.report": Entry(arg("consultation_id", "consultation"), FIRE),
    "consultation_team.report_file": Entry(lambda o: [{"consultation_id": o("consultation"), "fmt": f}
                                                      for f in ("csv", "xlsx", "pdf")], FIRE),
    # the project package: read by who sees the path, changed by the applicant's team
    "projects.package": Entry(arg("path_id", "path"), FIRE),
    "projects.key": Entry(arg("path_id", "path"), FIRE),
    "projects.create": Entry(arg("path_id", "path"), TEAM_ACTS),
    "projects.project": Entry(arg("project_id", "project"), FIRE),
    "projects.update": Entry(arg("project_id", "project"), TEAM_ACTS),
    "projects.delete": Entry(arg("project_id", "project"), TEAM_ACTS),
    "projects.add_task": Entry(arg("project_id", "project"), TEAM_ACTS),
    "projects.delete_task": Entry(lambda o: {"project_id": o("project"), "task_id": o("task")}, TEAM_ACTS),
    "projects.feasibility": Entry(arg("project_id", "project"), TEAM_ACTS),
    "diagnosis.page": Entry(arg("path_id", "path"), FIRE),
    "diagnosis.annex": Entry(arg("path_id", "path"), FIRE),
    "diagnosis.results": Entry(arg("project_id", "project"), FIRE),
    "diagnosis.add": Entry(arg("project_id", "project"), TEAM_ACTS),
    "diagnosis.remove": Entry(lambda o: {"project_id": o("project"), "result_id": o("result_indicator")},
                              TEAM_ACTS),
    "diagnosis.monitoring": Entry(no_args, COORDINATOR),
    # the indicator base: public pages and files; a signed-in person may save a group
    "indicators.index": Entry(no_args, everyone),
    "indicators.units": Entry(no_args, everyone),
    "indicators.indicator": Entry(arg("code", "indicator_code"), everyone),
    "indicators.indicator_download": Entry(lambda o: [{"code": o("indicator_code"), "fmt": f}
                                                      for f in ("csv", "xlsx")], everyone),
    "indicators.unit": Entry(arg("code", "unit_code"), everyone),
    "indicators.unit_download": Entry(lambda o: [{"code": o("unit_code"), "fmt": f}
                                                 for f in ("csv", "xlsx")], everyone),
    "indicators.compare": Entry(no_args, everyone),
    "indicators.compare_download": Entry(lambda _o: [{"fmt": f} for f in ("csv", "xlsx")], everyone),
    "groups.index": Entry(no_args, everyone),
    "groups.group": Entry(arg("code", "group_code"), everyone),
    "groups.download": Entry(lambda o: [{"code": o("group_code"), "fmt": f}
                                        for f in ("csv", "xlsx", "json")], everyone),
    "groups.similar_page": Entry(no_args, everyone),
    "groups.save_similar": Entry(no_args, logged_in),
    "groups.new_list": Entry(no_args, logged_in),
    # the cities' questionnaire (decision 0037): a city (a town team whose municipality is in the
    # register) sees and fills in its own, another city's is a 404; the analyst (coordinator)
    # sees all and reviews
    "questionnaire.city_list": Entry(no_args, TOWNS),
    "questionnaire.open_one": Entry(no_args, TOWNS),
    "questionnaire.city_page": Entry(arg("questionnaire_id", "questionnaire"), OWN_TOWN),
    "questionnaire.analyst_list": Entry(no_args, COORDINATOR),
    "questionnaire.analyst_page": coordinator_with(questionnaire_id="questionnaire"),
    "questionnaire.publish": Entry(no_args, COORDINATOR),
    "questionnaire.correct": coordinator_with(questionnaire_id="questionnaire",
                                              variable_id="questionnaire_variable"),
    "questionnaire.review": coordinator_with(questionnaire_id="questionnaire",
                                             variable_id="questionnaire_variable"),
    # data quality (decision 0039): a value's provenance page is public; a city comments on its
    # own values only (another city's is a 404); the analyst (coordinator) hides a comment
    "indicators.value": Entry(arg("code", "unit_code", indicator="dochody_wlasne_na_mieszkanca", year=2019),
                              everyone),
    "questionnaire.comment": Entry(arg("code", "city_unit_code", indicator="dochody_wlasne_na_mieszkanca",
                                       year=2019), OWN_TOWN),
    "questionnaire.hide_comment": coordinator_with(comment_id="value_comment"),
    # experience-exchange groups (decision 0038): a group's cities' teams, its moderator and the
    # analyst see it; its moderator (and the analyst) runs its meetings; a city's team names its
    # delegates and its delegate enters the satisfaction survey; another group is a 404
    "exchange.index": Entry(no_args, only("town_a", "town_b", "moderator", "coordinator")),
    "exchange.group": Entry(arg("group_id", "exchange_group"), GROUP_SEEN),
    "exchange.analysis": Entry(arg("group_id", "exchange_group"), GROUP_SEEN),
    "exchange.analysis_pdf": Entry(arg("group_id", "exchange_group"), GROUP_SEEN),
    "exchange.add_meeting": Entry(arg("group_id", "exchange_group"), GROUP_RUN),
    "exchange.delegates": Entry(arg("group_id", "exchange_group"), OWN_TOWN),
    "exchange.survey": Entry(arg("group_id", "exchange_group"), OWN_TOWN),
    # improvement plans (decision 0042): read by who sees the group, written by the city's team
    "exchange.plans": Entry(arg("group_id", "exchange_group"), GROUP_SEEN),
    "exchange.plan": Entry(arg("group_id", "exchange_group"), OWN_TOWN),
    "exchange.meeting": Entry(arg("meeting_id", "exchange_meeting"), GROUP_SEEN),
    # the analyst runs the groups (decision 0043): makes them, names moderators, cities, delegates
    "exchange_admin.groups": Entry(no_args, COORDINATOR),
    "exchange_admin.group": coordinator_with(group_id="exchange_group"),
    "exchange_admin.moderator": coordinator_with(group_id="exchange_group"),
    "exchange_admin.add_city": coordinator_with(group_id="exchange_group"),
    "exchange_admin.remove_city": coordinator_with(group_id="exchange_group"),
    "exchange_admin.add_delegate": coordinator_with(group_id="exchange_group"),
    "exchange_admin.remove_delegate": coordinator_with(group_id="exchange_group"),
    "exchange.minutes_file": Entry(arg("meeting_id", "exchange_meeting"), GROUP_SEEN),
    "exchange.minutes": Entry(arg("meeting_id", "exchange_meeting"), GROUP_RUN),
    "exchange.attendance": Entry(arg("meeting_id", "exchange_meeting"), GROUP_RUN),
    # personal data: the notice is public; a person's data is the coordinator's alone
    "privacy.notice": Entry(no_args, everyone),
    "privacy.index": Entry(no_args, COORDINATOR),
    "privacy.record": Entry(lambda o: [{"kind": "account", "record_id": o("user")},
                                       {"kind": "participant", "record_id": o("person")}], COORDINATOR),
    "privacy.download": Entry(lambda o: [{"kind": "account", "record_id": o("user")},
                                         {"kind": "participant", "record_id": o("person")}], COORDINATOR),
    "privacy.erase": Entry(lambda o: [{"kind": "account", "record_id": o("user")},
                                      {"kind": "participant", "record_id": o("person")}], COORDINATOR),
}
# An old address that still serves its page itself answers as the new one does.
ENTRIES.update({KEPT_PREFIX + old: ENTRIES[endpoint] for old, endpoint in KEPT.items()})


# --- routes, and what a route answers ---------------------------------------------------------

def routes(app: Flask) -> list[tuple[str, str]]:
    return sorted({(rule.endpoint, method) for rule in app.url_map.iter_rules() if rule.endpoint != "static"
                   for method in rule.methods - SKIPPED_METHODS})


def open_pages(app: Flask, role: str, ids: Callable[[str], Any], which: str = "a") -> list[str]:
    """Every GET URL the matrix lets `role` open with an object of town `which`, its
    values filled in by `ids(kind)`."""
    urls: list[str] = []
    with app.test_request_context():
        for rule in app.url_map.iter_rules():
            entry = ENTRIES.get(rule.endpoint)
            if entry is None or "GET" not in rule.methods or entry.expect(role, which) != OK:
                continue
            found = entry.args(ids)
            urls += [url_for(rule.endpoint, **v) for v in (found if isinstance(found, list) else [found])]
    return urls


def readable(response: Any) -> str:
    """The text of a page or a file: an XLSX/ODS/DOCX's XML members, decoded."""
    data = response.get_data()
    if data[:2] == b"PK":
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            return "".join(archive.read(name).decode("utf-8", "ignore") for name in archive.namelist())
    return data.decode("utf-8", "ignore")


def fetch(browser: Browser, url: str, **kw: Any) -> Any:
    """Browser.get for any answer, files too (keeps the CSRF token of an HTML page)."""
    with browser.app.app_context():
        response = browser.client.get(url, **kw)
    if response.mimetype == "text/html":
        match = CSRF_RE.search(response.get_data(as_text=True))
        browser.token = match.group(1) if match else browser.token
    return response


# --- the people and the rows --------------------------------------------------------------------

def browsers(app: Flask) -> dict[str, Browser]:
    """One browser per role, logged in through the login form (so each holds a CSRF token)."""
    out: dict[str, Browser] = {}
    for role, email in ROLES.items():
        if email is None:
            anonymous = Browser(app, PASSWORD)
            anonymous.get("/login")
            out[role] = anonymous
        else:
            out[role] = as_user(app, email)
    return out


def database_rows(skip: tuple[str, ...] = ("audit", "login", "session", "rate")) -> dict[str, object]:
    """Every row of every table (but logs a refused request may rightly append to), as
    something equal before and after a refused request, or the request changed something.

    PostgreSQL answers with one digest per table in a single query (a round trip per table
    costs more than all the rows); SQLite with the sorted rows themselves, every column as
    stored, read through the driver's own cursor (SQLAlchemy's statement per table was a fifth
    of the form fuzzing's time).
    """
    db.session.expire_all()
    tables = [t for t in db.metadata.sorted_tables if not any(word in t.name for word in skip)]
    with db.engine.connect() as conn:
        if conn.dialect.name == "postgresql":
            parts = [f"SELECT '{t.name}', md5(coalesce(string_agg(r::text, '|' ORDER BY r::text), '')) "
                     f'FROM "{t.name}" r' for t in tables]
            return dict(conn.execute(sa.text(" UNION ALL ".join(parts))).all())
        cursor = conn.connection.driver_connection.cursor()  # type: ignore[union-attr]
        try:
            rows = {}
            for t in tables:
                cursor.execute(f'SELECT * FROM "{t.name}"')  # noqa: S608  (the models' table names)
                rows[t.name] = sorted(cursor.fetchall(), key=repr)
            return rows
        finally:
            cursor.close()
