"""Personal data (workflow/privacy): the retention sweep (login attempts, export files, the
participants of programmes past their archive period) keeps every report total; a person's
data found, shown and downloaded by the coordinator, and nothing of anyone else's; erasure
by pseudonymisation, recorded in the audit log; the public notice; who may see what."""

from __future__ import annotations

import json
import os
import time
from dataclasses import asdict
from datetime import UTC, date, datetime, timedelta

import pytest
from factories.accounts import PASSWORD
from factories.advice import add_fields
from factories.services_log import build_log, generate
from sqlalchemy import distinct, func, select
from support import Browser
from support.querycount import count_queries

from worker.tasks import sweep_retention
from workflow.advice import consultations as service_log
from workflow.advice import reports
from workflow.advice.consultation_terms import ServiceInput
from workflow.exports import jobs as exports
from workflow.extensions import celery_app, db
from workflow.models import (
    AuditEvent,
    ExportJob,
    ExportKind,
    ExportStatus,
    LoginAttempt,
    LoginReason,
    Notification,
    Person,
    Programme,
    RecoveryCode,
    User,
    service_participant,
)
from workflow.privacy import pseudonyms, retention

NOW = datetime.now(UTC)
TODAY = NOW.date()


def whole_report(programme: Programme) -> dict:
    """Every number and row the services report shows or exports, in both languages' field names."""
    db.session.expire_all()
    programme = db.session.get(Programme, programme.id)
    return {
        "totals": asdict(reports.totals(programme)),
        **{name: [asdict(r) for r in reports.breakdown(name, programme)] for name in reports.BREAKDOWNS},
        "field_en": [asdict(r) for r in reports.by_field(programme, locale="en")],
        "chart": [asdict(m) for m in reports.services_per_month_by_kind(programme)],
        "log": [asdict(r) for r in reports.log_rows(programme)],
        "distinct_people": db.session.scalar(select(func.count(distinct(service_participant.c.person_id)))),
    }


def set_end(programme: Programme, ends_on: date | None) -> None:
    db.session.get(Programme, programme.id).ends_on = ends_on
    db.session.commit()


# --- retention: participants -----------------------------------------------------------------------

def test_the_services_report_is_the_same_after_pseudonymising_its_participants(world):
    log = build_log(world, generate(240))
    before = whole_report(log.programme)
    names_before = set(db.session.scalars(select(Person.name)))
    assert before["totals"]["people"] > 20 and before["totals"]["participations"] > 100

    set_end(log.programme, retention.years_before(TODAY, 5) - timedelta(days=1))
    swept = retention.sweep()

    assert swept.participants == len(log.persons)
    after = whole_report(log.programme)
    assert after == before
    people = list(db.session.scalars(select(Person)))
    assert not names_before & {p.name for p in people}
    assert all(p.name == pseudonyms.participant_name(p.id) and p.email is None and p.pseudonymised_at
               for p in people)
    assert retention.sweep().participants == 0  # twice: nothing more to do
    assert [e.action for e in db.session.scalars(select(AuditEvent))] == ["retention"]


def test_participants_stay_while_any_of_their_programmes_is_in_its_archive_period(world):
    log = build_log(world, generate(40))
    set_end(log.programme, None)
    assert retention.sweep().participants == 0
    set_end(log.programme, retention.years_before(TODAY, 5) + timedelta(days=1))  # a day short
    assert retention.sweep().participants == 0
    assert db.session.scalar(select(func.count()).where(Person.pseudonymised_at.is_not(None))) == 0


# --- retention: login attempts and export files, through the beat's task ------------------------------

def _attempt(email: str, days_ago: float) -> None:
    db.session.add(LoginAttempt(email=email, ip="192.0.2.1", success=False, reason=LoginReason.BAD_PASSWORD,
                                created_at=NOW - timedelta(days=days_ago)))


