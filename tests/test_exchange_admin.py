"""The analyst runs the experience-exchange groups (decision 0043): makes a group of 5-12 cities
by TERYT code with a moderator, adds and removes cities, sends and withdraws delegates, changes
the moderator (who then sees the group, and the one before does not). Bad input is the page
again with the message next to the field and what was typed (400), nothing written; every
change is in the audit log; nobody but the coordinator finds the pages."""

from __future__ import annotations

import re

import pytest
import sqlalchemy as sa
from factories.accounts import as_user
from factories.exchange import Groups, build_groups
from support.querycount import count_queries

from workflow.extensions import db
from workflow.models import AuditEvent, ExchangeDelegate, ExchangeGroup, ExchangeGroupCity
from workflow.monitoring import questionnaire as qn

URL = "/coordinator/exchange/groups"


@pytest.fixture
def groups(ctx) -> Groups:
    return build_groups()


def text(response, status: int = 200) -> str:  # noqa: ANN001
    assert response.status_code == status, (response.status_code, response.get_data(as_text=True)[:600])
    return re.sub(r"\s+", " ", response.get_data(as_text=True))


def audited(action: str) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(AuditEvent)
                             .where(AuditEvent.action == action))


def new_group(groups: Groups, **over: str) -> dict[str, str]:
    form = {"code": "edukacja-2025-1", "area": "education", "cohort": "2025", "name_pl": "Edukacja 1",
            "name_en": "Education 1", "moderator": str(groups.moderator_b.id),
            "cities": "\n".join(u.code for u in groups.rnd.units[:5])}
    return {**form, **over}


def test_the_analyst_makes_a_group_and_hears_what_is_wrong(app, groups):
    analyst = as_user(app, "analityk@example.pl")
    page = text(analyst.get(URL))
    assert "Kultura A" in page and "Kultura B" in page and "Nowa grupa" in page
    before = db.session.scalar(sa.select(sa.func.count()).select_from(ExchangeGroup))

    bad = text(analyst.post(URL, new_group(groups, code="Zły Kod", cities="3001011 9999999")), 400)
    assert "Kod grupy to 3–80 małych liter" in bad and "Nie ma gminy o kodzie TERYT: 9999999" in bad
    assert 'value="Zły Kod"' in bad and "9999999" in bad and "Edukacja 1" in bad  # the form keeps it
    few = text(analyst.post(URL, new_group(groups, cities="3001011 3001021")), 400)
    assert "Grupa liczy od 5 do 12 miast." in few
    # The cities of group A already work on culture in 2025: not in a second culture group.
    taken = text(analyst.post(URL, new_group(groups, area="culture_recreation")), 400)
    assert "Te miasta pracują już w grupie tego obszaru w tej edycji" in taken and "kultura-2025-a" in taken
    twice = text(analyst.post(URL, new_group(groups, code="kultura-2025-a")), 400)
    assert "Grupa o kodzie „kultura-2025-a” już istnieje." in twice
    wrong = text(analyst.post(URL, new_group(groups, moderator=str(groups.rnd.cities[0].id))), 400)
    assert "Wybierz osobę z rolą moderatora." in wrong
    assert db.session.scalar(sa.select(sa.func.count()).select_from(ExchangeGroup)) == before

    made = analyst.post(URL, new_group(groups))
    assert made.status_code == 302
    group = db.session.scalar(sa.select(ExchangeGroup).where(ExchangeGroup.code == "edukacja-2025-1"))
    assert group.moderator_id == groups.moderator_b.id and audited("exchange.group_created") == 1
    page = text(analyst.get(made.location))
    assert "Ustawienia grupy" in page and "Edukacja" in page
    assert all(u.name in page for u in groups.rnd.units[:5])
    # Its moderator finds it among their groups; the other moderator does not.
    assert "Edukacja 1" in text(as_user(app, "moderator02@example.pl").get("/exchange/groups"))
    assert "Edukacja 1" not in text(as_user(app, "moderator01@example.pl").get("/exchange/groups"))


