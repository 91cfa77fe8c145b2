"""A partnership through its pages: every member sees the path and who has approved; each
approves for its own municipality only; only the leader uploads, submits and keeps the
records; partnership A's people see nothing of B; deadlines, reminders and the calendar
feed work as for a town."""

from __future__ import annotations

import io
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa
from factories.partnership import CODES, CWD, LOGINS, Partnerships, build_partnerships, upload
from factories.path import PDF
from icalendar import Calendar
from support import count, version_on
from support.querycount import count_queries

from workflow.accounts import invitations
from workflow.extensions import db
from workflow.messaging import reminders
from workflow.models import (
    ApplicantMember,
    CouncilSeat,
    Document,
    DocumentApproval,
    Municipality,
    Notification,
    PartnershipRecord,
    Role,
    StageDeadline,
    User,
)
from workflow.monitoring import units
from workflow.partnership import setup
from workflow.path import access, approvals, calendar_feed, deadlines
from workflow.path.transitions import fire

LEADER, SECOND, THIRD = LOGINS["a"]
LEADER_B, SECOND_B = LOGINS["b"]


@pytest.fixture
def cwd(ctx) -> Partnerships:
    return build_partnerships()


def text(response) -> str:  # noqa: ANN001
    return response.get_data(as_text=True)


def approve(browser, path_id: int, document_id: int, **extra):  # noqa: ANN001, ANN003, ANN201
    browser.get(f"/town/paths/{path_id}")
    return browser.post(f"/town/paths/{path_id}/approval", {"document_id": document_id, **extra})


def record(browser, path_id: int, **values):  # noqa: ANN001, ANN003, ANN201
    browser.get(f"/partnerships/paths/{path_id}")
    data = {"kind": "agreement", "number": "", "title": "Porozumienie o współpracy",
            "adopted_on": "2021-02-15", "document": (io.BytesIO(PDF), "porozumienie.pdf")} | values
    return browser.post(f"/town/paths/{path_id}/records", data, content_type="multipart/form-data")


# --- every member sees the path; the leader acts ------------------------------------------------

def test_every_member_sees_the_path_and_who_has_approved(cwd, login):
    a = cwd.paths["a"].id
    leader = login(LEADER)
    assert leader.upload(a, "plan-pracy.pdf", PDF).status_code == 302
    for email in LOGINS["a"]:
        page = text(login(email).get(f"/town/paths/{a}"))
        assert "Partnerstwo Dąbrowa Tarnowska" in page and "Przygotuj plan pracy" in page
        assert "Zatwierdziło: 0 z 3." in page
        for name in ("Dąbrowa Tarnowska", "Bolesław", "Gręboszów"):
            assert name in page
        assert "Zatwierdzam tę wersję w imieniu mojej gminy" in page
    member = text(login(SECOND).get(f"/town/paths/{a}"))
    assert "Złóż plan pracy do doradcy" not in member  # the leader's button only
    assert "Kolejny krok należy do lidera partnerstwa" in member
    assert f'action="/town/paths/{a}/documents"' not in member  # no upload form for a member
    own = text(leader.get(f"/town/paths/{a}"))
    assert "Złóż plan pracy do doradcy" in own
    assert "Nie każda gmina partnerstwa zatwierdziła jeszcze najnowszą wersję" in own  # what is missing


def test_members_approve_the_version_they_saw_and_the_leader_then_submits(cwd, login):
    a = cwd.paths["a"].id
    leader = login(LEADER)
    document = upload(cwd.path("a"), cwd.user(LEADER))
    refused = leader.fire(a, "submit_work_plan", version_on(leader.get(f"/town/paths/{a}")))
    assert refused.status_code == 409
    assert "Nie każda gmina partnerstwa zatwierdziła" in text(refused)
    for email in LOGINS["a"]:
        response = approve(login(email), a, document)
        assert response.status_code == 302, text(response)[:500]
    page = leader.get(f"/town/paths/{a}")
    html = text(page)
    assert "Zatwierdziło: 3 z 3." in html and "lider może złożyć dokument" in html
    assert "Zatwierdzam tę wersję" not in html  # nothing left for the leader to approve
    assert leader.fire(a, "submit_work_plan", version_on(page)).status_code == 302
    assert cwd.path("a").state == "work_plan.submitted"
    advisor = text(login("doradca-a@example.pl").get(f"/advisor/paths/{a}"))
    assert "Zatwierdź plan pracy" in advisor


def test_an_approval_of_an_older_version_is_refused_on_the_page(cwd, login):
    a = cwd.paths["a"].id
    first = upload(cwd.path("a"), cwd.user(LEADER))
    upload(cwd.path("a"), cwd.user(LEADER), PDF + b"v2", "plan-pracy-v2.pdf")
    response = approve(login(SECOND), a, first)
    assert response.status_code == 409
    assert "nowszą wersję dokumentu" in text(response)
    assert count(DocumentApproval) == 0


