"""The transition engine: every legal transition of the RL path, and the illegal ones."""

from __future__ import annotations

import io
from datetime import timedelta
from decimal import Decimal

import pytest
from factories.accounts import make_user
from factories.partnership import build_partnerships
from factories.partnership import upload as partnership_upload
from factories.path import NOW, PDF, attach
from sqlalchemy import func, select

import states
from workflow.extensions import db
from workflow.models import (
    AdvisorAssignment,
    DeadlineExtension,
    Path,
    PathTransition,
    StageDeadline,
)
from workflow.path import approvals, documents
from workflow.path.transitions import TransitionRefused, available_actions, fire
from workflow.refusal import in_language

RL = states.get_definition("rozwoj-lokalny")


def actor_for(world, transition):
    if "applicant" in transition.roles:
        return world.user("town_a")
    if "advisor" in transition.roles:
        return world.user("advisor_a")
    return world.user("coordinator")


def prepare(world, path: Path, transition) -> None:
    """Satisfy the transition's guards the way a town and advisor would."""
    stage = RL.state(path.state).stage
    if "document_attached" in transition.guards:
        attach(path, world.user("town_a"), stage)
    if "advisor_signed_off" in transition.guards:
        documents.sign_off(path, stage, world.user("advisor_a"))
    if "amount_requested" in transition.guards:
        path.requested_amount = Decimal("38000000.00")
        db.session.commit()


LEGAL = [(src, t.event, t.target) for t in RL.transitions for src in t.sources]


@pytest.mark.parametrize(("source", "event", "target"), LEGAL,
                         ids=[f"{s}-{e}" for s, e, _ in LEGAL])
def test_every_legal_transition_is_recorded(world, source, event, target):
    path = world.path("a")
    path.state = source
    db.session.commit()
    transition = RL.transition_from(source, event)
    prepare(world, path, transition)
    version = path.version
    record = fire(path, event, actor_for(world, transition), "Uzasadnienie zmiany.",
                  expected_version=version)
    db.session.expire_all()
    path = world.path("a")
    assert path.state == target
    assert path.version == version + 1
    rows = db.session.scalars(select(PathTransition).where(PathTransition.path_id == path.id)).all()
    assert [(r.from_state, r.to_state, r.event, r.seq) for r in rows] == [
        (source, target, event, version)
    ]
    assert rows[0].actor_id == actor_for(world, transition).id
    assert rows[0].comment == "Uzasadnienie zmiany."
    assert record.id == rows[0].id


def reasons(exc: pytest.ExceptionInfo[TransitionRefused]) -> str:
    return " ".join(in_language(r, "pl") for r in exc.value.reasons)


def test_wrong_state_is_refused(world):
    path = world.path("a")
    with pytest.raises(TransitionRefused) as exc:
        fire(path, "accept_prl", world.user("advisor_a"))
    assert "obecnym etapie" in reasons(exc)


@pytest.mark.parametrize("who", ["advisor_a", "coordinator", "town_b", "advisor_b", "evaluator",
                                 "advisor_none"])
def test_only_the_towns_own_members_submit(world, who):
    path = world.path("a")
    attach(path, world.user("town_a"))
    with pytest.raises(TransitionRefused) as exc:
        fire(path, "submit_diagnosis", world.user(who))
    assert "uprawnień" in reasons(exc)
    assert world.path("a").state == "diagnosis.draft"


@pytest.mark.parametrize("who", ["town_a", "advisor_b", "advisor_none", "evaluator"])
def test_only_the_assigned_advisor_or_coordinator_signs_off(world, who):
    path = world.path("a")
    path.state = "diagnosis.submitted"
    db.session.commit()
    with pytest.raises(TransitionRefused):
        fire(path, "accept_diagnosis", world.user(who))
    fire(world.path("a"), "accept_diagnosis", world.user("advisor_a"))
    assert world.path("a").state == "prl.draft"


def test_coordinator_only_transitions(world):
    path = world.path("a")
    path.state = "formal_check"
    db.session.commit()
    for who in ("town_a", "advisor_a"):
        with pytest.raises(TransitionRefused):
            fire(world.path("a"), "pass_formal_check", world.user(who))
    fire(world.path("a"), "pass_formal_check", world.user("coordinator"))
    assert world.path("a").state == "evaluation"


