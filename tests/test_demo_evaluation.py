"""The demo's RL-2019 programme (workflow/services/demo_evaluation.py): the same 54 towns,
53 applications past the formal check with their sheets submitted, ready to rank.

Everything is read back with SQL written here and checked against the issue's rules with
arithmetic done here, not with the seed's own code; the ranking is read through the
`flask rank` command, as another system would. The seed runs twice for the module."""

from __future__ import annotations

import hashlib
import json
from collections import Counter, defaultdict
from datetime import UTC, date, datetime, time
from decimal import Decimal
from itertools import combinations

import pytest
import sqlalchemy as sa

from workflow.extensions import db
from workflow.path import documents

TODAY = date(2026, 11, 28)
SEEDED_AT = datetime.combine(TODAY, time(0), tzinfo=UTC)
BUDGET = Decimal("450000000.00")
TABLES = ("path", "path_transition", "document", "stage_signoff", "sheet_part", "criterion",
          "evaluator_assignment", "score_sheet", "score", "evaluator_profile", "programme")


def rows(sql: str, **params: object) -> list[tuple]:
    return [tuple(r) for r in db.session.execute(sa.text(sql), params)]


def digest() -> str:
    h = hashlib.sha256()
    for name in TABLES:
        table = db.metadata.tables[name]
        for row in db.session.execute(sa.select(table).order_by(*table.primary_key.columns)):
            h.update(repr(tuple(row)).encode())
    return h.hexdigest()


def aware(value: datetime) -> datetime:
    """SQLite gives naive UTC back from plain SQL."""
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def typed(value: object) -> datetime:
    return aware(datetime.fromisoformat(value) if isinstance(value, str) else value)  # type: ignore[arg-type]


