"""The coordinator's ranking pages as people use them: settings and a what-if preview,
bad input kept on the page, the snapshot table, approval, the announcement with its
confirmation, comparison, the downloads, and nobody else getting in (404)."""

from __future__ import annotations

import csv
import io
import json
import re

import pytest
import sqlalchemy as sa
from factories.ranking import TOWNS, TownSpec, add_town, build
from openpyxl import load_workbook

from workflow.extensions import db
from workflow.models import Notification, Path, RankingSnapshot
from workflow.ranking import runs as ranking_runs

BASE = "/coordinator/ranking/"
INDEX = BASE + "?programme=RL-RANK"
RUN = BASE + "run?programme=RL-RANK"


@pytest.fixture
def built(world):
    """The world's people (coordinator, towns A and B, advisors, an evaluator) and a
    ranking programme RL-RANK of five towns, plus a town whose name looks like a formula."""
    b = build()
    add_town(b, TownSpec("=SUMA(1;2)", "5000000.00", ((66, 72), (66, 72))), 9)
    db.session.commit()
    return b


def html(response) -> str:  # noqa: ANN001
    return response.get_data(as_text=True)


def latest_snapshot() -> RankingSnapshot:
    db.session.expire_all()
    return db.session.scalar(sa.select(RankingSnapshot).order_by(RankingSnapshot.id.desc()).limit(1))


def snapshot_count() -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(RankingSnapshot))


def download(browser, url: str):  # noqa: ANN001, ANN201
    with browser.app.app_context():
        return browser.client.get(url)


def rows_of(page: str) -> list[tuple[str, str, str]]:
    """(rank, town, outcome) of each row of the ranking table, as shown."""
    table = page.split('class="table ranking"', 1)[1].split("</table>", 1)[0]
    out = []
    for row in re.findall(r"<tr data-outcome=.*?</tr>", table, re.S):
        cells = re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", row, re.S)
        out.append((cells[0], cells[1], cells[-3]))
    return out


def run_preview(browser, **data: str):  # noqa: ANN001, ANN201
    form = {"cap": "2", "budget": "100 000 000,00", "threshold": "60", "policy": "strict", **data}
    return browser.post(RUN, form)


def test_the_coordinator_sees_the_settings_and_a_prefilled_what_if_form(built, login):
    page = html(login("coordinator@example.pl").get(INDEX))
    assert "Ustawienia programu" in page and "PRL (maks. 110 pkt)" in page
    assert 'name="cap" type="text" value="2"' in page
    assert 'value="100\xa0000\xa0000,00"' in page
    assert "Nie uruchomiono jeszcze żadnego rankingu." in page


def test_a_preview_runs_and_its_page_shows_the_ranking(built, login):
    browser = login("coordinator@example.pl")
    response = run_preview(browser)
    snap = latest_snapshot()
    assert response.status_code == 302 and response.headers["Location"].endswith(f"{BASE}{snap.id}")
    assert (snap.kind, snap.status) == ("preview", "done")
    page = html(browser.get(f"{BASE}{snap.id}"))
    assert rows_of(page) == [("1", "Ostrzeszów", "dofinansowanie"), ("2", "Wałcz", "dofinansowanie"),
                             ("3", "Łobez", "lista rezerwowa"), ("4", "=SUMA(1;2)", "lista rezerwowa"),
                             ("–", "Żnin", "niespełnione warunki"), ("–", "Ćmielów", "niespełnione warunki")]
    assert '<dd id="awarded-count">2</dd>' in page
    assert '<dd id="awarded-sum">68\xa0000\xa0000,00\xa0zł</dd>' in page
    assert "negatywna ocena formalna" in page and "PRL poniżej progu: 61 z 110 pkt" in page
    assert "<td class=\"num\">90,5</td>" in page and "<td class=\"num\">186,5</td>" in page
    # every sheet, line by line; the evaluator named as on the evaluation pages (by name)
    assert "oceniajacy0: PRL 91, PRI 97, razem 188" in page
    listing = html(browser.get(INDEX))
    assert f">#{snap.id}</a>" in listing and "podgląd" in listing and "gotowy" in listing


