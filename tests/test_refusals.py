"""One refusal shape (workflow/refusal.py): a refused transition shows the path page again
with the reasons next to the button and the typed comment kept; every Refused subclass
renders through the one handler with its status, in the reader's language, never a 500."""

from __future__ import annotations

import html
import importlib
import pkgutil
import re
from collections.abc import Callable
from pathlib import Path

import pytest
from factories.path import PDF
from flask import Flask, render_template_string
from support import Browser, app_for_tests, version_on

import workflow
from workflow.accounts import invitations
from workflow.advice import assignment, profiles
from workflow.advice import consultations as log
from workflow.api import http as api_http
from workflow.consultation import operations as consultations
from workflow.diagnosis import progress
from workflow.evaluation import criteria, sheets
from workflow.messaging.notifications import TemplateError
from workflow.monitoring import distribution, exchange_admin, targets
from workflow.monitoring import exchange as exchange_groups
from workflow.monitoring import groups as peer_groups
from workflow.monitoring import plans as improvement_plans
from workflow.partnership import setup
from workflow.path import deadlines, documents, transitions, upload_checks
from workflow.privacy import erasure
from workflow.projects import operations as projects
from workflow.ranking import appeals, programme_settings, runs
from workflow.refusal import NotFound, Refused, _l, fill, in_language


def text_of(response) -> str:  # noqa: ANN001
    return html.unescape(response.get_data(as_text=True))


def in_english(browser: Browser) -> None:
    assert browser.post("/language", {"lang": "en", "next": "/town/"}).status_code == 302


def textarea(page: str, event: str) -> str:
    """What the comment box of `event`'s button holds (HTML drops the newline after the tag)."""
    match = re.search(rf'<textarea id="comment-{event}"[^>]*>\n?(.*?)</textarea>', page, re.S)
    assert match, f"no comment box for {event}"
    return match.group(1)


# --- a refused transition: the path page again -------------------------------------------------

GUARD = {"pl": "Najpierw dołącz dokument tego etapu.", "en": "Attach this stage's document first."}
COMMENT = {"pl": "Ta czynność wymaga komentarza z uzasadnieniem.",
           "en": "This action needs a comment explaining why."}
STALE = {"pl": "Ktoś inny zmienił w międzyczasie stan tej ścieżki.",
         "en": "Someone else changed this path in the meantime."}


@pytest.mark.parametrize("lang", ["pl", "en"])
def test_a_refused_transition_keeps_the_comment_on_the_path_page(world, login, lang: str) -> None:
    town = login("town-a@example.pl")
    if lang == "en":
        in_english(town)
    path_id = world.paths["a"].id
    typed = "Diagnoza w załączeniu <b>wkrótce</b> – proszę o uwagi."
    response = town.fire(path_id, "submit_diagnosis", version_on(town.get("/town/")), comment=typed)
    assert response.status_code == 409
    raw = response.get_data(as_text=True)
    page = html.unescape(raw)
    assert "Ostrzeszów" in page and 'id="transition-submit_diagnosis"' in raw  # the town's path page
    assert "<b>wkrótce</b>" not in raw  # what was typed is text, not markup
    assert html.unescape(textarea(raw, "submit_diagnosis")) == typed
    alert = re.search(r'<div class="error-summary" role="alert"[^>]*id="refused-submit_diagnosis">'
                      r"(.*?)</div>", raw, re.S)
    assert alert and GUARD[lang] in html.unescape(alert.group(1))
    assert 'aria-describedby="refused-submit_diagnosis"' in raw
    # an irreversible action has no box here: a link to its own confirmation page
    assert 'id="comment-withdraw"' not in raw
    assert f'href="/paths/{path_id}/events/withdraw/confirm"' in raw


