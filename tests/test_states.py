"""The path definitions in states/: pure data and pure functions, no app, no database."""

from __future__ import annotations

import dataclasses
import re
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

import states
from states import GUARDS, REGISTRY, get_definition, to_mermaid
from states.definition import ROLES, STEPS, PathDefinition, Stage, State, Transition
from states.guards import GuardFacts, failing
from states.label import Label
from states.partnership import PARTNERSHIP
from states.rozwoj_lokalny import ROZWOJ_LOKALNY

WARSAW = ZoneInfo("Europe/Warsaw")
RL = ROZWOJ_LOKALNY
PLAN_STAGES = ("diagnosis", "prl", "pri")
DEFINITIONS = pytest.mark.parametrize("definition", [RL, PARTNERSHIP], ids=lambda d: d.code)


def reachable(definition: PathDefinition) -> set[str]:
    """Our own walk of the graph, independent of PathDefinition._reachable."""
    seen, todo = {definition.initial}, [definition.initial]
    while todo:
        here = todo.pop()
        for t in definition.transitions:
            if here in t.sources and t.target not in seen:
                seen.add(t.target)
                todo.append(t.target)
    return seen


# --- the Rozwój Lokalny definition --------------------------------------------------------


def test_registry_holds_both_definitions_under_their_codes():
    assert set(REGISTRY) == {"rozwoj-lokalny", "partnerstwa"}
    assert get_definition("rozwoj-lokalny") is RL
    assert get_definition("partnerstwa") is PARTNERSHIP
    with pytest.raises(KeyError):
        get_definition("no-such-path")


def test_rl_definition_validates_when_rebuilt_from_its_parts():
    # Constructing runs the validation; a rebuilt copy must validate too and be equal.
    copy = PathDefinition(code=RL.code, title=RL.title, applicant_kinds=RL.applicant_kinds,
                          stages=RL.stages, states=RL.states, transitions=RL.transitions,
                          initial=RL.initial, phases=RL.phases, submit_event=RL.submit_event,
                          reopen_event=RL.reopen_event, sheet=RL.sheet)
    assert copy == RL
    assert RL.initial == "diagnosis.draft"
    assert RL.applicant_kinds == frozenset({"town"})


@DEFINITIONS
def test_every_state_is_reachable_from_the_initial_state(definition):
    assert reachable(definition) == {s.code for s in definition.states}


@DEFINITIONS
def test_every_non_final_state_has_a_way_out_and_final_states_have_none(definition):
    for state in definition.states:
        outgoing = definition.transitions_from(state.code)
        if state.final:
            assert outgoing == [], state.code
        else:
            assert outgoing, f"{state.code} is a dead end"


@DEFINITIONS
def test_every_state_names_a_known_stage_and_step_and_every_transition_known_roles(definition):
    stages = {s.code for s in definition.stages}
    for state in definition.states:
        assert state.stage in stages
        assert state.step in STEPS
    for t in definition.transitions:
        assert t.roles and t.roles <= ROLES
        assert set(t.guards) <= set(GUARDS)
        assert t.style in {"primary", "secondary", "danger"}


def test_rl_final_states_are_the_three_outcomes():
    # not awarded is not final: an upheld appeal takes the application back to evaluation
    assert {s.code for s in RL.states if s.final} == {"awarded", "rejected", "withdrawn"}


def test_an_upheld_appeal_reopens_evaluation_from_reserve_or_not_awarded():
    reopen = RL.transition("reopen_evaluation")
    assert set(reopen.sources) == {"reserve", "not_awarded"}
    assert reopen.target == "evaluation"
    assert reopen.roles == frozenset({"coordinator", "system"})
    assert reopen.comment_required
    assert RL.state("not_awarded").stage == "result"
    assert RL.transitions_from("awarded") == []


@pytest.mark.parametrize("stage", PLAN_STAGES)
def test_each_plan_stage_has_draft_submitted_and_returned(stage):
    assert RL.states_of([stage]) == [f"{stage}.draft", f"{stage}.submitted", f"{stage}.returned"]
    assert [RL.state(c).step for c in RL.states_of([stage])] == ["draft", "submitted", "returned"]
    assert RL.stage(stage).has_deadline and RL.stage(stage).document_required


