"""The cities' questionnaire (issue 16 item 2): generated from the indicator definitions,
checked for type, range and plausibility, submitted, and reviewed value by value."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from factories.questionnaire import Round, build_round

from workflow.extensions import db
from workflow.models import (
    AnswerReview,
    MonitoringArea,
    Questionnaire,
    QuestionnaireAnswer,
    QuestionnaireStatus,
    SourceKind,
    UnitGroup,
    UnitGroupMember,
    ValueRevision,
    ValueSource,
    ValueStatus,
    Variable,
    VariableValue,
)
from workflow.monitoring import questionnaire as qn
from workflow.monitoring import values
from workflow.refusal import Refused

CULTURE = MonitoringArea.CULTURE_RECREATION
CODES = ["kultura_wypozyczenia", "kultura_uczestnicy_imprez", "kultura_wydatki"]


@pytest.fixture
def rnd(ctx) -> Round:
    return build_round()


def entries(questions: list[qn.Item], *values: str,
            comments: dict[int, str] | None = None) -> dict[int, qn.Entry]:
    comments = comments or {}
    return {item.variable_id: qn.Entry(raw, comments.get(i, ""))
            for i, (item, raw) in enumerate(zip(questions, values, strict=True))}


def submitted_round(rnd: Round, year: int = 2024) -> list[qn.Item]:
    """Cities 2–6 submit ordinary values, so that city 1 has a group to be compared with."""
    questions = qn.items(CULTURE)
    for i, user in enumerate(rnd.cities[1:], start=2):
        q = qn.open_for(rnd.units[i - 1].id, year, CULTURE)
        out = qn.save(q, questions, entries(questions, str(100000 + 1000 * i), str(20000 + 100 * i),
                                            f"{1000000 + 10000 * i},50"), user, submit=True)
        assert out.ok and out.submitted, out
    db.session.commit()
    return questions


def test_the_questions_come_from_the_area_s_indicators(rnd):
    questions = qn.items(CULTURE)
    assert [q.code for q in questions] == CODES  # the population terms are not reported
    assert questions[0].integer and questions[0].minimum == 0 and questions[0].measure_unit == "szt."
    assert "K-03" in questions[0].definition("pl") and "K-03" in questions[0].definition("en")
    assert qn.items(MonitoringArea.FINANCE) == []  # finance comes from the BDL, nobody reports it


@pytest.mark.parametrize(("raw", "value", "error"), [
    ("1 234", 1234.0, None), ("1\u00a0234", 1234.0, None), ("", None, None),
    ("abc", None, "To nie jest liczba."), ("12,5", None, "Tu trzeba podać liczbę całkowitą."),
    ("-1", None, "Wartość nie może być mniejsza niż 0."),
    ("50000001", None, "Wartość nie może być większa niż 50000000."),
])
def test_a_number_is_read_or_refused_with_its_reason(rnd, raw, value, error):
    item = qn.items(CULTURE)[0]
    assert qn.parse(raw, item) == (value, error)


def test_plausibility_against_the_group_and_the_previous_year():
    group = [100.0, 102.0, 98.0, 101.0, 99.0]  # median 100, MAD 1
    assert qn.plausibility(103.0, None, group) == []
    far = qn.plausibility(104.0, None, group)
    assert [w["kind"] for w in far] == ["group"] and far[0]["deviations"] == 4.0
    assert qn.plausibility(500.0, None, group[:3]) == []  # too few cities to compare with
    assert qn.plausibility(130.0, 100.0, []) == []
    change = qn.plausibility(131.0, 100.0, [])
    assert change == [{"kind": "change", "previous": 100.0, "change_pct": 31.0}]
    assert qn.plausibility(60.0, 100.0, [], max_change_pct=50) == []
    assert qn.plausibility(5.0, 0.0, [])[0]["change_pct"] is None


def test_a_bad_value_saves_nothing_and_a_draft_keeps_what_is_valid(rnd):
    questions = qn.items(CULTURE)
    q = qn.open_for(rnd.units[0].id, 2024, CULTURE)
    out = qn.save(q, questions, entries(questions, "120000", "dużo", ""), rnd.cities[0], submit=False)
    assert out.errors == {questions[1].variable_id: "To nie jest liczba."}
    assert q.answers == []
    out = qn.save(q, questions, entries(questions, "120 000", "", ""), rnd.cities[0], submit=False)
    assert out.ok and not out.submitted
    assert [(a.raw, a.value) for a in q.answers] == [("120 000", 120000.0), ("", None), ("", None)]
    out = qn.save(q, questions, entries(questions, "120000", "", ""), rnd.cities[0], submit=True)
    assert set(out.errors) == {questions[1].variable_id, questions[2].variable_id}
    assert q.status == QuestionnaireStatus.DRAFT


def test_an_implausible_value_is_submitted_only_with_a_comment(rnd):
    questions = submitted_round(rnd)
    q = qn.open_for(rnd.units[0].id, 2024, CULTURE)
    typed = ("900000", "20500", "1025000")  # loans nine times the group's
    out = qn.save(q, questions, entries(questions, *typed), rnd.cities[0], submit=True)
    assert list(out.errors) == [questions[0].variable_id]
    assert "komentarzu" in out.errors[0 + questions[0].variable_id]
    assert out.warnings[questions[0].variable_id][0]["kind"] == "group"
    assert q.status == QuestionnaireStatus.DRAFT and q.answers == []
    out = qn.save(q, questions, entries(questions, *typed, comments={0: "Nowa biblioteka główna."}),
                  rnd.cities[0], submit=True)
    assert out.ok and q.status == QuestionnaireStatus.SUBMITTED
    assert q.answers[0].comment == "Nowa biblioteka główna." and q.answers[0].warnings[0]["kind"] == "group"
    refused = qn.save(q, questions, entries(questions, *typed), rnd.cities[0], submit=False)
    assert refused.general and q.answers[0].value == 900000.0


def test_the_group_is_the_city_s_peer_group_from_unit_group(rnd):
    """Cities outside the city's saved peer group are not its group, however many submitted;
    a peer's value already in the base counts without a questionnaire (decision 0039)."""
    questions = submitted_round(rnd)
    group = db.session.scalar(sa.select(UnitGroup).where(UnitGroup.code == "test-round"))
    db.session.execute(sa.delete(UnitGroupMember).where(
        UnitGroupMember.group_id == group.id, UnitGroupMember.unit_id.in_([u.id for u in rnd.units[3:]])))
    db.session.commit()
    q = qn.open_for(rnd.units[0].id, 2024, CULTURE)
    assert sorted(qn.peer_values(q)[questions[0].variable_id]) == [102000.0, 103000.0]  # cities 2 and 3
    out = qn.save(q, questions, entries(questions, "900000", "20500", "1025000"), rnd.cities[0], submit=False)
    assert out.warnings[questions[0].variable_id] == []  # two peers: too few to compare

    # Peers 4 and 5 back in the group, with values in the base (no questionnaire): compared again.
    source = ValueSource(kind=SourceKind.FILE, name="earlier.csv")
    db.session.add(source)
    db.session.flush()
    for n, unit in enumerate(rnd.units[3:5]):
        db.session.add(UnitGroupMember(group_id=group.id, unit_id=unit.id, position=10 + n))
        db.session.execute(sa.delete(QuestionnaireAnswer).where(QuestionnaireAnswer.questionnaire_id.in_(
            sa.select(Questionnaire.id).where(Questionnaire.unit_id == unit.id))))
        db.session.add(VariableValue(variable_id=questions[0].variable_id, year=2024, unit_id=unit.id,
                                     value=104000.0 + n, status=ValueStatus.FINAL, source_id=source.id))
    db.session.commit()
    assert sorted(qn.peer_values(q)[questions[0].variable_id]) == [102000.0, 103000.0, 104000.0, 104001.0]
    out = qn.save(q, questions, entries(questions, "900000", "20500", "1025000"), rnd.cities[0], submit=False)
    assert [w["kind"] for w in out.warnings[questions[0].variable_id]] == ["group"]


