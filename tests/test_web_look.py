"""Issue 13 as a user meets it on every page: the layout's rules, the favicon, the footer
with the funder and the accessibility statement, the one programme picker, facts shown
right (sign-offs, the outbox, the announcement, money and numbers in the page's language),
the public results with the reserve list and its files, and spreadsheets for Polish offices.
The layout measured in a browser: tests/test_browser_look.py."""

from __future__ import annotations

import csv
import io
import json
import re
from decimal import Decimal
from pathlib import Path as FsPath

import pytest
import sqlalchemy as sa
from factories.messaging import tell
from factories.path import submit_diagnosis
from factories.ranking import build
from openpyxl import load_workbook
from support.querycount import count_queries
from support.smtp import SmtpCapture

from workflow import tabular
from workflow.extensions import db
from workflow.messaging import mail
from workflow.models import Path, RankingSnapshot
from workflow.path import transitions
from workflow.ranking import runs as ranking_runs
from workflow.web.templating import money, number

ROOT = FsPath(__file__).resolve().parent.parent
NBSP = "\xa0"


def page(response) -> str:  # noqa: ANN001
    assert response.status_code == 200, response.status_code
    return re.sub(r"\s+", " ", response.get_data(as_text=True).replace(NBSP, " ").replace("\u202f", " "))


def raw(browser, url: str):  # noqa: ANN001, ANN201
    """A file as bytes (Browser.get reads pages as text)."""
    with browser.app.app_context():
        return browser.client.get(url)


def english(browser):  # noqa: ANN001, ANN201
    browser.post("/language", {"lang": "en", "next": "/"})
    return browser


def announced(b) -> RankingSnapshot:  # noqa: ANN001
    official = ranking_runs.run(b.programme, b.coordinator, kind="official")
    return ranking_runs.announce(official, b.coordinator)


@pytest.fixture
def built(world):  # noqa: ANN001, ANN201
    """Two programmes: the world's RL-TEST and RL-RANK of five towns, ready to rank."""
    return build()


# --- the layout's rules (measured in tests/test_browser_look.py) ------------------------------------

def test_the_style_sheet_wraps_long_words_and_keeps_radios_beside_their_labels(browser):
    css = browser.get("/static/style.css").get_data(as_text=True)
    assert "overflow-wrap: anywhere" in css
    assert ".table-scroll { overflow-x: auto" in css
    # The rule that made every label a block is undone for radio buttons and checkboxes.
    assert ".field label { display: block" in css
    assert ".field li > label" in css and "display: inline; font-weight: normal" in css



def test_every_table_that_scrolls_sideways_is_drawn_by_the_one_macro():
    """A table's box that scrolls on a phone (.table-scroll) is written by macros.table_scroll
    only, so each one can be reached with the keyboard and is a named region (measured on the
    pages at 375 px in tests/test_browser_narrow.py); the focus ring is the site's :focus-visible."""
    for template in (ROOT / "templates").rglob("*.html"):
        if template.name != "macros.html":
            assert 'class="table-scroll' not in template.read_text(), template
    assert "\n:focus-visible { outline:" in (ROOT / "workflow" / "static" / "style.css").read_text()

def test_the_menu_is_a_disclosure_closed_on_a_phone_by_a_static_script(world, login):
    html = page(login("coordinator@example.pl").get("/coordinator/"))
    menu = html.split('<details class="menu" open>', 1)[1].split("</details>", 1)[0]
    assert "<summary>Menu</summary>" in menu
    assert menu.count("<li>") >= 12  # every one of the coordinator's links, inside the disclosure
    assert "Przegląd miast" in menu and "Użytkownicy" in menu
    assert '<script src="/static/menu.js"></script>' in html
    script = login("coordinator@example.pl").get("/static/menu.js").get_data(as_text=True)
    assert 'matchMedia("(max-width: 40rem)")' in script and 'removeAttribute("open")' in script


