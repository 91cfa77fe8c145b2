"""`indicators import`: GUS BDL exports as they come (wide with decimal commas and codes without
their leading zero; tidy long), idempotent, with rejections and their reasons, values' history;
the indicators computed from them against values computed here from the raw files directly."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest
import sqlalchemy as sa

from workflow.extensions import db
from workflow.models import (
    IndicatorVersion,
    TerritorialUnit,
    ValueRevision,
    ValueSource,
    ValueStatus,
    Variable,
    VariableValue,
)
from workflow.monitoring import bdl, definitions, importer, units, values

BDL = Path(__file__).resolve().parent.parent / "data" / "bdl"
REVENUES = BDL / "bdl_dochody_wlasne_gmin_2010-2019_raw.csv"
POPULATION = BDL / "bdl_ludnosc_ekonomiczne_grupy_wieku_gmin_2010-2019_raw.csv"
AREA = BDL / "bdl_powierzchnia_km2_gmin_2010-2019_utf8.csv"
LONG = BDL / "bdl_gminy_2010-2019_long_compact.csv"

KRAKOW, WARSZAWA, WROCLAW = "1261011", "1465011", "0264011"
WALCZ, DABROWA = "3217011", "1204023"
DABROWA_TOWN = "1204024"  # RODZ 4: the town part of an urban-rural gmina
PIESZYCE_OLD, PIESZYCE = "0202031", "0202033"  # urban until 2015, urban-rural since: 7th digit 1 -> 3
OSTROWICE = "3203042"  # abolished in 2019: not in the 2024 register
SAMPLE = (KRAKOW, WARSZAWA, WROCLAW, WALCZ, DABROWA, DABROWA_TOWN, "1204025", PIESZYCE_OLD,
          PIESZYCE, OSTROWICE, "0201011", "0201022")


def subset(path: Path, codes: tuple[str, ...], tmp_path: Path) -> Path:
    """The header and the rows of `codes` of a raw file (its codes may lack the leading zero)."""
    lines = path.read_text(encoding="utf-8-sig").splitlines()
    keep = [lines[0]] + [line for line in lines[1:]
                         if line.split(";", 1)[0].strip('"').zfill(7) in codes]
    out = tmp_path / path.name
    out.write_text("\n".join(keep) + "\n", encoding="utf-8")
    return out


def raw_table(path: Path) -> dict[tuple[str, str, int], float]:
    """(7-digit code, BDL label, year) -> value, read from a raw wide file independently of
    the importer: plain csv, the labels cut at the year."""
    rows = list(csv.reader(io.StringIO(path.read_text(encoding="utf-8-sig")), delimiter=";"))
    out = {}
    for row in rows[1:]:
        for label, cell in zip(rows[0][2:], row[2:], strict=False):
            if cell:
                parts = label.split(";")
                out[(row[0].zfill(7), ";".join(parts[:2]), int(parts[2]))] = float(cell.replace(",", "."))
    return out


@pytest.fixture
def base(ctx):
    units.load(with_boundaries=False)
    definitions.load()


def count_values() -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(VariableValue))


def test_wide_files_import_and_a_second_run_changes_nothing(base, tmp_path):
    revenues = subset(REVENUES, SAMPLE, tmp_path)
    first = importer.import_file(revenues)
    # Parts of gminas are not in the revenue file; Ostrowice (abolished) is, with its filled cells.
    ostrowice = next(line for line in revenues.read_text(encoding="utf-8").splitlines()
                     if line.split(";")[0].zfill(7) == OSTROWICE)
    filled = sum(1 for cell in ostrowice.split(";")[2:] if cell)
    assert first.rejected == first.reasons[bdl.Reason.UNKNOWN_UNIT] == filled > 0
    assert first.by_six_digits > 0
    assert (first.updated, first.unchanged) == (0, 0)
    assert first.read == first.inserted + first.rejected == count_values() + first.rejected

    second = importer.import_file(revenues)
    assert (second.read, second.inserted, second.updated) == (first.read, 0, 0)
    assert second.rejected == first.rejected
    assert second.unchanged == first.inserted
    sources = db.session.scalars(sa.select(ValueSource).order_by(ValueSource.id)).all()
    assert [s.summary["inserted"] for s in sources] == [first.inserted, 0]
    assert sources[0].sha256 == sources[1].sha256 and sources[0].name == REVENUES.name


def test_rows_are_rejected_with_their_reasons(base, tmp_path):
    population = subset(POPULATION, SAMPLE, tmp_path)
    report = importer.import_file(population)
    assert report.reasons[bdl.Reason.PART_OF_GMINA] == 2 * 5 * 10  # Dąbrowa's town and rural part
    assert report.reasons[bdl.Reason.UNKNOWN_UNIT] > 0  # Ostrowice
    assert "1204024" in " ".join(report.examples[bdl.Reason.PART_OF_GMINA])

    broken = tmp_path / "broken.csv"
    broken.write_text(
        "teryt7,year,var,value\n"
        "1261011,2019,ludnosc_poprod,abc\n"      # not a number
        "12610,2019,ludnosc_poprod,5\n"          # not a TERYT code
        "1261011,19,ludnosc_poprod,5\n"          # not a year
        "1261011,2019,no_such_variable,5\n"      # unknown variable
        "9999991,2019,ludnosc_poprod,5\n"        # unknown unit
        "1261011,2019,ludnosc_poprod,190000\n"   # a value that changes
        "1261011,2019,ludnosc_poprod,190001\n",  # the same key again
        encoding="utf-8")
    second = importer.import_file(broken)
    assert second.read == 7 and second.updated == 1 and second.rejected == 6
    assert dict(second.reasons) == {r: 1 for r in (bdl.Reason.BAD_VALUE, bdl.Reason.BAD_CODE,
                                                    bdl.Reason.BAD_YEAR, bdl.Reason.UNKNOWN_VARIABLE,
                                                    bdl.Reason.UNKNOWN_UNIT, bdl.Reason.DUPLICATE)}


def test_a_file_in_no_known_shape_is_refused_and_nothing_is_written(base, tmp_path):
    bad = tmp_path / "x.csv"
    bad.write_text("a,b,c\n1,2,3\n", encoding="utf-8")
    with pytest.raises(bdl.FormatError):
        importer.import_file(bad)
    with pytest.raises(bdl.FormatError, match="--variable"):
        importer.import_file(subset(AREA, SAMPLE, tmp_path))
    db.session.rollback()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(ValueSource)) == 0


def test_a_correction_keeps_the_value_it_replaced(base, tmp_path):
    def load(value: str, status: ValueStatus = ValueStatus.FINAL) -> importer.ImportReport:
        f = tmp_path / f"v{value}{status}.csv"
        f.write_text(f"teryt7,year,var,value\n{KRAKOW},2019,ludnosc_poprod,{value}\n", encoding="utf-8")
        return importer.import_file(f, status=status)

    assert load("100", ValueStatus.PROVISIONAL).inserted == 1
    assert load("100").updated == 1  # provisional -> final, same value
    assert load("120").updated == 1  # final -> corrected
    assert load("120").unchanged == 1  # a corrected value read again as final: nothing changes
    current = db.session.scalars(sa.select(VariableValue)).one()
    assert (current.value, current.status, current.revision) == (120, ValueStatus.CORRECTED, 3)
    history = db.session.execute(sa.select(ValueRevision.revision, ValueRevision.value,
                                           ValueRevision.status).order_by(ValueRevision.revision)).all()
    assert [tuple(h) for h in history] == [(1, 100, ValueStatus.PROVISIONAL), (2, 100, ValueStatus.FINAL)]


def test_indicators_equal_values_computed_from_the_raw_files(base, tmp_path):
    for path in (REVENUES, POPULATION):
        importer.import_file(subset(path, SAMPLE, tmp_path))
    importer.import_file(subset(AREA, SAMPLE, tmp_path), variable="powierzchnia_km2")
    revenue, people = raw_table(REVENUES), raw_table(POPULATION)
    area = {(row[0].strip('"').zfill(7), int(label[4:])): float(cell)
            for rows in [list(csv.reader(AREA.open(encoding="utf-8"), delimiter=";"))]
            for row in rows[1:] for label, cell in zip(rows[0][2:], row[2:], strict=False) if cell}

    def pop(code: str, year: int) -> float:
        return sum(people[(code, f"w wieku {g};ogółem", year)]
                   for g in ("przedprodukcyjnym", "produkcyjnym", "poprodukcyjnym"))

    population = values.indicator_values("ludnosc", 2019)
    assert population[KRAKOW] == 779_115 and population[WARSZAWA] == 1_790_658
    assert population[WROCLAW] == 642_869 and population[WALCZ] == 25_179
    assert population[DABROWA] == 21_256
    assert population[PIESZYCE] == pop(PIESZYCE, 2019)
    # Pieszyce had the old code in 2010: the series continues on the current unit.
    assert values.indicator_values("ludnosc", 2010)[PIESZYCE] == pop(PIESZYCE_OLD, 2010)

    codes = [c for c in (KRAKOW, WARSZAWA, WROCLAW, WALCZ, DABROWA, "0201011", "0201022")]
    razem = "gminy łącznie z miastami na prawach powiatu;razem"
    expected = {
        "dochody_wlasne_na_mieszkanca": {c: revenue[(c, razem, 2019)] / pop(c, 2019) for c in codes},
        "udzial_podatku_od_nieruchomosci": {c: 100 * revenue[(
            c, "gminy łącznie z miastami na prawach powiatu;dochody podatkowe - podatek od nieruchomości",
            2019)] / revenue[(c, razem, 2019)] for c in codes},
        "udzial_podatku_rolnego": {c: 100 * revenue[(
            c, "gminy łącznie z miastami na prawach powiatu;dochody podatkowe - podatek rolny", 2019)]
            / revenue[(c, razem, 2019)] for c in codes},
        "udzial_dochodow_z_majatku": {c: 100 * revenue[(
            c, "gminy łącznie z miastami na prawach powiatu;dochody z majątku", 2019)]
            / revenue[(c, razem, 2019)] for c in codes},
        "gestosc_zaludnienia": {c: pop(c, 2019) / area[(c, 2019)] for c in codes},
        "wskaznik_obciazenia_demograficznego": {c: 100 * (
            people[(c, "w wieku przedprodukcyjnym;ogółem", 2019)]
            + people[(c, "w wieku poprodukcyjnym;ogółem", 2019)])
            / people[(c, "w wieku produkcyjnym;ogółem", 2019)] for c in codes},
        "udzial_ludnosci_w_wieku_poprodukcyjnym": {
            c: 100 * people[(c, "w wieku poprodukcyjnym;ogółem", 2019)] / pop(c, 2019) for c in codes},
        "zmiana_liczby_ludnosci_od_2010": {
            c: 100 * (pop(c, 2019) - pop(c, 2010)) / pop(c, 2010) for c in codes},
    }
    for code, wanted in expected.items():
        got = values.indicator_values(code, 2019, codes)
        assert got == {c: pytest.approx(v, rel=1e-12) for c, v in wanted.items()}, code
    assert 2_000 < expected["dochody_wlasne_na_mieszkanca"][KRAKOW] < 6_000  # a sane magnitude

    # A group's aggregate: the ratio of sums, against the sums taken here.
    group = [KRAKOW, WROCLAW, WALCZ, DABROWA, OSTROWICE]  # Ostrowice: no unit, no value
    result = values.group_aggregate("dochody_wlasne_na_mieszkanca", 2019, group)
    members = [KRAKOW, WROCLAW, WALCZ, DABROWA]
    assert result.count == 4 and result.members == 5
    assert result.value == pytest.approx(sum(revenue[(c, razem, 2019)] for c in members)
                                         / sum(pop(c, 2019) for c in members))
    ordered = sorted(expected["dochody_wlasne_na_mieszkanca"][c] for c in members)
    assert result.median == pytest.approx((ordered[1] + ordered[2]) / 2)
    assert (result.minimum, result.maximum) == (pytest.approx(ordered[0]), pytest.approx(ordered[-1]))


def test_a_changed_definition_is_a_new_version_and_the_old_one_still_computes(base, tmp_path):
    importer.import_file(subset(POPULATION, SAMPLE, tmp_path))
    text = definitions.DEFAULT_FILE.read_text(encoding="utf-8")
    marker = ('denominator = [ { variable = "ludnosc_prod" } ], scale = 100 }')
    assert marker in text
    changed = tmp_path / "indicators.toml"
    changed.write_text(text.replace(marker, marker.replace("scale = 100", "scale = 1000")), encoding="utf-8")
    report = definitions.load(changed)
    assert report.versions_added == ["wskaznik_obciazenia_demograficznego v2"]
    assert definitions.load(changed).versions_added == []
    code = "wskaznik_obciazenia_demograficznego"
    new = values.indicator_values(code, 2019, [KRAKOW])[KRAKOW]
    old = values.indicator_values(code, 2019, [KRAKOW], version=1)[KRAKOW]
    assert new == pytest.approx(10 * old)
    versions = db.session.scalars(sa.select(IndicatorVersion.credit)).all()
    # The cities' questionnaire's indicators (decisions 0037, 0038) credit it (and the BDL where
    # the population is the denominator); the exchange groups' surveys credit the survey.
    assert len(versions) == 19 and versions.count("Źródło: GUS, Bank Danych Lokalnych") == 10
    assert set(versions) == {"Źródło: GUS, Bank Danych Lokalnych",
                             "Źródło: ankieta miast monitoringu usług; GUS, Bank Danych Lokalnych",
                             "Źródło: ankieta miast monitoringu usług",
                             "Źródło: badanie zadowolenia mieszkańców, grupy wymiany doświadczeń"}


def test_the_command_prints_its_counts(app, ctx, tmp_path):
    runner = app.test_cli_runner()
    refused = runner.invoke(args=["indicators", "import", str(LONG)])
    assert refused.exit_code == 1 and "units load" in refused.output
    units.load(with_boundaries=False)
    assert runner.invoke(args=["indicators", "define"]).exit_code == 0
    population = subset(POPULATION, SAMPLE, tmp_path)
    result = runner.invoke(args=["indicators", "import", str(population)])
    assert result.exit_code == 0, result.output
    assert "odrzucone / rejected 100: część gminy" in result.output
    again = runner.invoke(args=["indicators", "import", str(population)])
    assert "dodane / inserted 0, zmienione / updated 0" in again.output
    area = runner.invoke(args=["indicators", "import", str(subset(AREA, SAMPLE, tmp_path))])
    assert area.exit_code == 1 and "--variable" in area.output


@pytest.mark.slow
def test_everything_imports_and_the_long_file_agrees_with_the_raw_ones(base):
    """All of data/bdl/: the three raw files, then the long file derived from them, which adds
    only its derived population total; a second run of the long file changes nothing."""
    total = 0
    for path, variable in ((REVENUES, None), (POPULATION, None), (AREA, "powierzchnia_km2")):
        total += importer.import_file(path, variable=variable).inserted
    long = importer.import_file(LONG)
    assert long.read == 416_370
    ogolem = db.session.scalar(sa.select(Variable.id).where(Variable.code == "ludnosc_ogolem"))
    assert long.inserted == db.session.scalar(sa.select(sa.func.count()).select_from(VariableValue)
                                              .where(VariableValue.variable_id == ogolem))
    assert long.updated == 0 and long.unchanged == total
    # Wałbrzych as a gmina of 2003-2012, the rural gmina Zielona Góra, Ostrowice.
    assert set(long.reasons) == {bdl.Reason.UNKNOWN_UNIT}
    again = importer.import_file(LONG)
    assert (again.inserted, again.updated, again.unchanged) == (0, 0, long.inserted + long.unchanged)
    population = values.indicator_values("ludnosc", 2019)
    assert len(population) == 2477 and population[KRAKOW] == 779_115
    gminas = db.session.scalars(sa.select(TerritorialUnit.code).where(TerritorialUnit.level == "gmina")).all()
    assert values.group_aggregate("ludnosc", 2019, gminas).value == sum(population.values())
