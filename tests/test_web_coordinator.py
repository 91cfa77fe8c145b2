"""The coordinator's pages: overview, filters, deadlines, extensions, formal check."""

from __future__ import annotations

from factories.path import PDF
from sqlalchemy import select
from support import version_on

from workflow.extensions import db
from workflow.models import DeadlineExtension, StageDeadline


def test_overview_counts_and_filters(world, login):
    b = world.path("b")
    b.state = "prl.submitted"
    b.applicant.voivodeship = "zachodniopomorskie"
    db.session.commit()
    coordinator = login("coordinator@example.pl")
    html = coordinator.get("/coordinator/").get_data(as_text=True)
    assert "Ostrzeszów" in html and "Wałcz" in html
    assert "razem: 2" in html
    only_prl = coordinator.get("/coordinator/?stage=prl").get_data(as_text=True)
    assert "Wałcz" in only_prl and "Ostrzeszów" not in only_prl
    only_voiv = coordinator.get("/coordinator/?voivodeship=mazowieckie").get_data(as_text=True)
    assert "Ostrzeszów" in only_voiv and "Wałcz" not in only_voiv
    nonsense = coordinator.get("/coordinator/?stage=%3Cscript%3E&voivodeship=%3Cb%3E")
    assert nonsense.status_code == 200
    assert "<script>" not in nonsense.get_data(as_text=True)
    assert "Żadne miasto nie spełnia wybranych warunków." in nonsense.get_data(as_text=True)
    nul = coordinator.get("/coordinator/?voivodeship=%00")
    assert nul.status_code == 400
    assert "Niepoprawne żądanie" in nul.get_data(as_text=True)


def test_coordinator_sees_the_town_move(world, login):
    coordinator = login("coordinator@example.pl")
    before = coordinator.get("/coordinator/?stage=diagnosis").get_data(as_text=True)
    assert "Przygotowanie diagnozy" in before
    town = login("town-a@example.pl")
    town.upload(world.paths["a"].id, "d.pdf", PDF)
    town.fire(world.paths["a"].id, "submit_diagnosis", version_on(town.get("/town/")))
    after = coordinator.get("/coordinator/?stage=diagnosis").get_data(as_text=True)
    assert "Złożono diagnozę – do zatwierdzenia przez doradcę" in after


def test_deadline_is_entered_in_warsaw_time(world, login):
    coordinator = login("coordinator@example.pl")
    coordinator.get("/coordinator/deadlines")
    response = coordinator.post("/coordinator/deadlines",
                                {"stage": "application", "due_at": "2026-10-30T23:59",
                                 "reason": "Zmiana harmonogramu naboru", "confirmed": "1"})
    assert response.status_code == 302
    due = db.session.scalar(select(StageDeadline.due_at).where(StageDeadline.stage == "application"))
    assert due.isoformat() == "2026-10-30T22:59:00+00:00"  # CET, after the DST change
    summer = coordinator.post("/coordinator/deadlines",
                              {"stage": "prl", "due_at": "2026-06-30T12:00",
                               "reason": "Zmiana harmonogramu naboru", "confirmed": "1"})
    assert summer.status_code == 302
    db.session.expire_all()
    due = db.session.scalar(select(StageDeadline.due_at).where(StageDeadline.stage == "prl"))
    assert due.isoformat() == "2026-06-30T10:00:00+00:00"  # CEST
    page = coordinator.get("/coordinator/deadlines").get_data(as_text=True)
    assert "30 października 2026, 23:59" in page


def test_bad_deadline_input_keeps_the_form_and_explains(world, login):
    coordinator = login("coordinator@example.pl")
    coordinator.get("/coordinator/deadlines")
    response = coordinator.post("/coordinator/deadlines", {"stage": "prl", "due_at": "jutro"})
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "RRRR-MM-DD" in html
    assert 'value="jutro"' in html
    unknown = coordinator.post("/coordinator/deadlines",
                               {"stage": "nope", "due_at": "2026-10-30T10:00"})
    assert unknown.status_code == 422