def test_every_page_links_the_favicons_and_the_footer_names_the_funder_and_the_statement(world, login,
                                                                                        browser):
    for response in (browser.get("/login"), browser.get("/public/results/"),
                     login("town-a@example.pl").get("/town/")):
        html = page(response)
        assert '<link rel="icon" href="/static/favicon.svg" type="image/svg+xml">' in html
        assert '<link rel="icon" href="/static/favicon-32.png" type="image/png" sizes="32x32">' in html
        footer = html.split('<footer class="site-footer wrap">', 1)[1]
        assert "Fundusze EOG i Fundusze norweskie" in footer
        assert '<a href="/accessibility">Deklaracja dostępności</a>' in footer
    svg = raw(browser, "/static/favicon.svg")
    assert svg.status_code == 200 and b"<svg" in svg.get_data()
    ico = raw(browser, "/favicon.ico")
    assert ico.status_code == 200 and ico.mimetype == "image/vnd.microsoft.icon"
    assert ico.get_data()[:4] == b"\x00\x00\x01\x00"  # an ICO file (with a PNG inside)
    png = raw(browser, "/static/favicon-32.png").get_data()
    assert png[:8] == b"\x89PNG\r\n\x1a\n"


def test_the_accessibility_statement_follows_the_official_template(browser, app):
    html = page(browser.get("/accessibility"))
    for id_ in ("a11y-wstep", "a11y-podmiot", "a11y-url", "a11y-data-publikacja", "a11y-data-aktualizacja",
                "a11y-status", "a11y-data-sporzadzenie", "a11y-ocena", "a11y-kontakt", "a11y-email",
                "a11y-procedura", "a11y-architektura", "a11y-aplikacje"):
        assert f'id="{id_}"' in html, id_
    assert "ustawą z dnia 4 kwietnia 2019 r. o dostępności cyfrowej" in html
    assert "częściowo zgodna" in html and "Rzecznika Praw Obywatelskich" in html
    assert app.config["ACCESSIBILITY_EMAIL"] in html
    en = page(english(browser).get("/accessibility"))
    assert "<h1" in en and "Accessibility statement" in en and "partially compliant" in en



def test_the_user_guide_is_a_page_of_the_site_with_its_source_to_download(browser):
    """/help/guide: the guide's Markdown drawn as a page (layout, language, title), each Polish
    and English part in its language, its own links and screenshots working, links to files the
    app does not serve left as text; the source itself downloads from the page."""
    response = raw(browser, "/help/guide")
    assert response.status_code == 200 and response.mimetype == "text/html"
    html = response.get_data(as_text=True)
    assert '<html lang="pl">' in html and "<title>Przewodnik użytkownika – Ścieżka</title>" in html
    assert html.count("<h1") == 1 and "<h1 id=\"ścieżka--przewodnik-użytkownika--user-guide\">" in html
    assert '<a href="#polski">Polski</a>' in html and '<a href="#english">English</a>' in html
    assert '<div lang="pl">\n<h2 id="polski">Polski</h2>' in html
    assert '<div lang="en">\n<h2 id="english">English</h2>' in html
    # a later chapter: its heading in both languages, then its Polish part and its English one
    assert '</div>\n<h2 id="powiadomienia--notifications">Powiadomienia / Notifications</h2>' in html
    assert '<div lang="pl">\n<h3 id="po-polsku">Po polsku</h3>' in html
    assert '</div>\n<div lang="en">\n<h3 id="in-english">In English</h3>' in html
    ids = re.findall(r' id="([^"]+)"', html)
    assert len(ids) == len(set(ids)), [i for i in ids if ids.count(i) > 1]
    assert "decyzję 0007" in html and 'href="decisions/' not in html and 'href="personal-data.md"' not in html
    shots = re.findall(r'<img src="(screenshots/[^"]+)"', html)
    assert "screenshots/town-pl.png" in shots and "screenshots/partnership-en.png" in shots
    for shot in shots:
        assert raw(browser, "/help/" + shot).status_code == 200, shot
    assert raw(browser, "/help/screenshots/..%2fuser-guide.md").status_code == 404
    assert 'href="/help/guide.md"' in html
    source = raw(browser, "/help/guide.md")
    assert source.status_code == 200 and source.mimetype == "text/markdown"
    assert source.headers["Content-Disposition"].startswith("attachment")
    assert source.get_data() == (ROOT / "docs" / "user-guide.md").read_bytes()
    english(browser)
    en = raw(browser, "/help/guide").get_data(as_text=True)
    assert '<html lang="en">' in en and "<title>User guide – Ścieżka</title>" in en

