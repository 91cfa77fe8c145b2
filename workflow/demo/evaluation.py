"""The demo's second programme, RL-2019: the same 54 towns, every application submitted,
53 past the formal check and fully scored, so that a coordinator can rank, preview,
approve and announce straight away.

- Each of the 53 applications has two submitted sheets of the 12 demo evaluators (about
  nine sheets each), with points and a Polish justification per criterion. Four of them
  have totals more than 30 % apart, and a third sheet already submitted by a third
  evaluator; in three of those the third agrees with the first sheet, in one with the
  second.
- 29 applications reach 60 % on both parts (as the real committee's list did), one of
  them exactly at the threshold and one just below it; the best 15 ask for well under
  450 mln zł, so the programme's own settings award 15 and "--cap 54" a few more.
- The documents and the application's sign-off are written with bulk INSERTs; the history
  (plans accepted by the coordinator – the 2019 call had no advisors in the demo – the
  submissions, the formal check) is fired through the engine at its past moments, as the
  towns and the coordinator, so it obeys the path's rules and writes what any move writes.

Deterministic: one random.Random(SEED) drives every choice; moments are computed in UTC
from --today, so another --today shifts every moment by exactly that many days. The
module is longer than most because it carries its own justification phrases.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from sqlalchemy import insert, select

import states
from workflow.demo.parts import pdf_bytes, route_to
from workflow.evaluation import criteria, manual_assignment, scoring, sheets
from workflow.extensions import db
from workflow.messaging import notifications
from workflow.models import (
    Applicant,
    Criterion,
    Declaration,
    Document,
    EvaluatorAssignment,
    EvaluatorProfile,
    Path,
    Programme,
    Score,
    ScoreSheet,
    SheetPart,
    StageDeadline,
    StageSignoff,
    User,
)
from workflow.path import documents, transitions

CODE = "RL-2019"
SEED = 2019
ZONE = ZoneInfo("Europe/Warsaw")
BUDGET = Decimal("450000000.00")
CAP, THRESHOLD, DISCREPANCY = 15, 60, 30
# Appeals are allowed: the window opens when the coordinator announces the results.
APPEAL_DAYS, APPEAL_DECISION_DAYS = 14, 30
# RL-2020's evaluation: the deadline of its sheets, days after --today.
OPEN_SHEETS_DEADLINE_DAYS = 21
# The best 15 ask for at most this much, so that "--cap 54" funds a few more.
TOP15_LIMIT = Decimal("400000000.00")
AMOUNT_THOUSANDS = (10_000, 40_000)  # requests between 10 and 40 mln zł, in whole thousands
NOISE = 5  # one evaluator's part score: the application's level ± this many points
# Where the demo evaluators live or work: none of the 54 towns (no conflict).
HOMES = ("Kraków", "Gdańsk", "Lublin", "Bydgoszcz", "Gdynia", "Częstochowa", "Radom", "Toruń",
         "Rzeszów", "Gliwice", "Warszawa", "Poznań")
# Days before --today of each step of an application's history (plus an hour per town).
HISTORY = {"created": 420, "submit_diagnosis": 385, "accept_diagnosis": 378, "submit_prl": 305,
           "accept_prl": 298, "submit_pri": 225, "accept_pri": 218, "submit_application": 125,
           "pass_formal_check": 100, "reject_formal": 100}
DEADLINES = {"diagnosis": 370, "prl": 290, "pri": 210, "application": 110}
ASSIGNED, SHEETS_FROM, SHEETS_TO = 95, 90, 40
REJECTION = ("Wniosek nie spełnia wymogów formalnych: brak uchwały rady miasta o przyjęciu "
             "Planu Rozwoju Lokalnego, mimo wezwania do uzupełnienia.")
DOC_NAMES = {"diagnosis": "diagnoza", "prl": "plan-rozwoju-lokalnego",
             "pri": "plan-rozwoju-instytucjonalnego", "application": "wniosek"}

# --- the justifications ---------------------------------------------------------------------------

LEVELS = ("high", "mid", "low")
REMARKS: dict[str, tuple[str, str, str]] = {
    "I.1": ("Diagnoza oparta na aktualnych danych, trafnie wskazuje deficyty i potencjały miasta",
            "Diagnoza poprawna, ale część danych jest nieaktualna, a wnioski są zbyt ogólne",
            "Diagnoza powierzchowna, bez analizy danych i bez wskazania przyczyn problemów"),
    "I.2": ("Wizja i cele są jasne, mierzalne i wynikają wprost z diagnozy",
            "Cele sformułowano poprawnie, lecz części z nich brakuje wartości docelowych",
            "Cele są ogólnikowe i słabo powiązane z wynikami diagnozy"),
    "I.3": ("Projekty tworzą spójny pakiet, który odpowiada na zdiagnozowane problemy",
            "Większość projektów wynika z diagnozy, ale kilka z nich nie służy celom planu",
            "Lista projektów nie wynika z diagnozy i nie prowadzi do osiągnięcia celów"),
    "I.4": ("Mieszkańcy i organizacje realnie współtworzyli plan, a ich uwagi uwzględniono",
            "Konsultacje przeprowadzono, lecz opis nie pokazuje, jak wykorzystano uwagi",
            "Udział mieszkańców ograniczył się do formalnego ogłoszenia konsultacji"),
    "I.5": ("Budżet jest realistyczny, a źródła finansowania i wkład własny są zabezpieczone",
            "Budżet jest prawdopodobny, ale część źródeł finansowania nie jest potwierdzona",
            "Budżet jest niespójny, a źródła finansowania nie zostały wskazane"),
    "I.6": ("Wskaźniki, sposób monitorowania i reagowanie na ryzyka opisano konkretnie",
            "Wskaźniki określono, lecz brakuje opisu ryzyk i sposobów reagowania",
            "Brak wskaźników i systemu monitorowania realizacji planu"),
    "II.1": ("Diagnoza rzetelnie opisuje mocne i słabe strony urzędu oraz jednostek miejskich",
             "Diagnoza urzędu jest poprawna, ale pomija jednostki miejskie",
             "Diagnoza instytucji ogranicza się do opisu struktury organizacyjnej"),
    "II.2": ("Cele doskonalenia są konkretne i odpowiadają na słabości wskazane w diagnozie",
             "Cele są trafne, ale nie wszystkie dają się zmierzyć",
             "Cele nie odnoszą się do słabości instytucji wskazanych w diagnozie"),
    "II.3": ("Plan wyraźnie wzmacnia zarządzanie rozwojem i decyzje oparte na danych",
             "Zaproponowane zmiany w zarządzaniu są trafne, ale mało szczegółowe",
             "Plan nie wskazuje, jak urząd poprawi zarządzanie i planowanie strategiczne"),
    "II.4": ("Plan konkretnie poprawia dostępność usług publicznych, także elektronicznych",
             "Działania dotyczące usług są trafne, lecz bez harmonogramu wdrożenia",
             "Usługi publiczne i e-administracja zostały potraktowane marginalnie"),
    "II.5": ("Plan rozwija trwałą współpracę z gminami sąsiednimi, biznesem i organizacjami",
             "Współpraca jest zapowiedziana, ale bez wskazania partnerów i form działania",
             "Brak pomysłu na współpracę z otoczeniem urzędu"),
    "II.6": ("Urząd ma kompetencje i strukturę potrzebne do wdrożenia obu planów",
             "Zasoby kadrowe są wystarczające, ale plan szkoleń jest zbyt ogólny",
             "Wątpliwa zdolność urzędu do wdrożenia planów – brak zespołu i kompetencji"),
}
GENERIC = ("Kryterium spełnione w wysokim stopniu; opis jest konkretny i dobrze udokumentowany",
           "Kryterium spełnione częściowo; opis wymaga uzupełnienia i doprecyzowania",
           "Kryterium spełnione w niewielkim stopniu; opis jest ogólnikowy")
ADDENDA = {
    "high": ("Bardzo dobra część wniosku.", "Rozwiązania warte upowszechnienia.",
             "Zastrzeżeń brak.", "Opis przekonujący i dobrze udokumentowany."),
    "mid": ("Zalecane uzupełnienie przy wdrażaniu.", "Widać potencjał, ale brakuje szczegółów.",
            "Ocena obniżona za ogólnikowość części zapisów.", "Wymaga doprecyzowania."),
    "low": ("Poważne braki w tej części.", "Ocena niska ze względu na brak uzasadnienia.",
            "Zapisy wymagają gruntownej przebudowy.", "Część ta nie spełnia oczekiwań."),
}


def justification(rng: random.Random, code: str, points: int, max_points: int) -> str:
    """A Polish justification fitting the points given (always longer than 30 characters)."""
    share = points / max_points
    level = 0 if share >= 0.8 else 1 if share >= 0.6 else 2
    remark = REMARKS.get(code, GENERIC)[level]
    return f"{remark}. {rng.choice(ADDENDA[LEVELS[level]])}"


# --- planning the scores ----------------------------------------------------------------------------

@dataclass
class Application:
    index: int  # 0-based town number (town01 is 0)
    applicant_id: int
    name: str
    user_id: int
    kind: str  # the scoring category, or FAILS_FORMAL_CHECK
    amount: Decimal = Decimal(0)
    sheets: list[dict[str, int]] = field(default_factory=list)  # part code -> points
    evaluators: list[int] = field(default_factory=list)  # evaluator indices, sheet order


# The one application rejected at the formal check (it is never scored).
FAILS_FORMAL_CHECK = "fails_formal_check"
# Scoring categories of the 53 applications that passed the formal check:
# (kind, count): eligible on both parts; failing PRL, PRI or both; a discrepancy whose
# third sheet agrees with the first (eligible) or with the low second (not eligible);
# exactly at the threshold; half a point below it.
CATEGORIES = (("good", 25), ("third_confirms_first", 3), ("at_threshold", 1),
              ("fail_prl", 10), ("fail_pri", 7), ("fail_both", 5),
              ("third_confirms_second", 1), ("below_threshold", 1))
LEVEL_RANGES = {  # part code -> (low, high) of the application's level, per category
    "good": {"PRL": (73, 102), "PRI": (79, 112)},
    "fail_prl": {"PRL": (44, 59), "PRI": (79, 108)},
    "fail_pri": {"PRL": (73, 100), "PRI": (50, 64)},
    "fail_both": {"PRL": (44, 59), "PRI": (50, 64)},
}


def _noisy(rng: random.Random, level: dict[str, int], maxima: dict[str, int]) -> dict[str, int]:
    return {code: max(0, min(maxima[code], value + rng.randint(-NOISE, NOISE)))
            for code, value in level.items()}


def _plan_sheets(rng: random.Random, app: Application, maxima: dict[str, int]) -> None:
    kind = app.kind
    if kind in LEVEL_RANGES:
        level = {code: rng.randint(*bounds) for code, bounds in LEVEL_RANGES[kind].items()}
        app.sheets = [_noisy(rng, level, maxima), _noisy(rng, level, maxima)]
    elif kind == "third_confirms_first":  # the second evaluator scored far too low
        level = {"PRL": rng.randint(86, 100), "PRI": rng.randint(94, 110)}
        low = {code: round(v * 0.6) for code, v in level.items()}
        app.sheets = [_noisy(rng, level, maxima), low, _noisy(rng, level, maxima)]
    elif kind == "third_confirms_second":  # the first evaluator scored far too high
        level = {"PRL": rng.randint(56, 62), "PRI": rng.randint(60, 66)}
        high = {"PRL": min(maxima["PRL"], level["PRL"] + 38), "PRI": min(maxima["PRI"], level["PRI"] + 40)}
        app.sheets = [high, _noisy(rng, level, maxima), _noisy(rng, level, maxima)]
    elif kind == "at_threshold":  # PRL (65 + 67) / 2 = 66.0 = 60 % of 110
        pri = rng.randint(85, 100)
        app.sheets = [{"PRL": 65, "PRI": pri}, {"PRL": 67, "PRI": pri + 4}]
    elif kind == "below_threshold":  # PRL (65 + 66) / 2 = 65.5 < 66
        pri = rng.randint(90, 105)
        app.sheets = [{"PRL": 66, "PRI": pri + 3}, {"PRL": 65, "PRI": pri}]
    totals = [sum(s.values()) for s in app.sheets]
    far = scoring.differ_too_much(totals[0], totals[1], DISCREPANCY)
    assert far == (len(app.sheets) == 3), (app.name, kind, totals)  # noqa: S101


def _split(rng: random.Random, total: int, maxima: list[int]) -> list[int]:
    """`total` points over criteria of these maxima: in proportion, then a few points moved."""
    whole = sum(maxima)
    raw = [total * m / whole for m in maxima]
    points = [int(r) for r in raw]
    for i in sorted(range(len(raw)), key=lambda i: (points[i] - raw[i], i))[: total - sum(points)]:
        points[i] += 1
    for _ in range(3):
        i, j = rng.sample(range(len(maxima)), 2)
        step = rng.randint(1, 2)
        if points[i] - step >= 0 and points[j] + step <= maxima[j]:
            points[i] -= step
            points[j] += step
    return points


def _final(app: Application, maxima: dict[str, int]) -> tuple[bool, Decimal, dict[str, Decimal]]:
    """(eligible, total, parts) as the ranking will find them (only to shape the demo)."""
    sheets = [scoring.SheetTotals(str(e), s) for e, s in zip(app.evaluators, app.sheets, strict=True)]
    final = scoring.final_score(sheets, DISCREPANCY)
    assert final.complete and final.total is not None  # noqa: S101
    eligible = all(100 * final.parts[c] >= THRESHOLD * maxima[c] for c in maxima)
    return eligible, final.total, final.parts


def _shape_amounts(rng: random.Random, apps: list[Application], maxima: dict[str, int]) -> None:
    """Requests between 10 and 40 mln; then the best 15 are kept under TOP15_LIMIT by
    swapping their largest request with the smallest one below them."""
    for app in apps:
        app.amount = Decimal(rng.randint(*AMOUNT_THOUSANDS) * 1000).quantize(Decimal("0.01"))
    ranked = []
    for app in apps:
        if app.kind == FAILS_FORMAL_CHECK:
            continue
        eligible, total, parts = _final(app, maxima)
        if eligible:
            ranked.append((-total, -parts["PRL"], -parts["PRI"], app.index, app))
    ranked.sort(key=lambda r: r[:4])
    top = [r[-1] for r in ranked[:CAP]]
    rest = [a for a in apps if all(a is not t for t in top)]
    while sum(a.amount for a in top) > TOP15_LIMIT:
        big = max(top, key=lambda a: (a.amount, a.index))
        small = min(rest, key=lambda a: (a.amount, a.index))
        if big.amount <= small.amount:
            raise RuntimeError("the demo's best 15 cannot fit under TOP15_LIMIT")
        big.amount, small.amount = small.amount, big.amount


def _pair_evaluators(rng: random.Random, apps: list[Application], n_evaluators: int) -> None:
    """Two different regular evaluators per application, 8 or 9 sheets each; a third
    (the least loaded of the others) where the sheets differ too much."""
    scored = [a for a in apps if a.kind != FAILS_FORMAL_CHECK]
    slots_needed = 2 * len(scored)
    base, extra = divmod(slots_needed, n_evaluators)
    lucky = set(rng.sample(range(n_evaluators), extra))
    slots = [e for e in range(n_evaluators) for _ in range(base + (e in lucky))]
    rng.shuffle(slots)
    for j in range(0, len(slots), 2):  # repair a pair with the same evaluator twice
        if slots[j] == slots[j + 1]:
            k = next(k for k in range(len(slots)) if k // 2 != j // 2 and slots[k] != slots[j]
                     and slots[k ^ 1] != slots[j])
            slots[j + 1], slots[k] = slots[k], slots[j + 1]
    load = [0] * n_evaluators
    for j, app in enumerate(scored):
        app.evaluators = [slots[2 * j], slots[2 * j + 1]]
        for e in app.evaluators:
            load[e] += 1
    for app in scored:
        if len(app.sheets) == 3:
            third = min((e for e in range(n_evaluators) if e not in app.evaluators),
                        key=lambda e: (load[e], e))
            app.evaluators.append(third)
            load[third] += 1


def plan(apps: list[Application], maxima: dict[str, int], n_evaluators: int,
         rng: random.Random) -> None:
    """Categories, sheets, evaluators and amounts for the applications (no database)."""
    kinds = [kind for kind, count in CATEGORIES for _ in range(count)]
    rejected = rng.randrange(1, len(apps))  # never town01
    others = [a for a in apps if a.index not in (0, rejected)]
    kinds.remove("third_confirms_first")  # town01: three sheets, a high score
    rng.shuffle(kinds)
    apps[0].kind = "third_confirms_first"
    apps[rejected].kind = FAILS_FORMAL_CHECK
    for app, kind in zip(others, kinds, strict=True):
        app.kind = kind
    for app in apps:
        if app.kind != FAILS_FORMAL_CHECK:
            _plan_sheets(rng, app, maxima)
    _pair_evaluators(rng, apps, n_evaluators)
    _shape_amounts(rng, apps, maxima)


# --- writing ----------------------------------------------------------------------------------------

def _at(today: date, days_before: int, hours: int = 0) -> datetime:
    """A moment `days_before` days before `today` (08:00 UTC), plus `hours`, in UTC."""
    anchor = datetime.combine(today, time(8, 0), tzinfo=UTC)
    return anchor - timedelta(days=days_before) + timedelta(hours=hours)


def _ids(table: object, rows: list[dict]) -> list[int]:
    statement = insert(table).returning(table.c.id, sort_by_parameter_order=True)  # type: ignore[attr-defined]
    return list(db.session.scalars(statement, rows))


def seed_evaluation(today: date) -> Programme | None:
    """Create RL-2019 once (None if it exists); commits."""
    if db.session.scalar(select(Programme.id).where(Programme.code == CODE)):
        return None
    definition = states.get_definition("rozwoj-lokalny")
    programme = Programme(code=CODE, title_pl="Rozwój Lokalny 2019", title_en="Local Development 2019",
                          path_code=definition.code, timezone="Europe/Warsaw", budget=BUDGET,
                          winners_cap=CAP, threshold_pct=THRESHOLD, policy="strict",
                          discrepancy_pct=DISCREPANCY, evaluators_per_application=2,
                          appeal_days=APPEAL_DAYS, appeal_decision_days=APPEAL_DECISION_DAYS)
    db.session.add(programme)
    db.session.flush()
    for stage, days in DEADLINES.items():
        due = datetime.combine(today - timedelta(days=days), time(23, 59), tzinfo=ZONE)
        db.session.add(StageDeadline(programme_id=programme.id, stage=stage, due_at=due))
    db.session.commit()
    parts = criteria.ensure_sheet(programme)
    maxima = {p.code: sum(c.max_points for c in p.criteria) for p in parts}

    coordinator_id = db.session.scalar(select(User.id).where(User.role == "coordinator").order_by(User.id))
    evaluator_ids = list(db.session.scalars(
        select(User.id).where(User.role == "evaluator", User.email.like("evaluator%@demo.sciezka.pl"))
        .order_by(User.email)))
    towns = db.session.execute(
        select(Applicant.id, Applicant.name, User.id).join(User, User.applicant_id == Applicant.id)
        .where(User.email.like("town%@demo.sciezka.pl")).order_by(User.email)).all()
    rng = random.Random(SEED)  # noqa: S311  (a fixed demo order, not security)
    apps = [Application(i, aid, name, uid, "") for i, (aid, name, uid) in enumerate(towns)]
    plan(apps, maxima, len(evaluator_ids), rng)

    files: list[documents.Incoming] = []
    path_ids = _write_paths(programme, apps, today, coordinator_id, files)
    _write_evaluation(programme, apps, path_ids, parts, evaluator_ids, coordinator_id, today, rng)
    db.session.commit()
    for incoming in files:  # into the store once their rows have committed, as an upload
        documents.move_in(incoming)
    notifications.dispatch()  # what the history's moves told the towns
    return programme


def _write_paths(programme: Programme, apps: list[Application], today: date,
                 coordinator_id: int, files: list[documents.Incoming]) -> list[int]:
    """Paths, their documents and the application's sign-off (bulk INSERTs), then the
    history, fired through the engine (see _fire_history). The documents' files are written
    to the temporary folder and added to `files`, for the caller to move in after commit."""
    definition = states.get_definition(programme.path_code)
    routes = {failed: route_to(definition, target) for failed, target in (
        (False, definition.evaluation_states[0]), (True, definition.phases.rejected[0]))}
    path_rows, plans = [], []
    for app in apps:
        events = routes[app.kind == FAILS_FORMAL_CHECK]
        moments = [_at(today, HISTORY[e], app.index) for e in events]
        state = definition.initial
        history = []
        for event, when in zip(events, moments, strict=True):
            transition = definition.transition_from(state, event)
            assert transition is not None  # noqa: S101
            actor = app.user_id if "applicant" in transition.roles else coordinator_id
            history.append({"event": event, "actor_id": actor,
                            "comment": REJECTION if transition.comment_required else "",
                            "created_at": when, "stage": definition.state(state).stage,
                            "guards": transition.guards})
            state = transition.target
        plans.append(history)
        created = _at(today, HISTORY["created"], app.index)
        path_rows.append({"programme_id": programme.id, "applicant_id": app.applicant_id,
                          "state": definition.initial, "version": 1, "created_at": created,
                          "updated_at": created, "requested_amount": app.amount})
    path_ids = _ids(Path.__table__, path_rows)

    doc_rows, doc_keys = [], []
    for app, pid, history in zip(apps, path_ids, plans, strict=True):
        for record in history:
            if "document_attached" not in record["guards"]:
                continue
            stage, name = record["stage"], DOC_NAMES[record["stage"]]
            content = pdf_bytes(f"{app.name} - {name} 2019 (demo RL-2019, path {pid})")
            files.append(documents.write_incoming(content))
            doc_rows.append({"path_id": pid, "stage": stage, "original_name": f"{name}.pdf",
                             "content_hash": files[-1].digest, "mime_type": "application/pdf",
                             "size_bytes": len(content), "uploaded_by_id": app.user_id,
                             "uploaded_at": record["created_at"] - timedelta(days=2)})
            doc_keys.append((pid, record))
    doc_ids = _ids(Document.__table__, doc_rows)
    signoffs = [{"path_id": pid, "stage": record["stage"], "document_id": did, "advisor_id": coordinator_id,
                 "created_at": record["created_at"] - timedelta(days=1)}
                for did, (pid, record) in zip(doc_ids, doc_keys, strict=True)
                if "advisor_signed_off" in record["guards"]]
    db.session.execute(insert(StageSignoff.__table__), signoffs)
    _fire_history(path_ids, plans)
    return path_ids


def _fire_history(path_ids: list[int], plans: list[list[dict]]) -> None:
    """Fire each path's planned events through the engine at their past moments, as the
    town or the coordinator, step by step over all paths (a flush after each step: every
    transition is one version of its path). Uncommitted: seed_evaluation commits."""
    paths = {p.id: p for p in db.session.scalars(select(Path).where(Path.id.in_(path_ids)))}
    actors = {u.id: u for u in db.session.scalars(select(User).where(
        User.id.in_({r["actor_id"] for history in plans for r in history})))}
    for step in range(max(len(history) for history in plans)):
        for pid, history in zip(path_ids, plans, strict=True):
            if step < len(history):
                r = history[step]
                transitions.fire(paths[pid], r["event"], actors[r["actor_id"]], r["comment"],
                                 now=r["created_at"], commit=False)
        db.session.flush()


def _write_evaluation(programme: Programme, apps: list[Application], path_ids: list[int],
                      parts: list[SheetPart], evaluator_ids: list[int], coordinator_id: int,
                      today: date, rng: random.Random) -> None:
    """Evaluators' profiles, assignments with declarations, submitted sheets and scores."""
    known = set(db.session.scalars(select(EvaluatorProfile.user_id)))
    profiles = [{"user_id": uid, "advisor_account_id": None, "municipality_name": HOMES[i % len(HOMES)]}
                for i, uid in enumerate(evaluator_ids) if uid not in known]
    if profiles:
        db.session.execute(insert(EvaluatorProfile.__table__), profiles)

    assignments, sheets = [], []
    for app, pid in zip(apps, path_ids, strict=True):
        if app.kind == FAILS_FORMAL_CHECK:
            continue
        submitted = []
        for k, (e, _) in enumerate(zip(app.evaluators, app.sheets, strict=True)):
            if k < 2:
                assigned = _at(today, ASSIGNED, app.index)
                done = _at(today, rng.randint(SHEETS_TO, SHEETS_FROM), rng.randint(8, 17))
            else:  # assigned the day after the later of the first two sheets
                assigned = max(submitted) + timedelta(days=1)
                done = min(assigned + timedelta(days=rng.randint(5, 15)), _at(today, 3))
            submitted.append(done)
            assignments.append({"path_id": pid, "evaluator_id": evaluator_ids[e],
                                "role": "regular" if k < 2 else "third", "source": "demo",
                                "declaration": "impartial", "conflict_type": None, "conflict_note": "",
                                "declared_at": assigned + timedelta(hours=rng.randint(2, 30)),
                                "created_at": assigned, "created_by_id": coordinator_id})
            started = assigned + timedelta(days=1, hours=rng.randint(1, 8))
            sheets.append({"status": "submitted", "created_at": started, "updated_at": done,
                           "submitted_at": done, "version": 1, "_points": app.sheets[k]})
    assignment_ids = _ids(EvaluatorAssignment.__table__, assignments)
    for sheet, aid in zip(sheets, assignment_ids, strict=True):
        sheet["assignment_id"] = aid
    sheet_ids = _ids(ScoreSheet.__table__, [{k: v for k, v in s.items() if not k.startswith("_")}
                                            for s in sheets])
    scores = []
    for sheet, sid in zip(sheets, sheet_ids, strict=True):
        for part in parts:
            crits: list[Criterion] = list(part.criteria)
            points = _split(rng, sheet["_points"][part.code], [c.max_points for c in crits])
            scores += [{"sheet_id": sid, "criterion_id": c.id, "points": p,
                        "justification": justification(rng, c.code, p, c.max_points)}
                       for c, p in zip(crits, points, strict=True)]
    db.session.execute(insert(Score.__table__), scores)