def _export(world, days_ago: float) -> tuple[int, str]:
    job = ExportJob(requested_by_id=world.users["coordinator"].id, programme_id=world.programme.id,
                    kind=ExportKind.SERVICES_CSV, status=ExportStatus.DONE, file_name="x.csv",
                    created_at=NOW - timedelta(days=days_ago), finished_at=NOW - timedelta(days=days_ago))
    db.session.add(job)
    db.session.commit()
    target = exports.file_path(job)
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text("a;b\n")
    return job.id, str(target)


def test_the_beat_task_prunes_old_login_attempts_and_export_files_and_keeps_recent_ones(world):
    _attempt("old@example.pl", 91)
    _attempt("old@example.pl", 200)
    _attempt("recent@example.pl", 89)
    _attempt("recent@example.pl", 0.01)
    db.session.commit()
    old_job, old_file = _export(world, 8)
    new_job, new_file = _export(world, 6)
    folder = exports.export_dir()
    orphan, young_orphan = folder / "999999.csv", folder / "999998.xlsx"
    orphan.write_text("left by a crash")
    young_orphan.write_text("being written")
    week_ago = time.time() - 8 * 86400
    os.utime(orphan, (week_ago, week_ago))

    done = sweep_retention()

    assert done == {"login_attempts": 2, "export_jobs": 1, "export_files": 2, "participants": 0,
                    "comment_authors": 0}
    db.session.expire_all()
    assert sorted(db.session.scalars(select(LoginAttempt.email))) == ["recent@example.pl"] * 2
    assert db.session.get(ExportJob, old_job) is None and not os.path.exists(old_file)
    assert db.session.get(ExportJob, new_job) is not None and os.path.exists(new_file)
    assert not orphan.exists() and young_orphan.exists()
    young_orphan.unlink()
    assert sweep_retention() == {"login_attempts": 0, "export_jobs": 0, "export_files": 0, "participants": 0,
                                 "comment_authors": 0}


def test_the_beat_schedule_runs_the_sweep_daily(app):
    entry = celery_app().conf.beat_schedule["privacy-retention"]
    assert entry["task"] == "privacy.retention" and entry["schedule"] == 86400


# --- a person's data -------------------------------------------------------------------------------

def _log_people(world) -> None:
    """Town A's service with Anna Nowak and Jan Kowalski; town B's with Ewa Wiśniewska."""
    fields = add_fields()
    for key, people, topic in (("a", "Anna Nowak; Urząd Miasta; anna.nowak@um.pl\n"
                                     "Jan Kowalski; Rada Seniorów; jan.kowalski@um.pl", "Budżet obywatelski"),
                               ("b", "Ewa Wiśniewska; Urząd; ewa@walcz.pl", "Plan Wałcza")):
        data = ServiceInput(kind="workshop", held_on=(TODAY - timedelta(days=3)).isoformat(), duration="90",
                            field_id=fields["finance"], topic=topic, format="on_site", new_people=people)
        service_log.create(world.path(key), world.user(f"advisor_{key}"), data, log=True)


def _person(name: str) -> Person:
    db.session.expire_all()
    return db.session.scalar(select(Person).where(Person.name == name))


def test_the_coordinator_finds_a_person_by_e_mail_or_name(world, login):
    _log_people(world)
    coordinator = login("coordinator@example.pl")
    page = coordinator.get("/coordinator/privacy/?q=ANNA.NOWAK@um.pl")
    text = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "Anna Nowak" in text and "Jan Kowalski" not in text
    by_name = coordinator.get("/coordinator/privacy/?q=kowal").get_data(as_text=True)
    assert "Jan Kowalski" in by_name and "Anna Nowak" not in by_name
    accounts = coordinator.get("/coordinator/privacy/?q=town-a@example.pl").get_data(as_text=True)
    assert "town-a@example.pl" in accounts and "town-b@example.pl" not in accounts
    nobody = coordinator.get("/coordinator/privacy/?q=nikt@example.pl").get_data(as_text=True)
    assert "Nie znaleziono nikogo" in nobody
    short = coordinator.get("/coordinator/privacy/?q=a")
    assert short.status_code == 422 and "Wpisz od 2 do 254 znaków" in short.get_data(as_text=True)


