"""The demo programme CWD-2020 (workflow/demo/partnerships.py), read back from the run's seeded
demo with plain SQL and the data files read here: 33 partnerships in the source list's order,
their members from the TERYT register, their logins, their places on the path, their advisor
teams and services."""

from __future__ import annotations

import csv
import json
from collections import Counter
from pathlib import Path as FsPath

import pytest
import sqlalchemy as sa
from support import Browser

from workflow.demo import partnerships as demo
from workflow.extensions import db

pytestmark = pytest.mark.slow  # the demo (restored from the run's snapshot)

ROOT = FsPath(__file__).resolve().parent.parent
CWD_PATHS = ("SELECT p.id FROM path p JOIN programme g ON g.id = p.programme_id "
             "WHERE g.code = 'CWD-2020'")


def rows(sql: str, **params: object) -> list[tuple]:
    return [tuple(r) for r in db.session.execute(sa.text(sql), params)]


def source_towns() -> list[dict[str, str]]:
    with (ROOT / "data" / "seed_towns.csv").open(encoding="utf-8") as fh:
        return [r for r in csv.DictReader(fh) if "small-town partnerships" in r["seed_list"]]


def gminas_by_powiat() -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    with (ROOT / "data" / "teryt" / "TERC_Urzedowy_2024-01-01.csv").open(encoding="utf-8-sig") as fh:
        for r in csv.DictReader(fh, delimiter=";"):
            if r["GMI"] and r["RODZ"] in ("1", "2", "3"):  # gminas (4, 5: an urban-rural one's parts)
                code = r["WOJ"] + r["POW"] + r["GMI"] + r["RODZ"]
                out.setdefault(code[:4], []).append(code)
    return {k: sorted(v) for k, v in out.items()}


def test_33_partnerships_of_the_source_lists_towns_with_the_gminas_of_their_powiat(demo_db, ctx):
    towns = source_towns()
    assert len(towns) == 33
    register = gminas_by_powiat()
    leaders = rows("""SELECT u.email, a.name, m.teryt FROM user_account u
                      JOIN applicant a ON a.id = u.applicant_id
                      JOIN municipality m ON m.id = u.municipality_id
                      WHERE u.email LIKE 'cwd%' AND u.email NOT LIKE 'cwd%-%' ORDER BY u.email""")
    assert [(e, n, t) for e, n, t in leaders] == [
        (f"cwd{i:02d}@demo.sciezka.pl", f"Partnerstwo {town['name']}", town["teryt7"])
        for i, town in enumerate(towns, start=1)]
    for i, town in enumerate(towns, start=1):
        members = rows("""SELECT m.teryt, am.is_leader, u.email FROM applicant_member am
                          JOIN municipality m ON m.id = am.municipality_id
                          JOIN user_account u ON u.applicant_id = am.applicant_id
                                              AND u.municipality_id = am.municipality_id
                          JOIN applicant a ON a.id = am.applicant_id
                          WHERE a.name = :name AND a.kind = 'partnership' ORDER BY u.id""",
                       name=f"Partnerstwo {town['name']}")
        others = [g for g in register[town["powiat_teryt4"]] if g != town["teryt7"]][:10]
        expected = [town["teryt7"], *others] + ([town["powiat_teryt4"]] if i % 3 == 0 else [])
        assert [t for t, _, _ in members] == expected, town["name"]
        assert 3 <= len([t for t in expected if len(t) == 7]) <= 11
        assert [leader for _, leader, _ in members] == [True] + [False] * (len(expected) - 1)
        logins = [demo.email(i)] + [demo.email(i, k) for k in range(2, len(expected) + 1)]
        assert [e for _, _, e in members] == logins