def test_a_member_cannot_approve_for_another_member(cwd, login):
    a = cwd.paths["a"].id
    document = upload(cwd.path("a"), cwd.user(LEADER))
    leader_gmina = cwd.user(LEADER).municipality_id
    response = approve(login(SECOND), a, document, municipality_id=leader_gmina, member=leader_gmina)
    assert response.status_code == 302
    approved = db.session.scalars(sa.select(DocumentApproval.municipality_id)).all()
    assert approved == [cwd.user(SECOND).municipality_id]  # its own gmina's, whatever was posted
    status = approvals.current(cwd.path("a"))
    assert [p.member.municipality.teryt for p in status.pending] == [CODES["a"][0], CODES["a"][2]]


def test_a_member_cannot_submit_upload_or_withdraw_for_the_leader(cwd, login):
    a = cwd.paths["a"].id
    document = upload(cwd.path("a"), cwd.user(LEADER))
    for email in LOGINS["a"]:
        approvals.approve(cwd.path("a"), cwd.user(email), document)
    member = login(SECOND)
    page = member.get(f"/town/paths/{a}")
    leader_page = login(LEADER).get(f"/town/paths/{a}")
    response = member.fire(a, "submit_work_plan", version_on(leader_page))
    assert response.status_code == 409 and "Nie masz uprawnień" in text(response)
    assert member.upload(a, "plan.pdf", PDF + b"x").status_code == 409
    assert member.get(f"/paths/{a}/events/withdraw/confirm").status_code == 409
    withdraw = member.post(f"/paths/{a}/events/withdraw", {"version": version_on(leader_page),
                                                           "comment": "Uchwała 1/2021", "confirmed": "1"})
    assert withdraw.status_code == 409
    assert cwd.path("a").state == "work_plan.draft" and count(Document) == 1
    assert page.status_code == 200


# --- partnership A's people see nothing of B ------------------------------------------------------

def test_partnership_b_sees_nothing_of_a(cwd, login):
    a = cwd.paths["a"].id
    document = upload(cwd.path("a"), cwd.user(LEADER), name="plan-dabrowa.pdf")
    for email in LOGINS["b"]:
        other = login(email)
        assert other.get(f"/town/paths/{a}").status_code == 404
        assert other.get(f"/partnerships/paths/{a}").status_code == 404
        assert other.get(f"/documents/{document}").status_code == 404
        assert approve(other, a, document).status_code == 404
        assert record(other, a).status_code == 404
        assert other.fire(a, "submit_work_plan", 1).status_code == 404
        own = text(other.get("/town/"))
        assert "Dąbrowa" not in own and "plan-dabrowa" not in own
    assert count(DocumentApproval) == 0 and count(PartnershipRecord) == 0
    assert login("doradca-b@example.pl").get(f"/partnerships/paths/{a}").status_code == 404
    assert login("doradca-a@example.pl").get(f"/partnerships/paths/{a}").status_code == 200
    assert login("koordynator@example.pl").get(f"/partnerships/paths/{a}").status_code == 200


# --- the partnership's page and records -----------------------------------------------------------

def test_the_partnership_page_shows_members_council_and_records_to_everyone_in_it(cwd, login):
    a = cwd.paths["a"].id
    leader_browser = login(LEADER)
    response = record(leader_browser, a)
    assert response.status_code == 302, text(response)[:800]
    leader = text(leader_browser.get(f"/partnerships/paths/{a}"))
    assert "Dodano dokument partnerstwa" in leader and "Dodaj dokument partnerstwa" in leader
    for email in (SECOND, "doradca-a@example.pl", "koordynator@example.pl"):
        page = text(login(email).get(f"/partnerships/paths/{a}"))
        for seen in ("porozumienie międzygminne (art. 74", "1204023", "1204012", "gmina wiejska",
                     "gmina miejsko-wiejska", "Anna Nowak", "Burmistrz", "przewodniczący",
                     "Porozumienie o współpracy", "porozumienie.pdf", "15 lutego 2021"):
            assert seen in page, (email, seen)
        assert "Dodaj dokument partnerstwa" not in page
    # Its file downloads for every member; B's leader gets 404.
    document = db.session.scalar(sa.select(PartnershipRecord.document_id))
    assert login(THIRD).get(f"/documents/{document}").status_code == 200
    assert login(LEADER_B).get(f"/documents/{document}").status_code == 404
    # A path page lists only its stages' documents, and links to the partnership's page.
    path_page = text(login(SECOND).get(f"/town/paths/{a}"))
    assert "porozumienie.pdf" not in path_page
    assert f"/partnerships/paths/{a}" in path_page


