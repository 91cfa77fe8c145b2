"""Public consultations: a town's team publishes its draft for a period; anyone reads it and
comments without an account (a honeypot and a per-address limit against robots); the team
answers every comment and closes the consultation; its report is exported as CSV, XLSX and
PDF. Who sees what: the other town sees nothing, the public page shows nobody's name."""

from __future__ import annotations

import io
from datetime import date, timedelta
from zoneinfo import ZoneInfo

import pytest
from factories.consultation import NOW, draft, ended, published
from factories.path import PDF
from openpyxl import load_workbook
from pypdf import PdfReader
from sqlalchemy import select
from support import count
from support.authz import fetch
from support.querycount import count_queries

from workflow.consultation import moves, public
from workflow.consultation import operations as consultations
from workflow.consultation.operations import ConsultationRefused
from workflow.extensions import db
from workflow.models import (
    AuditEvent,
    ConsultationComment,
    Document,
    Path,
    PathTransition,
    PublicConsultation,
)
from workflow.path import documents

TODAY = NOW.astimezone(ZoneInfo("Europe/Warsaw")).date()


def anonymous(app, address: str = "192.0.2.10"):  # noqa: ANN001, ANN201
    """A visitor without an account, from `address` (the per-address limit counts it)."""
    from support import Browser

    visitor = Browser(app)
    visitor.client.environ_base["REMOTE_ADDR"] = address
    return visitor


def comment(visitor, cid: int, body: str = "Brakuje danych o komunikacji.", **more):  # noqa: ANN001, ANN201
    page = visitor.get(f"/public/consultations/{cid}")
    assert page.status_code == 200
    return visitor.post(f"/public/consultations/{cid}/comments", {"body": body, **more})


# --- opening and closing ---------------------------------------------------------------------------

def test_a_period_is_whole_days_in_the_programme_time_zone(world):
    start, end = consultations.period(date(2027, 3, 1), date(2027, 3, 31), "Europe/Warsaw")
    assert start.isoformat() == "2027-02-28T23:00:00+00:00"  # midnight in Warsaw (CET)
    assert end.isoformat() == "2027-03-31T22:00:00+00:00"  # the midnight after the 31st (CEST)


def test_open_consultation_publishes_a_document_of_the_path(world):
    document = draft(world)
    path = world.path("a")
    found = consultations.open_consultation(path, document, TODAY, TODAY + timedelta(days=34),
                                            actor=world.user("town_a"))
    assert (found.stage, found.document_id, found.closed_at) == ("diagnosis", document.id, None)
    assert found.is_open(NOW + timedelta(minutes=1)) or found.starts_at > NOW
    assert consultations.last_day(found, "Europe/Warsaw") == TODAY + timedelta(days=34)
    last = db.session.scalar(select(AuditEvent.action).order_by(AuditEvent.id.desc()))
    assert last == "consultation_opened"


@pytest.mark.parametrize(("starts", "ends", "field"), [
    (-1, 30, "starts"),  # before today
    (5, 4, "ends"),  # ends before it starts
    (0, consultations.MAX_DAYS, "ends"),  # one day too long
])
def test_a_period_that_is_not_one_is_refused_by_field(world, starts, ends, field):
    document = draft(world)
    with pytest.raises(ConsultationRefused) as refused:
        consultations.open_consultation(world.path("a"), document, TODAY + timedelta(days=starts),
                                        TODAY + timedelta(days=ends))
    assert refused.value.status == 400 and list(refused.value.errors) == [field]
    assert count(PublicConsultation) == 0


def test_one_consultation_per_stage_until_it_is_closed(world):
    document = draft(world)
    consultations.open_consultation(world.path("a"), document, TODAY, TODAY + timedelta(days=40))
    with pytest.raises(ConsultationRefused) as refused:
        consultations.open_consultation(world.path("a"), document, TODAY, TODAY + timedelta(days=40))
    assert refused.value.status == 409
    assert count(PublicConsultation) == 1


def test_another_paths_document_is_refused(world):
    theirs = draft(world, "b")
    with pytest.raises(ConsultationRefused) as refused:
        consultations.open_consultation(world.path("a"), theirs, TODAY, TODAY + timedelta(days=40))
    assert list(refused.value.errors) == ["document_id"]


