"""The CWD partnership: made from TERYT codes, its members' approvals before the leader
submits, its path walked by the engine, and its page and records."""

from __future__ import annotations

import csv
import io

import pytest
import sqlalchemy as sa
from factories.partnership import CWD, Partnerships, build_partnerships, cwd_programme, upload
from factories.path import PDF
from sqlalchemy.exc import IntegrityError

from workflow.demo import seed as demo
from workflow.extensions import db
from workflow.models import (
    ApplicantMember,
    CouncilSeat,
    DocumentApproval,
    LegalForm,
    Municipality,
    Path,
    RecordKind,
    TerritorialUnit,
    User,
)
from workflow.monitoring import units
from workflow.partnership import records, setup
from workflow.partnership.setup import MemberSpec, PartnershipRefused
from workflow.path import access, approvals, documents
from workflow.path.transitions import TransitionRefused, fire
from workflow.refusal import Refused


@pytest.fixture
def cwd(ctx) -> Partnerships:
    return build_partnerships()


def said(raised: pytest.ExceptionInfo) -> str:
    """What a refusal says, in Polish (str() of a refusal is English, for the log)."""
    return " ".join(str(m) for m in raised.value.messages)


def approve_all(built: Partnerships, key: str) -> None:
    path = built.path(key)
    latest = approvals.current(path).document
    for user in built.users.values():
        if user.applicant_id == path.applicant_id:
            approvals.approve(built.path(key), user, latest.id)


# --- made from TERYT codes -----------------------------------------------------------------------

def test_a_partnership_is_made_from_teryt_codes_with_its_accounts_and_council(cwd):
    path = cwd.path("a")
    applicant = path.applicant
    assert (applicant.kind, applicant.name, applicant.voivodeship) == (
        "partnership", "Partnerstwo Dąbrowa Tarnowska", "małopolskie")
    assert path.state == CWD.initial == "work_plan.draft"
    members = records.members_of(path)
    assert [(m.municipality.teryt, m.municipality.name, m.is_leader) for m in members] == [
        ("1204023", "Dąbrowa Tarnowska", True), ("1204012", "Bolesław", False),
        ("1204032", "Gręboszów", False)]
    # Linked to the register's units (loaded just for them: no boundaries needed).
    assert [m.municipality.unit.kind for m in members] == ["urban_rural", "rural", "rural"]
    assert members[0].municipality.unit.parent.code == "1204"
    # One account per member, acting for its own municipality.
    for email, code in (("lider-a@example.pl", "1204023"), ("partner-a2@example.pl", "1204012")):
        user = cwd.user(email)
        assert (user.role, user.applicant_id, user.municipality.teryt) == ("town", applicant.id, code)
    partnership = records.partnership_of(path)
    assert partnership.legal_form == LegalForm.AGREEMENT
    assert [(s.municipality.teryt, s.person_name, s.office, s.is_chair) for s in partnership.seats] == [
        ("1204023", "Anna Nowak", "Burmistrz", True), ("1204012", "Piotr Wójcik", "Wójt", False),
        ("1204032", "Ewa Zielińska", "Wójt", False)]


def test_the_same_municipality_is_one_row_in_every_programme(ctx):
    known = Municipality(name="Wałcz", voivodeship="zachodniopomorskie", teryt="3217011")
    db.session.add(known)
    db.session.commit()
    made = setup.create("3217011", ["3217052"], name="Partnerstwo Wałeckie")
    assert made.members[0].municipality.id == known.id
    assert known.unit_id is not None  # now linked to the register
    assert made.members[1].municipality.name == "Wałcz"  # the rural gmina of the same name
    assert made.members[1].municipality.unit.kind == "rural"
    assert made.path is None and made.users == {}


def test_a_powiat_joins_an_association_or_a_powiat_gmina_union(ctx):
    made = setup.create("1204023", ["1204012", "1204"], legal_form=LegalForm.POWIAT_GMINA_UNION)
    powiat = made.members[2].municipality
    assert (powiat.teryt, powiat.name, powiat.is_powiat) == ("1204", "powiat dąbrowski", True)
    with pytest.raises(PartnershipRefused) as raised:
        setup.create("3217011", ["3217023", "3217"], legal_form=LegalForm.AGREEMENT)
    assert "Powiat" in said(raised)
    with pytest.raises(PartnershipRefused) as raised:
        setup.create("3217011", ["3217023"], legal_form=LegalForm.POWIAT_GMINA_UNION)
    assert "powiatu" in said(raised)