def test_the_json_holds_the_persons_data_and_nothing_of_anyone_elses(world, login):
    _log_people(world)
    anna = _person("Anna Nowak")
    coordinator = login("coordinator@example.pl")
    page = coordinator.get(f"/coordinator/privacy/participant/{anna.id}").get_data(as_text=True)
    assert "anna.nowak@um.pl" in page and "Budżet obywatelski" in page and "Kowalski" not in page

    response = coordinator.get(f"/coordinator/privacy/participant/{anna.id}/data.json")
    assert response.status_code == 200 and response.mimetype == "application/json"
    assert "attachment" in response.headers["Content-Disposition"]
    text = response.get_data(as_text=True)
    held = json.loads(text)
    assert held["email"] == "anna.nowak@um.pl" and held["accounts"] == []
    [item] = held["participants"]
    assert item["participant"]["name"] == "Anna Nowak" and item["participant"]["town"] == "Ostrzeszów"
    assert [s["topic"] for s in item["services"]] == ["Budżet obywatelski"]
    for other in ("Kowalski", "jan.kowalski", "Wiśniewska", "ewa@walcz.pl", "Plan Wałcza", "advisor-a"):
        assert other not in text
    assert db.session.scalar(select(AuditEvent).where(AuditEvent.action == "export")).detail


def test_an_accounts_data_brings_its_logins_messages_and_the_records_with_its_address(world, login):
    _log_people(world)
    town_a = world.user("town_a")
    db.session.add(Person(applicant_id=town_a.applicant_id, name="Tomasz z urzędu",
                          email="TOWN-A@example.pl"))
    db.session.commit()
    login("town-a@example.pl")
    login("town-b@example.pl")
    coordinator = login("coordinator@example.pl")
    url = f"/coordinator/privacy/account/{town_a.id}/data.json"
    held = json.loads(coordinator.get(url).get_data(as_text=True))
    [account] = held["accounts"]
    assert account["account"]["email"] == "town-a@example.pl" and account["account"]["town"] == "Ostrzeszów"
    assert [a["success"] for a in account["login_attempts"]] == [True]
    assert [p["participant"]["name"] for p in held["participants"]] == ["Tomasz z urzędu"]
    assert "town-b@example.pl" not in json.dumps(held)


def test_a_record_page_costs_the_same_queries_whatever_the_history(app, world, login):
    _log_people(world)
    coordinator = login("coordinator@example.pl")
    counts = []
    for email in ("town-a@example.pl", "advisor-a@example.pl"):
        user = db.session.scalar(select(User).where(User.email == email))
        with app.app_context(), count_queries(db.engine) as queries:
            assert coordinator.client.get(f"/coordinator/privacy/account/{user.id}").status_code == 200
        counts.append(queries.count)
    for person_id in (_person("Anna Nowak").id, _person("Ewa Wiśniewska").id):
        with app.app_context(), count_queries(db.engine) as queries:
            assert coordinator.client.get(f"/coordinator/privacy/participant/{person_id}").status_code == 200
        counts.append(queries.count)
    assert len(set(counts)) == 1, counts
    assert counts[0] <= 17, counts


# --- erasure ---------------------------------------------------------------------------------------

