"""Uploads: office files that are zip bombs, nest archives or carry macros are refused with
a Polish message; PDFs with active content are kept, flagged and shown with a warning.

Every file is built here with zipfile; nothing is read from disk.
"""

from __future__ import annotations

import io
import struct
import zlib

import pytest
from factories.path import DOCX_TYPES, PDF, docx, zip_bytes

from workflow.extensions import db
from workflow.models import Document
from workflow.path import documents, upload_checks
from workflow.path.documents import UploadRefused

MACRO_TYPES = DOCX_TYPES.replace("document.main+xml", "document.macroEnabled.main+xml")
XLSX_TYPES = DOCX_TYPES.replace("/word/document.xml", "/xl/workbook.xml")


def xlsx(**extra: bytes | str) -> bytes:
    members: dict[str, bytes | str] = {"[Content_Types].xml": XLSX_TYPES, "xl/workbook.xml": "<workbook/>"}
    members.update({k.replace("__", "/").replace("_dot_", "."): v for k, v in extra.items()})
    return zip_bytes(members)


def odt(*names: str) -> bytes:
    members: dict[str, bytes | str] = {"mimetype": "application/vnd.oasis.opendocument.text",
                                       "content.xml": "<office:document-content/>"}
    members.update({name: "<script:module>Sub Main\nShell(\"calc\")\nEnd Sub</script:module>"
                    for name in names})
    return zip_bytes(members)


def refused_code(world, name: str, data: bytes) -> str:
    with pytest.raises(UploadRefused) as refused:
        documents.store_upload(world.path("a"), "diagnosis", name, io.BytesIO(data), world.user("town_a"))
    db.session.rollback()
    return refused.value.code


def accepted(world, name: str, data: bytes) -> Document:
    return documents.store_upload(world.path("a"), "diagnosis", name, io.BytesIO(data), world.user("town_a"))


# --- zip bombs ------------------------------------------------------------------------------------


def test_an_ordinary_docx_xlsx_and_odt_are_accepted(world):
    assert accepted(world, "plan.docx", docx()).flags == ""
    assert accepted(world, "budzet.xlsx", xlsx()).flags == ""
    assert accepted(world, "plan.odt", odt()).flags == ""


def test_a_highly_compressed_member_is_a_zip_bomb(world):
    bomb = docx(word__media__image1_dot_png=b"\0" * (20 * 1024 * 1024))
    assert len(bomb) < 100 * 1024  # 20 MB of zeros shrink to a few kB
    assert refused_code(world, "plan.docx", bomb) == "zip_bomb"


def test_too_much_in_total_is_a_zip_bomb(world, monkeypatch):
    monkeypatch.setattr(upload_checks, "MAX_UNCOMPRESSED", 256 * 1024)
    text = "".join(f"wiersz {i}: dochody bieżące gminy\n" for i in range(4000)).encode()
    members = {f"word__media__part{i}_dot_xml": text for i in range(3)}
    assert len(text) * 3 > 256 * 1024 and len(text) < 256 * 1024
    assert refused_code(world, "plan.docx", docx(**members)) == "zip_bomb"


def test_too_many_members_are_refused(world, monkeypatch):
    monkeypatch.setattr(upload_checks, "MAX_MEMBERS", 50)
    members = {f"word__media__m{i}_dot_xml": "x" for i in range(60)}
    assert refused_code(world, "plan.docx", docx(**members)) == "zip_members"


def overlapping(data: bytes) -> bytes:
    """Point the last central directory entry at the first member's local header, as the
    "better zip bomb" does to reuse one compressed block many times."""
    entries = [i for i in range(len(data)) if data.startswith(b"PK\x01\x02", i)]
    last = entries[-1]
    patched = bytearray(data)
    patched[last + 42:last + 46] = struct.pack("<I", 0)
    return bytes(patched)


def test_members_sharing_compressed_bytes_are_a_zip_bomb(world):
    assert refused_code(world, "plan.docx", overlapping(docx(word__styles_dot_xml="<styles/>"))) == "zip_bomb"


def test_a_zip_inside_the_document_is_refused(world):
    inner = zip_bytes({"payload.txt": "x"})
    assert refused_code(world, "plan.docx", docx(word__media__archive_dot_zip=inner)) == "zip_nested"
    # Hidden under another name, it is still a ZIP.
    assert refused_code(world, "plan.docx", docx(word__media__image2_dot_png=inner)) == "zip_nested"


def test_a_chart_workbook_embedded_in_word_is_checked_and_accepted(world):
    chart = xlsx()
    assert accepted(world, "plan.docx", docx(word__embeddings__Microsoft_Excel_Worksheet_dot_xlsx=chart))
    bomb_inside = xlsx(xl__media__big_dot_bin=b"\0" * (5 * 1024 * 1024))
    assert refused_code(world, "plan.docx",
                        docx(word__embeddings__Sheet_dot_xlsx=bomb_inside)) == "zip_bomb"
    nested_twice = xlsx(xl__embeddings__inner_dot_xlsx=xlsx())
    assert refused_code(world, "plan.docx",
                        docx(word__embeddings__Sheet_dot_xlsx=nested_twice)) == "zip_nested"
    macro_inside = xlsx(xl__vbaProject_dot_bin=b"\xd0\xcf\x11\xe0")
    assert refused_code(world, "plan.docx",
                        docx(word__embeddings__Sheet_dot_xlsx=macro_inside)) == "macros"


# --- macros ---------------------------------------------------------------------------------------


