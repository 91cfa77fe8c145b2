"""The coordinator's evaluation pages: the applications with every step of the score, an
application's sheets in full, assignment by hand, the proposal and its approval."""

from __future__ import annotations

import html as htmllib
import re

import pytest
from factories.evaluation import add_sheet, make_evaluator, make_parts, put
from factories.path import make_town
from sqlalchemy import select
from support import count
from support.querycount import count_queries

from workflow.extensions import db
from workflow.models import EvaluatorAssignment, EvaluatorProfile, Notification, ScoreSheet


def snapshot() -> tuple[int, int, int]:
    return count(EvaluatorAssignment), count(ScoreSheet), count(Notification)


def text(response) -> str:
    """The page as a person reads it: tags gone, entities decoded, spaces collapsed."""
    return " ".join(htmllib.unescape(re.sub(r"<[^>]+>", " ", response.get_data(as_text=True))).split())


def options(html: str, select_name: str) -> list[str]:
    block = re.search(rf'<select[^>]*name="{select_name}".*?</select>', html, re.S)
    assert block, f"no select {select_name}"
    return re.findall(r'<option[^>]*value="(\d*)"', block.group(0))


@pytest.fixture
def setup(world):
    for key in ("a", "b"):
        world.paths[key].state = "evaluation"
    make_parts(world.programme)
    world.users["evaluator"].name = "Ewa Oceniająca"
    people = [world.users["evaluator"]] + [
        make_evaluator(f"oceniajacy{i}@example.pl", name)
        for i, name in enumerate(("Jan Kowalski", "Anna Nowak", "Piotr Zieliński"), 1)]
    db.session.commit()
    return world, people


URLS = ("/coordinator/evaluation/", "/coordinator/evaluation/applications/{a}",
        "/coordinator/evaluation/proposal", "/coordinator/evaluation/evaluators")


def test_only_the_coordinator_comes_in_everyone_else_gets_404(setup, login, browser):
    world, (e0, *_) = setup
    a = world.paths["a"].id
    row = put(world.path("a"), e0)
    for email in ("town-a@example.pl", "advisor-a@example.pl", "evaluator@example.pl"):
        other = login(email)
        for url in URLS:
            assert other.get(url.format(a=a)).status_code == 404, (email, url)
        before = snapshot()
        assert other.post(f"/coordinator/evaluation/applications/{a}/evaluators",
                          {"regular-evaluator": e0.id}).status_code == 404
        assert other.post(f"/coordinator/evaluation/applications/{a}/third/auto").status_code == 404
        assert other.post(f"/coordinator/evaluation/assignments/{row.id}/unassign").status_code == 404
        assert other.post("/coordinator/evaluation/proposal", {"pair": f"{a}:{e0.id}"}).status_code == 404
        assert snapshot() == before
    assert browser.get("/coordinator/evaluation/").status_code == 302  # to the login page
    coordinator = login("coordinator@example.pl")
    assert coordinator.get("/coordinator/evaluation/applications/999999").status_code == 404
    assert coordinator.post("/coordinator/evaluation/assignments/999999/unassign").status_code == 404
    assert coordinator.get("/coordinator/evaluation/?programme=NIE-MA").status_code == 404


def scored(world, people):
    """Town a: 200 and 80 apart, a third gave 185 (pair 1+3 counts); town b: 91+97 and 90+95."""
    e0, e1, e2, e3 = people
    a, b = world.path("a"), world.path("b")
    r1, r2 = put(a, e0), put(a, e1)
    add_sheet(r1, 100, 100)
    add_sheet(r2, 40, 40)
    add_sheet(put(a, e2, role="third"), 90, 95)
    conflicted = put(a, e3, declaration="conflict", conflict_type="family")
    conflicted.conflict_note = "Brat pracuje w urzędzie miasta."
    put(b, e2)
    add_sheet(put(b, e3), 91, 97)
    db.session.commit()