def test_erasure_pseudonymises_records_and_leaves_an_audit_record(world, login):
    _log_people(world)
    anna = _person("Anna Nowak")
    programme = db.session.get(Programme, world.programme.id)
    before = whole_report(programme)
    coordinator = login("coordinator@example.pl")
    url = f"/coordinator/privacy/participant/{anna.id}/erase"
    assert "Anna Nowak" in coordinator.get(url).get_data(as_text=True)

    response = coordinator.post(url, {"reason": "Wniosek z 3 grudnia 2026 r.", "confirm": "y"})

    assert response.status_code == 302
    db.session.expire_all()
    anna = db.session.get(Person, anna.id)
    assert anna.name == pseudonyms.participant_name(anna.id) and anna.email is None and anna.pseudonymised_at
    [event] = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "personal_data_erased"))
    assert (event.object_type, event.object_id) == ("person", anna.id)
    assert "Wniosek z 3 grudnia" in event.detail and "anna" not in event.detail.lower()
    assert event.actor_label == "coordinator@example.pl"
    found = coordinator.get("/coordinator/privacy/?q=anna.nowak@um.pl").get_data(as_text=True)
    assert "Nie znaleziono nikogo" in found
    assert "Anna Nowak" not in coordinator.get("/coordinator/privacy/?q=Nowak").get_data(as_text=True)
    assert whole_report(programme) == before
    again = coordinator.post(url, {"reason": "jeszcze raz", "confirm": "y"})
    assert again.status_code == 409 and "nie ma czego usuwać" in again.get_data(as_text=True)


def test_erasing_an_account_switches_it_off_and_forgets_its_logins_and_messages(app, world, login):
    town = login("town-a@example.pl")
    user_id = world.users["town_a"].id
    db.session.add(Notification(recipient_id=user_id, kind="x", subject="Dzień dobry", body="Anna"))
    db.session.add(RecoveryCode(user_id=user_id, code_hash="a" * 64))
    enrolled = db.session.get(User, user_id)
    enrolled.totp_seed, enrolled.totp_enabled_at = "b" * 64, NOW
    db.session.commit()
    coordinator = login("coordinator@example.pl")
    response = coordinator.post(f"/coordinator/privacy/account/{user_id}/erase",
                                {"reason": "Wniosek osoby", "confirm": "y"})
    assert response.status_code == 302
    db.session.expire_all()
    user = db.session.get(User, user_id)
    assert (user.name, user.email, user.active) == (pseudonyms.account_name(user_id),
                                                    pseudonyms.account_email(user_id), False)
    assert db.session.scalar(select(func.count()).select_from(LoginAttempt).where(
        func.lower(LoginAttempt.email) == "town-a@example.pl")) == 0
    assert db.session.scalar(select(func.count()).select_from(Notification).where(
        Notification.recipient_id == user_id)) == 0
    assert db.session.scalar(select(func.count()).select_from(RecoveryCode).where(
        RecoveryCode.user_id == user_id)) == 0
    assert user.totp_seed is None and user.totp_enabled_at is None
    assert town.get("/town/").status_code == 302  # the old session is over
    assert Browser(app, PASSWORD).login("town-a@example.pl").status_code != 302
    assert "Nie znaleziono nikogo" in coordinator.get("/coordinator/privacy/?q=town-a@example.pl").get_data(
        as_text=True)


def test_erasure_needs_a_reason_and_a_confirmation_and_refuses_ones_own_account(world, login):
    _log_people(world)
    anna = _person("Anna Nowak")
    coordinator = login("coordinator@example.pl")
    url = f"/coordinator/privacy/participant/{anna.id}/erase"
    no_reason = coordinator.post(url, {"reason": "  ", "confirm": "y"})
    assert no_reason.status_code == 422 and "Podaj powód usunięcia danych" in no_reason.get_data(as_text=True)
    unconfirmed = coordinator.post(url, {"reason": "Wniosek osoby"})
    text = unconfirmed.get_data(as_text=True)
    assert unconfirmed.status_code == 422 and "Zaznacz, że rozumiesz" in text and "Wniosek osoby" in text
    own = coordinator.post(f"/coordinator/privacy/account/{world.users['coordinator'].id}/erase",
                           {"reason": "Wniosek osoby", "confirm": "y"})
    assert own.status_code == 403 and "własnego konta" in own.get_data(as_text=True)
    assert _person("Anna Nowak") is not None
    assert db.session.scalar(select(func.count()).select_from(AuditEvent).where(
        AuditEvent.action == "personal_data_erased")) == 0


