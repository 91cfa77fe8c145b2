"""`flask units ...`, `flask indicators ...`, `flask groups ...`: the indicator base on the command line.

    flask --app wsgi units load [--register FILE] [--no-boundaries]
    flask --app wsgi indicators define [FILE]
    flask --app wsgi indicators import FILE [--variable CODE] [--status final|provisional]
    flask --app wsgi groups standard
    flask --app wsgi groups similar TERYT --indicator CODE[:WEIGHT] ... --year Y [--size N] [--among GROUP]
    flask --app wsgi groups check CODE
"""

from __future__ import annotations

import time
from pathlib import Path

import click
import sqlalchemy as sa

from workflow.extensions import db
from workflow.models import GroupKind, TerritorialUnit, ValueStatus, Variable
from workflow.monitoring import bdl, definitions, groups, importer, readings, similar, units


@click.group("units", help="Territorial units of the TERYT register (gminas, powiats, voivodeships).")
def units_cli() -> None:
    pass


@units_cli.command("load")
@click.option("--register", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              default=units.DEFAULT_REGISTER, show_default=True, help="A TERC 'Urzędowy' CSV file.")
@click.option("--no-boundaries", is_flag=True, help="Leave the boundaries (data/geo/) out.")
def units_load(register: Path, no_boundaries: bool) -> None:
    """Load or bring up to date the units and their boundaries (idempotent)."""
    started = time.perf_counter()
    report = units.load(register, with_boundaries=not no_boundaries)
    levels = ", ".join(f"{k}: {v}" for k, v in sorted(report.by_level.items()))
    click.echo(f"Jednostki / units ({register.name}): {levels}")
    click.echo(f"  dodane / inserted {report.inserted}, zmienione / updated {report.updated}, "
               f"bez zmian / unchanged {report.unchanged}")
    if not no_boundaries:
        click.echo(f"  granice / boundaries {report.boundaries}; bez granicy / without one: "
                   f"{len(report.without_boundary)} {' '.join(report.without_boundary[:10])}")
    click.echo(f"  {time.perf_counter() - started:.1f} s")


@click.group("indicators", help="The indicator base: definitions and values (GUS BDL).")
def indicators_cli() -> None:
    pass


@indicators_cli.command("define")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path),
                default=definitions.DEFAULT_FILE)
def indicators_define(file: Path) -> None:
    """Load the variables and indicator definitions (a changed definition: a new version)."""
    report = definitions.load(file)
    click.echo(f"Zmienne / variables: dodane {report.variables_added}, zmienione {report.variables_updated}")
    click.echo(f"Wskaźniki / indicators: dodane {report.indicators_added}, bez zmian {report.unchanged}, "
               f"nowe wersje / new versions: {', '.join(report.versions_added) or '–'}")


@indicators_cli.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--variable", default=None,
              help="The variable's code, for a wide file whose header names only years (rok_2010…).")
@click.option("--status", type=click.Choice([ValueStatus.PROVISIONAL.value, ValueStatus.FINAL.value]),
              default=ValueStatus.FINAL.value, show_default=True, help="Status of the values read.")
def indicators_import(file: Path, variable: str | None, status: str) -> None:
    """Import variable values from a GUS BDL export (wide or long); idempotent."""
    if not db.session.scalar(sa.select(sa.func.count()).select_from(TerritorialUnit)) or \
            not db.session.scalar(sa.select(sa.func.count()).select_from(Variable)):
        raise click.ClickException("Najpierw wczytaj jednostki i definicje: `flask --app wsgi units "
                                   "load` i `flask --app wsgi indicators define`.")
    started = time.perf_counter()
    try:
        report = importer.import_file(file, status=ValueStatus(status), variable=variable)
    except bdl.FormatError as exc:
        raise click.ClickException(str(exc)) from exc
    elapsed = time.perf_counter() - started
    click.echo(f"{file.name}: odczytane / read {report.read}, dodane / inserted {report.inserted}, "
               f"zmienione / updated {report.updated}, bez zmian / unchanged {report.unchanged}, "
               f"odrzucone / rejected {report.rejected}  ({elapsed:.1f} s)")
    if report.by_six_digits:
        click.echo(f"  {report.by_six_digits} wartości przypisano gminie po 6 pierwszych cyfrach kodu "
                   "(dawny kod sprzed zmiany rodzaju gminy) / matched on the first six digits")
    for reason, n in report.reasons.most_common():
        pl, en = bdl.REASONS[reason]
        click.echo(f"  odrzucone / rejected {n}: {pl} / {en}; np. {'; '.join(report.examples[reason])}")


@click.group("groups", help="Peer groups of gminas: the system's groups, most similar groups.")
def groups_cli() -> None:
    pass


@groups_cli.command("standard")
def groups_standard() -> None:
    """Make or update the system's groups: every gmina, voivodeships, powiats, kinds,
    population classes, each programme's towns, the 32 monitoring cities (idempotent)."""
    report = groups.ensure_standard()
    click.echo(f"Grupy / groups: dodane / added {report.added}, zmienione / updated {report.updated}, "
               f"bez zmian / unchanged {report.unchanged}")
    if report.unknown_units:
        click.echo(f"  kody bez jednostki / codes without a unit: {' '.join(report.unknown_units)}")


@groups_cli.command("similar")
@click.argument("anchor")
@click.option("--indicator", "criteria", multiple=True, required=True, metavar="CODE[:WEIGHT]",
              help="An indicator and its weight (1 unless given); repeat for each.")
@click.option("--year", type=int, required=True)
@click.option("--size", type=int, default=similar.DEFAULT_SIZE, show_default=True)
@click.option("--among", default=groups.ALL, show_default=True, help="The group compared within.")
def groups_similar(anchor: str, criteria: tuple[str, ...], year: int, size: int, among: str) -> None:
    """The gminas most similar to ANCHOR (a TERYT code) in the indicators given."""
    chosen = []
    for item in criteria:
        code, _, weight = item.partition(":")
        chosen.append(similar.Criterion(code, float(weight or 1)))
    try:
        result = similar.compute(similar.Definition(anchor, tuple(chosen), year, size, among))
    except groups.GroupRefused as refused:
        raise click.ClickException(str(refused)) from refused
    click.echo(f"porównano / compared {result.compared} gmin; {similar.METHOD}")
    for place, (code, distance) in enumerate(result.found):
        click.echo(f"{place:3d}  {code}  {distance:8.4f}  {result.names[code]}")


@groups_cli.command("check")
@click.argument("code")
def groups_check(code: str) -> None:
    """Compute a saved "most similar" group again from its definition and compare."""
    group = groups.get(code)
    if group is None or group.kind is not GroupKind.SIMILAR:
        raise click.ClickException(f"no most-similar group {code!r}")
    result = similar.compute(similar.Definition.from_json(group.definition))
    stored = [(m.unit_id, m.distance) for m in groups.stored_members(group)]
    ids = {u.code: u.id for u in readings.units_by_code(c for c, _d in result.found).values()}
    again = [(ids[c], d) for c, d in result.found]
    same = [u for u, _d in stored] == [u for u, _d in again]
    click.echo(f"{code}: {'the same members' if same else 'DIFFERENT members'} "
               f"({len(stored)} stored, {len(again)} computed again)")
    if not same:
        raise SystemExit(1)
