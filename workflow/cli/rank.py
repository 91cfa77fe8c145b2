"""`flask rank CODE ...`: a ranking preview on the command line. Saves nothing.

    flask --app wsgi rank RL-2019 --cap 54 --json

`--json` prints the machine-readable ranking document (the shape other systems read, the
same as the coordinator's JSON download); without it, an aligned table.
"""

from __future__ import annotations

import json
import sys
from decimal import Decimal
from typing import Any

import click
from sqlalchemy import select

from workflow.extensions import db
from workflow.models import Programme
from workflow.ranking import rule as ranking
from workflow.ranking import runs as ranking_runs
from workflow.text import parse_amount

OUTCOMES = {"awarded": "dofinansowanie", "reserve": "rezerwa", "not_eligible": "niespełnione warunki"}


class Budget(click.ParamType):
    name = "PLN"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Decimal:
        amount = parse_amount(str(value))
        if amount is None or amount < 0:
            self.fail(f"to nie jest kwota w złotych / not an amount in złoty: {value!r}", param, ctx)
        return amount


def points(value: float | None) -> str:
    return "–" if value is None else ranking.pl_number(Decimal(str(value)))


def money(value: str | None) -> str:
    return "–" if value is None else ranking.pl_money(Decimal(value)).replace("\xa0", " ")


def table(document: dict[str, Any]) -> list[str]:
    """The document as aligned text lines: a header, the settings, the rows, the totals."""
    s = document["settings"]
    codes = [p["code"] for p in s["parts"]]
    head = ["miejsce", "miasto", "kwota (zł)", *codes, "razem", "wynik", "uzasadnienie"]
    rows = [[str(a["rank"]) if a["rank"] is not None else "–", a["town"], money(a["requested"]),
             *(points((a["final"] or {}).get(c)) for c in codes), points(a["total"]),
             OUTCOMES[a["outcome"]], a["reason"] or ""] for a in document["applications"]]
    widths = [max(len(r[i]) for r in [head, *rows]) for i in range(len(head))]
    right = {0, 2, *range(3, 4 + len(codes))}

    def line(cells: list[str]) -> str:
        pairs = enumerate(zip(cells, widths, strict=True))
        return "  ".join(c.rjust(w) if i in right else c.ljust(w) for i, (c, w) in pairs).rstrip()

    awarded = [a for a in document["applications"] if a["outcome"] == "awarded"]
    spent = sum((Decimal(a["requested"]) for a in awarded), Decimal("0.00"))
    settings = (f"{document['programme']}: limit {s['cap'] if s['cap'] is not None else 'brak'}, "
                f"budżet {money(s['budget']) if s['budget'] is not None else 'bez limitu'} zł, "
                f"próg {s['threshold']} %, zasada {s['policy']} (podgląd – nic nie zapisano)")
    return [settings, "", line(head), "  ".join("-" * w for w in widths), *(line(r) for r in rows), "",
            f"dofinansowanie: {len(awarded)} wniosków, {money(str(spent))} zł"]


@click.command("rank")
@click.argument("code")
@click.option("--cap", type=click.IntRange(min=0), default=None, help="Limit liczby dofinansowań.")
@click.option("--budget", type=Budget(), default=None, help="Budżet w złotych, np. 450000000.")
@click.option("--threshold", type=click.IntRange(0, 100), default=None, help="Próg dla każdej części (%).")
@click.option("--policy", type=click.Choice(ranking.POLICIES), default=None,
              help="strict: pierwszy niemieszczący się i niżej – rezerwa; skip: pomiń i idź dalej.")
@click.option("--json", "as_json", is_flag=True, help="Wypisz dokument rankingu w JSON.")
def rank_cli(code: str, cap: int | None, budget: Decimal | None, threshold: int | None, policy: str | None,
             as_json: bool) -> None:
    """Print a ranking preview of programme CODE (saves nothing)."""
    programme = db.session.scalar(select(Programme).where(Programme.code == code))
    if programme is None:
        click.echo(f"Nie ma programu {code!r} / No programme {code!r}.", err=True)
        sys.exit(2)
    overrides: dict[str, Any] = {}
    for key, value in (("cap", cap), ("budget", budget), ("threshold", threshold), ("policy", policy)):
        if value is not None:
            overrides[key] = value
    try:
        document = ranking_runs.preview(programme, **overrides)
    finally:
        db.session.rollback()  # a preview: nothing of it is kept
    if as_json:
        click.echo(json.dumps(document, ensure_ascii=False, indent=2))
    else:
        for text in table(document):
            click.echo(text)
