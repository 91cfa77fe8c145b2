"""A partnership's pages in a real browser: axe-core (WCAG 2.1 A and AA) and a 375 px phone,
in Polish and English, for the leader, a member, the advisor and the coordinator; and a
member's approval through the page. The demo is put back before and after (its programmes
do not hold partnerships yet)."""

from __future__ import annotations

import io

import pytest
from sqlalchemy import select
from support.browser import PASSWORD, Live, check_pages, log_in, new_page, set_language
from werkzeug.security import generate_password_hash

import states
from workflow.demo.parts import pdf_bytes
from workflow.extensions import db
from workflow.models import AdvisorAssignment, Programme, RecordKind, StageDeadline, User
from workflow.partnership import records, setup
from workflow.partnership.setup import MemberSpec
from workflow.path import approvals, documents

pytest_plugins = ["support.browser_fixtures"]
pytestmark = pytest.mark.browser

LEADER, MEMBER, ADVISOR = "lider@cwd.example.pl", "partner@cwd.example.pl", "advisor01@demo.sciezka.pl"
COORDINATOR = "coordinator@demo.sciezka.pl"


@pytest.fixture(scope="module")
def path_id(live: Live, pristine: None) -> int:
    def build() -> int:
        cwd = states.get_definition("partnerstwa")
        programme = Programme(code="CWD-BROWSER", title_pl="CWD test", title_en="CWD test",
                              path_code=cwd.code)
        db.session.add(programme)
        db.session.flush()
        first = db.session.scalar(select(StageDeadline.due_at).order_by(StageDeadline.due_at).limit(1))
        db.session.add_all([StageDeadline(programme_id=programme.id, stage=s.code, due_at=first)
                            for s in cwd.stages if s.has_deadline])
        made = setup.create(
            MemberSpec("1204023", email=LEADER, person="Anna Nowak", office="Burmistrz"),
            [MemberSpec("1204012", email=MEMBER, person="Piotr Wójcik", office="Wójt"),
             MemberSpec("1204032")],
            programme=programme, password_hash=generate_password_hash(PASSWORD), commit=False)
        advisor = db.session.scalar(select(User).where(User.email == ADVISOR))
        db.session.add(AdvisorAssignment(path_id=made.path.id, advisor_id=advisor.id, kind="lead"))
        db.session.commit()
        leader = made.users["1204023"]
        documents.store_upload(made.path, "work_plan", "plan-pracy.pdf", io.BytesIO(pdf_bytes("plan")),
                               leader)
        approvals.approve(made.path, leader, None)
        records.add(made.path, leader, kind=RecordKind.RESOLUTION, number="1/2021",
                    title="w sprawie przyjęcia planu pracy", adopted_on=None, filename="uchwala.pdf",
                    stream=io.BytesIO(pdf_bytes("uchwala")))
        return made.path.id

    return live.query(build)


@pytest.mark.parametrize("lang", ["pl", "en"])
@pytest.mark.parametrize(("email", "audience"), [(LEADER, "town"), (MEMBER, "town"), (ADVISOR, "advisor"),
                                                 (COORDINATOR, "coordinator")])
def test_no_wcag_violation_on_the_partnership_pages(chromium, live, path_id, email, audience, lang):
    page = new_page(chromium, live)
    try:
        log_in(page, email)
        set_language(page, lang)
        urls = [f"/{audience}/paths/{path_id}", f"/partnerships/paths/{path_id}"]
        problems = check_pages(page, urls)
        assert not problems, "\n" + "\n".join(problems)
    finally:
        page.context.close()


def test_a_member_approves_for_its_municipality_through_the_page(chromium, live, path_id):
    page = new_page(chromium, live)
    try:
        log_in(page, MEMBER)
        set_language(page, "pl")  # the tests above leave it in English
        page.goto(f"/town/paths/{path_id}")
        assert page.get_by_text("Zatwierdziło: 1 z 3.").is_visible()
        page.get_by_role("button", name="Zatwierdzam tę wersję w imieniu mojej gminy").click()
        page.wait_for_load_state()
        assert page.get_by_text("Zatwierdzono dokument w imieniu: Bolesław.").is_visible()
        assert page.get_by_text("Zatwierdziło: 2 z 3.").is_visible()
        assert page.get_by_role("button", name="Zatwierdzam tę wersję w imieniu mojej gminy").count() == 0
    finally:
        page.context.close()