# --- RL-2020: sheets still to fill -----------------------------------------------------------------

# Which application's sheet is already worked on: its index -> (which of its two evaluators,
# submitted or only a draft). With seven applications and twelve evaluators, evaluator01 and
# evaluator02 have two applications each; each of them submitted one sheet and still has one.
WORKED = {0: (0, True), 6: (1, True), 2: (0, False)}

def seed_open_sheets(programme: Programme, coordinator: User, today: date) -> int:
    """RL-2020's applications in merit evaluation get two of the demo evaluators each, so that
    the evaluator's journey can be tried: every evaluator has at least one application still to
    declare and score. Two sheets are submitted (by the two evaluators who have two
    applications, one each) and one is a saved draft. Returns how many assignments were
    made; commits."""
    definition = states.get_definition(programme.path_code)
    paths = list(db.session.scalars(
        select(Path).where(Path.programme_id == programme.id, Path.state.in_(definition.evaluation_states))
        .order_by(Path.id)))
    evaluators = list(db.session.scalars(
        select(User).where(User.role == "evaluator", User.email.like("evaluator%@demo.sciezka.pl"))
        .order_by(User.email)))
    if not paths or len(evaluators) < 2:
        return 0
    programme.evaluation_deadline = datetime.combine(today + timedelta(days=OPEN_SHEETS_DEADLINE_DAYS),
                                                     time(23, 59), tzinfo=ZONE)
    db.session.commit()
    parts = criteria.parts_of(programme)
    rng = random.Random(SEED + 1)  # noqa: S311  (a fixed demo order, not security)
    made = 0
    for i, path in enumerate(paths):
        # Every moment from --today, as in the rest of the demo (the same seed, the same rows).
        assigned, worked = _at(today, 6, i), _at(today, 2, i)
        pair = [evaluators[(2 * i) % len(evaluators)], evaluators[(2 * i + 1) % len(evaluators)]]
        rows = [manual_assignment.assign(path, e, coordinator) for e in pair]
        for row in rows:
            row.created_at = assigned
        db.session.commit()
        made += len(rows)
        work = WORKED.get(i)
        if work is not None:
            who, submit = work
            first = sheets.declare(rows[who], Declaration.IMPARTIAL, now=worked)
            sheet = sheets.get_or_create_draft(first)
            sheet.created_at = sheet.updated_at = worked
            db.session.commit()
            criteria_list = [c for p in parts for c in p.criteria]
            if not submit:  # a draft: half of the criteria scored
                criteria_list = criteria_list[: len(criteria_list) // 2]
            values = {}
            for c in criteria_list:
                points = max(0, min(c.max_points, round(c.max_points * rng.uniform(0.55, 0.9))))
                values[c.id] = sheets.ScoreInput(points, justification(rng, c.code, points, c.max_points))
            sheets.save(sheet, values, submit=submit, expected_version=sheet.version, now=worked)
    notifications.dispatch()
    return made
