"""The consultation log in the browser: advisors log, towns read, the coordinator corrects."""

from __future__ import annotations

import re
from datetime import timedelta

from factories.advice import DAY, TODAY, form_data, open_new
from sqlalchemy import select
from support import count
from support.querycount import count_queries

from workflow.advice import consultations as log
from workflow.advice.consultation_terms import ServiceInput
from workflow.extensions import db
from workflow.models import Person, Service, ServiceRevision

VERSION_RE = re.compile(r'name="version" type="hidden" value="(\d+)"')


def log_service(browser, world, fields, key: str = "a", **changes):
    path_id = world.paths[key].id
    token = open_new(browser, path_id)
    return browser.post(f"/advisor/consultations/new?path={path_id}",
                        form_data(fields, client_token=token, **changes))


def only_service() -> Service:
    db.session.expire_all()
    return db.session.scalars(select(Service)).one()


def test_journey_a_workshop_with_12_participants_is_seen_by_its_town_only(world, fields, login):
    advisor = login("advisor-a@example.pl")
    people = "\n".join(f"Uczestnik {i:02d}; Urząd Miejski w Ostrzeszowie; u{i:02d}@ostrzeszow.pl"
                       for i in range(1, 13))
    response = log_service(advisor, world, fields, kind="workshop", topic="Warsztat: rewitalizacja rynku",
                           new_people=people, duration="2:30", studies="Diagnoza rynku; analiza")
    assert response.status_code == 302
    service = only_service()
    assert (service.kind, service.status, service.duration_minutes) == ("workshop", "logged", 150)
    assert len(service.participants) == 12 and count(Person) == 12

    detail = advisor.get(response.headers["Location"]).get_data(as_text=True)
    assert "Zapisano usługę w dzienniku." in detail
    assert "Uczestnicy <span class=\"muted\">(12)</span>" in detail and "Uczestnik 12" in detail
    mine = advisor.get("/advisor/consultations/").get_data(as_text=True)
    assert "Warsztat: rewitalizacja rynku" in mine and "warsztat szkoleniowy" in mine

    town = login("town-a@example.pl").get("/town/consultations/")
    html = town.get_data(as_text=True)
    assert town.status_code == 200
    assert "Warsztat: rewitalizacja rynku" in html and "warsztat szkoleniowy" in html
    assert '<td class="num">12</td>' in html and "Razem usług: 1; uczestnictw: 12." in html
    assert "Diagnoza rynku" in html and "2 godz. 30 min" in html and "advisor-a" in html

    other = login("town-b@example.pl").get("/town/consultations/").get_data(as_text=True)
    assert "rewitalizacja" not in other and "Nie zapisano jeszcze żadnej usługi" in other
    coordinator = login("coordinator@example.pl").get(f"/coordinator/consultations/{service.id}")
    assert coordinator.status_code == 200 and "Uczestnik 01" in coordinator.get_data(as_text=True)


# Each case: what is typed differently from a good form, the field it concerns, the message.
BAD_INPUT = [
    # Two days ahead, not one: TODAY is fixed at collection, and a long run may cross midnight.
    ({"held_on": (TODAY + timedelta(days=2)).isoformat()}, "held_on", "nie może być z przyszłości"),
    ({"held_on": "15/03/2020"}, "held_on", "Podaj datę w formacie RRRR-MM-DD"),
    ({"held_on": ""}, "held_on", "Podaj datę usługi."),
    ({"duration": "0"}, "duration", "od 1 minuty do 24 godzin (1440 minut); podano 0."),
    ({"duration": "-45"}, "duration", "podano -45"),
    ({"duration": "100 000"}, "duration", "podano 100000"),
    ({"duration": "półtorej godziny"}, "duration", "Podaj czas trwania jako liczbę minut"),
    ({"topic": "   "}, "topic", "Podaj temat usługi."),
    ({"topic": "T" * 301}, "topic", "Temat może mieć najwyżej 300 znaków (wpisano 301)."),
    ({"field_id": ""}, "field_id", "Wybierz dziedzinę z listy."),
    ({"field_id": "abc"}, "field_id", "Wybierz dziedzinę z listy."),
    ({"kind": "party"}, "kind", "Wybierz rodzaj usługi."),
    ({"format": "fax"}, "format", "Wybierz formę"),
    ({"kind": "study"}, "studies", "podaj tytuł co najmniej jednego opracowania"),
    ({"studies": "Strategia; referat"}, "studies", "„analiza” albo „plan”"),
    ({"new_people": ""}, "participants", "musi mieć co najmniej jednego uczestnika"),
    ({"new_people": "Anna Nowak"}, "new_people", "Wiersz 1: wpisz imię i nazwisko, instytucję"),
    ({"new_people": "Anna Nowak; UM; a@um.pl\nanna  nowak; um"}, "new_people",
     "Ta osoba jest już na liście uczestników: Anna Nowak (wiersz 2)."),
]


