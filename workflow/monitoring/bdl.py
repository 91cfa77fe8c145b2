"""GUS BDL exports read as they come: pure parsing, no database.

Three shapes are recognised from the header:

- long (tidy): `teryt7,year,var,value`, comma-separated, decimal point;
- wide BDL: `Kod;Nazwa;"<group;category;year;[unit]>"...`, `;`-separated, decimal comma, codes
  that lost their leading zero (voivodeships 02–08), an empty cell for "no data";
- wide by year: `Kod;Nazwa;rok_2010;rok_2011;...`: the header names no variable, so the caller
  says which (`variable`).

Every value becomes a Record (the TERYT code zero-padded, year, the variable's key: its code in
the long form, its BDL label in the wide forms, and the number) or a Rejection with its reason.
"""

from __future__ import annotations

import csv
import io
import math
import re
from collections.abc import Iterator
from typing import NamedTuple

YEAR_RE = re.compile(r"^(?:rok_)?(\d{4})$")
LONG_HEADER = ["teryt7", "year", "var", "value"]
# A code that lost its leading zero gets it back: 1 -> 2 digits, 3 -> 4, 6 -> 7.
PADDED = {1: 2, 3: 4, 6: 7}


class Reason:
    BAD_CODE = "bad_code"
    BAD_YEAR = "bad_year"
    BAD_VALUE = "bad_value"
    UNKNOWN_VARIABLE = "unknown_variable"
    UNKNOWN_UNIT = "unknown_unit"
    PART_OF_GMINA = "part_of_gmina"
    DUPLICATE = "duplicate"


REASONS = {
    Reason.BAD_CODE: ("kod nie jest kodem TERYT (2, 4 lub 7 cyfr)",
                      "the code is not a TERYT code (2, 4 or 7 digits)"),
    Reason.BAD_YEAR: ("rok nie jest liczbą od 1990 do 2100", "the year is not a number from 1990 to 2100"),
    Reason.BAD_VALUE: ("wartość nie jest liczbą", "the value is not a number"),
    Reason.UNKNOWN_VARIABLE: ("nieznana zmienna", "unknown variable"),
    Reason.UNKNOWN_UNIT: ("brak jednostki o tym kodzie w rejestrze TERYT (zniesiona lub połączona?)",
                          "no unit with this code in the TERYT register (abolished or merged?)"),
    Reason.PART_OF_GMINA: ("część gminy (miasto lub obszar wiejski gminy miejsko-wiejskiej, dzielnica), "
                           "nie gmina", "a part of a gmina (the town or rural area of an urban-rural "
                           "gmina, a district), not a gmina"),
    Reason.DUPLICATE: ("ta sama zmienna, jednostka i rok drugi raz w pliku",
                       "the same variable, unit and year again in the file"),
}


class Record(NamedTuple):
    code: str
    year: int
    variable: str  # a variable's code (long form) or its BDL label (wide form)
    value: float
    line: int


class Rejection(NamedTuple):
    line: int
    reason: str
    detail: str


class FormatError(ValueError):
    """The file is none of the shapes this module reads (the message says why, in Polish)."""


def decode(raw: bytes) -> str:
    """UTF-8 (with or without BOM), else cp1250, which older BDL downloads use."""
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        return raw.decode("cp1250")


def parse(text: str, variable: str | None = None) -> Iterator[Record | Rejection]:
    """The records and rejections of a file's text, in file order. Empty cells give nothing."""
    first = text.split("\n", 1)[0].strip().lstrip("\ufeff")
    if [c.strip().strip('"') for c in first.split(",")] == LONG_HEADER:
        yield from _parse_long(text)
    elif ";" in first:
        yield from _parse_wide(text, variable)
    else:
        raise FormatError("Nie rozpoznano formatu: oczekiwano nagłówka „teryt7,year,var,value” "
                          "albo eksportu BDL „Kod;Nazwa;…” rozdzielanego średnikami.")