@pytest.mark.parametrize("stage", PLAN_STAGES)
def test_plan_stage_loop_submit_return_resubmit_accept(stage):
    following = {"diagnosis": "prl.draft", "prl": "pri.draft", "pri": "application.draft"}[stage]
    submit = RL.transition_from(f"{stage}.draft", f"submit_{stage}")
    assert submit is not None and submit.target == f"{stage}.submitted"
    assert submit.roles == frozenset({"applicant"})
    back = RL.transition_from(f"{stage}.submitted", f"return_{stage}")
    assert back is not None and back.target == f"{stage}.returned"
    again = RL.transition_from(f"{stage}.returned", f"submit_{stage}")
    assert again is submit
    accept = RL.transition_from(f"{stage}.submitted", f"accept_{stage}")
    assert accept is not None and accept.target == following
    assert accept.roles == frozenset({"advisor", "coordinator"})
    # A town cannot sign off its own plan.
    assert "applicant" not in accept.roles and "applicant" not in back.roles


def test_submit_transitions_carry_the_deadline_and_document_guards():
    submits = [t for t in RL.transitions if t.event.startswith("submit_")]
    assert {t.event for t in submits} == {
        "submit_diagnosis", "submit_prl", "submit_pri", "submit_application"}
    for t in submits:
        assert "deadline_open" in t.guards, t.event
        assert "document_attached" in t.guards, t.event
        assert t.roles == frozenset({"applicant"}), t.event
    assert RL.transition("submit_application").guards == (
        "deadline_open", "document_attached", "advisor_signed_off", "amount_requested")
    for stage in PLAN_STAGES:
        assert "advisor_signed_off" not in RL.transition(f"submit_{stage}").guards


def test_submit_application_leads_to_the_formal_check_from_draft_and_returned():
    t = RL.transition("submit_application")
    assert set(t.sources) == {"application.draft", "application.returned"}
    assert t.target == "formal_check"


def test_return_reject_and_withdraw_need_a_comment():
    needing = {t.event for t in RL.transitions if t.comment_required}
    expected = {t.event for t in RL.transitions
                if t.event.startswith(("return_", "reject_", "withdraw", "reopen_"))}
    assert expected == {"return_diagnosis", "return_prl", "return_pri", "return_application",
                        "reject_formal", "withdraw", "reopen_evaluation"}
    assert needing == expected


def test_withdraw_is_open_from_every_non_final_state_except_the_results():
    withdraw = RL.transition("withdraw")
    non_final = {s.code for s in RL.states if not s.final}
    assert set(withdraw.sources) == non_final - {"ranked", "reserve", "not_awarded"}
    assert withdraw.target == "withdrawn"
    assert withdraw.roles == frozenset({"applicant"})


def test_results_are_fired_by_coordinator_or_system_only():
    for event in ("rank", "award", "place_on_reserve", "not_award"):
        assert RL.transition(event).roles == frozenset({"coordinator", "system"}), event
    for event in ("pass_formal_check", "return_application", "reject_formal"):
        assert RL.transition(event).roles == frozenset({"coordinator"}), event


def test_transition_lookup_by_state_and_event():
    assert RL.transition_from("diagnosis.draft", "accept_diagnosis") is None
    assert RL.transition_from("awarded", "withdraw") is None
    assert RL.transition_from("reserve", "award").target == "awarded"
    assert RL.transition("no_such_event") is None
    assert RL.has_state("formal_check") and not RL.has_state("formal-check")
    assert {t.event for t in RL.transitions_from("formal_check")} == {
        "pass_formal_check", "return_application", "reject_formal", "withdraw"}


# --- guards ---------------------------------------------------------------------------------


def facts(now, deadline, has_document=True, signed_off=True) -> GuardFacts:
    return GuardFacts(now=now, deadline=deadline, has_document=has_document, signed_off=signed_off)


def deadline_open(now, deadline) -> bool:
    return GUARDS["deadline_open"].check(facts(now, deadline))


def test_deadline_open_until_and_at_the_deadline_closed_one_second_after():
    due = datetime(2026, 6, 30, 23, 59, tzinfo=WARSAW)
    assert deadline_open(due - timedelta(days=3), due)
    assert deadline_open(due, due)
    assert not deadline_open(due + timedelta(seconds=1), due)
    # The same moments written in UTC give the same answers.
    assert deadline_open(due.astimezone(UTC), due)
    assert not deadline_open(due.astimezone(UTC) + timedelta(seconds=1), due)


