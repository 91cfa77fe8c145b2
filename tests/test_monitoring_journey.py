"""Issue 16's journey, in one test and through the pages only: city01 fills in the culture
questionnaire, is warned about an implausible value, explains it and submits; the analyst returns
one value and accepts the rest; the city corrects it; the analyst publishes the year; the value
appears on the public indicator page and in the API with where it came from; a later correction
shows its revision note on both. Before the publication nobody outside sees it."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from factories.accounts import as_user
from factories.questionnaire import Round, build_round
from support import Browser
from support.accounts import new_address

from workflow.extensions import db
from workflow.models import (
    MonitoringArea,
    Questionnaire,
    SourceKind,
    ValueSource,
    ValueStatus,
    Variable,
    VariableValue,
)
from workflow.monitoring import groups
from workflow.monitoring import questionnaire as qn

CULTURE = MonitoringArea.CULTURE_RECREATION
LOANS = "wypozyczenia_na_mieszkanca"
YEAR = 2024


@pytest.fixture
def rnd(ctx) -> Round:
    """Six cities; cities 2–6 have submitted; every city's population is in the base (the
    indicator is loans per resident), as a GUS import would leave it, and the system's groups."""
    out = build_round()
    questions = qn.items(CULTURE)
    for i, user in enumerate(out.cities[1:], start=2):
        q = qn.open_for(out.units[i - 1].id, YEAR, CULTURE)
        raw = (str(100000 + 1000 * i), str(20000 + 100 * i), str(1000000 + 10000 * i))
        typed = {it.variable_id: qn.Entry(r) for it, r in zip(questions, raw, strict=True)}
        assert qn.save(q, questions, typed, user, submit=True).ok
    source = ValueSource(kind=SourceKind.FILE, name="bdl.csv", sha256="cd" * 32)
    db.session.add(source)
    db.session.flush()
    for variable in ("ludnosc_przedprod", "ludnosc_prod", "ludnosc_poprod"):
        variable_id = db.session.scalar(sa.select(Variable.id).where(Variable.code == variable))
        db.session.add_all([VariableValue(variable_id=variable_id, year=YEAR, unit_id=u.id, value=10000.0,
                                          status=ValueStatus.FINAL, source_id=source.id) for u in out.units])
    db.session.commit()
    groups.ensure_standard()  # the system's groups, as `flask groups standard` leaves them
    return out


def text(response, status: int = 200) -> str:  # noqa: ANN001
    assert response.status_code == status, response.get_data(as_text=True)[:800]
    return response.get_data(as_text=True).replace("\u00a0", " ").replace("\u202f", " ")


def api_items(app) -> dict[str, dict]:  # noqa: ANN001
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = new_address()
    response = client.get(f"/api/v1/values?indicator={LOANS}&year={YEAR}")
    assert response.status_code == 200
    return {item["unit"]: item for item in response.get_json()["items"]}


def test_city01_s_value_from_the_questionnaire_to_the_public_page_and_the_api(app, rnd):
    city01, code = rnd.units[0], rnd.units[0].code
    ids = [i.variable_id for i in qn.items(CULTURE)]
    city = as_user(app, "city01@example.pl")
    opened = city.post("/town/questionnaires", {"year": str(YEAR), "area": "culture_recreation"})
    assert opened.status_code == 302
    url = opened.location.rstrip("/")
    q_id = int(url.rsplit("/", 1)[1])

    def answers(values: tuple[str, ...], comments: dict[int, str] | None = None) -> dict[str, str]:
        data = {f"value-{i}": v for i, v in zip(ids, values, strict=True)}
        data.update({f"comment-{i}": c for i, c in (comments or {}).items()})
        return {**data, "action": "submit"}

    # Nine times the group's loans: warned, kept as typed, not sent without a comment.
    warned = text(city.post(url, answers(("900000", "20400", "1040000"))), 400)
    assert "Wartość odbiega od grupy" in warned and 'value="900000"' in warned
    explained = city.post(url, answers(("900000", "20400", "1040000"), {ids[0]: "Nowa biblioteka."}))
    assert explained.status_code == 302
    assert "wysłana, czeka na ocenę" in text(city.get(url))

    analyst = as_user(app, "analityk@example.pl")
    review = f"/coordinator/questionnaires/{q_id}/answers"
    assert "Nowa biblioteka." in text(analyst.get(f"/coordinator/questionnaires/{q_id}"))
    assert analyst.post(f"{review}/{ids[0]}/review",
                        {"decision": "return", "note": "Sprawdź, czy to nie 104 500."}).status_code == 302
    for i in ids[1:]:
        assert analyst.post(f"{review}/{i}/review", {"decision": "accept"}).status_code == 302
    returned = text(city.get(url))
    assert "zwrócona do poprawy" in returned and "Sprawdź, czy to nie 104 500." in returned
    assert city.post(url, {f"value-{ids[0]}": "104500", "action": "submit"}).status_code == 302
    assert analyst.post(f"{review}/{ids[0]}/review", {"decision": "accept"}).status_code == 302

    # The other cities' questionnaires accepted; until the year is published, the public and the
    # API know nothing of the cities' values, and a delegate of the city cannot publish.
    for q in db.session.scalars(sa.select(Questionnaire).where(Questionnaire.id != q_id)):
        for i in ids:
            assert analyst.post(f"/coordinator/questionnaires/{q.id}/answers/{i}/review",
                                {"decision": "accept"}).status_code == 302
    provenance = f"/indicators/units/{code}/{LOANS}/{YEAR}"
    anyone = Browser(app)
    assert provenance not in text(anyone.get(f"/indicators/{LOANS}?year={YEAR}"))
    hidden = text(anyone.get(provenance))  # says the value exists, not what it is
    assert "jeszcze nieopublikowana" in hidden and "104 500" not in hidden and "104500" not in hidden
    assert code not in api_items(app)
    publish = {"year": str(YEAR), "area": "culture_recreation"}
    assert city.post("/coordinator/questionnaires/publish", publish).status_code in (403, 404)
    assert code not in api_items(app)

    assert analyst.post("/coordinator/questionnaires/publish", publish).status_code == 302
    page = text(anyone.get(f"/indicators/{LOANS}?year={YEAR}"))
    assert provenance in page and city01.name in page  # the value, linked to where it came from
    item = api_items(app)[code]
    assert item["status"] == "final" and "revision" not in item
    assert item["value"] == pytest.approx(104500 / 30000)  # loans per resident (scale 1)
    origin = text(anyone.get(provenance))
    assert "Skąd ta wartość" in origin and "ankieta miasta" in origin and "104 500" in origin
    assert "bdl.csv" in origin  # the population's file

    # A later correction: kept beside the old value, with the reason, on the page and in the API.
    why = "Biblioteka przysłała poprawione sprawozdanie K-03."
    corrected = analyst.post(f"{review}/{ids[0]}/correct", {"value": "105 000", "reason": why})
    assert corrected.status_code == 302
    page = text(anyone.get(f"/indicators/{LOANS}?year={YEAR}"))
    assert "revision-note" in page and why in page
    revision = api_items(app)[code]["revision"]
    assert (revision["previous_value"], revision["note"]) == (104500.0, why)
    assert revision["provenance"].endswith(provenance)
    origin = text(anyone.get(provenance))
    assert "poprawiona po publikacji" in origin and "Wcześniejsze wersje tej wartości" in origin
