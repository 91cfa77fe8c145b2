"""The coordinator's advisor pages: profiles, fields, a town's assignments, the proposal."""

from __future__ import annotations

import re

import pytest
from factories.advice import make_expert
from factories.path import make_town
from sqlalchemy import select
from support import count
from support.querycount import count_queries

from workflow.advice import profiles
from workflow.extensions import db
from workflow.models import (
    AdvisorAssignment,
    AdvisorProfile,
    AssignmentEvent,
    ExpertiseField,
    Notification,
)


def snapshot() -> tuple[int, int, int]:
    return count(AdvisorAssignment), count(AssignmentEvent), count(Notification)


@pytest.fixture
def setup(world):
    fields = profiles.ensure_default_fields()
    expert = make_expert("ekspert@example.pl", "Ewa Transportowa", [fields["transport"]], capacity=2)
    return world, fields, expert


def checkboxes(html: str) -> list[str]:
    return re.findall(r'<input[^>]*type="checkbox"[^>]*value="(\d+)"', html) + re.findall(
        r'<input[^>]*value="(\d+)"[^>]*type="checkbox"', html)


def checked(html: str) -> list[str]:
    return [v for tag in re.findall(r'<input[^>]*type="checkbox"[^>]*>', html) if "checked" in tag
            for v in re.findall(r'value="(\d+)"', tag)]


def options(html: str, select_name: str) -> list[str]:
    block = re.search(rf'<select[^>]*name="{select_name}".*?</select>', html, re.S)
    assert block, f"no select {select_name}"
    return re.findall(r'<option[^>]*value="(\d*)"', block.group(0))


# --- who may come in --------------------------------------------------------------------------


def test_only_the_coordinator_gets_in(setup, login, browser):
    world, fields, expert = setup
    a = world.paths["a"].id
    lead = db.session.scalar(select(AdvisorAssignment.id).where(AdvisorAssignment.path_id == a))
    urls = ["/coordinator/advisors/", f"/coordinator/advisors/{expert.id}/profile",
            f"/coordinator/advisors/fields/{fields['transport'].id}",
            f"/coordinator/advisors/programmes/{world.programme.id}",
            f"/coordinator/advisors/paths/{a}",
            f"/coordinator/advisors/programmes/{world.programme.id}/proposal"]
    for email in ("town-a@example.pl", "advisor-a@example.pl", "evaluator@example.pl"):
        other = login(email)
        for url in urls:
            assert other.get(url).status_code == 404, (email, url)
        before = snapshot()
        assert other.post(f"/coordinator/advisors/assignments/{lead}/unassign").status_code == 404
        assert other.post(f"/coordinator/advisors/paths/{a}/experts/{fields['transport'].id}",
                          {f"expert{fields['transport'].id}-advisor": expert.id}).status_code == 404
        withdraw = f"/coordinator/advisors/fields/{fields['transport'].id}/withdraw"
        assert other.post(withdraw).status_code == 404
        assert snapshot() == before
        assert db.session.get(ExpertiseField, fields["transport"].id).active
    anonymous = browser.get("/coordinator/advisors/")
    assert anonymous.status_code == 302 and "/login" in anonymous.headers["Location"]
    coordinator = login("coordinator@example.pl")
    for url in urls:
        assert coordinator.get(url).status_code == 200, url
    assert coordinator.get("/coordinator/advisors/paths/999999").status_code == 404
    assert coordinator.get(f"/coordinator/advisors/{world.users['town_a'].id}/profile").status_code == 404
    assert coordinator.get("/coordinator/advisors/programmes/999999/proposal").status_code == 404


# --- advisors and fields -------------------------------------------------------------------------