def test_deadline_open_when_the_stage_has_no_deadline():
    assert deadline_open(datetime(2099, 1, 1, tzinfo=UTC), None)


def test_deadline_after_the_autumn_change_uses_the_winter_offset():
    # 25 Oct 2026: at 03:00 CEST the clocks go back to 02:00 CET, so 02:30 happens twice.
    # A deadline at the second 02:30 (fold=1, CET) is 01:30 UTC.
    due = datetime(2026, 10, 25, 2, 30, fold=1, tzinfo=WARSAW)
    assert due.astimezone(UTC) == datetime(2026, 10, 25, 1, 30, tzinfo=UTC)
    # What the engine passes: `now` in UTC.
    assert deadline_open(datetime(2026, 10, 25, 1, 30, tzinfo=UTC), due)
    assert not deadline_open(datetime(2026, 10, 25, 1, 30, 1, tzinfo=UTC), due)
    # The first 02:45 (CEST) is 00:45 UTC: still 45 minutes before the deadline.
    assert deadline_open(datetime(2026, 10, 25, 0, 45, tzinfo=UTC), due)
    # A whole hour later than a naive wall-clock reading would say.
    assert deadline_open(datetime(2026, 10, 25, 2, 30, tzinfo=UTC) - timedelta(hours=1), due)
    assert not deadline_open(datetime(2026, 10, 25, 2, 30, tzinfo=UTC), due)


def test_deadline_on_the_day_of_the_autumn_change_end_of_day():
    # 23:59 Warsaw on 25 Oct 2026 is already CET: 22:59 UTC.
    due = datetime(2026, 10, 25, 23, 59, tzinfo=WARSAW)
    assert deadline_open(datetime(2026, 10, 25, 22, 59, tzinfo=UTC), due)
    assert not deadline_open(datetime(2026, 10, 25, 22, 59, 1, tzinfo=UTC), due)


def test_deadline_on_the_day_of_the_spring_change():
    # 29 Mar 2026: at 02:00 CET the clocks jump to 03:00 CEST.
    due = datetime(2026, 3, 29, 23, 59, tzinfo=WARSAW)  # CEST: 21:59 UTC
    assert due.astimezone(UTC) == datetime(2026, 3, 29, 21, 59, tzinfo=UTC)
    assert deadline_open(datetime(2026, 3, 29, 21, 59, tzinfo=UTC), due)
    assert not deadline_open(datetime(2026, 3, 29, 21, 59, 1, tzinfo=UTC), due)
    # 03:30 CEST, just after the jump, is 01:30 UTC.
    early = datetime(2026, 3, 29, 3, 30, tzinfo=WARSAW)
    assert deadline_open(datetime(2026, 3, 29, 1, 30, tzinfo=UTC), early)
    assert not deadline_open(datetime(2026, 3, 29, 1, 30, 1, tzinfo=UTC), early)


def test_deadline_open_compares_moments_even_when_both_are_in_warsaw_time():
    """Regression: Python compares two datetimes with the same tzinfo by wall clock, ignoring
    fold, so a plain `now <= deadline` was an hour off in the repeated autumn hour."""
    due = datetime(2026, 10, 25, 2, 30, fold=1, tzinfo=WARSAW)  # 01:30 UTC
    first_245 = datetime(2026, 10, 25, 2, 45, fold=0, tzinfo=WARSAW)  # CEST, 00:45 UTC
    second_215 = datetime(2026, 10, 25, 2, 15, fold=1, tzinfo=WARSAW)  # CET, 01:15 UTC
    assert first_245 < due.astimezone(UTC)  # the moment really is before the deadline
    assert deadline_open(first_245, due)
    earlier_due = datetime(2026, 10, 25, 2, 30, fold=0, tzinfo=WARSAW)  # CEST, 00:30 UTC
    assert not deadline_open(second_215, earlier_due)


