"""Experience-exchange groups (issue 16 item 1): the moderator schedules a meeting, uploads its
minutes and records attendance; a delegate of a city of the group reads the group's analysis
(page and PDF) with the cities' provisional values and enters its city's satisfaction survey,
which becomes an indicator's value with a "survey" source; a city of another group, a delegate
trying the moderator's actions, and a moderator of another group are refused."""

from __future__ import annotations

import io
import re

import pytest
import sqlalchemy as sa
from factories.accounts import as_user
from factories.exchange import Groups, build_groups
from support.querycount import count_queries

from workflow.demo.parts import pdf_bytes
from workflow.extensions import db
from workflow.models import (
    ExchangeMeeting,
    MeetingAttendance,
    SatisfactionSurvey,
    SourceKind,
    User,
    ValueSource,
    ValueStatus,
    VariableValue,
)
from workflow.monitoring import exchange as ex
from workflow.monitoring import values
from workflow.path import store_check
from workflow.refusal import Refused


@pytest.fixture
def groups(ctx) -> Groups:
    return build_groups()


def text(response) -> str:  # noqa: ANN001
    return response.get_data(as_text=True)


def raw(app, browser, url: str):  # noqa: ANN001, ANN201
    """A file's response (Browser.get reads every answer as text)."""
    with app.app_context():
        return browser.client.get(url)


def test_the_journey_of_a_meeting_and_the_group_s_analysis(app, groups):
    moderator = as_user(app, "moderator01@example.pl")
    assert "Kultura A" in text(moderator.get("/exchange/groups"))
    assert "Kultura B" not in text(moderator.get("/exchange/groups"))
    a, b = groups.a.id, groups.b.id

    bad = moderator.post(
        f"/exchange/groups/{a}/meetings",
        {"date": "jutro", "place": "Ostrzeszów, ratusz", "agenda": "Wyniki ankiet"},
    )
    assert bad.status_code == 400
    assert "Podaj datę" in text(bad) and "Ostrzeszów, ratusz" in text(bad)  # what was typed stays
    made = moderator.post(
        f"/exchange/groups/{a}/meetings",
        {
            "date": "2025-03-12",
            "time": "11:00",
            "place": "Ostrzeszów, ratusz",
            "agenda": "Wyniki ankiet 2024",
        },
    )
    assert made.status_code == 302
    meeting_id = int(made.location.rsplit("/", 1)[1])
    url = f"/exchange/meetings/{meeting_id}"

    wrong = moderator.post(
        f"{url}/minutes/upload",
        {"file": (io.BytesIO(b"not a pdf"), "protokol.pdf")},
        content_type="multipart/form-data",
    )
    assert wrong.status_code == 400
    up = moderator.post(
        f"{url}/minutes/upload",
        {"file": (io.BytesIO(pdf_bytes("protokół")), "protokol-1.pdf")},
        content_type="multipart/form-data",
    )
    assert up.status_code == 302
    # The minutes are a file of the upload store that the store's check knows (not an orphan).
    minutes = db.session.scalar(sa.select(ExchangeMeeting.minutes_hash))
    assert minutes and all(f.content_hash != minutes for f in store_check.inspect().findings)
    delegates = [p.user_id for p in ex.delegates(groups.a)]
    assert (
        moderator.post(f"{url}/attendance", {"present": [str(i) for i in delegates[:3]]}).status_code == 302
    )
    assert (
        db.session.scalar(
            sa.select(sa.func.count())
            .select_from(MeetingAttendance)
            .where(MeetingAttendance.meeting_id == meeting_id, MeetingAttendance.present)
        )
        == 3
    )

    # A delegate of a city of the group: the meeting, its minutes, the analysis and its PDF.
    city = as_user(app, "city01@example.pl")
    page = text(city.get(url))
    assert "Wyniki ankiet 2024" in page and "protokol-1.pdf" in page and "obecny/a" in page
    assert raw(app, city, f"{url}/minutes").data.startswith(b"%PDF-")
    analysis = text(city.get(f"/exchange/groups/{a}/analysis"))
    assert "Wypożyczenia w bibliotekach publicznych na mieszkańca" in analysis
    assert "Łomża" in analysis and "Mediana grupy" in analysis and "Kutno" not in analysis
    assert "*" in analysis  # the values are provisional: the group reads them before publication
    pdf = raw(app, city, f"/exchange/groups/{a}/analysis.pdf")
    assert pdf.status_code == 200 and pdf.data.startswith(b"%PDF-")
    # ...but does not run the meeting: the moderator's actions are refused (403), nothing changed.
    assert (
        city.post(
            f"/exchange/groups/{a}/meetings", {"date": "2025-05-01", "place": "x", "agenda": "y"}
        ).status_code
        == 403
    )
    assert city.post(f"{url}/attendance", {"present": []}).status_code == 403
    assert db.session.scalar(sa.select(sa.func.count()).select_from(ExchangeMeeting)) == 1

    # Another group's delegate (Kutno, group B) and moderator find nothing of group A.
    other = as_user(app, "city06@example.pl")
    for path in (
        f"/exchange/groups/{a}",
        f"/exchange/groups/{a}/analysis",
        f"/exchange/groups/{a}/analysis.pdf",
        url,
        f"{url}/minutes",
    ):
        assert raw(app, other, path).status_code == 404, path
    assert "Kultura A" not in text(other.get("/exchange/groups"))
    assert "Ostrzeszów" not in text(other.get(f"/exchange/groups/{b}/analysis"))
    moderator_b = as_user(app, "moderator02@example.pl")
    assert moderator_b.get(url).status_code == 404
    assert moderator_b.post(f"/exchange/groups/{a}/meetings", {}).status_code == 404
    # A delegate cannot publish (the analyst's route answers a city 404).
    assert (
        city.post(
            "/coordinator/questionnaires/publish", {"year": "2024", "area": "culture_recreation"}
        ).status_code
        == 404
    )