def test_missing_document_is_refused(world):
    with pytest.raises(TransitionRefused) as exc:
        fire(world.path("a"), "submit_diagnosis", world.user("town_a"))
    assert "dołącz dokument" in reasons(exc)
    assert db.session.scalar(select(func.count()).select_from(PathTransition)) == 0


def test_past_deadline_is_refused_and_an_extension_reopens_it(world):
    path = world.path("a")
    attach(path, world.user("town_a"))
    deadline = db.session.scalar(select(StageDeadline).where(StageDeadline.stage == "diagnosis"))
    deadline.due_at = NOW - timedelta(minutes=1)
    db.session.commit()
    with pytest.raises(TransitionRefused) as exc:
        fire(world.path("a"), "submit_diagnosis", world.user("town_a"))
    assert "Termin tego etapu już minął" in reasons(exc)
    db.session.add(DeadlineExtension(path_id=path.id, stage="diagnosis",
                                     due_at=NOW + timedelta(days=3), reason="choroba"))
    db.session.commit()
    fire(world.path("a"), "submit_diagnosis", world.user("town_a"))
    assert world.path("a").state == "diagnosis.submitted"


def test_deadline_is_a_moment_checked_to_the_second(world):
    path = world.path("a")
    attach(path, world.user("town_a"))
    due = NOW + timedelta(hours=1)
    db.session.scalar(select(StageDeadline).where(StageDeadline.stage == "diagnosis")).due_at = due
    db.session.commit()
    with pytest.raises(TransitionRefused):
        fire(world.path("a"), "submit_diagnosis", world.user("town_a"), now=due + timedelta(seconds=1))
    fire(world.path("a"), "submit_diagnosis", world.user("town_a"), now=due)
    assert world.path("a").state == "diagnosis.submitted"


def test_application_needs_the_advisors_sign_off_of_the_latest_version(world):
    path = world.path("a")
    path.state = "application.draft"
    db.session.commit()
    attach(path, world.user("town_a"), "application")
    with pytest.raises(TransitionRefused) as exc:
        fire(world.path("a"), "submit_application", world.user("town_a"))
    assert "nie zatwierdził" in reasons(exc)
    documents.sign_off(world.path("a"), "application", world.user("advisor_a"))
    # A new version after the sign-off needs a new sign-off.
    documents.store_upload(world.path("a"), "application", "wniosek-v2.pdf",
                           io.BytesIO(PDF + b"v2"), world.user("town_a"))
    with pytest.raises(TransitionRefused):
        fire(world.path("a"), "submit_application", world.user("town_a"))
    documents.sign_off(world.path("a"), "application", world.user("advisor_a"))
    with pytest.raises(TransitionRefused) as exc:
        fire(world.path("a"), "submit_application", world.user("town_a"))
    assert reasons(exc) == "Podaj wnioskowaną kwotę dofinansowania."
    world.path("a").requested_amount = Decimal("12500000.00")
    db.session.commit()
    fire(world.path("a"), "submit_application", world.user("town_a"))
    assert world.path("a").state == "formal_check"


def test_comment_required_for_return(world):
    path = world.path("a")
    path.state = "diagnosis.submitted"
    db.session.commit()
    with pytest.raises(TransitionRefused) as exc:
        fire(world.path("a"), "return_diagnosis", world.user("advisor_a"), "   ")
    assert "komentarza" in reasons(exc)


def test_stale_version_is_refused_and_nothing_recorded(world):
    path = world.path("a")
    attach(path, world.user("town_a"))
    seen = path.version
    fire(path, "submit_diagnosis", world.user("town_a"), expected_version=seen)
    with pytest.raises(TransitionRefused) as exc:
        fire(world.path("a"), "accept_diagnosis", world.user("advisor_a"), expected_version=seen)
    assert exc.value.stale
    assert "Ktoś inny zmienił" in reasons(exc)
    assert world.path("a").state == "diagnosis.submitted"
    assert db.session.scalar(select(func.count()).select_from(PathTransition)) == 1


