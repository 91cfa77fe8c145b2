"""The results pages: the town's outcome with its sheets (evaluators numbered, never named),
the message before the announcement, the public list of awarded towns, and 404s.

Built on test_appeals' fixture: Ostrzeszów (town A) funded with 30 mln zł, Wałcz (town B)
below the threshold of part I."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from decimal import Decimal

from factories.accounts import make_user
from factories.path import make_programme, make_town
from factories.results import add_sheet, announce
from sqlalchemy import select

from workflow.extensions import db
from workflow.models import Path, Score, User

NBSP = "\xa0"


def text(response) -> str:
    """The page with no-break spaces as spaces and tags' whitespace squeezed."""
    assert response.status_code == 200, response.status_code
    return re.sub(r"\s+", " ", response.get_data(as_text=True).replace(NBSP, " ").replace("\u202f", " "))


def evaluator_identities() -> list[str]:
    people = db.session.scalars(select(User).where(User.role == "evaluator"))
    return [p.name for p in people] + [p.email for p in people] + [p.email.split("@")[0] for p in people]


def test_before_the_announcement_the_town_reads_that_results_are_not_out(scored, login):
    html = text(login("town-a@example.pl").get("/town/results/"))
    assert "Wyniki nie zostały jeszcze ogłoszone." in html
    assert "Oceniający 1" not in html and "Karty oceny" not in html
    assert "Wałcz" not in html


def test_town_sees_its_outcome_points_and_justifications_but_no_evaluator(scored, login):
    announce(scored)
    html = text(login("town-a@example.pl").get("/town/results/"))
    assert "Ostrzeszów" in html and "dofinansowanie przyznane" in html
    assert re.search(r'id="rank">1<', html)
    assert "30 000 000,00 zł" in html  # requested and awarded
    assert re.search(r'id="awarded">30 000 000,00 zł<', html)
    # Final score per part (mean of the two sheets) and in total.
    assert "I. Plan Rozwoju Lokalnego</th> <td class=\"num\">99</td>" in html
    assert "II. Plan Rozwoju Instytucjonalnego</th> <td class=\"num\">109</td>" in html
    assert 'id="total">208<' in html
    # Both sheets, numbered, with each criterion's points and justification.
    assert "Oceniający 1" in html and "Oceniający 2" in html and "Oceniający 3" not in html
    assert "razem 210 pkt" in html and "razem 206 pkt" in html
    justifications = db.session.scalars(select(Score.justification)).all()
    for j in justifications[:3]:
        assert j in html
    assert html.count("Uzasadnienie I.1:") == 2
    for identity in evaluator_identities():
        assert identity not in html, identity
    assert "Wałcz" not in html


def test_not_eligible_town_reads_why_and_may_appeal(scored, login):
    announce(scored, at=datetime.now(UTC) - timedelta(hours=3))
    html = text(login("town-b@example.pl").get("/town/results/"))
    assert "wniosek nie spełnił warunków dofinansowania" in html
    assert "bez miejsca" in html
    assert "PRL poniżej progu: 61 z 110 pkt" in html
    assert 'id="awarded">nie przyznano<' in html
    assert "Możesz złożyć protest do" in html and "<textarea" in html
    for identity in evaluator_identities():
        assert identity not in html, identity


def test_programme_without_appeals_says_the_result_is_final(scored, login):
    scored.programme.appeal_days = None
    db.session.commit()
    announce(scored, at=datetime.now(UTC) - timedelta(hours=3))
    html = text(login("town-b@example.pl").get("/town/results/"))
    assert "W tym programie wynik jest ostateczny – protest nie przysługuje." in html
    assert "<textarea" not in html


def test_third_sheet_shows_which_pair_counted(scored, login):
    """Two sheets far apart, a third close to the first: the lowest did not count."""
    world = scored
    town = make_town(world.programme, "Kępno", state="evaluation")
    town.requested_amount = Decimal("20000000.00")
    db.session.flush()
    make_user("town-c@example.pl", "town", town.applicant)
    people = db.session.scalars(select(User).where(User.email.like("oceniajacy%")).order_by(User.email)).all()
    add_sheet(town, people[0], {"PRL": 95, "PRI": 100})
    add_sheet(town, people[1], {"PRL": 50, "PRI": 55})
    add_sheet(town, people[2], {"PRL": 90, "PRI": 100}, role="third")
    db.session.commit()
    announce(world)
    html = text(login("town-c@example.pl").get("/town/results/"))
    assert "Oceniający 3" in html
    assert html.count("ocena uwzględniona w ocenie końcowej") == 2
    assert html.count("ocena nieuwzględniona") == 1
    assert 'id="total">192,5<' in html  # (195 + 190) / 2


def test_public_page_lists_awarded_towns_with_amounts_and_no_evaluators(scored, browser):
    announce(scored)
    html = text(browser.get("/public/results/"))
    assert "Rozwój Lokalny test" in html
    row = html.split("Ostrzeszów", 1)[1].split("</tr>", 1)[0]
    assert "30 000 000,00 zł" in row and "208" in row
    assert "Wałcz" not in html
    assert "Przyznano łącznie" in html and "100 000 000,00 zł" in html  # the budget
    assert "21 marca 2026" in html  # the announcement, in Warsaw time
    for identity in evaluator_identities():
        assert identity not in html, identity
    assert "Oceniający" not in html and "Uzasadnienie" not in html