def test_index_lists_advisors_and_fields_in_a_fixed_number_of_queries(setup, login, app):
    world, fields, expert = setup
    coordinator = login("coordinator@example.pl")
    with count_queries(db.engine) as few:
        html = coordinator.get("/coordinator/advisors/").get_data(as_text=True)
    assert "Ewa Transportowa" in html and "ekspert@example.pl" in html
    row = re.search(r"Ewa Transportowa.*?</tr>", html, re.S).group(0)
    assert "Transport" in row and "mazowieckie" in row and ">2<" in row and ">0<" in row
    assert "Planowanie przestrzenne" in html and "Rozwój instytucjonalny" in html
    for n in range(15):
        expert_n = make_expert(f"e{n}@example.pl", f"Ekspert {n}",
                               [fields["environment"], fields["transport"]])
        if n < 2:
            db.session.add(AdvisorAssignment(path_id=world.paths["ab"[n]].id, advisor_id=expert_n.id,
                                             kind="expert", field_id=fields["environment"].id))
    db.session.commit()
    with count_queries(db.engine) as many:
        html = coordinator.get("/coordinator/advisors/").get_data(as_text=True)
    assert "Ekspert 14" in html
    assert many.count == few.count, many


def test_fields_are_added_renamed_and_withdrawn(setup, login):
    world, fields, expert = setup
    coordinator = login("coordinator@example.pl")
    coordinator.get("/coordinator/advisors/")
    bad = coordinator.post("/coordinator/advisors/fields", {"code": "Kultura!", "name_pl": "Kultura",
                                                             "name_en": "Culture"})
    assert bad.status_code == 400
    html = bad.get_data(as_text=True)
    assert "Kod to od 2 do 40 małych liter" in html and 'value="Kultura"' in html
    taken = coordinator.post("/coordinator/advisors/fields", {"code": "culture", "name_pl": "transport",
                                                               "name_en": "Transport 2"})
    assert taken.status_code == 400 and "Dziedzina o tej nazwie już istnieje." in taken.get_data(as_text=True)
    added = coordinator.post("/coordinator/advisors/fields", {"code": "culture", "name_pl": "Kultura",
                                                               "name_en": "Culture"})
    assert added.status_code == 302
    culture = db.session.scalar(select(ExpertiseField).where(ExpertiseField.code == "culture"))
    assert culture.name_pl == "Kultura"
    coordinator.get(f"/coordinator/advisors/fields/{culture.id}")
    empty = coordinator.post(f"/coordinator/advisors/fields/{culture.id}", {"name_pl": "", "name_en": "X"})
    assert empty.status_code == 400 and "Podaj nazwę dziedziny." in empty.get_data(as_text=True)
    renamed = coordinator.post(f"/coordinator/advisors/fields/{culture.id}",
                               {"name_pl": "Kultura i sport", "name_en": "Culture and sport"})
    assert renamed.status_code == 302
    assert "Kultura i sport" in coordinator.get("/coordinator/advisors/").get_data(as_text=True)
    assert coordinator.post(f"/coordinator/advisors/fields/{culture.id}/withdraw").status_code == 302
    db.session.expire_all()
    assert not db.session.get(ExpertiseField, culture.id).active
    profile_page = coordinator.get(f"/coordinator/advisors/{expert.id}/profile").get_data(as_text=True)
    assert str(culture.id) not in checkboxes(profile_page)  # not offered for a new profile


