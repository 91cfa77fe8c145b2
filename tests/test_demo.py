"""The demo programme RL-2020 (workflow/services/demo.py) and the `flask` commands."""

from __future__ import annotations

import csv
import dataclasses
from collections import Counter
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from pathlib import Path as FsPath
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import aliased
from support import Browser

import states
from states.definition import PathDefinition
from workflow.cli import markdown_page
from workflow.demo import seed as demo
from workflow.extensions import db
from workflow.models import (
    AdvisorAssignment,
    Applicant,
    Document,
    Path,
    PathTransition,
    Programme,
    StageDeadline,
    StageSignoff,
    User,
)

ROOT = FsPath(__file__).resolve().parent.parent
TODAY = date(2026, 11, 28)
WARSAW = ZoneInfo("Europe/Warsaw")
RL = states.get_definition("rozwoj-lokalny")
DOMAIN = "demo.sciezka.pl"


def expected_towns() -> list[str]:
    """Read straight from the data file: the first 54 names that are not large cities."""
    with (ROOT / "data" / "seed_towns.csv").open(encoding="utf-8") as fh:
        names = [row["name"].strip() for row in csv.DictReader(fh)]
    return [n for n in names if n not in demo.LARGE_CITIES][:54]


def role_count(role: str) -> int:
    return db.session.scalar(select(func.count()).select_from(User).where(User.role == role))


def counts() -> dict[str, int]:
    models = (Programme, Path, User, Applicant, AdvisorAssignment, PathTransition, Document,
              StageSignoff, StageDeadline)
    return {m.__name__: db.session.scalar(select(func.count()).select_from(m)) for m in models}


def town_states() -> list[tuple[str, str, str]]:
    """(login, town, state) for every demo town in RL-2020, in login order."""
    rows = db.session.execute(
        select(User.email, Applicant.name, Path.state)
        .join(Applicant, Applicant.id == User.applicant_id)
        .join(Path, Path.applicant_id == Applicant.id)
        .join(Programme, Programme.id == Path.programme_id)
        .where(User.role == "town", Programme.code == "RL-2020")
        .order_by(User.email)
    )
    return [tuple(r) for r in rows]


@dataclass(frozen=True)
class Snapshot:
    """Everything one seed wrote, read back as plain data (the database is emptied after)."""

    logins: list[str]
    programmes: list[tuple[str, str, str]]  # code, path_code, timezone
    users: dict[str, tuple[str, str]]  # email -> (role, name)
    towns: list[tuple[str, str, str]]  # (login, town, state) in login order
    leads: list[tuple[str, str]]  # (town login, lead advisor login)
    assignment_kinds: list[str]
    paths: dict[int, dict]  # id -> name, state, version, created_at, updated_at
    transitions: list[dict]  # in (path, seq) order
    documents: list[dict]
    signoffs: list[dict]
    deadlines: dict[str, datetime]
    counts: dict[str, int]
    second_seed: tuple[bool, list[str]]
    counts_after_second_seed: dict[str, int]