def test_document_and_signoff_guards_and_failing_keeps_order():
    due = datetime(2026, 1, 1, tzinfo=UTC)
    late = due + timedelta(days=1)
    guards = ("deadline_open", "document_attached", "advisor_signed_off")
    assert failing(guards, facts(due, due)) == []
    assert [g.code for g in failing(guards, facts(late, due, False, False))] == list(guards)
    assert [g.code for g in failing(guards, facts(due, due, True, False))] == ["advisor_signed_off"]
    assert [g.code for g in failing(guards, facts(due, due, False, True))] == ["document_attached"]
    assert failing((), facts(late, due, False, False)) == []


def test_every_guard_has_a_refusal_in_both_languages():
    for guard in GUARDS.values():
        assert guard.refusal.pl and guard.refusal.en
        assert guard.refusal.pl != guard.refusal.en


# --- validation of a broken definition ---------------------------------------------------------

L = Label("x", "x")


def small(**changes) -> PathDefinition:
    """A valid three-state definition; `changes` replace its fields to break it."""
    fields = {
        "code": "tiny",
        "title": Label("Mała", "Tiny"),
        "applicant_kinds": frozenset({"town"}),
        "stages": (Stage("one", L, has_deadline=True, document_required=True), Stage("end", L)),
        "states": (
            State("one.draft", "one", "draft", L, L),
            State("one.submitted", "one", "submitted", L, L),
            State("done", "end", "final", L, L, final=True),
        ),
        "transitions": (
            Transition("submit", ("one.draft",), "one.submitted", frozenset({"applicant"}), L, L,
                       guards=("document_attached",)),
            Transition("accept", ("one.submitted",), "done", frozenset({"advisor"}), L, L),
        ),
        "initial": "one.draft",
    }
    fields.update(changes)
    return PathDefinition(**fields)


def replace_transition(index: int, **changes) -> tuple[Transition, ...]:
    base = small().transitions
    return tuple(dataclasses.replace(t, **changes) if i == index else t for i, t in enumerate(base))


def test_the_small_definition_is_valid():
    assert small().code == "tiny"


@pytest.mark.parametrize(("changes", "message"), [
    ({"transitions": replace_transition(1, target="nowhere")}, "unknown target 'nowhere'"),
    ({"transitions": replace_transition(0, sources=("one.drfat",))}, "unknown source 'one.drfat'"),
    ({"transitions": replace_transition(0, guards=("deadline_opne",))}, "unknown guard 'deadline_opne'"),
    ({"transitions": replace_transition(1, roles=frozenset({"advisor", "mayor"}))}, "roles"),
    ({"transitions": replace_transition(1, roles=frozenset())}, "roles"),
    ({"initial": "one.start"}, "initial state 'one.start'"),
], ids=["unknown-target", "unknown-source", "unknown-guard", "unknown-role", "no-role",
        "unknown-initial"])
def test_broken_definition_raises_value_error(changes, message):
    with pytest.raises(ValueError, match=re.escape(message)):
        small(**changes)


def test_unreachable_state_is_refused():
    states_ = (*small().states, State("orphan", "one", "returned", L, L))
    with pytest.raises(ValueError, match="'orphan' cannot be reached"):
        small(states=states_)


def test_duplicate_event_from_the_same_source_is_refused():
    transitions = (*small().transitions,
                   Transition("submit", ("one.draft",), "done", frozenset({"applicant"}), L, L))
    with pytest.raises(ValueError, match="submit: defined twice from 'one.draft'"):
        small(transitions=transitions)


def test_same_event_from_different_sources_is_allowed():
    states_ = (*small().states, State("one.returned", "one", "returned", L, L))
    transitions = (
        *small().transitions,
        Transition("send_back", ("one.submitted",), "one.returned", frozenset({"advisor"}), L, L),
        Transition("submit", ("one.returned",), "one.submitted", frozenset({"applicant"}), L, L),
    )
    definition = small(states=states_, transitions=transitions)
    assert definition.transition_from("one.returned", "submit").target == "one.submitted"


def test_duplicate_state_codes_are_refused():
    with pytest.raises(ValueError, match="duplicate state codes"):
        small(states=(*small().states, State("done", "end", "final", L, L, final=True)))


def test_unknown_stage_and_step_are_refused():
    states_ = (State("one.draft", "one", "draft", L, L),
               State("one.submitted", "uno", "sent", L, L),
               State("done", "end", "final", L, L, final=True))
    with pytest.raises(ValueError) as raised:
        small(states=states_)
    assert "unknown stage 'uno'" in str(raised.value)
    assert "unknown step 'sent'" in str(raised.value)


