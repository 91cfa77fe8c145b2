"""The town's pages through the test client: upload, submit, timeline, refusals."""

from __future__ import annotations

import io
import zipfile
from datetime import timedelta
from decimal import Decimal

from factories.path import NOW, PDF
from sqlalchemy import select
from support import version_on

from workflow.extensions import db
from workflow.models import Document, StageDeadline


def test_town_uploads_and_submits_its_diagnosis(world, login):
    town = login("town-a@example.pl")
    page = town.get("/town/")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "Przygotuj i złóż diagnozę" in html
    assert "Najpierw dołącz dokument tego etapu." in html
    assert "został" in html or "zostało" in html  # days left to the deadline

    path_id = world.paths["a"].id
    response = town.upload(path_id, "diagnoza.pdf", PDF)
    assert response.status_code == 302
    page = town.get(f"/town/paths/{path_id}")
    html = page.get_data(as_text=True)
    assert "Dodano dokument „diagnoza.pdf”" in html
    assert "diagnoza.pdf" in html

    response = town.fire(path_id, "submit_diagnosis", version_on(page))
    assert response.status_code == 302
    html = town.get(f"/town/paths/{path_id}").get_data(as_text=True)
    assert "Złożono diagnozę – czeka na doradcę" in html
    assert "Historia" in html and "town-a" in html  # the timeline names who did it


def test_submit_without_document_is_a_409_that_says_why(world, login):
    town = login("town-a@example.pl")
    page = town.get("/town/")
    response = town.fire(world.paths["a"].id, "submit_diagnosis", version_on(page))
    assert response.status_code == 409
    assert "Najpierw dołącz dokument tego etapu." in response.get_data(as_text=True)


def test_submit_after_deadline_is_a_409(world, login):
    town = login("town-a@example.pl")
    town.upload(world.paths["a"].id, "diagnoza.pdf", PDF)
    deadline = db.session.scalar(select(StageDeadline).where(StageDeadline.stage == "diagnosis"))
    deadline.due_at = NOW - timedelta(hours=1)
    db.session.commit()
    page = town.get("/town/")
    assert "termin minął" in page.get_data(as_text=True)
    response = town.fire(world.paths["a"].id, "submit_diagnosis", version_on(page))
    assert response.status_code == 409
    assert "Termin tego etapu już minął" in response.get_data(as_text=True)


def test_stale_page_gets_a_409_with_reload_advice(world, login):
    town = login("town-a@example.pl")
    town.upload(world.paths["a"].id, "diagnoza.pdf", PDF)
    page = town.get("/town/")
    old = version_on(page)
    assert town.fire(world.paths["a"].id, "submit_diagnosis", old).status_code == 302
    again = town.fire(world.paths["a"].id, "withdraw", old, comment="rezygnujemy")
    assert again.status_code == 409
    assert "Odśwież stronę" in again.get_data(as_text=True)


def test_forged_extension_is_refused_with_a_message(world, login):
    town = login("town-a@example.pl")
    response = town.upload(world.paths["a"].id, "diagnoza.docx", PDF)
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert "nie zgadza się z jego rozszerzeniem" in html
    assert db.session.scalar(select(Document.id)) is None


def test_executable_renamed_to_pdf_is_refused(world, login):
    town = login("town-a@example.pl")
    response = town.upload(world.paths["a"].id, "diagnoza.pdf", b"MZ\x90\x00" + b"\x00" * 200)
    assert response.status_code == 400
    assert "nie jest dokumentem PDF, DOCX, ODT, XLSX ani ODS" in response.get_data(as_text=True)


def test_zip_pretending_to_be_docx_is_refused(world, login):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("readme.txt", "not a document")
    town = login("town-a@example.pl")
    response = town.upload(world.paths["a"].id, "plan.docx", buffer.getvalue())
    assert response.status_code == 400