def test_what_if_settings_change_the_result_but_not_the_programme(built, login):
    browser = login("coordinator@example.pl")
    run_preview(browser, cap="", budget="", threshold="50", policy="skip")
    snap = latest_snapshot()
    assert snap.settings["cap"] is None and snap.settings["threshold"] == 50
    assert [a["outcome"] for a in snap.result["applications"]].count("awarded") == 5
    db.session.expire_all()
    assert built.path("Ostrzeszów").programme.winners_cap == 2


@pytest.mark.parametrize(("data", "field", "message"), [
    ({"cap": "-1"}, "cap", "Limit musi być liczbą całkowitą od 0 do 100 000."),
    ({"budget": "abc"}, "budget", "To nie jest kwota w złotych."),
    ({"threshold": "120"}, "threshold", "Próg musi być liczbą całkowitą od 0 do 100."),
    ({"policy": "x"}, "policy", "Wybierz zasadę z listy."),
])
def test_bad_settings_are_refused_next_to_the_field_and_kept(built, login, data, field, message):
    browser = login("coordinator@example.pl")
    response = run_preview(browser, **data)
    page = html(response)
    assert response.status_code == 400
    error = re.search(rf'<p class="error" id="{field}-error">(.*?)</p>', page, re.S)
    assert error and message in error.group(1)
    assert f'href="#{field}"' in page  # the error summary links to the field
    value = data[field]
    if field == "policy":
        assert f'<option selected value="{value}">' in page
    else:
        assert f'value="{value}"' in page
    assert snapshot_count() == 0


def test_every_bad_value_at_once_gets_its_own_message(built, login):
    response = run_preview(login("coordinator@example.pl"), cap="-1", budget="abc", threshold="120",
                           policy="x")
    page = html(response)
    assert response.status_code == 400
    assert all(f'id="{f}-error"' in page for f in ("cap", "budget", "threshold", "policy"))


def test_a_queued_snapshot_shows_that_it_is_in_progress(built, login):
    snap = ranking_runs.queue_run(built.programme, built.coordinator)
    page = html(login("coordinator@example.pl").get(f"{BASE}{snap.id}"))
    assert "w kolejce" in page and "Ranking jest w toku" in page
    assert "Lista rankingowa" not in page


def test_approve_and_announce_with_a_confirmation_step(built, login):
    browser = login("coordinator@example.pl")
    run_preview(browser)
    preview = latest_snapshot()
    response = browser.post(f"{BASE}{preview.id}/approve", {})
    official = latest_snapshot()
    assert response.status_code == 302 and official.id != preview.id
    assert (official.kind, official.based_on_id) == ("official", preview.id)
    page = html(browser.get(f"{BASE}{official.id}"))
    assert "oficjalny" in page and "Ogłoś wyniki" in page

    confirm = browser.get(f"{BASE}{official.id}/announce")
    assert confirm.status_code == 200 and "Wyniki można ogłosić tylko raz." in html(confirm)
    # Before announcing: the message each town will get, as it will be sent.
    assert "Podgląd wiadomości" not in html(confirm).split("</title>")[0]  # in the page, not its title
    preview_part = html(confirm).split("Podgląd wiadomości do miast")[1]
    ostrzeszow = built.path("Ostrzeszów").id
    assert "Ostrzeszów" in preview_part and "Otrzymano dofinansowanie" in preview_part
    assert "Wynik miasta Ostrzeszów: Otrzymano dofinansowanie." in preview_part
    assert f"http://localhost/town/results/{ostrzeszow}" in preview_part
    assert preview_part.count("<tr>") == 1 + 5  # the header, and the five towns that move
    unconfirmed = browser.post(f"{BASE}{official.id}/announce", {})
    assert unconfirmed.status_code == 400
    assert "Zaznacz potwierdzenie, aby ogłosić wyniki." in html(unconfirmed)
    assert latest_snapshot().announced_at is None

    done = browser.post(f"{BASE}{official.id}/announce", {"confirm": "y"})
    assert done.status_code == 302
    db.session.expire_all()
    assert built.path("Ostrzeszów").state == "awarded" and built.path("Łobez").state == "reserve"
    assert "Wyniki zostały ogłoszone na podstawie tego rankingu." in html(browser.get(f"{BASE}{official.id}"))
    sent = db.session.scalar(sa.select(Notification).where(
        Notification.kind == "results_announced", Notification.link.endswith(f"/town/results/{ostrzeszow}")))
    assert sent.link in preview_part and sent.subject in preview_part  # what was previewed went out
    notes = db.session.scalar(sa.select(sa.func.count()).select_from(Notification)
                              .where(Notification.kind == "results_announced"))
    assert notes == 5  # one member per town that moved (Ćmielów was rejected at the formal check)

    again = browser.post(f"{BASE}{official.id}/announce", {"confirm": "y"})
    assert again.status_code == 409
    assert f"Wyniki programu zostały już ogłoszone (ranking #{official.id})." in html(again)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Notification)) == notes