@pytest.mark.parametrize(("leader", "members", "message"), [
    ("1204023", ["9999999"], "Kodu TERYT 9999999 nie ma w rejestrze"),
    ("1204024", ["1204012"], "Kodu TERYT 1204024"),  # the town part of a gmina is no unit of its own
    ("1204023", ["12O4012"], "nie jest kodem TERYT"),
    ("1204023", ["1204012", "1204012"], "dwa razy"),
    ("1204", ["1204012"], "Liderem partnerstwa jest gmina"),
    ("1204023", [], "co najmniej dwie"),
])
def test_codes_the_register_does_not_have_are_refused_before_anything_is_written(
        ctx, leader, members, message):
    with pytest.raises(PartnershipRefused) as raised:
        setup.create(leader, members)
    assert message in said(raised)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(ApplicantMember)) == 0


def test_an_account_that_exists_is_refused_and_the_chair_sits_on_the_council(cwd):
    with pytest.raises(PartnershipRefused) as raised:
        setup.create("1204052", [MemberSpec("1204062", email="LIDER-A@example.pl")])
    assert "już istnieje" in said(raised)
    with pytest.raises(PartnershipRefused) as raised:
        setup.create("1204052", [MemberSpec("1204062", person="Jan Nowak")], chair="1204052")
    assert "Przewodniczący" in said(raised)
    made = setup.create(MemberSpec("1204052"), [MemberSpec("1204062", person="Jan Nowak", office="Wójt")],
                        chair="1204062")
    assert [(s.person_name, s.is_chair) for s in made.partnership.seats] == [("Jan Nowak", True)]


def test_the_database_keeps_one_leader_one_chair_and_people_within_their_partnership(cwd):
    a, b = cwd.path("a"), cwd.path("b")
    member = db.session.scalar(sa.select(ApplicantMember).where(
        ApplicantMember.applicant_id == a.applicant_id, ApplicantMember.is_leader.is_(False)).limit(1))
    member.is_leader = True
    with pytest.raises(IntegrityError):
        db.session.commit()
    db.session.rollback()
    seat = db.session.scalar(sa.select(CouncilSeat).where(CouncilSeat.is_chair.is_(False)).limit(1))
    seat.is_chair = True
    with pytest.raises(IntegrityError):
        db.session.commit()
    db.session.rollback()
    # A person of B cannot act for a municipality of A.
    partner_b = cwd.user("partner-b2@example.pl")
    partner_b.municipality_id = member.municipality_id
    with pytest.raises(IntegrityError):
        db.session.commit()
    db.session.rollback()
    assert b.applicant_id != a.applicant_id


def test_the_register_names_the_other_gminas_of_a_powiat():
    assert setup.gminas_of_powiat("1204") == ["1204012", "1204023", "1204032", "1204042", "1204052",
                                              "1204062", "1204073"]
    assert setup.neighbours_in_powiat("3217011") == ["3217023", "3217033", "3217043", "3217052"]
    assert setup.gminas_of_powiat("9999") == []


# --- roles and approvals -------------------------------------------------------------------------

def test_the_leader_holds_the_leader_role_and_every_member_the_applicant_role(cwd):
    path = cwd.path("a")
    assert access.roles_for(cwd.user("lider-a@example.pl"), path) == {"applicant", "leader"}
    assert access.roles_for(cwd.user("partner-a2@example.pl"), path) == {"applicant"}
    assert access.roles_for(cwd.user("partner-b2@example.pl"), path) == frozenset()
    assert access.roles_for(cwd.user("doradca-a@example.pl"), path) == {"advisor"}


def test_the_leader_submits_only_once_every_member_approved_the_latest_version(cwd):
    leader, second, third = (cwd.user(e) for e in ("lider-a@example.pl", "partner-a2@example.pl",
                                                   "partner-a3@example.pl"))
    first = upload(cwd.path("a"), leader)
    with pytest.raises(TransitionRefused) as raised:
        fire(cwd.path("a"), "submit_work_plan", leader)
    assert "zatwierdzi" in said(raised)
    approvals.approve(cwd.path("a"), leader, first)
    approvals.approve(cwd.path("a"), second, first)
    status = approvals.current(cwd.path("a"))
    assert [(p.member.municipality.name, p.approval is not None) for p in status.parties] == [
        ("Dąbrowa Tarnowska", True), ("Bolesław", True), ("Gręboszów", False)]
    assert not status.complete
    with pytest.raises(TransitionRefused):
        fire(cwd.path("a"), "submit_work_plan", leader)
    # A new version clears the approvals: every member approves it again.
    newer = upload(cwd.path("a"), leader, PDF + b"v2")
    assert approvals.current(cwd.path("a")).approved == []
    with pytest.raises(Refused) as stale:
        approvals.approve(cwd.path("a"), third, first)  # the version the member saw is not the latest
    assert stale.value.stale
    for user in (leader, second, third):
        approvals.approve(cwd.path("a"), user, newer)
    assert approvals.current(cwd.path("a")).complete
    fire(cwd.path("a"), "submit_work_plan", leader)
    assert cwd.path("a").state == "work_plan.submitted"
    assert approvals.current(cwd.path("a")) is None  # nothing to approve while the advisor decides
    assert db.session.scalar(sa.select(sa.func.count()).select_from(DocumentApproval)) == 5


