"""Bad input typed into the real forms, as a careless or hostile person would: every field
empty, 10,000 characters long, or holding markup, right-to-left marks and emoji. The answer
is never a 500; the page says what is wrong (or that it saved) in the page's language; and
nothing typed ever becomes markup: no injected element, no script dialog.

The browser's own checks (required, maxlength, type=number) are taken off first, so the
server's answer is what is tested."""

from __future__ import annotations

from dataclasses import dataclass, field

import pytest
from support.browser import (
    ADVISOR,
    COORDINATOR,
    EVALUATOR,
    TOWN,
    log_in,
    new_page,
    reopen_sheet,
    set_language,
    town_path_id,
)

from workflow.demo.parts import pdf_bytes

pytest_plugins = ["support.browser_fixtures"]
pytestmark = pytest.mark.browser

MARKUP = '<script>alert(1)</script><img src=x id=injected onerror="alert(2)"><b id=bold>b</b>'
HOSTILE = f"{MARKUP} \u202eżółć\u202c 🚀👩‍👩‍👧 zażółć gęślą jaźń"
LONG = "ż" * 10_000
PAYLOADS = {"empty": "", "long": LONG, "hostile": HOSTILE}
# What tells the person the outcome: an error next to a field or in a summary, a refusal's
# reasons, or the message of a saved form.
MESSAGES = ".error-summary, .error, .flash, .unmet"
ERROR_HEADING = {"pl": "Popraw błędy w formularzu", "en": "Correct the errors in the form"}

# Make every control take any text, and let the form post without the browser's checks.
LOOSEN = """(form) => {
  form.noValidate = true;
  for (const e of form.querySelectorAll('input, textarea')) {
    e.removeAttribute('maxlength'); e.removeAttribute('required'); e.removeAttribute('pattern');
    if (['number', 'date', 'email', 'datetime-local'].includes(e.type)) e.type = 'text';
  }
}"""


@dataclass
class Form:
    name: str
    role: str
    url: str
    form: str  # a selector of the form
    fields: list[str]  # names of the text controls to fill
    submit: str = "[type=submit]"
    extra: dict[str, str] = field(default_factory=dict)  # fixed values (name: value)
    english: bool = True  # also in English (the comment forms share one template: Polish only)


def forms(ids: dict, lang: str) -> list[Form]:
    town, declared, undeclared = ids["town"], ids["declared"], ids["undeclared"]
    # A valid comment returns the diagnosis: each language gets a town of its own.
    waiting, its_advisor = ids["waiting"][0 if lang == "pl" else 1]
    return [
        Form("login", "public", "/login", "main form", ["email", "password"]),
        Form("town comment", TOWN, f"/town/paths/{town}", "form[action$='/events/submit_diagnosis']",
             ["comment"], english=False),
        Form("advisor return", its_advisor, f"/advisor/paths/{waiting}", "#decision", ["comment"],
             "[formaction$='/events/return_diagnosis']", english=False),
        Form("service", ADVISOR, f"/advisor/consultations/new?path={town}", "main form",
             ["held_on", "duration", "topic", "new_people", "studies"], "[name=save_draft]"),
        Form("declaration", EVALUATOR, f"/evaluator/applications/{undeclared}/declaration", "main form",
             ["note"], extra={"declaration": "conflict"}),
        Form("sheet", EVALUATOR, f"/evaluator/applications/{declared}/sheet", "main form",
             ["points_", "justification_"], "[name=save_draft]"),
        Form("ranking", COORDINATOR, "/coordinator/ranking/?programme=RL-2019",
             "form[action*='/ranking/run']", ["cap", "budget", "threshold"]),
        Form("deadlines", COORDINATOR, "/coordinator/deadlines", "main form[method=post]", ["due_at"],
             english=False),  # (the first form in main is the programme picker)
        # the demo's first exchange group: its moderator's meeting, a city's survey and plan
        Form("meeting", "moderator01@demo.sciezka.pl", "/exchange/groups/1", "form[action$='/meetings']",
             ["date", "time", "place", "agenda"]),
        Form("survey", "city01@demo.sciezka.pl", "/exchange/groups/1", "form[action$='/survey']",
             ["year", "respondents", "satisfied"]),
        Form("plan action", "city01@demo.sciezka.pl", "/town/exchange/groups/1/plan",
             "form:has([name=part][value=action])", ["title", "owner", "due_on"]),
        Form("plan target", "city01@demo.sciezka.pl", "/town/exchange/groups/1/plan",
             "form:has([name=part][value=target])", ["baseline_year", "baseline_value", "target_year",
                                                     "target_value"]),
    ]


@pytest.fixture(scope="module")
def ids(live) -> dict:
    from workflow.extensions import db
    from workflow.models import AdvisorAssignment, Path, User

    def waiting_for_an_advisor() -> list[tuple[int, str]]:
        return [tuple(row) for row in db.session.execute(
            db.select(Path.id, User.email).join(AdvisorAssignment, AdvisorAssignment.path_id == Path.id)
            .join(User, User.id == AdvisorAssignment.advisor_id)
            .where(AdvisorAssignment.kind == "lead", Path.state == "diagnosis.submitted")
            .order_by(Path.id).limit(2))]

    return {"town": town_path_id(live), "waiting": live.query(waiting_for_an_advisor),
            "declared": reopen_sheet(live, declared=True).path_id,
            "undeclared": reopen_sheet(live).path_id}


