"""The authorization matrix: every route of the app × every role × an object of town A and
of town B, with the answer each must get. Generated from `app.url_map`, so a route added
without an entry in ENTRIES fails here with its name.

Answers: OK (the page or the action is reachable: 2xx, 3xx other than to the login page,
or a 4xx about the input such as 400/409), LOGIN (sent to the login page), HIDDEN (404, as
if it did not exist), FORBIDDEN (403) and DENIED (403 or 404: a wrong role). An old address
(workflow/web/redirects.py) is MOVED for every role: 301 to GET, 308 to POST, to the URL of
its new endpoint built from the same values. A refused POST
must also leave every row of the database as it was; a page a role may open must not show
a word of the other town's objects.

The world is built once (building it costs more than all the requests), so the cases run
in one test that collects every failure and names each as route × method × role × object.
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from flask import Flask, url_for
from support import CSRF_RE, Browser
from support_authz import MARKERS, ROLES, AuthzWorld, browsers, build, database_rows
from test_appeals import EVALUATOR_NAMES

from workflow.web.redirects import KEPT, KEPT_PREFIX, MOVED, MOVED_PREFIX
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
# A document: who sees the path, and the evaluator who declared impartiality.
DOCUMENT = per_object({**SEEN_PATH, "eval_a": MINE_A}, default=HIDDEN)


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
    "auth.change_password": Entry(no_args, logged_in),
    "health.healthz": Entry(no_args, everyone),
    "help.index": Entry(no_args, everyone),
    "help.guide": Entry(no_args, everyone),
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
    # any role that sees the path or document
    "paths.fire_event": Entry(arg("path_id", "path", event="submit"), FIRE),
    "paths.download": Entry(arg("document_id", "document"), DOCUMENT),
    # the town
    "town.dashboard": Entry(no_args, TOWNS),
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
    "ranking.download": Entry(lambda o: [{"snapshot_id": o("snapshot"), "fmt": f}
                                         for f in ("json", "csv", "xlsx")],
                              COORDINATOR),
    "reports.consultations": Entry(no_args, COORDINATOR),
    "reports.export": Entry(lambda _o: [{"table": t, "fmt": f}
                                        for t in ("log", "programme", "town", "advisor", "field", "month")
                                        for f in ("csv", "xlsx")], COORDINATOR),
    "consultations.coordinator_detail": coordinator_with(service_id="service"),
    "calendar.coordinator": coordinator_with(applicant_id="applicant"),
    "audit.index": Entry(no_args, COORDINATOR),
    "audit.export": Entry(no_args, COORDINATOR),
    "exports.prepare": Entry(lambda _o: {"table": "log", "fmt": "csv"}, COORDINATOR),
    "exports.ranking_status": coordinator_with(snapshot_id="snapshot"),
    "users.index": Entry(no_args, COORDINATOR),
    "users.activate": coordinator_with(user_id="user"),
    "users.deactivate": coordinator_with(user_id="user"),
    "message_templates.index": Entry(no_args, COORDINATOR),
    "message_templates.outbox": Entry(no_args, COORDINATOR),
    "message_templates.edit": Entry(lambda o: {"code": o("programme_code"), "kind": o("kind")}, COORDINATOR),
    "message_templates.reset": Entry(lambda o: {"code": o("programme_code"), "kind": o("kind")}, COORDINATOR),
    "message_templates.retry": coordinator_with(notification_id="failed_notification"),
    "consultations.coordinator_edit": coordinator_with(service_id="service"),
}
# An old address that still serves its page itself answers as the new one does.
ENTRIES.update({KEPT_PREFIX + old: ENTRIES[endpoint] for old, endpoint in KEPT.items()})
# An old address that moved: the values of its new endpoint fill it; every role is redirected.
MOVED_ENTRIES: dict[str, Entry] = {MOVED_PREFIX + old: Entry(ENTRIES[endpoint].args, lambda _r, _w: MOVED_TO)
                                   for old, endpoint in MOVED.items()}
PUBLIC = {"auth.login", "auth.home", "reports.public", "results.public", "calendar.feed", "help.guide",
          *(KEPT_PREFIX + old for old, endpoint in KEPT.items() if endpoint == "calendar.feed")}
# Sent last: they change the session of the browser that sends them.
LAST = ("auth.language", "auth.logout")
# What each role must never read on a page it is given (public pages aside).
# Other evaluators' justifications (" pkt za ", see test_appeals.add_sheet) and names are
# hidden from an evaluator who has not submitted, and evaluators' names from every town.
OTHER_SHEETS = (" pkt za ", *EVALUATOR_NAMES)
MUST_NOT_READ = {
    "anonymous": MARKERS["a"] + MARKERS["b"],
    "town_a": MARKERS["b"] + EVALUATOR_NAMES, "town_b": MARKERS["a"] + EVALUATOR_NAMES,
    "advisor_a": MARKERS["b"], "eval_a": MARKERS["b"] + OTHER_SHEETS,
    "advisor_none": MARKERS["a"] + MARKERS["b"], "eval_none": MARKERS["a"] + MARKERS["b"],
    "eval_conflict": OTHER_SHEETS + MARKERS["a"][1:] + MARKERS["b"],
}
NEVER_PUBLIC = tuple(m for k in ("a", "b") for m in MARKERS[k][1:]) + OTHER_SHEETS
# Pages that must show the role its own town's objects: proof that the markers are read.
MUST_READ = {
    ("consultations.town_list", "town_a", "-"): "Temat-A-poufny",
    ("consultations.advisor_list", "advisor_a", "a"): "Temat-A-poufny",
    ("town.path", "town_a", "a"): "plan-ostrzeszow",
    ("town.path", "town_b", "b"): "plan-walcz",
    ("evaluator.application", "eval_a", "a"): "plan-ostrzeszow",
    ("results.town_path", "town_a", "a"): " pkt za ",
}


# --- running the cases ---------------------------------------------------------------------------

@dataclass(frozen=True)
class Case:
    endpoint: str
    method: str
    role: str
    which: str  # "a", "b", or "-" for a route without an object
    url: str
    expected: str
    location: str = ""  # where an old address must send its visitor

    def __str__(self) -> str:
        target = f"object of town {self.which.upper()}" if self.which != "-" else "no object"
        return f"{self.method} {self.endpoint} as {self.role}, {target} ({self.url})"


def routes(app: Flask) -> list[tuple[str, str]]:
    return sorted({(rule.endpoint, method) for rule in app.url_map.iter_rules() if rule.endpoint != "static"
                   for method in rule.methods - SKIPPED_METHODS})


def missing_entries(app: Flask) -> list[str]:
    return sorted({endpoint for endpoint, _m in routes(app) if endpoint not in ENTRIES | MOVED_ENTRIES})


def new_location(endpoint: str, values: dict[str, Any]) -> str:
    """The URL an old address (a MOVED rule) redirects to: its new endpoint's, same values."""
    if not endpoint.startswith(MOVED_PREFIX):
        return ""
    return url_for(MOVED[endpoint.removeprefix(MOVED_PREFIX)], **values)