def test_real_docx_and_odt_are_accepted(world, login):
    docx = io.BytesIO()
    with zipfile.ZipFile(docx, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("word/document.xml", "<w:document/>")
    odt = io.BytesIO()
    with zipfile.ZipFile(odt, "w") as archive:
        archive.writestr("mimetype", "application/vnd.oasis.opendocument.text")
        archive.writestr("content.xml", "<office:document-content/>")
    town = login("town-a@example.pl")
    assert town.upload(world.paths["a"].id, "Diagnoza.DOCX", docx.getvalue()).status_code == 302
    assert town.upload(world.paths["a"].id, "diagnoza.odt", odt.getvalue()).status_code == 302
    kinds = set(db.session.scalars(select(Document.mime_type)))
    assert kinds == {
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        "application/vnd.oasis.opendocument.text",
    }


def test_file_over_the_limit_is_refused(world, login):
    town = login("town-a@example.pl")
    big = PDF + b"0" * (1024 * 1024 + 10)  # UPLOAD_MAX_MB is 1 in tests
    response = town.upload(world.paths["a"].id, "diagnoza.pdf", big)
    assert response.status_code == 413
    assert "za duży" in response.get_data(as_text=True)


def test_empty_upload_form_keeps_the_page_and_explains(world, login):
    town = login("town-a@example.pl")
    response = town.post(f"/town/paths/{world.paths['a'].id}/documents", {},
                         content_type="multipart/form-data")
    assert response.status_code == 400
    assert "Wybierz plik do wysłania." in response.get_data(as_text=True)


def test_stored_by_hash_never_by_name(world, login, app):
    town = login("town-a@example.pl")
    town.upload(world.paths["a"].id, "../../etc/passwd.pdf", PDF)
    document = db.session.scalar(select(Document))
    assert document.original_name == "passwd.pdf"
    from pathlib import Path as FsPath

    stored = [p for p in FsPath(app.config["UPLOAD_DIR"]).rglob("*") if p.is_file()]
    assert document.content_hash in {p.name for p in stored}
    assert all("passwd" not in p.name for p in stored)


def test_download_is_an_attachment(world, login):
    town = login("town-a@example.pl")
    town.upload(world.paths["a"].id, "diagnoza.pdf", PDF)
    document = db.session.scalar(select(Document))
    response = town.get(f"/documents/{document.id}")
    assert response.status_code == 200
    assert response.headers["Content-Disposition"].startswith("attachment")
    assert response.data == PDF


def test_upload_not_allowed_once_submitted(world, login):
    town = login("town-a@example.pl")
    town.upload(world.paths["a"].id, "diagnoza.pdf", PDF)
    town.fire(world.paths["a"].id, "submit_diagnosis", version_on(town.get("/town/")))
    response = town.upload(world.paths["a"].id, "diagnoza2.pdf", PDF + b"2")
    assert response.status_code == 409
    assert "nie można dodawać dokumentów" in response.get_data(as_text=True)


def test_town_states_the_amount_with_its_application(world, login):
    path = world.path("a")
    path.state = "application.draft"
    db.session.commit()
    town = login("town-a@example.pl")
    page = town.get("/town/").get_data(as_text=True)
    assert "Wnioskowana kwota dofinansowania (zł)" in page
    assert "Podaj wnioskowaną kwotę dofinansowania." in page  # what is missing to submit
    for bad in ("dużo", "-5", "40 000 000,01", "12,345"):
        response = town.post(f"/town/paths/{path.id}/amount", {"amount": bad})
        assert response.status_code == 400, bad
        assert f'value="{bad}"' in response.get_data(as_text=True)
    assert world.path("a").requested_amount is None
    ok = town.post(f"/town/paths/{path.id}/amount", {"amount": "38 000 000,00"})
    assert ok.status_code == 302
    assert world.path("a").requested_amount == Decimal("38000000.00")
    assert "38\xa0000\xa0000,00\xa0zł" in town.get("/town/").get_data(as_text=True)


def test_amount_cannot_change_after_submission(world, login):
    path = world.path("a")
    path.state = "formal_check"
    path.requested_amount = Decimal("10000000.00")
    db.session.commit()
    town = login("town-a@example.pl")
    town.get("/town/")
    response = town.post(f"/town/paths/{path.id}/amount", {"amount": "39000000"})
    assert response.status_code == 409
    assert world.path("a").requested_amount == Decimal("10000000.00")
    assert login("town-b@example.pl").post(f"/town/paths/{path.id}/amount",
                                            {"amount": "1"}).status_code == 404
