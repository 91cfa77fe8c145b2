"""The world the authorization matrix and the fuzz tests run in: two towns, A (Ostrzeszów)
and B (Wałcz), each with an object of every kind a URL can name, and the people of every
role of the matrix (one logged-in browser per role: support/authz.py `browsers`).

Built on factories/path.py's `World` (towns, members, advisors, coordinator, one evaluator assigned
to nothing), then through the services, as a person would have built it: services logged by
each town's advisor, documents uploaded, sheets submitted, a ranking announced and an appeal
filed by town B. Each object kind is kept as {"a": id, "b": id} so that a matrix row can fill
its URL with town A's object and then with town B's.
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

import sqlalchemy as sa

from factories import monitoring
from factories.accounts import make_user
from factories.path import World
from factories.results import LONG_ENOUGH, add_sheet, evaluators
from worker.tasks import run_export
from workflow.advice import consultations as log
from workflow.advice.consultation_terms import ServiceInput
from workflow.advice.reports import Filters
from workflow.consultation import public
from workflow.demo.parts import pdf_bytes
from workflow.evaluation import criteria
from workflow.exports import jobs as exports
from workflow.extensions import db
from workflow.messaging import settings as notification_settings
from workflow.models import (
    AdvisorAssignment,
    CouncilSeat,
    Criterion,
    EvaluatorAssignment,
    ExpertiseField,
    LegalForm,
    MonitoringArea,
    Notification,
    Partnership,
    Person,
    PublicConsultation,
    RecordKind,
    SheetPart,
)
from workflow.partnership import records
from workflow.path import calendar_feed, documents
from workflow.projects import operations as projects
from workflow.ranking import appeals
from workflow.ranking import runs as ranking_runs

TODAY = datetime.now(ZoneInfo("Europe/Warsaw")).date()
NOW = datetime.now(ZoneInfo("UTC"))

# The roles of the matrix, and whose browser each one is (None: nobody logged in).
ROLES: dict[str, str | None] = {
    "anonymous": None,
    "town_a": "town-a@example.pl",
    "town_b": "town-b@example.pl",
    "advisor_a": "advisor-a@example.pl",
    "advisor_none": "advisor-none@example.pl",
    "eval_a": "eval-a@example.pl",
    "eval_conflict": "eval-conflict@example.pl",
    "eval_none": "evaluator@example.pl",
    "coordinator": "coordinator@example.pl",
    "moderator": "moderator@example.pl",  # moderates town A's exchange group only
}

# Text only town A's (B's) objects carry: a page or a file shown to the other town must not
# contain any of it.
MARKERS = {
    "a": ("Ostrzeszów", "Temat-A-poufny", "plan-ostrzeszow", "Osoba-A Ostrzeszowska", "Umowa-A-poufna"),
    "b": ("Wałcz", "Temat-B-poufny", "plan-walcz", "Osoba-B Wałecka", "Umowa-B-poufna"),
}


@dataclass
class AuthzWorld:
    world: World
    ids: dict[str, dict[str, Any]] = field(default_factory=dict)
    programme_code: str = ""
    tokens: dict[str, str] = field(default_factory=dict)  # the calendar links' secrets

    def put(self, kind: str, a: Any, b: Any = None) -> None:
        self.ids[kind] = {"a": a, "b": a if b is None else b}


def _service(world: World, key: str, fields: dict[str, int]) -> int:
    path = world.paths[key]
    advisor = world.user(f"advisor_{key}")
    town = "Ostrzeszowska" if key == "a" else "Wałecka"
    data = ServiceInput(
        kind="consultation", held_on=(TODAY - timedelta(days=3)).isoformat(), duration="90",
        field_id=fields[key], topic=f"Temat-{key.upper()}-poufny", format="on_site",
        new_people=f"Osoba-{key.upper()} {town}; Urząd; osoba-{key}@um.pl",
    )
    service, _created = log.create(db.session.get(type(path), path.id), advisor, data, log=True)
    return service.id


def _document(world: World, key: str) -> int:
    path = world.path(key)
    name = "plan-ostrzeszow.pdf" if key == "a" else "plan-walcz.pdf"
    document = documents.store_upload(path, "diagnosis", name, io.BytesIO(pdf_bytes(f"plan {key}")),
                                      world.user(f"town_{key}"))
    db.session.commit()
    return document.id


def _partnership(world: World, key: str) -> int:
    """Each town's applicant keeps a partnership's records too (the partnership pages need one):
    a council seat and an agreement whose title is the town's marker."""
    path = world.path(key)
    db.session.add(Partnership(applicant_id=path.applicant_id, legal_form=LegalForm.AGREEMENT))
    db.session.flush()
    db.session.add(CouncilSeat(applicant_id=path.applicant_id, person_name=f"Rada-{key.upper()}",
                               municipality_id=path.applicant.memberships[0].municipality_id,
                               is_chair=True))
    record = records.add(path, world.user(f"town_{key}"), kind=RecordKind.AGREEMENT, number="",
                         title=f"Umowa-{key.upper()}-poufna", adopted_on=None,
                         filename=f"umowa-{key}.pdf", stream=io.BytesIO(pdf_bytes(f"umowa {key}")))
    return record.id