def test_closing_waits_for_the_last_day_and_for_every_answer(world):
    consultation = published(world, comments=2)
    with pytest.raises(ConsultationRefused, match="runs until"):  # str(): the log's English
        consultations.close_consultation(consultation)
    ended(consultation)
    consultation = db.session.get(PublicConsultation, consultation.id)
    with pytest.raises(ConsultationRefused, match=r"not answered: 2"):
        consultations.close_consultation(consultation)
    for number in (1, 2):
        consultations.answer(consultation, number, f"Dziękujemy ({number}).", world.user("town_a"))
    consultations.close_consultation(consultation, actor=world.user("town_a"))
    assert consultation.closed_at is not None
    with pytest.raises(ConsultationRefused, match="report cannot change"):
        consultations.answer(consultation, 1, "Późniejsza zmiana", world.user("town_a"))


def test_a_transition_can_close_early_inside_its_own_transaction(world):
    consultation = published(world, comments=1)
    closed = consultations.close_stage_consultation(world.path("a"), "diagnosis", early=True,
                                                    require_answers=False, commit=False)
    assert closed is not None and closed.id == consultation.id
    db.session.rollback()  # the transition failed: nothing of the closing stays
    assert db.session.get(PublicConsultation, consultation.id).closed_at is None


# --- the public side --------------------------------------------------------------------------------

def test_anyone_reads_the_open_consultation_and_downloads_its_document(app, world):
    consultation = published(world)
    visitor = anonymous(app)
    listing = visitor.get("/public/consultations/").get_data(as_text=True)
    assert "Ostrzeszów" in listing and f"/public/consultations/{consultation.id}" in listing
    page = visitor.get(f"/public/consultations/{consultation.id}")
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert "Diagnoza" in text and "diagnoza-ostrzeszow.pdf" in text
    assert 'name="website"' in text and 'class="hp-field" aria-hidden="true"' in text
    file = fetch(visitor, f"/public/consultations/{consultation.id}/document")
    assert file.status_code == 200 and file.mimetype == "application/pdf"
    assert file.headers["Content-Disposition"].startswith("attachment")


@pytest.mark.parametrize("moment", ["scheduled", "ended", "closed", "missing"])
def test_a_consultation_that_is_not_open_does_not_exist_publicly(app, world, moment):
    consultation = published(world)
    row = db.session.get(PublicConsultation, consultation.id)
    if moment == "scheduled":
        row.starts_at, row.ends_at = NOW + timedelta(days=2), NOW + timedelta(days=40)
    elif moment == "ended":
        row.starts_at, row.ends_at = NOW - timedelta(days=40), NOW - timedelta(seconds=1)
    elif moment == "closed":
        row.closed_at = NOW
    db.session.commit()
    cid = consultation.id if moment != "missing" else consultation.id + 1000
    visitor = anonymous(app)
    listed = visitor.get("/public/consultations/").get_data(as_text=True)
    assert (f"/public/consultations/{consultation.id}" in listed) == (moment == "missing")
    assert visitor.get(f"/public/consultations/{cid}").status_code == 404
    assert visitor.get(f"/public/consultations/{cid}/document").status_code == 404
    visitor.get("/login")
    assert visitor.post(f"/public/consultations/{cid}/comments", {"body": "Uwaga"}).status_code == 404
    assert count(ConsultationComment) == 0


def test_an_anonymous_comment_is_kept_and_numbered(app, world):
    consultation = published(world)
    visitor = anonymous(app)
    sent = comment(visitor, consultation.id, "Brakuje danych o komunikacji.", name="Jan Kowalski",
                   email="jan@example.pl")
    assert sent.status_code == 302 and sent.location.endswith(f"/public/consultations/{consultation.id}")
    thanked = visitor.get(sent.location).get_data(as_text=True)
    assert "Dziękujemy. Uwaga została przyjęta." in thanked
    assert "Jan Kowalski" not in thanked and "jan@example.pl" not in thanked
    comment(visitor, consultation.id, "Druga uwaga, bez podpisu.")
    rows = db.session.scalars(select(ConsultationComment).order_by(ConsultationComment.number)).all()
    assert [(c.number, c.author_name, c.author_email) for c in rows] == [
        (1, "Jan Kowalski", "jan@example.pl"), (2, None, None)]