def test_bad_input_is_explained_and_what_was_typed_is_kept(world, fields, login):
    """One world for all cases (a database per case would make the suite slow)."""
    advisor = login("advisor-a@example.pl")
    for changes, field, message in BAD_INPUT:
        typed = {"topic": "Mój wpisany temat", "duration": "75", **changes}
        response = log_service(advisor, world, fields, **typed)
        html = response.get_data(as_text=True)
        assert response.status_code == 400, changes
        assert "Popraw błędy w formularzu" in html, changes
        assert f'<p class="error" id="{field}-error">' in html and message in html, changes
        assert f'href="#{field}"' in html, changes  # the summary links to the field
        if typed["topic"].strip():
            assert f"{typed['topic']}</textarea>" in html, changes
        assert f'value="{typed["duration"]}"' in html, changes
        if changes.get("new_people"):
            assert changes["new_people"].split("\n")[-1] in html, changes
        assert count(Service) == 0 and count(Person) == 0, changes


def test_outside_the_programmes_advisory_period(world, fields, login):
    world.programme.advice_starts_on = TODAY - timedelta(days=30)
    world.programme.advice_ends_on = TODAY - timedelta(days=10)
    db.session.commit()
    advisor = login("advisor-a@example.pl")
    form = advisor.get(f"/advisor/consultations/new?path={world.paths['a'].id}").get_data(as_text=True)
    assert "Okres doradztwa programu:" in form
    response = log_service(advisor, world, fields, topic="Za późno")
    assert response.status_code == 400
    assert "musi mieścić się w okresie doradztwa programu" in response.get_data(as_text=True)
    assert log_service(advisor, world, fields, held_on=(TODAY - timedelta(days=12)).isoformat()
                       ).status_code == 302


def test_an_inactive_field_is_refused(world, fields, login):
    advisor = login("advisor-a@example.pl")
    form = advisor.get(f"/advisor/consultations/new?path={world.paths['a'].id}").get_data(as_text=True)
    assert "Finanse publiczne" in form and "Dawna dziedzina" not in form
    response = log_service(advisor, world, fields, field_id=str(fields["old"]))
    assert response.status_code == 400
    assert "Ta dziedzina nie jest już aktywna" in response.get_data(as_text=True)


def test_a_person_picked_twice_and_a_person_of_another_town(world, fields, login):
    advisor = login("advisor-a@example.pl")
    assert log_service(advisor, world, fields).status_code == 302
    anna = db.session.scalar(select(Person.id))
    form = advisor.get(f"/advisor/consultations/new?path={world.paths['a'].id}").get_data(as_text=True)
    assert "Anna Nowak – Urząd Miasta (a.nowak@um.pl)" in form  # now on the town's list
    twice = log_service(advisor, world, fields, participants=[anna, anna], new_people="")
    assert twice.status_code == 400
    assert "Ta osoba jest już na liście uczestników: Anna Nowak." in twice.get_data(as_text=True)
    picked_and_typed = log_service(advisor, world, fields, participants=[anna],
                                   new_people="ANNA NOWAK; urząd miasta")
    assert picked_and_typed.status_code == 400
    assert "Ta osoba jest już na liście uczestników" in picked_and_typed.get_data(as_text=True)

    other = login("advisor-b@example.pl")
    assert log_service(other, world, fields, key="b", new_people="Piotr Wałecki; UM Wałcz").status_code == 302
    piotr = db.session.scalar(select(Person.id).where(Person.name == "Piotr Wałecki"))
    stolen = log_service(advisor, world, fields, participants=[piotr], new_people="")
    assert stolen.status_code == 404
    assert count(Service) == 2


