"""Hypothesis against every form: each POST route (and each GET route's query string) gets
generated input as the role that may use it — NUL bytes, RTL marks, unicode, huge strings,
numbers out of range, impossible dates, missing, duplicated and unknown fields, files where
text is expected. Nothing may answer 5xx, and an input refused with a 4xx must leave every
row of the database as it was (the form is re-rendered, nothing half-saved).

The fields sent to a route are the fields of the forms its view builds (found in the view's
source, so a new form is fuzzed without an edit here) plus the dynamic ones listed in
EXTRA_FIELDS. The routes and roles come from the authorization matrix's table, so a route
the matrix knows is fuzzed as the role it lets in. The number of examples run is printed at
the end of the session (and recorded as a property of the test).
"""

from __future__ import annotations

import io
import json
import logging
import os
from collections.abc import Callable
from typing import Any
from urllib.parse import parse_qsl

import pytest
from factories.authz import ROLES, AuthzWorld, build
from flask import Flask, url_for
from hypothesis import HealthCheck, Phase, example, given, settings
from hypothesis import strategies as st
from support import Browser
from support.authz import ENTRIES, OK, browsers, database_rows, fetch, routes
from support.view_source import form_classes, read_args
from wtforms.fields.core import UnboundField

from workflow.extensions import db
from workflow.models import Criterion, Municipality

# More, and different each run, with FUZZ_EXAMPLES=200 (a search, not a CI run).
EXAMPLES_PER_ROUTE = int(os.environ.get("FUZZ_EXAMPLES", "10"))
EXAMPLES = {"count": 0}
# Routes whose refused input may rightly write (a failed login is counted against the account).
MAY_WRITE_ON_REFUSAL = {"auth.login"}
# Payloads that once answered 500, kept as explicit examples of their route: (form fields,
# how the body was sent; see json_body).
def _as_is(payload: dict[str, Any]) -> dict[str, Any]:
    return payload


KNOWN: dict[str, list[tuple[dict[str, Any], Any]]] = {
    # A file in a text field: TypeError (len of a FileStorage) in every form with Length().
    # A NUL in the e-mail address: DataError from PostgreSQL, which refuses NUL in text.
    "auth.login": [({"email": "a@b.pl", "password": (io.BytesIO(b"x"), "plik.pdf")}, None),
                   ({"email": "a\x00b@example.pl", "password": "x"}, None),
                   ({"email": "\x00", "password": "\x00"}, _as_is)],
    # ?path= beyond any INTEGER id: NumericValueOutOfRange from PostgreSQL (GET of the form).
    "consultations.new": [({"participants": (io.BytesIO(b"x"), "plik.pdf"), "topic": "x"}, None),
                     ({"path": str(2**40)}, None)],
    # A JSON list as the body: ValueError in Flask-WTF's reading of it, on every form.
    "coordinator.extend": [({}, lambda _payload: [1.5, "-3909129607"])],
    # More digits than a Decimal holds: InvalidOperation from quantize() in parse_amount.
    "ranking.run": [({"budget": "9" * 400}, _as_is)],
    # An int no float holds: OverflowError in NumberRange (math.isnan), on every number field.
    "assignments.profile": [({"capacity": "9" * 400, "version": "-165530429232215552"}, _as_is),
                            ({}, lambda _payload: -9.26e-135)],
    "audit.index": [({"object_id": "9" * 400}, None)],
    "paths.fire_event": [({"version": "9" * 400}, None), ({}, lambda _payload: [{}])],
}

# --- generated values -----------------------------------------------------------------------------

TRICKY = ["", " ", "\x00", "a\x00b", "\u202e\u200fإختبار", "‮evil‭", "0", "-1", "1e308", "NaN", "inf",
          "9" * 400, "-9" * 50, "2026-02-30", "0000-00-00", "9999-12-31T23:59", "1,5", "1 000,00",
          "<script>alert(1)</script>", "' OR 1=1 --", "%s%n", "..\\..\\etc/passwd", "x" * 100_000]
scalar = st.one_of(
    st.sampled_from(TRICKY),
    st.text(st.characters(exclude_categories=("Cs",)), max_size=40),
    st.integers(min_value=-(2**70), max_value=2**70).map(str),
    st.floats(allow_nan=True, allow_infinity=True).map(repr),
)
# A file where text was expected: the view must not mistake it for its own text field.
upload = st.binary(max_size=300).map(lambda b: (io.BytesIO(b), "plik.pdf"))
value = st.one_of(scalar, st.lists(scalar, min_size=2, max_size=3), upload)


def form_payload(names: list[str]) -> st.SearchStrategy[dict[str, Any]]:
    """Any subset of the form's fields (a missing field is a missing key), plus strangers."""
    known = st.dictionaries(st.sampled_from(names), value, max_size=len(names)) if names else st.just({})
    strangers = st.dictionaries(st.text(min_size=1, max_size=8), scalar, max_size=2)
    return st.tuples(known, strangers).map(lambda kv: {**kv[1], **kv[0]})