def test_the_honeypot_thanks_a_robot_and_keeps_nothing(app, world):
    consultation = published(world)
    visitor = anonymous(app, "192.0.2.11")
    sent = comment(visitor, consultation.id, "Kup tanie zegarki", website="http://spam.example")
    assert sent.status_code == 302
    assert "Dziękujemy" in visitor.get(sent.location).get_data(as_text=True)
    assert count(ConsultationComment) == 0


@pytest.mark.parametrize(("fields", "error"), [
    ({"body": "   "}, "Wpisz treść uwagi."),
    ({"body": "x" * 5001}, "najwyżej 5000 znaków"),
    ({"body": "Uwaga", "email": "nie-adres"}, "To nie wygląda na adres e-mail"),
    ({"body": "Uwaga", "name": "N" * 121}, "najwyżej 120 znaków"),
])
def test_bad_input_is_a_400_on_the_same_page_with_what_was_typed(app, world, fields, error):
    consultation = published(world)
    visitor = anonymous(app, "192.0.2.12")
    page = comment(visitor, consultation.id, **fields)
    assert page.status_code == 400
    text = page.get_data(as_text=True)
    assert error in text
    if fields["body"].strip() and len(fields["body"]) < 100:
        assert f"\n{fields['body']}</textarea>" in text
    assert count(ConsultationComment) == 0


def test_the_comment_form_accepts_no_id_of_anything(app, world):
    """A visitor posting ids of other objects (another consultation, a comment to overwrite, a
    path) changes nothing but their own new comment, in the consultation of the URL."""
    mine = published(world, "a")
    theirs = published(world, "b", comments=1)
    visitor = anonymous(app, "192.0.2.13")
    sent = comment(visitor, mine.id, "Moja uwaga", consultation_id=str(theirs.id), number="1", id="1",
                   path_id=str(theirs.path_id), answer="Przejęta odpowiedź")
    assert sent.status_code == 302
    rows = db.session.scalars(select(ConsultationComment).order_by(ConsultationComment.id)).all()
    assert [(c.consultation_id, c.body, c.answer) for c in rows] == [
        (theirs.id, "Uwaga 1 do diagnozy B", None), (mine.id, "Moja uwaga", None)]
    page = visitor.get(sent.location).get_data(as_text=True)
    assert "Uwaga 1 do diagnozy B" not in page and "Mieszkaniec-B" not in page


def test_too_many_comments_from_one_address_are_refused_with_429(app, world):
    consultation = published(world)
    saved = app.config["COMMENT_LIMIT_PER_ADDRESS"]
    app.config["COMMENT_LIMIT_PER_ADDRESS"] = "2 per 10 minutes"
    try:
        visitor = anonymous(app, "198.51.100.7")
        assert comment(visitor, consultation.id, "Pierwsza").status_code == 302
        assert comment(visitor, consultation.id, "Druga", website="robot").status_code == 302  # counted
        refused = comment(visitor, consultation.id, "Trzecia, za szybko")
        assert refused.status_code == 429 and int(refused.headers["Retry-After"]) > 0
        text = refused.get_data(as_text=True)
        assert "zbyt wiele uwag" in text and "\nTrzecia, za szybko</textarea>" in text
        other = anonymous(app, "198.51.100.8")  # another address is not limited
        assert comment(other, consultation.id, "Z innego adresu").status_code == 302
    finally:
        app.config["COMMENT_LIMIT_PER_ADDRESS"] = saved
    kept = db.session.scalars(select(ConsultationComment.body).order_by(ConsultationComment.id)).all()
    assert kept == ["Pierwsza", "Z innego adresu"]


# --- the team and the staff -------------------------------------------------------------------------

