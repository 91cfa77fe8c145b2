"""`flask api ...`: the open API's OpenAPI document.

    flask --app wsgi api openapi [--lang en|pl] [--write docs/api/openapi-v1.json]
    flask --app wsgi api check [--against docs/api/openapi-v1.json]

`check` compares the document the code generates now with the committed copy and fails on
any change that would break a client of v1 (workflow/api/compat.py); additions pass, and
`openapi --write` records them in the copy.
"""

from __future__ import annotations

import json
from pathlib import Path

import click
from flask import current_app

from workflow.api import compat, openapi

COMMITTED = Path(__file__).resolve().parents[2] / "docs" / "api" / "openapi-v1.json"


def dumps(document: dict) -> str:
    return json.dumps(document, ensure_ascii=False, indent=2, sort_keys=True) + "\n"


@click.group("api", help="The open API (/api/v1): its OpenAPI document.")
def api_cli() -> None:
    pass


@api_cli.command("openapi")
@click.option("--lang", default="en", type=click.Choice(["pl", "en"]), show_default=True)
@click.option("--write", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Write it to this file (the committed copy: docs/api/openapi-v1.json).")
def openapi_print(lang: str, write: Path | None) -> None:
    """Print (or write) the OpenAPI 3.1 document generated from the code."""
    with current_app.test_request_context():
        text = dumps(openapi.document(current_app, lang))
    if write is None:
        click.echo(text, nl=False)
        return
    write.parent.mkdir(parents=True, exist_ok=True)
    write.write_text(text, encoding="utf-8")
    click.echo(f"wrote {write}")


@api_cli.command("check")
@click.option("--against", type=click.Path(exists=True, dir_okay=False, path_type=Path), default=COMMITTED,
              show_default=True)
def openapi_check(against: Path) -> None:
    """Fail when the generated document breaks a client of the committed one."""
    with current_app.test_request_context():
        new = openapi.document(current_app, "en")
    problems = compat.breaking_changes(json.loads(against.read_text(encoding="utf-8")), new)
    for line in problems:
        click.echo(f"  {line}")
    if problems:
        raise click.ClickException(f"{len(problems)} breaking change(s) against {against}")
    click.echo("Zgodne z v1 / compatible with v1.")