def test_profile_is_edited_with_checkboxes(setup, login):
    world, fields, expert = setup
    coordinator = login("coordinator@example.pl")
    page = coordinator.get(f"/coordinator/advisors/{expert.id}/profile").get_data(as_text=True)
    assert page.count('type="checkbox"') == 8 + 1  # eight fields and "available"
    assert checked(page) == [str(fields["transport"].id)]
    assert "<legend>Dziedziny</legend>" in page and "zachodniopomorskie" in page
    url = f"/coordinator/advisors/{expert.id}/profile"
    saved = coordinator.post(url, {"fields": [fields["transport"].id, fields["environment"].id],
                                   "region": "pomorskie", "capacity": "4", "available": "y"})
    assert saved.status_code == 302
    db.session.expire_all()
    profile = db.session.get(AdvisorProfile, expert.id)
    assert ({f.code for f in profile.fields}, profile.region, profile.capacity, profile.available) == (
        {"transport", "environment"}, "pomorskie", 4, True)
    too_many = coordinator.post(url, {"fields": [fields["transport"].id], "region": "", "capacity": "99"})
    assert too_many.status_code == 400
    html = too_many.get_data(as_text=True)
    assert "Limit miast to liczba od 0 do 60." in html and 'value="99"' in html
    for bad in ({"region": "Bawaria", "capacity": "2"}, {"fields": ["999999"], "capacity": "2"},
                {"fields": ["abc"], "capacity": "2"}, {"capacity": "dwa"}):
        response = coordinator.post(url, bad)
        assert response.status_code == 400, bad
        assert "Popraw błędy w formularzu" in response.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(AdvisorProfile, expert.id).capacity == 4
    # An advisor without a profile gets one with the defaults on the first save.
    none = world.users["advisor_none"].id
    assert coordinator.post(f"/coordinator/advisors/{none}/profile",
                            {"capacity": "0", "region": ""}).status_code == 302
    db.session.expire_all()
    assert db.session.get(AdvisorProfile, none).capacity == 0
    assert not db.session.get(AdvisorProfile, none).available  # an unticked checkbox
    # A limit below the current load is allowed, with a word of warning.
    lead = world.users["advisor_a"].id
    lowered = coordinator.post(f"/coordinator/advisors/{lead}/profile", {"capacity": "0", "region": ""})
    assert lowered.status_code == 302
    page = coordinator.get(lowered.headers["Location"]).get_data(as_text=True)
    assert "Doradca ma więcej miast (1) niż nowy limit" in page and "ponad limit" in page


# --- a town's assignments ------------------------------------------------------------------------


def test_needs_then_manual_assign_and_unassign(setup, login):
    world, fields, expert = setup
    transport = fields["transport"]
    a = world.paths["a"].id
    coordinator = login("coordinator@example.pl")
    page = coordinator.get(f"/coordinator/advisors/paths/{a}").get_data(as_text=True)
    assert "Ostrzeszów" in page and "advisor-a" in page and "Nie wskazano dziedzin" in page
    assert coordinator.post(f"/coordinator/advisors/paths/{a}/needs",
                            {"fields": [transport.id, fields["environment"].id]}).status_code == 302
    page = coordinator.get(f"/coordinator/advisors/paths/{a}").get_data(as_text=True)
    assert options(page, f"expert{transport.id}-advisor") == ["", str(expert.id)]
    assert options(page, f"expert{fields['environment'].id}-advisor") == [""]  # nobody has it
    board = coordinator.get(f"/coordinator/advisors/programmes/{world.programme.id}").get_data(as_text=True)
    assert "brak eksperta" in board

    response = coordinator.post(f"/coordinator/advisors/paths/{a}/experts/{transport.id}",
                                {f"expert{transport.id}-advisor": str(expert.id)})
    assert response.status_code == 302
    row = db.session.scalar(select(AdvisorAssignment).where(AdvisorAssignment.advisor_id == expert.id))
    assert (row.path_id, row.kind, row.field_id) == (a, "expert", transport.id)
    row_id = row.id
    page = coordinator.get(f"/coordinator/advisors/paths/{a}").get_data(as_text=True)
    assert "Przydzielono: Ewa Transportowa" in page
    history = page.split("Historia przydziałów")[1]
    assert "przydzielono" in history and "Ewa Transportowa" in history and "coordinator" in history
    assert "ekspert: Transport" in history
    board = coordinator.get(f"/coordinator/advisors/programmes/{world.programme.id}").get_data(as_text=True)
    assert "Transport: Ewa Transportowa" in board

    no_token = coordinator.client.post(f"/coordinator/advisors/assignments/{row_id}/unassign")
    assert no_token.status_code == 400 and count(AdvisorAssignment) == 3
    assert coordinator.post(f"/coordinator/advisors/assignments/{row_id}/unassign").status_code == 302
    assert count(AdvisorAssignment) == 2
    history = coordinator.get(f"/coordinator/advisors/paths/{a}").get_data(as_text=True).split(
        "Historia przydziałów")[1]
    assert "zakończono przydział" in history
    assert coordinator.post(f"/coordinator/advisors/assignments/{row_id}/unassign").status_code == 404
    kinds = {n.kind for n in db.session.scalars(
        select(Notification).where(Notification.recipient_id == expert.id))}
    assert kinds == {"advisor_assigned", "advisor_unassigned"}