def test_index_shows_every_step_of_the_score(setup, login):
    world, people = setup
    scored(world, people)
    page = login("coordinator@example.pl").get("/coordinator/evaluation/")
    assert page.status_code == 200
    body = text(page)
    a_row = re.search(r"Ostrzeszów.*?(?=Wałcz)", body).group(0)
    # One compact row per application: each evaluator with their total (the counted pair
    # marked), the spread in % of the higher total against the rule, the third, the final score.
    for expected in ("Ewa Oceniająca: 200 (liczona) ; Jan Kowalski: 80 ; "
                     "Piotr Zieliński: konflikt interesów ; Anna Nowak (trzeci): 185 (liczona)",
                     "60% (ponad 30%)", "trzecia ocena złożona", "192,5"):
        assert expected in a_row, expected
    b_row = body[body.index("Wałcz"):]
    assert "Anna Nowak: karta nierozpoczęta ; Piotr Zieliński: 188" in b_row
    assert "brak dwóch złożonych ocen brak Ścieżka" in b_row  # one sheet: no final score yet
    assert "Z wynikiem końcowym: 1" in body


def test_the_third_is_shown_as_needed_with_the_reason_when_nobody_is_free(setup, login):
    world, (e0, e1, e2, e3) = setup
    for e in (e2, e3):
        db.session.add(EvaluatorProfile(user_id=e.id, municipality_name="Ostrzeszów"))
    r1, r2 = put(world.path("a"), e0), put(world.path("a"), e1)
    add_sheet(r1, 100, 100)
    add_sheet(r2, 10, 10)
    coordinator = login("coordinator@example.pl")
    body = text(coordinator.get("/coordinator/evaluation/"))
    assert "trzecia ocena potrzebna – Nie ma kogo przydzielić jako trzeciego oceniającego" in body
    page = coordinator.get(f"/coordinator/evaluation/applications/{world.paths['a'].id}")
    assert "Różnica jest większa – potrzebna trzecia ocena." in text(page)
    assert "Przydziel automatycznie" not in text(page)
    response = coordinator.post(f"/coordinator/evaluation/applications/{world.paths['a'].id}/third/auto")
    assert response.status_code == 302
    assert "Nie ma kogo przydzielić" in text(coordinator.get(response.location))
    assert count(EvaluatorAssignment) == 2


def test_the_overview_filters_what_needs_a_third_evaluator(setup, login):
    world, (e0, e1, e2, e3) = setup
    add_sheet(put(world.path("a"), e0), 100, 100)
    add_sheet(put(world.path("a"), e1), 10, 10)  # 90 % of the higher total apart: a third
    add_sheet(put(world.path("b"), e2), 91, 97)
    add_sheet(put(world.path("b"), e3), 90, 95)  # 1,6 %: within the rule
    coordinator = login("coordinator@example.pl")
    every = text(coordinator.get("/coordinator/evaluation/?sort=spread"))
    assert "Rozrzut (% wyższej sumy)" in every
    assert re.search(r"Ostrzeszów .*? 90% \(ponad 30%\) trzecia ocena potrzebna.*Wałcz .*? 1,6% ", every)
    needed = coordinator.get("/coordinator/evaluation/?need=third")
    assert "Ostrzeszów" in text(needed) and "Wałcz" not in text(needed).split("Pokazano", 1)[1]
    assert "Pokazano 1–1 z 1" in text(needed)
    chosen = '<option value="third" selected>potrzebny trzeci oceniający</option>'
    assert chosen in needed.get_data(as_text=True)


