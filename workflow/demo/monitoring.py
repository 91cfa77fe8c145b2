"""The demo of the public-services monitoring, "Monitoring usług publicznych" (issue 15 item 8,
issue 16 item 7; docs/decisions/0038): the source document's 32 cities in experience-exchange
groups for culture and recreation, education and local social policy; their questionnaires for
two years; a meeting with minutes; a satisfaction survey; an improvement plan per city of one
group (decision 0042).

- Logins: moderator01 … moderator09 (one per group), city01 … city32 in the source's order
  (each city's team account), with city01-2, city01-3 … the city's two other delegates.
- The cities are the register's gminas (created here with their powiat and voivodeship when
  the indicator base is not loaded yet: `make run` loads it after the seed and brings them up to
  date), each a town applicant of its own led by the city's municipality (the RL-2020 town's
  municipality where there is one, so that the two programmes' teams stay apart).
- 2018: every questionnaire accepted and the year published (final values). 2019: in review:
  submitted questionnaires whose values raised plausibility warnings carry the city's comment, a
  returned value with the analyst's note, some questionnaires accepted (provisional values).
  Every value's source is named "Dane demonstracyjne …" with {"demo": true} in its summary; the
  reported variables have no public-statistics values, so the two never mix.

Deterministic (fixed figures and a seeded generator) and cheap: rows are written in bulk, not
through the questionnaire's pages; the warnings are the questionnaire's own rule
(questionnaire.plausibility) applied to the same figures.
"""

from __future__ import annotations

import csv
import io
import random
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import sqlalchemy as sa

from workflow.demo.parts import pdf_bytes
from workflow.extensions import db
from workflow.models import (
    AnswerReview,
    Applicant,
    ApplicantMember,
    ExchangeDelegate,
    ExchangeGroup,
    ImprovementPlan,
    MeetingAttendance,
    MonitoringArea,
    Municipality,
    PlanAction,
    PlanTarget,
    Questionnaire,
    QuestionnaireAnswer,
    QuestionnairePublication,
    QuestionnaireStatus,
    SourceKind,
    TerritorialUnit,
    UnitKind,
    UnitLevel,
    User,
    ValueSource,
    ValueStatus,
    VariableValue,
)
from workflow.monitoring import definitions, readings
from workflow.monitoring import exchange as ex
from workflow.monitoring import questionnaire as qn
from workflow.monitoring.groups import SEED_TOWNS

DOMAIN = "demo.sciezka.pl"
COHORT = 2020  # the source's second part of the project: culture, education, social policy
PUBLISHED, IN_REVIEW = 2018, 2019  # the BDL data (population) reach 2019
AREAS = (MonitoringArea.CULTURE_RECREATION, MonitoringArea.EDUCATION, MonitoringArea.SOCIAL_POLICY)
AREA_NAMES = {
    MonitoringArea.CULTURE_RECREATION: ("Kultura i rekreacja", "Culture and recreation", "kultura"),
    MonitoringArea.EDUCATION: ("Edukacja", "Education", "edukacja"),
    MonitoringArea.SOCIAL_POLICY: ("Lokalna polityka społeczna", "Local social policy", "polityka"),
}
GROUPS_PER_AREA = 3  # 32 cities: groups of 11, 11 and 10
DEMO = "Dane demonstracyjne"
# The source document's list, in its order, with the residents (thousands, about 2019) from
# which the demo's figures are scaled; the TERYT codes come from data/seed_towns.csv.
CITIES: tuple[tuple[str, int], ...] = (
    ("Będzin", 56),
    ("Bielsko-Biała", 171),
    ("Bydgoszcz", 348),
    ("Bytom", 166),
    ("Cieszyn", 35),
    ("Czeladź", 31),
    ("Częstochowa", 220),
    ("Dąbrowa Górnicza", 120),
    ("Gliwice", 179),
    ("Gdańsk", 471),
    ("Gdynia", 246),
    ("Jasło", 35),
    ("Jarocin", 46),
    ("Jaworzno", 91),
    ("Knurów", 38),
    ("Kozienice", 29),
    ("Kraków", 779),
    ("Krosno", 46),
    ("Kutno", 43),
    ("Legnica", 100),
    ("Lublin", 339),
    ("Mysłowice", 75),
    ("Płońsk", 22),
    ("Radom", 211),
    ("Rybnik", 138),
    ("Rzeszów", 196),
    ("Sochaczew", 36),
    ("Toruń", 201),
    ("Tychy", 127),
    ("Wyszków", 40),
    ("Zabrze", 172),
    ("Żory", 62),
)
# A reported variable's figure per resident: (low, high) of the 2018 value.
PER_RESIDENT = {
    "kultura_wypozyczenia": (2.5, 6.0),
    "kultura_uczestnicy_imprez": (0.8, 3.0),
    "kultura_wydatki": (150.0, 400.0),
    "edukacja_uczniowie": (0.08, 0.10),
    "edukacja_wydatki": (800.0, 1300.0),
    "pomoc_spoleczna_beneficjenci": (0.03, 0.07),
    "pomoc_spoleczna_wydatki": (400.0, 900.0),
}
# 2019: what happens to some cities' values (city number, variable, factor) and the answers.
JUMPS = (
    (3, "kultura_wypozyczenia", 1.6),
    (7, "edukacja_wydatki", 2.2),
    (12, "pomoc_spoleczna_beneficjenci", 0.5),
)
RETURNED = (5, MonitoringArea.SOCIAL_POLICY, "pomoc_spoleczna_wydatki")
ACCEPTED_2019 = range(20, 33)  # cities 20-32: their social-policy questionnaire accepted
COMMENT = "Wartość sprawdzona: wynika z wielkości miasta i zmian w organizacji usług (dane demonstracyjne)."
RETURN_NOTE = "Proszę sprawdzić: wydatki nie obejmują rozdziału 85219 (dane demonstracyjne)."


