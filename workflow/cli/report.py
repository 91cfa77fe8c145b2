"""`flask report ...`: the programme's reports on the command line.

    flask --app wsgi report services --json              the funders' table as JSON
    flask --app wsgi report services --by town           a breakdown as an aligned table
    flask --app wsgi report services --by month --json   ... or as a JSON list
    flask --app wsgi report rebuild-totals               recompute the maintained totals
    flask --app wsgi report partnerships --json          the partnerships programme's totals
    flask --app wsgi report rebuild-totals --check       ... only compare them (exit 1 if they differ)
"""

from __future__ import annotations

import json

import click
from sqlalchemy import select

from workflow.advice import reports, service_totals
from workflow.extensions import db
from workflow.models import Programme
from workflow.partnership import report as partnership_report

SEED_KEYS = ("services", "consultations", "workshops", "studies", "participations", "people")


@click.group("report", help="Reports of the programme.")
def report_cli() -> None:
    pass


@report_cli.command("services")
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of a text table.")
@click.option("--by", "by", type=click.Choice(reports.BREAKDOWNS), default=None,
              help="A breakdown instead of the programme's totals.")
@click.option("--programme", "code", default=None, help="Programme code (default: the first one).")
def report_services(as_json: bool, by: str | None, code: str | None) -> None:
    """The services delivered, counted from the log (logged services only)."""
    query = select(Programme).order_by(Programme.id)
    if code:
        query = query.where(Programme.code == code)
    programme = db.session.scalar(query.limit(1))
    if programme is None:
        raise click.ClickException(f"no programme {code}" if code else "no programme yet")
    if by is None:
        table = reports.totals(programme).seed_table()
        if as_json:
            click.echo(json.dumps(table))
        else:
            width = max(len(k) for k in table)
            for key, value in table.items():
                click.echo(f"{key:<{width}}  {value:>8}")
        return
    rows = [{"key": r.key, "label": r.label, **r.seed_table()}
            for r in reports.breakdown(by, programme)]
    if as_json:
        click.echo(json.dumps(rows, ensure_ascii=False))
        return
    click.echo(text_table(by, rows))


@report_cli.command("partnerships")
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of a text table.")
@click.option("--by-voivodeship", "by_voivodeship", is_flag=True, help="One line per voivodeship.")
@click.option("--programme", "code", default=None,
              help="Programme code (default: every partnerships programme).")
def report_partnerships(as_json: bool, by_voivodeship: bool, code: str | None) -> None:
    """Partnerships, members, strategies accepted, projects, feasibility analyses,
    preliminary applications, consultations and comments."""
    programme = None
    if code:
        programme = db.session.scalar(select(Programme).where(Programme.code == code))
        if programme is None:
            raise click.ClickException(f"no programme {code}")
    found = partnership_report.report(programme)
    if by_voivodeship:
        rows = [{"voivodeship": r.voivodeship, **r.totals.as_dict()} for r in found.rows]
        if as_json:
            click.echo(json.dumps(rows, ensure_ascii=False))
        else:
            click.echo(text_table("voivodeship", [{**r, "label": r["voivodeship"]} for r in rows],
                                  partnership_report.KEYS))
        return
    table = found.totals.as_dict()
    if as_json:
        click.echo(json.dumps(table))
        return
    width = max(len(k) for k in table)
    for key, value in table.items():
        click.echo(f"{key:<{width}}  {value:>8}")


@report_cli.command("rebuild-totals")
@click.option("--check", is_flag=True, help="Compare the maintained totals with the log; change nothing.")
def rebuild_totals(check: bool) -> None:
    """Recompute the services report's maintained totals from the log (decision 0029)."""
    before = service_totals.stored()
    rows = service_totals.rebuild()
    after = service_totals.stored()
    differing = sorted(set(before.items()) ^ set(after.items()))
    if check:
        db.session.rollback()
        if differing:
            keys = sorted({k for k, _v in differing})
            for key in keys[:20]:
                click.echo(f"differs: {key}: kept {before.get(key)}, log {after.get(key)}")
            raise click.ClickException(f"{len(keys)} total rows differ from the log")
        click.echo(f"the maintained totals equal the log ({len(after)} rows)")
        return
    db.session.commit()
    click.echo(f"rebuilt {rows} total rows; {len({k for k, _v in differing})} had differed")


def text_table(by: str, rows: list[dict[str, object]], keys: tuple[str, ...] = SEED_KEYS) -> str:
    """Rows aligned in columns: the group's name on the left, numbers on the right."""
    header = [by, *keys]
    body = [[str(r["label"]), *(str(r[k]) for k in keys)] for r in rows]
    widths = [max(len(line[i]) for line in [header, *body]) for i in range(len(header))]

    def line(cells: list[str]) -> str:
        first = cells[0].ljust(widths[0])
        return "  ".join([first, *(c.rjust(w) for c, w in zip(cells[1:], widths[1:], strict=True))])

    return "\n".join([line(header), "  ".join("-" * w for w in widths), *map(line, body)])