def pad_code(code: str) -> str | None:
    code = code.strip().strip('"')
    if not code.isascii() or not code.isdigit():
        return None
    if len(code) in PADDED:
        code = code.zfill(PADDED[len(code)])
    return code if len(code) in (2, 4, 7) else None


def parse_number(text: str) -> float | None:
    cleaned = text.strip().replace("\u00a0", "").replace(" ", "").replace(",", ".")
    try:
        number = float(cleaned)
    except ValueError:
        return None
    return number if math.isfinite(number) else None


def _year(text: str) -> int | None:
    match = YEAR_RE.match(text.strip())
    if not match:
        return None
    year = int(match.group(1))
    return year if 1990 <= year <= 2100 else None


def _parse_long(text: str) -> Iterator[Record | Rejection]:
    reader = csv.reader(io.StringIO(text.lstrip("\ufeff")))
    next(reader)
    seen: dict[str, str] = {}
    for line, row in enumerate(reader, start=2):
        if not row:
            continue
        if len(row) != 4:
            yield Rejection(line, Reason.BAD_VALUE, f"{len(row)} kolumn zamiast 4")
            continue
        raw_code, raw_year, var, raw_value = row
        # The common case first, cheaply: seven digits, four digits, a plain number.
        code = raw_code if len(raw_code) == 7 and raw_code.isdigit() else pad_code(raw_code)
        if code is None:
            yield Rejection(line, Reason.BAD_CODE, raw_code[:20])
            continue
        year = int(raw_year) if len(raw_year) == 4 and raw_year.isdigit() else _year(raw_year)
        if year is None or not 1990 <= year <= 2100:
            yield Rejection(line, Reason.BAD_YEAR, raw_year[:20])
            continue
        try:
            value = float(raw_value)
        except ValueError:
            if not raw_value.strip():
                continue
            value = parse_number(raw_value)  # type: ignore[assignment]
        if value is None or not math.isfinite(value):
            yield Rejection(line, Reason.BAD_VALUE, raw_value[:20])
            continue
        name = seen.get(var)
        if name is None:
            name = seen[var] = var.strip()
        yield Record(code, year, name, value, line)


def _parse_wide(text: str, variable: str | None) -> Iterator[Record | Rejection]:
    reader = csv.reader(io.StringIO(text.lstrip("\ufeff")), delimiter=";")
    header = next(reader)
    if len(header) < 3 or header[0].strip().lower() != "kod":
        raise FormatError("Eksport BDL powinien zaczynać się kolumnami „Kod;Nazwa”.")
    columns: list[tuple[str, int] | None] = []
    for label in header[2:]:
        columns.append(_column(label, variable))
    if not any(columns):
        raise FormatError("Żadna kolumna nagłówka nie wskazuje roku (np. „…;2019;[zł]” albo "
                          "„rok_2019”).")
    if variable is None and any(c is not None and c[0] == "" for c in columns):
        raise FormatError("Nagłówek podaje tylko lata (rok_RRRR), bez zmiennej: wskaż ją opcją "
                          "--variable KOD.")
    for line, row in enumerate(reader, start=2):
        if not row or not "".join(row).strip():
            continue
        code = pad_code(row[0])
        cells = row[2:]
        if code is None:
            filled = sum(1 for c in cells if c.strip())
            for _ in range(filled):
                yield Rejection(line, Reason.BAD_CODE, row[0][:20])
            continue
        for column, cell in zip(columns, cells, strict=False):
            if column is None or not cell.strip():
                continue
            value = parse_number(cell)
            if value is None:
                yield Rejection(line, Reason.BAD_VALUE, cell[:20])
                continue
            yield Record(code, column[1], column[0], value, line)


def _column(label: str, variable: str | None) -> tuple[str, int] | None:
    """(variable key, year) of a wide header's column, or None for a column to skip."""
    label = label.strip()
    if not label:
        return None
    year = _year(label)
    if year is not None:  # rok_2019: the variable comes from the caller
        return (variable or "", year)
    parts = [p.strip() for p in label.split(";")]
    for i, part in enumerate(parts):
        year = _year(part)
        if year is not None:
            return (variable or ";".join(parts[:i]), year)
    return None