def test_only_the_leader_adds_a_record_and_bad_input_keeps_what_was_typed(cwd, login):
    a = cwd.paths["a"].id
    member = record(login(SECOND), a)
    assert member.status_code == 403 and "lider partnerstwa" in text(member)
    assert count(PartnershipRecord) == 0
    leader = login(LEADER)
    no_number = record(leader, a, kind="resolution", title="w sprawie przyjęcia planu pracy")
    assert no_number.status_code == 400
    html = text(no_number)
    assert "Podaj numer uchwały" in html and 'value="w sprawie przyjęcia planu pracy"' in html
    bad_date = record(leader, a, adopted_on="2021-02-30")
    assert bad_date.status_code == 400 and "RRRR-MM-DD" in text(bad_date)
    wrong_kind = record(leader, a, kind="minutes")
    assert wrong_kind.status_code == 400
    not_pdf = record(leader, a, document=(io.BytesIO(b"not a pdf"), "porozumienie.pdf"))
    assert not_pdf.status_code == 400
    assert count(PartnershipRecord) == 0 and count(Document) == 0
    assert record(leader, a, kind="resolution", number="1/2021", title="w sprawie planu").status_code == 302
    assert record(leader, a, kind="resolution", number="1/2021", title="w sprawie planu",
                  document=(io.BytesIO(PDF + b"2"), "uchwala.pdf")).status_code == 302
    page = text(leader.get(f"/partnerships/paths/{a}"))
    assert "Uchwała Rady Partnerstwa nr 1/2021" in page and "Wcześniejsze wersje" in page


def test_the_pages_of_a_partnership_issue_a_fixed_number_of_queries(cwd, login, app):
    a = cwd.paths["a"].id
    document = upload(cwd.path("a"), cwd.user(LEADER))
    approvals.approve(cwd.path("a"), cwd.user(SECOND), document)
    leader = login(LEADER)
    record(leader, a)

    def counts() -> tuple[int, int]:
        with app.app_context(), count_queries(db.engine) as path_page:
            assert leader.client.get(f"/town/paths/{a}").status_code == 200
        with app.app_context(), count_queries(db.engine) as partnership_page:
            assert leader.client.get(f"/partnerships/paths/{a}").status_code == 200
        return path_page.count, partnership_page.count

    small = counts()
    # Four more gminas of the powiat, each with its account, council seat and approval.
    path = cwd.path("a")
    more = setup.neighbours_in_powiat(CODES["a"][0])[2:6]
    found = units.ensure(more)
    for i, code in enumerate(more):
        unit = found[code]
        municipality = Municipality(teryt=code, name=unit.name, voivodeship="małopolskie", unit_id=unit.id)
        db.session.add(ApplicantMember(applicant_id=path.applicant_id, municipality=municipality))
        db.session.flush()
        db.session.add(CouncilSeat(applicant_id=path.applicant_id, municipality_id=municipality.id,
                                   person_name=f"Wójt {i}", office="Wójt"))
        user = User(email=f"extra{i}@example.pl", name=f"extra {i}", password_hash="x", role="town",
                    applicant_id=path.applicant_id, municipality_id=municipality.id)
        db.session.add(user)
        db.session.flush()
        approvals.approve(cwd.path("a"), user, document)
    db.session.commit()
    assert counts() == small, small
    # The leader's path page: the town page's 8, + the leader's membership (roles), the
    # members with their approvals, and whether every one approved (the guard's fact).
    # The partnership page: user (with the bell), path (with its programme and applicant),
    # partnership with its council, the leader's membership, members with municipalities and
    # units, records with files.
    assert small == (11, 6), small


# --- deadlines, reminders and the calendar feed, as for a town -------------------------------------