def test_approval_is_refused_while_sheets_are_missing_and_names_the_town(built, login):
    add_town(built, TownSpec("Kolno", "10000000.00", ((75, 85),), drafts=1), 7)
    db.session.commit()
    browser = login("coordinator@example.pl")
    run_preview(browser)
    preview = latest_snapshot()
    kolno = next(a for a in preview.result["applications"] if a["town"] == "Kolno")
    assert kolno["reason"] == "brak wymaganych kart"
    response = browser.post(f"{BASE}{preview.id}/approve", {})
    assert response.status_code == 409
    assert "Brak wymaganych kart oceny: Kolno." in html(response)
    assert latest_snapshot().id == preview.id


def test_compare_two_snapshots(built, login):
    browser = login("coordinator@example.pl")
    run_preview(browser)
    a = latest_snapshot()
    run_preview(browser, cap="3")
    b = latest_snapshot()
    page = html(browser.get(f"{BASE}compare?programme=RL-RANK&a={a.id}&b={b.id}"))
    row = re.search(rf'<tr data-path="{built.paths["Łobez"].id}">(.*?)</tr>', page, re.S).group(1)
    assert "lista rezerwowa" in row and "dofinansowanie" in row and "wynik" in row
    same = re.search(rf'<tr data-path="{built.paths["Ostrzeszów"].id}">(.*?)</tr>', page, re.S).group(1)
    assert "bez zmian" in same
    bad = browser.get(f"{BASE}compare?programme=RL-RANK&a={a.id}&b={a.id}")
    assert bad.status_code == 400 and "Wybierz dwa różne rankingi." in html(bad)
    unknown = browser.get(f"{BASE}compare?programme=RL-RANK&a={a.id}&b=9999")
    assert unknown.status_code == 400 and "Wybierz ranking z listy." in html(unknown)