@pytest.mark.parametrize("lang", ["pl", "en"])
def test_a_missing_comment_is_refused_on_the_confirmation_page(world, login, lang: str) -> None:
    """An irreversible move is made from its own page; a comment of spaces is refused there,
    with the reason next to the box, and nothing happens."""
    town = login("town-a@example.pl")
    if lang == "en":
        in_english(town)
    path_id = world.paths["a"].id
    version = world.path("a").version
    response = town.post(f"/paths/{path_id}/events/withdraw",
                         {"version": version, "comment": "  ", "confirmed": "1"})
    assert response.status_code == 409
    raw = response.get_data(as_text=True)
    assert 'id="confirm"' in raw and 'id="refused-confirm"' in raw
    assert COMMENT[lang] in html.unescape(raw)
    assert world.path("a").state == "diagnosis.draft"


@pytest.mark.parametrize("lang", ["pl", "en"])
def test_a_stale_page_shows_the_reason_and_the_comment_at_the_top(world, login, lang: str) -> None:
    """The button pressed is no longer on the page (the path moved): the reason and the
    comment go to the alert at the top, nothing typed is lost."""
    town = login("town-a@example.pl")
    if lang == "en":
        in_english(town)
    path_id = world.paths["a"].id
    assert town.upload(path_id, "diagnoza.pdf", PDF).status_code == 302
    old = version_on(town.get("/town/"))
    assert town.fire(path_id, "submit_diagnosis", old).status_code == 302
    again = town.fire(path_id, "submit_diagnosis", old, comment="drugi raz")
    assert again.status_code == 409
    raw = again.get_data(as_text=True)
    top = re.search(r'<div class="error-summary" role="alert" tabindex="-1" id="refusal">(.*?)</div>',
                    raw, re.S)
    assert top, "no alert at the top of the page"
    assert STALE[lang] in html.unescape(top.group(1))
    assert '<blockquote class="typed">drugi raz</blockquote>' in top.group(1)
    # the page shows the path as it is now: the town waits for its advisor
    assert "czekasz na decyzję doradcy" in text_of(again) or "waiting for your advisor" in text_of(again)


def test_an_advisor_and_a_coordinator_get_their_own_path_page_back(world, login) -> None:
    path_id = world.paths["a"].id
    pages = {
        "advisor-a@example.pl": (f"/advisor/paths/{path_id}", "Zapisz usługę dla tego miasta"),
        "coordinator@example.pl": (f"/coordinator/paths/{path_id}", "Terminy tego miasta"),
    }
    for email, (url, marker) in pages.items():
        browser = login(email)
        assert browser.get(url).status_code == 200
        # Not theirs to fire: the town's button. The engine says why; the page stays theirs.
        response = browser.fire(path_id, "submit_diagnosis", world.path("a").version, comment="za miasto")
        assert response.status_code == 409
        page = text_of(response)
        assert "Nie masz uprawnień do tej czynności." in page
        assert "za miasto" in page  # in the alert at the top: the button is not on their page
        assert marker in page


def test_a_bad_transition_form_is_a_400_on_the_same_page(world, login) -> None:
    town = login("town-a@example.pl")
    response = town.post(f"/paths/{world.paths['a'].id}/events/submit_diagnosis",
                         {"version": "abc", "comment": "coś"})
    assert response.status_code == 400
    raw = response.get_data(as_text=True)
    assert "Ostrzeszów" in text_of(response) and 'id="refused-submit_diagnosis"' in raw
    assert textarea(raw, "submit_diagnosis") == "coś"


# --- every refusal through the one handler ------------------------------------------------------