def take_snapshot() -> Snapshot:
    users = {email: (role, name) for email, role, name in
             db.session.execute(select(User.email, User.role, User.name))}
    paths = {
        pid: {"name": name, "state": state, "version": version, "created_at": created,
              "updated_at": updated, "programme": code}
        for pid, name, state, version, created, updated, code in db.session.execute(
            select(Path.id, Applicant.name, Path.state, Path.version, Path.created_at,
                   Path.updated_at, Programme.code).join(Applicant, Applicant.id == Path.applicant_id)
            .join(Programme, Programme.id == Path.programme_id))
    }
    actor = aliased(User)
    transitions = [
        {"path_id": pid, "seq": seq, "event": event, "from": src, "to": dst,
         "actor": email, "actor_role": role, "comment": comment, "at": at}
        for pid, seq, event, src, dst, email, role, comment, at in db.session.execute(
            select(PathTransition.path_id, PathTransition.seq, PathTransition.event,
                   PathTransition.from_state, PathTransition.to_state, actor.email, actor.role,
                   PathTransition.comment, PathTransition.created_at)
            .outerjoin(actor, actor.id == PathTransition.actor_id)
            .order_by(PathTransition.path_id, PathTransition.seq))
    ]
    documents = [
        {"id": did, "path_id": pid, "stage": stage, "at": at, "mime": mime, "size": size}
        for did, pid, stage, at, mime, size in db.session.execute(
            select(Document.id, Document.path_id, Document.stage, Document.uploaded_at,
                   Document.mime_type, Document.size_bytes))
    ]
    signoffs = [
        {"path_id": pid, "stage": stage, "document_id": did, "at": at}
        for pid, stage, did, at in db.session.execute(
            select(StageSignoff.path_id, StageSignoff.stage, StageSignoff.document_id,
                   StageSignoff.created_at))
    ]
    town_user = aliased(User)
    lead_rows = db.session.execute(
        select(town_user.email, User.email, AdvisorAssignment.kind)
        .join(Path, Path.id == AdvisorAssignment.path_id)
        .join(User, User.id == AdvisorAssignment.advisor_id)
        .join(town_user, town_user.applicant_id == Path.applicant_id)
        .join(Programme, Programme.id == Path.programme_id).where(Programme.code == "RL-2020")
        .order_by(town_user.email)
    ).all()
    return Snapshot(
        logins=[],
        programmes=[tuple(r) for r in db.session.execute(
            select(Programme.code, Programme.path_code, Programme.timezone))],
        users=users,
        towns=town_states(),
        leads=[(t, a) for t, a, kind in lead_rows if kind == "lead"],
        assignment_kinds=[k for _, _, k in lead_rows],
        paths=paths,
        transitions=transitions,
        documents=documents,
        signoffs=signoffs,
        deadlines=dict(db.session.execute(
            select(StageDeadline.stage, StageDeadline.due_at).join(Programme)
            .where(Programme.code == "RL-2020")).all()),
        counts=counts(),
        second_seed=(True, []),
        counts_after_second_seed={},
    )


@pytest.fixture(scope="module")
def seeded(app, demo_snapshot, empty_copy) -> Snapshot:
    """The run's demo, seeded once by `flask demo seed` (tests/conftest.py), read back; then
    seeded again over itself; then the tables are emptied again."""
    demo_snapshot.snapshot.restore()
    try:
        with app.app_context():
            snap = take_snapshot()
            logins = [line.removeprefix("  ") for line in demo_snapshot.output.splitlines()
                      if line.startswith("  ")]
            second = demo.seed("other-password", today=TODAY + timedelta(days=30))
            snap = dataclasses.replace(snap, logins=logins, second_seed=second,
                                       counts_after_second_seed=counts())
    finally:
        empty_copy.restore()
    return snap


def emails_of(snap: Snapshot, role: str) -> list[str]:
    """The accounts of a role, a partnership's people aside (their logins: cwdNN@, cwdNN-MM@)."""
    return sorted(e for e, (r, _) in snap.users.items() if r == role and not e.startswith("cwd"))


def definition_of(snap: Snapshot, path_id: int) -> PathDefinition:
    path_code = {code: path_code for code, path_code, _ in snap.programmes}
    return states.get_definition(path_code[snap.paths[path_id]["programme"]])


# --- what the seed creates -------------------------------------------------------------------------