def build(world: World) -> AuthzWorld:
    """Every object kind for towns A and B (see the module's docstring); commits."""
    out = AuthzWorld(world=world, programme_code=world.programme.code)
    programme = world.programme
    programme.budget, programme.winners_cap, programme.appeal_days = Decimal("100000000.00"), 15, 14
    finance = ExpertiseField(code="finance", name_pl="Finanse publiczne", name_en="Public finance")
    spatial = ExpertiseField(code="spatial", name_pl="Planowanie przestrzenne", name_en="Spatial planning")
    db.session.add_all([finance, spatial])
    criteria.ensure_sheet(programme)
    db.session.commit()
    out.put("field", finance.id, spatial.id)
    out.put("path", world.paths["a"].id, world.paths["b"].id)
    out.put("document", _document(world, "a"), _document(world, "b"))
    out.put("partnership_record", _partnership(world, "a"), _partnership(world, "b"))
    out.put("service", _service(world, "a", out.ids["field"]), _service(world, "b", out.ids["field"]))
    out.put("person", *(db.session.scalar(sa.select(Person.id).where(
        Person.applicant_id == world.paths[k].applicant_id)) for k in ("a", "b")))

    # Two submitted sheets per application, a ranking announced, town B's appeal.
    people = evaluators()
    for key, amount in (("a", "30000000.00"), ("b", "25000000.00")):
        path = world.path(key)
        path.state, path.requested_amount = "evaluation", Decimal(amount)
        db.session.flush()  # world.path() expires the session: keep the change
    add_sheet(world.path("a"), people[0], {"PRL": 100, "PRI": 110})
    add_sheet(world.path("a"), people[1], {"PRL": 98, "PRI": 108})
    add_sheet(world.path("b"), people[1], {"PRL": 60, "PRI": 70})
    add_sheet(world.path("b"), people[2], {"PRL": 62, "PRI": 74})
    db.session.commit()
    coordinator = world.user("coordinator")
    official = ranking_runs.run(db.session.merge(programme), coordinator, kind="official")
    snapshot = ranking_runs.announce(official, coordinator)
    out.put("snapshot", snapshot.id)
    appeal = appeals.file(world.path("b"), world.user("town_b"), LONG_ENOUGH)
    out.put("appeal", appeal.id)

    # The evaluators of the matrix: impartial on A, in conflict on A; "evaluator" has nothing.
    eval_a = make_user(ROLES["eval_a"], "evaluator")
    eval_conflict = make_user(ROLES["eval_conflict"], "evaluator")
    db.session.flush()
    mine = EvaluatorAssignment(path_id=world.paths["a"].id, evaluator_id=eval_a.id, role="third",
                               source="manual", declaration="impartial", declared_at=NOW)
    conflict = EvaluatorAssignment(path_id=world.paths["a"].id, evaluator_id=eval_conflict.id, role="third",
                                   source="manual", declaration="conflict", conflict_type="family",
                                   declared_at=NOW)
    db.session.add_all([mine, conflict])
    db.session.commit()
    b_assignment = db.session.scalar(sa.select(EvaluatorAssignment.id).where(
        EvaluatorAssignment.path_id == world.paths["b"].id).order_by(EvaluatorAssignment.id))
    out.put("evaluator_assignment", mine.id, b_assignment)
    out.put("advisor_assignment", *(db.session.scalar(sa.select(AdvisorAssignment.id).where(
        AdvisorAssignment.path_id == world.paths[k].id)) for k in ("a", "b")))
    out.put("advisor", world.users["advisor_a"].id, world.users["advisor_b"].id)
    out.put("programme", programme.id)
    out.put("part", db.session.scalar(sa.select(SheetPart.id).order_by(SheetPart.id)))
    out.put("criterion", db.session.scalar(sa.select(Criterion.id).order_by(Criterion.id)))
    _newer_objects(world, out)
    return out