def test_the_third_is_assigned_from_the_page(setup, login):
    world, (e0, e1, e2, e3) = setup
    a = world.paths["a"].id
    r1, r2 = put(world.path("a"), e0), put(world.path("a"), e1)
    add_sheet(r1, 100, 100)
    add_sheet(r2, 10, 10)
    coordinator = login("coordinator@example.pl")
    page = coordinator.get(f"/coordinator/evaluation/applications/{a}")
    assert "trzecia ocena potrzebna" in text(page)
    assert options(page.get_data(as_text=True), "third-evaluator") == ["", str(e2.id), str(e3.id)]
    response = coordinator.post(f"/coordinator/evaluation/applications/{a}/third/auto")
    assert response.status_code == 302
    assert "Przydzielono trzeciego oceniającego: Anna Nowak" in text(coordinator.get(response.location))
    refused = coordinator.post(f"/coordinator/evaluation/applications/{a}/third", {"third-evaluator": e3.id})
    assert refused.status_code == 409
    assert "Wniosek ma już trzeciego oceniającego." in text(refused)
    assert count(EvaluatorAssignment) == 3 and count(Notification) == 1


def test_an_application_shows_every_sheet_in_full(setup, login):
    world, people = setup
    scored(world, people)
    page = login("coordinator@example.pl").get(f"/coordinator/evaluation/applications/{world.paths['a'].id}")
    body = text(page)
    assert "Karta oceny: Ewa Oceniająca – liczona do wyniku" in body
    assert "Karta oceny: Jan Kowalski" in body and "Karta oceny: Jan Kowalski – liczona" not in body
    assert "I.1 Kryterium I.1 60 60 Uzasadnienie I.1" in body  # points, maximum, justification
    assert "I.2 Kryterium I.2 40 50 Uzasadnienie I.2" in body
    assert "Razem część PRL 100 110" in body
    assert "Sumy złożonych kart, w kolejności przydziału: 1. Ewa Oceniająca: 200; 2. Jan Kowalski: 80; " \
           "3. Anna Nowak: 185." in body
    assert "Różnica sum dwóch pierwszych ocen: 120; dopuszczalna: 30% wyższej sumy, czyli 60." in body
    assert "Ewa Oceniająca + Anna Nowak: 15; 192,5 – liczona" in body
    assert "Jan Kowalski + Anna Nowak: 105; 132,5" in body
    assert "PRL 95, PRI 97,5; wynik końcowy: 192,5." in body
    assert "konflikt interesów: powiązania rodzinne" in body


def test_assign_by_hand_lists_only_eligible_evaluators_with_their_load(setup, login):
    world, (e0, e1, e2, e3) = setup
    a = world.paths["a"].id
    db.session.add(EvaluatorProfile(user_id=e3.id, advisor_account_id=world.users["advisor_a"].id))
    put(world.path("b"), e1)
    db.session.commit()
    coordinator = login("coordinator@example.pl")
    page = coordinator.get(f"/coordinator/evaluation/applications/{a}")
    html = page.get_data(as_text=True)
    assert options(html, "regular-evaluator") == ["", str(e0.id), str(e2.id), str(e1.id)]  # by load
    assert "Jan Kowalski (wniosków w programie: 1)" in text(page)
    assert "Piotr Zieliński – doradztwo dla miasta" in text(page)
    response = coordinator.post(f"/coordinator/evaluation/applications/{a}/evaluators",
                                {"regular-evaluator": e2.id})
    assert response.status_code == 302
    after = text(coordinator.get(response.location))
    assert "Przydzielono: Anna Nowak. Oceniający dostanie wiadomość." in after
    row = db.session.scalars(select(EvaluatorAssignment).where(EvaluatorAssignment.path_id == a)).one()
    assert (row.evaluator_id, row.role, row.source) == (e2.id, "regular", "manual")
    note = db.session.scalars(select(Notification)).one()
    assert note.recipient_id == e2.id and note.kind == "evaluator_assigned"
    response = coordinator.post(f"/coordinator/evaluation/assignments/{row.id}/unassign")
    assert response.status_code == 302
    assert "Zakończono przydział: Anna Nowak." in text(coordinator.get(response.location))
    assert count(EvaluatorAssignment) == 1