def test_leaving_a_final_state_is_refused():
    transitions = (*small().transitions,
                   Transition("reopen", ("done",), "one.draft", frozenset({"coordinator"}), L, L))
    with pytest.raises(ValueError, match="reopen: leaves final state 'done'"):
        small(transitions=transitions)


def test_all_problems_are_reported_at_once():
    with pytest.raises(ValueError) as raised:
        small(transitions=replace_transition(1, target="nowhere", guards=("nope",)))
    text = str(raised.value)
    assert text.startswith("path tiny: ")
    assert "unknown target 'nowhere'" in text
    assert "unknown guard 'nope'" in text
    assert "'done' cannot be reached" in text


# --- steps, labels ------------------------------------------------------------------------------


def test_stage_status_done_current_todo():
    assert RL.stage_status("diagnosis", "diagnosis.draft") == "current"
    assert RL.stage_status("prl", "diagnosis.draft") == "todo"
    assert RL.stage_status("diagnosis", "pri.returned") == "done"
    assert RL.stage_status("prl", "pri.returned") == "done"
    assert RL.stage_status("pri", "pri.returned") == "current"
    assert RL.stage_status("application", "pri.returned") == "todo"
    assert [RL.stage_status(s.code, "evaluation") for s in RL.stages] == [
        "done", "done", "done", "done", "done", "current", "todo", "todo"]
    # A path rejected at the formal check stands in the formal check stage.
    assert RL.stage_status("formal_check", "rejected") == "current"
    assert RL.stage_status("result", "rejected") == "todo"


def test_label_get_picks_english_or_polish():
    label = Label("Diagnoza", "Diagnosis")
    assert label.get("en") == "Diagnosis"
    assert label.get("en_GB") == "Diagnosis"
    assert label.get("pl") == "Diagnoza"
    assert label.get(None) == "Diagnoza"
    assert label.get("de") == "Diagnoza"


def test_every_label_of_the_rl_path_is_in_both_languages():
    for state in RL.states:
        for label in (state.staff, state.applicant):
            assert label.pl.strip() and label.en.strip(), state.code
    for t in RL.transitions:
        for label in (t.staff, t.applicant):
            assert label.pl.strip() and label.en.strip(), t.event
    assert RL.title.get("pl") == "Rozwój Lokalny" and RL.title.get("en") == "Local Development"


# --- Mermaid ---------------------------------------------------------------------------------------


def node(code: str) -> str:
    return code.replace(".", "_")


@DEFINITIONS
@pytest.mark.parametrize("locale", ["pl", "en"])
def test_mermaid_has_a_node_per_state_and_an_arrow_per_transition_and_source(definition, locale):
    text = to_mermaid(definition, locale)
    lines = text.splitlines()
    assert text.startswith("stateDiagram-v2\n")
    assert text.endswith("\n")
    assert lines[1] == f"    %% {definition.title.get(locale)}"

    declared = [line for line in lines if line.lstrip().startswith("state ")]
    assert declared == [f'    state "{s.staff.get(locale)}" as {node(s.code)}'
                        for s in definition.states]

    arrows = [line.strip() for line in lines if "-->" in line and "[*]" not in line]
    expected = [f"{node(src)} --> {node(t.target)}: {t.staff.get(locale).replace(':', ' -')}"
                for t in definition.transitions for src in t.sources]
    assert arrows == expected
    assert len(arrows) == sum(len(t.sources) for t in definition.transitions)
    for arrow in arrows:  # a colon in a label would cut the label short in Mermaid
        assert arrow.count(":") == 1

    assert f"    [*] --> {node(definition.initial)}" in lines
    ends = [line.strip() for line in lines if line.rstrip().endswith("--> [*]")]
    assert ends == [f"{node(s.code)} --> [*]" for s in definition.states if s.final]


def test_mermaid_of_rl_counts():
    lines = to_mermaid(RL).splitlines()
    n_arrows = sum(1 for line in lines if "-->" in line)
    pairs = sum(len(t.sources) for t in RL.transitions)
    assert n_arrows == pairs + 1 + 3  # + the start arrow + one end arrow per final state
    assert "Zatwierdź diagnozę" in to_mermaid(RL, "pl")
    assert "Sign off the diagnosis" in to_mermaid(RL, "en")


