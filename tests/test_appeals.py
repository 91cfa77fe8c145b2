"""Appeals (workflow/services/appeals.py and the results pages): the window in Warsaw
calendar days to the last second, a programme without appeals, one appeal per result, the
justification's length, a decision once with its notification, and 404 for others.

The results are announced through the real ranking runs on real sheets: town A
(Ostrzeszów) is funded, town B (Wałcz) fails part I and may appeal."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from factories.path import World
from factories.results import ANNOUNCED, LONG_ENOUGH, WARSAW, announce
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from workflow.extensions import db
from workflow.models import (
    Appeal,
    Notification,
    Path,
    User,
)
from workflow.ranking import appeals
from workflow.ranking import runs as ranking_runs
from workflow.ranking.appeals import AppealNotFound, AppealRefused


def appeal_count() -> int:
    return db.session.scalar(select(func.count()).select_from(Appeal))


def town_b(world: World) -> tuple[Path, User]:
    return world.path("b"), world.user("town_b")


# --- the window ----------------------------------------------------------------------------------

def test_window_runs_to_the_end_of_the_14th_warsaw_day(scored):
    snapshot = announce(scored)
    win = appeals.window(scored.programme, snapshot)
    assert win.last_day == date(2026, 4, 4)  # 21 March (Warsaw) + 14 days, over the clock change
    assert win.last_moment == datetime(2026, 4, 4, 23, 59, 59, tzinfo=WARSAW)
    assert win.last_moment.astimezone(UTC) == datetime(2026, 4, 4, 21, 59, 59, tzinfo=UTC)  # summer time
    assert win.is_open(datetime(2026, 4, 4, 23, 59, 59, 999999, tzinfo=WARSAW))
    assert not win.is_open(datetime(2026, 4, 5, 0, 0, tzinfo=WARSAW))
    assert not win.is_open(ANNOUNCED - timedelta(seconds=1))


def test_appeal_filed_at_the_last_second_is_accepted(scored):
    announce(scored)
    path, user = town_b(scored)
    appeal = appeals.file(path, user, LONG_ENOUGH, now=datetime(2026, 4, 4, 23, 59, 59, tzinfo=WARSAW))
    assert appeal.status == "filed" and appeal.justification == LONG_ENOUGH
    assert appeal_count() == 1


def test_appeal_at_midnight_after_the_last_day_is_refused(scored):
    announce(scored)
    path, user = town_b(scored)
    with pytest.raises(AppealRefused) as refused:
        appeals.file(path, user, LONG_ENOUGH, now=datetime(2026, 4, 5, 0, 0, tzinfo=WARSAW))
    assert refused.value.status == 409
    assert (refused.value.code, refused.value.values) == ("window_closed", {"last_day": date(2026, 4, 4)})
    assert appeal_count() == 0


def test_programme_without_appeals_says_the_result_is_final(scored):
    scored.programme.appeal_days = None
    db.session.commit()
    announce(scored)
    path, user = town_b(scored)
    with pytest.raises(AppealRefused) as refused:
        appeals.file(path, user, LONG_ENOUGH, now=ANNOUNCED + timedelta(hours=1))
    assert refused.value.code == "final"
    assert appeal_count() == 0


def test_no_appeal_before_the_announcement(scored):
    path, user = town_b(scored)
    with pytest.raises(AppealRefused) as refused:
        appeals.file(path, user, LONG_ENOUGH)
    assert refused.value.code == "not_announced"


def test_a_funded_town_has_nothing_to_appeal(scored):
    announce(scored)
    with pytest.raises(AppealRefused) as refused:
        appeals.file(scored.path("a"), scored.user("town_a"), LONG_ENOUGH, now=ANNOUNCED + timedelta(days=1))
    assert refused.value.code == "awarded"
    assert appeal_count() == 0


# --- one appeal, a justification ------------------------------------------------------------------

def test_second_appeal_is_refused_and_the_database_refuses_it_too(scored):
    snapshot = announce(scored)
    path, user = town_b(scored)
    first = appeals.file(path, user, LONG_ENOUGH, now=ANNOUNCED + timedelta(days=1))
    with pytest.raises(AppealRefused) as refused:
        appeals.file(path, user, LONG_ENOUGH + " Drugi raz.", now=ANNOUNCED + timedelta(days=2))
    assert refused.value.status == 409
    assert (refused.value.code, refused.value.values) == ("already_filed", {"filed_on": date(2026, 3, 22)})
    assert appeal_count() == 1
    db.session.add(Appeal(path_id=path.id, snapshot_id=snapshot.id, justification="x" * 60))
    with pytest.raises(IntegrityError):
        db.session.commit()
    db.session.rollback()
    assert db.session.get(Appeal, first.id).justification == LONG_ENOUGH


@pytest.mark.parametrize("text", ["", "   ", "Za nisko.", "x" * 49, " " + "x" * 49 + "   "])
def test_short_justification_is_refused(scored, text):
    announce(scored)
    path, user = town_b(scored)
    with pytest.raises(AppealRefused) as refused:
        appeals.file(path, user, text, now=ANNOUNCED + timedelta(days=1))
    assert (refused.value.status, refused.value.field) == (400, "justification")
    assert refused.value.code == "too_short" and refused.value.values["n"] == len(text.strip())
    assert appeal_count() == 0


def test_fifty_characters_are_enough(scored):
    announce(scored)
    path, user = town_b(scored)
    appeal = appeals.file(path, user, "  " + "y" * 50 + "\n", now=ANNOUNCED + timedelta(days=1))
    assert appeal.justification == "y" * 50


def test_only_a_member_of_the_town_may_file(scored):
    announce(scored)
    path = scored.path("b")
    for key in ("town_a", "coordinator", "advisor_b", "evaluator"):
        with pytest.raises(AppealNotFound):
            appeals.file(path, scored.user(key), LONG_ENOUGH, now=ANNOUNCED + timedelta(days=1))
    assert appeal_count() == 0


# --- deciding ---------------------------------------------------------------------------------------

@pytest.fixture
def filed(scored) -> Appeal:
    announce(scored)
    path, user = town_b(scored)
    return appeals.file(path, user, LONG_ENOUGH, now=ANNOUNCED + timedelta(days=1))


def decided_notifications() -> list[Notification]:
    return list(db.session.scalars(select(Notification).where(Notification.kind == "appeal_decided")))


def test_upheld_appeal_notifies_the_town_and_says_what_comes_next(scored, filed):
    coordinator = scored.user("coordinator")
    decided = appeals.decide(filed, coordinator, True, "Oceniający pominęli rozdział 4 planu.")
    assert decided.status == "upheld" and decided.decided_by_id == coordinator.id
    assert decided.decision_note == "Oceniający pominęli rozdział 4 planu."
    sent = decided_notifications()
    assert [n.recipient_id for n in sent] == [scored.user("town_b").id]
    assert "uwzględniony" in sent[0].body and "Oceniający pominęli rozdział 4 planu." in sent[0].body
    assert sent[0].subject == "Rozpatrzono protest: Wałcz"
    # The announced ranking stays as it was.
    assert ranking_runs.announced_snapshot(scored.programme.id).id == filed.snapshot_id


def test_rejected_appeal_notifies_the_town(scored, filed):
    appeals.decide(filed, scored.user("coordinator"), False, "Ocena jest zgodna z kryteriami.")
    assert db.session.get(Appeal, filed.id).status == "rejected"
    sent = decided_notifications()
    assert len(sent) == 1 and "protest odrzucony" in sent[0].body


def test_decision_is_made_once_and_needs_a_note(scored, filed):
    coordinator = scored.user("coordinator")
    with pytest.raises(AppealRefused) as refused:
        appeals.decide(filed, coordinator, True, "   ")
    assert (refused.value.status, refused.value.field) == (400, "note")
    assert db.session.get(Appeal, filed.id).status == "filed"
    appeals.decide(filed, coordinator, False, "Bez podstaw.")
    with pytest.raises(AppealRefused) as refused:
        appeals.decide(db.session.get(Appeal, filed.id), coordinator, True, "Jednak tak.")
    assert refused.value.code == "already_decided"
    row = db.session.get(Appeal, filed.id)
    assert (row.status, row.decision_note) == ("rejected", "Bez podstaw.")
    assert len(decided_notifications()) == 1


def test_only_the_coordinator_decides(scored, filed):
    with pytest.raises(AppealNotFound):
        appeals.decide(filed, scored.user("town_b"), True, "Sami uwzględniamy.")
    assert db.session.get(Appeal, filed.id).status == "filed"


# --- through the pages -------------------------------------------------------------------------------

def test_town_files_and_coordinator_decides_through_the_pages(scored, login):
    announce(scored, at=datetime.now(UTC) - timedelta(days=2))
    b = scored.paths["b"].id
    town = login("town-b@example.pl")
    page = town.get(f"/town/results/{b}").get_data(as_text=True)
    assert "Możesz złożyć protest do" in page and "23:59:59" in page

    short = town.post(f"/town/results/{b}/appeal", {"justification": "Za nisko."})
    html = short.get_data(as_text=True)
    assert short.status_code == 400
    assert 'id="justification-error"' in html and "od 50 do 5000 znaków" in html
    assert "Za nisko.</textarea>" in html  # what was typed is kept
    assert town.post(f"/town/results/{b}/appeal", {"justification": LONG_ENOUGH}).status_code == 302
    html = town.get(f"/town/results/{b}").get_data(as_text=True)
    assert "Złożono protest" in html and "czeka na rozstrzygnięcie" in html and LONG_ENOUGH in html
    again = town.post(f"/town/results/{b}/appeal", {"justification": LONG_ENOUGH})
    assert again.status_code == 409 and "został już złożony" in again.get_data(as_text=True)

    appeal_id = db.session.scalar(select(Appeal.id))
    coordinator = login("coordinator@example.pl")
    listing = coordinator.get("/coordinator/appeals/").get_data(as_text=True)
    assert "Wałcz" in listing and f"/coordinator/appeals/{appeal_id}" in listing
    missing = coordinator.post(f"/coordinator/appeals/{appeal_id}/decide", {"decision": "upheld", "note": ""})
    assert missing.status_code == 400
    assert "Podaj uzasadnienie rozstrzygnięcia." in missing.get_data(as_text=True)
    done = coordinator.post(f"/coordinator/appeals/{appeal_id}/decide",
                            {"decision": "upheld", "note": "Pominięto rozdział 4."}, follow_redirects=True)
    html = done.get_data(as_text=True)
    assert done.status_code == 200
    assert "wniosek wrócił do oceny merytorycznej w nowej rundzie" in html
    db.session.expire_all()
    assert db.session.get(Path, b).state == "evaluation"
    twice = coordinator.post(f"/coordinator/appeals/{appeal_id}/decide",
                             {"decision": "rejected", "note": "Jednak nie."})
    assert twice.status_code == 409 and "już rozpatrzony" in twice.get_data(as_text=True)
    html = town.get(f"/town/results/{b}").get_data(as_text=True)
    assert "uwzględniony" in html and "Pominięto rozdział 4." in html


def test_page_says_when_the_window_closed(scored, login):
    announce(scored, at=datetime.now(UTC) - timedelta(days=40))
    html = login("town-b@example.pl").get(f"/town/results/{scored.paths['b'].id}").get_data(as_text=True)
    assert "Termin na złożenie protestu minął" in html
    assert "<textarea" not in html


def test_other_towns_and_roles_get_404(scored, login):
    announce(scored, at=datetime.now(UTC) - timedelta(days=1))
    b = scored.paths["b"].id
    appeal = appeals.file(scored.path("b"), scored.user("town_b"), LONG_ENOUGH)
    town_a = login("town-a@example.pl")
    assert town_a.get(f"/town/results/{b}").status_code == 404
    assert town_a.post(f"/town/results/{b}/appeal", {"justification": LONG_ENOUGH}).status_code == 404
    assert town_a.get(f"/coordinator/appeals/{appeal.id}").status_code == 404
    assert town_a.post(f"/coordinator/appeals/{appeal.id}/decide",
                       {"decision": "upheld", "note": "x"}).status_code == 404
    for email in ("advisor-b@example.pl", "evaluator@example.pl"):
        user = login(email)
        assert user.get("/coordinator/appeals/").status_code == 404
        assert user.get(f"/town/results/{b}").status_code == 404
    coordinator = login("coordinator@example.pl")
    assert coordinator.get("/coordinator/appeals/999999").status_code == 404
    assert coordinator.get(f"/town/results/{b}").status_code == 404
    assert db.session.get(Appeal, appeal.id).status == "filed"
    assert appeal_count() == 1
