"""`flask scores …`: the evaluation overview's maintained lines (docs/decisions/0035).

    flask --app wsgi scores rebuild-summaries            recompute them from the scores
    flask --app wsgi scores rebuild-summaries --check    ... only compare (exit 1 if they differ)
"""

from __future__ import annotations

import sys

import click

from workflow.evaluation import summary
from workflow.extensions import db


@click.group("scores", help="The evaluation overview's maintained lines.")
def scores_cli() -> None:
    pass


@scores_cli.command("rebuild-summaries")
@click.option("--check", is_flag=True, help="Compare the lines with a recomputation; change nothing.")
def rebuild_summaries(check: bool) -> None:
    """Recompute the evaluation overview's lines from the scores (after bulk writes or a repair)."""
    wrong = summary.differences(db.session())
    if check:
        for text in wrong[:50]:
            click.echo(text)
        if wrong:
            click.echo(f"Różnice: {len(wrong)} / differences: {len(wrong)}")
            sys.exit(1)
        click.echo("Wiersze przeglądu oceny zgodne z przeliczeniem / the lines equal a recomputation.")
        return
    lines = summary.rebuild(db.session())
    db.session.commit()
    click.echo(f"Przeliczono wiersze: {lines} (poprawiono: {len(wrong)}) / lines rebuilt: {lines} "
               f"(corrected: {len(wrong)}).")