def fill(page, form, names: list[str], value: str) -> None:  # noqa: ANN001
    page.locator(form).first.evaluate(LOOSEN)
    for name in names:
        selector = f"{form} [name^={name}]" if name.endswith("_") else f"{form} [name={name}]"
        for control in page.locator(selector).all():
            control.evaluate("(e, v) => { e.value = v; }", value)


def check_answer(page, label: str, lang: str, status: int = 200,  # noqa: ANN001
                 message: bool = True) -> None:
    page.wait_for_load_state()  # the response came; its document may still be loading
    assert page.locator("#injected, #bold").count() == 0, f"{label}: the input became markup"
    assert page.locator("script", has_text="alert(1)").count() == 0, f"{label}: a script was injected"
    assert not page.dialogs.seen, f"{label}: a dialog opened: {page.dialogs.seen}"
    assert not page.server_errors, f"{label}: {page.server_errors}"
    assert page.locator("html").get_attribute("lang") == lang
    error_page = status >= 400 and page.locator("main h1 + p").count()  # errors/error.html
    if message:
        assert page.locator(MESSAGES).count() or error_page, f"{label}: no message on {page.url} ({status})"
    if page.locator(".error-summary h2").count():
        heading = page.locator(".error-summary h2").first.inner_text()
        refused = "Nie zapisano zmian" if lang == "pl" else "Changes not saved"
        assert heading in (ERROR_HEADING[lang], refused), f"{label}: {heading!r} in {lang}"


def drive(page, f: Form, lang: str) -> list[str]:  # noqa: ANN001
    statuses = []
    for kind, value in PAYLOADS.items():
        page.goto(f.url)
        assert page.locator(f.form).count(), f"{f.name}: no form on {page.url}"
        fill(page, f.form, f.fields, value)
        for name, fixed in f.extra.items():
            page.locator(f"{f.form} [name={name}][value={fixed}]").first.check()
        with page.expect_response(lambda r: r.request.method == "POST") as answer:
            page.locator(f"{f.form} {f.submit}").first.click()
        page.wait_for_load_state()
        status = answer.value.status
        assert status < 500, f"{f.name} {kind}: HTTP {status}"
        check_answer(page, f"{f.name} {kind} ({lang})", lang, status)
        if value and status < 400 and page.locator("main").inner_text().count("zażółć gęślą jaźń"):
            assert "alert(1)" in page.locator("main").inner_text()  # shown as text, as typed
        statuses.append(f"{kind}:{status}")
    return statuses


@pytest.mark.parametrize("lang", ["pl", "en"])
def test_bad_input_in_every_form(chromium, live, ids, lang):
    by_person: dict[str, list[Form]] = {}
    for f in forms(ids, lang):
        if lang == "en" and not f.english:
            continue
        by_person.setdefault(f.role, []).append(f)
    for person, its_forms in by_person.items():
        page = new_page(chromium, live)
        try:
            if person == "public":
                page.goto("/login")
            else:
                log_in(page, person)
            set_language(page, lang)
            for f in its_forms:
                drive(page, f, lang)
        finally:
            page.context.close()


def test_hostile_file_names_and_an_empty_upload(chromium, live, ids):
    page = new_page(chromium, live)
    log_in(page, TOWN)
    page.goto(f"/town/paths/{ids['town']}")
    set_language(page, "pl")
    upload = "form[action$='/documents']"
    for name, content in ((f"{MARKUP}.pdf", pdf_bytes("x")), ("\u202efdp.exe", b"MZ not a pdf"),
                          ("🚀" * 200 + ".pdf", pdf_bytes("y"))):
        page.set_input_files(f"{upload} input[name=document]", files=[
            {"name": name, "mimeType": "application/pdf", "buffer": content}])
        with page.expect_response(lambda r: r.request.method == "POST") as answer:
            page.locator(f"{upload} [type=submit]").click()
        assert answer.value.status < 500, name
        check_answer(page, f"upload {name[:20]!r}", "pl", answer.value.status)
        page.goto(f"/town/paths/{ids['town']}")
        check_answer(page, f"path page after {name[:20]!r}", "pl", message=False)
    page.locator(upload).evaluate(LOOSEN)
    page.locator(f"{upload} input[name=document]").evaluate("e => e.removeAttribute('required')")
    with page.expect_response(lambda r: r.request.method == "POST") as answer:
        page.locator(f"{upload} [type=submit]").click()
    assert 400 <= answer.value.status < 500
    page.wait_for_load_state()
    assert page.locator(".error-summary").count()
    page.context.close()


def test_hostile_query_strings(chromium, live):
    page = new_page(chromium, live)
    log_in(page, COORDINATOR)
    set_language(page, "pl")
    for url in (f"/coordinator/?stage={HOSTILE}&voivodeship={HOSTILE}", f"/coordinator/?programme={LONG}",
                f"/coordinator/reports/consultations?programme={HOSTILE}",
                f"/coordinator/ranking/?programme={MARKUP}", f"/login?next={MARKUP}",
                "/public/results/?programme=%00"):
        response = page.goto(url)
        assert response.status < 500, url
        check_answer(page, url[:40], "pl", response.status, message=False)
    page.context.close()