def test_seed_creates_the_programme_and_its_people(seeded):
    # RL-2019 (workflow/services/demo_evaluation.py): the same towns, a path each.
    # CWD-2020 (workflow/demo/partnerships.py, tests/test_demo_partnerships.py): 33 partnerships.
    assert sorted(seeded.programmes) == [("CWD-2020", "partnerstwa", "Europe/Warsaw"),
                                         ("RL-2019", "rozwoj-lokalny", "Europe/Warsaw"),
                                         ("RL-2020", "rozwoj-lokalny", "Europe/Warsaw")]
    assert Counter(p["programme"] for p in seeded.paths.values()) == {"RL-2020": 54, "RL-2019": 54,
                                                                      "CWD-2020": 33}
    # The town teams of RL-2020, and the monitoring's cities' teams (three accounts each: 0038).
    assert [e for e in emails_of(seeded, "town") if e.startswith("town")] == [
        f"town{n:02d}@{DOMAIN}" for n in range(1, 55)]
    assert len([e for e in emails_of(seeded, "town") if e.startswith("city")]) == 32 * 3
    assert emails_of(seeded, "moderator") == [f"moderator{n:02d}@{DOMAIN}" for n in range(1, 10)]
    assert emails_of(seeded, "advisor") == [f"advisor{n:02d}@{DOMAIN}" for n in range(1, 75)]
    assert emails_of(seeded, "evaluator") == [f"evaluator{n:02d}@{DOMAIN}" for n in range(1, 13)]
    assert emails_of(seeded, "coordinator") == [f"coordinator@{DOMAIN}"]
    assert len([e for e in seeded.users if not e.startswith("cwd")]) == 54 + 74 + 12 + 1 + 32 * 3 + 9
    # Real-looking, mostly distinct names for the advisors.
    assert len({seeded.users[e][1] for e in emails_of(seeded, "advisor")}) >= 20
    assert any("coordinator@demo.sciezka.pl" in line for line in seeded.logins)
    assert any("town01@demo.sciezka.pl" in line and "town54@demo.sciezka.pl" in line
               for line in seeded.logins)


def test_town_logins_follow_the_order_of_the_data_file(seeded):
    assert [email for email, _, _ in seeded.towns] == [f"town{n:02d}@{DOMAIN}" for n in range(1, 55)]
    assert [town for _, town, _ in seeded.towns] == expected_towns()
    assert seeded.towns[0][1] == "Dąbrowa Tarnowska"
    assert not set(expected_towns()) & demo.LARGE_CITIES
    for email, town, _ in seeded.towns:
        assert seeded.users[email] == ("town", f"Zespół Miejski {town}")


def test_each_town_has_its_own_lead_advisor_with_the_same_number(seeded):
    # One lead per town; the field experts of the advisory side come on top of them.
    assert seeded.assignment_kinds.count("lead") == 54
    assert set(seeded.assignment_kinds) == {"lead", "expert"}
    assert seeded.leads == [(f"town{n:02d}@{DOMAIN}", f"advisor{n:02d}@{DOMAIN}") for n in range(1, 55)]


def test_town01_starts_at_the_very_beginning_and_the_rest_are_spread(seeded):
    assert seeded.towns[0][2] == "diagnosis.draft"
    first = next(pid for pid, p in seeded.paths.items()
                 if p["name"] == "Dąbrowa Tarnowska" and p["programme"] == "RL-2020")
    assert [d for d in seeded.documents if d["path_id"] == first] == []
    assert [t for t in seeded.transitions if t["path_id"] == first] == []
    by_state = Counter(state for _, _, state in seeded.towns)
    assert len(by_state) >= 10
    assert by_state == dict(demo.SPREAD)
    assert all(RL.has_state(s) for s in by_state)


def test_stage_deadlines_are_anchored_on_today_in_warsaw(seeded):
    assert seeded.deadlines == {
        "diagnosis": datetime(2026, 12, 12, 23, 59, tzinfo=WARSAW),
        "prl": datetime(2027, 1, 12, 23, 59, tzinfo=WARSAW),
        "pri": datetime(2027, 2, 11, 23, 59, tzinfo=WARSAW),
        "application": datetime(2027, 3, 13, 23, 59, tzinfo=WARSAW),
    }
    # 23:59 Warsaw in winter is 22:59 UTC; the database hands back aware UTC moments.
    assert seeded.deadlines["diagnosis"].utcoffset() == timedelta(0)
    assert seeded.deadlines["diagnosis"].hour == 22


def test_every_history_is_a_consistent_chain_ending_in_the_paths_state(seeded):
    moment_of_seeding = datetime(2026, 11, 28, tzinfo=WARSAW)
    for pid, path in seeded.paths.items():
        history = [t for t in seeded.transitions if t["path_id"] == pid]
        definition = definition_of(seeded, pid)
        here = definition.initial
        for record in history:
            assert record["from"] == here, (path["name"], record["event"])
            transition = definition.transition_from(record["from"], record["event"])
            assert transition is not None and transition.target == record["to"]
            here = record["to"]
            assert record["at"] < moment_of_seeding  # the history lies in the past
            if transition.comment_required:
                assert record["comment"].strip()
        assert here == path["state"], path["name"]
        seqs = [r["seq"] for r in history]
        assert all(a < b for a, b in zip(seqs, seqs[1:], strict=False))
        if history:  # nothing touched the path after its last transition
            assert history[-1]["seq"] == path["version"] - 1
        times = [r["at"] for r in history]
        assert times == sorted(times)
        if history:
            assert path["updated_at"] == history[-1]["at"]