def cases(app: Flask, built: AuthzWorld) -> list[Case]:
    out: list[Case] = []
    with app.test_request_context():
        for endpoint, method in routes(app):
            entry = ENTRIES.get(endpoint) or MOVED_ENTRIES.get(endpoint)
            if entry is None:  # reported by test_every_route_has_an_entry
                continue
            used: list[str] = []
            entry.args(used.append)
            towns = ("a", "b") if used else ("-",)
            seen: set[str] = set()
            for which in towns:
                found = entry.args(lambda kind, w=which: built.ids[kind]["a" if w == "-" else w])
                for values in found if isinstance(found, list) else [found]:
                    url = url_for(endpoint, **values)
                    if url in seen:  # an object of the programme, not of a town: once is enough
                        continue
                    seen.add(url)
                    location = new_location(endpoint, values)
                    out.extend(Case(endpoint, method, role, which, url, entry.expect(role, which), location)
                               for role in ROLES)
    return out


def answer(response: Any) -> str:
    if response.status_code >= 500:
        return f"server error {response.status_code}"
    if response.status_code in (301, 302, 303, 307, 308) and "/login" in response.location.split("?")[0]:
        return LOGIN
    if response.status_code in (301, 308):  # a permanent redirect: only an old address gives one
        return MOVED_TO
    if response.status_code == 401:
        return LOGIN
    return {404: HIDDEN, 403: FORBIDDEN}.get(response.status_code, OK)


def readable(response: Any) -> str:
    """The text of a page or a file: an XLSX/ODS/DOCX's XML members, decoded."""
    data = response.get_data()
    if data[:2] == b"PK":
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            return "".join(archive.read(name).decode("utf-8", "ignore") for name in archive.namelist())
    return data.decode("utf-8", "ignore")


def check(case: Case, response: Any) -> list[str]:
    got = answer(response)
    wrong = got != case.expected and not (case.expected == DENIED and got in (HIDDEN, FORBIDDEN))
    problems = [f"{case}: expected {case.expected}, got {got} ({response.status_code})"] if wrong else []
    if case.expected == MOVED_TO and not wrong:
        status = 301 if case.method == "GET" else 308
        if (response.status_code, response.location) != (status, case.location):
            problems.append(f"{case}: expected {status} to {case.location}, "
                            f"got {response.status_code} to {response.location}")
    text = readable(response)
    wanted = MUST_READ.get((case.endpoint, case.role, case.which))
    if wanted and wanted not in text:
        problems.append(f"{case}: does not show {wanted!r} of its own town")
    if case.endpoint in PUBLIC:  # public pages name towns, never their people, topics or files
        problems += [f"{case}: a public page shows {marker!r}" for marker in NEVER_PUBLIC if marker in text]
    else:
        problems += [f"{case}: shows {marker!r} of the other town"
                     for marker in MUST_NOT_READ.get(case.role, ()) if marker in text]
    return problems