def test_a_person_at_two_services_is_one_person(world, fields, login):
    advisor = login("advisor-a@example.pl")
    assert log_service(advisor, world, fields, topic="Pierwsze").status_code == 302
    assert log_service(advisor, world, fields, topic="Drugie",
                       new_people="anna nowak ;  URZĄD MIASTA").status_code == 302
    assert count(Person) == 1
    town = login("town-a@example.pl").get("/town/consultations/").get_data(as_text=True)
    assert "Razem usług: 2; uczestnictw: 2." in town


def test_other_advisors_towns_and_services_are_not_found(world, fields, login):
    advisor = login("advisor-a@example.pl")
    b = world.paths["b"].id
    assert advisor.get(f"/advisor/consultations/new?path={b}").status_code == 404
    assert advisor.post(f"/advisor/consultations/new?path={b}", form_data(fields)).status_code == 404
    assert advisor.get(f"/advisor/consultations/?path={b}").status_code == 404
    assert log_service(advisor, world, fields).status_code == 302
    service = only_service()
    choose = advisor.get("/advisor/consultations/new")  # one town: straight to its form
    assert choose.status_code == 302 and choose.headers["Location"].endswith(f"path={world.paths['a'].id}")

    other = login("advisor-b@example.pl")
    for url in (f"/advisor/consultations/{service.id}", f"/advisor/consultations/{service.id}/edit",
                f"/advisor/consultations/{service.id}/delete", f"/coordinator/consultations/{service.id}"):
        assert other.get(url).status_code == 404, url
    assert other.post(f"/advisor/consultations/{service.id}/edit", form_data(fields)).status_code == 404
    assert "Budżet obywatelski" not in other.get("/advisor/consultations/").get_data(as_text=True)
    nobody = login("advisor-none@example.pl")
    page = nobody.get("/advisor/consultations/new").get_data(as_text=True)
    assert "Nie masz jeszcze przydzielonych miast" in page
    evaluator = login("evaluator@example.pl")
    for url in ("/advisor/consultations/", "/town/consultations/", f"/advisor/consultations/{service.id}",
                f"/coordinator/consultations/{service.id}", f"/coordinator/consultations/{service.id}/edit"):
        assert evaluator.get(url).status_code == 404, url
    town_b = login("town-b@example.pl")
    assert town_b.get(f"/advisor/consultations/{service.id}").status_code == 404
    assert town_b.get(f"/coordinator/consultations/{service.id}").status_code == 404


def test_a_draft_then_logged(world, fields, login):
    advisor = login("advisor-a@example.pl")
    saved = log_service(advisor, world, fields, new_people="", log=None, save_draft="Zapisz szkic",
                        topic="Plan szkolenia")
    assert saved.status_code == 302 and saved.headers["Location"].endswith("/edit")
    draft = only_service()
    assert draft.status == "draft"
    town = login("town-a@example.pl")
    assert "Plan szkolenia" not in town.get("/town/consultations/").get_data(as_text=True)
    assert login("coordinator@example.pl").get(f"/coordinator/consultations/{draft.id}").status_code == 404
    page = advisor.get(saved.headers["Location"])
    html = page.get_data(as_text=True)
    assert "Szkic usługi" in html and "Plan szkolenia</textarea>" in html
    listing = advisor.get("/advisor/consultations/").get_data(as_text=True)
    assert listing.index("Szkice") < listing.index("Plan szkolenia")
    version = VERSION_RE.search(html).group(1)
    logged = advisor.post(saved.headers["Location"],
                          form_data(fields, topic="Plan szkolenia", version=version))
    assert logged.status_code == 302 and not logged.headers["Location"].endswith("/edit")
    assert only_service().status == "logged"
    assert "Plan szkolenia" in town.get("/town/consultations/").get_data(as_text=True)