def test_every_submission_had_its_stage_document_uploaded_before_it(seeded):
    submissions = [t for t in seeded.transitions if t["event"].startswith("submit_")]
    assert len(submissions) > 40
    for record in submissions:
        stage = definition_of(seeded, record["path_id"]).state(record["from"]).stage
        docs = [d for d in seeded.documents if d["path_id"] == record["path_id"]
                and d["stage"] == stage and d["at"] <= record["at"]]
        assert docs, (seeded.paths[record["path_id"]]["name"], record["event"])
        assert all(d["mime"] == "application/pdf" and d["size"] > 0 for d in docs)
    for record in (t for t in submissions if t["event"] == "submit_application"):
        signed = [s for s in seeded.signoffs
                  if s["path_id"] == record["path_id"] and s["stage"] == "application"]
        assert len(signed) == 1


def test_every_actor_in_the_history_holds_the_role_the_transition_needs(seeded):
    need = {"town": "applicant", "advisor": "advisor", "coordinator": "coordinator"}
    town_of = {town: email for email, town, _ in seeded.towns}
    for record in seeded.transitions:
        definition = definition_of(seeded, record["path_id"])
        allowed = definition.transition_from(record["from"], record["event"]).roles
        if seeded.paths[record["path_id"]]["programme"] == "CWD-2020":  # a partnership: its leader
            assert record["actor_role"] != "town" or ("leader" in allowed
                                                     and "-" not in record["actor"].split("@")[0])
            assert record["actor_role"] == "town" or need[record["actor_role"]] in allowed
            continue
        assert need[record["actor_role"]] in allowed, (record["event"], record["actor"])
        if record["actor_role"] == "town":  # the town's own team, not another town
            assert record["actor"] == town_of[seeded.paths[record["path_id"]]["name"]]


def test_every_signoff_is_dated_before_the_submission_it_allowed(seeded):
    """Regression: sign-offs were stamped with the real clock, months after the submission."""
    submitted = {t["path_id"]: t["at"] for t in seeded.transitions if t["event"] == "submit_application"}
    assert submitted
    for signoff in seeded.signoffs:
        assert signoff["at"] <= submitted[signoff["path_id"]]


def test_every_path_is_created_before_its_first_transition(seeded):
    """Regression: paths were stamped with the real clock, months after their history."""
    for pid, path in seeded.paths.items():
        history = [t for t in seeded.transitions if t["path_id"] == pid]
        if history:
            assert path["created_at"] <= history[0]["at"], path["name"]


# --- once, and always the same -----------------------------------------------------------------------


def test_seeding_again_creates_nothing(seeded):
    created, logins = seeded.second_seed
    assert created is False
    assert logins[0] == seeded.logins[0]
    assert seeded.counts_after_second_seed == seeded.counts
    assert seeded.counts["Path"] == 2 * 54 + 33  # RL-2020 and RL-2019, CWD-2020


def test_seed_is_deterministic_and_only_the_calendar_follows_today(seeded, ctx):
    later = TODAY + timedelta(days=45)
    created, _ = demo.seed("demo", today=later)
    assert created is True
    again = take_snapshot()
    assert again.towns == seeded.towns
    assert again.leads == seeded.leads
    assert again.users == seeded.users
    assert again.counts == seeded.counts

    def history(snap: Snapshot) -> list[tuple[str, int, str, str | None, datetime]]:
        name = {pid: p["name"] for pid, p in snap.paths.items()}
        return [(name[t["path_id"]], t["seq"], t["event"], t["actor"], t["at"])
                for t in snap.transitions]

    first, second = history(seeded), history(again)
    assert [h[:4] for h in second] == [h[:4] for h in first]
    # Every moment of the history moved by exactly the 45 days (both runs lie in summer time).
    assert {b[4] - a[4] for a, b in zip(first, second, strict=True)} == {timedelta(days=45)}
    # Deadlines stay at 23:59 Warsaw wall time, even where 45 days later is across a clock change.
    def wall(due: dict[str, datetime], shift: timedelta = timedelta(0)) -> dict[str, datetime]:
        return {k: v.astimezone(WARSAW).replace(tzinfo=None) + shift for k, v in due.items()}

    assert wall(again.deadlines) == wall(seeded.deadlines, timedelta(days=45))
    assert {v.astimezone(WARSAW).time() for v in again.deadlines.values()} == {time(23, 59)}