EXAMPLES: dict[type[Refused], Callable[[], Refused]] = {
    Refused: lambda: Refused([_l("Nieznana czynność.")]),
    NotFound: lambda: NotFound(1),
    transitions.TransitionRefused: lambda: transitions.TransitionRefused([transitions.STALE], stale=True),
    documents.UploadRefused: lambda: documents.UploadRefused("too_large"),
    upload_checks.ContentRefused: lambda: upload_checks.ContentRefused("macros"),
    sheets.SheetRefused: lambda: sheets.SheetRefused(sheets.CONFLICT, 403),
    sheets.SheetInvalid: lambda: sheets.SheetInvalid({"note": [_l("Opisz krótko konflikt interesów.")]}),
    criteria.CriteriaLocked: lambda: criteria.CriteriaLocked(),
    criteria.CriterionInvalid: lambda: criteria.CriterionInvalid(
        {"code": [_l("Ta część karty ma już kryterium %(code)s.", code="<I.1>")]}),
    assignment.AssignmentRefused: lambda: assignment.AssignmentRefused([assignment.capacity_full(3, 3)]),
    profiles.ProfileError: lambda: profiles.ProfileError(profiles.CODE_TAKEN, "code"),
    log.ServiceRefused: lambda: log.ServiceRefused(log.window_closed(14), 403),
    log.ServiceInvalid: lambda: log.ServiceInvalid({"topic": [_l("Podaj temat usługi.")]}),
    log.ServiceNotFound: lambda: log.ServiceNotFound(7),
    appeals.AppealRefused: lambda: appeals.AppealRefused("too_short", min=50, n=3),
    appeals.AppealNotFound: lambda: appeals.AppealNotFound(7),
    runs.RankingRefused: lambda: runs.RankingRefused([runs.CONFLICT, runs.NOT_OFFICIAL]),
    TemplateError: lambda: TemplateError("unknown placeholder: {x}"),
    erasure.ErasureRefused: lambda: erasure.ErasureRefused([erasure.OWN_ACCOUNT], status=403),
    programme_settings.SettingsRefused: lambda: programme_settings.SettingsRefused(
        [programme_settings.locked_message(3)], {"budget": [programme_settings.LOCKED_FIELD]}),
    invitations.InvitationRefused: lambda: invitations.InvitationRefused(
        {"email": [invitations.exists_message("<ola@example.pl>")]}),
    deadlines.DeadlineRefused: lambda: deadlines.DeadlineRefused(errors={"reason": [deadlines.NO_REASON]}),
    setup.PartnershipRefused: lambda: setup.PartnershipRefused([fill(setup.UNKNOWN_CODE, code="<9999999>")]),
    consultations.ConsultationRefused: lambda: consultations.ConsultationRefused(
        [fill(consultations.UNANSWERED, count=2)]),
    consultations.ConsultationNotFound: lambda: consultations.ConsultationNotFound(7),
    projects.ProjectRefused: lambda: projects.ProjectRefused([projects.STALE], stale=True),
    progress.ResultRefused: lambda: progress.ResultRefused([targets.TARGET_AFTER]),
    exchange_groups.ExchangeRefused: lambda: exchange_groups.ExchangeRefused(
        [_l("Grupa liczy od %(low)d do %(high)d miast.", low=5, high=12)]),
    exchange_admin.GroupAdminRefused: lambda: exchange_admin.GroupAdminRefused(
        errors={"cities": [fill(exchange_admin.UNKNOWN, codes="9999999")]}),
    improvement_plans.PlanRefused: lambda: improvement_plans.PlanRefused(
        errors={"due_on": [_l("Podaj termin w postaci RRRR-MM-DD.")]}),
    projects.ProjectNotFound: lambda: projects.ProjectNotFound(7),
    api_http.BadQuery: lambda: api_http.refuse("version", _l("Wersję definicji można podać tylko z jednym "
                                                             "wskaźnikiem.")),
    peer_groups.GroupRefused: lambda: peer_groups.GroupRefused(
        errors={"units": [_l("Nie ma gmin o tych kodach TERYT: %(codes)s.", codes="<I.1>")]}),
    distribution.NotAvailable: lambda: distribution.NotAvailable(),
}


def every_refusal() -> set[type[Refused]]:
    """Every subclass of Refused in the application, whoever defines it."""
    for module in pkgutil.walk_packages(workflow.__path__, "workflow."):
        importlib.import_module(module.name)
    found, todo = {Refused}, [Refused]
    while todo:
        for sub in todo.pop().__subclasses__():
            if sub.__module__.startswith("workflow.") and sub not in found:
                found.add(sub)
                todo.append(sub)
    return found


