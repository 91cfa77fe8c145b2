"""The consultation log's service: drafts, logging, participants, corrections, history."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from factories.advice import NOW, entry
from sqlalchemy import func, select, update

from workflow.advice import consultations as log
from workflow.advice.consultation_history import history
from workflow.advice.consultation_queries import find, service_filter
from workflow.advice.consultation_terms import ServiceInvalid, ServiceNotFound, ServiceRefused
from workflow.extensions import db
from workflow.models import (
    AdvisorAssignment,
    Person,
    Service,
    ServiceRevision,
    Study,
)
from workflow.refusal import in_language


def messages(caught: pytest.ExceptionInfo, key: str) -> str:
    return " ".join(in_language(label, "pl") for label in caught.value.errors.get(key, []))


def people_count(applicant_id: int) -> int:
    query = select(func.count()).select_from(Person).where(Person.applicant_id == applicant_id)
    return db.session.scalar(query)


def test_a_draft_may_have_no_participants_a_logged_service_may_not(world, fields):
    advisor, path = world.users["advisor_a"], world.paths["a"]
    draft, created = log.create(path, advisor, entry(fields, new_people=""), log=False, now=NOW)
    assert created and draft.status == "draft" and draft.logged_at is None
    with pytest.raises(ServiceInvalid) as caught:
        log.update_draft(draft, advisor, entry(fields, new_people=""), log=True,
                         expected_version=draft.version, now=NOW)
    assert "co najmniej jednego uczestnika" in messages(caught, "participants")
    log.update_draft(draft, advisor, entry(fields), log=True, expected_version=draft.version, now=NOW)
    db.session.expire_all()
    service = db.session.get(Service, draft.id)
    assert service.status == "logged" and service.logged_at == NOW
    assert [p.name for p in service.participants] == ["Anna Nowak"]


def test_a_person_at_two_services_is_one_person(world, fields):
    advisor, path = world.users["advisor_a"], world.paths["a"]
    first, _ = log.create(path, advisor, entry(fields), log=True, now=NOW)
    # The same e-mail in other letters, or the same name and institution spaced differently.
    second, _ = log.create(path, advisor, entry(fields, new_people="A. Nowak; UM; A.NOWAK@um.pl\n"
                                                "jan  KOWALSKI ; urząd miasta"), log=True, now=NOW)
    third, _ = log.create(path, advisor, entry(fields, new_people="Jan Kowalski; Urząd  Miasta; jk@um.pl"),
                          log=True, now=NOW)
    anna = db.session.scalar(select(Person).where(Person.email == "a.nowak@um.pl"))
    assert {p.id for p in second.participants} >= {anna.id}
    assert people_count(path.applicant_id) == 2
    assert third.participants[0].id in {p.id for p in second.participants}
    assert anna.name == "Anna Nowak"  # reused as it was, not renamed by the second line


def test_a_participant_twice_in_one_service_is_refused(world, fields):
    advisor, path = world.users["advisor_a"], world.paths["a"]
    first, _ = log.create(path, advisor, entry(fields), log=True, now=NOW)
    anna = first.participants[0].id
    with pytest.raises(ServiceInvalid) as caught:
        log.create(path, advisor, entry(fields, person_ids=[anna, anna], new_people=""), log=True, now=NOW)
    assert "Ta osoba jest już na liście uczestników: Anna Nowak" in messages(caught, "participants")
    with pytest.raises(ServiceInvalid) as caught:
        log.create(path, advisor, entry(fields, person_ids=[anna], new_people="Anna Nowak; urząd miasta"),
                   log=True, now=NOW)
    assert "Ta osoba jest już na liście uczestników: Anna Nowak (wiersz 1)" in messages(caught, "new_people")
    with pytest.raises(ServiceInvalid) as caught:
        log.create(path, advisor, entry(fields, new_people="Ewa Lis; UM\n\newa lis; um; e@x.pl"),
                   log=True, now=NOW)
    assert "(wiersz 3)" in messages(caught, "new_people")
    assert people_count(path.applicant_id) == 1  # nothing of the refused forms was kept


def test_people_lines_are_checked(world, fields):
    advisor, path = world.users["advisor_a"], world.paths["a"]
    with pytest.raises(ServiceInvalid) as caught:
        log.create(path, advisor, entry(fields, new_people="Tylko Nazwisko\nEwa Lis; UM; nie-mail\n"
                                        "; UM; x@y.pl\nA; B; c@d.pl; e"), log=True, now=NOW)
    text = messages(caught, "new_people")
    assert "Wiersz 1: wpisz imię i nazwisko, instytucję" in text
    assert "Wiersz 2: „nie-mail” nie wygląda na adres e-mail." in text
    assert "Wiersz 3:" in text and "Wiersz 4:" in text


def test_another_towns_person_is_not_found(world, fields):
    advisor_b = world.users["advisor_b"]
    other, _ = log.create(world.paths["b"], advisor_b, entry(fields), log=True, now=NOW)
    with pytest.raises(ServiceNotFound):
        log.create(world.paths["a"], world.users["advisor_a"],
                   entry(fields, person_ids=[other.participants[0].id]), log=True, now=NOW)
    with pytest.raises(ServiceNotFound):
        log.create(world.paths["a"], world.users["advisor_a"], entry(fields, person_ids=[999999]),
                   log=True, now=NOW)


def test_only_an_assigned_advisor_logs_for_a_town(world, fields):
    with pytest.raises(ServiceNotFound):
        log.create(world.paths["b"], world.users["advisor_a"], entry(fields), log=True, now=NOW)
    with pytest.raises(ServiceNotFound):
        log.create(world.paths["a"], world.users["coordinator"], entry(fields), log=True, now=NOW)
    # A field expert of the town may log too.
    db.session.add(AdvisorAssignment(path_id=world.paths["a"].id, advisor_id=world.users["advisor_none"].id,
                                     kind="expert", field_id=fields["finance"]))
    db.session.commit()
    service, _ = log.create(world.paths["a"], world.users["advisor_none"], entry(fields), log=True, now=NOW)
    assert service.advisor_id == world.users["advisor_none"].id


def test_dates_in_warsaw_time_and_inside_the_advisory_period(world, fields):
    advisor, path = world.users["advisor_a"], world.paths["a"]
    # At NOW it is already 16 June in Warsaw.
    service, _ = log.create(path, advisor, entry(fields, held_on="2020-06-16"), log=True, now=NOW)
    assert service.held_on == date(2020, 6, 16)
    with pytest.raises(ServiceInvalid) as caught:
        log.create(path, advisor, entry(fields, held_on="2020-06-17"), log=True, now=NOW)
    assert "nie może być z przyszłości (dziś jest 16.06.2020)" in messages(caught, "held_on")
    world.programme.advice_starts_on = date(2020, 2, 1)
    world.programme.advice_ends_on = date(2020, 5, 31)
    db.session.commit()
    with pytest.raises(ServiceInvalid) as caught:
        log.create(path, advisor, entry(fields, held_on="2020-06-10"), log=True, now=NOW)
    assert "w okresie doradztwa programu: od 01.02.2020 do 31.05.2020" in messages(caught, "held_on")
    with pytest.raises(ServiceInvalid) as caught:
        log.create(path, advisor, entry(fields, held_on="31.01.2020"), log=True, now=NOW)
    assert "okresie doradztwa" in messages(caught, "held_on")
    ok, _ = log.create(path, advisor, entry(fields, held_on="01.02.2020"), log=True, now=NOW)
    assert ok.held_on == date(2020, 2, 1)
    for bad in ("", "wczoraj", "2020-02-30"):
        with pytest.raises(ServiceInvalid) as caught:
            log.create(path, advisor, entry(fields, held_on=bad), log=True, now=NOW)
        assert messages(caught, "held_on")


def test_durations_read_and_absurd_ones_refused(world, fields):
    advisor, path = world.users["advisor_a"], world.paths["a"]
    for typed, minutes in (("90", 90), (" 1 440 ", 1440), ("1:30", 90), (45, 45)):
        service, _ = log.create(path, advisor, entry(fields, duration=typed), log=True, now=NOW)
        assert service.duration_minutes == minutes, typed
    for typed, says in (
        ("0", "od 1 minuty do 24 godzin"), ("-30", "podano -30"), ("100 000", "podano 100000"),
        ("1441", "1440 minut"), (-5, "podano -5"), ("abc", "liczbę minut"), ("1:75", "liczbę minut"),
        ("", "Podaj czas trwania"), ("9" * 40, "liczbę minut"),
    ):
        with pytest.raises(ServiceInvalid) as caught:
            log.create(path, advisor, entry(fields, duration=typed), log=True, now=NOW)
        assert says in messages(caught, "duration"), typed


def test_topic_kind_format_and_field_are_checked_all_at_once(world, fields):
    with pytest.raises(ServiceInvalid) as caught:
        log.create(world.paths["a"], world.users["advisor_a"],
                   entry(fields, topic="   ", kind="party", format="radio", field_id=fields["old"]),
                   log=True, now=NOW)
    errors = caught.value.errors
    assert set(errors) == {"topic", "kind", "format", "field_id"}
    assert "nie jest już aktywna" in messages(caught, "field_id")
    with pytest.raises(ServiceInvalid) as caught:
        log.create(world.paths["a"], world.users["advisor_a"], entry(fields, topic="x" * 301, field_id=None),
                   log=True, now=NOW)
    assert "najwyżej 300 znaków (wpisano 301)" in messages(caught, "topic")
    assert "Wybierz dziedzinę" in messages(caught, "field_id")
    service, _ = log.create(world.paths["a"], world.users["advisor_a"],
                            entry(fields, topic="  " + "x" * 300 + " "), log=True, now=NOW)
    assert len(service.topic) == 300


def test_a_study_needs_a_title_and_studies_are_rows(world, fields):
    advisor, path = world.users["advisor_a"], world.paths["a"]
    with pytest.raises(ServiceInvalid) as caught:
        log.create(path, advisor, entry(fields, kind="study"), log=True, now=NOW)
    assert "co najmniej jednego opracowania" in messages(caught, "studies")
    draft, _ = log.create(path, advisor, entry(fields, kind="study"), log=False, now=NOW)  # a draft may wait
    assert draft.status == "draft"
    with pytest.raises(ServiceInvalid) as caught:
        log.create(path, advisor, entry(fields, kind="study", studies="Diagnoza; raport"), log=True, now=NOW)
    assert "„analiza” albo „plan”" in messages(caught, "studies")
    service, _ = log.create(path, advisor, entry(
        fields, kind="study", studies="Analiza rynku pracy\nStrategia; rozwoju; PLAN\n\n"), log=True, now=NOW)
    assert [(s.title, s.kind) for s in service.studies] == [("Analiza rynku pracy", "analysis"),
                                                            ("Strategia; rozwoju", "planning")]
    assert db.session.scalar(select(func.count()).select_from(Study)) == 2


def test_the_same_client_token_creates_one_service(world, fields):
    advisor, path = world.users["advisor_a"], world.paths["a"]
    first, created = log.create(path, advisor, entry(fields), log=True, client_token="tok-1", now=NOW)
    again, created_again = log.create(path, advisor, entry(fields, topic="inny"), log=True,
                                      client_token="tok-1", now=NOW)
    assert created and not created_again and again.id == first.id
    assert db.session.scalar(select(func.count()).select_from(Service)) == 1
    with pytest.raises(ServiceRefused):
        log.create(world.paths["b"], world.users["advisor_b"], entry(fields), log=True, client_token="tok-1",
                   now=NOW)


def test_a_correction_keeps_the_previous_values(world, fields):
    advisor, path = world.users["advisor_a"], world.paths["a"]
    service, _ = log.create(path, advisor, entry(fields, studies="Diagnoza; analiza"), log=True, now=NOW)
    before_ids = [p.id for p in service.participants]
    version = service.version
    with pytest.raises(ServiceInvalid) as caught:
        log.correct(service, advisor, entry(fields, person_ids=before_ids, new_people=""), reason=" ",
                    expected_version=version, now=NOW + timedelta(days=13))
    assert "Podaj powód poprawki." in messages(caught, "reason")
    log.correct(service, advisor, entry(fields, topic="Budżet partycypacyjny", person_ids=before_ids,
                                        new_people="Ewa Lis; MOPS", studies="Diagnoza; plan"),
                reason="Literówka w temacie", expected_version=version, now=NOW + timedelta(days=13))
    db.session.expire_all()
    service = db.session.get(Service, service.id)
    assert service.topic == "Budżet partycypacyjny" and service.version == version + 1
    assert len(service.participants) == 2 and service.studies[0].kind == "planning"
    revision = db.session.scalar(select(ServiceRevision))
    assert revision.reason == "Literówka w temacie" and revision.revised_by_id == advisor.id
    assert revision.before["topic"] == "Budżet obywatelski"
    assert revision.before["participant_ids"] == before_ids
    assert revision.before["studies"] == [{"title": "Diagnoza", "kind": "analysis"}]
    assert revision.before["held_on"] == "2020-06-10" and revision.before["version"] == version
    views, people, _fields = history(service)
    assert {c.key for c in views[0].changes} == {"topic", "participant_ids", "studies"}
    assert set(people) == {p.id for p in service.participants}


def test_after_the_edit_window_only_the_coordinator_corrects(world, fields):
    advisor, path = world.users["advisor_a"], world.paths["a"]
    service, _ = log.create(path, advisor, entry(fields), log=True, now=NOW)
    ids = [p.id for p in service.participants]
    late = NOW + timedelta(days=14, seconds=1)
    assert log.may_correct(advisor, service, NOW + timedelta(days=13, hours=23))
    assert not log.may_correct(advisor, service, late)
    with pytest.raises(ServiceRefused) as caught:
        log.correct(service, advisor, entry(fields, person_ids=ids, new_people=""), reason="za późno",
                    expected_version=service.version, now=late)
    assert caught.value.status == 403 and "tylko koordynator" in in_language(caught.value.reason, "pl")
    log.correct(service, world.users["coordinator"],
                entry(fields, duration="120", person_ids=ids, new_people=""),
                reason="Korekta czasu", expected_version=service.version, now=late + timedelta(days=100))
    assert db.session.get(Service, service.id).duration_minutes == 120
    # Another advisor of the town cannot correct someone else's entry at all.
    with pytest.raises(ServiceNotFound):
        log.correct(service, world.users["advisor_b"], entry(fields), reason="x",
                    expected_version=service.version, now=NOW)


def test_a_stale_version_is_refused(world, fields):
    advisor, path = world.users["advisor_a"], world.paths["a"]
    service, _ = log.create(path, advisor, entry(fields), log=True, now=NOW)
    ids = [p.id for p in service.participants]
    with pytest.raises(ServiceRefused) as caught:
        log.correct(service, advisor, entry(fields, person_ids=ids, new_people=""), reason="r",
                    expected_version=service.version - 1, now=NOW)
    assert caught.value.status == 409
    assert "Ktoś inny zmienił ten wpis" in in_language(caught.value.reason, "pl")
    # Changed by someone else between reading and writing: the UPDATE finds no row of that version.
    db.session.execute(update(Service).where(Service.id == service.id).values(version=Service.version + 1)
                       .execution_options(synchronize_session=False))
    with pytest.raises(ServiceRefused) as caught:
        log.correct(service, advisor, entry(fields, person_ids=ids, new_people=""), reason="r",
                    expected_version=None, now=NOW)
    assert caught.value.status == 409
    assert db.session.scalar(select(func.count()).select_from(ServiceRevision)) == 0


def test_only_the_author_deletes_only_a_draft(world, fields):
    advisor, path = world.users["advisor_a"], world.paths["a"]
    draft, _ = log.create(path, advisor, entry(fields), log=False, now=NOW)
    logged, _ = log.create(path, advisor, entry(fields, new_people=""), log=False, now=NOW)
    with pytest.raises(ServiceNotFound):
        log.delete_draft(draft, world.users["advisor_b"])
    log.delete_draft(draft, advisor, expected_version=draft.version)
    assert db.session.get(Service, draft.id) is None
    assert people_count(path.applicant_id) == 1  # the person stays, recorded once
    log.update_draft(logged, advisor, entry(fields), log=True, expected_version=logged.version, now=NOW)
    with pytest.raises(ServiceRefused):
        log.delete_draft(logged, advisor)
    with pytest.raises(ServiceRefused):
        log.update_draft(logged, advisor, entry(fields), log=True, expected_version=logged.version, now=NOW)


def test_who_sees_which_services(world, fields):
    a_logged, _ = log.create(world.paths["a"], world.users["advisor_a"], entry(fields), log=True, now=NOW)
    a_draft, _ = log.create(world.paths["a"], world.users["advisor_a"], entry(fields), log=False, now=NOW)
    b_logged, _ = log.create(world.paths["b"], world.users["advisor_b"], entry(fields), log=True, now=NOW)

    def visible(key: str) -> set[int]:
        return set(db.session.scalars(select(Service.id).where(service_filter(world.users[key]))))

    assert visible("advisor_a") == {a_logged.id, a_draft.id}
    assert visible("town_a") == {a_logged.id}
    assert visible("town_b") == {b_logged.id}
    assert visible("coordinator") == {a_logged.id, b_logged.id}
    assert visible("evaluator") == set() and visible("advisor_none") == set()
    with pytest.raises(ServiceNotFound):
        find(world.users["town_a"], a_draft.id)
