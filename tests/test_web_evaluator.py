"""The evaluator's pages (declaration, application, score sheet, others' sheets) and the
coordinator's criteria pages, through the browser-like test client."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest
from factories.accounts import make_user
from factories.evaluation import (
    GOOD,
    all_criteria,
    application_in_evaluation,
    assign,
    impartial,
    post_sheet,
    sheet_data,
    submit_directly,
    version_of,
)
from factories.path import make_programme, make_town
from sqlalchemy import func, select
from support.querycount import count_queries

from workflow.evaluation import criteria
from workflow.extensions import db
from workflow.models import (
    Criterion,
    EvaluatorAssignment,
    RankingSnapshot,
    Score,
    ScoreSheet,
    SheetPart,
)
from workflow.path import documents

CONFIRM = "Rozumiem, że złożonej karty nie można zmienić"


@pytest.fixture
def setup(world):
    return application_in_evaluation(world)


def sheet_count() -> int:
    db.session.expire_all()
    return db.session.scalar(select(func.count()).select_from(ScoreSheet))


# --- the list ------------------------------------------------------------------------------------

def test_list_shows_own_assignments_only(setup, login):
    programme = setup.programme
    programme.evaluation_deadline = datetime(2026, 12, 15, 15, 0, tzinfo=UTC)
    db.session.commit()
    html = login("evaluator@example.pl").get("/evaluator/").get_data(as_text=True)
    assert "Ostrzeszów" in html and "Wałcz" not in html
    assert "oceniający" in html and "do złożenia" in html and "nierozpoczęta" in html
    assert "15 grudnia 2026, 16:00" in html  # Warsaw time
    empty = login("advisor-a@example.pl").get("/evaluator/")
    assert empty.status_code == 404


def test_evaluator_list_has_a_fixed_number_of_queries(world, login):
    def measure(n: int) -> int:
        evaluator = make_user(f"busy{n}@example.pl", "evaluator")
        db.session.commit()
        for i in range(n):
            path = make_town(world.programme, f"Miasto {n}-{i}", state="evaluation")
            db.session.flush()
            a = assign(path.id, evaluator, declaration=("impartial", None, "conflict")[i % 3])
            if i % 3 == 0:
                db.session.add(ScoreSheet(assignment_id=a.id, status="draft"))
        db.session.commit()
        browser = login(evaluator.email)
        with count_queries(db.engine) as log:
            page = browser.get("/evaluator/")
        assert page.status_code == 200
        assert page.get_data(as_text=True).count(f"Miasto {n}-") == n
        return log.count

    small, large = measure(3), measure(30)
    print(f"evaluator list: {small} queries for 3 assignments, {large} for 30")
    assert small == large, (small, large)
    assert small == 2  # the user with the bell's count; the assignments with towns, programmes and sheets


# --- who may see what ----------------------------------------------------------------------------

def test_an_application_not_assigned_is_404_whatever_the_url(setup, login):
    b = setup.paths["b"].id
    evaluator = login("evaluator@example.pl")
    for url in (f"/evaluator/applications/{b}", f"/evaluator/applications/{b}/declaration",
                f"/evaluator/applications/{b}/sheet", "/evaluator/applications/9999/sheet"):
        assert evaluator.get(url).status_code == 404, url
    assert evaluator.post(f"/evaluator/applications/{b}/declaration",
                          {"declaration": "impartial"}).status_code == 404
    assert evaluator.post(f"/evaluator/applications/{b}/sheet", sheet_data(5, version="1")).status_code == 404
    assert sheet_count() == 0
    a = setup.paths["a"].id
    for email in ("town-a@example.pl", "advisor-a@example.pl", "coordinator@example.pl"):
        assert login(email).get(f"/evaluator/applications/{a}/sheet").status_code == 404


def test_nothing_of_the_application_before_an_impartial_declaration(setup, login):
    a = setup.paths["a"].id
    evaluator = login("evaluator@example.pl")
    redirect = evaluator.get(f"/evaluator/applications/{a}")
    assert redirect.status_code == 302 and redirect.headers["Location"].endswith("/declaration")
    assert evaluator.get(f"/evaluator/applications/{a}/sheet").status_code == 302
    page = evaluator.get(f"/evaluator/applications/{a}/declaration").get_data(as_text=True)
    assert "Oświadczam, że:" in page and "Ostrzeszów" in page
    for kind in ("doradzałem/doradzałam temu miastu", "pracuję w tej gminie albo w niej mieszkam",
                 "więzi rodzinne", "inny konflikt interesów"):
        assert kind in page
    assert "prl-ostrzeszow.pdf" not in page and "/documents/" not in page
    doc = db.session.scalar(select(documents.Document.id).where(documents.Document.path_id == a))
    assert evaluator.get(f"/documents/{doc}").status_code == 404


def test_declaration_input_errors_keep_the_form(setup, login):
    a = setup.paths["a"].id
    evaluator = login("evaluator@example.pl")
    evaluator.get(f"/evaluator/applications/{a}/declaration")
    none = evaluator.post(f"/evaluator/applications/{a}/declaration", {})
    assert none.status_code == 422 and "Wybierz: deklaracja bezstronności" in none.get_data(as_text=True)
    untyped = evaluator.post(f"/evaluator/applications/{a}/declaration", {"declaration": "conflict"})
    assert untyped.status_code == 422 and "Wybierz rodzaj konfliktu" in untyped.get_data(as_text=True)
    other = evaluator.post(f"/evaluator/applications/{a}/declaration",
                           {"declaration": "conflict", "conflict_type": "other", "note": ""})
    assert other.status_code == 422 and "Opisz krótko konflikt" in other.get_data(as_text=True)
    both = evaluator.post(f"/evaluator/applications/{a}/declaration",
                          {"declaration": "impartial", "conflict_type": "family",
                           "note": "Mój szwagier pracuje w urzędzie miasta."})
    assert both.status_code == 422
    page = both.get_data(as_text=True)
    assert "Deklaracja bezstronności nie może jednocześnie wskazywać konfliktu interesów." in page
    assert "Mój szwagier pracuje w urzędzie miasta." in page  # what was typed stays
    assert 'value="family" checked' in page or 'checked value="family"' in page or \
        re.search(r'<input[^>]*checked[^>]*value="family"', page)
    assert setup.path("a") and db.session.scalar(
        select(EvaluatorAssignment.declaration).where(EvaluatorAssignment.path_id == a,
                                                      EvaluatorAssignment.evaluator_id
                                                      == setup.users["evaluator"].id)) is None


def test_after_an_impartial_declaration_the_documents_are_listed(setup, login):
    a = setup.paths["a"].id
    evaluator = login("evaluator@example.pl")
    impartial(evaluator, a)
    html = evaluator.get(f"/evaluator/applications/{a}").get_data(as_text=True)
    for name in ("diagnoza-ostrzeszow.pdf", "prl-ostrzeszow.pdf", "wniosek-ostrzeszow.pdf"):
        assert name in html
    assert "Plan Rozwoju Lokalnego" in html and "Wypełnij kartę oceny" in html


def test_an_impartial_evaluator_downloads_the_documents(setup, login):
    a = setup.paths["a"].id
    evaluator = login("evaluator@example.pl")
    impartial(evaluator, a)
    doc = db.session.scalar(select(documents.Document.id).where(documents.Document.path_id == a))
    assert evaluator.get(f"/documents/{doc}").status_code == 200
    # The other evaluator has not declared yet: still nothing.
    assert login("evaluator-2@example.pl").get(f"/documents/{doc}").status_code == 404


def test_a_declared_conflict_closes_the_application(setup, login):
    a = setup.paths["a"].id
    evaluator = login("evaluator@example.pl")
    evaluator.get(f"/evaluator/applications/{a}/declaration")
    done = evaluator.post(f"/evaluator/applications/{a}/declaration",
                          {"declaration": "conflict", "conflict_type": "municipality", "note": ""})
    assert done.status_code == 302
    listing = evaluator.get("/evaluator/").get_data(as_text=True)
    assert "konflikt interesów" in listing and "pracuję w tej gminie" in listing
    for url in (f"/evaluator/applications/{a}", f"/evaluator/applications/{a}/sheet",
                f"/evaluator/applications/{a}/declaration"):
        page = evaluator.get(url)
        assert page.status_code == 403, url
        html = page.get_data(as_text=True)
        assert "Zgłoszono konflikt interesów dla tego wniosku" in html
        assert "prl-ostrzeszow.pdf" not in html
    assert evaluator.post(f"/evaluator/applications/{a}/sheet", sheet_data(5, version="1")).status_code == 403
    assert evaluator.post(f"/evaluator/applications/{a}/declaration",
                          {"declaration": "impartial"}).status_code == 403
    assert sheet_count() == 0


# --- the sheet form ------------------------------------------------------------------------------

def test_the_form_is_generated_from_the_criteria(setup, login):
    a = setup.paths["a"].id
    evaluator = login("evaluator@example.pl")
    impartial(evaluator, a)
    html = evaluator.get(f"/evaluator/applications/{a}/sheet").get_data(as_text=True)
    crits = all_criteria()
    assert len(crits) == 12
    for c in crits:
        label = f"Punkty za kryterium {c.code} (od 0 do {c.max_points})"
        assert f'<label for="points_{c.id}">{label}</label>' in html
        assert f'<label for="justification_{c.id}">' in html and f'name="justification_{c.id}"' in html
        assert c.title_pl in html
    assert html.count('name="points_') == 12 and html.count("<textarea") == 12
    assert "I. Plan Rozwoju Lokalnego" in html and "II. Plan Rozwoju Instytucjonalnego" in html
    assert "Suma części PRL: 0 z 110 pkt" in html and "Suma części PRI: 0 z 120 pkt" in html
    assert "Zapisz szkic" in html and "Złóż kartę oceny" in html and CONFIRM in html
    assert version_of(evaluator.get(f"/evaluator/applications/{a}/sheet")) == 1
    assert sheet_count() == 0  # opening the form writes nothing


@pytest.mark.parametrize("typed", ["-1", "21", "abc", "2.5"])
def test_points_outside_the_range_are_explained_next_to_the_field(setup, login, typed):
    a = setup.paths["a"].id
    evaluator = login("evaluator@example.pl")
    impartial(evaluator, a)
    first = all_criteria()[0]
    response = post_sheet(evaluator, a, sheet_data(5, **{f"points_{first.id}": typed}))
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    message = "Kryterium I.1: wpisz liczbę całkowitą od 0 do 20 punktów."
    assert f'<p class="error" id="points_{first.id}-error">{message}' in html
    assert html.count(message) == 2  # next to the field and in the summary, once each
    assert f'name="points_{first.id}" size="5" type="text" value="{typed}"' in html
    assert GOOD in html  # the justifications typed are kept
    assert sheet_count() == 0


def test_submitting_needs_every_justification_long_enough(setup, login):
    a = setup.paths["a"].id
    evaluator = login("evaluator@example.pl")
    impartial(evaluator, a)
    c1, c2 = all_criteria()[:2]
    response = post_sheet(evaluator, a, sheet_data(5, **{f"justification_{c1.id}": "",
                                                         f"justification_{c2.id}": "Dobrze."}), submit=True)
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert f'id="justification_{c1.id}-error">Kryterium I.1: wpisz uzasadnienie oceny (co najmniej 30' in html
    assert "Kryterium I.2: uzasadnienie jest za krótkie – ma 7 znaków" in html
    no_confirm = post_sheet(evaluator, a, sheet_data(5), submit=False)
    assert no_confirm.status_code == 302
    page = evaluator.get(f"/evaluator/applications/{a}/sheet")
    unconfirmed = evaluator.post(f"/evaluator/applications/{a}/sheet",
                                 {"version": version_of(page), **sheet_data(5), "submit_sheet": "x"})
    assert unconfirmed.status_code == 400
    assert "Zaznacz, że rozumiesz" in unconfirmed.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.scalar(select(ScoreSheet.status)) == "draft"


def test_a_draft_saved_many_times_stays_one_sheet(setup, login):
    a = setup.paths["a"].id
    evaluator = login("evaluator@example.pl")
    impartial(evaluator, a)
    c1 = all_criteria()[0]
    for n in (3, 4, 5):
        response = post_sheet(evaluator, a, {f"points_{c1.id}": str(n), f"justification_{c1.id}": "wstępnie"})
        assert response.status_code == 302
    assert sheet_count() == 1
    html = evaluator.get(f"/evaluator/applications/{a}/sheet").get_data(as_text=True)
    assert f'name="points_{c1.id}" size="5" type="text" value="5"' in html
    assert "Suma części PRL: 5 z 110 pkt" in html
    assert "szkic" in evaluator.get("/evaluator/").get_data(as_text=True)


def test_submit_once_then_nothing_changes(setup, login):
    a = setup.paths["a"].id
    evaluator = login("evaluator@example.pl")
    impartial(evaluator, a)
    page = evaluator.get(f"/evaluator/applications/{a}/sheet")
    version = version_of(page)
    done = evaluator.post(f"/evaluator/applications/{a}/sheet",
                          {"version": version, **sheet_data(10), "submit_sheet": "x", "confirm": "y"})
    assert done.status_code == 302
    db.session.expire_all()
    row = db.session.scalar(select(ScoreSheet))
    before = (row.status, row.version, row.submitted_at,
              sorted((s.criterion_id, s.points) for s in row.scores))
    assert row.status == "submitted"
    for extra in ({"submit_sheet": "x", "confirm": "y"}, {"save_draft": "x"}):
        again = evaluator.post(f"/evaluator/applications/{a}/sheet",
                               {"version": row.version, **sheet_data(1), **extra})
        assert again.status_code == 409
        assert "Karta została już złożona i nie można jej zmienić" in again.get_data(as_text=True)
    db.session.expire_all()
    row = db.session.scalar(select(ScoreSheet))
    assert (row.status, row.version, row.submitted_at,
            sorted((s.criterion_id, s.points) for s in row.scores)) == before
    view = evaluator.get(f"/evaluator/applications/{a}").get_data(as_text=True)
    assert "Złożonej karty nie można zmienić" in view and GOOD in view
    assert "Zgłoś konflikt interesów" not in view
    assert evaluator.get(f"/evaluator/applications/{a}/sheet").status_code == 302


def test_a_stale_page_keeps_what_was_typed(setup, login):
    a = setup.paths["a"].id
    evaluator = login("evaluator@example.pl")
    impartial(evaluator, a)
    c1 = all_criteria()[0]
    old = version_of(evaluator.get(f"/evaluator/applications/{a}/sheet"))
    assert post_sheet(evaluator, a, {f"points_{c1.id}": "3"}).status_code == 302  # another tab
    stale = evaluator.post(f"/evaluator/applications/{a}/sheet",
                           {"version": old, f"points_{c1.id}": "17", "save_draft": "x"})
    assert stale.status_code == 409
    html = stale.get_data(as_text=True)
    assert "zapisana w innym oknie" in html and 'value="17"' in html
    db.session.expire_all()
    assert db.session.scalar(select(Score.points).where(Score.criterion_id == c1.id)) == 3
    retry = evaluator.post(f"/evaluator/applications/{a}/sheet",
                           {"version": version_of(stale), f"points_{c1.id}": "17", "save_draft": "x"})
    assert retry.status_code == 302
    db.session.expire_all()
    assert db.session.scalar(select(Score.points).where(Score.criterion_id == c1.id)) == 17


def test_no_saving_once_the_application_left_evaluation(setup, login):
    a = setup.paths["a"].id
    evaluator = login("evaluator@example.pl")
    impartial(evaluator, a)
    page = evaluator.get(f"/evaluator/applications/{a}/sheet")
    path = setup.path("a")
    path.state = "ranked"
    db.session.commit()
    response = evaluator.post(f"/evaluator/applications/{a}/sheet",
                              {"version": version_of(page), **sheet_data(5), "save_draft": "x"})
    assert response.status_code == 409
    assert "nie jest już na etapie oceny merytorycznej" in response.get_data(as_text=True)
    assert sheet_count() == 0


# --- the other evaluators' sheets ---------------------------------------------------------------------

def test_others_sheets_hidden_until_own_submission(setup, login):
    a = setup.paths["a"].id
    secret = "Ocena drugiego eksperta: plan spójny, ale finansowanie niepewne."
    submit_directly(a, setup.users["evaluator2"], 12, secret)
    evaluator = login("evaluator@example.pl")
    impartial(evaluator, a)
    before = evaluator.get(f"/evaluator/applications/{a}").get_data(as_text=True)
    assert secret not in before
    assert "zobaczysz po złożeniu własnej karty" in before
    assert post_sheet(evaluator, a, sheet_data(8), submit=True).status_code == 302
    after = evaluator.get(f"/evaluator/applications/{a}").get_data(as_text=True)
    assert secret in after and "Ocena innego eksperta nr 1" in after
    assert "evaluator-2" not in after  # names are not shown


def test_others_sheets_hidden_until_the_announcement(setup, login):
    setup.programme.hide_scores_until = "announcement"
    db.session.commit()
    a = setup.paths["a"].id
    secret = "Ocena drugiego eksperta: plan spójny, ale finansowanie niepewne."
    submit_directly(a, setup.users["evaluator2"], 12, secret)
    evaluator = login("evaluator@example.pl")
    impartial(evaluator, a)
    assert post_sheet(evaluator, a, sheet_data(8), submit=True).status_code == 302
    html = evaluator.get(f"/evaluator/applications/{a}").get_data(as_text=True)
    assert secret not in html and "dopiero po ogłoszeniu wyników" in html
    snapshot = RankingSnapshot(programme_id=setup.programme.id, kind="official", status="done",
                               announced_at=datetime.now(UTC))
    db.session.add(snapshot)
    db.session.commit()
    assert secret in evaluator.get(f"/evaluator/applications/{a}").get_data(as_text=True)


# --- the coordinator's criteria ------------------------------------------------------------------

def test_coordinator_sees_and_edits_the_criteria_until_locked(setup, login):
    coordinator = login("coordinator@example.pl")
    html = coordinator.get("/coordinator/criteria/?programme=RL-TEST").get_data(as_text=True)
    assert "Kryteria części PRL: razem 110 pkt" in html and "Kryteria części PRI: razem 120 pkt" in html
    assert "Razem cała karta: 230 pkt" in html and "Kryteria są zablokowane" not in html
    c1 = all_criteria()[0]
    coordinator.get(f"/coordinator/criteria/{c1.id}/edit")
    bad = coordinator.post(f"/coordinator/criteria/{c1.id}/edit",
                           {"code": "I.1", "title_pl": "Diagnoza", "title_en": "Diagnosis",
                            "max_points": "dwadzieścia"})
    assert bad.status_code == 400
    assert "Wpisz maksymalną liczbę punktów jako liczbę całkowitą" in bad.get_data(as_text=True)
    assert 'value="dwadzieścia"' in bad.get_data(as_text=True)
    ok = coordinator.post(f"/coordinator/criteria/{c1.id}/edit",
                          {"code": "I.1", "title_pl": "Diagnoza", "title_en": "Diagnosis",
                           "description_pl": "", "description_en": "", "max_points": "25"})
    assert ok.status_code == 302
    assert "Kryteria części PRL: razem 115 pkt" in coordinator.get("/coordinator/criteria/").get_data(
        as_text=True)

    submit_directly(setup.paths["a"].id, setup.users["evaluator2"], 10, GOOD)
    locked = coordinator.get("/coordinator/criteria/").get_data(as_text=True)
    assert "Kryteria są zablokowane – złożono już pierwszą kartę oceny." in locked
    assert f"/coordinator/criteria/{c1.id}/edit" not in locked
    refused = coordinator.post(f"/coordinator/criteria/{c1.id}/edit",
                               {"code": "I.1", "title_pl": "Inna", "title_en": "Other", "max_points": "5"})
    assert refused.status_code == 409 and "złożono już pierwszą kartę" in refused.get_data(as_text=True)
    assert coordinator.post(f"/coordinator/criteria/{c1.id}/delete").status_code == 409
    db.session.expire_all()
    assert db.session.get(Criterion, c1.id).max_points == 25
    assert db.session.scalar(select(func.count()).select_from(Criterion)) == 12


def test_coordinator_creates_the_rl_sheet_once(world, login):
    coordinator = login("coordinator@example.pl")
    page = coordinator.get("/coordinator/criteria/").get_data(as_text=True)
    assert "Utwórz kartę oceny według wzoru RL-2020" in page
    for _ in range(2):
        assert coordinator.post("/coordinator/criteria/create?programme=RL-TEST").status_code == 302
    assert db.session.scalar(select(func.count()).select_from(Criterion)) == 12
    for email in ("evaluator@example.pl", "town-a@example.pl"):
        assert login(email).get("/coordinator/criteria/").status_code == 404


# --- the sheet comes from the programme's template, never from reading a page ------------------------

def test_a_programme_without_criteria_gets_none_on_an_evaluators_visit(world, login):
    """The evaluator's sheet page of a programme without a sheet refuses (409) and writes no
    criteria: they are created with the programme or by the coordinator, not on a GET."""
    path = world.path("a")
    path.state = "evaluation"
    db.session.commit()
    assign(path.id, world.users["evaluator"], declaration="impartial")
    browser = login("evaluator@example.pl")
    for method in (browser.get, browser.post):
        page = method(f"/evaluator/applications/{path.id}/sheet")
        assert page.status_code == 409
        assert "nie ma jeszcze karty oceny" in page.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(SheetPart)) == 0
    assert sheet_count() == 0


def test_a_programme_whose_path_names_no_template_has_no_sheet_to_create(ctx, login):
    programme = make_programme("CWD-TEST", path_code="partnerstwa")
    make_user("coordinator@example.pl", "coordinator")
    db.session.commit()
    assert criteria.template_of(programme) is None and criteria.ensure_sheet(programme) == []
    coordinator = login("coordinator@example.pl")
    page = coordinator.get("/coordinator/criteria/?programme=CWD-TEST").get_data(as_text=True)
    assert "Ten program nie ma jeszcze karty oceny." in page and "Utwórz kartę oceny" not in page
    assert coordinator.post("/coordinator/criteria/create?programme=CWD-TEST").status_code == 400
    assert db.session.scalar(select(func.count()).select_from(SheetPart)) == 0