def test_the_team_publishes_through_its_page(app, world, login):
    document = draft(world)
    town = login("town-a@example.pl")
    page = town.get(f"/paths/{world.paths['a'].id}/public-consultations")
    assert page.status_code == 200 and "Opublikuj dokument do konsultacji" in page.get_data(as_text=True)
    sent = town.post(f"/town/paths/{world.paths['a'].id}/public-consultations",
                     {"document_id": str(document.id), "starts": TODAY.isoformat(),
                      "ends": (TODAY + timedelta(days=35)).isoformat()})
    assert sent.status_code == 302
    consultation = db.session.scalar(select(PublicConsultation))
    assert sent.location.endswith(f"/public-consultations/{consultation.id}")
    again = town.post(f"/town/paths/{world.paths['a'].id}/public-consultations",
                      {"document_id": str(document.id), "starts": TODAY.isoformat(), "ends": "2027-02-30"})
    assert again.status_code == 400
    assert "Podaj datę w formacie RRRR-MM-DD" in again.get_data(as_text=True)
    assert 'value="2027-02-30"' in again.get_data(as_text=True)
    twice = town.post(f"/town/paths/{world.paths['a'].id}/public-consultations",
                      {"document_id": str(document.id), "starts": TODAY.isoformat(),
                       "ends": (TODAY + timedelta(days=35)).isoformat()})
    assert twice.status_code == 409 and "jest już wyłożony" in twice.get_data(as_text=True)
    assert count(PublicConsultation) == 1


def test_the_team_reads_the_personal_data_and_answers_each_comment(app, world, login):
    consultation = published(world, comments=2)
    town = login("town-a@example.pl")
    page = town.get(f"/public-consultations/{consultation.id}").get_data(as_text=True)
    assert "Mieszkaniec-A 1" in page and "mieszkaniec1@a.example.pl" in page
    url = f"/town/public-consultations/{consultation.id}/comments/1/answer"
    empty = town.post(url, {"answer": "  "})
    assert empty.status_code == 400 and "Wpisz treść odpowiedzi." in empty.get_data(as_text=True)
    assert town.post(url, {"answer": "Uzupełnimy dane o komunikacji."}).status_code == 302
    assert town.post(f"/town/public-consultations/{consultation.id}/comments/99/answer",
                     {"answer": "Nie ma takiej uwagi"}).status_code == 404
    answered = db.session.scalar(select(ConsultationComment).where(ConsultationComment.number == 1))
    assert answered.answer == "Uzupełnimy dane o komunikacji."
    assert answered.answered_by_id == world.users["town_a"].id
    # closing: not before the last day, then not before every comment has its answer
    assert town.post(f"/town/public-consultations/{consultation.id}/close", {}).status_code == 409
    ended(consultation)
    refused = town.post(f"/town/public-consultations/{consultation.id}/close", {})
    assert refused.status_code == 409 and "bez odpowiedzi: 1" in refused.get_data(as_text=True)
    assert town.post(f"/town/public-consultations/{consultation.id}/comments/2/answer",
                     {"answer": "Dziękujemy."}).status_code == 302
    assert town.post(f"/town/public-consultations/{consultation.id}/close", {}).status_code == 302
    db.session.expire_all()
    assert db.session.get(PublicConsultation, consultation.id).closed_at is not None


def test_staff_read_but_do_not_answer_and_the_other_town_sees_nothing(app, world, login):
    consultation = published(world, comments=1)
    advisor = login("advisor-a@example.pl")
    assert "Mieszkaniec-A 1" in advisor.get(f"/public-consultations/{consultation.id}").get_data(as_text=True)
    assert advisor.post(f"/town/public-consultations/{consultation.id}/comments/1/answer",
                        {"answer": "Doradca odpowiada"}).status_code == 403
    coordinator = login("coordinator@example.pl")
    assert coordinator.get(f"/public-consultations/{consultation.id}/report.csv").status_code == 200
    other = login("town-b@example.pl")
    for url in (f"/public-consultations/{consultation.id}", f"/public-consultations/{consultation.id}/report",
                f"/public-consultations/{consultation.id}/report.csv",
                f"/paths/{world.paths['a'].id}/public-consultations"):
        assert other.get(url).status_code == 404, url
    assert other.post(f"/town/public-consultations/{consultation.id}/comments/1/answer",
                      {"answer": "Cudza odpowiedź"}).status_code == 404
    assert other.post(f"/town/public-consultations/{consultation.id}/close", {}).status_code == 404
    assert login("advisor-b@example.pl").get(f"/public-consultations/{consultation.id}").status_code == 404
    assert login("evaluator@example.pl").get(f"/public-consultations/{consultation.id}").status_code == 404
    db.session.expire_all()
    assert db.session.scalar(select(ConsultationComment.answer)) is None