def test_mermaid_escapes_a_colon_in_a_label():
    definition = small(transitions=replace_transition(
        1, staff=Label("Decyzja: zatwierdź", "Decision: accept")))
    assert "one_submitted --> done: Decyzja - zatwierdź" in to_mermaid(definition).splitlines()[-2]


# --- the partnership path ---------------------------------------------------------------------------


CWD_STAGES = ["work_plan", "diagnosis", "strategy", "feasibility", "preliminary_application", "completed"]
CONSULTED = ("diagnosis", "strategy")


def test_partnership_definition_is_valid_and_for_partnerships():
    assert PARTNERSHIP.applicant_kinds == frozenset({"partnership"})
    assert PARTNERSHIP.initial == "work_plan.draft"
    assert [s.code for s in PARTNERSHIP.stages] == CWD_STAGES
    assert all(PARTNERSHIP.stage(c).has_deadline and PARTNERSHIP.stage(c).document_required
               for c in CWD_STAGES[:-1])
    assert not PARTNERSHIP.stage("completed").has_deadline
    assert {s.code for s in PARTNERSHIP.states if s.final} == {"completed", "withdrawn"}
    assert PARTNERSHIP.stage_status("work_plan", "strategy.draft") == "done"
    assert PARTNERSHIP.stage_status("completed", "strategy.consultation") == "todo"


@pytest.mark.parametrize("stage", CONSULTED)
def test_diagnosis_and_strategy_go_through_a_public_consultation(stage):
    assert [PARTNERSHIP.state(c).step for c in PARTNERSHIP.states_of([stage])] == [
        "draft", "consultation", "draft", "submitted", "returned"]
    publish = PARTNERSHIP.transition(f"publish_{stage}")
    assert set(publish.sources) == {f"{stage}.draft", f"{stage}.consulted", f"{stage}.returned"}
    assert publish.target == f"{stage}.consultation" and PARTNERSHIP.opens_consultation(publish)
    assert PARTNERSHIP.in_consultation(f"{stage}.consultation")
    assert publish.roles == frozenset({"leader"}) and "all_parties_approved" not in publish.guards
    close = PARTNERSHIP.transition(f"close_{stage}_consultation")
    assert close.sources == (f"{stage}.consultation",) and close.target == f"{stage}.consulted"
    assert close.roles == frozenset({"leader", "system"})  # the system closes it when its period ends
    assert PARTNERSHIP.closes_consultation(f"{stage}.consultation", close)
    assert PARTNERSHIP.closes_consultation(f"{stage}.consultation", PARTNERSHIP.transition("withdraw"))
    assert not PARTNERSHIP.closes_consultation(f"{stage}.draft", publish)
    # No submission straight from the draft: the consultation comes first.
    submit = PARTNERSHIP.transition(f"submit_{stage}")
    assert set(submit.sources) == {f"{stage}.consulted", f"{stage}.returned"}
    assert PARTNERSHIP.transition_from(f"{stage}.draft", f"submit_{stage}") is None
    assert PARTNERSHIP.transition_from(f"{stage}.consultation", f"submit_{stage}") is None


def test_only_the_leader_submits_and_only_after_every_member_approved():
    submits = [t for t in PARTNERSHIP.transitions if t.event.startswith("submit_")]
    assert [t.event.removeprefix("submit_") for t in submits] == CWD_STAGES[:-1]
    for t in submits:
        assert t.roles == frozenset({"leader"})
        assert t.guards == ("deadline_open", "document_attached", "all_parties_approved")
        assert [(n.kind, n.to) for n in t.notify] == [("stage_submitted", "advisor")]
    applicant_moves = [t.event for t in PARTNERSHIP.transitions if "applicant" in t.roles]
    assert applicant_moves == []  # a member municipality approves; it moves nothing
    # Approvals are collected where a move needs them, and nowhere else.
    collecting = {s.code for s in PARTNERSHIP.states if PARTNERSHIP.collects_approvals(s.code)}
    steps = {stage: ("consulted" if stage in CONSULTED else "draft", "returned") for stage in CWD_STAGES[:-1]}
    assert collecting == {f"{stage}.{step}" for stage, pair in steps.items() for step in pair}
    assert not any(RL.collects_approvals(s.code) for s in RL.states)