# --- one programme picker ---------------------------------------------------------------------------

@pytest.mark.parametrize("url", ["/coordinator/", "/coordinator/deadlines", "/coordinator/diagram",
                                 "/coordinator/evaluation/", "/coordinator/ranking/",
                                 "/coordinator/reports/consultations", "/coordinator/criteria/"])
def test_every_programme_page_of_the_coordinator_has_the_one_picker(built, login, url):
    coordinator = login("coordinator@example.pl")
    html = page(coordinator.get(url))
    assert html.count('id="programme-picker"') == 1, url
    assert '<option value="RL-TEST" selected>' in html and '<option value="RL-RANK">' in html
    other = page(coordinator.get(url + "?programme=RL-RANK"))
    assert '<option value="RL-RANK" selected>' in other


def test_the_public_statistics_have_the_picker_and_pages_without_a_programme_have_none(built, login,
                                                                                      browser):
    html = page(browser.get("/public/?programme=RL-RANK"))
    assert '<option value="RL-RANK" selected>' in html
    coordinator = login("coordinator@example.pl")
    for url in ("/coordinator/users/", "/coordinator/outbox", "/coordinator/audit/"):
        response = coordinator.get(url)
        if response.status_code == 200:
            assert 'id="programme-picker"' not in response.get_data(as_text=True), url


def test_the_picker_costs_no_query(built, login):
    """The programmes are read in the one query that chose the programme before."""
    coordinator = login("coordinator@example.pl")
    coordinator.get("/coordinator/deadlines")
    with count_queries(db.engine) as one:
        coordinator.get("/coordinator/deadlines?programme=RL-RANK")
    statements = [s for s in one.statements if "FROM programme" in s]
    assert len([s for s in statements if "programme.code =" in s]) == 0, one


# --- facts shown right ------------------------------------------------------------------------------

def test_the_advisors_sign_off_column_shows_a_plan_accepted_by_the_advisor(world, login):
    submit_diagnosis(world, login)
    db.session.expire_all()
    path = db.session.get(Path, world.paths["a"].id)
    transitions.fire(path, "accept_diagnosis", world.users["advisor_a"])
    for who, url in (("advisor-a@example.pl", f"/advisor/paths/{path.id}"), ("town-a@example.pl", "/town/")):
        html = page(login(who).get(url))
        docs = html.split('id="docs-h"', 1)[1].split("</table>", 1)[0]
        row = docs.split("diagnoza.pdf", 1)[1].split("</tr>", 1)[0]
        assert "zatwierdzony" in row, who


def test_the_outbox_tells_written_to_the_log_from_sent(world, login, app):
    tell(world, "advisor_a")
    mail.deliver_pending()  # no MAIL_SERVER: written to the log
    html = page(login("coordinator@example.pl").get("/coordinator/outbox"))
    assert "Nie skonfigurowano serwera poczty" in html
    assert 'zapisane w dzienniku, bez serwera poczty</th><td class="num">1</td>' in html
    assert 'wysłane</th><td class="num">0</td>' in html
    recent = html.split("Ostatnie wiadomości", 1)[1]
    assert "zapisana w dzienniku (brak serwera poczty)" in recent and "wysłana" not in recent

    saved = {k: app.config.get(k) for k in ("MAIL_SERVER", "MAIL_PORT")}
    with SmtpCapture() as smtp:
        app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=smtp.port)
        try:
            tell(world, "advisor_b")
            mail.deliver_pending()
            html = page(login("coordinator@example.pl").get("/coordinator/outbox"))
        finally:
            app.config.update(saved)
    assert len(smtp.received) == 1
    assert "Nie skonfigurowano serwera poczty" not in html
    assert 'wysłane</th><td class="num">1</td>' in html
    assert 'zapisane w dzienniku, bez serwera poczty</th><td class="num">1</td>' in html


