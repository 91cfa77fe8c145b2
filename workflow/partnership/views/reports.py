"""The partnerships programme's report: the coordinator's page with the totals and their
breakdown per voivodeship, its CSV/XLSX exports, and the public list of the partnerships,
their members and accepted strategies (names of municipalities only, no people).

Both pages issue a fixed number of queries (workflow/partnership/report.py: one per measure,
grouped by voivodeship), whatever the number of partnerships.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from flask import Blueprint, Response, abort, g, render_template, request, stream_with_context
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

import states
from workflow import tabular
from workflow.advice.report_tables import MIMETYPES
from workflow.audit.log import record_export
from workflow.extensions import db
from workflow.models import Applicant, ApplicantKind, ApplicantMember, Municipality, Path, Programme, Role
from workflow.partnership import report as partnership_report
from workflow.text import polish_key
from workflow.web.helpers import find_programme, role_required

bp = Blueprint("partnership_reports", __name__)

FILE_STEM = "partnerstwa-wojewodztwa"


def measure_names() -> dict[str, str]:
    return {
        "partnerships": _("Partnerstwa"),
        "member_municipalities": _("Jednostki członkowskie (gminy i powiaty)"),
        "strategies_accepted": _("Zatwierdzone strategie"),
        "projects_in_packages": _("Projekty w pakietach"),
        "feasibility_analyses": _("Analizy wykonalności"),
        "preliminary_applications": _("Złożone wstępne wnioski"),
        "consultations_held": _("Konsultacje społeczne"),
        "comments_received": _("Uwagi zgłoszone w konsultacjach"),
    }


def gmina_kinds() -> dict[str, str]:
    """The kind of a gmina by the last digit of its TERYT code."""
    return {"1": _("gmina miejska"), "2": _("gmina wiejska"), "3": _("gmina miejsko-wiejska")}


def partnership_programme() -> Programme | None:
    """The partnerships programme chosen by ?programme=CODE (404 for one of another kind),
    else the first one; None when there is none."""
    find_programme()  # the page's programme picker
    codes = {d.code for d in partnership_report.partnership_definitions()}
    ours = [p for p in g.programme_choices if p.path_code in codes]
    code = request.args.get("programme")
    if code:
        chosen = next((p for p in ours if p.code == code), None)
        if chosen is None:
            abort(404)
    else:
        chosen = next(iter(ours), None)
    g.programme = chosen
    return chosen


def table(found: partnership_report.Report) -> tuple[list[str], list[list[object]]]:
    names = measure_names()
    header = [_("Województwo"), *(names[k] for k in partnership_report.KEYS)]
    rows: list[list[object]] = [[r.voivodeship, *(getattr(r.totals, k) for k in partnership_report.KEYS)]
                                for r in found.rows]
    rows.append([_("Razem"), *(getattr(found.totals, k) for k in partnership_report.KEYS)])
    return header, rows


@bp.route("/coordinator/reports/partnerships")
@role_required(Role.COORDINATOR)
def coordinator_report() -> tuple[str, int]:
    programme = partnership_programme()
    found = partnership_report.report(programme) if programme is not None else None
    return render_template("partnership/report.html", programme=programme, found=found,
                           names=measure_names(), keys=partnership_report.KEYS), 200


@bp.route("/coordinator/reports/partnerships.<any(csv, xlsx):fmt>")
@role_required(Role.COORDINATOR)
def coordinator_export(fmt: str) -> Response:
    programme = partnership_programme()  # None: no programme of partnerships yet, an empty table
    header, rows = table(partnership_report.report(programme))
    record_export(current_user, "partnerships/voivodeship", fmt, programme.id if programme else None)
    zone = programme.timezone if programme is not None else "Europe/Warsaw"
    today = datetime.now(ZoneInfo(zone)).date().isoformat()
    headers = {"Content-Disposition": f'attachment; filename="{FILE_STEM}-{today}.{fmt}"'}
    if fmt == "csv":
        body = stream_with_context(
            line.encode("utf-8") for line in tabular.csv_stream(header, rows, locale=g.locale))
        return Response(body, mimetype=MIMETYPES["csv"], headers=headers)
    return Response(tabular.xlsx_bytes([(FILE_STEM, header, rows)]), mimetype=MIMETYPES["xlsx"],
                    headers=headers)


@dataclass
class Listed:
    path_id: int
    name: str
    voivodeship: str
    members: list[str]  # the leader first
    strategy_accepted: bool
    ended: str | None = None  # the final state's name when the path ended without a strategy (withdrawn)


@bp.route("/public/partnerships/")
def public_list() -> str:
    """Every partnership of the programme with its member municipalities and whether its
    strategy was accepted (four queries beside the page's own)."""
    programme = partnership_programme()
    if programme is None:
        return render_template("partnership/public_list.html", programme=None, listed=[], found=None,
                               names=measure_names())
    rows = db.session.execute(
        select(Path.id, Applicant.id, Applicant.name, Applicant.voivodeship, Path.state)
        .join(Applicant, Applicant.id == Path.applicant_id)
        .where(Path.programme_id == programme.id, Applicant.kind == ApplicantKind.PARTNERSHIP)).all()
    members: dict[int, list[tuple[bool, str, str]]] = {}
    for applicant_id, leader, name, teryt in db.session.execute(
            select(ApplicantMember.applicant_id, ApplicantMember.is_leader, Municipality.name,
                   Municipality.teryt)
            .join(Municipality, Municipality.id == ApplicantMember.municipality_id)
            .join(Path, Path.applicant_id == ApplicantMember.applicant_id)
            .where(Path.programme_id == programme.id)):
        members.setdefault(applicant_id, []).append((not leader, name, teryt or ""))
    accepted = {path_id for path_id, _name in partnership_report.accepted_strategies(programme)}
    kinds = gmina_kinds()

    def in_order(found: list[tuple[bool, str, str]]) -> list[str]:
        """The leader first, then by name; a name two gminas share (a town and the rural gmina
        around it) says which of them it is."""
        names = [n for _later, n, _code in found]
        return [f"{n} ({kinds[code[-1]]})" if names.count(n) > 1 and code[-1:] in kinds else n
                for _later, n, code in sorted(found, key=lambda m: (m[0], polish_key(m[1]), m[2]))]

    definition = states.get_definition(programme.path_code)

    def ended(path_id: int, state: str) -> str | None:
        found = definition.state(state)
        return found.staff.get(g.locale) if found.final and path_id not in accepted else None

    listed = [Listed(path_id, name, voivodeship or "", in_order(members.get(applicant_id, [])),
                     path_id in accepted, ended(path_id, state))
              for path_id, applicant_id, name, voivodeship, state in rows]
    listed.sort(key=lambda item: (polish_key(item.voivodeship), polish_key(item.name)))
    return render_template("partnership/public_list.html", programme=programme, listed=listed,
                           accepted=sum(1 for item in listed if item.strategy_accepted),
                           names=measure_names())