def test_public_page_lists_only_announced_programmes(scored, browser):
    html = text(browser.get("/public/results/"))
    assert "Nie ogłoszono jeszcze wyników żadnego naboru." in html
    assert "Ostrzeszów" not in html
    other = make_programme("RL-OTHER")
    other.title_pl = "Drugi nabór"
    db.session.commit()
    announce(scored)
    html = text(browser.get("/public/results/"))
    assert "Ostrzeszów" in html and "Drugi nabór" not in html


def test_town_in_two_programmes_chooses_one(scored, login):
    other = make_programme("RL-OTHER")
    other.title_pl = "Drugi nabór"
    db.session.flush()
    applicant_id = scored.path("a").applicant_id
    db.session.add(Path(programme_id=other.id, applicant_id=applicant_id, state="evaluation"))
    db.session.commit()
    announce(scored)
    html = text(login("town-a@example.pl").get("/town/results/"))
    assert "Drugi nabór" in html and "Rozwój Lokalny test" in html
    assert "dofinansowanie przyznane" in html and "Wyniki nie zostały jeszcze ogłoszone." in html


def test_results_pages_refuse_others_with_404(scored, login, browser):
    announce(scored)
    a, b = scored.paths["a"].id, scored.paths["b"].id
    assert login("town-a@example.pl").get(f"/town/results/{b}").status_code == 404
    assert login("town-b@example.pl").get(f"/town/results/{a}").status_code == 404
    assert login("town-a@example.pl").get("/town/results/999999").status_code == 404
    for email in ("coordinator@example.pl", "advisor-a@example.pl", "evaluator@example.pl"):
        assert login(email).get("/town/results/").status_code == 404
    assert login("town-a@example.pl").get("/coordinator/appeals/").status_code == 404
    anonymous = browser.get("/town/results/")
    assert anonymous.status_code == 302 and "/login" in anonymous.headers["Location"]
    assert browser.get("/public/results/").status_code == 200


def test_public_page_lists_who_holds_a_grant_not_only_the_latest_document(scored, browser):
    """A corrected announcement never withdraws a grant: the public list follows the
    paths' state (here Wałcz holds a grant the document does not show as awarded)."""
    announce(scored)
    walcz = scored.path("b")
    walcz.state = "awarded"
    db.session.commit()
    html = text(browser.get("/public/results/"))
    assert "Ostrzeszów" in html and "Wałcz" in html
    ostrzeszow = scored.path("a")
    ostrzeszow.state = "not_awarded"
    db.session.commit()
    html = text(browser.get("/public/results/"))
    assert "Ostrzeszów" not in html and "Wałcz" in html


def test_public_page_kept_as_drawn_follows_names_titles_states_and_the_language(scored, browser, app):
    """Decision 0046: the results drawn are kept while the announcements and their lists read the
    same; a town's voivodeship, a new title, a state changed and the language
    each show on the next request, a rolled-back change does not; kept, it reads two statements."""
    from support.querycount import count_queries

    from workflow.ranking.views.results import PUBLIC

    announce(scored)
    assert "Ostrzeszów" in text(browser.get("/public/results/"))
    with app.app_context():
        engine = db.engine
    with count_queries(engine) as kept:
        assert "Ostrzeszów" in text(browser.get("/public/results/"))
    assert kept.count == 2 and len(PUBLIC) == 1
    town = scored.path("a").applicant
    town.voivodeship = "lubuskie"
    db.session.commit()
    assert "lubuskie" in text(browser.get("/public/results/"))
    scored.programme.title_pl = "Nabór po zmianie tytułu"
    db.session.commit()
    assert "Nabór po zmianie tytułu" in text(browser.get("/public/results/"))
    scored.path("a").state = "not_awarded"
    db.session.flush()
    db.session.rollback()
    assert "Ostrzeszów" in text(browser.get("/public/results/"))
    scored.path("a").state = "not_awarded"
    db.session.commit()
    assert "Ostrzeszów" not in text(browser.get("/public/results/"))
    scored.path("a").state = "awarded"
    db.session.commit()
    assert browser.post("/language", {"lang": "en", "next": "/public/results/"}).status_code == 302
    english = text(browser.get("/public/results/"))
    assert "Ostrzeszów" in english and "Przyznano łącznie" not in english


def test_town_renamed_after_the_announcement_stays_on_the_public_list_as_announced(scored, browser):
    """The list shows what was announced: a town renamed afterwards keeps its row, under the name
    the ranking document gives (matched by its path, not by its current name); the files too."""
    announce(scored)
    scored.path("a").applicant.name = "Ostrzeszów (gmina miejsko-wiejska)"
    db.session.commit()
    html = text(browser.get("/public/results/"))
    row = html.split("Ostrzeszów", 1)[1].split("</tr>", 1)[0]
    assert "30 000 000,00 zł" in row and "208" in row
    assert "gmina miejsko-wiejska" not in html and "Dofinansowane wnioski</dt><dd>1<" in html
    code = scored.programme.code
    csv = browser.get(f"/public/results/{code}.csv").get_data(as_text=True)
    assert "Ostrzeszów" in csv and "gmina miejsko-wiejska" not in csv