def test_the_announce_form_is_not_offered_after_the_announcement(built, login):
    coordinator = login("coordinator@example.pl")
    official = ranking_runs.run(built.programme, built.coordinator, kind="official")
    before = page(coordinator.get(f"/coordinator/ranking/{official.id}/announce"))
    assert 'name="confirm"' in before
    ranking_runs.announce(official, built.coordinator)
    after = page(coordinator.get(f"/coordinator/ranking/{official.id}/announce"))
    assert 'name="confirm"' not in after
    assert '<form method="post" action="/coordinator/ranking/' not in after
    assert "Wyniki zostały ogłoszone na podstawie tego rankingu." in after


def test_money_and_numbers_follow_the_language(app):
    from flask_babel import force_locale  # noqa: PLC0415  (needs the app's request context)
    with app.test_request_context():
        with force_locale("en"):
            assert money(Decimal("332716000")) == "PLN\xa0332,716,000.00"
            assert (number(Decimal("93.5")), number(96), number(None)) == ("93.5", "96", "–")
        with force_locale("pl"):
            assert money(Decimal("332716000")) == "332\xa0716\xa0000,00\xa0zł"
            assert number(Decimal("93.50")) == "93,5"


def test_scores_and_money_on_one_page_all_follow_its_language(built, login):
    coordinator = login("coordinator@example.pl")
    snap = announced(built)
    pl = page(coordinator.get(f"/coordinator/ranking/{snap.id}"))
    en = page(english(coordinator).get(f"/coordinator/ranking/{snap.id}"))
    assert "38 000 000,00 zł" in pl and "PLN 38,000,000.00" in en
    assert "186,5" in pl and "186.5" not in pl  # Ostrzeszów's total: (91 + 97 + 90 + 95) / 2
    assert "186.5" in en and "186,5" not in en
    assert " zł" not in en.split("<main", 1)[1]


# --- the public results -----------------------------------------------------------------------------

def test_public_results_list_the_awarded_and_the_reserve_with_voivodeship_and_scores(built, browser):
    announced(built)
    html = page(browser.get("/public/results/"))
    reserve = html.split("Lista rezerwowa, w kolejności listy rankingowej", 1)[1].split("</table>", 1)[0]
    assert "Łobez" in reserve and "mazowieckie" in reserve and "20 000 000,00 zł" in reserve
    awarded = html.split("Miasta, które otrzymały dofinansowanie", 1)[1].split("</table>", 1)[0]
    assert "Ostrzeszów" in awarded and "Wałcz" in awarded and "Łobez" not in awarded
    assert "Część PRL (pkt)" in awarded and "Żnin" not in html
    for fmt in ("csv", "xlsx", "json"):
        assert f'href="/public/results/RL-RANK.{fmt}"' in html


def test_public_results_download_as_csv_xlsx_and_json(built, browser):
    announced(built)
    got = raw(browser, "/public/results/RL-RANK.csv")
    assert got.status_code == 200 and got.mimetype == "text/csv"
    text = got.get_data(as_text=True)
    assert text.startswith("\ufeff")
    rows = list(csv.reader(io.StringIO(text.lstrip("\ufeff")), delimiter=";"))
    assert rows[0] == ["Lista", "Miejsce", "Miasto", "Województwo", "Kwota (zł)", "PRL", "PRI", "Razem (pkt)"]
    assert rows[1][:5] == ["dofinansowanie", "1", "Ostrzeszów", "mazowieckie", "38000000,00"]
    assert [r[2] for r in rows[1:]] == ["Ostrzeszów", "Wałcz", "Łobez"]
    assert rows[3][0] == "lista rezerwowa"
    book = load_workbook(io.BytesIO(raw(browser, "/public/results/RL-RANK.xlsx").get_data()))
    sheet = book.active
    assert sheet.freeze_panes == "A2" and sheet.auto_filter.ref == "A1:H4"
    data = json.loads(raw(browser, "/public/results/RL-RANK.json").get_data(as_text=True))
    assert [a["town"] for a in data["awarded"]] == ["Ostrzeszów", "Wałcz"]
    assert [(r["town"], r["voivodeship"]) for r in data["reserve"]] == [("Łobez", "mazowieckie")]
    assert browser.get("/public/results/RL-TEST.csv").status_code == 404  # not announced
    assert browser.get("/public/results/NOPE.json").status_code == 404