# --- the report ---------------------------------------------------------------------------------------

def test_the_report_exports_comments_with_answers_and_no_e_mail(app, world, login):
    consultation = published(world, comments=2)
    consultations.answer(consultation, 1, "=Odpowiedź zespołu", world.user("town_a"))
    town = login("town-a@example.pl")
    csv = town.get(f"/public-consultations/{consultation.id}/report.csv")
    assert csv.status_code == 200 and "attachment" in csv.headers["Content-Disposition"]
    text = csv.get_data().decode("utf-8-sig")
    assert text.splitlines()[0] == "Nr;Wpłynęła;Autor;Uwaga;Odpowiedź;Data odpowiedzi"
    assert "Uwaga 1 do diagnozy A" in text and "'=Odpowiedź zespołu" in text  # no formula
    assert "(bez podpisu)" not in text and "Mieszkaniec-A 2" in text
    assert "example.pl" not in text
    xlsx = fetch(town, f"/public-consultations/{consultation.id}/report.xlsx")
    sheet = load_workbook(io.BytesIO(xlsx.get_data())).active
    rows = list(sheet.values)
    assert rows[0][:4] == ("Nr", "Wpłynęła", "Autor", "Uwaga") and len(rows) == 3
    assert rows[1][4] == "=Odpowiedź zespołu" and sheet["E2"].data_type == "s"
    pdf = fetch(town, f"/public-consultations/{consultation.id}/report.pdf")
    assert pdf.mimetype == "application/pdf"
    extracted = " ".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf.get_data())).pages)
    assert "Raport z konsultacji społecznych" in extracted and "Ostrzeszów" in extracted
    assert "Uwaga 2 do diagnozy A" in extracted and "=Odpowiedź zespołu" in extracted
    assert "example.pl" not in extracted
    printable = town.get(f"/public-consultations/{consultation.id}/report").get_data(as_text=True)
    assert "Raport z konsultacji społecznych" in printable and "=Odpowiedź zespołu" in printable
    assert "mieszkaniec1@a.example.pl" not in printable
    exports = db.session.scalars(select(AuditEvent.detail).where(AuditEvent.action == "export")).all()
    assert len(exports) == 3 and all('"consultation_report"' in d for d in exports)


def test_the_report_is_listed_with_its_stage_on_the_paths_page(app, world, login):
    consultation = published(world, comments=1)
    page = login("advisor-a@example.pl").get(f"/paths/{world.paths['a'].id}/public-consultations")
    text = page.get_data(as_text=True)
    assert "Diagnoza" in text and "diagnoza-ostrzeszow.pdf" in text
    assert f"/public-consultations/{consultation.id}" in text
    assert "Opublikuj dokument" not in text  # staff do not publish
    path_page = login("town-a@example.pl").get(f"/town/paths/{world.paths['a'].id}").get_data(as_text=True)
    assert f"/paths/{world.paths['a'].id}/public-consultations" in path_page


# --- a fixed number of queries ----------------------------------------------------------------------------

def test_the_pages_issue_as_many_queries_for_many_comments_as_for_one(app, world, login):
    one = published(world, "a", comments=1)
    many = published(world, "b", comments=30)
    visitor = anonymous(app, "192.0.2.30")
    counts = {}
    for key, c in (("a", one), ("b", many)):
        town = login(f"town-{key}@example.pl")
        measured = []
        for url in (f"/public-consultations/{c.id}", f"/paths/{c.path_id}/public-consultations",
                    f"/public-consultations/{c.id}/report"):
            with count_queries(db.engine) as log:
                assert town.get(url).status_code == 200
            measured.append(log.count)
        with count_queries(db.engine) as log:
            assert visitor.get(f"/public/consultations/{c.id}").status_code == 200
        measured.append(log.count)
        counts[key] = measured
    with count_queries(db.engine) as log:
        assert visitor.get("/public/consultations/").status_code == 200
    print(f"queries (team detail, path list, report, public page) with 1 comment: {counts['a']}, "
          f"with 30: {counts['b']}; the public list: {log.count}")
    assert counts["a"] == counts["b"], counts
    assert counts["a"][3] == 1  # the public page: the open consultation, with all it shows
    assert log.count == 1  # the public list


