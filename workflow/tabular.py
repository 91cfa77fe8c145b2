"""Tables as files: CSV and XLSX, safe from formula injection, that open in columns.

Every download of the app (the services report, the audit log, the ranking, prepared
exports, the public results) writes its rows through here, so a cell a spreadsheet would run
as a formula is neutralised in one place (OWASP's CSV injection advice), and every file
follows the page's language the same way:

- CSV: UTF-8 with a BOM; in Polish a semicolon between columns and a decimal comma (what
  Excel with Polish regional settings expects, or it puts a whole row in one column), in
  English a comma and a decimal point. The open API's CSV is for programs and the same in
  every language (`csv_for_programs`).
- XLSX: the header row frozen and an autofilter on every column.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator, Sequence
from decimal import Decimal
from typing import Any

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def csv_safe(value: object) -> object:
    """A text cell a spreadsheet would run as a formula gets a leading quote (OWASP)."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def csv_separators(locale: str) -> tuple[str, str]:
    """(between columns, before decimals) of a CSV file in `locale`."""
    return (";", ",") if locale == "pl" else (",", ".")


def csv_number(value: object, decimal_mark: str) -> object:
    """A fractional number in plain digits with the locale's decimal mark (no exponent, no
    thousands separator); anything else as it is."""
    if isinstance(value, bool) or not isinstance(value, (float, Decimal)):
        return value
    text = format(value if isinstance(value, Decimal) else Decimal(repr(value)), "f")
    return text.replace(".", decimal_mark)


def csv_stream(header: Sequence[str], rows: Iterable[Sequence[object]], *, locale: str) -> Iterator[str]:
    """The CSV text in `locale`'s convention, a line at a time (UTF-8 with a BOM, so
    spreadsheets read Polish letters)."""
    delimiter, decimal_mark = csv_separators(locale)
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=delimiter)

    def line(values: Sequence[object]) -> str:
        writer.writerow([csv_safe(csv_number(v, decimal_mark)) for v in values])
        text = buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()
        return text

    yield "\ufeff" + line(header)
    for row in rows:
        yield line(row)


def csv_for_programs(header: Sequence[str], rows: Iterable[Sequence[object]]) -> str:
    """CSV that programs read, the same whoever asks (the open API, decision 0033): RFC 4180
    (comma, CRLF, a header row), UTF-8 without a BOM, a decimal point, floats unrounded (their
    shortest exact form), an empty cell for None; text cells still neutralised."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(header)
    for row in rows:
        writer.writerow(["" if v is None else repr(v) if isinstance(v, float) else csv_safe(v) for v in row])
    return buffer.getvalue()


def _xlsx_cell(sheet: Any, value: object) -> Any:
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

    if not isinstance(value, str):
        return value
    cell = WriteOnlyCell(sheet, value=ILLEGAL_CHARACTERS_RE.sub("", value))
    # Text is text: '=HYPERLINK(...)' stays a string, never a formula.
    cell.data_type = "s"
    if value.startswith(FORMULA_STARTS):
        cell.quotePrefix = True
    return cell


def xlsx_bytes(sheets: Sequence[tuple[str, Sequence[str], Iterable[Sequence[object]]]]) -> bytes:
    """A workbook of (title, header, rows) sheets, written in openpyxl's write-only mode; each
    sheet's header row is frozen and carries an autofilter over every column.

    openpyxl is imported here, not at the top: it costs ~0.5 s of CPU to import, and every
    process that starts the app (worker, web worker, each `flask` command) would pay it."""
    from openpyxl import Workbook
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
    from openpyxl.utils import get_column_letter

    workbook = Workbook(write_only=True)
    for title, header, rows in sheets:
        sheet = workbook.create_sheet(ILLEGAL_CHARACTERS_RE.sub("", title)[:31])
        sheet.freeze_panes = "A2"
        sheet.append([_xlsx_cell(sheet, h) for h in header])
        count = 1
        for row in rows:
            sheet.append([_xlsx_cell(sheet, v) for v in row])
            count += 1
        if header:
            sheet.auto_filter.ref = f"A1:{get_column_letter(len(header))}{count}"
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()