def test_a_change_from_the_previous_year_is_a_warning(rnd):
    questions = qn.items(CULTURE)
    source = ValueSource(kind=SourceKind.ENTRY, name="2023")
    db.session.add(source)
    db.session.flush()
    db.session.add(VariableValue(variable_id=questions[2].variable_id, year=2023, unit_id=rnd.units[0].id,
                                 value=1000000.0, status=ValueStatus.FINAL, source_id=source.id))
    q = qn.open_for(rnd.units[0].id, 2024, CULTURE)
    out = qn.save(q, questions, entries(questions, "1", "1", "1500000"), rnd.cities[0], submit=False)
    assert out.ok and out.warnings[questions[2].variable_id] == [
        {"kind": "change", "previous": 1000000.0, "change_pct": 50.0}]
    assert "50.0%" in qn.warning_text(out.warnings[questions[2].variable_id][0])


def test_the_analyst_returns_one_value_the_city_corrects_it_and_the_values_enter_the_base(rnd):
    questions = submitted_round(rnd)
    city, analyst = rnd.cities[0], rnd.analyst
    q = qn.open_for(rnd.units[0].id, 2024, CULTURE)
    assert qn.save(q, questions, entries(questions, "104000", "20400", "1040000"), city, submit=True).ok

    with pytest.raises(Refused) as refused:
        qn.review(q, questions[1].variable_id, accept=False, note=" ", user=analyst)
    assert refused.value.status == 400
    qn.review(q, questions[0].variable_id, accept=True, note="", user=analyst)
    qn.review(q, questions[1].variable_id, accept=False, note="Czy to nie dane za 2023?", user=analyst)
    assert q.status == QuestionnaireStatus.SUBMITTED  # one still pending
    qn.review(q, questions[2].variable_id, accept=True, note="", user=analyst)
    assert q.status == QuestionnaireStatus.RETURNED
    with pytest.raises(Refused):
        qn.review(q, questions[2].variable_id, accept=True, note="", user=analyst)

    # Only the returned answer can change; the accepted ones keep their values.
    out = qn.save(q, questions, entries(questions, "5", "20300", "7"), city, submit=True)
    assert out.ok and q.status == QuestionnaireStatus.SUBMITTED
    assert [a.value for a in q.answers] == [104000.0, 20300.0, 1040000.0]
    assert [a.review for a in q.answers] == [AnswerReview.ACCEPTED, AnswerReview.PENDING,
                                             AnswerReview.ACCEPTED]
    qn.review(q, questions[1].variable_id, accept=True, note="", user=analyst)
    assert q.status == QuestionnaireStatus.ACCEPTED
    db.session.commit()

    rows = db.session.execute(sa.select(Variable.code, VariableValue.value, VariableValue.status)
                              .join(Variable).where(VariableValue.unit_id == rnd.units[0].id)
                              .order_by(Variable.code)).all()
    assert rows == [("kultura_uczestnicy_imprez", 20300.0, ValueStatus.PROVISIONAL),
                    ("kultura_wydatki", 1040000.0, ValueStatus.PROVISIONAL),
                    ("kultura_wypozyczenia", 104000.0, ValueStatus.PROVISIONAL)]
    source = db.session.scalar(sa.select(ValueSource).where(ValueSource.kind == SourceKind.ENTRY))
    assert source.user_id == analyst.id and source.summary["questionnaire_id"] == q.id
    assert db.session.scalar(sa.select(sa.func.count()).select_from(ValueRevision)) == 0


