"""What an accepted upload must not carry: zip bombs, macros, and active PDF content.

Office files (DOCX, XLSX, ODT, ODS) are ZIP containers. They are checked from the ZIP
central directory alone, without extracting them: the declared uncompressed sizes, the
compression ratio of each member, the number of members, overlapping members (the
"better zip bomb" that points many entries at the same compressed bytes) and archives
nested inside the archive. Macros (VBA in OOXML, Basic or scripts in ODF) are refused:
a plan or an application never needs code, and the evaluators who open it must not run
any.

A PDF with JavaScript, a launch action or an embedded file is *flagged*, not refused: such
PDFs come out of ordinary form-filling and signing tools, and refusing one on the
deadline day would cost a town its chance. The flag is stored on the Document and shown
next to the file to everyone who may download it (docs/decisions/0013-upload-content-checks-and-audit-log.md).
"""

from __future__ import annotations

import io
import re
import zipfile
import zlib
from collections.abc import Iterator
from typing import BinaryIO

from workflow.refusal import Refused, _l

# Limits for office containers. A real 20 MB spreadsheet unpacks to a few hundred MB at most;
# a bomb to gigabytes, with ratios in the thousands.
MAX_UNCOMPRESSED = 300 * 1024 * 1024
MAX_RATIO = 200  # per member, for members larger than RATIO_FLOOR once unpacked
RATIO_FLOOR = 1024 * 1024
MAX_MEMBERS = 10_000
ZIP_MAGIC = b"PK\x03\x04"
LOCAL_HEADER_SIZE = 30

# Where OOXML keeps embedded objects: a chart in a Word document carries its data as an
# embedded .xlsx. Those, and only those, may be ZIPs themselves; they are checked by the
# same rules, one level deep.
OOXML_EMBEDDINGS = ("word/embeddings/", "xl/embeddings/", "ppt/embeddings/")
MACRO_CONTENT_TYPE = re.compile(rb"macroEnabled|vbaProject|vbaData|ms-office\.activeX", re.I)
ODF_MACRO_DIRS = ("basic/", "scripts/")
# Library index files LibreOffice may write even without any macro in them.
ODF_LIBRARY_INDEX = ("script-lc.xml", "script-lb.xml", "dialog-lc.xml", "dialog-lb.xml")

# PDF: names that run code or other programs. Names are case-sensitive; one may hide letters
# as #xx. A name ends at whitespace or a delimiter, which also keeps chance matches in binary
# data rare (a false match only costs a warning, never a refusal).
PDF_FLAGS = {
    b"/JavaScript": "pdf_javascript",
    b"/JS": "pdf_javascript",
    b"/Launch": "pdf_launch",
    b"/EmbeddedFile": "pdf_embedded_file",
}
PDF_END = rb"(?=[\x00\t\n\x0c\r ()<>\[\]{}/%])"
PDF_PLAIN = re.compile(rb"/(?:JavaScript|JS|Launch|EmbeddedFile)" + PDF_END)
PDF_ESCAPED = re.compile(rb"/[A-Za-z0-9#]*#[0-9A-Fa-f]{2}[A-Za-z0-9#]*" + PDF_END)
PDF_ESCAPE = re.compile(rb"#([0-9A-Fa-f]{2})")
PDF_INFLATE_BUDGET = 64 * 1024 * 1024
MAX_ESCAPED_NAMES = 10_000


MESSAGES = {
    "type": _l("Ten plik nie jest dokumentem PDF, DOCX, ODT, XLSX ani ODS. "
               "Sprawdź, czy wybrano właściwy plik."),
    "zip_bomb": _l("Plik po rozpakowaniu byłby zbyt duży albo jest podejrzanie silnie "
                   "skompresowany (tzw. bomba ZIP), więc go nie przyjęliśmy. Zapisz dokument "
                   "ponownie w edytorze i wyślij jeszcze raz."),
    "zip_members": _l("Plik składa się ze zbyt wielu części, by był zwykłym dokumentem. "
                      "Zapisz dokument ponownie w edytorze i wyślij jeszcze raz."),
    "zip_nested": _l("Dokument zawiera w sobie inne archiwum (np. plik ZIP), a takich plików "
                     "nie przyjmujemy. Usuń osadzone archiwum i wyślij dokument ponownie."),
    "macros": _l("Dokument zawiera makra (kod VBA, Basic lub skrypty), które mogłyby się "
                 "uruchomić u osób otwierających plik, więc go nie przyjęliśmy. Zapisz go bez "
                 "makr – jako zwykły plik DOCX, XLSX, ODT lub ODS – i wyślij ponownie."),
}


class ContentRefused(Refused, ValueError):
    """The file's content is refused (HTTP 400); `code` selects the message."""

    status = 400

    def __init__(self, code: str) -> None:
        super().__init__([MESSAGES.get(code, MESSAGES["type"])])
        self.code = code