def test_cities_delegates_and_the_moderator_of_a_group(app, groups):
    analyst = as_user(app, "analityk@example.pl")
    group = groups.a
    url = f"{URL}/{group.id}"
    city06, city01 = groups.rnd.cities[5], groups.rnd.cities[0]

    unknown = text(analyst.post(f"{url}/cities", {"code": "3009991"}), 400)
    assert "Nie ma gminy o kodzie TERYT: 3009991" in unknown and 'value="3009991"' in unknown
    short = text(analyst.post(f"{url}/cities", {"code": "30"}), 400)
    assert "Kod TERYT gminy ma 7 cyfr." in short
    # City 6 works in group B on culture in the same cohort: not in A too.
    taken = text(analyst.post(f"{url}/cities", {"code": groups.rnd.units[5].code}), 400)
    assert "kultura-2025-b" in taken
    assert "kultura-2025-b" in text(analyst.post(f"{url}/cities", {"code": "3002011"}), 400)  # Gmina-B1: in B
    # A gmina of no group joins A.
    from datetime import date

    from workflow.models import TerritorialUnit, UnitKind, UnitLevel

    db.session.add(TerritorialUnit(code="3003011", level=UnitLevel.GMINA, kind=UnitKind.URBAN,
                                   name="Gmina-C1",
                                   parent=groups.rnd.units[0].parent, register_date=date(2024, 1, 1)))
    db.session.commit()
    assert analyst.post(f"{url}/cities", {"code": "3003011"}).status_code == 302
    assert "Gmina-C1" in text(analyst.get(url)) and audited("exchange.city_added") == 1

    # Delegates: only a member city's team accounts; city 6 (group B) is refused.
    outsider = text(analyst.post(f"{url}/delegates", {"user": str(city06.id)}), 400)
    assert "Delegatem może być tylko konto zespołu miasta z tej grupy." in outsider
    again = text(analyst.post(f"{url}/delegates", {"user": str(city01.id)}), 400)  # already its delegate
    assert "jest już delegatem" in again
    assert analyst.post(f"{url}/delegates/remove", {"user": str(city01.id)}).status_code == 302
    assert not db.session.scalar(sa.select(ExchangeDelegate).where(ExchangeDelegate.user_id == city01.id))
    assert analyst.post(f"{url}/delegates", {"user": str(city01.id)}).status_code == 302
    sent = sa.select(ExchangeDelegate.unit_id).where(ExchangeDelegate.user_id == city01.id)
    assert db.session.scalar(sent) == groups.rnd.units[0].id
    assert audited("exchange.delegate_added") == 1 and audited("exchange.delegate_removed") == 1

    # Removing a city takes its delegates; the group keeps at least five cities.
    first = groups.rnd.units[0]
    assert analyst.post(f"{url}/cities/remove", {"unit": str(first.id)}).status_code == 302
    assert not db.session.scalar(sa.select(ExchangeDelegate).where(ExchangeDelegate.user_id == city01.id))
    left = db.session.scalar(sa.select(sa.func.count()).select_from(ExchangeGroupCity)
                             .where(ExchangeGroupCity.group_id == group.id))
    assert left == 5
    floor = text(analyst.post(f"{url}/cities/remove", {"unit": str(groups.rnd.units[1].id)}), 400)
    assert "Grupa liczy od 5 do 12 miast." in floor
    expired = text(analyst.post(f"{url}/cities/remove", {"unit": "x"}), 400)
    assert "Formularz przesłał niepoprawny numer" in expired
    # city01's team no longer sees the group; city02's still does.
    assert as_user(app, "city01@example.pl").get(f"/exchange/groups/{group.id}").status_code == 404
    assert as_user(app, "city02@example.pl").get(f"/exchange/groups/{group.id}").status_code == 200

    # The moderator changes: the new one sees the group, the one before does not.
    wrong = text(analyst.post(f"{url}/moderator", {"moderator": str(city01.id)}), 400)
    assert "Wybierz osobę z rolą moderatora." in wrong
    assert analyst.post(f"{url}/moderator", {"moderator": str(groups.moderator_b.id)}).status_code == 302
    assert as_user(app, "moderator01@example.pl").get(f"/exchange/groups/{group.id}").status_code == 404
    assert as_user(app, "moderator02@example.pl").get(f"/exchange/groups/{group.id}").status_code == 200
    assert audited("exchange.moderator_set") == 1 and audited("exchange.city_removed") == 1


@pytest.mark.parametrize("email", ["city01@example.pl", "moderator01@example.pl"])
def test_only_the_analyst_runs_the_groups(app, groups, email):
    other = as_user(app, email)
    assert other.get(URL).status_code == 404
    assert other.get(f"{URL}/{groups.a.id}").status_code == 404
    removed = other.post(f"{URL}/{groups.a.id}/cities/remove", {"unit": str(groups.rnd.units[0].id)})
    assert removed.status_code == 404
    assert db.session.scalar(sa.select(sa.func.count()).select_from(ExchangeGroupCity)
                             .where(ExchangeGroupCity.group_id == groups.a.id)) == 5



def test_who_reads_the_provisional_values_of_a_group(app, groups):
    """Issue 16's matrix line on real values: a city reads its own provisional value where it
    came from and its group's in the group's analysis, never another group's; the moderator reads
    their group's analysis only, and neither a city nor a moderator publishes."""
    own = f"/indicators/units/{groups.rnd.units[0].code}/wypozyczenia_na_mieszkanca/2024"
    assert "101 000" in text(as_user(app, "city01@example.pl").get(own)).replace("\xa0", " ")
    for email in ("city02@example.pl", "city06@example.pl", "moderator01@example.pl"):
        assert "101 000" not in text(as_user(app, email).get(own)).replace("\xa0", " "), email
    first = groups.rnd.units[0].name
    analysis_a = f"/exchange/groups/{groups.a.id}/analysis?year=2024"
    for email in ("city02@example.pl", "moderator01@example.pl", "analityk@example.pl"):
        page = text(as_user(app, email).get(analysis_a))
        assert first in page and "*" in page, email  # city01's provisional value, marked
    for email in ("city06@example.pl", "moderator02@example.pl"):
        assert as_user(app, email).get(analysis_a).status_code == 404, email
    # Group B's analysis, read by its city: its own cities, not Ostrzeszów of group A.
    group_b = text(as_user(app, "city06@example.pl").get(f"/exchange/groups/{groups.b.id}/analysis"))
    assert first not in group_b
    for email in ("city01@example.pl", "moderator01@example.pl"):
        who = as_user(app, email)
        published = who.post("/coordinator/questionnaires/publish",
                             {"year": "2024", "area": "culture_recreation"})
        assert published.status_code == 404 and who.get("/coordinator/questionnaires").status_code == 404
    assert not qn.is_published(2024, "culture_recreation")


def test_the_pages_read_a_fixed_number_of_statements(app, groups):
    analyst = as_user(app, "analityk@example.pl")

    def counts() -> tuple[int, int]:
        out = []
        for url in (URL, f"{URL}/{groups.a.id}"):
            analyst.get(url)  # the session and the menu, as on any later request
            with count_queries(db.engine) as log:
                assert analyst.get(url).status_code == 200
            out.append(log.count)
        return out[0], out[1]

    before = counts()
    assert before == (3, 6)  # the list; the settings page with its six forms
    assert analyst.post(URL, new_group(groups)).status_code == 302  # one more group of five cities
    assert counts() == before
