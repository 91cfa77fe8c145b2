"""The demo's result indicators (issue 16 item 6, docs/decisions/0040): each RL-2019 application
names a project with two result indicators of the indicator base, so that once the coordinator
announces RL-2019's ranking, the awarded projects are followed on /coordinator/monitoring/projects,
some on track and some behind, judged from the base's values as they are (`make run` loads the
BDL extract after the seed).

- Own revenues per resident (the more, the better): the baseline is the town's 2016 value in the
  base, the target for 2023 grows it by 25 %, 45 % or 80 % (in turn by town).
- The demographic dependency ratio (the less, the better): the 2016 value, and a target for 2023
  0.5, 1 or 2 points lower (in turn by town); the ratio rose in every town since, so these are
  behind.

BASELINES are the towns' 2016 values of the two indicators as the base computes them from
data/bdl/bdl_gminy_2010-2019_long_compact.csv (tests/test_demo_results.py imports the same file
and compares). Rows in bulk: a few milliseconds of the seed.
"""

from __future__ import annotations

from decimal import Decimal

import sqlalchemy as sa

from workflow.extensions import db
from workflow.models import (
    ApplicantMember,
    Indicator,
    Municipality,
    Path,
    Programme,
    Project,
    ProjectResultIndicator,
    ProjectShare,
)

CODE = "RL-2019"
BASELINE_YEAR, TARGET_YEAR = 2016, 2023
REVENUE, DEPENDENCY = "dochody_wlasne_na_mieszkanca", "wskaznik_obciazenia_demograficznego"
GROWTH = (Decimal("1.25"), Decimal("1.45"), Decimal("1.80"))  # the revenue's target, × the baseline
DROP = (0.5, 1.0, 2.0)  # the dependency ratio's target, points under the baseline
TITLE = "Centrum usług dla mieszkańców i przedsiębiorców"
SCOPE = ("Przebudowa budynku w centrum miasta na punkt obsługi mieszkańców i przedsiębiorców, "
         "z miejscem dla organizacji pozarządowych i opieki dziennej (dane demonstracyjne).")
# TERYT code: (own revenues per resident in 2016, zł; dependency ratio in 2016).
BASELINES: dict[str, tuple[int, float]] = {
    "1204023": (1129, 56.1),  # Dąbrowa Tarnowska
    "3018073": (1850, 62.4),  # Ostrzeszów
    "3217011": (2209, 61.4),  # Wałcz
    "3215011": (2084, 63.1),  # Szczecinek
    "2013011": (2563, 59.2),  # Wysokie Mazowieckie
    "0401011": (1301, 61.5),  # Aleksandrów Kujawski
    "1207011": (2235, 65.0),  # Limanowa
    "1608033": (1442, 56.5),  # Olesno
    "1802013": (1240, 60.6),  # Brzozów
    "1806023": (1339, 55.3),  # Kolbuszowa
    "2006011": (1498, 49.7),  # Kolno
    "0605053": (1475, 57.4),  # Janów Lubelski
    "0806023": (2286, 62.9),  # Drezdenko
    "2819033": (1523, 59.8),  # Węgorzewo
    "2608043": (1624, 59.5),  # Pińczów
    "2602023": (1365, 64.3),  # Jędrzejów
    "1606023": (1785, 61.2),  # Namysłów
    "3008033": (2157, 62.0),  # Kępno
    "0618011": (1792, 61.9),  # Tomaszów Lubelski
    "1004011": (1990, 66.8),  # Łęczyca
    "1002011": (2474, 66.0),  # Kutno
    "3216011": (1998, 59.4),  # Świdwin
    "3218023": (1854, 61.9),  # Łobez
    "3203023": (2524, 60.0),  # Drawsko Pomorskie
    "1410023": (1504, 64.3),  # Łosice
    "2001011": (1928, 58.8),  # Augustów
    "2011083": (1475, 57.5),  # Sokółka
    "2008063": (1120, 56.1),  # Mońki
    "1411011": (1768, 65.7),  # Maków Mazowiecki
    "2811043": (1502, 56.6),  # Nidzica
    "2816033": (1707, 57.5),  # Pisz
    "2803011": (1535, 57.8),  # Działdowo
    "2817011": (1647, 61.5),  # Szczytno
    "2401011": (2519, 65.5),  # Będzin
    "2461011": (3150, 68.5),  # Bielsko-Biała
    "2462011": (2214, 61.9),  # Bytom
    "2403011": (2503, 67.8),  # Cieszyn
    "2401021": (2639, 65.1),  # Czeladź
    "2465011": (3550, 62.2),  # Dąbrowa Górnicza
    "1805011": (2195, 59.1),  # Jasło
    "3006023": (1815, 61.5),  # Jarocin
    "2468011": (3037, 57.8),  # Jaworzno
    "2405011": (2176, 60.9),  # Knurów
    "1407053": (3494, 62.6),  # Kozienice
    "1861011": (2754, 65.6),  # Krosno
    "0262011": (2478, 62.8),  # Legnica
    "2470011": (2551, 58.1),  # Mysłowice
    "1420011": (2116, 63.9),  # Płońsk
    "2473011": (2964, 60.2),  # Rybnik
    "1428011": (2169, 62.1),  # Sochaczew
    "2477011": (3178, 61.7),  # Tychy
    "1435053": (1839, 58.5),  # Wyszków
    "2478011": (2500, 58.7),  # Zabrze
    "2479011": (2461, 61.5),  # Żory
}