def test_a_resubmitted_form_creates_one_service(world, fields, login):
    advisor = login("advisor-a@example.pl")
    path_id = world.paths["a"].id
    token = open_new(advisor, path_id)
    first = advisor.post(f"/advisor/consultations/new?path={path_id}", form_data(fields, client_token=token))
    second = advisor.post(f"/advisor/consultations/new?path={path_id}", form_data(fields, client_token=token))
    assert first.status_code == second.status_code == 302
    assert first.headers["Location"] == second.headers["Location"]
    assert count(Service) == 1 and count(Person) == 1
    assert "nie utworzono drugiego wpisu" in advisor.get(second.headers["Location"]).get_data(as_text=True)
    assert open_new(advisor, path_id) != token  # every new form gets a token of its own


def test_the_author_corrects_within_the_window_with_a_reason(world, fields, login):
    advisor = login("advisor-a@example.pl")
    assert log_service(advisor, world, fields, topic="Budżet obywatleski").status_code == 302
    service = only_service()
    anna = service.participants[0].id
    detail = advisor.get(f"/advisor/consultations/{service.id}").get_data(as_text=True)
    assert "Popraw wpis" in detail and "Wpis nie był poprawiany." in detail
    page = advisor.get(f"/advisor/consultations/{service.id}/edit").get_data(as_text=True)
    assert "Poprawka wpisu w dzienniku" in page and "Możesz poprawiać ten wpis do" in page
    version = VERSION_RE.search(page).group(1)
    changes = form_data(fields, topic="Budżet obywatelski", participants=[anna], version=version,
                        new_people="Jan Kowalski; MOPS", log=None, correct="Zapisz poprawkę")
    no_reason = advisor.post(f"/advisor/consultations/{service.id}/edit", changes)
    assert no_reason.status_code == 400 and "Podaj powód poprawki." in no_reason.get_data(as_text=True)
    assert count(ServiceRevision) == 0
    done = advisor.post(f"/advisor/consultations/{service.id}/edit",
                        {**changes, "reason": "Literówka w temacie"})
    assert done.status_code == 302
    revision = db.session.scalars(select(ServiceRevision)).one()
    assert revision.before["topic"] == "Budżet obywatleski" and revision.before["participant_ids"] == [anna]
    history = advisor.get(f"/advisor/consultations/{service.id}").get_data(as_text=True)
    assert "Literówka w temacie" in history and "Budżet obywatleski" in history
    assert "dodani: Jan Kowalski – MOPS" in history
    stale = advisor.post(f"/advisor/consultations/{service.id}/edit", {**changes, "reason": "Jeszcze raz",
                                                                  "topic": "Mój nowszy temat"})
    assert stale.status_code == 409
    html = stale.get_data(as_text=True)
    assert "Ktoś inny zmienił ten wpis" in html and "Mój nowszy temat</textarea>" in html
    assert count(ServiceRevision) == 1


def test_after_the_window_only_the_coordinator_corrects(world, fields, login):
    advisor = login("advisor-a@example.pl")
    assert log_service(advisor, world, fields).status_code == 302
    service = only_service()
    service.logged_at -= timedelta(days=15)
    db.session.commit()
    detail = advisor.get(f"/advisor/consultations/{service.id}").get_data(as_text=True)
    assert "dni od zapisania w dzienniku: 14" in detail
    assert f"/advisor/consultations/{service.id}/edit" not in detail
    refused = advisor.get(f"/advisor/consultations/{service.id}/edit")
    assert refused.status_code == 403 and "tylko koordynator" in refused.get_data(as_text=True)
    posted = advisor.post(f"/advisor/consultations/{service.id}/edit",
                          form_data(fields, reason="r", version="2", correct="Zapisz poprawkę"))
    assert posted.status_code == 403

    coordinator = login("coordinator@example.pl")
    page = coordinator.get(f"/coordinator/consultations/{service.id}/edit").get_data(as_text=True)
    version = VERSION_RE.search(page).group(1)
    anna = service.participants[0].id
    fix = form_data(fields, duration="120", participants=[anna], new_people="", version=version, log=None,
                    correct="Zapisz poprawkę")
    assert coordinator.post(f"/coordinator/consultations/{service.id}/edit", fix).status_code == 400
    done = coordinator.post(f"/coordinator/consultations/{service.id}/edit",
                            {**fix, "reason": "Korekta czasu"})
    assert done.status_code == 302
    assert done.headers["Location"].endswith(f"/coordinator/consultations/{service.id}")
    assert only_service().duration_minutes == 120
    revision = db.session.scalars(select(ServiceRevision)).one()
    assert revision.revised_by_id == world.users["coordinator"].id
    html = coordinator.get(f"/coordinator/consultations/{service.id}").get_data(as_text=True)
    assert "Korekta czasu" in html and "1 godz. 30 min" in html and "2 godz." in html


