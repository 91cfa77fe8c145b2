"""The advisory side of the demo (workflow/services/demo_advisory.py): the log's totals are
the programme's table exactly, every row obeys the rules a real advisor's would, and the
same --today gives the same rows.

Everything is read back with plain SQL written here, not with the seed's own code, and
the seed runs twice for the whole module (it takes a few seconds)."""

from __future__ import annotations

import hashlib
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa

from workflow.extensions import db

TODAY = date(2026, 11, 28)
START = TODAY - timedelta(days=200)
WARSAW = ZoneInfo("Europe/Warsaw")
ADVISORY_TABLES = ("expertise_field", "advisor_profile", "advisor_expertise", "path_need",
                   "advisor_assignment", "assignment_event", "person", "service", "study",
                   "service_participant")

# RL-2020's paths: the demo's other programmes (CWD-2020's partnerships) have logs of their own.
RL_PATHS = "(SELECT p.id FROM path p JOIN programme g ON g.id = p.programme_id WHERE g.code = 'RL-2020')"
RL_APPLICANTS = f"(SELECT p.applicant_id FROM path p WHERE p.id IN {RL_PATHS})"
LOGGED = f"s.status = 'logged' AND s.path_id IN {RL_PATHS}"
RL_LOGGED = f"status = 'logged' AND path_id IN {RL_PATHS}"
# Independent checks, each a count of rows that break a rule (so 0 is right).
VIOLATIONS = {
    "participant from another town": """
        SELECT count(*) FROM service_participant sp JOIN service s ON s.id = sp.service_id
        JOIN path p ON p.id = s.path_id JOIN person pe ON pe.id = sp.person_id
        WHERE pe.applicant_id <> p.applicant_id""",
    "service outside the advisory period or not in the past": """
        SELECT count(*) FROM service s JOIN path p ON p.id = s.path_id
        JOIN programme g ON g.id = p.programme_id
        WHERE s.held_on < g.advice_starts_on OR s.held_on >= :today
           OR (g.advice_ends_on IS NOT NULL AND s.held_on > g.advice_ends_on)""",
    "service's field not in the advisor's profile": """
        SELECT count(*) FROM service s WHERE NOT EXISTS (
            SELECT 1 FROM advisor_expertise e
            WHERE e.advisor_id = s.advisor_id AND e.field_id = s.field_id)""",
    "service by an advisor not assigned to the town": """
        SELECT count(*) FROM service s WHERE NOT EXISTS (
            SELECT 1 FROM advisor_assignment a
            WHERE a.path_id = s.path_id AND a.advisor_id = s.advisor_id)""",
    "expert's service outside the field they are assigned for": """
        SELECT count(*) FROM service s JOIN advisor_assignment a
          ON a.path_id = s.path_id AND a.advisor_id = s.advisor_id AND a.kind = 'expert'
        WHERE a.field_id <> s.field_id""",
    "town's need without an expert": """
        SELECT count(*) FROM path_need n WHERE NOT EXISTS (
            SELECT 1 FROM advisor_assignment a
            WHERE a.path_id = n.path_id AND a.field_id = n.field_id AND a.kind = 'expert')""",
    "advisor over capacity": """
        SELECT count(*) FROM advisor_profile ap WHERE ap.capacity < (
            SELECT count(*) FROM advisor_assignment a WHERE a.advisor_id = ap.user_id)""",
    "study service without a study": f"""
        SELECT count(*) FROM service s WHERE {LOGGED} AND s.kind = 'study'
          AND NOT EXISTS (SELECT 1 FROM study st WHERE st.service_id = s.id)""",
    "logged service not logged the day after": f"""
        SELECT count(*) FROM service s
        WHERE {LOGGED} AND (s.logged_at IS NULL OR s.logged_at < s.created_at)""",
    "draft with a logging time":
        "SELECT count(*) FROM service s WHERE s.status = 'draft' AND s.logged_at IS NOT NULL",
    "lead without institutional development": """
        SELECT count(*) FROM advisor_assignment a WHERE a.kind = 'lead' AND NOT EXISTS (
            SELECT 1 FROM advisor_expertise e JOIN expertise_field f ON f.id = e.field_id
            WHERE e.advisor_id = a.advisor_id AND f.code = 'institutional_development')""",
    "lead outside their town's region": """
        SELECT count(*) FROM advisor_assignment a JOIN path p ON p.id = a.path_id
        JOIN applicant ap ON ap.id = p.applicant_id JOIN advisor_profile pr ON pr.user_id = a.advisor_id
        WHERE a.kind = 'lead' AND (pr.region IS NULL OR pr.region <> ap.voivodeship)""",
    "expert assignment without its event": """
        SELECT count(*) FROM advisor_assignment a WHERE a.kind = 'expert' AND NOT EXISTS (
            SELECT 1 FROM assignment_event e WHERE e.path_id = a.path_id AND e.advisor_id = a.advisor_id
              AND e.field_id = a.field_id AND e.action = 'assigned' AND e.source = 'demo')""",
}


