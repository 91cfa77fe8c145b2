"""`flask report ...`: the programme's reports on the command line. Stub."""

from __future__ import annotations

import click


@click.group("report", help="Reports of the programme.")
def report_cli() -> None:
    pass