def test_a_lead_is_assigned_when_the_town_has_none(setup, login):
    world, fields, expert = setup
    a = world.paths["a"].id
    coordinator = login("coordinator@example.pl")
    lead = db.session.scalar(select(AdvisorAssignment.id).where(AdvisorAssignment.path_id == a))
    coordinator.post(f"/coordinator/advisors/assignments/{lead}/unassign")
    page = coordinator.get(f"/coordinator/advisors/paths/{a}").get_data(as_text=True)
    assert "Miasto nie ma doradcy miasta." in page
    none = world.users["advisor_none"].id
    assert str(none) in options(page, "lead-advisor")
    response = coordinator.post(f"/coordinator/advisors/paths/{a}/lead", {"lead-advisor": str(none)})
    assert response.status_code == 302
    assert db.session.scalar(select(AdvisorAssignment.advisor_id).where(
        AdvisorAssignment.path_id == a, AdvisorAssignment.kind == "lead")) == none


def test_bad_assignment_input_is_refused_with_a_message_and_nothing_saved(setup, login):
    world, fields, expert = setup
    transport, environment = fields["transport"], fields["environment"]
    a, b = world.paths["a"].id, world.paths["b"].id
    coordinator = login("coordinator@example.pl")
    for path_id in (a, b):
        coordinator.post(f"/coordinator/advisors/paths/{path_id}/needs",
                         {"fields": [transport.id, environment.id]})
    url = f"/coordinator/advisors/paths/{a}/experts/{transport.id}"
    key = f"expert{transport.id}-advisor"
    before = snapshot()
    for value in ("999999", "abc", "", str(world.users["town_a"].id)):
        response = coordinator.post(url, {key: value})
        assert response.status_code == 400, value
        assert "Wybierz doradcę z listy." in response.get_data(as_text=True)
    assert snapshot() == before
    # The expert has no "environment" in their profile: a conflict, said next to the field.
    response = coordinator.post(f"/coordinator/advisors/paths/{a}/experts/{environment.id}",
                                {f"expert{environment.id}-advisor": str(expert.id)})
    assert response.status_code == 409
    html = response.get_data(as_text=True)
    assert "Doradca nie ma tej dziedziny w swoim profilu." in html
    assert f'id="expert{environment.id}-advisor-error"' in html
    assert snapshot() == before
    # Fill the expert's limit of two, then try a third town.
    assert coordinator.post(url, {key: str(expert.id)}).status_code == 302
    assert coordinator.post(f"/coordinator/advisors/paths/{b}/experts/{transport.id}",
                            {key: str(expert.id)}).status_code == 302
    third = make_town(world.programme, "Żnin")
    db.session.commit()
    coordinator.post(f"/coordinator/advisors/paths/{third.id}/needs", {"fields": [transport.id]})
    page = coordinator.get(f"/coordinator/advisors/paths/{third.id}").get_data(as_text=True)
    assert str(expert.id) not in options(page, key)  # not listed...
    before = snapshot()
    full = coordinator.post(f"/coordinator/advisors/paths/{third.id}/experts/{transport.id}",
                            {key: str(expert.id)})  # ...and refused when typed
    assert full.status_code == 409
    assert "Doradca ma już pełny limit miast (2 z 2)." in full.get_data(as_text=True)
    assert snapshot() == before
    assert coordinator.post(f"/coordinator/advisors/paths/{a}/experts/999999", {key: "1"}).status_code == 404
    bad_needs = coordinator.post(f"/coordinator/advisors/paths/{a}/needs", {"fields": ["999999"]})
    assert bad_needs.status_code == 400 and "Wybierz dziedziny z listy." in bad_needs.get_data(as_text=True)


# --- the proposal ------------------------------------------------------------------------------------