@dataclass(frozen=True)
class City:
    number: int
    name: str
    thousands: int
    code: str
    kind: UnitKind
    voivodeship: str
    powiat_code: str
    powiat_name: str
    city_powiat: bool


def cities() -> list[City]:
    """The 32 cities in the source's order, with their codes from data/seed_towns.csv."""
    with SEED_TOWNS.open(encoding="utf-8") as fh:
        rows = {r["name"].strip(): r for r in csv.DictReader(fh) if "services monitoring" in r["seed_list"]}
    out = []
    for n, (name, thousands) in enumerate(CITIES, start=1):
        r = rows[name]
        out.append(
            City(
                n,
                name,
                thousands,
                r["teryt7"].strip(),
                UnitKind.URBAN if r["gmina_kind"] == "miejska" else UnitKind.URBAN_RURAL,
                r["voivodeship"].strip(),
                r["powiat_teryt4"].strip(),
                r["powiat_name"].strip(),
                r["gminas_in_powiat"].strip() == "1",
            )
        )
    return out


def email(kind: str, n: int, k: int = 1) -> str:
    return f"{kind}{n:02d}{'' if k == 1 else f'-{k}'}@{DOMAIN}"


def logins() -> list[str]:
    return [
        f"moderatorzy / moderators:  {email('moderator', 1)} … "
        f"{email('moderator', GROUPS_PER_AREA * len(AREAS))}",
        f"miasta monitoringu / cities: {email('city', 1)} … {email('city', len(CITIES))}"
        f" (+ cityNN-2, cityNN-3)",
    ]


def _units(found: list[City]) -> dict[str, int]:
    """The cities' gminas, made with their powiat and voivodeship when the base has none."""
    codes = {c.code for c in found} | {c.powiat_code for c in found} | {c.code[:2] for c in found}
    have = {
        u.code: u
        for u in db.session.scalars(sa.select(TerritorialUnit).where(TerritorialUnit.code.in_(sorted(codes))))
    }
    register = date(2024, 1, 1)
    for c in found:
        voivodeship = have.get(c.code[:2])
        if voivodeship is None:
            voivodeship = have[c.code[:2]] = TerritorialUnit(
                code=c.code[:2],
                level=UnitLevel.VOIVODESHIP,
                kind=UnitKind.VOIVODESHIP,
                name=c.voivodeship.upper(),
                register_date=register,
            )
        powiat = have.get(c.powiat_code)
        if powiat is None:
            powiat = have[c.powiat_code] = TerritorialUnit(
                code=c.powiat_code,
                level=UnitLevel.POWIAT,
                kind=UnitKind.CITY_POWIAT if c.city_powiat else UnitKind.LAND_POWIAT,
                name=c.powiat_name,
                parent=voivodeship,
                register_date=register,
            )
        if c.code not in have:
            have[c.code] = TerritorialUnit(
                code=c.code,
                level=UnitLevel.GMINA,
                kind=c.kind,
                name=c.name,
                parent=powiat,
                register_date=register,
            )
    db.session.add_all(have.values())
    db.session.flush()
    return {c.code: have[c.code].id for c in found}