def test_the_partnerships_are_spread_over_the_path_with_open_consultations(app, demo_db, ctx):
    states = Counter(s for (s,) in rows(f"SELECT state FROM path WHERE id IN ({CWD_PATHS})"))
    assert states == dict(demo.SPREAD)
    first = rows(f"""SELECT p.state FROM path p JOIN applicant a ON a.id = p.applicant_id
                     WHERE p.id IN ({CWD_PATHS}) AND a.name = 'Partnerstwo Dąbrowa Tarnowska'""")
    assert first == [("diagnosis.draft",)]
    open_now = rows(f"SELECT count(*) FROM public_consultation WHERE closed_at IS NULL "
                    f"AND path_id IN ({CWD_PATHS})")
    assert open_now == [(5,)]
    visitor = Browser(app)
    listed = visitor.get("/public/consultations/").get_data(as_text=True)
    assert listed.count("Partnerstwo ") >= 5
    # every closed consultation's comments have their answers; packages of three projects
    assert rows(f"""SELECT count(*) FROM consultation_comment c JOIN public_consultation pc
                    ON pc.id = c.consultation_id WHERE pc.closed_at IS NOT NULL AND c.answer IS NULL
                    AND pc.path_id IN ({CWD_PATHS})""") == [(0,)]
    packages = rows(f"SELECT count(*) FROM project WHERE path_id IN ({CWD_PATHS}) GROUP BY path_id")
    assert packages and {n for (n,) in packages} == {3}


def test_each_partnership_has_its_towns_advisor_a_sector_expert_and_services(demo_db, ctx):
    team = rows(f"""SELECT a.path_id, a.kind, u.email FROM advisor_assignment a
                    JOIN user_account u ON u.id = a.advisor_id WHERE a.path_id IN ({CWD_PATHS})""")
    assert Counter(kind for _, kind, _ in team) == {"lead": 33, "expert": 33}
    leads = rows(f"""SELECT rl.email, cwd.email FROM advisor_assignment a
        JOIN path p ON p.id = a.path_id JOIN applicant ap ON ap.id = p.applicant_id
        JOIN user_account cwd ON cwd.id = a.advisor_id
        JOIN applicant town ON 'Partnerstwo ' || town.name = ap.name AND town.kind = 'town'
        JOIN path tp ON tp.applicant_id = town.id
        JOIN programme g ON g.id = tp.programme_id AND g.code = 'RL-2020'
        JOIN advisor_assignment ta ON ta.path_id = tp.id AND ta.kind = 'lead'
        JOIN user_account rl ON rl.id = ta.advisor_id
        WHERE a.kind = 'lead' AND a.path_id IN ({CWD_PATHS})""")
    assert len(leads) == 33 and all(rl == cwd for rl, cwd in leads)  # the town's own advisor
    services = rows(f"""SELECT path_id, count(*) FROM service WHERE status = 'logged'
                        AND path_id IN ({CWD_PATHS}) GROUP BY path_id""")
    assert len(services) == 33 and {n for _, n in services} == {6}
    strangers = rows(f"""SELECT count(*) FROM service_participant sp JOIN service s ON s.id = sp.service_id
        JOIN path p ON p.id = s.path_id JOIN person pe ON pe.id = sp.person_id
        WHERE p.id IN ({CWD_PATHS}) AND NOT EXISTS (SELECT 1 FROM applicant_member am
            WHERE am.applicant_id = p.applicant_id AND am.municipality_id = pe.municipality_id)""")
    assert strangers == [(0,)]  # every participant comes from a member municipality
    rates = dict(rows("""SELECT r.kind, r.hourly_rate FROM service_rate r JOIN programme g
                         ON g.id = r.programme_id WHERE g.code = 'CWD-2020'"""))
    assert set(rates) == {"consultation", "workshop", "study", "other"}


def test_the_logins_work_and_the_report_counts_the_demo(app, demo_db, ctx):
    for email in ("cwd01@demo.sciezka.pl", "cwd01-02@demo.sciezka.pl", "cwd33@demo.sciezka.pl"):
        assert Browser(app).login(email, "demo").status_code == 302, email
    result = app.test_cli_runner().invoke(args=["report", "partnerships", "--json"])
    totals = json.loads(result.output)
    assert totals["partnerships"] == 33
    assert totals["member_municipalities"] == rows(
        f"SELECT count(*) FROM applicant_member am JOIN path p ON p.applicant_id = am.applicant_id "
        f"WHERE p.id IN ({CWD_PATHS})")[0][0]
    assert totals["consultations_held"] > 5 and totals["comments_received"] > 10
    assert totals["projects_in_packages"] > 0 and totals["strategies_accepted"] > 0