def scalar(sql: str, **params: object) -> int:
    return db.session.execute(sa.text(sql), params).scalar_one()


def rows(sql: str, **params: object) -> list[tuple]:
    return [tuple(r) for r in db.session.execute(sa.text(sql), params)]


def digest() -> str:
    """A hash of every row of the advisory tables, ids included, in primary-key order."""
    h = hashlib.sha256()
    for name in ADVISORY_TABLES:
        table = db.metadata.tables[name]
        for row in db.session.execute(sa.select(table).order_by(*table.primary_key.columns)):
            h.update(repr(tuple(row)).encode())
    return h.hexdigest()


def typed(table: str, *columns: str, where: str = "") -> list[tuple]:
    """Columns read through the table's types (text SQL on SQLite gives dates as strings)."""
    t = db.metadata.tables[table]
    query = sa.select(*(t.c[c] for c in columns))
    if where:
        query = query.where(sa.text(where))
    return [tuple(r) for r in db.session.execute(query)]


def read_facts() -> dict:
    participation = f"FROM service_participant sp JOIN service s ON s.id = sp.service_id WHERE {LOGGED}"
    facts = {
        "services": scalar(f"SELECT count(*) FROM service s WHERE {LOGGED}"),
        "by kind": dict(rows(f"SELECT kind, count(*) FROM service s WHERE {LOGGED} GROUP BY kind")),
        "studies": scalar(
            f"SELECT count(*) FROM study st JOIN service s ON s.id = st.service_id WHERE {LOGGED}"),
        "participations": scalar(f"SELECT count(*) {participation}"),
        "people": scalar(f"SELECT count(DISTINCT sp.person_id) {participation}"),
        "person rows": scalar(f"SELECT count(*) FROM person WHERE applicant_id IN {RL_APPLICANTS}"),
        "drafts": scalar(f"SELECT count(*) FROM service WHERE status = 'draft' AND path_id IN {RL_PATHS}"),
        "all studies": scalar(f"SELECT count(*) FROM study st JOIN service s ON s.id = st.service_id "
                              f"WHERE s.path_id IN {RL_PATHS}"),
        "all participations": scalar(f"SELECT count(*) FROM service_participant sp JOIN service s "
                                     f"ON s.id = sp.service_id WHERE s.path_id IN {RL_PATHS}"),
        "violations": {name: scalar(sql, today=TODAY) for name, sql in VIOLATIONS.items()},
        "period": typed("programme", "advice_starts_on", "advice_ends_on", where="code = 'RL-2020'")[0],
        "sizes": rows(f"""SELECT s.kind, min(n), max(n) FROM service s JOIN (
                SELECT service_id, count(*) AS n FROM service_participant GROUP BY service_id) c
                ON c.service_id = s.id WHERE {LOGGED} GROUP BY s.kind"""),
        "durations": rows(f"SELECT kind, min(duration_minutes), max(duration_minutes) FROM service s "
                          f"WHERE {LOGGED} GROUP BY kind"),
        "held_on": [r[0] for r in typed("service", "held_on", where=RL_LOGGED)],
        "logged_at": typed("service", "held_on", "logged_at", where=RL_LOGGED),
        "people per town": [r[0] for r in rows(
            f"SELECT count(*) FROM person WHERE applicant_id IN {RL_APPLICANTS} GROUP BY applicant_id")],
        "needs per town": [r[0] for r in rows(
            f"SELECT count(*) FROM path_need WHERE path_id IN {RL_PATHS} GROUP BY path_id")],
        "towns with needs": scalar(
            f"SELECT count(DISTINCT path_id) FROM path_need WHERE path_id IN {RL_PATHS}"),
        # the capacity RL-2020 gave: CWD-2020 adds one place per partnership an advisor took
        "profiles": rows(f"""SELECT u.email, p.capacity - (SELECT count(*) FROM advisor_assignment a
                WHERE a.advisor_id = u.id AND a.path_id NOT IN {RL_PATHS}), p.region,
                (SELECT count(*) FROM advisor_expertise e WHERE e.advisor_id = u.id)
                FROM advisor_profile p JOIN user_account u ON u.id = p.user_id ORDER BY u.email"""),
        "experts per field": dict(rows("""SELECT f.code, count(*) FROM advisor_expertise e
                JOIN expertise_field f ON f.id = e.field_id JOIN user_account u ON u.id = e.advisor_id
                WHERE u.email >= 'advisor55' AND u.email < 'advisor9' GROUP BY f.code""")),
        "names": rows(
            f"SELECT name, institution, email FROM person WHERE applicant_id IN {RL_APPLICANTS}"),
        "study titles": rows("SELECT title, kind FROM study"),
        "topics": [r[0] for r in rows("SELECT topic FROM service")],
        "expert events": sorted(set(typed("assignment_event", "created_at",
                                          where=f"source = 'demo' AND path_id IN {RL_PATHS}"))),
        "digest": digest(),
    }
    return facts