def _city_teams(found: list[City], unit_ids: dict[str, int], hashed: str) -> dict[int, list[User]]:
    """Each city a town applicant of its own for the monitoring (led by the city's municipality,
    the RL-2020 town's where there is one: the RL-2020 team keeps its path, the monitoring team
    sees none) with three accounts: cityNN and its two other delegates."""
    municipalities = {
        m.teryt: m
        for m in db.session.scalars(
            sa.select(Municipality).where(Municipality.teryt.in_([c.code for c in found]))
        )
    }
    teams: dict[int, list[User]] = {}
    for c in found:
        municipality = municipalities.get(c.code)
        if municipality is None:
            municipality = Municipality(name=c.name, voivodeship=c.voivodeship, teryt=c.code)
            db.session.add(municipality)
        if municipality.unit_id is None:
            municipality.unit_id = unit_ids[c.code]
        applicant = Applicant(kind="town", name=c.name, voivodeship=c.voivodeship)
        applicant.memberships.append(ApplicantMember(municipality=municipality, is_leader=True))
        db.session.add(applicant)
        teams[c.number] = [
            User(
                email=email("city", c.number, k),
                password_hash=hashed,
                role="town",
                applicant=applicant,
                name=(f"Zespół Miasta {c.name}" if k == 1 else f"Delegat {k} – {c.name}"),
            )
            for k in (1, 2, 3)
        ]
        db.session.add_all(teams[c.number])
    db.session.flush()
    return teams


def _groups(
    found: list[City], unit_ids: dict[str, int], teams: dict[int, list[User]], hashed: str
) -> dict[MonitoringArea, list[ExchangeGroup]]:
    moderators = [
        User(
            email=email("moderator", n),
            password_hash=hashed,
            role="moderator",
            name=f"Moderator Grup {n:02d}",
        )
        for n in range(1, GROUPS_PER_AREA * len(AREAS) + 1)
    ]
    db.session.add_all(moderators)
    db.session.flush()
    made: dict[MonitoringArea, list[ExchangeGroup]] = {}
    for a, area in enumerate(AREAS):
        pl, en, slug = AREA_NAMES[area]
        made[area] = []
        for k in range(GROUPS_PER_AREA):
            members = [c for c in found if (c.number - 1 + a) % GROUPS_PER_AREA == k]
            group = ex.create_group(
                f"{slug}-{COHORT}-{k + 1}",
                area,
                COHORT,
                f"{pl}: grupa {k + 1} ({COHORT})",
                f"{en}: group {k + 1} ({COHORT})",
                [unit_ids[c.code] for c in members],
                moderators[a * GROUPS_PER_AREA + k],
            )
            db.session.add_all(
                [
                    ExchangeDelegate(group_id=group.id, user_id=u.id, unit_id=unit_ids[c.code])
                    for c in members
                    for u in teams[c.number]
                ]
            )
            made[area].append(group)
    db.session.flush()
    return made


def _figures(found: list[City]) -> dict[tuple[int, str, int], float]:
    """(city number, variable, year) -> the reported figure; 2019 from 2018 with small changes
    and the JUMPS."""
    rng = random.Random(2018)  # noqa: S311  (demo figures, not security)
    out: dict[tuple[int, str, int], float] = {}
    jumps = {(n, v): f for n, v, f in JUMPS}
    for c in found:
        for code, (low, high) in PER_RESIDENT.items():
            residents = c.thousands * 1000
            base = residents * rng.uniform(low, high)
            if code == "edukacja_wydatki":  # per pupil: scaled by the pupils, not the residents
                base = out[(c.number, "edukacja_uczniowie", PUBLISHED)] * rng.uniform(9000, 13000)
            whole = not code.endswith("wydatki")
            first = round(base) if whole else round(base, 2)
            second = base * rng.uniform(0.95, 1.08) * jumps.get((c.number, code), 1.0)
            out[(c.number, code, PUBLISHED)] = float(first)
            out[(c.number, code, IN_REVIEW)] = float(round(second) if whole else round(second, 2))
    return out