# --- spreadsheets for Polish offices ----------------------------------------------------------------

def test_csv_in_polish_uses_semicolons_and_decimal_commas_and_in_english_commas_and_points():
    rows = [["Ostrzeszów", Decimal("93.5"), 1.25, 7, "=1+1"]]
    pl = "".join(tabular.csv_stream(["miasto", "a", "b", "c", "d"], rows, locale="pl"))
    en = "".join(tabular.csv_stream(["town", "a", "b", "c", "d"], rows, locale="en"))
    assert pl == "\ufeffmiasto;a;b;c;d\r\nOstrzeszów;93,5;1,25;7;'=1+1\r\n"
    assert en == "\ufefftown,a,b,c,d\r\nOstrzeszów,93.5,1.25,7,'=1+1\r\n"


def test_xlsx_freezes_the_header_and_filters_every_column():
    body = tabular.xlsx_bytes([("Arkusz", ["a", "b", "c"], [[1, 2, 3], [4, 5, 6]])])
    sheet = load_workbook(io.BytesIO(body))["Arkusz"]
    assert sheet.freeze_panes == "A2" and sheet.auto_filter.ref == "A1:C3"


def test_every_download_of_the_app_goes_through_tabular():
    """No CSV or XLSX is written anywhere else, so the rules above hold for every export."""
    writers = []
    for path in (ROOT / "workflow").rglob("*.py"):
        text = path.read_text(encoding="utf-8")
        if path.name != "tabular.py" and re.search(r"csv\.writer|Workbook\(", text):
            writers.append(str(path.relative_to(ROOT)))
    assert writers == []


def test_the_coordinators_ranking_csv_follows_the_language(built, login):
    coordinator = login("coordinator@example.pl")
    snap = announced(built)
    with coordinator.app.app_context():
        pl = coordinator.client.get(f"/coordinator/ranking/{snap.id}/ranking.csv").get_data(as_text=True)
    assert pl.splitlines()[0].startswith("\ufeffMiejsce;Miasto;")
    english(coordinator)
    with coordinator.app.app_context():
        en = coordinator.client.get(f"/coordinator/ranking/{snap.id}/ranking.csv").get_data(as_text=True)
    assert en.splitlines()[0].startswith("\ufeffRank,Town,")
    assert ",38000000.00," in en and ";38000000,00;" in pl


# --- the demo, the Makefile and the package ---------------------------------------------------------

def test_make_run_takes_a_port_and_make_reset_demo_resets_through_the_flask_command():
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    assert "PORT ?= 5000" in makefile and "--port $(PORT)" in makefile
    assert re.search(r"^reset-demo: install\n\t\$\(FLASK\) demo reset --yes$", makefile, re.M)
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert "make run PORT=5050" in readme and "make reset-demo" in readme
    assert "RL-2019" in readme and "fully scored" in readme and "on the path" in readme


def test_the_licence_is_an_spdx_string_with_its_file():
    pyproject = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    assert 'license = "LicenseRef-Proprietary"' in pyproject and 'license-files = ["LICENSE"]' in pyproject
    assert "setuptools>=77" in pyproject and (ROOT / "LICENSE").is_file()


def test_demo_reset_is_refused_in_production(app):
    runner = app.test_cli_runner()
    saved = app.config["APP_ENV"]
    app.config["APP_ENV"] = "production"
    try:
        with app.app_context():
            result = runner.invoke(args=["demo", "reset", "--yes"])
    finally:
        app.config["APP_ENV"] = saved
    assert result.exit_code != 0 and "production" in result.output
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Path)) == 0  # nothing seeded
