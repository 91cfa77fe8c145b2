"""`flask` commands: the demo programme, path diagrams (the other groups: one module each)."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import click
from flask import Flask, current_app

import states
from workflow.cli.accounts import accounts_cli
from workflow.cli.api import api_cli
from workflow.cli.documents import documents_cli
from workflow.cli.monitoring import groups_cli, indicators_cli, units_cli
from workflow.cli.privacy import privacy_cli
from workflow.cli.rank import rank_cli
from workflow.cli.reminders import reminders_cli
from workflow.cli.report import report_cli
from workflow.cli.scores import scores_cli
from workflow.demo import seed as demo_service
from workflow.extensions import db


def register_cli(app: Flask) -> None:
    app.cli.add_command(demo)
    app.cli.add_command(path_cli)
    app.cli.add_command(report_cli)
    app.cli.add_command(rank_cli)
    app.cli.add_command(reminders_cli)
    app.cli.add_command(accounts_cli)
    app.cli.add_command(documents_cli)
    app.cli.add_command(privacy_cli)
    app.cli.add_command(units_cli)
    app.cli.add_command(indicators_cli)
    app.cli.add_command(api_cli)
    app.cli.add_command(groups_cli)
    app.cli.add_command(scores_cli)


@click.group(help="Demo programme RL-2020.")
def demo() -> None:
    pass


@demo.command("seed")
@click.option("--today", type=click.DateTime(formats=["%Y-%m-%d"]), default=None,
              help="Anchor the demo calendar on this day (default: today in Warsaw).")
def demo_seed(today: object) -> None:
    """Create the demo programme once (idempotent) and print the logins."""
    anchor: date | None = today.date() if today is not None else None  # type: ignore[attr-defined]
    created, logins = demo_service.seed(current_app.config["DEMO_PASSWORD"], anchor)
    if created:
        click.echo("Utworzono program demonstracyjny RL-2020 / Demo programme RL-2020 created.")
    else:
        click.echo("Program demonstracyjny już istnieje / The demo programme already exists.")
    for line in logins:
        click.echo("  " + line)


@demo.command("reset")
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
@click.option("--today", type=click.DateTime(formats=["%Y-%m-%d"]), default=None,
              help="Anchor the new demo calendar on this day (default: today in Warsaw).")
def demo_reset(yes: bool, today: object) -> None:
    """Erase EVERY row of the database, migrate it afresh and seed the demo again."""
    if current_app.config.get("APP_ENV") == "production":
        raise click.ClickException("Nie w produkcji / not with APP_ENV=production.")
    url = db.engine.url
    if not yes:
        click.confirm(f"Usunąć wszystkie dane z {url.render_as_string(hide_password=True)} "
                      "i wczytać demo od nowa? / Erase every row and seed the demo again?", abort=True)
    demo_service.erase_database()
    # alembic is imported here only: every process that starts the app would pay its import.
    from alembic import command as alembic_command
    from alembic.config import Config as AlembicConfig

    alembic_cfg = AlembicConfig(str(Path(current_app.root_path).parent / "alembic.ini"))
    alembic_cfg.attributes["url"] = url.render_as_string(hide_password=False)
    alembic_cfg.attributes["configure_logger"] = False
    alembic_command.upgrade(alembic_cfg, "head")
    anchor: date | None = today.date() if today is not None else None  # type: ignore[attr-defined]
    _created, logins = demo_service.seed(current_app.config["DEMO_PASSWORD"], anchor)
    click.echo("Demo wczytane od nowa / The demo was seeded afresh.")
    for line in logins:
        click.echo("  " + line)


@click.group("path", help="Path definitions in states/.")
def path_cli() -> None:
    pass


@path_cli.command("mermaid")
@click.argument("code", default="rozwoj-lokalny")
@click.option("--locale", default="pl", type=click.Choice(["pl", "en"]))
@click.option("--write", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Write a Markdown page with the diagram to this file.")
def path_mermaid(code: str, locale: str, write: Path | None) -> None:
    """Print (or write) the path definition as a Mermaid state diagram."""
    definition = states.get_definition(code)
    diagram = states.to_mermaid(definition, locale)
    if write is None:
        click.echo(diagram, nl=False)
        return
    write.write_text(markdown_page(definition, diagram), encoding="utf-8")
    click.echo(f"wrote {write}")


def markdown_page(definition: states.PathDefinition, diagram: str) -> str:
    lines = [
        f"# {definition.title.pl} / {definition.title.en}: the path",
        "",
        "Generated from `states/` by `flask --app wsgi path mermaid "
        f"{definition.code} --write ...`; a test fails when this page is out of date.",
        "",
        "```mermaid",
        diagram.rstrip(),
        "```",
        "",
        "| event | from | to | who | guards |",
        "| --- | --- | --- | --- | --- |",
    ]
    for t in definition.transitions:
        lines.append(
            f"| `{t.event}` | {', '.join(t.sources)} | {t.target} | "
            f"{', '.join(sorted(t.roles))} | {', '.join(t.guards) or '–'} |"
        )
    return "\n".join(lines) + "\n"