# --- personal data -------------------------------------------------------------------------------------

def test_the_retention_sweep_clears_comment_authors_after_the_archive_period(app, world):
    from workflow.privacy import retention

    consultation = published(world, comments=2)
    programme = world.programme
    programme.ends_on = TODAY - timedelta(days=5 * 365 - 3)  # not yet five years ago
    db.session.commit()
    assert retention.sweep().comment_authors == 0
    programme = db.session.merge(programme)
    programme.ends_on = TODAY - timedelta(days=5 * 366 + 2)
    db.session.commit()
    assert retention.sweep().comment_authors == 2
    db.session.expire_all()
    kept = db.session.scalars(select(ConsultationComment).where(
        ConsultationComment.consultation_id == consultation.id).order_by(ConsultationComment.number)).all()
    assert [(c.body, c.author_name, c.author_email) for c in kept] == [
        ("Uwaga 1 do diagnozy A", None, None), ("Uwaga 2 do diagnozy A", None, None)]
    assert retention.sweep().comment_authors == 0


# --- a path with a public-consultation state ----------------------------------------------------------

@pytest.fixture
def consulted(world, monkeypatch):
    """A programme whose path gives the diagnosis a consultation state (as the CWD path does):
    draft → consultation → consulted → done; town C (Odolanów) at its draft, with a document."""
    from factories.accounts import make_user
    from factories.path import make_programme, make_town

    import states
    import states.definition as vocabulary
    from states import Label as L
    from states import PathDefinition, Stage, State, Transition

    if "consultation" not in vocabulary.STEPS:  # the CWD path brings the step (wt-cwd-core)
        monkeypatch.setattr(vocabulary, "STEPS", (*vocabulary.STEPS, "consultation"))
    team = frozenset({"applicant"})
    name = L("x", "x")
    definition = PathDefinition(
        code="konsultowana", title=L("Ścieżka z konsultacjami", "A path with consultations"),
        applicant_kinds=frozenset({"town"}),
        stages=(Stage("diagnosis", L("Diagnoza", "Diagnosis"), has_deadline=True, document_required=True),
                Stage("done", L("Koniec", "End"))),
        states=(State("diagnosis.draft", "diagnosis", "draft", name, name),
                State("diagnosis.consultation", "diagnosis", "consultation", name, name),
                State("diagnosis.consulted", "diagnosis", "draft", name, name),
                State("done", "done", "final", name, name, final=True)),
        transitions=(
            Transition("publish_diagnosis", ("diagnosis.draft", "diagnosis.consulted"),
                       "diagnosis.consultation", team, name, name, guards=("document_attached",)),
            Transition("close_diagnosis_consultation", ("diagnosis.consultation",), "diagnosis.consulted",
                       team | {"system"}, name, name),
            Transition("submit_diagnosis", ("diagnosis.consulted",), "done", team, name, name),
            Transition("withdraw", ("diagnosis.consultation",), "done", team, name, name, style="danger")),
        initial="diagnosis.draft")
    monkeypatch.setitem(states.REGISTRY, definition.code, definition)
    programme = make_programme("KONSULTACJE", path_code=definition.code)
    path = make_town(programme, "Odolanów")
    db.session.flush()
    town = make_user("town-c@example.pl", "town", path.applicant)
    db.session.commit()
    document = documents.store_upload(path, "diagnosis", "diagnoza-odolanow.pdf",
                                      io.BytesIO(PDF + b"c"), town)
    return path.id, document.id