def test_a_satisfaction_survey_becomes_an_indicator_s_value(app, groups):
    city = as_user(app, "city02@example.pl")
    a = groups.a.id
    bad = city.post(
        f"/town/exchange/groups/{a}/survey", {"year": "2024", "respondents": "200", "satisfied": "250"}
    )
    assert bad.status_code == 400 and "nie większa niż liczba odpowiadających" in text(bad)
    assert (
        city.post(
            f"/town/exchange/groups/{a}/survey", {"year": "2024", "respondents": "200", "satisfied": "150"}
        ).status_code
        == 302
    )
    code = groups.rnd.units[1].code
    assert values.indicator_values("zadowolenie_z_kultury", 2024, [code]) == {code: 75.0}
    assert values.indicator_values("zadowolenie_z_kultury", 2024, [code], public=True) == {}
    source = db.session.scalar(
        sa.select(ValueSource).join(SatisfactionSurvey, SatisfactionSurvey.source_id == ValueSource.id)
    )
    assert source.kind == SourceKind.SURVEY and source.summary["respondents"] == 200
    moderator = as_user(app, "moderator01@example.pl")
    # The moderator sees the result but does not enter it (a town's route: 404 for another role).
    page = text(moderator.get(f"/exchange/groups/{a}"))
    assert '<td class="num">75%</td>' in page
    assert (
        moderator.post(
            f"/town/exchange/groups/{a}/survey", {"year": "2024", "respondents": "1", "satisfied": "1"}
        ).status_code
        == 404
    )
    # Publication of the year of the area makes the survey's values final (public).
    assert ex.publish_surveys(2024, groups.a.area) == 2
    db.session.commit()
    assert values.indicator_values("zadowolenie_z_kultury", 2024, [code], public=True) == {code: 75.0}
    assert (
        db.session.scalar(
            sa.select(sa.func.count())
            .select_from(VariableValue)
            .where(VariableValue.status == ValueStatus.PROVISIONAL, VariableValue.source_id == source.id)
        )
        == 0
    )


def test_a_group_has_five_to_twelve_cities_and_a_moderator(groups):
    units = [u.id for u in groups.rnd.units]
    with pytest.raises(Refused):
        ex.create_group("za-mala", groups.a.area, 2026, "x", "x", units[:4], groups.moderator_a)
    with pytest.raises(Refused):
        ex.create_group("zly-moderator", groups.a.area, 2026, "x", "x", units[:5], groups.rnd.analyst)


def test_a_city_names_at_most_three_delegates_of_its_own_team(app, groups):
    city = as_user(app, "city03@example.pl")
    own = groups.rnd.cities[2].id
    other = groups.rnd.cities[3].id
    refused = city.post(f"/town/exchange/groups/{groups.a.id}/delegates", {"user": [str(own), str(other)]})
    assert refused.status_code == 400 and "zespołu miasta" in text(refused)
    assert (
        city.post(f"/town/exchange/groups/{groups.a.id}/delegates", {"user": [str(own)]}).status_code == 302
    )
    assert (
        city.post(f"/town/exchange/groups/{groups.b.id}/delegates", {"user": [str(own)]}).status_code == 404
    )


