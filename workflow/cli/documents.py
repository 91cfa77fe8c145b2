"""`flask documents check [--repair] [--json] [--now ISO-TIME]`: do the upload store and the
document rows agree? (What it reports and what to do: docs/operations.md, "Files and rows".)

    flask --app wsgi documents check            list what is wrong; changes nothing
    flask --app wsgi documents check --repair   remove the debris, finish interrupted moves
    flask --app wsgi documents check --json     the same as one JSON object

Exit code 0: files and rows agree; 1: debris is left (run with --repair); 2: a document row
has no file or a wrong one (restore it from the backup) or the folders are misconfigured.
Every run is recorded; the coordinator's overview shows the last one.
"""

from __future__ import annotations

import json
import sys
from datetime import datetime

import click

from workflow.cli.reminders import Moment
from workflow.models import CheckSource
from workflow.path import store_check
from workflow.path.store_check import Kind

# Plain bilingual text, like the other commands: there is no request to pick a language.
LABELS = {
    Kind.ORPHAN: "plik bez wiersza / file with no row",
    Kind.MISSING: "wiersz bez pliku / row with no file",
    Kind.WRONG_HASH: "plik o złym skrócie SHA-256 / file with a wrong SHA-256",
    Kind.PENDING: "plik wiersza w folderze tymczasowym / a row's file left in the temporary folder",
    Kind.OLD_TEMP: "stary plik tymczasowy / old temporary file",
    Kind.FRESH_TEMP: "świeży plik tymczasowy (pominięty) / fresh temporary file (left alone)",
    Kind.SETUP: "folder tymczasowy na innym systemie plików niż magazyn / "
                "temporary folder on another filesystem than the store",
}
ACTIONS = {"removed": "usunięto / removed", "moved_in": "przeniesiono do magazynu / moved into the store"}
RESULTS = {
    0: "WYNIK / RESULT: OK, pliki i wiersze się zgadzają / files and rows agree",
    1: "WYNIK / RESULT: są śmieci do usunięcia: uruchom z --repair / debris left: run with --repair",
    2: "WYNIK / RESULT: wymaga człowieka: przywróć pliki z kopii zapasowej (docs/operations.md) / "
       "needs a person: restore the files from the backup (docs/operations.md)",
}


@click.group("documents", help="Pliki dokumentów / the upload store.")
def documents_cli() -> None:
    pass


@documents_cli.command("check")
@click.option("--repair", is_flag=True,
              help="Usuń śmieci, dokończ przeniesienia / remove debris, finish interrupted moves "
                   "(never deletes a row).")
@click.option("--json", "as_json", is_flag=True, help="JSON zamiast tekstu / print JSON.")
@click.option("--now", "now", type=Moment(), default=None,
              help="Udawana chwila sprawdzenia (ISO 8601): wiek plików tymczasowych / "
                   "the check's moment, for the age of temporary files.")
def check(repair: bool, as_json: bool, now: datetime | None) -> None:
    """List files with no row, rows with no file or a wrong hash, and old temporary files."""
    report = store_check.run(repair_debris=repair, source=CheckSource.COMMAND, now=now)
    if as_json:
        click.echo(json.dumps(report.as_dict(), ensure_ascii=False, indent=2))
    else:
        click.echo(text(report))
    sys.exit(report.exit_code)


def text(report: store_check.Report) -> str:
    lines = [f"Magazyn / store: {report.store}",
             f"Folder tymczasowy / temporary folder: {report.incoming}", ""]
    for finding in report.findings:
        line = f"- {LABELS[finding.kind]}: {finding.file}"
        if finding.document_ids:
            line += f" (dokumenty / documents: {', '.join(map(str, finding.document_ids))})"
        if finding.size:
            line += f", {finding.size} B"
        if finding.action in ACTIONS:
            line += f" → {ACTIONS[finding.action]}"
        lines.append(line)
    if report.findings:
        lines.append("")
    counts = report.counts()
    lines += [
        "Podsumowanie / summary:",
        f"  pliki w magazynie / files in the store:          {counts['store_files']}",
        f"  wiersze dokumentów / document rows:              {counts['document_rows']}",
        f"  pliki w folderze tymczasowym / temporary files:  {counts['temp_files']}",
    ]
    lines += [f"  {LABELS[kind]}: {counts[str(kind)]}" for kind in Kind if kind != Kind.SETUP]
    if counts[str(Kind.SETUP)]:
        lines.append(f"  {LABELS[Kind.SETUP]}")
    if report.repair:
        lines.append(f"  usunięto / removed: {counts['removed']}; "
                     f"przeniesiono / moved in: {counts['moved_in']}")
    lines += [f"  problemy / problems: {counts['problems']}", "", RESULTS[report.exit_code]]
    return "\n".join(lines)