def read_facts(app) -> dict:
    programme = rows("SELECT id, budget, winners_cap, threshold_pct, policy, discrepancy_pct, appeal_days, "
                     "path_code FROM programme WHERE code = 'RL-2019'")[0]
    pid = programme[0]
    paths = rows("""SELECT p.id, a.name, p.state, p.requested_amount, p.applicant_id, u.email
                    FROM path p JOIN applicant a ON a.id = p.applicant_id
                    JOIN user_account u ON u.applicant_id = a.id
                    WHERE p.programme_id = :pid ORDER BY p.id""", pid=pid)
    sheets = rows("""SELECT ea.path_id, ea.id, ea.role, ea.declaration, u.email, s.status, s.submitted_at,
                            ea.created_at, ea.declared_at, ea.source
                     FROM evaluator_assignment ea JOIN user_account u ON u.id = ea.evaluator_id
                     JOIN path p ON p.id = ea.path_id
                     LEFT JOIN score_sheet s ON s.assignment_id = ea.id
                     WHERE p.programme_id = :pid ORDER BY ea.path_id, ea.id""", pid=pid)
    part_points = rows("""SELECT ea.id, sp.code, sum(sc.points), count(*)
                          FROM score sc JOIN score_sheet s ON s.id = sc.sheet_id
                          JOIN evaluator_assignment ea ON ea.id = s.assignment_id
                          JOIN criterion c ON c.id = sc.criterion_id JOIN sheet_part sp ON sp.id = c.part_id
                          JOIN path p ON p.id = ea.path_id WHERE p.programme_id = :pid
                          GROUP BY ea.id, sp.code""", pid=pid)
    facts = {
        "programme": programme,
        "paths": paths,
        "other programme applicants": sorted(r[0] for r in rows(
            "SELECT p.applicant_id FROM path p JOIN programme g ON g.id = p.programme_id "
            "WHERE g.code = 'RL-2020'")),
        "parts": dict(rows("""SELECT sp.code, sum(c.max_points) FROM sheet_part sp
                              JOIN criterion c ON c.part_id = sp.id WHERE sp.programme_id = :pid
                              GROUP BY sp.code""", pid=pid)),
        "criteria per part": dict(rows("""SELECT sp.code, count(*) FROM sheet_part sp
                              JOIN criterion c ON c.part_id = sp.id WHERE sp.programme_id = :pid
                              GROUP BY sp.code""", pid=pid)),
        "sheets": sheets,
        "part points": part_points,
        "scores out of range": rows("""
            SELECT count(*) FROM score sc JOIN criterion c ON c.id = sc.criterion_id
            JOIN score_sheet s ON s.id = sc.sheet_id
            WHERE s.status = 'submitted' AND (sc.points IS NULL OR sc.points < 0
                                              OR sc.points > c.max_points)""")[0][0],
        "shortest justification": rows("SELECT min(length(sc.justification)) FROM score sc "
                                       "JOIN score_sheet s ON s.id = sc.sheet_id "
                                       "WHERE s.status = 'submitted'")[0][0],
        "justifications": [r[0] for r in rows("SELECT sc.justification FROM score sc "
                                              "JOIN score_sheet s ON s.id = sc.sheet_id "
                                              "WHERE s.status = 'submitted' ORDER BY sc.id")],
        "transitions": rows("""SELECT t.path_id, t.event, t.to_state, t.created_at, t.comment
                               FROM path_transition t JOIN path p ON p.id = t.path_id
                               WHERE p.programme_id = :pid ORDER BY t.path_id, t.seq""", pid=pid),
        "documents": rows("""SELECT d.path_id, d.stage, d.content_hash FROM document d
                             JOIN path p ON p.id = d.path_id WHERE p.programme_id = :pid""", pid=pid),
        "profiles": rows("SELECT u.email, ep.municipality_name FROM evaluator_profile ep "
                         "JOIN user_account u ON u.id = ep.user_id ORDER BY u.email"),
        # The towns whose applications are evaluated (RL-2020 and RL-2019): the monitoring's
        # cities and the partnerships are applicants too, but nobody evaluates them.
        "town names": {r[0] for r in rows("SELECT a.name FROM applicant a"
                                          " JOIN path p ON p.applicant_id = a.id"
                                          " JOIN programme g ON g.id = p.programme_id"
                                          " WHERE g.code IN ('RL-2020', 'RL-2019')")},
        # The history was fired through the engine: an audit record per transition.
        "audited moves": rows("""SELECT count(*) FROM audit_event e JOIN path p ON p.id = e.object_id
                                 WHERE e.action = 'transition' AND e.object_type = 'path'
                                   AND p.programme_id = :pid""", pid=pid)[0][0],
        "RL-2020 criteria": rows("""SELECT count(*) FROM criterion c JOIN sheet_part sp ON sp.id = c.part_id
                                    JOIN programme g ON g.id = sp.programme_id
                                    WHERE g.code = 'RL-2020'""")[0][0],
        "RL-2020 sheets": rows("""SELECT u.email, p.state, ea.declaration, s.status
                                  FROM evaluator_assignment ea JOIN path p ON p.id = ea.path_id
                                  JOIN programme g ON g.id = p.programme_id
                                  JOIN user_account u ON u.id = ea.evaluator_id
                                  LEFT JOIN score_sheet s ON s.assignment_id = ea.id
                                  WHERE g.code = 'RL-2020'"""),
    }
    facts["files missing"] = sum(not documents.stored_path(h).exists() for _, _, h in facts["documents"])
    runner = app.test_cli_runner()
    for key, args in (("rank", []), ("rank cap 54", ["--cap", "54"]),
                      ("rank everyone", ["--cap", "54", "--budget", "1000000000"])):
        result = runner.invoke(args=["rank", "RL-2019", "--json", *args])
        assert result.exit_code == 0, result.output
        facts[key] = json.loads(result.output)
    facts["digest"] = digest()
    return facts


@pytest.fixture(scope="module")
def seeded(app, demo_snapshot, demo_again, empty_copy) -> dict:
    """The run's seeded demo (tests/conftest.py): read everything; then the demo seeded a
    second time into an emptied database with the same day: its digest goes in the facts.
    The tables are empty again afterwards."""
    try:
        demo_snapshot.snapshot.restore()
        with app.app_context():
            facts = read_facts(app)
        demo_again.restore()
        with app.app_context():
            facts["second digest"] = digest()
    finally:
        empty_copy.restore()
    return facts


def sheets_by_path(facts: dict) -> dict[int, list[dict]]:
    points: dict[int, dict[str, int]] = defaultdict(dict)
    for aid, code, total, _n in facts["part points"]:
        points[aid][code] = int(total)
    out: dict[int, list[dict]] = defaultdict(list)
    for path_id, aid, role, declaration, email, status, submitted_at, created, declared, source \
            in facts["sheets"]:
        out[path_id].append({"id": aid, "role": role, "declaration": declaration, "email": email,
                             "status": status, "submitted_at": typed(submitted_at), "created": typed(created),
                             "declared": typed(declared), "source": source, "parts": points[aid],
                             "total": sum(points[aid].values())})
    return out