def test_a_member_approves_only_for_its_own_municipality_and_never_submits(cwd):
    second = cwd.user("partner-a2@example.pl")
    document = upload(cwd.path("a"), cwd.user("lider-a@example.pl"))
    approval = approvals.approve(cwd.path("a"), second, document)
    assert approval.municipality_id == second.municipality_id
    assert approvals.approve(cwd.path("a"), second, document).id == approval.id  # twice is once
    with pytest.raises(TransitionRefused) as raised:
        fire(cwd.path("a"), "submit_work_plan", second)
    assert "uprawnień" in said(raised)
    with pytest.raises(TransitionRefused) as raised:
        fire(cwd.path("a"), "withdraw", second, "Uchwała nr 5/2021")
    assert "uprawnień" in said(raised)
    # Someone of another partnership acts for none of A's members.
    with pytest.raises(Refused) as refused:
        approvals.approve(cwd.path("a"), cwd.user("partner-b2@example.pl"), document)
    assert refused.value.status == 403


def test_an_account_of_a_partnership_without_a_municipality_only_reads(cwd):
    reader = User(email="czytelnik@example.pl", name="Czytelnik", password_hash="x", role="town",
                  applicant_id=cwd.path("a").applicant_id)
    db.session.add(reader)
    db.session.commit()
    assert access.roles_for(reader, cwd.path("a")) == {"applicant"}
    document = upload(cwd.path("a"), cwd.user("lider-a@example.pl"))
    with pytest.raises(Refused) as refused:
        approvals.approve(cwd.path("a"), reader, document)
    assert refused.value.status == 403


def test_nothing_is_approved_where_the_definition_collects_no_approvals(cwd):
    leader = cwd.user("lider-a@example.pl")
    with pytest.raises(Refused) as raised:
        approvals.approve(cwd.path("a"), leader, None)
    assert "Nie dodano" in said(raised)
    upload(cwd.path("a"), leader)
    approve_all(cwd, "a")
    fire(cwd.path("a"), "submit_work_plan", leader)
    with pytest.raises(Refused) as raised:
        approvals.approve(cwd.path("a"), leader, None)
    assert "nie zatwierdzają" in said(raised)


# --- the path on the engine ----------------------------------------------------------------------

def walk_stage(built: Partnerships, stage: str, consulted: bool) -> None:
    leader, advisor = built.user("lider-a@example.pl"), built.user("doradca-a@example.pl")
    upload(built.path("a"), leader, PDF + stage.encode())
    if consulted:
        fire(built.path("a"), f"publish_{stage}", leader)
        assert CWD.in_consultation(built.path("a").state)
        assert approvals.current(built.path("a")) is None  # the published draft is commented, not approved
        fire(built.path("a"), f"close_{stage}_consultation", None, as_system="consultation")
        assert built.path("a").state == f"{stage}.consulted"
    approve_all(built, "a")
    fire(built.path("a"), f"submit_{stage}", leader)
    fire(built.path("a"), f"accept_{stage}", advisor)


def test_the_cwd_path_from_the_work_plan_to_completed_on_the_engine(cwd):
    for stage in ("work_plan", "diagnosis", "strategy", "feasibility", "preliminary_application"):
        walk_stage(cwd, stage, consulted=stage in ("diagnosis", "strategy"))
    path = cwd.path("a")
    assert path.state == "completed" and CWD.state(path.state).final
    assert [t.event for t in path.transitions][:6] == [
        "submit_work_plan", "accept_work_plan", "publish_diagnosis", "close_diagnosis_consultation",
        "submit_diagnosis", "accept_diagnosis"]


def test_a_returned_stage_is_corrected_approved_again_and_resubmitted(cwd):
    leader, advisor = cwd.user("lider-a@example.pl"), cwd.user("doradca-a@example.pl")
    upload(cwd.path("a"), leader)
    approve_all(cwd, "a")
    fire(cwd.path("a"), "submit_work_plan", leader)
    fire(cwd.path("a"), "return_work_plan", advisor, "Uzupełnij harmonogram spotkań Rady.")
    assert cwd.path("a").state == "work_plan.returned"
    # The approved version is still the latest: the leader may resubmit it as it is, or
    # upload a correction that every member approves again.
    upload(cwd.path("a"), leader, PDF + b"poprawiony")
    with pytest.raises(TransitionRefused):
        fire(cwd.path("a"), "submit_work_plan", leader)
    approve_all(cwd, "a")
    fire(cwd.path("a"), "submit_work_plan", leader)
    assert cwd.path("a").state == "work_plan.submitted"