def send(browser: Browser, case: Case) -> Any:
    if case.method == "GET":
        return fetch(browser, case.url)
    return browser.post(case.url, {})


def fetch(browser: Browser, url: str, **kw: Any) -> Any:
    """Browser.get for any answer, files too (keeps the CSRF token of an HTML page)."""
    with browser.app.app_context():
        response = browser.client.get(url, **kw)
    if response.mimetype == "text/html":
        match = CSRF_RE.search(response.get_data(as_text=True))
        browser.token = match.group(1) if match else browser.token
    return response


def run_matrix(app: Flask, built: AuthzWorld) -> tuple[list[Case], list[str]]:
    """Pages first, then refused POSTs (each checked against the rows before), then the
    POSTs that may act (the coordinator's last: they may remove what others use)."""
    every = cases(app, built)
    people = browsers(app)
    failures: list[str] = []
    reads = [c for c in every if c.method == "GET"]
    writes = [c for c in every if c.method != "GET"]
    refused = [c for c in writes if c.expected != OK and c.endpoint not in LAST]
    allowed = [c for c in writes if c.expected == OK and c.endpoint not in LAST]
    allowed.sort(key=lambda c: c.role == "coordinator")
    last = sorted((c for c in writes if c.endpoint in LAST), key=lambda c: LAST.index(c.endpoint))
    for case in reads:
        failures += check(case, send(people[case.role], case))
    with app.app_context():
        before = database_rows()
    # The rows are compared once per route and role, after its objects of A and B were tried.
    groups: dict[tuple[str, str, str], list[Case]] = {}
    for case in refused:
        groups.setdefault((case.endpoint, case.method, case.role), []).append(case)
    for group in groups.values():
        for case in group:
            failures += check(case, send(people[case.role], case))
        with app.app_context():
            after = database_rows()
        changed = sorted(name for name in before if before[name] != after[name])
        if changed:
            tried = "; ".join(str(case) for case in group)
            failures.append(f"{tried}: refused but changed the table(s) {', '.join(changed)}")
            before = after
    for case in allowed + last:
        failures += check(case, send(people[case.role], case))
    return every, failures


# --- the tests -----------------------------------------------------------------------------------

def test_every_route_has_an_entry(app: Flask) -> None:
    missing = missing_entries(app)
    assert not missing, ("routes without an entry in tests/test_authz_matrix.py ENTRIES "
                         f"(say who may use them): {', '.join(missing)}")
    stale = sorted(set(ENTRIES) - {endpoint for endpoint, _m in routes(app)})
    assert not stale, f"ENTRIES names routes that no longer exist: {', '.join(stale)}"


AUDIENCES = {"town": "/town/", "advisor": "/advisor/", "eval": "/evaluator/", "coordinator": "/coordinator/"}
# Everyone's own objects, which the matrix's world gives to one audience only.
EVERYONES_OWN = {"inbox.mark_read"}


def test_the_pages_of_one_audience_share_its_prefix(app: Flask) -> None:
    """A route only one audience may use (the coordinator, the towns, the advisors or the
    evaluators) lives under that audience's prefix; shared ones (the inbox, documents,
    help) under their own."""
    wrong = []
    for rule in app.url_map.iter_rules():
        entry = ENTRIES.get(rule.endpoint)
        if entry is None or rule.endpoint in EVERYONES_OWN:
            continue
        admitted = {role for role in ROLES for which in ("a", "b") if entry.expect(role, which) == OK}
        audiences = {prefix for name, prefix in AUDIENCES.items() for r in admitted if r.startswith(name)}
        if len(audiences) == 1 and "anonymous" not in admitted and not rule.rule.startswith(*audiences):
            wrong.append(f"{rule.endpoint} {rule.rule} (only for {audiences.pop()})")
    assert not wrong, "routes outside their audience's prefix: " + ", ".join(wrong)


def test_every_route_answers_every_role_as_the_matrix_says(app: Flask, world: Any,
                                                           record_property: Any) -> None:
    built = build(world)
    every, failures = run_matrix(app, built)
    endpoints = {c.endpoint for c in every}
    record_property("routes", len(endpoints))
    record_property("cases", len(every))
    print(f"\nauthorization matrix: {len(endpoints)} routes, {len(every)} route × role × object cases")
    assert len(every) > 1000
    assert not failures, f"{len(failures)} of {len(every)} cases failed:\n" + "\n".join(failures)