def test_a_city_is_its_town_team_s_municipality(rnd):
    assert qn.city_unit_id(rnd.cities[0]) == rnd.units[0].id
    assert qn.city_unit_id(rnd.analyst) is None


# --- publication and corrections (item 3) -------------------------------------------------------

def accepted_round(rnd: Round, year: int = 2024) -> list[qn.Item]:
    """Every city of the round submitted and accepted."""
    questions = submitted_round(rnd, year)
    q = qn.open_for(rnd.units[0].id, year, CULTURE)
    typed = entries(questions, "104000", "20400", "1040000")
    assert qn.save(q, questions, typed, rnd.cities[0], submit=True).ok
    for unit in rnd.units:
        mine = qn.open_for(unit.id, year, CULTURE)
        for item in questions:
            qn.review(mine, item.variable_id, accept=True, note="", user=rnd.analyst)
    db.session.commit()
    return questions


def statuses(unit_id: int) -> list[ValueStatus]:
    """The statuses of the unit's reported values (the questionnaire's, not the BDL's)."""
    return list(db.session.scalars(sa.select(VariableValue.status).join(Variable)
                                   .where(VariableValue.unit_id == unit_id, Variable.reporting.is_not(None))
                                   .order_by(VariableValue.variable_id)))


def test_values_are_provisional_until_the_year_is_published(rnd):
    questions = submitted_round(rnd)
    q = qn.open_for(rnd.units[1].id, 2024, CULTURE)
    for item in questions:
        qn.review(q, item.variable_id, accept=True, note="", user=rnd.analyst)
    with pytest.raises(Refused) as refused:  # four cities still in review
        qn.publish(2024, CULTURE, rnd.analyst)
    assert refused.value.status == 409 and "4" in str(refused.value.reasons[0])
    for unit in rnd.units[2:]:
        mine = qn.open_for(unit.id, 2024, CULTURE)
        for item in questions:
            qn.review(mine, item.variable_id, accept=True, note="", user=rnd.analyst)
    assert statuses(rnd.units[1].id) == [ValueStatus.PROVISIONAL] * 3

    source = ValueSource(kind=SourceKind.FILE, name="bdl.csv")
    db.session.add(source)
    db.session.flush()
    for variable in ("ludnosc_przedprod", "ludnosc_prod", "ludnosc_poprod"):
        variable_id = db.session.scalar(sa.select(Variable.id).where(Variable.code == variable))
        db.session.add(VariableValue(variable_id=variable_id, year=2024, unit_id=rnd.units[1].id,
                                     value=10000.0, status=ValueStatus.FINAL, source_id=source.id))
    db.session.commit()
    code = rnd.units[1].code
    loans = "wypozyczenia_na_mieszkanca"
    assert values.indicator_values(loans, 2024, [code]) == {code: pytest.approx(102000 / 30000)}
    assert values.indicator_values(loans, 2024, [code], public=True) == {}

    # City 1 drafted nothing: publishing goes ahead without it.
    assert qn.publish(2024, CULTURE, rnd.analyst) == 5 * 3
    assert statuses(rnd.units[1].id) == [ValueStatus.FINAL] * 3
    assert values.indicator_values(loans, 2024, [code], public=True) == {code: pytest.approx(102000 / 30000)}
    with pytest.raises(Refused):
        qn.publish(2024, CULTURE, rnd.analyst)

    # A city accepted after publication enters as final.
    late = qn.open_for(rnd.units[0].id, 2024, CULTURE)
    assert qn.save(late, questions, entries(questions, "104000", "20400", "1040000"), rnd.cities[0],
                   submit=True).ok
    for item in questions:
        qn.review(late, item.variable_id, accept=True, note="", user=rnd.analyst)
    assert statuses(rnd.units[0].id) == [ValueStatus.FINAL] * 3