def _newer_objects(world: World, out: AuthzWorld) -> None:
    """Calendar links, notifications, an export file: one per town where they belong to one."""
    out.put("applicant", *(world.paths[k].applicant_id for k in ("a", "b")))
    feeds = [calendar_feed.create(world.path(k).applicant, world.user(f"town_{k}")) for k in ("a", "b")]
    db.session.commit()
    out.put("calendar_feed", feeds[0][0].id, feeds[1][0].id)
    out.tokens = {"a": feeds[0][1], "b": feeds[1][1]}
    out.ids["calendar_token"] = out.tokens
    out.put("programme_code", world.programme.code)
    out.put("kind", notification_settings.programme_kinds()[0].value)
    out.put("notification", *(db.session.scalar(
        sa.select(Notification.id).where(Notification.recipient_id == world.users[f"town_{k}"].id)
        .order_by(Notification.id)) for k in ("a", "b")))
    out.put("failed_notification", *(_failed_copy(out.ids["notification"][k]) for k in ("a", "b")))
    job = exports.queue(db.session.merge(world.programme), world.user("coordinator"), "csv", "log",
                        Filters(), "pl")
    run_export(job.id)
    out.put("export_job", job.id)
    out.put("user", world.users["advisor_a"].id, world.users["advisor_b"].id)
    _consultations_and_projects(world, out)
    # The indicator base: the towns' gminas (their names are public), an indicator, their powiats.
    monitoring.build()
    out.put("indicator_code", "dochody_wlasne_na_mieszkanca")
    out.put("unit_code", "3018073", "3217011")
    out.put("group_code", "powiat-3018", "powiat-3217")
    out.put("group_id", "voivodeship-30")  # the open API's name of a group
    _questionnaires(world, out)
    _result_indicators(out)


def _consultations_and_projects(world: World, out: AuthzWorld) -> None:
    """Each town's diagnosis open for public comment, with a comment signed by the town's
    person (shown to its team and staff only); a key project with a task in its package."""
    found, made = [], []
    for key in ("a", "b"):
        path, town = world.path(key), world.user(f"town_{key}")
        # A plan's draft (not the diagnosis: its version stays the one the evaluator reads).
        document = documents.store_upload(path, "prl", f"konsultacja-{key}.pdf",
                                          io.BytesIO(pdf_bytes(f"konsultacja {key}")), town)
        consultation = PublicConsultation(path_id=path.id, document_id=document.id, stage="prl",
                                          starts_at=NOW - timedelta(days=1), ends_at=NOW + timedelta(days=30))
        db.session.add(consultation)
        db.session.commit()
        public.add_comment(consultation, public.CommentInput(
            f"Uwaga: Temat-{key.upper()}-poufny", MARKERS[key][3], f"osoba-{key}@example.pl"))
        found.append(consultation.id)
        leader = projects.members_of(path)[0]
        project = projects.create(path, projects.ProjectInput(
            f"Rynek Temat-{key.upper()}-poufny", "", Decimal("1000000.00"), "zit", "", "chosen", True,
            {leader.id: (True, Decimal("1000000.00"))}), town)
        month = TODAY.replace(day=1)
        task = projects.add_task(project, "Projekt techniczny", month, month, town)
        made.append((project.id, task.id))
    out.put("consultation", *found)
    out.put("comment_number", 1)
    out.put("project", made[0][0], made[1][0])
    out.put("task", made[0][1], made[1][1])


def _result_indicators(out: AuthzWorld) -> None:
    """Each town's project names a result indicator of the base (docs/decisions/0040)."""
    from workflow.models import Indicator, ProjectResultIndicator

    code = out.ids["indicator_code"]["a"]
    indicator = db.session.scalar(sa.select(Indicator.id).where(Indicator.code == code))
    made = [ProjectResultIndicator(project_id=out.ids["project"][k], indicator_id=indicator,
                                   baseline_year=2018, baseline_value=1000.0, target_year=2025,
                                   target_value=1200.0) for k in ("a", "b")]
    db.session.add_all(made)
    db.session.commit()
    out.put("result_indicator", made[0].id, made[1].id)


def _failed_copy(notification_id: int) -> int:
    """A copy of a notification whose delivery failed (the outbox offers to send it again)."""
    table = Notification.__table__
    row = dict(db.session.execute(sa.select(table).where(table.c.id == notification_id)).mappings().one())
    row.pop("id")
    row["status"] = "failed"
    new_id = db.session.execute(sa.insert(table).values(**row).returning(table.c.id)).scalar_one()
    db.session.commit()
    return new_id


