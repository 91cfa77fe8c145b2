"""Data quality in the open (issue 16 items 3–4, decision 0039): a correction after publication
shows its revision note beside the value on the public pages; every value links to where it came
from; outliers against the group are flagged; a city comments on its own published values, the
analyst may hide a comment; fixed statements."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from factories.accounts import as_user
from factories.questionnaire import Round, build_round
from support import Browser
from support.querycount import count_queries

from workflow.extensions import db
from workflow.models import (
    MonitoringArea,
    SourceKind,
    ValueComment,
    ValueSource,
    ValueStatus,
    Variable,
    VariableValue,
)
from workflow.monitoring import cache, groups, quality
from workflow.monitoring import questionnaire as qn
from workflow.monitoring.definitions import current_version

CULTURE = MonitoringArea.CULTURE_RECREATION
LOANS = "wypozyczenia_na_mieszkanca"
WHY = "Biblioteka przysłała poprawione sprawozdanie K-03."


def published(rnd: Round, year: int = 2024) -> list[qn.Item]:
    """Every city of the round accepted, with its population, and the year published."""
    questions = qn.items(CULTURE)
    for n, (unit, user) in enumerate(zip(rnd.units, rnd.cities, strict=True), start=1):
        q = qn.open_for(unit.id, year, CULTURE)
        raw = (str(100000 + 1000 * n), str(20000 + 100 * n), str(1000000 + 10000 * n))
        typed = {i.variable_id: qn.Entry(r, "") for i, r in zip(questions, raw, strict=True)}
        assert qn.save(q, questions, typed, user, submit=True).ok
        for item in questions:
            qn.review(q, item.variable_id, accept=True, note="", user=rnd.analyst)
    source = ValueSource(kind=SourceKind.FILE, name="bdl.csv", sha256="ab" * 32)
    db.session.add(source)
    db.session.flush()
    for variable in ("ludnosc_przedprod", "ludnosc_prod", "ludnosc_poprod"):
        variable_id = db.session.scalar(sa.select(Variable.id).where(Variable.code == variable))
        db.session.add_all([VariableValue(variable_id=variable_id, year=year, unit_id=u.id, value=10000.0,
                                          status=ValueStatus.FINAL, source_id=source.id) for u in rnd.units])
    qn.publish(year, CULTURE, rnd.analyst)
    db.session.commit()
    groups.ensure_standard()
    return questions


@pytest.fixture
def rnd(ctx) -> Round:
    out = build_round()
    questions = published(out)
    q = qn.open_for(out.units[0].id, 2024, CULTURE)
    qn.correct(q, questions[0], "900000", WHY, out.analyst)  # nine times the group's: an outlier too
    db.session.commit()
    return out


def text(response, status: int = 200) -> str:  # noqa: ANN001
    assert response.status_code == status, response.get_data(as_text=True)[:800]
    return response.get_data(as_text=True).replace("\u00a0", " ").replace("\u202f", " ")


def value_url(rnd: Round, n: int = 0, year: int = 2024) -> str:
    return f"/indicators/units/{rnd.units[n].code}/{LOANS}/{year}"


def test_the_one_outlier_rule():
    spread = quality.Spread.of([100.0, 102.0, 98.0, 101.0, 99.0])  # median 100, MAD 1
    assert spread is not None and spread.deviations(103.0) is None and spread.deviations(104.0) == 4.0
    assert quality.Spread.of([1.0, 2.0, 900.0]) is None  # too few to compare
    assert quality.Spread.of([5.0] * 6) is None  # a MAD of 0


def test_a_correction_shows_its_note_beside_the_value_on_every_public_page(app, rnd):
    anyone = Browser(app)
    code = rnd.units[0].code
    for url in (f"/indicators/units/{code}?year=2024", f"/indicators/{LOANS}?year=2024",
                f"/indicators/compare?unit={code}&unit={rnd.units[1].code}&year=2024"):
        page = text(anyone.get(url))
        assert "revision-note" in page and WHY in page, url
        assert "poprzednio 101" in page, url  # the old value (101 000), in the page's language
        assert value_url(rnd) in page, url  # the value links to where it came from
    other = text(anyone.get(f"/indicators/units/{rnd.units[1].code}?year=2024"))
    assert WHY not in other  # another city's values were not corrected


def test_an_outlier_is_flagged_against_the_group(app, rnd):
    page = text(Browser(app).get(f"/indicators/{LOANS}?year=2024&group=test-round"))
    assert page.count("outlier-flag") == 1 and "Odstaje od grupy Runda testowa" in page
    profile = text(Browser(app).get(f"/indicators/units/{rnd.units[0].code}?year=2024"))
    assert "odstaje:" in profile


def test_the_provenance_page_says_where_each_input_came_from(app, rnd):
    page = text(Browser(app).get(value_url(rnd)))
    assert "Skąd ta wartość" in page and "poprawiona po publikacji" in page
    assert "ankieta miasta" in page and "korekta 2024 culture_recreation" in page  # the input's source
    assert "bdl.csv" in page and "abababababab" in page  # the population's file and its digest
    assert "Wcześniejsze wersje tej wartości" in page and WHY in page and "101 000" in page
    assert "analityk" not in page  # who corrected it is kept, but no person is named publicly
    assert text(Browser(app).get(value_url(rnd, year=2019)), 404)
    assert text(Browser(app).get(f"/indicators/units/{rnd.units[0].code}/nie_ma/2024"), 404)


def test_a_provisional_value_s_numbers_are_its_city_s_and_the_analyst_s(app, ctx):
    out = build_round()
    questions = qn.items(CULTURE)
    q = qn.open_for(out.units[0].id, 2024, CULTURE)
    raw = ("123457", "20400", "1040000")
    typed = {i.variable_id: qn.Entry(r) for i, r in zip(questions, raw, strict=True)}
    assert qn.save(q, questions, typed, out.cities[0], submit=True).ok
    for item in questions:
        qn.review(q, item.variable_id, accept=True, note="", user=out.analyst)
    db.session.commit()
    url = value_url(out)
    public = text(Browser(app).get(url))
    assert "123 457" not in public and "jeszcze nieopublikowana" in public
    assert "123 457" in text(as_user(app, "city01@example.pl").get(url))
    assert "123 457" not in text(as_user(app, "city02@example.pl").get(url))
    # Nor do the public pages and the API compute anything from it before publication.
    people = ValueSource(kind=SourceKind.FILE, name="bdl.csv")
    db.session.add(people)
    db.session.flush()
    for variable in ("ludnosc_przedprod", "ludnosc_prod", "ludnosc_poprod"):
        variable_id = db.session.scalar(sa.select(Variable.id).where(Variable.code == variable))
        db.session.add(VariableValue(variable_id=variable_id, year=2024, unit_id=out.units[0].id,
                                     value=10000.0, status=ValueStatus.FINAL, source_id=people.id))
    db.session.commit()
    groups.ensure_standard()
    per_resident = "4,1"  # 123 457 loans / 30 000 residents
    client = app.test_client()
    from support.accounts import new_address

    client.environ_base["REMOTE_ADDR"] = new_address()
    for page in (f"/indicators/{LOANS}?year=2024", f"/indicators/units/{out.units[0].code}?year=2024"):
        assert per_resident not in text(Browser(app).get(page)), page
    assert client.get(f"/api/v1/values?indicator={LOANS}").get_json()["items"] == []
    qn.publish(2024, CULTURE, out.analyst)
    db.session.commit()
    assert per_resident in text(Browser(app).get(f"/indicators/units/{out.units[0].code}?year=2024"))
    [item] = client.get(f"/api/v1/values?indicator={LOANS}").get_json()["items"]
    assert item["value"] == pytest.approx(123457 / 30000) and item["status"] == "final"


def test_a_city_comments_on_its_own_published_value_and_the_analyst_may_hide_it(app, rnd):
    city = as_user(app, "city01@example.pl")
    page = text(city.get(value_url(rnd)))
    assert 'name="body"' in page
    post = f"/town/values/{rnd.units[0].code}/{LOANS}/2024/comments"
    empty = text(city.post(post, {"body": "   "}), 400)
    assert "Napisz komentarz." in empty
    assert text(city.post(post, {"body": "x" * 2001}), 400).count("x" * 2001) == 1  # kept as typed
    assert city.post(post, {"body": "Otwarto nową bibliotekę główną."}).status_code == 302

    anyone = Browser(app)
    for url in (value_url(rnd), f"/indicators/{LOANS}?year=2024", f"/indicators/units/{rnd.units[0].code}"):
        assert "Komentarz miasta Ostrzeszów" in text(anyone.get(url)) or "Otwarto nową bibliotekę" in \
            text(anyone.get(url)), url
    assert 'name="body"' not in text(anyone.get(value_url(rnd)))  # only the unit's city writes

    # Another city, and anyone signed out, cannot comment on Ostrzeszów's value.
    other = as_user(app, "city02@example.pl")
    assert other.post(post, {"body": "Nieprawda."}).status_code == 404
    assert Browser(app).post(post, {"body": "Nieprawda."}).status_code == 302  # to the login page
    assert db.session.scalar(sa.select(sa.func.count()).select_from(ValueComment)) == 1

    analyst = as_user(app, "analityk@example.pl")
    comment_id = db.session.scalar(sa.select(ValueComment.id))
    hide = f"/coordinator/value-comments/{comment_id}/hide"
    assert "Napisz, dlaczego komentarz jest ukrywany." in text(analyst.post(hide, {"reason": ""}), 400)
    assert analyst.post(hide, {"reason": "Dane osobowe w treści."}).status_code == 302
    assert "Otwarto nową bibliotekę" not in text(Browser(app).get(value_url(rnd)))
    mine = text(city.get(value_url(rnd)))
    assert "Otwarto nową bibliotekę" in mine and "Dane osobowe w treści." in mine  # the city sees why
    assert city.post(hide, {"reason": "x"}).status_code == 404  # a city cannot moderate


def test_a_provisional_value_cannot_be_commented_on(app, ctx):
    out = build_round()
    questions = qn.items(CULTURE)
    q = qn.open_for(out.units[0].id, 2024, CULTURE)
    raw = ("104000", "20400", "1040000")
    typed = {i.variable_id: qn.Entry(r) for i, r in zip(questions, raw, strict=True)}
    assert qn.save(q, questions, typed, out.cities[0], submit=True).ok
    for item in questions:
        qn.review(q, item.variable_id, accept=True, note="", user=out.analyst)
    db.session.commit()
    city = as_user(app, "city01@example.pl")
    url = f"/town/values/{out.units[0].code}/{LOANS}/2024/comments"
    refused = text(city.post(url, {"body": "Uwaga"}), 409)
    assert "Komentować można tylko opublikowane wartości." in refused


def statements(app, url: str, browser: Browser | None = None) -> int:
    client = browser or Browser(app)
    client.get(url)
    with count_queries(db.engine) as log:
        assert client.get(url).status_code == 200, url
    return log.count


def test_the_provenance_page_issues_the_same_statements_whatever_the_history(app, rnd):
    few = statements(app, value_url(rnd))
    q = qn.open_for(rnd.units[0].id, 2024, CULTURE)
    item = qn.items(CULTURE)[0]
    for n in range(5):
        qn.correct(q, item, str(910000 + n), f"Korekta {n}.", rnd.analyst)
    db.session.add_all([ValueComment(unit_id=rnd.units[0].id, indicator_id=1, year=2024, body=f"k{n}")
                        for n in range(3)])
    db.session.commit()
    assert statements(app, value_url(rnd)) == few <= 10
    city = as_user(app, "city01@example.pl")
    assert statements(app, value_url(rnd), city) <= 10


def test_the_api_gives_a_corrected_value_its_revision_note(app, rnd):
    client = app.test_client()
    from support.accounts import new_address

    client.environ_base["REMOTE_ADDR"] = new_address()
    items = client.get(f"/api/v1/values?indicator={LOANS}&year=2024").get_json()["items"]
    corrected = {i["unit"]: i for i in items if i["status"] == "corrected"}
    assert set(corrected) == {rnd.units[0].code}
    revision = corrected[rnd.units[0].code]["revision"]
    assert (revision["variable"], revision["year"], revision["previous_value"], revision["note"]) == \
        ("kultura_wypozyczenia", 2024, 101000.0, WHY)
    assert revision["provenance"].endswith(value_url(rnd)) and revision["corrected_at"].endswith("Z")
    assert all("revision" not in i for i in items if i["status"] == "final")


def test_the_provenance_page_reads_in_english(app, rnd):
    browser = Browser(app)
    browser.post("/language", {"lang": "en", "next": "/indicators/"})
    page = text(browser.get(value_url(rnd)))
    assert "Where this value comes from" in page and "corrected after publication" in page
    assert "the city's questionnaire" in page and "Earlier versions of this value" in page
    assert "Corrected on" in text(browser.get(f"/indicators/units/{rnd.units[0].code}?year=2024"))


def test_the_kept_figures_give_way_to_a_publication_a_correction_and_a_comment(app, ctx):
    """The indicator pages keep their figures per data version (decision 0041): a year
    published, a value corrected after it and a city's comment or its hiding change what they
    show at once, not when the kept figures expire."""
    out = build_round()
    questions = qn.items(CULTURE)
    q = qn.open_for(out.units[0].id, 2024, CULTURE)
    raw = ("123457", "20400", "1040000")
    typed = {i.variable_id: qn.Entry(r) for i, r in zip(questions, raw, strict=True)}
    assert qn.save(q, questions, typed, out.cities[0], submit=True).ok
    for item in questions:
        qn.review(q, item.variable_id, accept=True, note="", user=out.analyst)
    people = ValueSource(kind=SourceKind.FILE, name="bdl.csv")
    db.session.add(people)
    db.session.flush()
    for variable in ("ludnosc_przedprod", "ludnosc_prod", "ludnosc_poprod"):
        variable_id = db.session.scalar(sa.select(Variable.id).where(Variable.code == variable))
        db.session.add(VariableValue(variable_id=variable_id, year=2024, unit_id=out.units[0].id,
                                     value=10000.0, status=ValueStatus.FINAL, source_id=people.id))
    db.session.commit()
    groups.ensure_standard()
    pages = (f"/indicators/{LOANS}?year=2024", f"/indicators/units/{out.units[0].code}?year=2024",
             f"/indicators/compare?unit={out.units[0].code}&unit={out.units[1].code}&year=2024")
    alike = f"/indicators/groups/similar?anchor={out.units[0].code}&year=2024&w-{LOANS}=1"  # kept too (0048)

    def shown() -> list[str]:
        return [text(Browser(app).get(page)) for page in pages]

    for page in pages:  # the second reading of a page is served from the kept figures
        client = Browser(app)
        client.get(page)
        cache.clear()
        with count_queries(db.engine) as computed:
            client.get(page)
        with count_queries(db.engine) as kept:
            client.get(page)
        assert kept.count < computed.count, page
    assert all("4,1" not in page for page in shown())  # provisional: not public, and now kept
    assert "4,1" not in text(Browser(app).get(alike), 400)  # no public value to compare

    group = f"/indicators/groups/powiat-{out.units[0].code[:4]}?year=2024"  # its figures and table kept too
    Browser(app).get(group)
    assert "4,1" not in text(Browser(app).get(group))

    qn.publish(2024, CULTURE, out.analyst)  # one UPDATE of the statuses, no new source of values
    db.session.commit()
    assert all("4,1" in page for page in shown())  # 123 457 loans / 30 000 residents
    assert "4,1" in text(Browser(app).get(group))
    assert "4,1" in text(Browser(app).get(alike)) and "4,1" in text(Browser(app).get(alike))  # kept

    qn.correct(q, questions[0], "246914", WHY, out.analyst)
    db.session.commit()
    for page in shown():
        assert "8,2" in page and "4,1" not in page and WHY in page
    assert "8,2" in text(Browser(app).get(group)) and "4,1" not in text(Browser(app).get(group))
    assert "8,2" in text(Browser(app).get(alike)) and "4,1" not in text(Browser(app).get(alike))

    unit = out.units[0]
    version = current_version(LOANS)
    found = quality.provenance(unit, version, 2024, hidden=False)
    comment = quality.add_comment(unit, version.indicator, 2024, "Otwarto nową bibliotekę główną.",
                                  out.cities[0], found)
    db.session.commit()
    assert all("Otwarto nową bibliotekę" in page for page in shown())
    quality.hide_comment(comment, "Dane osobowe w treści.", out.analyst)
    db.session.commit()
    assert all("Otwarto nową bibliotekę" not in page for page in shown())