def test_a_correction_after_publication_keeps_the_old_value_who_when_and_why(rnd):
    questions = accepted_round(rnd)
    q = qn.open_for(rnd.units[0].id, 2024, CULTURE)
    with pytest.raises(Refused) as before:
        qn.correct(q, questions[0], "105000", "Błąd w K-03.", rnd.analyst)
    assert before.value.status == 409
    qn.publish(2024, CULTURE, rnd.analyst)
    with pytest.raises(Refused) as bad:
        qn.correct(q, questions[0], "abc", " ", rnd.analyst)
    assert set(bad.value.errors) == {"value", "reason"} and bad.value.status == 400
    qn.correct(q, questions[0], "105 000", "Biblioteka przysłała poprawione sprawozdanie K-03.", rnd.analyst)
    db.session.commit()

    current = db.session.get(VariableValue, (questions[0].variable_id, 2024, rnd.units[0].id))
    assert (current.value, current.status, current.revision) == (105000.0, ValueStatus.CORRECTED, 2)
    old = db.session.scalar(sa.select(ValueRevision))
    assert (old.value, old.status, old.revision) == (104000.0, ValueStatus.FINAL, 1)
    notes = qn.revision_notes([rnd.units[0].id], questions, 2024)
    note = notes[(rnd.units[0].id, questions[0].variable_id)]
    why = "Biblioteka przysłała poprawione sprawozdanie K-03."
    assert (note.previous, note.note, note.by) == (104000.0, why, "analityk")
    assert len(notes) == 1 and q.answers[0].value == 105000.0