def _raw(value: float) -> str:
    return str(int(value)) if value == int(value) else f"{value:.2f}".replace(".", ",")


def _questionnaires(found: list[City], unit_ids: dict[str, int], analyst: User, now: datetime) -> None:
    figures = _figures(found)
    answers: list[tuple[Questionnaire, dict[str, object]]] = []
    values: list[dict[str, object]] = []
    for area in AREAS:
        items = qn.items(area)
        sources = {}
        for year in (PUBLISHED, IN_REVIEW):
            source = ValueSource(
                kind=SourceKind.ENTRY,
                user_id=analyst.id,
                created_at=now,
                name=f"{DEMO}: ankieta miast {year}, {AREA_NAMES[area][0].lower()}",
                summary={"demo": True, "year": year, "area": area.value},
            )
            db.session.add(source)
            sources[year] = source
        db.session.flush()
        for year in (PUBLISHED, IN_REVIEW):
            for c in found:
                returned = year == IN_REVIEW and (c.number, area) == RETURNED[:2]
                accepted = year == PUBLISHED or (
                    area == MonitoringArea.SOCIAL_POLICY and c.number in ACCEPTED_2019
                )
                status = (
                    QuestionnaireStatus.ACCEPTED
                    if accepted and not returned
                    else QuestionnaireStatus.RETURNED
                    if returned
                    else QuestionnaireStatus.SUBMITTED
                )
                q = Questionnaire(
                    unit_id=unit_ids[c.code],
                    year=year,
                    area=area,
                    status=status,
                    created_at=now,
                    submitted_at=now,
                    submitted_by_id=None,
                )
                db.session.add(q)
                for item in items:
                    value = figures[(c.number, item.code, year)]
                    previous = figures[(c.number, item.code, PUBLISHED)] if year == IN_REVIEW else None
                    group = [figures[(o.number, item.code, year)] for o in found if o.number != c.number]
                    warnings = qn.plausibility(value, previous, group)
                    review = AnswerReview.ACCEPTED if accepted else AnswerReview.PENDING
                    note = None
                    if returned:
                        review = AnswerReview.RETURNED if item.code == RETURNED[2] else AnswerReview.ACCEPTED
                        note = RETURN_NOTE if review == AnswerReview.RETURNED else None
                    answers.append(
                        (
                            q,
                            {
                                "variable_id": item.variable_id,
                                "raw": _raw(value),
                                "value": value,
                                "warnings": warnings or None,
                                "comment": COMMENT if warnings else None,
                                "review": review.value,
                                "review_note": note,
                                "reviewed_at": now if review != AnswerReview.PENDING else None,
                                "reviewed_by_id": analyst.id if review != AnswerReview.PENDING else None,
                            },
                        )
                    )
                    if accepted:
                        values.append(
                            {
                                "variable_id": item.variable_id,
                                "year": year,
                                "unit_id": unit_ids[c.code],
                                "value": value,
                                "revision": 1,
                                "source_id": sources[year].id,
                                "status": (
                                    ValueStatus.FINAL if year == PUBLISHED else ValueStatus.PROVISIONAL
                                ).value,
                            }
                        )
        db.session.add(
            QuestionnairePublication(year=PUBLISHED, area=area, published_by_id=analyst.id, published_at=now)
        )
    # The questionnaires in one flush, then their answers and the accepted values in two
    # statements (executemany): the demo seed runs several times in every CI run.
    db.session.flush()
    db.session.execute(
        sa.insert(QuestionnaireAnswer), [{"questionnaire_id": q.id, **row} for q, row in answers]
    )
    db.session.execute(sa.insert(VariableValue), values)


def _meetings(group: ExchangeGroup, moderator: User, today: date) -> None:
    """A meeting held a month ago with its minutes and attendance, and the next one planned."""
    zone = ZoneInfo("Europe/Warsaw")
    held = ex.schedule(
        group,
        moderator,
        ex.MeetingInput(
            datetime.combine(today - timedelta(days=30), time(11, 0), tzinfo=zone),
            "Urząd Miasta Będzin, sala sesyjna",
            "1. Wyniki ankiety 2018 i wstępne dane 2019.\n2. Badanie zadowolenia mieszkańców.\n"
            "3. Dobre praktyki: biblioteka jako centrum lokalne.",
        ),
    )
    ex.store_minutes(
        held,
        group,
        moderator,
        "protokol-spotkania-1.pdf",
        io.BytesIO(pdf_bytes(f"Protokol spotkania grupy {group.code} (dane demonstracyjne)")),
    )
    people = ex.delegates(group)
    ex.set_attendance(held, group, moderator, [p.user_id for n, p in enumerate(people) if n % 3 != 2])
    ex.schedule(
        group,
        moderator,
        ex.MeetingInput(
            datetime.combine(today + timedelta(days=40), time(11, 0), tzinfo=zone),
            "Urząd Miasta Bytom",
            "1. Analiza wskaźników grupy za 2019.\n2. Plany doskonalenia usług.",
        ),
    )
    assert db.session.scalar(sa.select(sa.func.count()).select_from(MeetingAttendance)) > 0  # noqa: S101