def test_final_state_allows_nothing(world):
    path = world.path("a")
    path.state = "withdrawn"
    db.session.commit()
    assert available_actions(world.path("a"), world.user("town_a")) == []
    assert available_actions(world.path("a"), world.user("coordinator")) == []


def test_available_actions_list_unmet_guards(world):
    actions = available_actions(world.path("a"), world.user("town_a"))
    by_event = {a.transition.event: a for a in actions}
    assert set(by_event) == {"submit_diagnosis", "withdraw"}
    assert [r.pl for r in by_event["submit_diagnosis"].unmet] == [
        "Najpierw dołącz dokument tego etapu."
    ]
    assert available_actions(world.path("a"), world.user("advisor_b")) == []


def test_unknown_event_is_refused(world):
    with pytest.raises(TransitionRefused):
        fire(world.path("a"), "teleport", world.user("coordinator"))


def test_a_second_programme_runs_on_the_same_engine(ctx):
    built = build_partnerships()  # the CWD path: a partnership's leader, members and advisor
    leader, member = built.user("lider-a@example.pl"), built.user("partner-a2@example.pl")
    advisor = built.user("doradca-a@example.pl")
    document = partnership_upload(built.path("a"), leader)
    with pytest.raises(TransitionRefused):
        fire(built.path("a"), "submit_work_plan", leader)  # the members have not approved yet
    for email in ("lider-a@example.pl", "partner-a2@example.pl", "partner-a3@example.pl"):
        approvals.approve(built.path("a"), built.user(email), document)
    with pytest.raises(TransitionRefused):
        fire(built.path("a"), "submit_work_plan", member)  # only the leader submits
    fire(built.path("a"), "submit_work_plan", leader)
    fire(built.path("a"), "accept_work_plan", advisor)
    assert built.path("a").state == "diagnosis.draft"
    assert [t.event for t in built.path("a").transitions] == ["submit_work_plan", "accept_work_plan"]


def test_a_field_expert_sees_the_path_but_signs_nothing_off(world):
    from workflow.models import ExpertiseField
    from workflow.path.access import roles_for

    field = ExpertiseField(code="finance", name_pl="Finanse publiczne", name_en="Public finance")
    expert = make_user("expert@example.pl", "advisor")
    db.session.add(field)
    db.session.flush()
    db.session.add(AdvisorAssignment(path_id=world.paths["a"].id, advisor_id=expert.id,
                                     kind="expert", field_id=field.id))
    path = world.path("a")
    path.state = "diagnosis.submitted"
    db.session.commit()
    assert roles_for(expert, world.path("a")) == frozenset({"expert"})
    assert available_actions(world.path("a"), expert) == []
    with pytest.raises(TransitionRefused):
        fire(world.path("a"), "accept_diagnosis", expert)
    assert roles_for(world.user("advisor_a"), world.path("a")) == frozenset({"advisor"})


def test_a_system_move_is_checked_against_the_system_role_and_named_in_the_audit(world):
    from workflow.audit.log import detail_of
    from workflow.models import AuditEvent

    path = world.path("a")
    path.state = "ranked"
    db.session.commit()
    coordinator = world.user("coordinator")
    with pytest.raises(TransitionRefused):  # withdrawing is the town's, never the system's
        fire(path, "withdraw", coordinator, "x", as_system="announcement")
    record = fire(path, "award", coordinator, "Ogłoszenie", as_system="announcement")
    assert (record.actor_id, path.state) == (coordinator.id, "awarded")  # who set it off
    event = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "transition")
                               .order_by(AuditEvent.id.desc())).first()
    assert detail_of(event) == {"event": "award", "from": "ranked", "to": "awarded", "seq": record.seq,
                                "system": "announcement"}


def test_a_persons_move_names_no_system(world):
    from workflow.audit.log import detail_of
    from workflow.models import AuditEvent

    path = world.path("a")
    path.state = "formal_check"
    db.session.commit()
    fire(path, "pass_formal_check", world.user("coordinator"))
    event = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "transition")).one()
    assert "system" not in detail_of(event)