# --- the flask commands ---------------------------------------------------------------------------


def test_cli_demo_seed_prints_logins_and_refuses_a_second_seed(app, demo_db, ctx):
    # What `flask demo seed --today 2026-11-28` printed when the run seeded the demo.
    result = demo_db.output
    assert "coordinator@demo.sciezka.pl" in result
    assert "town01@demo.sciezka.pl" in result
    assert "Demo programme RL-2020 created" in result
    assert "cwd01@demo.sciezka.pl" in result and "cwd33@demo.sciezka.pl" in result
    towns = role_count("town")
    # RL-2020's teams, the monitoring cities' (0038), every municipality of every partnership
    assert towns > 54 + 32 * 3 + 33

    runner = app.test_cli_runner()
    again = runner.invoke(args=["demo", "seed", "--today", "2026-11-28"])
    assert again.exit_code == 0, again.output
    assert "already exists" in again.output
    assert "created." not in again.output
    assert role_count("town") == towns

    # The accounts the command printed work with the demo password.
    db.session.remove()
    town = Browser(app)
    assert town.login("town01@demo.sciezka.pl", "demo").status_code == 302
    assert "Dąbrowa Tarnowska" in town.get("/town/").get_data(as_text=True)
    coordinator = Browser(app)
    assert coordinator.login("coordinator@demo.sciezka.pl", "demo").status_code == 302
    overview = coordinator.get("/coordinator/").get_data(as_text=True)
    assert "RL-2020" in overview and "Pokazano 1–25 z 54" in overview


def test_cli_rejects_a_malformed_date(app, ctx):
    result = app.test_cli_runner().invoke(args=["demo", "seed", "--today", "28.11.2026"])
    assert result.exit_code != 0
    assert role_count("town") == 0


def test_cli_path_mermaid_prints_a_state_diagram(app):
    runner = app.test_cli_runner()
    result = runner.invoke(args=["path", "mermaid"])
    assert result.exit_code == 0, result.output
    assert result.output == states.to_mermaid(RL, "pl")
    assert result.output.startswith("stateDiagram-v2\n")

    english = runner.invoke(args=["path", "mermaid", "partnerstwa", "--locale", "en"])
    assert english.exit_code == 0, english.output
    assert english.output == states.to_mermaid(states.get_definition("partnerstwa"), "en")
    assert "Small-town partnerships" in english.output


def test_cli_path_mermaid_writes_the_markdown_page(app, tmp_path):
    target = tmp_path / "path.md"
    result = app.test_cli_runner().invoke(
        args=["path", "mermaid", "rozwoj-lokalny", "--write", str(target)])
    assert result.exit_code == 0, result.output
    text = target.read_text(encoding="utf-8")
    assert text == markdown_page(RL, states.to_mermaid(RL, "pl"))
    assert "```mermaid\nstateDiagram-v2\n" in text
    for t in RL.transitions:
        assert f"| `{t.event}` |" in text


@pytest.mark.parametrize("code", ["rozwoj-lokalny", "partnerstwa"])
def test_committed_diagram_page_is_up_to_date(code):
    definition = states.get_definition(code)
    committed = ROOT / "docs" / f"path-{code}.md"
    command = f"flask --app wsgi path mermaid {code} --write docs/path-{code}.md"
    assert committed.exists(), f"docs/path-{code}.md is missing: {command}"
    expected = markdown_page(definition, states.to_mermaid(definition, "pl"))
    assert committed.read_text(encoding="utf-8") == expected, (
        f"docs/path-{code}.md is out of date with states/: regenerate it with {command}")