@pytest.mark.parametrize(("value", "status", "message"), [
    ("", 400, "Wybierz oceniającego z listy."),
    ("abc", 400, "Wybierz oceniającego z listy."),
    ("999999", 400, "Wybierz oceniającego z listy."),
    ("advisor", 400, "Wybierz oceniającego z listy."),
    ("conflicted", 409, "Konflikt interesów: ta osoba doradzała temu miastu."),
    ("declared", 409, "Ta osoba zgłosiła konflikt interesów z tym wnioskiem (rodzaj: inny konflikt)."),
    ("full", 409, "Wniosek ma już tylu oceniających, ilu przewiduje program (2)."),
])
def test_bad_input_by_hand_says_why_in_polish_and_saves_nothing(setup, login, value, status, message):
    world, (e0, e1, e2, e3) = setup
    a = world.paths["a"].id
    db.session.add(EvaluatorProfile(user_id=e3.id, advisor_account_id=world.users["advisor_a"].id))
    put(world.path("a"), e2, declaration="conflict", conflict_type="other")
    if value == "full":
        put(world.path("a"), e0)
        put(world.path("a"), e1)
        value = str(make_evaluator("wolny@example.pl").id)
        db.session.commit()
    value = {"advisor": str(world.users["advisor_a"].id), "conflicted": str(e3.id),
             "declared": str(e2.id)}.get(value, value)
    coordinator = login("coordinator@example.pl")
    coordinator.get(f"/coordinator/evaluation/applications/{a}")
    before = snapshot()
    response = coordinator.post(f"/coordinator/evaluation/applications/{a}/evaluators",
                                {"regular-evaluator": value})
    assert response.status_code == status
    html = response.get_data(as_text=True)
    assert 'class="error-summary"' in html and 'id="regular-evaluator-error"' in html
    assert message in text(response)
    assert snapshot() == before


def test_unassigning_after_submission_is_refused_with_the_reason(setup, login):
    world, (e0, *_) = setup
    row = put(world.path("a"), e0)
    add_sheet(row, 50, 50)
    coordinator = login("coordinator@example.pl")
    page = coordinator.get(f"/coordinator/evaluation/applications/{world.paths['a'].id}")
    assert f"/assignments/{row.id}/unassign" not in page.get_data(as_text=True)
    response = coordinator.post(f"/coordinator/evaluation/assignments/{row.id}/unassign")
    assert response.status_code == 409
    assert "oceniający złożył już kartę oceny" in text(response)
    assert count(EvaluatorAssignment) == 1 and count(ScoreSheet) == 1


def test_the_proposal_saves_nothing_until_it_is_approved(setup, login):
    world, (e0, e1, e2, e3) = setup
    db.session.add(EvaluatorProfile(user_id=e3.id, municipality_name="Wałcz"))
    db.session.commit()
    coordinator = login("coordinator@example.pl")
    index = coordinator.get("/coordinator/evaluation/")
    assert "Zaproponuj przydział oceniających" in text(index)
    page = coordinator.get("/coordinator/evaluation/proposal?programme=RL-TEST")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    pairs = re.findall(r'name="pair" value="(\d+:\d+)"', html)
    assert len(pairs) == 4 and f"{world.paths['b'].id}:{e3.id}" not in pairs
    assert "Proponowanych przydziałów: 4." in text(page) and 'value="Zatwierdź"' in html
    assert snapshot() == (0, 0, 0)
    response = coordinator.post("/coordinator/evaluation/proposal?programme=RL-TEST", {"pair": pairs})
    assert response.status_code == 302 and "programme=RL-TEST" in response.location
    assert "Zapisano przydziały oceniających: 4." in text(coordinator.get(response.location))
    saved = {f"{r.path_id}:{r.evaluator_id}" for r in db.session.scalars(select(EvaluatorAssignment))}
    assert saved == set(pairs)
    assert count(Notification) == 4
    again = coordinator.get("/coordinator/evaluation/proposal?programme=RL-TEST")
    assert "Nie ma czego przydzielić" in text(again)