def far_apart(a: int, b: int) -> bool:
    return 100 * abs(a - b) > 30 * max(a, b)


def final_parts(sheets: list[dict]) -> dict[str, Decimal]:
    """The issue's rule, written out again: the two regular sheets, or the closest pair."""
    regular = [s for s in sheets if s["role"] == "regular"]
    third = [s for s in sheets if s["role"] == "third"]
    pair = regular
    if far_apart(regular[0]["total"], regular[1]["total"]):
        three = regular + third
        pair = list(min(combinations(three, 2),
                        key=lambda p: (abs(p[0]["total"] - p[1]["total"]), -(p[0]["total"] + p[1]["total"]))))
    return {code: Decimal(pair[0]["parts"][code] + pair[1]["parts"][code]) / 2 for code in ("PRL", "PRI")}


def eligible_towns(facts: dict) -> set[str]:
    by_path = sheets_by_path(facts)
    names = {pid: name for pid, name, *_ in facts["paths"]}
    out = set()
    for pid, sheets in by_path.items():
        final = final_parts(sheets)
        if 100 * final["PRL"] >= 60 * 110 and 100 * final["PRI"] >= 60 * 120:
            out.add(names[pid])
    return out


# --- the programme and its applications -------------------------------------------------------------

def test_programme_settings(seeded):
    _id, budget, cap, threshold, policy, discrepancy, appeal_days, path_code = seeded["programme"]
    assert Decimal(budget) == BUDGET
    assert (cap, threshold, policy, discrepancy, appeal_days, path_code) == (15, 60, "strict", 30, 14,
                                                                             "rozwoj-lokalny")
    assert seeded["parts"] == {"PRL": 110, "PRI": 120}
    assert seeded["criteria per part"] == {"PRL": 6, "PRI": 6}


def test_rl_2020_leaves_sheets_to_fill_for_every_evaluator(seeded):
    """The evaluator's journey can be tried on RL-2020: its applications in evaluation have
    two evaluators each; two sheets are submitted, one is a draft, the rest are untouched."""
    found = seeded["RL-2020 sheets"]
    assert {state for _e, state, _d, _s in found} == {"evaluation"}
    assert len(found) == 2 * 7
    assert Counter(status for *_rest, status in found) == {None: 11, "submitted": 2, "draft": 1}
    open_by = {email for email, _state, _d, status in found if status != "submitted"}
    assert len(open_by) == 12  # every demo evaluator has an application still to score


def test_the_same_54_towns_each_with_a_new_path(seeded):
    paths = seeded["paths"]
    assert len(paths) == 54
    assert sorted(p[4] for p in paths) == seeded["other programme applicants"]
    states = Counter(p[2] for p in paths)
    assert states == {"evaluation": 53, "rejected": 1}
    town01 = next(p for p in paths if p[5] == "town01@demo.sciezka.pl")
    assert town01[1] == "Dąbrowa Tarnowska" and town01[2] == "evaluation"


def test_requested_amounts_are_between_10_and_40_million(seeded):
    amounts = [Decimal(p[3]) for p in seeded["paths"]]
    assert all(Decimal("10000000") <= a <= Decimal("40000000") for a in amounts)
    assert len(set(amounts)) > 40  # not one figure repeated


def test_every_application_was_submitted_and_checked_in_the_past(seeded):
    history: dict[int, list[tuple]] = defaultdict(list)
    for path_id, event, to_state, at, comment in seeded["transitions"]:
        history[path_id].append((event, to_state, typed(at), comment))
    for pid, name, state, *_ in seeded["paths"]:
        events = [e for e, *_ in history[pid]]
        assert "submit_application" in events, name
        last_event, last_state, last_at, comment = history[pid][-1]
        assert last_state == state and last_at < SEEDED_AT
        if state == "rejected":
            assert last_event == "reject_formal" and len(comment) > 30
        else:
            assert last_event == "pass_formal_check"
    stages = Counter((pid, stage) for pid, stage, _ in seeded["documents"])
    assert len(stages) == 54 * 4 and set(stages.values()) == {1}
    assert seeded["files missing"] == 0


# --- the sheets ----------------------------------------------------------------------------------------