@pytest.fixture(scope="module")
def seeded(app, demo_snapshot, demo_again, empty_copy) -> dict:
    """The run's seeded demo (tests/conftest.py): read everything; then the demo seeded a
    second time into an emptied database with the same day: its digest goes in the facts.
    The tables are empty again afterwards."""
    try:
        demo_snapshot.snapshot.restore()
        with app.app_context():
            facts = read_facts()
        demo_again.restore()
        with app.app_context():
            facts["second digest"] = digest()
    finally:
        empty_copy.restore()
    return facts


def test_the_log_gives_exactly_the_programmes_table(seeded):
    assert seeded["services"] == 2700
    assert seeded["by kind"]["consultation"] == 1700
    assert seeded["by kind"]["workshop"] == 520
    assert seeded["by kind"] == {"consultation": 1700, "workshop": 520, "study": 400, "other": 80}
    assert seeded["studies"] == 781
    assert seeded["participations"] == 17_000
    assert seeded["people"] == 3300
    assert seeded["person rows"] == 3300  # everyone recorded took part at least once


def test_drafts_exist_and_count_nowhere(seeded):
    assert 5 <= seeded["drafts"] <= 30
    # Drafts carry participants and a study, which the logged totals above leave out.
    assert seeded["all participations"] > 17_000
    assert seeded["all studies"] > 781


def test_every_row_obeys_the_rules_of_the_log(seeded):
    assert seeded["violations"] == dict.fromkeys(VIOLATIONS, 0)


