"""Ranking runs on the database: inputs read with a fixed number of queries, previews with
missing sheets, official snapshots refused while sheets are missing, approval against the
preview's inputs, the announcement (exactly once, in one transaction), comparison, the
Celery task, and the CLI that saves nothing."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
import sqlalchemy as sa
from factories.path import make_town
from factories.ranking import T0, TOWNS, Built, TownSpec, add_sheet, build, move
from support.querycount import count_queries

from workflow.extensions import db
from workflow.models import (
    Notification,
    Path,
    PathTransition,
    Programme,
    RankingSnapshot,
)
from workflow.ranking import rule as ranking
from workflow.ranking import runs as ranking_runs
from workflow.ranking.runs import RankingRefused
from workflow.refusal import in_language


@pytest.fixture
def built(ctx) -> Built:
    return build()


@pytest.fixture
def missing(ctx) -> Built:
    """Kolno has one sheet submitted and its second still a draft."""
    return build((*TOWNS, TownSpec("Kolno", "10000000.00", ((75, 85),), drafts=1)))


def outcomes(doc: dict) -> list[tuple[str, int | None, str]]:
    return [(a["town"], a["rank"], a["outcome"]) for a in doc["applications"]]


def snapshot_count() -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(RankingSnapshot))


# --- inputs ----------------------------------------------------------------------------------

def test_inputs_are_every_submitted_application_with_its_sheets(built):
    apps = {a.town: a for a in ranking_runs.load_inputs(built.programme)}
    assert set(apps) == {t.name for t in TOWNS}
    first = apps["Ostrzeszów"]
    assert first.requested == Decimal("38000000.00")
    assert first.formal_check == "passed" and apps["Ćmielów"].formal_check == "failed"
    assert first.submitted_at == T0
    assert [(s.evaluator, s.parts) for s in first.sheets] == [
        ("oceniajacy0@example.pl", {"PRL": 91, "PRI": 97}),
        ("oceniajacy1@example.pl", {"PRL": 90, "PRI": 95})]
    assert ranking_runs.sheet_parts(built.programme) == (("PRL", 110), ("PRI", 120))


def test_submission_time_is_the_last_submission_after_a_return(ctx):
    b = build(TOWNS[:1])
    path = b.path("Ostrzeszów")
    # back to formal check, returned for correction and submitted again two days later
    path.state = "formal_check"
    db.session.flush()
    move(path, "return_application", T0 + timedelta(days=1))
    move(path, "submit_application", T0 + timedelta(days=2))
    move(path, "pass_formal_check", T0 + timedelta(days=3))
    db.session.commit()
    (app,) = ranking_runs.load_inputs(b.programme)
    assert app.submitted_at == T0 + timedelta(days=2)


def test_drafts_withdrawn_paths_and_unsubmitted_ones_are_not_inputs(missing):
    make_town(missing.programme, "Wycofane", state="withdrawn")
    make_town(missing.programme, "Szkic", state="prl.draft")
    db.session.commit()
    apps = {a.town: a for a in ranking_runs.load_inputs(missing.programme)}
    assert "Wycofane" not in apps and "Szkic" not in apps
    assert len(apps["Kolno"].sheets) == 1  # the draft sheet does not count


def test_reading_the_inputs_costs_the_same_queries_for_ten_times_the_applications(ctx):
    small = build(tuple(TownSpec(f"Małe {i}", "1000000.00", ((80, 90), (81, 91))) for i in range(3)),
                  code="RL-S")
    large = build(tuple(TownSpec(f"Duże {i}", "1000000.00", ((80, 90), (81, 91))) for i in range(30)),
                  code="RL-L")
    counts = []
    for b in (small, large):
        db.session.expire_all()
        programme = db.session.get(Programme, b.programme.id)
        with count_queries(db.engine) as log:
            apps = ranking_runs.load_inputs(programme)
            settings = ranking_runs.settings_of(programme)
        counts.append(log.count)
        assert len(apps) == len(b.paths) and all(len(a.sheets) == 2 for a in apps)
        assert settings.parts == (("PRL", 110), ("PRI", 120))
    assert counts[0] == counts[1] == 4, counts  # parts, applications, points; parts for the settings


# --- preview, official, approval --------------------------------------------------------------

def test_a_preview_ranks_and_keeps_everything_it_was_computed_from(built):
    snap = ranking_runs.run(built.programme, built.coordinator)
    assert (snap.kind, snap.status, snap.rule_version) == ("preview", "done", ranking.FULL_RULE_VERSION)
    assert outcomes(snap.result) == [("Ostrzeszów", 1, "awarded"), ("Wałcz", 2, "awarded"),
                                     ("Łobez", 3, "reserve"), ("Żnin", None, "not_eligible"),
                                     ("Ćmielów", None, "not_eligible")]
    assert snap.settings["cap"] == 2 and snap.settings["budget"] == "100000000.00"
    # the same inputs and settings give the same document and digest
    again = ranking.rank(ranking.inputs_from_json(snap.inputs), ranking.settings_from_json(snap.settings))
    assert ranking.to_document(again, "RL-RANK") == snap.result
    assert ranking.digest(ranking_runs.load_inputs(built.programme)) == snap.inputs_digest


def test_what_if_settings_override_the_programmes(built):
    overrides = {"cap": None, "budget": None, "threshold": 50}
    snap = ranking_runs.run(built.programme, built.coordinator, overrides)
    # Żnin passes a 50 % threshold (61 of 110 in PRL); no cap, no budget: every eligible one wins
    assert outcomes(snap.result)[:4] == [("Ostrzeszów", 1, "awarded"), ("Wałcz", 2, "awarded"),
                                         ("Łobez", 3, "awarded"), ("Żnin", 4, "awarded")]
    assert db.session.get(Programme, built.programme.id).winners_cap == 2  # the programme is unchanged


def test_a_preview_with_missing_sheets_marks_them(missing):
    snap = ranking_runs.run(missing.programme, missing.coordinator)
    kolno = next(a for a in snap.result["applications"] if a["town"] == "Kolno")
    assert (kolno["rank"], kolno["outcome"]) == (None, "not_eligible")
    assert kolno["reason"] == "brak wymaganych kart"


def test_an_official_ranking_is_refused_while_sheets_are_missing_and_names_the_towns(missing):
    before = snapshot_count()
    with pytest.raises(RankingRefused) as refused:
        ranking_runs.run(missing.programme, missing.coordinator, kind="official")
    assert in_language(refused.value.reasons[0], "pl") == "Brak wymaganych kart oceny: Kolno."
    preview = ranking_runs.run(missing.programme, missing.coordinator)
    with pytest.raises(RankingRefused, match="Kolno"):
        ranking_runs.approve(preview, missing.coordinator)
    assert snapshot_count() == before + 1  # only the preview


def test_approve_makes_a_new_official_snapshot_and_leaves_the_preview_alone(built):
    preview = ranking_runs.run(built.programme, built.coordinator, {"policy": "skip"})
    kept = (preview.kind, preview.result, preview.approved_at)
    official = ranking_runs.approve(preview, built.coordinator)
    assert official.id != preview.id
    assert (official.kind, official.status, official.based_on_id) == ("official", "done", preview.id)
    assert official.approved_by_id == built.coordinator.id and official.approved_at is not None
    assert official.result == preview.result and official.inputs_digest == preview.inputs_digest
    assert official.settings == preview.settings
    db.session.expire_all()
    preview = db.session.get(RankingSnapshot, preview.id)
    assert (preview.kind, preview.result, preview.approved_at) == kept


def test_approve_is_refused_when_the_data_changed_since_the_preview(built):
    preview = ranking_runs.run(built.programme, built.coordinator)
    path = built.path("Łobez")
    path.requested_amount = Decimal("19000000.00")
    db.session.commit()
    before = snapshot_count()
    with pytest.raises(RankingRefused) as refused:
        ranking_runs.approve(preview, built.coordinator)
    said = in_language(refused.value.reasons[0], "pl")
    assert said == "dane zmieniły się od podglądu – uruchom podgląd ponownie"
    assert snapshot_count() == before


def test_only_a_preview_can_be_approved(built):
    official = ranking_runs.approve(ranking_runs.run(built.programme, built.coordinator), built.coordinator)
    with pytest.raises(RankingRefused):
        ranking_runs.approve(official, built.coordinator)


# --- the announcement --------------------------------------------------------------------------

def announce_built(b: Built) -> RankingSnapshot:
    official = ranking_runs.approve(ranking_runs.run(b.programme, b.coordinator), b.coordinator)
    return ranking_runs.announce(official, b.coordinator)


def counts() -> tuple[int, int, int]:
    db.session.expire_all()
    return tuple(db.session.scalar(sa.select(sa.func.count()).select_from(model))
                 for model in (PathTransition, Notification, Path))


def test_announce_moves_every_path_records_transitions_and_notifies_each_town(built):
    official = announce_built(built)
    db.session.expire_all()
    assert {name: built.path(name).state for name in built.paths} == {
        "Ostrzeszów": "awarded", "Wałcz": "awarded", "Łobez": "reserve", "Żnin": "not_awarded",
        "Ćmielów": "rejected"}
    history = db.session.execute(
        sa.select(PathTransition.path_id, PathTransition.event, PathTransition.seq, PathTransition.actor_id,
                  PathTransition.comment)
        .where(PathTransition.event.in_(("rank", "award", "place_on_reserve", "not_award")))
        .order_by(PathTransition.path_id, PathTransition.seq)).all()
    by_path = {}
    for path_id, event, seq, actor_id, comment in history:
        assert actor_id == built.coordinator.id
        assert comment == f"Ogłoszenie wyników – ranking #{official.id}"
        by_path.setdefault(path_id, []).append((event, seq))
    ids = {name: p.id for name, p in built.paths.items()}
    assert by_path == {ids["Ostrzeszów"]: [("rank", 3), ("award", 4)],
                       ids["Wałcz"]: [("rank", 3), ("award", 4)],
                       ids["Łobez"]: [("rank", 3), ("place_on_reserve", 4)],
                       ids["Żnin"]: [("rank", 3), ("not_award", 4)]}
    assert built.path("Ostrzeszów").version == 5
    notes = {n.recipient_id: n for n in db.session.scalars(
        sa.select(Notification).where(Notification.kind == "results_announced"))}
    assert set(notes) == {built.members[n].id for n in ("Ostrzeszów", "Wałcz", "Łobez", "Żnin")}
    assert "Otrzymano dofinansowanie" in notes[built.members["Ostrzeszów"].id].body
    assert "Na liście rezerwowej" in notes[built.members["Łobez"].id].body
    assert notes[built.members["Żnin"].id].status == "sent"
    snap = db.session.get(RankingSnapshot, official.id)
    assert snap.announced_at is not None and snap.announced_by_id == built.coordinator.id


def test_the_announcement_moves_paths_through_the_engine_as_the_system(built):
    """Each move of the announcement is the engine's: one audit record per transition, made
    by the coordinator who announced, naming the system actor."""
    from workflow.audit.log import detail_of
    from workflow.models import AuditEvent

    announce_built(built)
    moves = db.session.execute(sa.select(PathTransition.path_id, PathTransition.event, PathTransition.seq)
                               .where(PathTransition.event.in_(("rank", "award", "place_on_reserve",
                                                                "not_award")))).all()
    audited = [(e.object_id, detail_of(e)) for e in db.session.scalars(
        sa.select(AuditEvent).where(AuditEvent.action == "transition",
                                    AuditEvent.actor_id == built.coordinator.id))]
    by_system = sorted((pid, d["event"], d["seq"]) for pid, d in audited if d.get("system") == "announcement")
    assert by_system == sorted(tuple(m) for m in moves) and len(moves) == 8


def test_announcing_twice_or_a_second_snapshot_is_refused_and_changes_nothing(built):
    official = announce_built(built)
    other = ranking_runs.run(built.programme, built.coordinator, kind="official")
    before = counts()
    for snap in (official, other):
        with pytest.raises(RankingRefused) as refused:
            ranking_runs.announce(db.session.get(RankingSnapshot, snap.id), built.coordinator)
        said = in_language(refused.value.reasons[0], "pl")
        assert said == f"Wyniki programu zostały już ogłoszone (ranking #{official.id})."
    assert counts() == before
    assert db.session.get(RankingSnapshot, other.id).announced_at is None


def test_the_database_itself_allows_one_announced_snapshot_per_programme(built):
    first = ranking_runs.run(built.programme, built.coordinator, kind="official")
    second = ranking_runs.run(built.programme, built.coordinator, kind="official")
    first.announced_at = datetime.now(UTC)
    db.session.commit()
    second.announced_at = datetime.now(UTC)
    with pytest.raises(sa.exc.IntegrityError):
        db.session.commit()
    db.session.rollback()


def test_a_preview_cannot_be_announced(built):
    preview = ranking_runs.run(built.programme, built.coordinator)
    with pytest.raises(RankingRefused):
        ranking_runs.announce(preview, built.coordinator)


def test_announce_is_refused_when_the_data_changed_since_approval(built):
    official = ranking_runs.approve(ranking_runs.run(built.programme, built.coordinator), built.coordinator)
    add_sheet(built.path("Ćmielów"), built.evaluators[0], (100, 100))
    db.session.commit()
    before = counts()
    with pytest.raises(RankingRefused, match="changed since the ranking was approved"):
        ranking_runs.announce(official, built.coordinator)
    assert counts() == before


def test_a_path_in_an_unexpected_state_stops_the_whole_announcement(built):
    official = ranking_runs.approve(ranking_runs.run(built.programme, built.coordinator), built.coordinator)
    # Łobez (reserve in the ranking) was awarded by hand meanwhile: the inputs are the same,
    # but awarded → reserve is no transition of the path.
    path = built.path("Łobez")
    move(path, "rank", T0 + timedelta(days=5))
    move(path, "award", T0 + timedelta(days=5))
    db.session.commit()
    before = counts()
    with pytest.raises(RankingRefused, match="Łobez"):
        ranking_runs.announce(official, built.coordinator)
    assert counts() == before
    assert built.path("Ostrzeszów").state == "evaluation"
    assert db.session.get(RankingSnapshot, official.id).announced_at is None


# --- compare, exports ----------------------------------------------------------------------------

def test_compare_shows_per_town_what_changed(built):
    a = ranking_runs.run(built.programme, built.coordinator)
    b = ranking_runs.run(built.programme, built.coordinator, {"cap": 3, "threshold": 50})
    changes = {c.town: c for c in ranking_runs.compare(a, b)}
    assert changes["Ostrzeszów"].changes == ()
    assert changes["Łobez"].before.outcome == "reserve" and changes["Łobez"].after.outcome == "awarded"
    assert changes["Łobez"].changes == ("outcome",)
    assert changes["Żnin"].before == ranking_runs.Placing(None, "not_eligible", 151.0)
    assert changes["Żnin"].after == ranking_runs.Placing(4, "reserve", 151.0)
    assert changes["Żnin"].changes == ("outcome", "rank")
    assert [c.town for c in ranking_runs.compare(a, b)][:2] == ["Ostrzeszów", "Wałcz"]


def test_path_ids_follow_the_document(built):
    snap = ranking_runs.run(built.programme, built.coordinator)
    names = [a["town"] for a in snap.result["applications"]]
    assert ranking_runs.path_ids(snap) == [built.paths[n].id for n in names]


def test_grants_360_lists_the_awarded_grants(built):
    snap = ranking_runs.run(built.programme, built.coordinator)
    package = ranking_runs.grants_360(snap)
    assert [g["id"] for g in package["grants"]] == [
        f"PL-SCIEZKA-RL-RANK-{built.paths['Ostrzeszów'].id}", f"PL-SCIEZKA-RL-RANK-{built.paths['Wałcz'].id}"]
    grant = package["grants"][0]
    assert set(grant) == {"id", "title", "description", "currency", "amountAwarded", "awardDate",
                          "recipientOrganization", "fundingOrganization"}
    assert grant["currency"] == "PLN" and grant["amountAwarded"] == 38000000
    assert grant["recipientOrganization"][0]["name"] == "Ostrzeszów"
    assert grant["fundingOrganization"][0]["name"]
    datetime.fromisoformat(grant["awardDate"])


# --- the task and the CLI --------------------------------------------------------------------

def test_the_task_fills_a_queued_snapshot_in_process(built):
    from worker.tasks import run_ranking

    queued = ranking_runs.queue_run(built.programme, built.coordinator, {"cap": 1})
    assert queued.status == "queued"
    result = run_ranking.delay(built.programme.id, built.coordinator.id, {"cap": 1}, "preview", queued.id)
    assert result.get() == queued.id
    db.session.expire_all()
    snap = db.session.get(RankingSnapshot, queued.id)
    assert snap.status == "done" and outcomes(snap.result)[1] == ("Wałcz", 2, "reserve")


def test_a_refused_official_task_marks_its_snapshot_failed_with_the_towns(missing):
    from worker.tasks import run_ranking

    queued = ranking_runs.queue_run(missing.programme, missing.coordinator, {}, "official")
    task = run_ranking.delay(missing.programme.id, missing.coordinator.id, {}, "official", queued.id)
    assert task.get() is None
    db.session.expire_all()
    snap = db.session.get(RankingSnapshot, queued.id)
    assert snap.status == "failed" and "Kolno" in snap.error and snap.result is None


def test_the_cli_prints_the_preview_document_and_saves_nothing(app, built):
    expected = ranking_runs.preview(built.programme, cap=15, budget="450000000")
    before = snapshot_count()
    result = app.test_cli_runner().invoke(args=["rank", "RL-RANK", "--cap", "15", "--budget", "450 000 000",
                                                "--json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.output) == expected
    assert outcomes(expected)[2] == ("Łobez", 3, "awarded")
    table = app.test_cli_runner().invoke(args=["rank", "RL-RANK", "--policy", "skip", "--threshold", "50"])
    assert table.exit_code == 0, table.output
    lines = table.output.splitlines()
    header = next(i for i, line in enumerate(lines) if line.startswith("miejsce"))
    assert lines[header + 2].split()[:2] == ["1", "Ostrzeszów"]
    assert "niespełnione warunki" in table.output and "negatywna ocena formalna" in table.output
    assert len({len(line) for line in lines[header + 2:header + 4]}) == 1  # aligned columns
    db.session.expire_all()
    assert snapshot_count() == before


def test_the_cli_refuses_an_unknown_programme_and_bad_values(app, built):
    runner = app.test_cli_runner()
    unknown = runner.invoke(args=["rank", "NIE-MA"])
    assert unknown.exit_code == 2 and "NIE-MA" in unknown.output
    for args in (["--cap", "-1"], ["--budget", "abc"], ["--threshold", "120"], ["--policy", "x"]):
        assert runner.invoke(args=["rank", "RL-RANK", *args]).exit_code == 2, args


def test_the_ranking_reads_the_same_final_scores_as_the_evaluation_pages(ctx):
    from workflow.evaluation.scores import application_scores

    b = build((*TOWNS, TownSpec("Kolno", "10000000.00", ((50, 50), (100, 100), (95, 96))),
               TownSpec("Śrem", "10000000.00", ((75, 85),), drafts=1)))
    settings = ranking_runs.settings_of(b.programme)
    ours = {r.application.path_id: r.final
            for r in ranking.rank(ranking_runs.load_inputs(b.programme), settings).rows}
    theirs = {s.path_id: s.final for s in application_scores(b.programme)}
    assert set(theirs) >= set(ours)
    assert {pid: ours[pid] for pid in ours} == {pid: theirs[pid] for pid in ours}
    assert ours[b.paths["Kolno"].id].counted == (1, 2)


def _inputs_read_plainly(programme: Programme) -> list[ranking.Application]:
    """The ranking's inputs with their sheets read the plainest way, as before the points
    were summed per part in SQL: every score row of a counted sheet on its own (submitted,
    of the path's current round, no declared conflict), added up per sheet and part here,
    the sheets of a path in scoring order (the regular ones by assignment id, then the third)."""
    from dataclasses import replace

    from workflow.evaluation.scoring import SheetTotals
    from workflow.models import Criterion, EvaluatorAssignment, Score, ScoreSheet, SheetPart, User

    codes = [code for code, _maximum in ranking_runs.sheet_parts(programme)]
    rows = db.session.execute(
        sa.select(EvaluatorAssignment.path_id, EvaluatorAssignment.id, EvaluatorAssignment.role,
                  EvaluatorAssignment.declaration, User.email, SheetPart.code, Score.points)
        .join(Path, sa.and_(Path.id == EvaluatorAssignment.path_id,
                            Path.evaluation_round == EvaluatorAssignment.round))
        .join(User, User.id == EvaluatorAssignment.evaluator_id)
        .join(ScoreSheet, ScoreSheet.assignment_id == EvaluatorAssignment.id)
        .join(Score, Score.sheet_id == ScoreSheet.id)
        .join(Criterion, Criterion.id == Score.criterion_id)
        .join(SheetPart, SheetPart.id == Criterion.part_id)
        .where(Path.programme_id == programme.id, ScoreSheet.status == "submitted")).all()
    sheets: dict[int, tuple[int, bool, str, dict[str, int]]] = {}
    for path_id, assignment_id, role, declaration, email, code, points in rows:
        if declaration == "conflict":
            continue
        sheet = sheets.setdefault(assignment_id, (path_id, role == "third", email, dict.fromkeys(codes, 0)))
        sheet[3][code] += points or 0
    by_path: dict[int, list[SheetTotals]] = {}
    in_order = sorted(sheets.items(), key=lambda s: (s[1][0], s[1][1], s[0]))
    for _id, (path_id, _third, email, parts) in in_order:
        by_path.setdefault(path_id, []).append(SheetTotals(email, parts))
    return [replace(a, sheets=tuple(by_path.get(a.path_id, ()))) for a in ranking_runs.load_inputs(programme)]


def test_the_points_summed_in_sql_give_the_same_ranking_as_every_score_row_read(ctx):
    """load_inputs sums each sheet's points per part in the database (one row per sheet); the
    inputs, their digest and the ranking document equal those made from every score row read
    one by one. With a third evaluator, a draft, a declared conflict, a sheet of an earlier
    round, an empty criterion and a part without any score."""
    from workflow.models import EvaluatorAssignment, Score, ScoreSheet

    b = build((*TOWNS, TownSpec("Kolno", "10000000.00", ((50, 50), (100, 100), (95, 96))),
               TownSpec("Śrem", "10000000.00", ((75, 85),), drafts=1),
               TownSpec("Pisz", "12000000.00", ((77, 88), (79, 86)))))
    pisz, walcz = b.paths["Pisz"], b.paths["Wałcz"]
    first_of_pisz = db.session.scalar(sa.select(sa.func.min(EvaluatorAssignment.id))
                                      .where(EvaluatorAssignment.path_id == pisz.id))
    conflicted = add_sheet(pisz, b.evaluators[2], (10, 10))  # submitted, then a conflict declared
    conflicted.declaration = "conflict"
    # Wałcz's evaluation re-opened after an upheld appeal: its two sheets are of round 2 now,
    # a sheet of round 1 is history.
    db.session.execute(sa.update(EvaluatorAssignment).where(EvaluatorAssignment.path_id == walcz.id)
                       .values(round=2))
    walcz.evaluation_round = 2
    add_sheet(walcz, b.evaluators[2], (5, 5)).round = 1
    scores = db.session.scalars(sa.select(Score).join(ScoreSheet, ScoreSheet.id == Score.sheet_id)
                                .where(ScoreSheet.assignment_id == first_of_pisz).order_by(Score.id)).all()
    scores[0].points = None  # an empty criterion counts 0
    for score in scores[-2:]:  # the sheet's last part (PRI) has no score at all
        db.session.delete(score)
    db.session.commit()

    settings = ranking_runs.settings_of(b.programme)
    summed, plain = ranking_runs.load_inputs(b.programme), _inputs_read_plainly(b.programme)
    assert summed == plain
    assert ranking.digest(summed) == ranking.digest(plain)
    assert (ranking.to_document(ranking.rank(summed, settings), "RL") ==
            ranking.to_document(ranking.rank(plain, settings), "RL"))
    by_town = {a.town: a for a in summed}
    assert [s.parts["PRI"] for s in by_town["Pisz"].sheets] == [0, 86]
    assert len(by_town["Pisz"].sheets) == 2 and len(by_town["Wałcz"].sheets) == 2
    assert len(by_town["Kolno"].sheets) == 3 and len(by_town["Śrem"].sheets) == 1
