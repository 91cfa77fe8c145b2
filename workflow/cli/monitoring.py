"""`flask units ...` and `flask indicators ...`: the indicator base on the command line.

    flask --app wsgi units load [--register FILE] [--no-boundaries]
    flask --app wsgi indicators define [FILE]
    flask --app wsgi indicators import FILE [--variable CODE] [--status final|provisional]
"""

from __future__ import annotations

import time
from pathlib import Path

import click
import sqlalchemy as sa

from workflow.extensions import db
from workflow.models import TerritorialUnit, ValueStatus, Variable
from workflow.monitoring import bdl, definitions, importer, units


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
