"""Ranking runs (coordinator): settings and what-if previews, the snapshots, a snapshot's
table with approval and announcement, comparison of two snapshots, and downloads (the
ranking document as JSON, CSV, XLSX, and the awarded grants as 360Giving JSON)."""

from __future__ import annotations

import json
from datetime import datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    flash,
    g,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select
from werkzeug.wrappers import Response as WerkzeugResponse

from forms.ranking import POLICY_HINT, AnnounceForm, ApproveForm, CompareForm, WhatIfForm
from workflow import tabular
from workflow.audit.log import record_export
from workflow.extensions import db, send_task
from workflow.models import Programme, RankingKind, RankingSnapshot, RankingStatus, Role, User
from workflow.models.types import utcnow
from workflow.ranking import announcement_preview
from workflow.ranking import rule as ranking
from workflow.ranking import runs as ranking_runs
from workflow.ranking.runs import RankingRefused
from workflow.web import templating
from workflow.web.helpers import current_programme, programme_choices, role_required, show_again, show_refusal

if TYPE_CHECKING:
    from workflow.ranking import protocol

bp = Blueprint("ranking", __name__, url_prefix="/coordinator/ranking")

MIMETYPES = {"csv": "text/csv; charset=utf-8", "json": "application/json; charset=utf-8",
             "pdf": "application/pdf",
             "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}


# --- words and numbers on the pages ---------------------------------------------------------------

def outcome_names() -> dict[str, str]:
    return {"awarded": _("dofinansowanie"), "reserve": _("lista rezerwowa"),
            "not_eligible": _("niespełnione warunki")}


def status_names() -> dict[str, str]:
    return {"queued": _("w kolejce"), "running": _("w toku"), "done": _("gotowy"), "failed": _("nieudany")}


def kind_names() -> dict[str, str]:
    return {"preview": _("podgląd"), "official": _("oficjalny")}


def policy_names() -> dict[str, str]:
    return {"strict": _("zatrzymaj przyznawanie: pierwszy wniosek, na który nie starcza budżetu, "
                        "i wszystkie niżej trafiają na listę rezerwową"),
            "skip": _("pomiń wniosek, na który nie starcza budżetu, i przyznaj kolejnym, które się mieszczą")}


def change_names() -> dict[str, str]:
    return {"added": _("nowy w późniejszym"), "removed": _("brak w późniejszym"), "outcome": _("wynik"),
            "rank": _("miejsce"), "total": _("punkty")}


def money(value: Decimal | str | None) -> str:
    if value is None:
        return _("bez limitu")
    return templating.money(Decimal(value))


def points(value: float | Decimal | None) -> str:
    return templating.number(value)


def local_moment(iso: str | None, tz: str) -> str:
    if not iso:
        return ""
    return datetime.fromisoformat(iso).astimezone(ZoneInfo(tz)).strftime("%Y-%m-%d %H:%M")


@bp.context_processor
def helpers() -> dict[str, Any]:
    return {"outcome_names": outcome_names(), "status_names": status_names(), "kind_names": kind_names(),
            "policy_names": policy_names(), "money": money, "points": points, "local_moment": local_moment}


# --- loading -------------------------------------------------------------------------------------

def snapshot_or_404(snapshot_id: int) -> RankingSnapshot:
    snapshot = db.session.get(RankingSnapshot, snapshot_id)
    if snapshot is None:
        abort(404)
    return snapshot


def what_if_defaults(programme: Programme) -> dict[str, Any]:
    return {"cap": "" if programme.winners_cap is None else str(programme.winners_cap),
            "budget": "" if programme.budget is None else ranking.pl_money(programme.budget),
            "threshold": str(programme.threshold_pct), "policy": programme.policy}


def render_index(programme: Programme, form: WhatIfForm, status: int = 200) -> tuple[str, int]:
    settings = ranking_runs.settings_of(programme)
    snapshots = ranking_runs.snapshots_of(programme)
    programmes = programme_choices()
    compare_form = compare_form_for(programme, snapshots, request.args if "a" in request.args else None)
    return render_template("ranking/runs/index.html", programme=programme, programmes=programmes,
                           settings=ranking.settings_document(settings), evaluators=settings.evaluators,
                           form=form, snapshots=snapshots, policy_hint=POLICY_HINT,
                           compare_form=compare_form), status


def compare_form_for(programme: Programme, snapshots: list[tuple[RankingSnapshot, str | None]],
                     formdata: Any = None) -> CompareForm:
    form = CompareForm(formdata=formdata)
    names = kind_names()
    choices = [(str(s.id), f"#{s.id} – {names[s.kind]}") for s, _name in snapshots
               if s.status == RankingStatus.DONE]
    form.a.choices = choices
    form.b.choices = choices
    if formdata is None and len(choices) >= 2:
        form.a.data, form.b.data = choices[1][0], choices[0][0]
    return form


# --- pages ---------------------------------------------------------------------------------------

@bp.route("/")
@role_required(Role.COORDINATOR)
def index() -> tuple[str, int]:
    programme = current_programme()
    return render_index(programme, WhatIfForm(data=what_if_defaults(programme)))


@bp.route("/run", methods=["POST"])
@role_required(Role.COORDINATOR)
def run() -> WerkzeugResponse | tuple[str, int]:
    programme = current_programme()
    form = WhatIfForm()
    if not form.validate_on_submit():
        return render_index(programme, form, 400)
    overrides = form.overrides()
    snapshot = ranking_runs.queue_run(programme, current_user, overrides, RankingKind.PREVIEW)
    try:
        send_task("ranking.run", programme.id, current_user.id, overrides, "preview", snapshot.id)
    except Exception:  # the broker is down, or (run in-process) the run failed: the row says so
        current_app.logger.exception("ranking run %s failed", snapshot.id)
        ranking_runs.mark_failed(snapshot, ranking_runs.NOT_QUEUED)
        flash(_("Nie udało się policzyć rankingu #%(id)d.", id=snapshot.id), "error")
    else:
        flash(_("Uruchomiono podgląd rankingu #%(id)d.", id=snapshot.id), "success")
    return redirect(url_for("ranking.snapshot", snapshot_id=snapshot.id))


def document_totals(document: dict[str, Any]) -> dict[str, Any]:
    apps = document["applications"]
    awarded = [a for a in apps if a["outcome"] == "awarded"]
    awarded_sum = sum((Decimal(a["requested"]) for a in awarded), Decimal("0.00"))
    budget = document["settings"]["budget"]
    return {
        "awarded": len(awarded),
        "reserve": sum(1 for a in apps if a["outcome"] == "reserve"),
        "not_eligible": sum(1 for a in apps if a["outcome"] == "not_eligible"),
        "awarded_sum": awarded_sum,
        "budget": budget,
        "left": Decimal(budget) - awarded_sum if budget is not None else None,
    }


@bp.route("/<int:snapshot_id>")
@role_required(Role.COORDINATOR)
def snapshot(snapshot_id: int) -> str:
    snap = snapshot_or_404(snapshot_id)
    return render_snapshot(snap)


def render_announce(snap: RankingSnapshot, form: AnnounceForm) -> str:
    """The announcement page: the totals, the confirmation, and the message each town will get."""
    return render_snapshot(snap, form, "ranking/runs/announce.html",
                           messages=announcement_preview.preview(snap))


def render_snapshot(snap: RankingSnapshot, announce_form: AnnounceForm | None = None,
                    template: str = "ranking/runs/snapshot.html", **extra: Any) -> str:
    ids = [i for i in (snap.created_by_id, snap.approved_by_id, snap.announced_by_id) if i]
    people = dict(db.session.execute(select(User.id, User.name).where(User.id.in_(ids))).all())
    # The snapshot keeps each sheet's evaluator by e-mail; pages name them as every
    # evaluation page does, by the account's name (one query).
    emails = {s["evaluator"] for a in (snap.result or {}).get("applications", [])
              for s in a.get("sheets") or []}
    evaluators = dict(db.session.execute(
        select(User.email, User.name).where(User.email.in_(sorted(emails)))).all()) if emails else {}
    announced = ranking_runs.announced_snapshot(snap.programme_id)
    return render_template(template, snap=snap, programme=snap.programme, people=people,
                           evaluators=evaluators,
                           doc=snap.result, totals=document_totals(snap.result) if snap.result else None,
                           announced=announced,
                           correctable=announced is not None and ranking_runs.upheld_since(announced),
                           approve_form=ApproveForm(),
                           announce_form=announce_form or AnnounceForm(), **extra)


@bp.route("/<int:snapshot_id>/approve", methods=["POST"])
@role_required(Role.COORDINATOR)
def approve(snapshot_id: int) -> WerkzeugResponse | tuple[str, int]:
    snap = snapshot_or_404(snapshot_id)
    if not ApproveForm().validate_on_submit():
        abort(400)
    try:
        official, made = ranking_runs.approve_once(snap, current_user)
    except RankingRefused as exc:
        return show_again(exc, "ranking.snapshot", snapshot_id=snap.id)
    if made:
        flash(_("Zatwierdzono ranking oficjalny #%(id)d.", id=official.id), "success")
    else:
        flash(_("Ten podgląd był już zatwierdzony: to jest jego ranking oficjalny #%(id)d.", id=official.id),
              "info")
    return redirect(url_for("ranking.snapshot", snapshot_id=official.id))


@bp.route("/<int:snapshot_id>/announce", methods=["GET", "POST"])
@role_required(Role.COORDINATOR)
def announce(snapshot_id: int) -> WerkzeugResponse | str | tuple[str, int]:
    snap = snapshot_or_404(snapshot_id)
    if snap.kind != RankingKind.OFFICIAL or snap.status != RankingStatus.DONE:
        abort(404)  # only a finished official ranking has an announcement page
    form = AnnounceForm()
    if request.method == "GET":
        return render_announce(snap, form)
    if not form.validate_on_submit():
        return render_announce(snap, form), 400
    try:
        ranking_runs.announce(snap, current_user)
    except RankingRefused as exc:
        db.session.rollback()
        show_refusal(exc)  # the announcement page again, the reasons at its top
        return render_announce(snap, form), exc.status
    flash(_("Ogłoszono wyniki na podstawie rankingu #%(id)d.", id=snap.id), "success")
    return redirect(url_for("ranking.snapshot", snapshot_id=snap.id))


@bp.route("/compare")
@role_required(Role.COORDINATOR)
def compare() -> tuple[str, int]:
    programme = current_programme()
    snapshots = ranking_runs.snapshots_of(programme)
    form = compare_form_for(programme, snapshots, request.args)
    if not form.validate():
        return render_template("ranking/runs/compare.html", programme=programme, form=form, changes=None), 400
    done = {s.id: s for s, _name in snapshots if s.status == RankingStatus.DONE}
    a, b = done[int(form.a.data)], done[int(form.b.data)]
    return render_template("ranking/runs/compare.html", programme=programme, form=form, a=a, b=b,
                           changes=ranking_runs.compare(a, b), change_names=change_names()), 200


# --- downloads -----------------------------------------------------------------------------------

def finished_or_404(snapshot_id: int) -> RankingSnapshot:
    snap = snapshot_or_404(snapshot_id)
    if snap.status != RankingStatus.DONE or not snap.result:
        abort(404)
    return snap


def attachment(body: bytes | str, fmt: str, filename: str) -> Response:
    return Response(body, mimetype=MIMETYPES[fmt],
                    headers={"Content-Disposition": f'attachment; filename="{filename}"'})


def json_text(data: Any) -> str:
    return json.dumps(data, ensure_ascii=False, indent=2) + "\n"


def table(snap: RankingSnapshot) -> tuple[list[str], list[list[object]]]:
    doc = snap.result
    codes = [p["code"] for p in doc["settings"]["parts"]]
    header = [_("Miejsce"), _("Miasto"), _("Wnioskowana kwota (zł)"), *codes, _("Razem"), _("Wynik"),
              _("Uzasadnienie"), _("Ocena formalna"), _("Złożenie wniosku")]
    formal = {"passed": _("pozytywna"), "failed": _("negatywna"), "pending": _("w toku")}
    rows: list[list[object]] = []
    for a in doc["applications"]:
        final = a["final"] or {}
        rows.append([a["rank"] if a["rank"] is not None else "", a["town"],
                     Decimal(a["requested"]) if a["requested"] is not None else "",
                     *(final.get(c, "") for c in codes), a["total"] if a["total"] is not None else "",
                     outcome_names()[a["outcome"]], a["reason"] or "", formal[a["formal_check"]],
                     local_moment(a["submitted_at"], snap.programme.timezone)])
    return header, rows


def stem(snap: RankingSnapshot) -> str:
    return f"ranking-{snap.programme.code}-{snap.id}"


@bp.route("/<int:snapshot_id>/ranking.<any(json, csv, xlsx):fmt>")
@role_required(Role.COORDINATOR)
def download(snapshot_id: int, fmt: str) -> Response:
    snap = finished_or_404(snapshot_id)
    record_export(current_user, "ranking", fmt, snap.programme_id, snapshot=snap.id)
    if fmt == "json":
        return attachment(json_text(snap.result), "json", f"{stem(snap)}.json")
    header, rows = table(snap)
    if fmt == "csv":
        body = "".join(tabular.csv_stream(header, rows, locale=g.locale)).encode("utf-8")
        return attachment(body, "csv", f"{stem(snap)}.csv")
    return attachment(tabular.xlsx_bytes([(_("Ranking"), header, rows)]), "xlsx", f"{stem(snap)}.xlsx")


@bp.route("/<int:snapshot_id>/grants-360giving.json")
@role_required(Role.COORDINATOR)
def grants(snapshot_id: int) -> Response:
    snap = finished_or_404(snapshot_id)
    record_export(current_user, "ranking/360giving", "json", snap.programme_id, snapshot=snap.id)
    return attachment(json_text(ranking_runs.grants_360(snap)), "json", f"{stem(snap)}-360giving.json")


def protocol_labels(snap: RankingSnapshot, header: list[str]) -> protocol.Labels:
    """The protocol's words in the reader's language (workflow/ranking/protocol.py draws them)."""
    doc = snap.result or {}
    settings = doc.get("settings", {})
    totals = document_totals(doc)
    parts = ", ".join(_("%(code)s (maks. %(n)d pkt)", code=p["code"], n=p["max"])
                      for p in settings.get("parts", []))
    evaluators = (snap.settings or {}).get("evaluators")
    from workflow.ranking import protocol  # deferred with fpdf, as in protocol_pdf

    return protocol.Labels(
        title=_("Protokół rankingu"), programme=_("Program"), snapshot=_("Ranking oficjalny"),
        approved=_("Zatwierdzono"), approver=_("Zatwierdził(a)"), announced=_("Ogłoszono"),
        digest=_("Skrót danych wejściowych (SHA-256)"), rule=_("Wersja reguły rankingu"),
        settings=_("Ustawienia"),
        settings_rows=[
            (_("Budżet"), money(settings.get("budget"))),
            (_("Limit liczby dofinansowań"),
             _("bez limitu") if settings.get("cap") is None else str(settings["cap"])),
            (_("Próg dla każdej części oceny"), f"{settings.get('threshold')}\xa0%"),
            (_("Zasada, gdy wniosek nie mieści się w budżecie"),
             policy_names().get(settings.get("policy"), str(settings.get("policy")))),
            (_("Rozbieżność ocen, od której potrzebna jest trzecia ocena"),
             f"{settings.get('discrepancy')}\xa0%"),
            *([(_("Liczba oceniających na wniosek"), str(evaluators))] if evaluators else []),
            (_("Części karty oceny"), parts or "–"),
        ],
        summary=_("Podsumowanie"),
        summary_rows=[
            (_("Dofinansowane wnioski"), str(totals["awarded"])),
            (_("Wykorzystany budżet (suma dofinansowań)"), money(totals["awarded_sum"])),
            (_("Budżet"), money(totals["budget"])),
            *([(_("Pozostało z budżetu"), money(totals["left"]))] if totals["left"] is not None else []),
            (_("Lista rezerwowa"), str(totals["reserve"])),
            (_("Niespełnione warunki"), str(totals["not_eligible"])),
        ],
        list_title=_("Lista rankingowa"), header=header, outcomes=outcome_names(),
        money=money, points=points, page=_("Strona {n} z {of}"),
        generated=_("Wygenerowano w Ścieżce {when} z zapisanego rankingu; te same dane są w plikach "
                    "JSON, CSV i XLSX."),
    )


@bp.route("/<int:snapshot_id>/protocol.pdf")
@role_required(Role.COORDINATOR)
def protocol_pdf(snapshot_id: int) -> Response:
    """The protocol of an approved (official) ranking; a preview has none (404)."""
    # Imported here: fpdf costs ~0.5 s of CPU at import, paid by every process starting the app.
    from workflow.ranking import protocol

    snap = finished_or_404(snapshot_id)
    if snap.kind != RankingKind.OFFICIAL:
        abort(404)
    codes = [p["code"] for p in snap.result["settings"]["parts"]]
    header = [_("Miejsce"), _("Miasto"), _("Wnioskowana kwota"), *codes, _("Razem"), _("Wynik"),
              _("Uzasadnienie")]
    approver = db.session.execute(select(User.name, User.email)
                                  .where(User.id == snap.approved_by_id)).first()
    who = f"{approver.name} ({approver.email})" if approver else "–"
    record_export(current_user, "ranking", "pdf", snap.programme_id, snapshot=snap.id)
    body = protocol.render(snap, protocol_labels(snap, header), who,
                           snap.programme.title(g.get("locale", "pl")), utcnow())
    return attachment(body, "pdf", f"protokol-{stem(snap)}.pdf")