def test_proposal_is_shown_then_approved(setup, login):
    world, fields, expert = setup
    transport = fields["transport"]
    north = make_expert("polnoc@example.pl", "Piotr Pomorski", [transport], region="pomorskie")
    coordinator = login("coordinator@example.pl")
    for key in ("a", "b"):
        coordinator.post(f"/coordinator/advisors/paths/{world.paths[key].id}/needs",
                         {"fields": [transport.id, fields["city_marketing"].id]})
    before = snapshot()
    url = f"/coordinator/advisors/programmes/{world.programme.id}/proposal"
    page = coordinator.get(url)
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert snapshot() == before  # showing a proposal saves nothing
    assert "Zatwierdź propozycję" in html and "Ewa Transportowa" in html
    assert "Piotr Pomorski" in html  # in the load table
    assert "Żaden dostępny doradca nie ma tej dziedziny w profilu." in html  # city marketing
    pairs = re.findall(r'name="pair" value="([\d:]+)"', html)
    assert sorted(pairs) == sorted(f"{world.paths[k].id}:{transport.id}:{expert.id}" for k in ("a", "b"))
    assert html.count("<td>tak</td>") == 2  # the expert is from the towns' voivodeship

    response = coordinator.post(url, {"pair": pairs})
    assert response.status_code == 302
    flashed = coordinator.get(response.headers["Location"]).get_data(as_text=True)
    assert "Zapisano przydziały ekspertów: 2." in flashed
    events = list(db.session.scalars(select(AssignmentEvent)))
    assert len(events) == 2 and {e.source for e in events} == {"proposal"}
    assert north.id not in {e.advisor_id for e in events}


def test_an_approval_that_became_invalid_saves_nothing(setup, login):
    world, fields, expert = setup
    transport = fields["transport"]
    coordinator = login("coordinator@example.pl")
    for key in ("a", "b"):
        coordinator.post(f"/coordinator/advisors/paths/{world.paths[key].id}/needs",
                         {"fields": [transport.id]})
    url = f"/coordinator/advisors/programmes/{world.programme.id}/proposal"
    pairs = re.findall(r'name="pair" value="([\d:]+)"', coordinator.get(url).get_data(as_text=True))
    assert len(pairs) == 2
    # Meanwhile the expert's limit is lowered to one town.
    coordinator.post(f"/coordinator/advisors/{expert.id}/profile",
                     {"fields": [transport.id], "region": "mazowieckie", "capacity": "1", "available": "y"})
    before = snapshot()
    response = coordinator.post(url, {"pair": pairs})
    assert response.status_code == 409
    html = response.get_data(as_text=True)
    assert "Nic nie zapisano" in html and "pełny limit miast (1 z 1)" in html
    assert snapshot() == before
    for garbage in (["1:2"], ["a:b:c"], []):
        response = coordinator.post(url, {"pair": garbage})
        assert response.status_code == 400, garbage
    assert snapshot() == before


def test_programme_and_town_pages_do_not_query_per_row(setup, login):
    world, fields, expert = setup
    coordinator = login("coordinator@example.pl")
    board_url = f"/coordinator/advisors/programmes/{world.programme.id}"
    town_url = f"/coordinator/advisors/paths/{world.paths['a'].id}"
    proposal_url = f"{board_url}/proposal"

    def measure() -> list[int]:
        counts = []
        for url in (board_url, town_url, proposal_url):
            with count_queries(db.engine) as queries:
                assert coordinator.get(url).status_code == 200
            counts.append(queries.count)
        return counts

    few = measure()
    for n in range(10):
        town = make_town(world.programme, f"Miasto {n}", "pomorskie")
        helper = make_expert(f"p{n}@example.pl", f"Pomocnik {n}",
                             [fields["transport"], fields["environment"]])
        db.session.flush()
        profiles.set_path_needs(town, [fields["transport"].id, fields["environment"].id], commit=False)
        db.session.add(AdvisorAssignment(path_id=town.id, advisor_id=helper.id, kind="expert",
                                         field_id=fields["environment"].id))
    profiles.set_path_needs(world.path("a"), [fields["transport"].id, fields["environment"].id])
    db.session.add(AdvisorAssignment(path_id=world.paths["a"].id, advisor_id=expert.id, kind="expert",
                                     field_id=fields["transport"].id))
    db.session.commit()
    assert measure() == few