# --- access and the notice -----------------------------------------------------------------------

@pytest.mark.parametrize("who", ["town-a@example.pl", "advisor-a@example.pl", "evaluator@example.pl"])
def test_other_roles_never_reach_a_persons_data(world, login, who):
    _log_people(world)
    anna = _person("Anna Nowak")
    browser = login(who)
    base = f"/coordinator/privacy/participant/{anna.id}"
    for url in ("/coordinator/privacy/?q=anna.nowak@um.pl", base, f"{base}/data.json", f"{base}/erase"):
        assert browser.get(url).status_code in (403, 404), url
    assert browser.post(f"{base}/erase", {"reason": "x", "confirm": "y"}).status_code in (403, 404)
    assert _person("Anna Nowak") is not None


def test_anonymous_gets_the_login_page_and_the_public_notice(world, browser):
    assert browser.get("/coordinator/privacy/").status_code == 302
    notice = browser.get("/privacy")
    text = notice.get_data(as_text=True)
    assert notice.status_code == 200
    assert "klauzula informacyjna" in text and "90 dni" in text and "5 lat od zakończenia programu" in text
    assert "Prezesa Urzędu Ochrony Danych Osobowych" in text
    login_page = browser.get("/login").get_data(as_text=True)
    assert 'href="/privacy"' in login_page


def test_the_notice_in_english(world, browser):
    browser.post("/language", {"lang": "en", "next": "/privacy"})
    text = browser.get("/privacy").get_data(as_text=True)
    assert "Personal data protection" in text and "90 days" in text


# --- the commands ----------------------------------------------------------------------------------

def test_the_administrator_sets_a_programmes_end_and_runs_the_sweep_by_hand(app, world):
    log = build_log(world, generate(20))
    runner = app.test_cli_runner()
    ended = runner.invoke(args=["privacy", "programme-end", log.programme.code, "2020-06-30"])
    assert ended.exit_code == 0, ended.output
    db.session.expire_all()
    assert db.session.get(Programme, log.programme.id).ends_on == date(2020, 6, 30)

    early = runner.invoke(args=["privacy", "retention", "--now", "2025-06-29T12:00Z"])
    assert early.exit_code == 0 and "participants: 0" in early.output
    late = runner.invoke(args=["privacy", "retention", "--now", "2025-06-30T12:00Z"])
    assert f"participants: {len(log.persons)}" in late.output

    unknown = runner.invoke(args=["privacy", "programme-end", "NO-SUCH", "2020-06-30"])
    assert unknown.exit_code != 0 and "NO-SUCH" in unknown.output
    cleared = runner.invoke(args=["privacy", "programme-end", log.programme.code, "--clear"])
    assert cleared.exit_code == 0
    db.session.expire_all()
    assert db.session.get(Programme, log.programme.id).ends_on is None


def test_the_search_page_costs_the_same_queries_for_one_match_or_many(app, world, login):
    log = build_log(world, generate(20))  # 25 participants named "Uczestnik <town> <n>", one Janina
    assert len(log.persons) > 20
    coordinator = login("coordinator@example.pl")
    counts = []
    for q in ("Janina", "Uczestnik"):
        with app.app_context(), count_queries(db.engine) as queries:
            page = coordinator.client.get(f"/coordinator/privacy/?q={q}")
        assert page.status_code == 200
        counts.append(queries.count)
    assert counts[0] == counts[1] <= 6, counts


def test_the_coordinator_sees_when_each_programmes_participants_will_be_pseudonymised(world, login):
    set_end(world.programme, date(2027, 6, 30))
    page = login("coordinator@example.pl").get("/coordinator/privacy/").get_data(as_text=True)
    assert "30 czerwca 2027" in page and "30 czerwca 2032" in page and "5 lat od zakończenia" in page