def _plain_json(payload: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in payload.items() if not isinstance(v, tuple)}


json_value = st.recursive(
    st.one_of(st.none(), st.booleans(), st.integers(), st.floats(), scalar),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner, max_size=3),
    max_leaves=6)
# How a POST body is sent: a form (None), the form's fields as a JSON object (Flask-WTF reads
# JSON bodies too), or any JSON document at all.
json_body = st.one_of(st.none(), st.just(_plain_json),
                      json_value.map(lambda doc: lambda _payload: doc))


def post_json(browser: Browser, url: str, document: Any) -> Any:
    """A JSON body with the CSRF token in the header, as a script would send it."""
    with browser.app.app_context():
        return browser.client.post(url, data=json.dumps(document), content_type="application/json",
                                   headers={"X-CSRFToken": browser.token})


# --- the fields of a route --------------------------------------------------------------------------

# Query arguments read by shared helpers (views.helpers.find_programme, pagination, next pages).
COMMON_ARGS = {"programme", "page", "path", "next"}


def _form_fields(cls: type) -> set[str]:
    return {name for name in dir(cls) if isinstance(getattr(cls, name, None), UnboundField)}


def view_fields(app: Flask, endpoint: str) -> set[str]:
    """The fields of every form class the view (or a helper of its module it calls) builds,
    and the request arguments they read by name."""
    names = read_args(app, endpoint)
    for cls in form_classes(app, endpoint):
        names |= _form_fields(cls)
    return names


def extra_fields(endpoint: str) -> set[str]:
    """Fields a view adds at run time (the score sheet has two per criterion)."""
    if endpoint == "evaluator.sheet":
        ids = db.session.scalars(db.select(Criterion.id)).all()
        return {f"{kind}_{cid}" for cid in ids for kind in ("points", "justification")} | {
            "version", "confirm", "save_draft", "submit_sheet"}
    if endpoint in ("projects.create", "projects.update"):  # a pair of fields per member municipality
        ids = db.session.scalars(db.select(Municipality.id)).all()
        return {f"{kind}_{mid}" for mid in ids for kind in ("leads", "share")} | {
            "version", "submit", "title", "scope", "estimated_cost", "funding_route", "funding_note",
            "status", "is_key"}
    return {"version", "submit"}


# --- the run --------------------------------------------------------------------------------------

def allowed_role(endpoint: str) -> str:
    """The first role of the matrix that may use the route on town A's object (anyone's
    route, such as logging out, as the anonymous visitor)."""
    expect = ENTRIES[endpoint].expect
    return next((role for role in ROLES if expect(role, "a") == OK), "anonymous")


def target(app: Flask, built: AuthzWorld, endpoint: str) -> str:
    found = ENTRIES[endpoint].args(lambda kind: built.ids[kind]["a"])
    with app.test_request_context():
        return url_for(endpoint, **(found[0] if isinstance(found, list) else found))


def fuzz_route(app: Flask, browser: Browser, endpoint: str, method: str, url: str,
               names: list[str]) -> str | None:
    """Run the examples of one route; a failure's description, or None."""
    checks_rows = method == "POST" and endpoint not in MAY_WRITE_ON_REFUSAL

    known: dict[str, Any] = {"rows": None}  # the rows as the last refused example left them
    path, _sep, raw_query = url.partition("?")
    query = dict(parse_qsl(raw_query))

    def one(payload: dict[str, Any], as_json: Callable[[dict[str, Any]], Any] | None) -> None:
        EXAMPLES["count"] += 1
        if checks_rows and known["rows"] is None:
            with app.app_context():
                known["rows"] = database_rows()
        if method == "GET":
            plain = {k: v for k, v in payload.items() if not isinstance(v, tuple)}
            response = fetch(browser, path, query_string={**query, **plain})
        elif as_json is not None:
            response = post_json(browser, url, as_json(payload))
        else:
            files = any(isinstance(v, tuple) for v in payload.values())
            fresh = {k: (io.BytesIO(v[0].getvalue()), v[1]) if isinstance(v, tuple) else v
                     for k, v in payload.items()}
            response = browser.post(url, fresh, **({"content_type": "multipart/form-data"} if files else {}))
        assert response.status_code < 500, (f"{method} {url} answered {response.status_code} "
                                            f"({ERRORS.last}) to {describe(payload, as_json)}")
        if checks_rows and 400 <= response.status_code < 500:
            with app.app_context():
                after = database_rows()
            changed = sorted(name for name in after if known["rows"][name] != after[name])
            known["rows"] = after
            assert not changed, f"{method} {url} refused ({response.status_code}) but changed {changed}"
        elif checks_rows:  # accepted: the rows may have changed, read them again next time
            known["rows"] = None

    test = given(form_payload(names), json_body if method == "POST" else st.none())(one)
    for payload, as_json in KNOWN.get(endpoint, []):
        test = example(payload, as_json)(test)
    test = settings(max_examples=EXAMPLES_PER_ROUTE, deadline=None, database=None,
                    derandomize="FUZZ_EXAMPLES" not in os.environ,
                    phases=[Phase.explicit, Phase.generate],  # a failure is reported as found
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                                           HealthCheck.large_base_example])(test)
    try:
        test()
    except AssertionError as failure:
        return f"{method} {endpoint} as {allowed_role(endpoint)}: {str(failure).splitlines()[0][:600]}"
    return None