def test_extension_for_one_town_only(world, login):
    coordinator = login("coordinator@example.pl")
    a = world.paths["a"].id
    coordinator.get(f"/coordinator/paths/{a}")
    missing_reason = coordinator.post(f"/coordinator/paths/{a}/extensions",
                                      {"stage": "diagnosis", "due_at": "2027-01-15T12:00"})
    assert missing_reason.status_code == 422
    assert "Podaj uzasadnienie" in missing_reason.get_data(as_text=True)
    ok = coordinator.post(f"/coordinator/paths/{a}/extensions",
                          {"stage": "diagnosis", "due_at": "2027-01-15T12:00",
                           "reason": "Powódź w urzędzie"})
    assert ok.status_code == 302
    ext = db.session.scalar(select(DeadlineExtension))
    assert ext.path_id == a and ext.due_at.isoformat() == "2027-01-15T11:00:00+00:00"
    page = login("town-a@example.pl").get("/town/").get_data(as_text=True)
    assert "15 stycznia 2027, 12:00" in page
    other = login("town-b@example.pl").get("/town/").get_data(as_text=True)
    assert "15 stycznia 2027" not in other
    assert coordinator.post(f"/coordinator/paths/{a}/extensions/diagnosis/revoke",
                            {"reason": "Powódź już opanowana"}).status_code == 302
    db.session.expire_all()
    assert db.session.scalar(select(DeadlineExtension)) is None


def test_formal_check_actions(world, login):
    path = world.path("a")
    path.state = "formal_check"
    db.session.commit()
    coordinator = login("coordinator@example.pl")
    page = coordinator.get(f"/coordinator/paths/{path.id}")
    html = page.get_data(as_text=True)
    for label in ("Ocena formalna pozytywna", "Zwróć wniosek do uzupełnienia",
                  "Odrzuć na ocenie formalnej"):
        assert label in html
    assert coordinator.fire(path.id, "pass_formal_check", version_on(page)).status_code == 302
    assert world.path("a").state == "evaluation"


def test_diagram_page_shows_the_path(world, login):
    html = login("coordinator@example.pl").get("/coordinator/diagram").get_data(as_text=True)
    assert "stateDiagram-v2" in html
    assert "Przygotowanie diagnozy" in html


def test_deadline_changes_keep_their_history_in_the_audit_log(world, login):
    """An extension changed twice and then revoked: each earlier value stays readable on the
    coordinator's audit page, though the extension row itself holds only the latest."""
    coordinator = login("coordinator@example.pl")
    a = world.paths["a"].id
    for due, reason in (("2027-01-15T12:00", "Powódź w urzędzie"), ("2027-01-22T12:00", "Awaria serwera")):
        assert coordinator.post(f"/coordinator/paths/{a}/extensions",
                                {"stage": "diagnosis", "due_at": due, "reason": reason}).status_code == 302
    assert coordinator.post(f"/coordinator/paths/{a}/extensions/diagnosis/revoke",
                            {"reason": "Serwer już działa"}).status_code == 302
    assert coordinator.post("/coordinator/deadlines",
                            {"stage": "prl", "due_at": "2027-03-01T12:00",
                             "reason": "Nowy harmonogram programu"}).status_code == 302
    page = coordinator.get("/coordinator/audit/").get_data(as_text=True)
    for label in ("Przedłużenie terminu miastu", "Cofnięcie przedłużenia terminu", "Ustalenie terminu etapu"):
        assert label in page
    # The second extension's record names the first value and reason it replaced.
    assert "Powódź w urzędzie" in page and "Awaria serwera" in page
    assert "2027-01-15T11:00:00+00:00" in page


def test_the_menu_marks_the_page_you_are_on(world, login):
    """Screen readers announce the current menu item (aria-current="page"), once."""
    page = login("coordinator@example.pl").get("/coordinator/audit/").get_data(as_text=True)
    assert page.count('aria-current="page"') == 1
    assert 'href="/coordinator/audit/" aria-current="page"' in page