def test_every_refusal_has_an_example_here() -> None:
    missing = {f"{c.__module__}.{c.__qualname__}" for c in every_refusal() - set(EXAMPLES)}
    assert not missing, f"add an example of each new refusal to EXAMPLES: {sorted(missing)}"


@pytest.fixture(scope="module")
def raising_app(database_url: str, tmp_path_factory: pytest.TempPathFactory) -> Flask:
    """An app with one extra page that raises the example refusal it is named for."""
    app = app_for_tests(database_url, tmp_path_factory.mktemp("refusals"))

    @app.route("/test/refuse/<name>", methods=["GET", "POST"])
    def refuse(name: str) -> str:
        raise next(make for cls, make in EXAMPLES.items() if cls.__qualname__ == name)()

    return app


@pytest.mark.parametrize("cls", list(EXAMPLES), ids=lambda c: c.__qualname__)
@pytest.mark.parametrize("lang", ["pl", "en"])
def test_every_refusal_renders_through_the_one_handler(raising_app: Flask, cls: type[Refused],
                                                      lang: str) -> None:
    client = raising_app.test_client()
    response = client.get(f"/test/refuse/{cls.__qualname__}", headers={"Accept-Language": lang})
    with raising_app.app_context():
        example = EXAMPLES[cls]()
        texts = [in_language(m, lang) for m in example.messages]
    assert response.status_code == example.status != 500
    raw = response.get_data(as_text=True)
    page = html.unescape(raw)
    assert f'<html lang="{lang}">' in raw
    if example.status == 404:  # not the user's to know about: the ordinary 404 page
        assert ("Nie znaleziono strony" if lang == "pl" else "Page not found") in page
        return
    assert texts and all(t and t in page for t in texts), texts
    assert 'role="alert"' in raw
    assert "<I.1>" not in raw  # a value inside a message is escaped like any text


def test_the_english_of_a_refusal_is_the_catalog_s(raising_app: Flask) -> None:
    client = raising_app.test_client()
    page = text_of(client.get("/test/refuse/RankingRefused", headers={"Accept-Language": "en"}))
    assert "Someone else changed the towns' paths or announced the results meanwhile." in page
    assert "Only a finished official ranking can be announced." in page
    page = text_of(client.get("/test/refuse/AssignmentRefused", headers={"Accept-Language": "en"}))
    assert "The advisor's town limit is full (3 of 3)." in page


def test_a_refusal_logs_in_english_and_keeps_a_stored_record_in_polish(raising_app: Flask) -> None:
    with raising_app.app_context():
        refused = runs.RankingRefused([runs.CONFLICT])
        assert str(refused) == ("Someone else changed the towns' paths or announced the results meanwhile. "
                                "Reload the page.")
        assert in_language(refused.reasons[0], "pl").startswith("Ktoś inny zmienił w międzyczasie ścieżki")


def test_a_message_with_a_typed_value_is_escaped_in_a_template(raising_app: Flask) -> None:
    message = _l("Wiersz %(n)d: „%(email)s” nie wygląda na adres e-mail.", n=2, email="<script>x</script>")
    with raising_app.test_request_context("/"):
        out = render_template_string("<p>{{ m }}</p>", m=message)
    assert "<script>" not in out and "&lt;script&gt;x&lt;/script&gt;" in out


def test_the_handler_links_back_only_to_our_own_pages(raising_app: Flask) -> None:
    client = raising_app.test_client()
    ours = client.get("/test/refuse/Refused", headers={"Referer": "http://localhost/town/paths/1?x=1"})
    assert 'href="/town/paths/1?x=1"' in ours.get_data(as_text=True)
    theirs = client.get("/test/refuse/Refused", headers={"Referer": "https://evil.example/phish"})
    assert "evil.example" not in theirs.get_data(as_text=True)


def test_nothing_is_left_of_the_dead_end_pages() -> None:
    root = Path(__file__).resolve().parent.parent / "templates"
    assert sorted(str(p.relative_to(root)) for p in root.rglob("refused.html")) == ["web/errors/refused.html"]