class _LastError(logging.Handler):
    """Keeps the last unhandled error the app logged, to name it in a failure."""

    last = ""

    def emit(self, record: logging.LogRecord) -> None:
        if record.exc_info and record.exc_info[1] is not None:
            error = record.exc_info[1]
            self.last = f"{type(error).__name__}: {error}"[:200]


ERRORS = _LastError()


def describe(payload: dict[str, Any], as_json: Callable[[dict[str, Any]], Any] | None) -> str:
    shown = as_json(payload) if as_json else {k: (f"<file {v[1]}>" if isinstance(v, tuple) else v)
                                              for k, v in payload.items()}
    return f"{'JSON ' if as_json else ''}{repr(shown)[:300]}"


class _Summary:
    """Says at the end of the session how many generated examples ran."""

    def pytest_terminal_summary(self, terminalreporter: Any) -> None:
        terminalreporter.write_line(f"fuzz: {EXAMPLES['count']} generated examples sent to the forms")


@pytest.mark.slow  # hypothesis on every form
def test_no_input_breaks_a_form(app: Flask, world: Any, request: pytest.FixtureRequest,
                                record_property: Callable[[str, object], None]) -> None:
    manager = request.config.pluginmanager
    if not manager.has_plugin("sciezka-fuzz-summary"):
        manager.register(_Summary(), "sciezka-fuzz-summary")
    app.logger.addHandler(ERRORS)
    built = build(world)
    people = browsers(app)
    plan = [(e, m) for e, m in routes(app) if e in ENTRIES]
    # The coordinator's actions last (they may remove what the others' routes use), logout last of all.
    plan.sort(key=lambda em: (em[0] == "auth.logout", allowed_role(em[0]) == "coordinator", em))
    failures = []
    for endpoint, method in plan:
        with app.app_context():
            names = sorted(view_fields(app, endpoint) | extra_fields(endpoint)
                           | (COMMON_ARGS if method == "GET" else set()))
        url = target(app, built, endpoint)
        failure = fuzz_route(app, people[allowed_role(endpoint)], endpoint, method, url, names)
        if failure:
            failures.append(failure)
    app.logger.removeHandler(ERRORS)
    record_property("fuzz_examples", EXAMPLES["count"])
    print(f"\nfuzz: {EXAMPLES['count']} examples over {len(plan)} route × method pairs")
    assert EXAMPLES["count"] > 0
    assert not failures, "\n".join(failures)


def test_a_town_typing_an_amount_too_long_for_a_number_reads_why(world: Any, login: Any) -> None:
    """Found by the fuzzing of ranking.run: parse_amount() let quantize() raise on more digits
    than a Decimal holds; the town's amount form shares it."""
    path = world.path("a")
    path.state = "application.draft"
    db.session.commit()
    town = login("town-a@example.pl")
    town.get(f"/town/paths/{path.id}")
    response = town.post(f"/town/paths/{path.id}/amount", {"amount": "9" * 400})
    assert response.status_code == 400
    assert "To nie jest kwota w złotych" in response.get_data(as_text=True)
    assert world.path("a").requested_amount is None


def test_an_id_beyond_any_row_is_404_on_every_route(app: Flask, world: Any) -> None:
    """Found by the fuzzing on PostgreSQL: /advisor/consultations/new?path=99999999999 compared an
    id no INTEGER column holds with one (NumericValueOutOfRange, a 500); so did every <int:…>
    of a URL. Every id of a route (and the ?path= of the services' form) set far too large."""
    built = build(world)
    people = browsers(app)
    failures, tried = [], 0
    for endpoint, method in routes(app):
        if endpoint not in ENTRIES:
            continue
        rule = next(app.url_map.iter_rules(endpoint))
        ids = {name for name, converter in rule._converters.items() if converter.regex == r"\d+"}
        ids |= {"path"} if endpoint in ("consultations.new", "consultations.advisor_list") else set()
        if not ids:
            continue
        found = ENTRIES[endpoint].args(lambda kind: built.ids[kind]["a"])
        values = found[0] if isinstance(found, list) else found
        for too_big in (2**31, 10**30):
            with app.test_request_context():
                url = url_for(endpoint, **{k: too_big if k in ids else v for k, v in values.items()})
            browser = people[allowed_role(endpoint)]
            response = fetch(browser, url) if method == "GET" else browser.post(url, {})
            tried += 1
            if response.status_code != 404:
                failures.append(f"{method} {url} as {allowed_role(endpoint)}: {response.status_code}")
    assert tried > 100
    assert not failures, "\n".join(failures)