def test_partnership_walk_from_the_work_plan_to_completed():
    here = PARTNERSHIP.initial
    route = ["submit_work_plan", "accept_work_plan"]
    for stage in CONSULTED:
        route += [f"publish_{stage}", f"close_{stage}_consultation", f"submit_{stage}", f"accept_{stage}"]
    route += ["submit_feasibility", "accept_feasibility", "submit_preliminary_application",
              "accept_preliminary_application"]
    for event in route:
        t = PARTNERSHIP.transition_from(here, event)
        assert t is not None, (here, event)
        here = t.target
    assert here == "completed" and PARTNERSHIP.state(here).final


def test_each_submitted_stage_is_accepted_or_returned_by_the_advisor():
    for stage in CWD_STAGES[:-1]:
        accept = PARTNERSHIP.transition_from(f"{stage}.submitted", f"accept_{stage}")
        back = PARTNERSHIP.transition_from(f"{stage}.submitted", f"return_{stage}")
        assert accept.roles == back.roles == frozenset({"advisor", "coordinator"})
        assert back.target == f"{stage}.returned" and back.comment_required
        assert [(n.kind, n.to) for n in back.notify] == [("stage_returned", "applicant")]
        assert [(n.kind, n.to) for n in accept.notify] == [("stage_accepted", "applicant")]


def test_the_council_withdraws_from_every_unfinished_state():
    withdraw = PARTNERSHIP.transition("withdraw")
    assert set(withdraw.sources) == {s.code for s in PARTNERSHIP.states if not s.final}
    assert withdraw.target == "withdrawn" and withdraw.roles == frozenset({"leader"})
    assert withdraw.comment_required and withdraw.style == "danger"
    assert "Rady Partnerstwa" in withdraw.consequence.pl and "council" in withdraw.consequence.en


def test_every_partnership_transition_says_what_happened_for_the_timeline():
    for t in PARTNERSHIP.transitions:
        assert t.history is not None and t.done.pl and t.done.en, t.event


def test_the_approvals_guard():
    guard = GUARDS["all_parties_approved"]
    facts = GuardFacts(now=datetime(2026, 1, 1, tzinfo=UTC), deadline=None, has_document=True,
                       signed_off=False)
    assert not guard.check(facts)  # by default nobody approved
    assert guard.check(dataclasses.replace(facts, parties_approved=True))
    assert [g.code for g in failing(("document_attached", "all_parties_approved"), facts)] == [
        "all_parties_approved"]


def test_package_exports():
    assert states.to_mermaid is to_mermaid
    assert set(states.__all__) >= {"GUARDS", "REGISTRY", "PathDefinition", "get_definition"}


def test_every_rozwoj_lokalny_transition_says_what_happened_for_the_timeline():
    from states import get_definition

    for t in get_definition("rozwoj-lokalny").transitions:
        assert t.history is not None, t.event
        assert t.done.pl and t.done.en


# --- the programme's words: phases, events, messages, the sheet template ---------------------------


def test_rl_phases_answer_what_the_code_asks():
    assert RL.is_application_open("application.draft") and RL.is_application_open("application.returned")
    assert not RL.is_application_open("pri.draft") and not RL.is_application_open("formal_check")
    assert RL.evaluation_states == ("evaluation",) and RL.in_evaluation("evaluation")
    assert not RL.in_evaluation("ranked")
    assert set(RL.evaluated_states()) == {"evaluation", "ranked", "reserve", "awarded", "not_awarded"}
    assert set(RL.submitted_states()) == {"formal_check", "rejected", "evaluation", "ranked", "reserve",
                                          "awarded", "not_awarded"}
    assert "withdrawn" not in RL.submitted_states()  # a withdrawn application is no application
    assert [RL.formal_check_result(s) for s in ("formal_check", "rejected", "evaluation", "not_awarded")] == [
        "pending", "failed", "passed", "passed"]
    assert RL.outcome_state("awarded") == RL.awarded_state == "awarded"
    assert (RL.outcome_state("reserve"), RL.outcome_state("not_eligible")) == ("reserve", "not_awarded")
    assert RL.outcome_state("unknown") is None
    assert RL.submit_event == "submit_application" and RL.reopen_event == "reopen_evaluation"
    assert RL.can_reopen("reserve") and RL.can_reopen("not_awarded") and not RL.can_reopen("awarded")


