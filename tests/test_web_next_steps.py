"""What a town and its advisor see around a decision: after a submission the town waits for
its advisor (no red button expanded); the advisor is told, with a link, and decides under
the document with one comment box; a return reason of only spaces is refused on the same
form; the town reads the reason in its "Teraz" box. An irreversible move (withdrawal) is
made from a page of its own that says what will happen; afterwards the stages never
reached are not shown as done and there is no link to a result."""

from __future__ import annotations

import html
import re

from factories.path import PDF, submit_diagnosis
from sqlalchemy import select
from support import version_on

from workflow.extensions import db
from workflow.messaging.texts import Kind
from workflow.models import Notification


def text_of(response) -> str:  # noqa: ANN001
    return html.unescape(re.sub(r"\s+", " ", response.get_data(as_text=True)))


def section(page: str, heading: str) -> str:
    start = page.index(heading)
    end = page.find("</section>", start)
    return page[start:end]


def test_after_a_submission_the_town_waits_for_its_advisor(world, login):
    town = submit_diagnosis(world, login)
    raw = town.get("/town/").get_data(as_text=True)
    actions = section(html.unescape(raw), "Co możesz zrobić")
    assert "czekasz na decyzję doradcy" in actions
    assert '<details class="more-actions">' in raw  # closed: nothing red expanded
    assert 'class="button button-danger"' not in raw
    assert "Wycofaj się z programu…" in actions  # a link, to its own page


def test_the_advisor_is_told_of_the_submission_with_a_link(world, login):
    submit_diagnosis(world, login)
    db.session.expire_all()
    sent = list(db.session.scalars(select(Notification).where(
        Notification.kind == Kind.STAGE_SUBMITTED.value)))
    assert [n.recipient_id for n in sent] == [world.users["advisor_a"].id]
    path_id = world.paths["a"].id
    assert sent[0].subject == "Miasto złożyło dokument: Diagnoza (Ostrzeszów)"
    assert sent[0].link == f"http://localhost/advisor/paths/{path_id}"
    assert sent[0].body.rstrip().endswith(sent[0].link)
    inbox = text_of(login("advisor-a@example.pl").get("/inbox/"))
    assert "Miasto złożyło dokument: Diagnoza (Ostrzeszów)" in inbox


def test_the_decision_page_shows_the_document_first_and_one_comment_box(world, login):
    submit_diagnosis(world, login)
    advisor = login("advisor-a@example.pl")
    raw = advisor.get(f"/advisor/paths/{world.paths['a'].id}").get_data(as_text=True)
    review, decision = raw.index("Dokument do oceny"), raw.index('id="decision"')
    assert review < decision
    assert "diagnoza.pdf" in raw[review:decision]
    form = raw[decision:raw.index("</form>", decision)]
    assert form.count("<textarea") == 1
    assert "Zatwierdź diagnozę" in form and "Zwróć diagnozę do poprawy" in form
    assert form.count("formaction=") == 2


def test_a_return_reason_of_spaces_is_refused_and_the_town_reads_the_reason_now(world, login):
    submit_diagnosis(world, login)
    path_id = world.paths["a"].id
    advisor = login("advisor-a@example.pl")
    page = advisor.get(f"/advisor/paths/{path_id}")
    spaces = advisor.fire(path_id, "return_diagnosis", version_on(page), comment="     ")
    assert spaces.status_code == 409
    raw = spaces.get_data(as_text=True)
    assert 'id="refused-decision"' in raw  # next to the one comment box, on the same page
    assert "Ta czynność wymaga komentarza z uzasadnieniem." in text_of(spaces)
    assert world.path("a").state == "diagnosis.submitted"
    typed = "Uzupełnij dane o ludności z lat 2015–2023."
    assert advisor.fire(path_id, "return_diagnosis", version_on(page), comment=typed).status_code == 302
    town_page = login("town-a@example.pl").get("/town/").get_data(as_text=True)
    now = section(html.unescape(town_page), "Teraz")
    assert "Uwagi do poprawy" in now and typed in now


def test_withdrawal_is_confirmed_on_its_own_page(world, login):
    town = submit_diagnosis(world, login)
    path_id = world.paths["a"].id
    confirm = town.get(f"/paths/{path_id}/events/withdraw/confirm")
    assert confirm.status_code == 200
    page = text_of(confirm)
    assert "Co się stanie" in page and "Tej czynności nie można cofnąć." in page
    assert "Miasto kończy udział w programie" in page
    assert "Tak, potwierdzam: Wycofaj się z programu" in page
    # the button on the path page alone (no confirmation) only shows this page
    unconfirmed = town.fire(path_id, "withdraw", world.path("a").version, comment="Rezygnujemy z udziału.")
    assert unconfirmed.status_code == 200 and "Co się stanie" in text_of(unconfirmed)
    assert "Rezygnujemy z udziału." in text_of(unconfirmed)
    assert world.path("a").state == "diagnosis.submitted"
    done = town.post(f"/paths/{path_id}/events/withdraw",
                     {"version": world.path("a").version, "comment": "Rezygnujemy z udziału.",
                      "confirmed": "1"})
    assert done.status_code == 302
    assert world.path("a").state == "withdrawn"

    raw = town.get("/town/").get_data(as_text=True)
    steps = re.findall(r'<li class="step step-(\w+)"', raw)
    # diagnosis reached; the plans, the application, the checks never reached; the result
    # stage is where the withdrawal put the path
    assert steps[0] == "done"
    assert steps[1:-1] == ["not_reached"] * 6
    assert "nieosiągnięty" in text_of(town.get("/town/"))
    assert "Zobacz wynik naboru" not in raw
    # nothing to confirm any more
    gone = town.get(f"/paths/{path_id}/events/withdraw/confirm")
    assert gone.status_code == 409
    assert "Tej czynności nie można wykonać na obecnym etapie ścieżki." in text_of(gone)


def test_the_coordinators_rejection_is_confirmed_too(world, login):
    path = world.path("a")
    path.state = "formal_check"
    db.session.commit()
    coordinator = login("coordinator@example.pl")
    page = text_of(coordinator.get(f"/paths/{path.id}/events/reject_formal/confirm"))
    assert "Wniosek nie przejdzie do oceny merytorycznej" in page
    assert "Tej czynności nie można cofnąć." in page


def test_the_same_file_again_is_a_new_version_only_when_the_town_says_so(world, login):
    import io

    from support import count

    from workflow.models import Document

    town = login("town-a@example.pl")
    path_id = world.paths["a"].id
    assert town.upload(path_id, "diagnoza.pdf", PDF).status_code == 302
    again = town.upload(path_id, "diagnoza-v2.pdf", PDF)
    assert again.status_code == 409
    page = text_of(again)
    assert "Ten plik jest taki sam jak obecna wersja dokumentu tego etapu" in page
    assert "Wiem, że to ten sam plik – dodaj go mimo to jako nową wersję" in page
    assert count(Document) == 1
    knowingly = town.post(f"/town/paths/{path_id}/documents",
                          {"document": (io.BytesIO(PDF), "diagnoza-v2.pdf"), "same_file": "y"},
                          content_type="multipart/form-data")
    assert knowingly.status_code == 302
    assert count(Document) == 2
    # a changed file needs nothing of the kind
    assert town.upload(path_id, "diagnoza-v3.pdf", PDF + b"%changed").status_code == 302