def test_the_pages_read_a_fixed_number_of_statements(app, groups):
    moderator = as_user(app, "moderator01@example.pl")
    made = moderator.post(
        f"/exchange/groups/{groups.a.id}/meetings",
        {"date": "2025-03-12", "place": "Sala", "agenda": "Program"},
    )
    meeting = made.location.rsplit("/", 1)[1]
    city = as_user(app, "city01@example.pl")
    pages = (
        ("groups", city, "/exchange/groups"),
        ("group", city, f"/exchange/groups/{groups.a.id}"),
        ("meeting", moderator, f"/exchange/meetings/{meeting}"),
        ("analysis", city, f"/exchange/groups/{groups.a.id}/analysis"),
    )

    def count() -> dict[str, int]:
        out = {}
        for who, browser, url in pages:
            with count_queries(db.engine) as log:
                assert browser.get(url).status_code == 200
            out[who] = log.count
        return out

    before = count()
    print("queries:", before)
    # The session and the user, the city's unit, then the page's own: at most ten.
    assert before == {"groups": 3, "group": 10, "meeting": 6, "analysis": 9}
    # More meetings, surveys and attendance: the same number of statements.
    for n in range(3):
        moderator.post(f"/exchange/groups/{groups.a.id}/meetings",
                       {"date": f"2025-0{n + 4}-12", "place": "Sala", "agenda": "Program"})
    for user_n, unit in zip(range(5), groups.rnd.units[:5], strict=True):
        ex.record_survey(groups.a, unit.id, 2024, 100 + user_n, 50, groups.rnd.analyst)
    db.session.commit()
    moderator.post(f"/exchange/meetings/{meeting}/attendance",
                   {"present": [str(p.user_id) for p in ex.delegates(groups.a)]})
    assert count() == before


def _field(page: str, field_id: str) -> str:
    """The control with `field_id` as written in the page."""
    found = re.search(rf'<(?:input|textarea|select)\b[^>]*\bid="{field_id}"[^>]*>', page)
    assert found, field_id
    return found.group(0)


def test_a_refused_form_shows_each_message_at_its_field_and_keeps_what_was_typed(app, groups):
    """The group's and the meeting's forms (WTForms, the `field` macro): the message next to the
    field, named by the control, in the summary at the top; 400; what was typed stays."""
    a = groups.a.id
    moderator = as_user(app, "moderator01@example.pl")
    bad = moderator.post(f"/exchange/groups/{a}/meetings",
                         {"date": "jutro", "time": "11:30", "place": "", "agenda": "Ankiety <2024>"})
    page = text(bad)
    assert bad.status_code == 400
    date = _field(page, "m-date")
    assert 'aria-invalid="true"' in date and 'aria-describedby="m-date-error"' in date
    assert 'value="jutro"' in date
    assert re.search(r'id="m-date-error">Podaj datę \(RRRR-MM-DD\) i godzinę \(GG:MM\) spotkania', page)
    assert 'href="#m-place">Miejsce: Podaj miejsce spotkania' in page  # the summary links to the field
    assert 'value="11:30"' in _field(page, "m-time") and "Ankiety &lt;2024&gt;</textarea>" in page
    assert "aria-invalid" not in _field(page, "m-agenda")

    made = moderator.post(f"/exchange/groups/{a}/meetings",
                          {"date": "2025-03-12", "time": "11:00", "place": "Ratusz", "agenda": "Ankiety"})
    url = made.location
    wrong = moderator.post(f"{url}/attendance", {"present": ["1", str(2**40)]})
    assert wrong.status_code == 400
    assert 'id="present-error">Formularz przesłał niepoprawny numer' in text(wrong)

    moderator_id = db.session.scalar(sa.select(User.id).where(User.email == "moderator01@example.pl"))
    db.session.get(User, moderator_id).locale = "en"
    db.session.commit()
    english = text(moderator.post(f"/exchange/groups/{a}/meetings", {"date": "", "place": "x",
                                                                     "agenda": "y"}))
    assert "Enter the meeting&#39;s date (YYYY-MM-DD) and time (HH:MM)." in english

    city = as_user(app, "city02@example.pl")
    survey = city.post(f"/town/exchange/groups/{a}/survey", {"year": "20x4", "respondents": "200",
                                                               "satisfied": "250"})
    page = text(survey)
    assert survey.status_code == 400
    assert 'value="20x4"' in _field(page, "s-year") and 'aria-invalid="true"' in _field(page, "s-year")
    satisfied = _field(page, "s-satisfied")
    assert 'aria-invalid="true"' in satisfied and 'value="250"' in satisfied
    assert "aria-invalid" not in _field(page, "s-respondents")
    stranger = db.session.scalar(sa.select(User.id).where(User.email == "city06@example.pl"))
    refused = city.post(f"/town/exchange/groups/{a}/delegates", {"user": [str(stranger)]})
    assert refused.status_code == 400
    assert 'id="d-user-error">Delegatami mogą być tylko osoby z zespołu miasta.' in text(refused)