def test_publishing_moves_the_path_into_its_consultation_state_in_one_commit(app, world, consulted, login):
    path_id, document_id = consulted
    town = login("town-c@example.pl")
    sent = town.post(f"/town/paths/{path_id}/public-consultations",
                     {"document_id": str(document_id), "starts": TODAY.isoformat(),
                      "ends": (TODAY + timedelta(days=35)).isoformat()})
    assert sent.status_code == 302
    db.session.expire_all()
    path = db.session.get(Path, path_id)
    assert path.state == "diagnosis.consultation"
    assert [t.event for t in path.transitions] == ["publish_diagnosis"]
    assert count(PublicConsultation) == 1
    # a consultation cannot be published again from the consultation state: the move is not there
    second = draft_for(path_id)
    again = town.post(f"/town/paths/{path_id}/public-consultations",
                      {"document_id": str(second), "starts": TODAY.isoformat(),
                       "ends": (TODAY + timedelta(days=35)).isoformat()})
    assert again.status_code == 409
    assert count(PublicConsultation) == 1 and count(PathTransition) == 1


def draft_for(path_id: int) -> int:
    from workflow.models import User

    path = db.session.get(Path, path_id)
    town = db.session.scalar(select(User).where(User.email == "town-c@example.pl"))
    return documents.store_upload(path, "diagnosis", "diagnoza-v2.pdf", io.BytesIO(PDF + b"v2"), town).id


def test_closing_moves_the_path_out_and_the_system_may_close_too(app, world, consulted, login):
    path_id, document_id = consulted
    from workflow.models import User

    path = db.session.get(Path, path_id)
    town_user = db.session.scalar(select(User).where(User.email == "town-c@example.pl"))
    consultation = moves.publish(path, db.session.get(Document, document_id), TODAY,
                                 TODAY + timedelta(days=35), town_user)
    public.add_comment(consultation, public.CommentInput("Uwaga do diagnozy C"))
    town = login("town-c@example.pl")
    page = town.get(f"/public-consultations/{consultation.id}").get_data(as_text=True)
    assert "Zamknij konsultacje" not in page  # the period runs, a comment waits
    ended(consultation)
    consultation = db.session.get(PublicConsultation, consultation.id)
    consultations.answer(consultation, 1, "Uwzględnimy.", town_user)
    page = town.get(f"/public-consultations/{consultation.id}").get_data(as_text=True)
    assert "Zamknij konsultacje" in page
    assert town.post(f"/town/public-consultations/{consultation.id}/close", {}).status_code == 302
    db.session.expire_all()
    path = db.session.get(Path, path_id)
    assert path.state == "diagnosis.consulted"
    assert db.session.get(PublicConsultation, consultation.id).closed_at is not None
    # the next round: published again from 'consulted', then closed by the system at its end
    second = moves.publish(path, db.session.get(Document, draft_for(path_id)), TODAY,
                           TODAY + timedelta(days=1), db.session.get(User, town_user.id))
    ended(second)
    moves.close(db.session.get(PublicConsultation, second.id), None)
    db.session.expire_all()
    assert db.session.get(Path, path_id).state == "diagnosis.consulted"
    assert [t.event for t in db.session.get(Path, path_id).transitions][-1] == "close_diagnosis_consultation"


def test_a_refused_move_leaves_no_consultation(app, world, consulted):
    """The move's guard fails (no document of the stage is attached any more... here: the path
    was moved on meanwhile): nothing of the consultation stays."""
    path_id, document_id = consulted
    from workflow.models import User
    from workflow.path.transitions import TransitionRefused

    path = db.session.get(Path, path_id)
    path.state = "done"
    db.session.commit()
    with pytest.raises(TransitionRefused):
        moves.publish(path, db.session.get(Document, document_id), TODAY, TODAY + timedelta(days=35),
                      db.session.scalar(select(User).where(User.email == "town-c@example.pl")))
    assert count(PublicConsultation) == 0


def test_a_move_open_to_another_role_is_refused_as_a_role_not_a_state(app, world, consulted):
    """Where a partnership's leader alone publishes, anyone else is told so (here: someone who
    holds none of the move's roles), and nothing is kept."""
    from workflow.path.transitions import WRONG_ROLE, TransitionRefused

    path_id, document_id = consulted
    path = db.session.get(Path, path_id)
    with pytest.raises(TransitionRefused) as refused:
        moves.publish(path, db.session.get(Document, document_id), TODAY, TODAY + timedelta(days=35),
                      world.user("coordinator"))
    assert refused.value.reasons == [WRONG_ROLE]
    assert count(PublicConsultation) == 0