def _questionnaires(world: World, out: AuthzWorld) -> None:
    """Each town's municipality linked to a gmina of the register, with a draft questionnaire
    (culture and recreation, 2024) and one answer typed (decision 0037)."""
    from datetime import date

    from workflow.models import Municipality, TerritorialUnit, UnitKind, UnitLevel
    from workflow.monitoring import definitions
    from workflow.monitoring import questionnaire as qn

    definitions.load()
    questions = qn.items(MonitoringArea.CULTURE_RECREATION)
    made = []
    for key, code in (("a", "3017013"), ("b", "3217011")):
        path = world.path(key)
        municipality = db.session.get(Municipality, path.applicant.memberships[0].municipality_id)
        unit = db.session.scalar(sa.select(TerritorialUnit).where(TerritorialUnit.code == code))
        if unit is None:  # the open API's base (build_base) holds only a few powiats
            unit = TerritorialUnit(code=code, level=UnitLevel.GMINA, kind=UnitKind.URBAN_RURAL,
                                   name=municipality.name, register_date=date(2024, 1, 1))
            db.session.add(unit)
        municipality.unit = unit
        db.session.flush()
        q = qn.open_for(unit.id, 2024, MonitoringArea.CULTURE_RECREATION)
        entries = {questions[0].variable_id: qn.Entry("1000")}
        assert qn.save(q, questions, entries, world.user(f"town_{key}"), submit=False).ok
        made.append(q.id)
    db.session.commit()
    out.put("questionnaire", *made)
    out.put("questionnaire_variable", questions[0].variable_id)
    # Each city's comment on a value of its own (decision 0039).
    from workflow.models import Indicator, ValueComment

    indicator_id = db.session.scalar(sa.select(Indicator.id)
                                     .where(Indicator.code == "dochody_wlasne_na_mieszkanca"))
    cities = ("3017013", "3217011")
    unit_ids = dict(db.session.execute(sa.select(TerritorialUnit.code, TerritorialUnit.id)
                                       .where(TerritorialUnit.code.in_(cities))).all())
    comments = [ValueComment(unit_id=unit_ids[c], indicator_id=indicator_id, year=2019,
                             body=f"Komentarz miasta {c}") for c in cities]
    db.session.add_all(comments)
    db.session.commit()
    out.put("city_unit_code", *cities)
    out.put("value_comment", *(c.id for c in comments))
    _exchange_groups(world, out)


def _exchange_groups(world: World, out: AuthzWorld) -> None:
    """Each town's city in an exchange group of its own (one city each: the size rule is the
    operation's, not the table's), its team account the city's delegate, a meeting with minutes;
    the matrix's moderator moderates group A only (decision 0038)."""
    from workflow.models import (
        ExchangeDelegate,
        ExchangeGroup,
        ExchangeGroupCity,
        ImprovementPlan,
        Municipality,
    )
    from workflow.monitoring import exchange

    moderator = make_user(ROLES["moderator"], "moderator")
    db.session.flush()
    groups, meetings = [], []
    for key in ("a", "b"):
        path = world.path(key)
        unit_id = db.session.get(Municipality, path.applicant.memberships[0].municipality_id).unit_id
        group = ExchangeGroup(code=f"grupa-{key}", area=MonitoringArea.CULTURE_RECREATION, cohort=2025,
                              name_pl=f"Grupa {key.upper()}", name_en=f"Group {key.upper()}",
                              moderator_id=moderator.id if key == "a" else None)
        db.session.add(group)
        db.session.flush()
        db.session.add(ExchangeGroupCity(group_id=group.id, unit_id=unit_id, area=group.area, cohort=2025))
        db.session.add(ExchangeDelegate(group_id=group.id, user_id=world.users[f"town_{key}"].id,
                                        unit_id=unit_id))
        db.session.commit()
        runner = moderator if key == "a" else world.user("coordinator")
        meeting = exchange.schedule(group, runner,
                                    exchange.MeetingInput(NOW, f"Sala {key.upper()}", "Program"))
        exchange.store_minutes(meeting, group, runner, f"protokol-{key}.pdf",
                               io.BytesIO(pdf_bytes(f"protokol {key}")))
        # The city's improvement plan (decision 0042), its goals naming the town's secret topic.
        db.session.add(ImprovementPlan(group_id=group.id, unit_id=unit_id, goals=f"Cele {MARKERS[key][1]}"))
        db.session.commit()
        groups.append(group.id)
        meetings.append(meeting.id)
    out.put("exchange_group", *groups)
    out.put("exchange_meeting", *meetings)