def _surveys(groups: list[ExchangeGroup], analyst: User) -> None:
    """The satisfaction surveys of 2019 of a group's cities (provisional until publication)."""
    rng = random.Random(2019)  # noqa: S311  (demo figures)
    for group in groups:
        for c in ex.cities(group):
            respondents = rng.randrange(150, 600)
            ex.record_survey(
                group,
                c.unit_id,
                IN_REVIEW,
                respondents,
                round(respondents * rng.uniform(0.55, 0.85)),
                analyst,
                name=f"{DEMO}: badanie zadowolenia {IN_REVIEW} ({group.code})",
                demo=True,
            )


# The improvement plans of the first culture group (decision 0042): a target on the libraries'
# loans per resident, from the city's 2018 figure, 15% up by 2022; judged once 2019 is published.
PLAN_INDICATOR, PLAN_TARGET_YEAR, PLAN_GROWTH = "wypozyczenia_na_mieszkanca", 2022, 1.15
PLAN_ACTIONS = (
    ("Wydłużenie godzin otwarcia bibliotek w soboty", "Dyrektor Miejskiej Biblioteki Publicznej", 3),
    ("Wspólna karta biblioteczna i kulturalna dla mieszkańców", "Wydział Kultury Urzędu Miasta", 9),
)


def _plans(group: ExchangeGroup, found: list[City], unit_ids: dict[str, int], today: date) -> None:
    """A plan per city of the group: goals, two actions, one target (rows in bulk)."""
    version = readings.current_by_code().get(PLAN_INDICATOR)
    figures = _figures(found)
    by_unit = {unit_ids[c.code]: c for c in found}
    made = []
    for city in ex.cities(group):
        c = by_unit[city.unit_id]
        plan = ImprovementPlan(group_id=group.id, unit_id=city.unit_id, goals=(
            f"{c.name}: więcej mieszkańców korzystających z bibliotek i instytucji kultury; "
            "oferta dopasowana do wyników badania zadowolenia."))
        made.append((plan, c))
    db.session.add_all([p for p, _c in made])
    db.session.flush()
    rows: list[PlanAction | PlanTarget] = []
    for plan, c in made:
        rows += [PlanAction(plan_id=plan.id, title=title, owner=owner,
                            due_on=today + timedelta(days=30 * months))
                 for title, owner, months in PLAN_ACTIONS]
        if version is not None:
            baseline = round(figures[(c.number, "kultura_wypozyczenia", PUBLISHED)] / (c.thousands * 1000), 2)
            rows.append(PlanTarget(plan_id=plan.id, indicator_id=version.indicator_id,
                                   baseline_year=PUBLISHED, baseline_value=baseline,
                                   target_year=PLAN_TARGET_YEAR,
                                   target_value=round(baseline * PLAN_GROWTH, 2)))
    db.session.add_all(rows)


def seed_monitoring(hashed: str, analyst: User, today: date) -> None:
    """The monitoring's demo (see the module's docstring); commits."""
    definitions.load()
    found = cities()
    now = datetime.combine(today - timedelta(days=20), time(9, 0), tzinfo=ZoneInfo("UTC"))
    unit_ids = _units(found)
    teams = _city_teams(found, unit_ids, hashed)
    groups = _groups(found, unit_ids, teams, hashed)
    _questionnaires(found, unit_ids, analyst, now)
    db.session.commit()
    culture = groups[MonitoringArea.CULTURE_RECREATION]
    _surveys(culture[:1], analyst)
    db.session.commit()
    first = culture[0]
    _meetings(first, db.session.get(User, first.moderator_id), today)
    _plans(first, found, unit_ids, today)
    db.session.commit()