def test_vba_in_an_office_open_xml_file_is_refused(world):
    assert refused_code(world, "plan.docx", docx(word__vbaProject_dot_bin=b"\xd0\xcf\x11\xe0")) == "macros"
    assert refused_code(world, "budzet.xlsx", xlsx(xl__vbaProject_dot_bin=b"\xd0\xcf\x11\xe0")) == "macros"


def test_a_macro_enabled_content_type_renamed_to_docx_is_refused(world):
    renamed = zip_bytes({"[Content_Types].xml": MACRO_TYPES, "word/document.xml": "<w:document/>"})
    assert refused_code(world, "plan.docx", renamed) == "macros"


def test_basic_or_scripts_in_an_opendocument_file_are_refused(world):
    assert refused_code(world, "plan.odt", odt("Basic/Standard/Module1.xml")) == "macros"
    assert refused_code(world, "plan.odt", odt("Scripts/python/run.py")) == "macros"
    # An empty library index, written by LibreOffice without any macro, is fine.
    assert accepted(world, "plan.odt", odt("Basic/script-lc.xml"))


def test_nothing_refused_is_stored(world, app):
    refused_code(world, "plan.docx", docx(word__vbaProject_dot_bin=b"\xd0\xcf\x11\xe0"))
    assert db.session.scalar(db.select(db.func.count()).select_from(Document)) == 0


# --- PDFs -----------------------------------------------------------------------------------------


def pdf_with(body: bytes) -> bytes:
    return (b"%PDF-1.7\n1 0 obj\n<< /Type /Catalog " + body
            + b" >>\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n")


def test_pdf_active_content_is_flagged_not_refused(world):
    assert accepted(world, "plain.pdf", PDF).flags == ""
    js = pdf_with(b"/OpenAction << /S /JavaScript /JS (app.alert\\(1\\)) >>")
    assert accepted(world, "js.pdf", js).flags == "pdf_javascript"
    launch = pdf_with(b"/OpenAction << /S /Launch /F (cmd.exe) >>")
    assert accepted(world, "launch.pdf", launch).flags == "pdf_launch"
    # A PDF name may spell letters as #xx.
    hidden = pdf_with(b"/OpenAction << /S /J#61vaScript /JS (x) >>")
    assert accepted(world, "hidden.pdf", hidden).flags == "pdf_javascript"


def test_javascript_inside_a_compressed_object_stream_is_found(world):
    inside = zlib.compress(b"<< /S /JavaScript /JS (app.launchURL\\('http://x'\\)) >> "
                           b"<< /EmbeddedFile 3 0 R >>")
    data = (b"%PDF-1.7\n2 0 obj\n<< /Type /ObjStm /Filter /FlateDecode /Length "
            + str(len(inside)).encode() + b" >>\nstream\n" + inside + b"\nendstream\nendobj\n%%EOF\n")
    assert accepted(world, "packed.pdf", data).flags == "pdf_embedded_file,pdf_javascript"


def test_an_ordinary_open_action_is_not_flagged(world):
    zoom = pdf_with(b"/OpenAction [3 0 R /FitH null]")
    assert accepted(world, "zoom.pdf", zoom).flags == ""


# --- what people see ------------------------------------------------------------------------------


def test_the_town_reads_why_a_macro_document_was_refused(world, login):
    town = login("town-a@example.pl")
    page = town.upload(world.paths["a"].id, "plan.docx", docx(word__vbaProject_dot_bin=b"\xd0\xcf\x11\xe0"))
    text = page.get_data(as_text=True)
    assert page.status_code == 400
    assert "Dokument zawiera makra" in text


def test_the_town_reads_why_a_zip_bomb_was_refused(world, login):
    town = login("town-a@example.pl")
    page = town.upload(world.paths["a"].id, "plan.docx", docx(word__media__x_dot_bin=b"\0" * (8 << 20)))
    assert page.status_code == 400
    assert "bomba ZIP" in page.get_data(as_text=True)


def test_a_flagged_pdf_is_shown_with_a_warning_to_the_town_and_the_advisor(world, login):
    town = login("town-a@example.pl")
    js = pdf_with(b"/OpenAction << /S /JavaScript /JS (app.alert\\(1\\)) >>")
    assert town.upload(world.paths["a"].id, "diagnoza.pdf", js).status_code == 302
    path_id = world.paths["a"].id
    town_page = town.get(f"/town/paths/{path_id}").get_data(as_text=True)
    assert "ten PDF zawiera kod JavaScript" in town_page
    advisor = login("advisor-a@example.pl")
    advisor_page = advisor.get(f"/advisor/paths/{path_id}").get_data(as_text=True)
    assert "ten PDF zawiera kod JavaScript" in advisor_page


def test_a_workbook_written_by_openpyxl_is_accepted(world):
    from workflow.tabular import xlsx_bytes

    data = xlsx_bytes([("Budżet", ["rok", "kwota"], [[2026, 1000], [2027, 2000]])])
    assert accepted(world, "budzet.xlsx", data).flags == ""


def test_thousands_of_escaped_names_are_flagged_as_obfuscated(world):
    many = pdf_with(b"/Names [" + b"/N#61me " * 20_000 + b"]")
    assert accepted(world, "odd.pdf", many).flags == "pdf_obfuscated"


def test_a_pdf_scan_of_hostile_shapes_stays_fast():
    import time

    shapes = [b"%PDF-1.7\n" + b"stream\n" * 150_000,  # streams that never end
              b"%PDF-1.7\n" + b"/A#41A " * 150_000,  # escaped names everywhere
              b"%PDF-1.7\n" + (b"stream\n" + zlib.compress(b"\0" * (20 << 20)) + b"\nendstream\n") * 20]
    for data in shapes:
        started = time.perf_counter()
        upload_checks.pdf_flags(data)
        assert time.perf_counter() - started < 5
