"""The programme settings screen (coordinator): every setting shown and changed, each change in
the audit log with the value it replaced, the ranking's settings locked once a ranking is
approved, and the evaluation deadline enforced for score sheets."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
import sqlalchemy as sa
from factories.accounts import make_user
from factories.evaluation import assign
from factories.ranking import build
from support.querycount import count_queries

from workflow.evaluation import criteria, sheets
from workflow.evaluation.sheets import ScoreInput
from workflow.extensions import db
from workflow.models import AuditEvent, Programme, RankingSnapshot
from workflow.ranking import runs as ranking_runs
from workflow.refusal import in_language

URL = "/coordinator/programme-settings/?programme=RL-RANK"
GOOD = "Uzasadnienie wystarczająco długie, by je przyjąć bez zastrzeżeń."


@pytest.fixture
def built(world):
    b = build()
    db.session.commit()
    return b


def html(response) -> str:  # noqa: ANN001
    return response.get_data(as_text=True)


def form_of(page: str) -> dict[str, str]:
    """What the settings form would send as shown (text inputs and selected options)."""
    form = page.split('action="/coordinator/programme-settings/', 1)[1].split("</form>", 1)[0]
    data = {name: value for name, value in re.findall(r'<input[^>]*name="(\w+)"[^>]*value="([^"]*)"', form)}
    data.update({n: v for v, n in re.findall(r'<input[^>]*value="([^"]*)"[^>]*name="(\w+)"', form)})
    for name, body in re.findall(r'<select[^>]*name="(\w+)"[^>]*>(.*?)</select>', form, re.S):
        chosen = re.search(r'<option selected value="([^"]*)"|<option value="([^"]*)" selected', body)
        data[name] = next(v for v in chosen.groups() if v is not None)
    data.setdefault("evaluation_deadline", "")
    data.pop("csrf_token", None)
    return data


def programme() -> Programme:
    db.session.expire_all()
    return db.session.scalar(sa.select(Programme).where(Programme.code == "RL-RANK"))


def settings_events() -> list[dict]:
    rows = db.session.scalars(sa.select(AuditEvent).where(AuditEvent.action == "programme_settings_changed")
                              .order_by(AuditEvent.id))
    return [json.loads(e.detail)["changes"] for e in rows]


def test_the_page_shows_every_setting_in_plain_words(built, login):
    browser = login("coordinator@example.pl")
    with count_queries(db.engine) as counted:
        response = browser.get(URL)
    page = html(response)
    assert response.status_code == 200
    assert ">Zatrzymaj przyznawanie</option>" in page
    assert "„Zatrzymaj przyznawanie”: pierwszy wniosek, na który nie starcza budżetu" in page
    assert ">strict<" not in page and "skip –" not in page
    data = form_of(page)
    assert data["budget"] == "100\xa0000\xa0000,00" and data["winners_cap"] == "2"
    assert data["policy"] == "strict" and data["hide_scores_until"] == "own_submission"
    assert data["reminder_offsets"] == "14, 7, 3, 1"
    assert "Ustawień tego programu jeszcze nie zmieniano." in page
    assert counted.count == 4, counted  # the user (with the unread count), the programmes
    # (the one chosen and the picker's list), its approved ranking, the latest changes


def test_a_change_is_audited_with_the_value_it_replaced(built, login):
    browser = login("coordinator@example.pl")
    data = form_of(html(browser.get(URL)))
    data.update(budget="120 000 000,00", threshold_pct="55", policy="skip", appeal_days="14",
                appeal_decision_days="30", evaluation_deadline="2021-01-15T16:00",
                reminder_offsets="7; 1, 3", hide_scores_until="announcement")
    response = browser.post(URL, data)
    assert response.status_code == 302
    p = programme()
    assert (p.budget, p.threshold_pct, p.policy, p.appeal_days, p.appeal_decision_days) == (
        Decimal("120000000.00"), 55, "skip", 14, 30)
    assert p.evaluation_deadline == datetime(2021, 1, 15, 15, 0, tzinfo=UTC)  # 16:00 in Warsaw, winter
    assert p.reminder_offsets == "7,3,1" and p.hide_scores_until == "announcement"
    [changes] = settings_events()
    assert changes["budget"] == {"old": "100000000.00", "new": "120000000.00"}
    assert changes["threshold_pct"] == {"old": 60, "new": 55}
    assert changes["policy"] == {"old": "strict", "new": "skip"}
    assert changes["appeal_days"] == {"old": None, "new": 14}
    assert changes["reminder_offsets"] == {"old": "14,7,3,1", "new": "7,3,1"}
    assert "winners_cap" not in changes  # unchanged settings are not recorded
    page = html(browser.get(URL))
    assert "Zapisano ustawienia programu (zmienione: 8)." in page
    history = page.split('id="history-h"', 1)[1]
    assert "Budżet programu (zł)" in history and "100000000.00" in history and "120000000.00" in history

    with count_queries(db.engine) as counted:
        browser.get(URL)
    assert counted.count == 4, counted  # as many with a history of changes as without
    again = browser.post(URL, form_of(html(browser.get(URL))))
    assert again.status_code == 302 and len(settings_events()) == 1  # nothing changed, nothing recorded


@pytest.mark.parametrize(("field", "value", "message"), [
    ("threshold_pct", "120", "Próg musi być liczbą całkowitą od 0 do 100."),
    ("evaluators_per_application", "0", "Liczba oceniających musi być liczbą całkowitą od 1 do 5."),
    ("reminder_offsets", "7, jutro", "Wpisz liczby dni od 1 do 365 oddzielone przecinkami"),
    ("budget", "dużo", "To nie jest kwota w złotych."),
    ("policy", "strict-ish", "Wybierz zasadę z listy."),
    ("evaluation_deadline", "15.01.2021", "Podaj datę i godzinę w formacie RRRR-MM-DD GG:MM."),
])
def test_bad_input_is_refused_on_the_same_page_and_kept(built, login, field, value, message):
    browser = login("coordinator@example.pl")
    data = form_of(html(browser.get(URL)))
    data[field] = value
    response = browser.post(URL, data)
    page = html(response)
    assert response.status_code == 422
    error = re.search(rf'<p class="error" id="{field}-error">(.*?)</p>', page, re.S)
    assert error and message in error.group(1)
    assert value in page or field == "policy"
    assert settings_events() == []


def approve_a_ranking() -> RankingSnapshot:
    coordinator = db.session.scalar(sa.select(ranking_runs.User).where(
        ranking_runs.User.email == "coordinator@example.pl"))
    preview = ranking_runs.run(programme(), coordinator)
    return ranking_runs.approve(preview, coordinator)


def test_the_ranking_settings_are_locked_once_a_ranking_is_approved(built, login):
    official = approve_a_ranking()
    browser = login("coordinator@example.pl")
    page = html(browser.get(URL))
    assert f"Ranking tego programu został zatwierdzony (ranking #{official.id})" in page
    assert re.search(r'<input[^>]*id="budget"[^>]*readonly', page)
    data = form_of(page)
    for field, value in (("budget", "1 000,00"), ("winners_cap", "5"), ("threshold_pct", "50"),
                         ("policy", "skip"), ("evaluators_per_application", "3"), ("discrepancy_pct", "20")):
        response = browser.post(URL, {**data, field: value})
        refused = html(response)
        assert response.status_code == 409, field
        assert f"Ranking tego programu został już zatwierdzony (ranking #{official.id}), więc" in refused
        assert re.search(rf'id="{field}-error">\s*Nie można zmienić – ranking jest już zatwierdzony', refused)
    p = programme()
    assert (p.budget, p.winners_cap, p.threshold_pct, p.policy) == (Decimal("100000000.00"), 2, 60, "strict")
    assert settings_events() == []
    # what the ranking does not depend on may still change
    response = browser.post(URL, {**data, "appeal_days": "7", "reminder_offsets": "3"})
    assert response.status_code == 302 and programme().appeal_days == 7
    assert settings_events() == [{"appeal_days": {"old": None, "new": 7},
                                  "reminder_offsets": {"old": "14,7,3,1", "new": "3"}}]


# --- the evaluation deadline, enforced ------------------------------------------------------------

@pytest.fixture
def ev(world):
    path = world.path("a")
    path.state = "evaluation"
    db.session.commit()
    second = make_user("evaluator-2@example.pl", "evaluator")
    db.session.commit()
    first = assign(path.id, world.users["evaluator"], declaration="impartial")
    assign(path.id, second, declaration="impartial")
    parts = criteria.ensure_sheet(world.programme)
    return world, first, {c.id: ScoreInput(c.max_points, GOOD) for p in parts for c in p.criteria}


def test_a_sheet_cannot_be_submitted_after_the_evaluation_deadline(ev):
    world, assignment, values = ev
    world.programme.evaluation_deadline = datetime(2026, 3, 1, 11, 0, tzinfo=UTC)
    db.session.commit()
    sheet = sheets.get_or_create_draft(assignment)
    after = datetime(2026, 3, 1, 11, 0, 1, tzinfo=UTC)
    with pytest.raises(sheets.SheetRefused) as refused:
        sheets.save(sheet, values, True, sheet.version, now=after)
    assert in_language(refused.value.reason, "pl").startswith(
        "Termin oceny w tym programie minął 2026-03-01 12:00, więc karty nie można już złożyć.")
    assert refused.value.status == 409
    draft = sheets.save(sheet, values, False, sheet.version, now=after)  # a draft may still be saved
    assert draft.status == "draft"
    done = sheets.save(draft, values, True, draft.version, now=after - timedelta(seconds=2))
    assert done.status == "submitted"


def test_the_evaluator_is_told_on_the_sheet_page(ev, login):
    world, assignment, values = ev
    world.programme.evaluation_deadline = datetime.now(UTC) - timedelta(hours=1)
    db.session.commit()
    browser = login("evaluator@example.pl")
    url = f"/evaluator/applications/{assignment.path_id}/sheet"
    page = html(browser.get(url))
    assert "Termin oceny minął" in page and "karty nie można już złożyć, ale szkic możesz zapisać" in page
    data = {f"points_{cid}": str(v.points) for cid, v in values.items()}
    data.update({f"justification_{cid}": v.justification for cid, v in values.items()})
    version = re.search(r'name="version"[^>]*value="(\d+)"|value="(\d+)"[^>]*name="version"', page)
    response = browser.post(url, {**data, "version": version.group(1) or version.group(2),
                                  "submit_sheet": "x", "confirm": "y"})
    assert response.status_code == 409
    assert "Termin oceny w tym programie minął" in html(response)
    db.session.expire_all()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(sheets.ScoreSheet)
                             .where(sheets.ScoreSheet.status == "submitted")) == 0
