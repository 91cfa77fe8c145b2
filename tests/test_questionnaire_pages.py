"""The questionnaire's pages: city01 fills it in, is warned about an implausible value, explains
it and submits; the analyst returns one value and accepts the rest; the city corrects it. A city
never sees another city's questionnaire (404); bad input keeps what was typed; fixed queries."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from factories.accounts import as_user
from factories.questionnaire import Round, build_round
from support.querycount import count_queries

from workflow.extensions import db
from workflow.models import MonitoringArea, Questionnaire, QuestionnaireStatus
from workflow.monitoring import questionnaire as qn

CULTURE = MonitoringArea.CULTURE_RECREATION


@pytest.fixture
def rnd(ctx) -> Round:
    out = build_round()
    questions = qn.items(CULTURE)
    for i, user in enumerate(out.cities[1:], start=2):  # the group: cities 2–6 submitted
        q = qn.open_for(out.units[i - 1].id, 2024, CULTURE)
        raw = (str(100000 + 1000 * i), str(20000 + 100 * i), str(1000000 + 10000 * i))
        typed = {it.variable_id: qn.Entry(r) for it, r in zip(questions, raw, strict=True)}
        assert qn.save(q, questions, typed, user, submit=True).ok
    db.session.commit()
    return out


def text(response) -> str:  # noqa: ANN001
    return response.get_data(as_text=True)


def open_questionnaire(app, rnd: Round):  # noqa: ANN001, ANN201
    city = as_user(app, "city01@example.pl")
    response = city.post("/town/questionnaires", {"year": "2024", "area": "culture_recreation"})
    assert response.status_code == 302
    q_id = int(response.location.rstrip("/").rsplit("/", 1)[1])
    return city, q_id


def form(ids: list[int], values: tuple[str, ...], comments: dict[int, str] | None = None,
         action: str = "draft") -> dict[str, str]:
    data = {f"value-{i}": v for i, v in zip(ids, values, strict=True)}
    data.update({f"comment-{i}": c for i, c in (comments or {}).items()})
    return {**data, "action": action}


def test_the_city_s_journey_and_the_analyst_s_review(app, rnd):
    ids = [i.variable_id for i in qn.items(CULTURE)]
    city, q_id = open_questionnaire(app, rnd)
    url = f"/town/questionnaires/{q_id}"
    page = text(city.get(url))
    assert "Wypożyczenia księgozbioru bibliotek publicznych" in page and "K-03" in page

    bad = city.post(url, form(ids, ("sto tysięcy", "20400", "1040000")))
    assert bad.status_code == 400
    assert "To nie jest liczba." in text(bad) and 'value="sto tysięcy"' in text(bad)

    implausible = city.post(url, form(ids, ("900000", "20400", "1040000"), action="submit"))
    assert implausible.status_code == 400
    assert "Wartość odbiega od grupy" in text(implausible) and 'value="900000"' in text(implausible)
    assert "wyjaśnij ją w komentarzu" in text(implausible)

    explained = city.post(url, form(ids, ("900000", "20400", "1040000"), {ids[0]: "Nowa biblioteka."},
                                    "submit"))
    assert explained.status_code == 302
    assert "wysłana, czeka na ocenę" in text(city.get(url))

    analyst = as_user(app, "analityk@example.pl")
    assert "Ostrzeszów" in text(analyst.get("/coordinator/questionnaires"))
    analyst_url = f"/coordinator/questionnaires/{q_id}"
    assert "Nowa biblioteka." in text(analyst.get(analyst_url))
    review = f"{analyst_url}/answers/{ids[0]}/review"
    no_note = analyst.post(review, {"decision": "return", "note": ""})
    assert no_note.status_code == 400 and "napisz, co trzeba poprawić" in text(no_note)
    returning = analyst.post(review, {"decision": "return", "note": "Sprawdź, czy to nie 90 000."})
    assert returning.status_code == 302
    for i in ids[1:]:
        assert analyst.post(f"{analyst_url}/answers/{i}/review", {"decision": "accept"}).status_code == 302
    returned = text(city.get(url))
    assert "zwrócona do poprawy" in returned and "Sprawdź, czy to nie 90 000." in returned
    assert city.post(url, form([ids[0]], ("104500",), action="submit")).status_code == 302
    assert analyst.post(review, {"decision": "accept"}).status_code == 302
    q = db.session.get(Questionnaire, q_id)
    db.session.refresh(q)
    assert q.status == QuestionnaireStatus.ACCEPTED and q.answers[0].value == 104500.0


def test_a_city_sees_only_its_own_questionnaire_and_only_the_analyst_reviews(app, rnd):
    ids = [i.variable_id for i in qn.items(CULTURE)]
    city, q_id = open_questionnaire(app, rnd)
    other = as_user(app, "city02@example.pl")
    url = f"/town/questionnaires/{q_id}"
    assert other.get(url).status_code == 404
    assert other.post(url, form(ids, ("1", "1", "1"))).status_code == 404
    assert "Ostrzeszów" not in text(other.get("/town/questionnaires"))
    theirs = db.session.scalar(sa.select(Questionnaire.id).where(Questionnaire.unit_id == rnd.units[1].id))
    assert "Wałcz" in text(other.get(f"/town/questionnaires/{theirs}"))
    assert city.get(f"/town/questionnaires/{theirs}").status_code == 404
    assert city.post(f"/coordinator/questionnaires/{q_id}/answers/{ids[0]}/review",
                     {"decision": "accept"}).status_code == 404
    analyst = as_user(app, "analityk@example.pl")
    assert analyst.post(url, form(ids, ("1", "1", "1"))).status_code == 404


def test_opening_refuses_a_bad_year_and_keeps_it(app, rnd):
    city = as_user(app, "city01@example.pl")
    response = city.post("/town/questionnaires", {"year": "20x4", "area": "culture_recreation"})
    assert response.status_code == 400 and 'value="20x4"' in text(response) and "Podaj rok" in text(response)
    finance = city.post("/town/questionnaires", {"year": "2024", "area": "finance"})
    assert finance.status_code == 400, finance.location


def test_the_pages_read_a_fixed_number_of_statements(app, rnd):
    city, q_id = open_questionnaire(app, rnd)
    analyst = as_user(app, "analityk@example.pl")
    counts = {}
    for who, browser, url in (("city page", city, f"/town/questionnaires/{q_id}"),
                              ("city list", city, "/town/questionnaires"),
                              ("analyst page", analyst, f"/coordinator/questionnaires/{q_id}"),
                              ("analyst list", analyst, "/coordinator/questionnaires")):
        with count_queries(db.engine) as log:
            assert browser.get(url).status_code == 200
        counts[who] = log.count
    with app.app_context():  # five more questionnaires of the analyst's list: the same count
        build_more = [qn.open_for(u.id, 2023, CULTURE) for u in rnd.units]
        db.session.commit()
        assert build_more
    with count_queries(db.engine) as log:
        assert analyst.get("/coordinator/questionnaires").status_code == 200
    assert log.count == counts["analyst list"]
    print("queries:", counts)
    # The session and user, the city's unit, then the page's own (questions, answers, revision
    # notes, publication).
    assert counts == {"city page": 9, "city list": 5, "analyst page": 8, "analyst list": 4}


def test_the_questionnaire_in_english(app, rnd):
    city, q_id = open_questionnaire(app, rnd)
    city.post("/language", {"lang": "en", "next": "/town/"})
    ids = [i.variable_id for i in qn.items(CULTURE)]
    page = city.post(f"/town/questionnaires/{q_id}", form(ids, ("900000", "1,5", "1"), action="submit"))
    body = text(page)
    assert page.status_code == 400
    assert "Loans of public library collections" in body and "K-03 report" in body
    assert "A whole number is needed here." in body and "median absolute deviations" in body
    assert 'value="1,5"' in body


def test_the_analyst_publishes_the_year_and_corrects_a_value_with_a_note(app, rnd):
    ids = [i.variable_id for i in qn.items(CULTURE)]
    city, q_id = open_questionnaire(app, rnd)
    assert city.post(f"/town/questionnaires/{q_id}",
                     form(ids, ("104000", "20400", "1040000"), action="submit")).status_code == 302
    analyst = as_user(app, "analityk@example.pl")
    publish = {"year": "2024", "area": "culture_recreation"}
    early = analyst.post("/coordinator/questionnaires/publish", publish)
    assert early.status_code == 409 and "6 ankiet jest jeszcze w ocenie" in text(early)
    assert 'value="2024"' in text(early)
    bad = analyst.post("/coordinator/questionnaires/publish", {"year": "dwa", "area": "culture_recreation"})
    assert bad.status_code == 400 and 'value="dwa"' in text(bad)
    for q in db.session.scalars(sa.select(Questionnaire)):
        for i in ids:
            assert analyst.post(f"/coordinator/questionnaires/{q.id}/answers/{i}/review",
                                {"decision": "accept"}).status_code == 302
    url = f"/coordinator/questionnaires/{q_id}"
    before = analyst.post(f"{url}/answers/{ids[0]}/correct", {"value": "105000", "reason": "K-03"})
    assert before.status_code == 409 and "przed publikacją wartość zwraca się miastu" in text(before)
    published = analyst.post("/coordinator/questionnaires/publish", publish)
    assert published.status_code == 302
    assert "rok opublikowany" in text(analyst.get("/coordinator/questionnaires"))

    no_reason = analyst.post(f"{url}/answers/{ids[0]}/correct", {"value": "105 000", "reason": ""})
    assert no_reason.status_code == 400 and "Napisz, dlaczego" in text(no_reason)
    assert 'value="105 000"' in text(no_reason)
    why = "Biblioteka przysłała poprawione sprawozdanie K-03."
    corrected = analyst.post(f"{url}/answers/{ids[0]}/correct", {"value": "105 000", "reason": why})
    assert corrected.status_code == 302
    seen = text(city.get(f"/town/questionnaires/{q_id}"))
    assert "poprzednio 104000" in seen and why in seen and "rok opublikowany" in seen