def check_office(stream: BinaryIO, depth: int = 0) -> None:
    """Refuse a ZIP container that is a bomb, nests archives or carries macros."""
    stream.seek(0)
    try:
        with zipfile.ZipFile(stream) as archive:
            members = archive.infolist()
            _check_sizes(members)
            _check_macros(archive, members)
            _check_nested(archive, members, depth)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, EOFError, RuntimeError,
            NotImplementedError, zlib.error) as exc:
        raise ContentRefused("type") from exc


def _check_sizes(members: list[zipfile.ZipInfo]) -> None:
    if len(members) > MAX_MEMBERS:
        raise ContentRefused("zip_members")
    total = 0
    for info in members:
        total += info.file_size
        if total > MAX_UNCOMPRESSED:
            raise ContentRefused("zip_bomb")
        if info.file_size > RATIO_FLOOR and info.file_size > MAX_RATIO * max(info.compress_size, 1):
            raise ContentRefused("zip_bomb")
    # Members must not share compressed bytes: each one's data ends before the next begins.
    ordered = sorted(members, key=lambda i: i.header_offset)
    for this, following in zip(ordered, ordered[1:], strict=False):
        if this.header_offset + LOCAL_HEADER_SIZE + this.compress_size > following.header_offset:
            raise ContentRefused("zip_bomb")


def _check_macros(archive: zipfile.ZipFile, members: list[zipfile.ZipInfo]) -> None:
    for info in members:
        name = info.filename.lower()
        if name.endswith(("vbaproject.bin", "vbadata.xml")) or "/activex/" in f"/{name}":
            raise ContentRefused("macros")
        if name.startswith(ODF_MACRO_DIRS) and not info.is_dir() \
                and name.rsplit("/", 1)[-1] not in ODF_LIBRARY_INDEX:
            raise ContentRefused("macros")
    if "[Content_Types].xml" in archive.namelist():
        with archive.open("[Content_Types].xml") as types:
            if MACRO_CONTENT_TYPE.search(types.read(1024 * 1024)):
                raise ContentRefused("macros")


def _check_nested(archive: zipfile.ZipFile, members: list[zipfile.ZipInfo], depth: int) -> None:
    for info in members:
        if info.is_dir() or info.file_size < len(ZIP_MAGIC):
            continue
        with archive.open(info) as member:
            head = member.read(len(ZIP_MAGIC))
        if head != ZIP_MAGIC:
            continue
        if depth > 0 or not info.filename.lower().startswith(OOXML_EMBEDDINGS):
            raise ContentRefused("zip_nested")
        with archive.open(info) as member:
            # Bounded by _check_sizes: the member's declared size passed the limits above,
            # and zipfile never reads past it.
            check_office(io.BytesIO(member.read(MAX_UNCOMPRESSED + 1)), depth + 1)


def pdf_flags(data: bytes) -> list[str]:
    """The warnings a PDF earns: JavaScript, launch actions, embedded files.

    Names are looked for in the file outside its streams, and inside its Flate-compressed
    streams (object streams hide dictionaries) except images; inflating is bounded, so a
    PDF bomb only costs PDF_INFLATE_BUDGET bytes of work.
    """
    found: set[str] = set()
    outside: list[bytes] = []
    budget = PDF_INFLATE_BUDGET
    position = 0
    for start, body, end in _pdf_streams(data):
        outside.append(data[position:start])
        position = end
        dictionary = data[max(0, start - 1024):start]
        dictionary = dictionary[dictionary.rfind(b"obj") + 1:]
        if budget <= 0 or b"/Image" in dictionary:
            continue
        try:
            inflated = zlib.decompressobj().decompress(body, budget)
        except zlib.error:
            continue
        budget -= len(inflated)
        _scan_pdf_names(inflated, found)
    outside.append(data[position:])
    _scan_pdf_names(b"\n".join(outside), found)
    return sorted(found)


def _pdf_streams(data: bytes) -> Iterator[tuple[int, bytes, int]]:
    """(where `stream` starts, the body, where `endstream` ends), found in one pass (a regex
    with a lazy `.*?` would rescan to the end for every `stream` without its `endstream`)."""
    position = 0
    while (start := data.find(b"stream", position)) != -1:
        body = start + len(b"stream")
        if data[body:body + 2] == b"\r\n":
            body += 2
        elif data[body:body + 1] in (b"\n", b"\r"):
            body += 1
        else:  # "endstream" itself, or a longer word: not a stream body
            position = body
            continue
        end = data.find(b"endstream", body)
        if end == -1:
            return
        yield start, data[body:end], end + len(b"endstream")
        position = end + len(b"endstream")


def _scan_pdf_names(data: bytes, found: set[str]) -> None:
    for name in PDF_PLAIN.findall(data):
        found.add(PDF_FLAGS[name])
    for n, match in enumerate(PDF_ESCAPED.finditer(data)):
        if n == MAX_ESCAPED_NAMES:  # real PDFs have a handful; thousands is hiding something
            found.add("pdf_obfuscated")
            return
        flag = PDF_FLAGS.get(PDF_ESCAPE.sub(lambda m: bytes([int(m.group(1), 16)]), match.group()))
        if flag:
            found.add(flag)
