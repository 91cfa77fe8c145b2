"""Improvement plans (issue 16 item 5, decision 0042): a city of a group writes its plan (goals,
an action with its owner and date, a target on an indicator); the values arrive (the analyst
publishes the year) and the plan shows on track or behind, to the city and to the moderator, by
the one rule of the projects' result indicators; bad input is refused on the same page with what
was typed; another group's city and moderator find nothing; the pages read a fixed number of
statements."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from factories.accounts import as_user
from factories.exchange import CULTURE, Groups, build_groups
from support.querycount import count_queries

from workflow.extensions import db
from workflow.models import ImprovementPlan, PlanAction, PlanTarget
from workflow.monitoring import questionnaire as qn

LOANS = "wypozyczenia_na_mieszkanca"  # city01: 101 000 loans / 10 000 residents = 10.1 in 2024


@pytest.fixture
def groups(ctx) -> Groups:
    return build_groups()


def text(response) -> str:  # noqa: ANN001
    return response.get_data(as_text=True)


def target(baseline: str, goal: str, year: str = "2027") -> dict[str, str]:
    return {"part": "target", "indicator": LOANS, "baseline_year": "2023", "baseline_value": baseline,
            "target_year": year, "target_value": goal}


def test_a_city_s_plan_and_its_progress_as_the_values_arrive(app, groups):
    a, b = groups.a.id, groups.b.id
    city = as_user(app, "city01@example.pl")
    url = f"/town/exchange/groups/{a}/plan"
    assert city.get(url).status_code == 200
    assert city.post(url, {"part": "goals", "goals": "Więcej czytelników w bibliotekach"}).status_code == 302
    bad = city.post(url, {"part": "action", "title": "Soboty w bibliotece", "owner": "", "due_on": "jutro"})
    assert bad.status_code == 400
    assert "Podaj, kto odpowiada" in text(bad) and "Podaj termin" in text(bad)
    assert "Soboty w bibliotece" in text(bad)  # what was typed stays
    assert 'aria-describedby="p-owner-error"' in text(bad) and 'id="p-due-error"' in text(bad)
    assert city.post(url, {"part": "action", "title": "Soboty w bibliotece", "owner": "Dyrektor MBP",
                           "due_on": "2026-03-31"}).status_code == 302
    wrong = city.post(url, target("9,0", "8,0"))  # "the more, the better": the target below the baseline
    assert wrong.status_code == 400 and "nie może być niższa niż bazowa" in text(wrong)
    assert 'value="8,0"' in text(wrong)
    assert city.post(url, target("9,0", "13,0")).status_code == 302  # expected in 2024: 10.0
    # city02 sets a steeper target: expected 11.75 in 2024, its value is about 10.2.
    assert as_user(app, "city02@example.pl").post(url, target("9,5", "14,0", "2026")).status_code == 302

    page = text(city.get(f"/exchange/groups/{a}/plans"))
    assert "Więcej czytelników w bibliotekach" in page and "Dyrektor MBP" in page and "2026-03-31" in page
    assert page.count("brak nowych danych") == 2  # the 2024 values are provisional yet

    qn.publish(2024, CULTURE, groups.rnd.analyst)  # the values arrive
    db.session.commit()
    for who in ("city01@example.pl", "moderator01@example.pl", "analityk@example.pl"):
        seen = text(as_user(app, who).get(f"/exchange/groups/{a}/plans"))
        assert seen.count("zgodnie z planem") == 1 and seen.count("opóźniony") == 1, who
        assert "10,1" in seen, who  # city01's latest value
    own = text(city.get(url))
    assert "zgodnie z planem" in own and "opóźniony" not in own  # its own plan only
    # city02 removes its target; an action of city01's plan is not city02's to remove (404).
    second = as_user(app, "city02@example.pl")
    theirs = db.session.scalar(sa.select(PlanTarget.id).join(ImprovementPlan).where(
        ImprovementPlan.unit_id == groups.rnd.units[1].id))
    mine = db.session.scalar(sa.select(PlanAction.id))
    assert second.post(url, {"part": "action_remove", "id": str(mine)}).status_code == 404
    assert second.post(url, {"part": "target_remove", "id": str(theirs)}).status_code == 302
    assert "opóźniony" not in text(city.get(f"/exchange/groups/{a}/plans"))

    # Another group's city and moderator find nothing; the moderator does not write a plan.
    other = as_user(app, "city06@example.pl")
    assert other.get(f"/exchange/groups/{a}/plans").status_code == 404
    assert other.get(url).status_code == 404
    assert other.post(url, {"part": "goals", "goals": "x"}).status_code == 404
    assert as_user(app, "moderator02@example.pl").get(f"/exchange/groups/{a}/plans").status_code == 404
    # A town-only address: the moderator of the group does not find it (role_required).
    moderator = as_user(app, "moderator01@example.pl")
    assert moderator.post(url, {"part": "goals", "goals": "x"}).status_code == 404
    action = db.session.scalar(sa.select(PlanAction.id))
    assert other.post(url, {"part": "action_remove", "id": str(action)}).status_code == 404
    assert other.get(f"/exchange/groups/{b}/plans").status_code == 200
    assert "Więcej czytelników" not in text(other.get(f"/exchange/groups/{b}/plans"))


def test_the_plan_pages_read_a_fixed_number_of_statements(app, groups):
    a = groups.a.id
    city = as_user(app, "city01@example.pl")
    moderator = as_user(app, "moderator01@example.pl")
    url = f"/town/exchange/groups/{a}/plan"

    def count() -> dict[str, int]:
        out = {}
        for who, browser, page in (("plans", moderator, f"/exchange/groups/{a}/plans"),
                                   ("city", city, f"/exchange/groups/{a}/plans"), ("plan", city, url)):
            with count_queries(db.engine) as log:
                assert browser.get(page).status_code == 200
            out[who] = log.count
        return out

    city.post(url, target("9,0", "13,0"))
    city.post(url, {"part": "action", "title": "A", "owner": "B", "due_on": "2026-01-01"})
    before = count()
    print("queries:", before)
    assert all(n <= 10 for n in before.values()), before
    for n in range(2, 5):  # more cities' plans, actions and targets: the same statements
        other = as_user(app, f"city0{n}@example.pl")
        other.post(url, target("9,0", "13,0"))
        other.post(url, {"part": "action", "title": "A", "owner": "B", "due_on": "2026-01-01"})
        city.post(url, {"part": "action", "title": f"A{n}", "owner": "B", "due_on": "2026-01-01"})
    assert count() == before