def test_each_application_has_two_submitted_regular_sheets_by_impartial_demo_evaluators(seeded):
    by_path = sheets_by_path(seeded)
    evaluation = {p[0] for p in seeded["paths"] if p[2] == "evaluation"}
    assert set(by_path) == evaluation
    formal = {pid: typed(at) for pid, event, _s, at, _c in seeded["transitions"]
              if event == "pass_formal_check"}
    for pid, sheets in by_path.items():
        regular = [s for s in sheets if s["role"] == "regular"]
        assert len(regular) == 2 and regular[0]["email"] != regular[1]["email"]
        for s in sheets:
            assert s["status"] == "submitted" and s["declaration"] == "impartial" and s["source"] == "demo"
            assert formal[pid] < s["created"] < s["declared"] < s["submitted_at"] < SEEDED_AT
            assert set(s["parts"]) == {"PRL", "PRI"}
    counts = Counter((aid, n) for aid, _code, _t, n in seeded["part points"])
    assert {n for (_aid, n) in counts} == {6}  # every criterion scored on every sheet


def test_discrepancies_have_a_third_sheet_by_a_different_evaluator(seeded):
    by_path = sheets_by_path(seeded)
    far = []
    for pid, sheets in by_path.items():
        regular = [s for s in sheets if s["role"] == "regular"]
        third = [s for s in sheets if s["role"] == "third"]
        if far_apart(regular[0]["total"], regular[1]["total"]):
            far.append(pid)
            assert len(third) == 1
            assert third[0]["email"] not in {s["email"] for s in regular}
            assert third[0]["created"] > max(s["submitted_at"] for s in regular)
        else:
            assert third == []
    assert 3 <= len(far) <= 5


def test_evaluators_carry_a_balanced_load(seeded):
    load = Counter(s[4] for s in seeded["sheets"])  # sheets per evaluator's login
    assert sorted(load) == [f"evaluator{n:02d}@demo.sciezka.pl" for n in range(1, 13)]
    assert max(load.values()) - min(load.values()) <= 2
    assert all(8 <= n <= 11 for n in load.values())
    # Where they live is none of the 54 towns: no conflict to declare.
    assert len(seeded["profiles"]) == 12
    assert not {home for _, home in seeded["profiles"]} & seeded["town names"]


def test_the_history_went_through_the_engine_and_both_programmes_have_their_sheet(seeded):
    assert seeded["audited moves"] == len(seeded["transitions"]) > 400
    assert seeded["RL-2020 criteria"] == 12  # created with the programme, not on a first visit


def test_points_and_justifications(seeded):
    assert seeded["scores out of range"] == 0
    assert seeded["shortest justification"] >= 30
    texts = seeded["justifications"]
    assert len(set(texts)) > 50  # varied, not one sentence pasted everywhere
    assert all(t.strip() == t and t.endswith(".") for t in texts)


def test_about_29_applications_reach_60_percent_on_both_parts(seeded):
    assert 25 <= len(eligible_towns(seeded)) <= 32


# --- ranking it ---------------------------------------------------------------------------------------

def test_rank_gives_at_most_15_awarded_within_the_budget(seeded):
    doc = seeded["rank"]
    assert doc["programme"] == "RL-2019" and doc["settings"]["cap"] == 15
    awarded = [a for a in doc["applications"] if a["outcome"] == "awarded"]
    assert 0 < len(awarded) <= 15
    assert sum(Decimal(a["requested"]) for a in awarded) <= BUDGET
    ranked = {a["town"] for a in doc["applications"] if a["outcome"] != "not_eligible"}
    assert ranked == eligible_towns(seeded)
    assert len(doc["applications"]) == 54


def test_rank_with_cap_54_awards_every_eligible_application_that_fits(seeded):
    doc = seeded["rank cap 54"]
    ranked = [a for a in doc["applications"] if a["rank"] is not None]
    assert {a["town"] for a in ranked} == eligible_towns(seeded)
    awarded = [a for a in ranked if a["outcome"] == "awarded"]
    spent = sum(Decimal(a["requested"]) for a in awarded)
    assert len(awarded) > 15 and spent <= BUDGET
    # Policy strict: the awarded are the top of the list, up to the first that does not fit.
    assert ranked[: len(awarded)] == awarded
    if len(awarded) < len(ranked):
        assert Decimal(ranked[len(awarded)]["requested"]) > BUDGET - spent
    everyone = seeded["rank everyone"]
    funded = {a["town"] for a in everyone["applications"] if a["outcome"] == "awarded"}
    assert funded == eligible_towns(seeded)


# --- always the same ------------------------------------------------------------------------------------

def test_seed_is_deterministic(seeded):
    assert seeded["second digest"] == seeded["digest"]