def test_the_council_withdraws_the_partnership(cwd):
    leader = cwd.user("lider-a@example.pl")
    with pytest.raises(TransitionRefused) as raised:
        fire(cwd.path("a"), "withdraw", leader)
    assert "komentarza" in said(raised)
    fire(cwd.path("a"), "withdraw", leader, "Uchwała Rady Partnerstwa nr 4/2021 z 3 marca 2021 r.")
    assert cwd.path("a").state == "withdrawn"


# --- records -------------------------------------------------------------------------------------

def add_record(built: Partnerships, email: str, content: bytes = PDF, **values):  # noqa: ANN003, ANN201
    fields = {"kind": RecordKind.AGREEMENT, "number": "", "title": "Porozumienie partnerskie",
              "adopted_on": None, "filename": "porozumienie.pdf"} | values
    return records.add(built.path("a"), built.user(email), stream=io.BytesIO(content), **fields)


def test_the_leader_keeps_the_agreement_and_resolutions_in_versions(cwd):
    first = add_record(cwd, "lider-a@example.pl")
    second = add_record(cwd, "lider-a@example.pl", PDF + b"aneks")
    resolution = add_record(cwd, "lider-a@example.pl", PDF + b"u", kind=RecordKind.RESOLUTION,
                            number=" 3/2021 ", title="w sprawie przyjęcia planu pracy",
                            filename="uchwala-3-2021.pdf")
    later = add_record(cwd, "lider-a@example.pl", PDF + b"u10", kind=RecordKind.RESOLUTION,
                       number="10/2021", title="w sprawie diagnozy", filename="uchwala-10.pdf")
    assert (first.version, second.version, resolution.version, resolution.number) == (1, 2, 1, "3/2021")
    series = records.records_of(cwd.path("a"))
    assert [(s.kind, s.number, [r.version for r in s.versions]) for s in series] == [
        ("agreement", "", [2, 1]), ("resolution", "3/2021", [1]), ("resolution", "10/2021", [1])]
    assert later.document.stage == records.RECORD_STAGE
    # The path's pages list only the documents of its stages.
    stages = [s.code for s in CWD.stages]
    assert documents.documents_of(cwd.path("a"), stages) == []
    with pytest.raises(Refused) as raised:
        add_record(cwd, "lider-a@example.pl", PDF + b"aneks")
    assert "taki sam" in said(raised)


def test_only_the_leader_adds_a_record(cwd):
    with pytest.raises(Refused) as refused:
        add_record(cwd, "partner-a2@example.pl")
    assert refused.value.status == 403
    assert records.records_of(cwd.path("a")) == []


def test_units_ensure_adds_only_what_is_missing(ctx):
    found = units.ensure(["1204023", "1204"])
    assert sorted(found) == ["12", "1204", "1204023"]
    assert found["1204023"].parent is found["1204"]
    again = units.ensure(["1204012"])
    assert sorted(again) == ["12", "1204", "1204012"] and again["12"] is found["12"]
    assert db.session.scalar(sa.select(sa.func.count()).select_from(TerritorialUnit)) == 4
    assert units.ensure(["9999999"]) == {}


def test_a_second_cwd_programme_takes_the_same_partnership(cwd):
    later = cwd_programme("CWD-PLUS")
    path = cwd.path("a")
    plus = Path(programme=later, applicant_id=path.applicant_id, state=CWD.initial)
    db.session.add(plus)
    db.session.commit()
    # The same people, the same roles, a path of its own (approvals are per document version).
    assert access.roles_for(cwd.user("lider-a@example.pl"), plus) == {"applicant", "leader"}


def test_the_seed_towns_carry_their_register_codes_and_powiats():
    """data/seed_towns.csv: each town's gmina and powiat as the TERYT register has them; the
    demo's municipalities take their codes from it (workflow/demo/seed.load_towns)."""
    text = units.DEFAULT_REGISTER.read_text(encoding="utf-8-sig")
    register = {r.code: r for r in units.read_register(text)}
    with (units.DATA / "seed_towns.csv").open(encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    assert len(rows) == 64 and sum("small-town partnerships" in r["seed_list"] for r in rows) == 33
    for row in rows:
        gmina = register[row["teryt7"]]
        assert gmina.name == row["name"] and gmina.parent_code == row["powiat_teryt4"], row
        assert register[row["powiat_teryt4"]].name == row["powiat_name"], row
        assert register[row["teryt7"][:2]].name.lower() == row["voivodeship"], row
        assert len(setup.gminas_of_powiat(row["powiat_teryt4"])) == int(row["gminas_in_powiat"]), row
    towns = demo.load_towns()
    assert len(towns) == 54 and all(t.teryt and t.powiat == t.teryt[:4] for t in towns)
    assert len({t.teryt for t in towns}) == 54
