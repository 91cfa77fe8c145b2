"""Deadline changes as the coordinator and the town meet them: an extension only moves a
deadline later; shortening is its own action with a confirmation page; every change needs a
real reason, shows in the town's history and the audit log, and tells the town, with a link
to its page. The extension form starts on the town's current stage."""

from __future__ import annotations

import html
import re
from datetime import timedelta

from sqlalchemy import select

from workflow.extensions import db
from workflow.messaging.texts import Kind
from workflow.models import DeadlineChange, DeadlineExtension, Notification, StageDeadline


def text_of(response) -> str:  # noqa: ANN001
    return html.unescape(re.sub(r"\s+", " ", response.get_data(as_text=True)))


def notes(kind: Kind) -> list[Notification]:
    db.session.expire_all()
    return list(db.session.scalars(select(Notification).where(Notification.kind == kind.value)
                                   .order_by(Notification.id)))


def programme_due(world, stage: str = "diagnosis"):  # noqa: ANN001, ANN201
    db.session.expire_all()
    return db.session.scalar(select(StageDeadline.due_at).where(
        StageDeadline.programme_id == world.programme.id, StageDeadline.stage == stage))


def local(moment) -> str:  # noqa: ANN001
    """A moment as the form takes it (Warsaw wall-clock time)."""
    from zoneinfo import ZoneInfo
    return moment.astimezone(ZoneInfo("Europe/Warsaw")).strftime("%Y-%m-%dT%H:%M")


def test_the_extension_form_starts_on_the_towns_current_stage(world, login):
    path = world.path("a")
    path.state = "pri.draft"
    db.session.commit()
    page = login("coordinator@example.pl").get(f"/coordinator/paths/{path.id}").get_data(as_text=True)
    form = page[page.index('action="/coordinator/paths/'):]
    assert re.search(r'<option selected value="pri">|<option value="pri" selected>', form)
    assert "Przedłuż termin" in page and "Skróć termin tego miasta…" in page


def test_an_extension_moves_later_only_and_tells_the_town(world, login):
    coordinator = login("coordinator@example.pl")
    a = world.paths["a"].id
    due = programme_due(world)
    earlier = coordinator.post(f"/coordinator/paths/{a}/extensions",
                               {"stage": "diagnosis", "due_at": local(due - timedelta(days=3)),
                                "reason": "Miasto prosi o wcześniejszy termin"})
    assert earlier.status_code == 422
    page = text_of(earlier)
    assert "Przedłużenie musi przesunąć termin na później niż obecny" in page
    assert "Miasto prosi o wcześniejszy termin" in page  # what was typed stays
    assert db.session.scalar(select(DeadlineExtension)) is None
    assert notes(Kind.DEADLINE_CHANGED) == []

    later = coordinator.post(f"/coordinator/paths/{a}/extensions",
                             {"stage": "diagnosis", "due_at": local(due + timedelta(days=10)),
                              "reason": "Powódź w urzędzie miasta"})
    assert later.status_code == 302
    sent = notes(Kind.DEADLINE_CHANGED)
    assert [n.recipient_id for n in sent] == [world.users["town_a"].id]
    assert sent[0].link == f"http://localhost/town/paths/{a}"
    assert "Powódź w urzędzie miasta" in sent[0].body and sent[0].link in sent[0].body
    assert "Zmiana terminu: Diagnoza (Ostrzeszów)" == sent[0].subject

    town_page = text_of(login("town-a@example.pl").get(f"/town/paths/{a}"))
    assert "Przedłużono termin etapu „Diagnoza”" in town_page
    assert "Powódź w urzędzie miasta" in town_page
    audit = text_of(coordinator.get("/coordinator/audit/"))
    assert "Przedłużenie terminu miastu" in audit and "Powódź w urzędzie miasta" in audit
    # the town B page knows nothing of it
    assert "Powódź" not in text_of(login("town-b@example.pl").get("/town/"))


def test_a_reason_must_be_a_sentence(world, login):
    coordinator = login("coordinator@example.pl")
    a = world.paths["a"].id
    later = local(programme_due(world) + timedelta(days=5))
    for reason in ("", "x", "          ", "xxxxxxxxxxxx", "1234567890!!"):
        response = coordinator.post(f"/coordinator/paths/{a}/extensions",
                                    {"stage": "diagnosis", "due_at": later, "reason": reason})
        assert response.status_code == 422, reason
        assert "Podaj uzasadnienie zmiany terminu" in text_of(response)
        assert f'value="{later}"' in response.get_data(as_text=True)  # the date typed stays
    assert db.session.scalar(select(DeadlineChange)) is None


def test_shortening_asks_for_a_confirmation_on_a_page_of_its_own(world, login):
    coordinator = login("coordinator@example.pl")
    a = world.paths["a"].id
    due = programme_due(world)
    form = coordinator.get(f"/coordinator/paths/{a}/deadlines/shorten")
    assert form.status_code == 200 and "Skrócenie terminu" in text_of(form)
    wrong_way = coordinator.post(f"/coordinator/paths/{a}/deadlines/shorten",
                                 {"stage": "diagnosis", "due_at": local(due + timedelta(days=2)),
                                  "reason": "Harmonogram przyspieszył"})
    assert wrong_way.status_code == 422
    assert "Skrócenie musi przesunąć termin na wcześniej" in text_of(wrong_way)

    shorter = local(due - timedelta(days=7))
    ask = coordinator.post(f"/coordinator/paths/{a}/deadlines/shorten",
                           {"stage": "diagnosis", "due_at": shorter, "reason": "Harmonogram przyspieszył"})
    assert ask.status_code == 200
    page = text_of(ask)
    assert "Potwierdź skrócenie terminu" in page and "Co się stanie" in page
    assert "wcześniej niż dotąd" in page and "Tak, skróć termin" in page
    assert db.session.scalar(select(DeadlineExtension)) is None  # nothing changed yet

    done = coordinator.post(f"/coordinator/paths/{a}/deadlines/shorten",
                            {"stage": "diagnosis", "due_at": shorter, "reason": "Harmonogram przyspieszył",
                             "confirmed": "1"})
    assert done.status_code == 302
    db.session.expire_all()
    assert db.session.scalar(select(DeadlineExtension.due_at)) < due
    town_page = text_of(login("town-a@example.pl").get(f"/town/paths/{a}"))
    assert "Skrócono termin etapu „Diagnoza”" in town_page and "Harmonogram przyspieszył" in town_page
    assert len(notes(Kind.DEADLINE_CHANGED)) == 1
    assert "Skrócenie terminu miastu" in text_of(coordinator.get("/coordinator/audit/"))


