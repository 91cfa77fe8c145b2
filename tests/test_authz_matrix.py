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

from dataclasses import dataclass
from typing import Any

import pytest
from factories.authz import MARKERS, ROLES, AuthzWorld, build
from factories.results import EVALUATOR_NAMES
from flask import Flask, url_for
from support import Browser
from support.authz import (
    DENIED,
    ENTRIES,
    FORBIDDEN,
    HIDDEN,
    LOGIN,
    MOVED_TO,
    OK,
    Entry,
    browsers,
    database_rows,
    fetch,
    readable,
    routes,
)

from workflow.web.redirects import KEPT, KEPT_PREFIX, MOVED, MOVED_PREFIX

# An old address that moved: the values of its new endpoint fill it; every role is redirected.
MOVED_ENTRIES: dict[str, Entry] = {MOVED_PREFIX + old: Entry(ENTRIES[endpoint].args, lambda _r, _w: MOVED_TO)
                                   for old, endpoint in MOVED.items()}
PUBLIC = {"auth.login", "auth.home", "reports.public", "results.public", "results.public_download",
          "public_consultation.index", "public_consultation.page", "public_consultation.document",
          "public_consultation.comment", "partnership_reports.public_list",
          "calendar.feed", "help.guide", "help.guide_source", "help.accessibility", "help.favicon",
          *(endpoint for endpoint in ENTRIES if endpoint.startswith(("api_v1.", "api_reference."))),
          "indicators.index", "indicators.units", "indicators.indicator", "indicators.indicator_download",
          "indicators.unit", "indicators.unit_download", "indicators.compare", "indicators.compare_download",
          "indicators.value",
          "groups.index", "groups.group", "groups.download", "groups.similar_page",
          *(KEPT_PREFIX + old for old, endpoint in KEPT.items() if endpoint == "calendar.feed")}
# Sent last: they change the session of the browser that sends them.
LAST = ("auth.language", "auth.logout", "auth.end_sessions")
# What each role must never read on a page it is given (public pages aside).
# Other evaluators' justifications (" pkt za ", see factories/results.py add_sheet) and names are
# hidden from an evaluator who has not submitted, and evaluators' names from every town.
OTHER_SHEETS = (" pkt za ", *EVALUATOR_NAMES)
MUST_NOT_READ = {
    "anonymous": MARKERS["a"] + MARKERS["b"],
    "town_a": MARKERS["b"] + EVALUATOR_NAMES, "town_b": MARKERS["a"] + EVALUATOR_NAMES,
    "advisor_a": MARKERS["b"], "eval_a": MARKERS["b"] + OTHER_SHEETS,
    "advisor_none": MARKERS["a"] + MARKERS["b"], "eval_none": MARKERS["a"] + MARKERS["b"],
    "eval_conflict": OTHER_SHEETS + MARKERS["a"][1:] + MARKERS["b"],
    "moderator": MARKERS["b"],
}
NEVER_PUBLIC = tuple(m for k in ("a", "b") for m in MARKERS[k][1:]) + OTHER_SHEETS
# Pages that must show the role its own town's objects: proof that the markers are read.
MUST_READ = {
    ("exchange.plans", "moderator", "a"): "Cele Temat-A-poufny",
    ("exchange.plans", "town_b", "b"): "Cele Temat-B-poufny",
    ("exchange.plan", "town_a", "a"): "Cele Temat-A-poufny",
    ("consultations.town_list", "town_a", "-"): "Temat-A-poufny",
    ("consultations.advisor_list", "advisor_a", "a"): "Temat-A-poufny",
    ("town.path", "town_a", "a"): "plan-ostrzeszow",
    ("partnership.page", "town_a", "a"): "Umowa-A-poufna",
    ("partnership.page", "advisor_a", "a"): "Umowa-A-poufna",
    ("town.path", "town_b", "b"): "plan-walcz",
    ("evaluator.application", "eval_a", "a"): "plan-ostrzeszow",
    ("results.town_path", "town_a", "a"): " pkt za ",
    ("consultation_team.detail", "town_a", "a"): "Osoba-A Ostrzeszowska",
    ("consultation_team.detail", "advisor_a", "a"): "Temat-A-poufny",
    ("consultation_team.report", "coordinator", "b"): "Osoba-B Wałecka",
    ("projects.package", "town_b", "b"): "Rynek Temat-B-poufny",
    ("projects.key", "advisor_a", "a"): "Rynek Temat-A-poufny",
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
    assert not missing, ("routes without an entry in tests/support/authz.py ENTRIES "
                         f"(say who may use them): {', '.join(missing)}")
    stale = sorted(set(ENTRIES) - {endpoint for endpoint, _m in routes(app)})
    assert not stale, f"ENTRIES names routes that no longer exist: {', '.join(stale)}"


AUDIENCES = {"town": "/town/", "advisor": "/advisor/", "eval": "/evaluator/", "coordinator": "/coordinator/",
             "moderator": "/exchange/"}  # the exchange groups (decision 0038): their moderators' pages
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


@pytest.mark.slow  # the full walk
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