def test_deleting_a_draft_not_a_logged_service(world, fields, login):
    advisor = login("advisor-a@example.pl")
    log_service(advisor, world, fields, log=None, save_draft="Zapisz szkic", topic="Do usunięcia")
    draft = only_service()
    confirm = advisor.get(f"/advisor/consultations/{draft.id}/delete")
    assert confirm.status_code == 200 and "Do usunięcia" in confirm.get_data(as_text=True)
    gone = advisor.post(f"/advisor/consultations/{draft.id}/delete", {"version": str(draft.version)})
    assert gone.status_code == 302 and count(Service) == 0
    log_service(advisor, world, fields)
    logged = only_service()
    refused = advisor.post(f"/advisor/consultations/{logged.id}/delete", {"version": str(logged.version)})
    assert refused.status_code == 409 and count(Service) == 1


def test_script_in_a_topic_is_shown_as_text_everywhere(world, fields, login):
    evil = '<script>alert("x")</script>'
    advisor = login("advisor-a@example.pl")
    assert log_service(advisor, world, fields, topic=evil, new_people="<b>Ewa</b>; <i>UM</i>",
                       studies=f"{evil}; plan").status_code == 302
    service = only_service()
    coordinator = login("coordinator@example.pl")
    page = coordinator.get(f"/coordinator/consultations/{service.id}/edit").get_data(as_text=True)
    fix = form_data(fields, topic=evil, duration="60", participants=[service.participants[0].id],
                    new_people="",
                    studies=f"{evil}; plan", version=VERSION_RE.search(page).group(1), log=None,
                    correct="Zapisz poprawkę", reason=evil)
    assert coordinator.post(f"/coordinator/consultations/{service.id}/edit", fix).status_code == 302
    pages = [
        advisor.get("/advisor/consultations/"), advisor.get(f"/advisor/consultations/{service.id}"),
        login("town-a@example.pl").get("/town/consultations/"),
        coordinator.get(f"/coordinator/consultations/{service.id}"),
        coordinator.get(f"/coordinator/consultations/{service.id}/edit"),
        log_service(advisor, world, fields, topic=evil, duration="0"),  # the form re-rendered with errors
    ]
    for response in pages:
        html = response.get_data(as_text=True)
        assert "<script>" not in html and "<b>Ewa" not in html, response.request.path
        assert "&lt;script&gt;" in html, response.request.path


def test_pages_issue_a_fixed_number_of_queries(world, fields, login):
    advisor_user, path = world.users["advisor_a"], world.paths["a"]
    db.session.add(Person(applicant_id=path.applicant_id, name="Stały Uczestnik", institution="UM"))
    db.session.commit()

    def add(n: int) -> None:
        person = db.session.scalar(select(Person).where(Person.name == "Stały Uczestnik"))
        for i in range(n):
            log.create(path, advisor_user, ServiceInput(
                kind="study", held_on=DAY, duration=60, field_id=fields["finance"], topic=f"Temat {i}",
                person_ids=[person.id], new_people=f"Osoba {i}; UM", studies=f"Opracowanie {i}"),
                log=i % 3 != 0)

    advisor, town, coordinator = (login("advisor-a@example.pl"), login("town-a@example.pl"),
                                  login("coordinator@example.pl"))
    add(3)
    first = db.session.scalar(select(Service.id).where(Service.status == "logged"))

    def measure() -> list[int]:
        counts = []
        for browser, url in ((advisor, "/advisor/consultations/"), (town, "/town/consultations/"),
                             (advisor, f"/advisor/consultations/{first}"),
                             (coordinator, f"/coordinator/consultations/{first}"),
                             (advisor, f"/advisor/consultations/new?path={path.id}")):
            with count_queries(db.engine) as queries:
                assert browser.get(url).status_code == 200
            counts.append(queries.count)
        return counts

    small = measure()
    add(30)
    assert measure() == small
    assert max(small) <= 8, small