def test_revoking_an_extension_says_what_happens_and_needs_a_reason(world, login):
    coordinator = login("coordinator@example.pl")
    a = world.paths["a"].id
    due = programme_due(world)
    assert coordinator.post(f"/coordinator/paths/{a}/extensions",
                            {"stage": "diagnosis", "due_at": local(due + timedelta(days=10)),
                             "reason": "Powódź w urzędzie miasta"}).status_code == 302
    page = coordinator.get(f"/coordinator/paths/{a}/extensions/diagnosis/revoke")
    assert page.status_code == 200
    assert "termin miasta się skróci" in text_of(page)
    refused = coordinator.post(f"/coordinator/paths/{a}/extensions/diagnosis/revoke", {"reason": "  "})
    assert refused.status_code == 422 and "Podaj uzasadnienie" in text_of(refused)
    assert coordinator.post(f"/coordinator/paths/{a}/extensions/diagnosis/revoke",
                            {"reason": "Powódź już opanowana"}).status_code == 302
    assert len(notes(Kind.DEADLINE_CHANGED)) == 2
    history = text_of(login("town-a@example.pl").get(f"/town/paths/{a}"))
    assert "Skrócono termin etapu „Diagnoza”" in history and "Powódź już opanowana" in history
    # no extension left: nothing to take back
    gone = coordinator.get(f"/coordinator/paths/{a}/extensions/diagnosis/revoke")
    assert gone.status_code == 409
    assert "To miasto nie ma przedłużenia terminu tego etapu." in text_of(gone)


def test_a_programme_deadline_change_tells_every_town_it_moves(world, login):
    coordinator = login("coordinator@example.pl")
    due = programme_due(world, "prl")
    later = coordinator.post("/coordinator/deadlines",
                             {"stage": "prl", "due_at": local(due + timedelta(days=14)),
                              "reason": "Nowy harmonogram programu"})
    assert later.status_code == 302
    sent = notes(Kind.DEADLINE_CHANGED)
    towns = [world.users["town_a"].id, world.users["town_b"].id]
    assert sorted(n.recipient_id for n in sent) == sorted(towns)
    for key in ("a", "b"):
        page = text_of(login(f"town-{key}@example.pl").get("/town/"))
        assert "Zmieniono termin etapu „Plan Rozwoju Lokalnego” dla całego programu" in page
        assert "Nowy harmonogram programu" in page

    earlier = local(due - timedelta(days=5))
    ask = coordinator.post("/coordinator/deadlines",
                           {"stage": "prl", "due_at": earlier, "reason": "Skracamy nabór o tydzień"})
    assert ask.status_code == 200
    assert "Potwierdź skrócenie terminu" in text_of(ask)
    assert "nie mają własnego przedłużenia tego etapu: 2" in text_of(ask)
    assert programme_due(world, "prl") > due  # not yet
    done = coordinator.post("/coordinator/deadlines?programme=RL-TEST",
                            {"stage": "prl", "due_at": earlier, "reason": "Skracamy nabór o tydzień",
                             "confirmed": "1"})
    assert done.status_code == 302
    assert programme_due(world, "prl") < due
    assert len(notes(Kind.DEADLINE_CHANGED)) == 4
    refused = coordinator.post("/coordinator/deadlines",
                               {"stage": "prl", "due_at": earlier, "reason": "x"})
    assert refused.status_code == 422 and "Podaj uzasadnienie" in text_of(refused)


def test_the_history_costs_the_same_queries_however_many_changes(world, login):
    """The town's page reads its deadline changes (with who made them) in one query."""
    from support.querycount import count_queries

    coordinator = login("coordinator@example.pl")
    town = login("town-a@example.pl")
    a = world.paths["a"].id
    due = programme_due(world)

    def page_queries() -> int:
        with count_queries(db.engine) as log:
            assert town.get(f"/town/paths/{a}").status_code == 200
        return log.count

    assert coordinator.post(f"/coordinator/paths/{a}/extensions",
                            {"stage": "diagnosis", "due_at": local(due + timedelta(days=1)),
                             "reason": "Pierwsze przedłużenie terminu"}).status_code == 302
    one = page_queries()
    for days in range(2, 7):
        assert coordinator.post(f"/coordinator/paths/{a}/extensions",
                                {"stage": "diagnosis", "due_at": local(due + timedelta(days=days)),
                                 "reason": f"Kolejne przedłużenie numer {days}"}).status_code == 302
    assert coordinator.post("/coordinator/deadlines",
                            {"stage": "prl", "due_at": local(due + timedelta(days=40)),
                             "reason": "Nowy harmonogram programu"}).status_code == 302
    assert page_queries() == one
    assert text_of(town.get(f"/town/paths/{a}")).count("Przedłużono termin etapu") == 6