def test_services_lie_in_the_past_of_the_advisory_period_and_peak_in_its_middle(seeded):
    starts, ends = seeded["period"]
    assert starts == START
    assert ends is None or ends > TODAY
    held = seeded["held_on"]
    assert min(held) >= START and max(held) < TODAY
    midnight = datetime.combine(TODAY, time(0), tzinfo=WARSAW)
    for held_on, logged_at in seeded["logged_at"]:  # logged a day after, and before today
        assert logged_at.astimezone(WARSAW).date() == held_on + timedelta(days=1) and logged_at < midnight
    third = (TODAY - START) / 3
    thirds = [sum(1 for d in held if START + i * third <= d < START + (i + 1) * third) for i in range(3)]
    assert thirds[1] > thirds[0] and thirds[1] > thirds[2], thirds
    assert sum(1 for d in held if d.weekday() >= 5) < len(held) * 0.05


def test_sizes_and_durations_are_realistic(seeded):
    sizes = {kind: (low, high) for kind, low, high in seeded["sizes"]}
    assert 10 <= sizes["workshop"][0] and sizes["workshop"][1] <= 20
    assert 2 <= sizes["consultation"][0] and sizes["consultation"][1] <= 6
    assert 2 <= sizes["study"][0] and sizes["study"][1] <= 5
    durations = {kind: (low, high) for kind, low, high in seeded["durations"]}
    assert 60 <= durations["consultation"][0] and durations["consultation"][1] <= 180
    assert 180 <= durations["workshop"][0] and durations["workshop"][1] <= 480
    assert 120 <= durations["study"][0] and durations["study"][1] <= 480


def test_profiles_needs_and_assignments(seeded):
    profiles = {email: (capacity, region, n) for email, capacity, region, n in seeded["profiles"]}
    assert len(profiles) == 74
    for n in range(1, 55):
        assert profiles[f"advisor{n:02d}@demo.sciezka.pl"][0] == 1  # their own town only
        assert profiles[f"advisor{n:02d}@demo.sciezka.pl"][2] == 2
    for n in range(55, 75):
        capacity, region, n_fields = profiles[f"advisor{n:02d}@demo.sciezka.pl"]
        assert 6 <= capacity <= 9 and region and n_fields in (2, 3)
    assert len({profiles[f"advisor{n:02d}@demo.sciezka.pl"][1] for n in range(55, 75)}) >= 8
    assert len(seeded["experts per field"]) == 8
    assert min(seeded["experts per field"].values()) >= 2
    assert seeded["towns with needs"] == 54
    assert set(seeded["needs per town"]) <= {1, 2, 3}
    # Assigned when the advice began, not on the day of seeding.
    assert len(seeded["expert events"]) == 1
    assert seeded["expert events"][0][0].astimezone(WARSAW).date() == START


def test_people_look_real(seeded):
    per_town = seeded["people per town"]
    assert len(per_town) == 54 and sum(per_town) == 3300
    assert all(45 <= n <= 80 for n in per_town)
    names = seeded["names"]
    assert len({name for name, _, _ in names}) > 1000
    for name, institution, email in names:
        first, surname = name.split(" ", 1)
        if first.endswith("a"):  # every female first name in Polish ends in -a
            assert not surname.endswith(("ski", "cki")), name
        else:
            assert not surname.endswith(("ska", "cka")), name
        assert institution.strip()
        assert email is None or email.endswith(".demo.sciezka.pl")
    institutions = {i for _, i, _ in names}
    assert "Urząd Miejski w Ostrzeszowie" in institutions
    assert "Miejski Ośrodek Pomocy Społecznej w Dąbrowie Tarnowskiej" in institutions
    assert sum(1 for _, _, e in names if e) > 1500


def test_topics_and_study_titles_are_polish_and_varied(seeded):
    assert len(set(seeded["topics"])) > 50
    assert any(t.startswith("Warsztat: ") for t in seeded["topics"])
    titles = seeded["study titles"]
    assert ("Analiza potencjału gospodarczego miasta", "analysis") in titles
    assert {kind for _, kind in titles} == {"analysis", "planning"}


def test_the_same_day_gives_the_same_rows(seeded):
    assert seeded["second digest"] == seeded["digest"]