def seed_result_indicators() -> int:
    """RL-2019's projects and their result indicators; returns how many projects. Flushed (the
    demo seed commits). Nothing when RL-2019 or the indicators' definitions are missing."""
    indicators = dict(db.session.execute(sa.select(Indicator.code, Indicator.id)
                                         .where(Indicator.code.in_([REVENUE, DEPENDENCY]))).all())
    if len(indicators) < 2:
        return 0
    paths = db.session.execute(
        sa.select(Path.id, Path.requested_amount, Municipality.id, Municipality.teryt)
        .join(Programme, Programme.id == Path.programme_id)
        .join(ApplicantMember, sa.and_(ApplicantMember.applicant_id == Path.applicant_id,
                                       ApplicantMember.is_leader.is_(True)))
        .join(Municipality, Municipality.id == ApplicantMember.municipality_id)
        .where(Programme.code == CODE).order_by(Path.id)).all()
    chosen = [(p, amount, m, BASELINES[teryt]) for p, amount, m, teryt in paths if teryt in BASELINES]
    projects = [Project(path_id=p, title=TITLE, scope=SCOPE, estimated_cost=amount or Decimal("10000000.00"),
                        funding_route="national", status="chosen", is_key=False)
                for p, amount, _m, _b in chosen]
    db.session.add_all(projects)
    db.session.flush()
    rows: list[ProjectShare | ProjectResultIndicator] = []
    for n, (project, (_p, _a, municipality, (revenue, dependency))) in enumerate(zip(projects, chosen,
                                                                                   strict=True)):
        rows.append(ProjectShare(project_id=project.id, municipality_id=municipality, leads=True,
                                 amount=project.estimated_cost))
        rows.append(ProjectResultIndicator(
            project_id=project.id, indicator_id=indicators[REVENUE], baseline_year=BASELINE_YEAR,
            baseline_value=float(revenue), target_year=TARGET_YEAR,
            target_value=float(round(Decimal(revenue) * GROWTH[n % len(GROWTH)]))))
        rows.append(ProjectResultIndicator(
            project_id=project.id, indicator_id=indicators[DEPENDENCY], baseline_year=BASELINE_YEAR,
            baseline_value=dependency, target_year=TARGET_YEAR,
            target_value=round(dependency - DROP[n % len(DROP)], 1)))
    db.session.add_all(rows)
    db.session.flush()
    return len(projects)