def test_downloads_json_csv_xlsx_and_360giving(app, built, login):
    browser = login("coordinator@example.pl")
    run_preview(browser, cap="15", budget="450000000")
    snap = latest_snapshot()
    document = json.loads(download(browser, f"{BASE}{snap.id}/ranking.json").get_data(as_text=True))
    cli = app.test_cli_runner().invoke(args=["rank", "RL-RANK", "--cap", "15", "--budget", "450000000",
                                             "--json"])
    assert cli.exit_code == 0 and json.loads(cli.output) == document

    response = download(browser, f"{BASE}{snap.id}/ranking.csv")
    assert response.mimetype == "text/csv"
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff")), delimiter=";"))
    assert rows[0][:6] == ["Miejsce", "Miasto", "Wnioskowana kwota (zł)", "PRL", "PRI", "Razem"]
    assert rows[1][:7] == ["1", "Ostrzeszów", "38000000,00", "90,5", "96,0", "186,5", "dofinansowanie"]
    assert ["'=SUMA(1;2)"] == [r[1] for r in rows if "SUMA" in r[1]]  # no formula
    assert len(rows) == 1 + len(TOWNS) + 1

    book = load_workbook(io.BytesIO(download(browser, f"{BASE}{snap.id}/ranking.xlsx").get_data()))
    sheet = book.active
    values = [[c.value for c in row] for row in sheet.iter_rows()]
    assert values[1][:3] == [1, "Ostrzeszów", 38000000]
    formula = next(c for row in sheet.iter_rows() for c in row if c.value == "=SUMA(1;2)")
    assert formula.data_type == "s"

    package = json.loads(download(browser, f"{BASE}{snap.id}/grants-360giving.json").get_data(as_text=True))
    awarded = [a for a in document["applications"] if a["outcome"] == "awarded"]
    assert len(package["grants"]) == len(awarded) == 4
    assert package["grants"][0]["id"] == f"PL-SCIEZKA-RL-RANK-{built.paths['Ostrzeszów'].id}"
    assert {g["currency"] for g in package["grants"]} == {"PLN"}


def test_unknown_snapshots_and_programmes_are_404(built, login):
    browser = login("coordinator@example.pl")
    assert browser.get(f"{BASE}9999").status_code == 404
    assert browser.get(f"{BASE}9999/ranking.json").status_code == 404
    assert browser.get(BASE + "?programme=NIE-MA").status_code == 404
    queued = ranking_runs.queue_run(built.programme, built.coordinator)
    assert browser.get(f"{BASE}{queued.id}/ranking.csv").status_code == 404  # nothing to download yet
    preview = ranking_runs.run(built.programme, built.coordinator)
    assert browser.get(f"{BASE}{preview.id}/announce").status_code == 404  # a preview is never announced
    assert browser.post(f"{BASE}{preview.id}/announce", {"confirm": "y"}).status_code == 404


@pytest.mark.parametrize("email", ["town-a@example.pl", "advisor-a@example.pl", "evaluator@example.pl"])
def test_nobody_but_the_coordinator_gets_in(built, login, email):
    snap = ranking_runs.run(built.programme, built.coordinator)
    browser = login(email)
    for url in (INDEX, f"{BASE}{snap.id}", f"{BASE}{snap.id}/ranking.json", f"{BASE}{snap.id}/ranking.xlsx",
                f"{BASE}{snap.id}/grants-360giving.json", f"{BASE}{snap.id}/announce",
                f"{BASE}compare?programme=RL-RANK&a={snap.id}&b={snap.id}"):
        assert browser.get(url).status_code == 404, url
    for url in (RUN, f"{BASE}{snap.id}/approve", f"{BASE}{snap.id}/announce"):
        assert browser.post(url, {"confirm": "y", "cap": "1", "threshold": "60", "policy": "strict"}
                            ).status_code == 404, url
    assert snapshot_count() == 1
    db.session.expire_all()
    assert {p.state for p in db.session.scalars(sa.select(Path).where(
        Path.programme_id == built.programme.id))} == {"evaluation", "rejected"}


def test_anonymous_visitors_are_sent_to_log_in(built, browser):
    response = browser.get(INDEX)
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_a_run_that_cannot_be_queued_is_shown_as_failed(built, login, monkeypatch):
    from workflow.ranking.views import ranking as ranking_views

    def broker_down(*args, **kwargs):  # noqa: ANN002, ANN003
        raise ConnectionError("redis is down")

    monkeypatch.setattr(ranking_views, "send_task", broker_down)
    browser = login("coordinator@example.pl")
    response = run_preview(browser)
    snap = latest_snapshot()
    assert response.status_code == 302 and snap.status == "failed"
    page = html(browser.get(f"{BASE}{snap.id}"))
    assert "nieudany" in page and "Nie udało się zlecić obliczenia rankingu." in page