def test_deadlines_extensions_reminders_and_the_calendar_feed_work_for_a_partnership(cwd, login):
    due = datetime(2026, 10, 30, 22, 59, tzinfo=UTC)
    for row in db.session.scalars(sa.select(StageDeadline)):
        row.due_at = due
    db.session.commit()
    leader = cwd.user(LEADER)
    upload(cwd.path("a"), leader)
    for email in LOGINS["a"]:
        approvals.approve(cwd.path("a"), cwd.user(email), approvals.current(cwd.path("a")).document.id)
    fire(cwd.path("a"), "submit_work_plan", leader, now=due - timedelta(days=20))
    fire(cwd.path("a"), "accept_work_plan", cwd.user("doradca-a@example.pl"), now=due - timedelta(days=19))
    upload(cwd.path("a"), leader, PDF + b"diagnoza")
    fire(cwd.path("a"), "publish_diagnosis", leader, now=due - timedelta(days=18))
    assert CWD.in_consultation(cwd.path("a").state)
    # A week before: every person of both partnerships is reminded (A's in consultation).
    assert reminders.sweep(due - timedelta(days=6)) == 2
    notes = db.session.scalars(sa.select(Notification).where(Notification.kind == "deadline_reminder")).all()
    people = {n.recipient_id for n in notes}
    assert people == {cwd.user(e).id for e in (*LOGINS["a"], *LOGINS["b"])}
    # The coordinator extends A's diagnosis: the guard and the feed follow.
    later = due + timedelta(days=14)
    deadlines.extend(cwd.path("a"), "diagnosis", later, "Konsultacje przedłużono o dwa tygodnie.",
                     cwd.user("koordynator@example.pl"))
    assert deadlines.effective_deadline(cwd.path("a"), "diagnosis") == later
    fire(cwd.path("a"), "close_diagnosis_consultation", leader, now=due + timedelta(days=1))
    feed, _token = calendar_feed.create(cwd.path("a").applicant, leader)
    calendar = Calendar.from_ical(calendar_feed.ical(cwd.path("a").applicant))
    events = {str(e["summary"]): e.decoded("dtstart") for e in calendar.walk("VEVENT")}
    assert events["Termin: Diagnoza obszaru partnerstwa — Partnerstwo Dąbrowa Tarnowska"] == later
    assert "Termin: Plan pracy — Partnerstwo Dąbrowa Tarnowska" in events
    assert feed.applicant_id == cwd.path("a").applicant_id


# --- inviting a person of a partnership ------------------------------------------------------------

def test_the_coordinator_invites_a_person_for_one_municipality_of_a_partnership(cwd, login):
    coordinator = login("koordynator@example.pl")
    path_a, path_b = cwd.path("a"), cwd.path("b")
    boleslaw = cwd.user(SECOND).municipality_id
    page = text(coordinator.get("/coordinator/users/invite"))
    assert "Partnerstwo Dąbrowa Tarnowska – Bolesław" in page
    assert f'value="{path_a.applicant_id}-{boleslaw}"' in page
    assert f'<option value="{path_a.applicant_id}">' not in page  # a partnership as a whole: no

    def invite(applicant: str):  # noqa: ANN202
        coordinator.get("/coordinator/users/invite")
        return coordinator.post("/coordinator/users/invite", {
            "name": "Jan Sekretarz", "email": "sekretarz@boleslaw.pl", "role": "town",
            "applicant": applicant, "locale": "pl"})

    for wrong in (str(path_a.applicant_id), f"{path_b.applicant_id}-{boleslaw}", f"{path_a.applicant_id}-x"):
        response = invite(wrong)
        assert response.status_code == 422 and "Nie ma takiego miasta" in text(response), wrong
    assert invite(f"{path_a.applicant_id}-{boleslaw}").status_code == 302
    invited = db.session.scalar(sa.select(User).where(User.email == "sekretarz@boleslaw.pl"))
    assert (invited.applicant_id, invited.municipality_id) == (path_a.applicant_id, boleslaw)
    assert access.roles_for(invited, cwd.path("a")) == {"applicant"}


def test_an_invitation_to_a_partnership_without_a_municipality_is_refused(cwd):
    with pytest.raises(invitations.InvitationRefused) as raised:
        invitations.invite(email="bez-gminy@example.pl", name="Bez Gminy", role=Role.TOWN, locale="pl",
                           by=cwd.user("koordynator@example.pl"), link_for=str,
                           applicant_id=cwd.path("a").applicant_id)
    assert "jednej z jego gmin" in " ".join(str(m) for m in raised.value.messages)
    assert db.session.scalar(sa.select(User).where(User.email == "bez-gminy@example.pl")) is None


def test_the_coordinators_and_advisors_pages_take_the_cwd_programme(cwd, login):
    a = cwd.paths["a"].id
    upload(cwd.path("a"), cwd.user(LEADER))
    coordinator = login("koordynator@example.pl")
    overview = text(coordinator.get("/coordinator/?programme=CWD-TEST"))
    assert "Partnerstwo Dąbrowa Tarnowska" in overview and "Partnerstwo Wałcz" in overview
    deadlines_page = coordinator.get("/coordinator/deadlines?programme=CWD-TEST")
    assert deadlines_page.status_code == 200
    assert "Diagnoza obszaru partnerstwa" in text(deadlines_page)
    path_page = text(coordinator.get(f"/coordinator/paths/{a}"))
    assert "Zatwierdziło: 0 z 3." in path_page and "Ścieżka czeka na lidera partnerstwa." in path_page
    assert "Zatwierdzam tę wersję" not in path_page  # the coordinator approves for no municipality
    advisor = login("doradca-a@example.pl")
    assert "Partnerstwo Dąbrowa Tarnowska" in text(advisor.get("/advisor/"))
    own = text(advisor.get(f"/advisor/paths/{a}"))
    assert "Zatwierdziło: 0 z 3." in own and "Bolesław" in own