@pytest.mark.parametrize(("pairs", "status", "message"), [
    (["a:x"], 400, "Propozycja jest niepoprawna. Przygotuj ją ponownie."),
    ([], 400, "Propozycja nie zawiera żadnego przydziału."),
    (["{a}:999999"], 400, "Propozycja wskazuje nieznany wniosek albo nieznanego oceniającego."),
    (["999999:{e0}"], 400, "Propozycja wskazuje nieznany wniosek albo nieznanego oceniającego."),
    (["{a}:{e0}", "{b}:{e3}"], 409,
     "Wałcz, Piotr Zieliński: Konflikt interesów: ta osoba mieszka lub pracuje w gminie wnioskodawcy."),
])
def test_bad_proposals_are_refused_in_polish_and_nothing_is_saved(setup, login, pairs, status, message):
    world, (e0, e1, e2, e3) = setup
    db.session.add(EvaluatorProfile(user_id=e3.id, municipality_name="Wałcz"))
    db.session.commit()
    ids = {"a": world.paths["a"].id, "b": world.paths["b"].id, "e0": e0.id, "e3": e3.id}
    coordinator = login("coordinator@example.pl")
    coordinator.get("/coordinator/evaluation/proposal")
    response = coordinator.post("/coordinator/evaluation/proposal",
                                {"pair": [p.format(**ids) for p in pairs]})
    assert response.status_code == status
    assert message in text(response)
    assert "Nie zapisano propozycji" in text(response)
    assert re.findall(r'name="pair"', response.get_data(as_text=True))  # a fresh proposal to approve
    assert snapshot() == (0, 0, 0)


def test_the_evaluators_table_shows_load_and_conflicts(setup, login):
    world, (e0, e1, e2, e3) = setup
    db.session.add_all([
        EvaluatorProfile(user_id=e3.id, advisor_account_id=world.users["advisor_a"].id,
                         municipality_name="Piła"),
        EvaluatorProfile(user_id=e2.id, municipality_name="Wałcz"),
    ])
    put(world.path("a"), e1)
    add_sheet(put(world.path("b"), e1), 50, 60)
    put(world.path("a"), e0, declaration="conflict", conflict_type="family").conflict_note = "Siostra"
    db.session.commit()
    body = text(login("coordinator@example.pl").get("/coordinator/evaluation/evaluators"))
    assert "Jan Kowalski (oceniajacy1@example.pl) 2 0 1 – brak brak" in body
    assert "Piotr Zieliński (oceniajacy3@example.pl) 0 0 0 doradca: advisor-a gmina: Piła " \
           "Ostrzeszów : doradztwo dla miasta brak" in body
    assert "Anna Nowak (oceniajacy2@example.pl) 0 0 0 gmina: Wałcz Wałcz : mieszka lub pracuje" in body
    assert "Ewa Oceniająca (evaluator@example.pl) 0 0 0 – brak " \
           "Ostrzeszów : powiązania rodzinne – Siostra" in body


def test_pages_read_in_a_fixed_number_of_queries(setup, login):
    world, people = setup
    scored(world, people)
    coordinator = login("coordinator@example.pl")

    def grow(n: int) -> None:
        for i in range(n):
            path = make_town(world.programme, f"Gmina {len(people)}-{n}-{i}", state="evaluation")
            db.session.flush()
            r1 = put(path, people[i % 4])
            if i % 2:
                put(path, people[(i + 1) % 4])
                add_sheet(r1, 40 + i % 30, 70)
        db.session.commit()

    pages = ("/coordinator/evaluation/", "/coordinator/evaluation/proposal",
             "/coordinator/evaluation/evaluators",
             f"/coordinator/evaluation/applications/{world.paths['a'].id}")

    def measure() -> list[int]:
        counts = []
        for url in pages:
            with count_queries(db.engine) as queries:
                assert coordinator.get(url).status_code == 200
            counts.append(queries.count)
        return counts

    grow(3)
    few = measure()
    grow(30)
    many = measure()
    assert many == few, (few, many)
    assert "Gmina 4-30-29" in text(coordinator.get("/coordinator/evaluation/?q=4-30-29"))