@pytest.mark.parametrize(("state", "target", "events"), [
    ("evaluation", "awarded", ["rank", "award"]),
    ("evaluation", "not_awarded", ["rank", "not_award"]),
    ("ranked", "reserve", ["place_on_reserve"]),
    ("reserve", "awarded", ["award"]),
    ("awarded", "awarded", []),
    ("awarded", "reserve", None),  # a grant once given is final
    ("not_awarded", "awarded", None),  # only an upheld appeal reopens it, never the announcement
    ("formal_check", "awarded", None),
])
def test_result_route_is_what_the_announcement_fires(state, target, events):
    assert RL.result_route(state, target) == events
    for event in events or ():
        assert "system" in RL.transition(event).roles


def test_stage_verdicts_declare_their_messages():
    notes = {t.event: [(n.kind, n.to) for n in t.notify] for t in RL.transitions if t.notify}
    for stage in PLAN_STAGES:
        assert notes.pop(f"accept_{stage}") == [("stage_accepted", "applicant")]
        assert notes.pop(f"return_{stage}") == [("stage_returned", "applicant")]
        # A submission tells the town's advisor that a decision waits for them.
        assert notes.pop(f"submit_{stage}") == [("stage_submitted", "advisor")]
    assert notes == {"return_application": [("stage_returned", "applicant")],
                     "submit_application": [("stage_submitted", "advisor")]}
    # Every move into a 'returned' step tells the town (as the old session listener did).
    for t in RL.transitions:
        if RL.state(t.target).step == "returned":
            assert t.notify, t.event


def test_rl_names_its_sheet_template_and_the_partnership_none():
    assert RL.sheet is not None and RL.sheet.code == "RL-2020"
    assert [(p.code, p.max_points) for p in RL.sheet.parts] == [("PRL", 110), ("PRI", 120)]
    assert PARTNERSHIP.sheet is None
    assert PARTNERSHIP.phases == states.Phases() and PARTNERSHIP.submitted_states() == ()
    assert PARTNERSHIP.result_route("strategy.draft", "completed") is None


@pytest.mark.parametrize(("changes", "message"), [
    ({"phases": states.Phases(evaluation=("nowhere",))}, "phases.evaluation: unknown state 'nowhere'"),
    ({"phases": states.Phases(evaluation=("one.submitted",), ranked=("one.submitted",))},
     "'one.submitted' is both evaluation and ranked"),
    ({"phases": states.Phases(outcomes=(("awarded", "done"), ("awarded", "one.draft")))}, "named twice"),
    ({"submit_event": "sbumit"}, "submit_event: unknown event 'sbumit'"),
    ({"reopen_event": "accept"}, "reopen_event: leads to 'done', not to an evaluation state"),
    ({"transitions": replace_transition(1, notify=(states.Notify("stage_accepted", to="mayor"),))},
     "notifies unknown recipients 'mayor'"),
], ids=["unknown-phase-state", "two-phases", "outcome-twice", "unknown-submit", "reopen-not-evaluation",
        "unknown-recipient"])
def test_broken_words_raise_value_error(changes, message):
    with pytest.raises(ValueError, match=re.escape(message)):
        small(**changes)


def test_a_sheet_template_validates_itself():
    from states.sheet import CriterionSpec, PartSpec, SheetTemplate

    good = CriterionSpec("1", "A", "A", "", "", 5)
    assert SheetTemplate("T", (PartSpec("P", "P", "P", (good,)),)).max_points == 5
    with pytest.raises(ValueError, match="no parts"):
        SheetTemplate("T", ())
    with pytest.raises(ValueError, match="part 'P' has no criteria"):
        SheetTemplate("T", (PartSpec("P", "P", "P", ()),))
    with pytest.raises(ValueError, match="duplicate criterion codes"):
        SheetTemplate("T", (PartSpec("P", "P", "P", (good, good)),))
    with pytest.raises(ValueError, match="max_points must be positive"):
        SheetTemplate("T", (PartSpec("P", "P", "P", (dataclasses.replace(good, max_points=0),)),))
