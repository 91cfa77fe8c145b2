"""Two experience-exchange groups of culture and recreation over a questionnaire round
(factories/questionnaire.py): group A of cities 1-5 (city01 … city05, each its own delegate)
moderated by moderator01; group B of city 6 and four more gminas (city06 its delegate),
moderated by moderator02. City 1 to 6 reported their culture values for 2024 (accepted,
provisional): the groups' analyses have numbers."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from factories.accounts import make_user
from factories.questionnaire import Round, build_round
from workflow.extensions import db
from workflow.models import (
    ExchangeDelegate,
    ExchangeGroup,
    MonitoringArea,
    TerritorialUnit,
    UnitKind,
    UnitLevel,
    User,
    VariableValue,
)
from workflow.monitoring import exchange as ex
from workflow.monitoring import questionnaire as qn

CULTURE = MonitoringArea.CULTURE_RECREATION


@dataclass
class Groups:
    rnd: Round
    a: ExchangeGroup
    b: ExchangeGroup
    moderator_a: User
    moderator_b: User


def population(unit_ids: list[int], year: int) -> None:
    """Each city's population in working, pre- and post-working age (the denominators)."""
    from workflow.models import SourceKind, ValueSource, ValueStatus, Variable

    source = ValueSource(kind=SourceKind.FILE, name="ludnosc-test.csv")
    db.session.add(source)
    db.session.flush()
    ids = {
        v.code: v.id
        for v in db.session.query(Variable).filter(
            Variable.code.in_(["ludnosc_przedprod", "ludnosc_prod", "ludnosc_poprod"])
        )
    }
    for n, unit_id in enumerate(unit_ids):
        for code, share in (("ludnosc_przedprod", 2000), ("ludnosc_prod", 6000), ("ludnosc_poprod", 2000)):
            db.session.add(
                VariableValue(
                    variable_id=ids[code],
                    year=year,
                    unit_id=unit_id,
                    value=float(share + 10 * n),
                    status=ValueStatus.FINAL,
                    source_id=source.id,
                )
            )


def build_groups() -> Groups:
    rnd = build_round()
    questions = qn.items(CULTURE)
    for i, (unit, user) in enumerate(zip(rnd.units, rnd.cities, strict=True), start=1):
        q = qn.open_for(unit.id, 2024, CULTURE)
        raw = (str(100000 + 1000 * i), str(20000 + 100 * i), str(1000000 + 10000 * i))
        assert qn.save(
            q,
            questions,
            {it.variable_id: qn.Entry(r) for it, r in zip(questions, raw, strict=True)},
            user,
            submit=True,
        ).ok
        for it in questions:
            qn.review(q, it.variable_id, True, "", rnd.analyst)
    extra = [
        TerritorialUnit(
            code=f"30020{i}1",
            level=UnitLevel.GMINA,
            kind=UnitKind.URBAN,
            name=f"Gmina-B{i}",
            parent=rnd.units[0].parent,
            register_date=date(2024, 1, 1),
        )
        for i in range(1, 5)
    ]
    db.session.add_all(extra)
    db.session.flush()
    population([u.id for u in rnd.units], 2024)
    moderator_a = make_user("moderator01@example.pl", "moderator")
    moderator_b = make_user("moderator02@example.pl", "moderator")
    db.session.flush()
    a = ex.create_group(
        "kultura-2025-a", CULTURE, 2025, "Kultura A", "Culture A", [u.id for u in rnd.units[:5]], moderator_a
    )
    b = ex.create_group(
        "kultura-2025-b",
        CULTURE,
        2025,
        "Kultura B",
        "Culture B",
        [rnd.units[5].id, *(u.id for u in extra)],
        moderator_b,
    )
    for n, (unit, user) in enumerate(zip(rnd.units, rnd.cities, strict=True)):
        db.session.add(ExchangeDelegate(group_id=(a if n < 5 else b).id, user_id=user.id, unit_id=unit.id))
    db.session.commit()
    return Groups(rnd, a, b, moderator_a, moderator_b)
