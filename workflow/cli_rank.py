"""`flask rank CODE ...`: a ranking preview on the command line. Stub."""

from __future__ import annotations

import click


@click.command("rank")
@click.argument("code")
def rank_cli(code: str) -> None:
    """Print a ranking preview of programme CODE (saves nothing)."""
    raise click.ClickException("not built yet")
