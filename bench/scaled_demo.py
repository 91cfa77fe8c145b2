"""The demo scaled: seeded by its own seed (`workflow.demo.seed`), then every town's rows
copied so that the same two programmes hold 54 × factor towns.

    python bench/scaled_demo.py --factor 10 --out /tmp/demo540.sqlite3
    python bench/scaled_demo.py --factor 10 --url postgresql+psycopg://postgres@127.0.0.1:5432/demo540

The seed runs once (about a minute: it fires every transition through the engine); the copies
are bulk INSERTs (seconds). Each copy k = 1 … factor-1 repeats every row that belongs to a
town, a person or an account, with its id and every foreign key moved by k × the table's
largest id, so that a copied town has its own path, documents, history, advisors (their
copies), evaluators' sheets, services and participants. What a programme has once is not
copied: the programmes, their deadlines, fields and criteria, and the coordinator (a copied
row pointing at the coordinator keeps pointing at them). Names and logins stay readable:
town55@ … town540@, advisor75@ … advisor740@, evaluator13@ … evaluator120@, and the copies'
towns are "Ostrzeszów 2" … "Ostrzeszów 10"; what is unique on its own and would be repeated (a
gmina's TERYT code and territorial unit) is left empty in the copies. The services report's
maintained totals are rebuilt afterwards (decision 0029). Not copied: the audit log (its object
ids are not foreign keys) and the accounts' secrets (invitations, reset tokens, recovery codes,
calendar feeds); the copied messages keep their links to the demo's own pages.

With `announce`, RL-2019's official ranking is run and announced afterwards through the
ranking operations, so that the public results have something to show.

bench/pages.py builds its 540-town database with this; `build()` is the function to call.
"""

from __future__ import annotations

import argparse
import re
import sys
import time
from datetime import date
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path[:0] = [str(ROOT), str(ROOT / "tests")]

import sqlalchemy as sa  # noqa: E402
from alembic import command  # noqa: E402
from support.migrations import alembic_config  # noqa: E402

from workflow.extensions import db  # noqa: E402

# Rows a programme has once, kept as they are (the coordinator is kept by role, below).
SHARED = frozenset({"programme", "stage_deadline", "expertise_field", "sheet_part", "criterion",
                    "notification_template", "ranking_snapshot", "alembic_version", "evaluation_revision",
                    "service_rate", "name_revision"})
# Rebuilt from the copied log afterwards (decision 0029).
DERIVED = frozenset({"service_total", "service_total_person", "service_total_revision"})
# Not copied: references that are not foreign keys (audit_event.object_id), the accounts'
# secrets (unique token hashes), and the indicator base with the cities' questionnaires, groups,
# comments and exchange groups with their plans (decisions 0032, 0037–0039, 0042), which belong
# to no town of a programme.
SKIPPED = frozenset({"audit_event", "reminder_claim", "calendar_feed", "invitation", "password_reset_token",
                     "recovery_code", "territorial_unit", "unit_boundary", "indicator",
                     "indicator_version", "monitoring_variable", "variable_value", "value_source",
                     "value_revision", "document_check", "login_attempt", "export_job",
                     "exchange_group", "exchange_group_city", "exchange_delegate", "exchange_meeting",
                     "meeting_attendance", "satisfaction_survey", "improvement_plan", "plan_action",
                     "plan_target", "questionnaire", "questionnaire_answer", "questionnaire_publication",
                     "value_comment", "unit_group", "unit_group_member"})
KEPT_ROLES = ("coordinator",)
DEMO_LOGIN = re.compile(r"^(town|advisor|evaluator)(\d+)@(.+)$")
NAMED = {"applicant": ("name",), "municipality": ("name",)}
RENAMED = {"user_account": {"email"}}  # unique, and written anew for each copy (_rename)
BATCH = 5000


def seed_demo(url: str, instance: Path, today: date | None = None) -> None:
    """Migrate the empty database at `url` and seed the demo into it (password 'demo')."""
    from workflow.demo.seed import DEFAULT_PASSWORD, seed

    command.upgrade(alembic_config(url), "head")
    app = _app(url, instance)
    with app.app_context():
        created, _logins = seed(DEFAULT_PASSWORD, today)
        if not created:
            raise RuntimeError(f"{url} already holds the demo")
        db.session.remove()
        db.engine.dispose()


def scale(factor: int) -> dict[str, int]:
    """Copy every town's rows factor-1 times (in an app context). Returns rows added per table."""
    if factor < 2:
        return {}
    added: dict[str, int] = {}
    strides: dict[str, int] = {}
    kept: dict[str, set[int]] = {}
    with db.engine.begin() as conn:
        users = sa.table("user_account", sa.column("id"), sa.column("role"))
        kept["user_account"] = set(conn.scalars(sa.select(users.c.id).where(users.c.role.in_(KEPT_ROLES))))
        counts = _demo_counts(conn)
        for table in db.metadata.sorted_tables:
            if table.name in SHARED | DERIVED | SKIPPED:
                continue
            rows = [dict(r) for r in conn.execute(sa.select(table)).mappings()]
            if not rows:
                continue
            own = _own_id(table)
            if own is not None:
                strides[table.name] = max(r[own] for r in rows)
            if table.name in kept:
                rows = [r for r in rows if r[own] not in kept[table.name]]
            links = {c.name: _origin(c) for c in table.columns if c.foreign_keys}
            emptied = _unique_kept(table, own, links, strides) - RENAMED.get(table.name, set())
            copies: list[dict[str, Any]] = []
            for k in range(1, factor):
                for row in rows:
                    new = dict(row)
                    if own is not None:
                        new[own] = row[own] + k * strides[table.name]
                    for column, target in links.items():
                        value = row[column]
                        if value is None or target not in strides or value in kept.get(target, ()):
                            continue
                        new[column] = value + k * strides[target]
                    _rename(table.name, new, k, counts)
                    for column in emptied:
                        new[column] = None
                    copies.append(new)
            for start in range(0, len(copies), BATCH):
                conn.execute(table.insert(), copies[start:start + BATCH])
            added[table.name] = len(copies)
        if conn.dialect.name == "postgresql":
            for name in strides:
                conn.execute(sa.text(f"SELECT setval(pg_get_serial_sequence('{name}', 'id'), "
                                     f"(SELECT max(id) FROM \"{name}\"))"))
    return added


def _unique_kept(table: sa.Table, own: str | None, links: dict[str, str],
                 strides: dict[str, int]) -> set[str]:
    """The columns unique on their own whose value a copy would repeat (neither its own id nor
    a key moved with a copied row): a municipality's TERYT code and territorial unit. A copy
    leaves them empty (a copied town is no real gmina); one that may not be empty stops the
    build, rather than a copy that breaks a constraint."""
    single = {c.name for c in table.columns if c.unique}
    single |= {next(iter(con.columns)).name for con in table.constraints
               if isinstance(con, sa.UniqueConstraint) and len(con.columns) == 1}
    single |= {next(iter(ix.columns)).name for ix in table.indexes
               if ix.unique and len(ix.columns) == 1 and not any(
                   ix.dialect_kwargs.get(f"{d}_where") is not None for d in ("sqlite", "postgresql"))}
    kept = {name for name in single if name != own and not (name in links and links[name] in strides)}
    for name in kept - RENAMED.get(table.name, set()):
        if not table.c[name].nullable:
            raise RuntimeError(f"{table.name}.{name} is unique and may not be empty: say how to copy it")
    return kept


def _own_id(table: sa.Table) -> str | None:
    """The table's own integer id (moved by each copy), or None when its key is a foreign
    key or a combination of them (moved with what it points at)."""
    key = list(table.primary_key.columns)
    if len(key) == 1 and not key[0].foreign_keys and isinstance(key[0].type, sa.Integer):
        return key[0].name
    return None


def _origin(column: sa.Column) -> str:
    """The table whose own id a foreign key holds in the end (advisor_expertise.advisor_id →
    advisor_profile.user_id → user_account.id)."""
    while column.foreign_keys:
        column = next(iter(column.foreign_keys)).column
    return column.table.name


def _demo_counts(conn: sa.Connection) -> dict[str, int]:
    """How many demo logins of each kind there are (54 towns, 74 advisors, 12 evaluators)."""
    counts: dict[str, int] = {}
    for email in conn.scalars(sa.text("SELECT email FROM user_account")):
        match = DEMO_LOGIN.match(email)
        if match:
            counts[match[1]] = max(counts.get(match[1], 0), int(match[2]))
    return counts


def _rename(table: str, row: dict[str, Any], k: int, counts: dict[str, int]) -> None:
    """What must differ between copies: logins (unique), and the towns' names (readable)."""
    if table == "user_account":
        match = DEMO_LOGIN.match(row["email"])
        if match:
            row["email"] = f"{match[1]}{int(match[2]) + k * counts[match[1]]:02d}@{match[3]}"
        else:
            local, _, domain = row["email"].partition("@")
            row["email"] = f"{local}.{k + 1}@{domain}"
        if row["role"] == "town":
            row["name"] = f"{row['name']} {k + 1}"
    for column in NAMED.get(table, ()):
        row[column] = f"{row[column]} {k + 1}"
    if table == "applicant":
        from workflow.text import sort_key

        row["sort_key"] = sort_key(row["name"])


def rebuild_totals() -> None:
    from workflow.advice import service_totals

    with db.engine.begin() as conn:
        service_totals.rebuild(conn=conn)
    from workflow.evaluation import summary

    summary.rebuild()  # the evaluation overview's lines (decision 0035)
    db.session.commit()


def announce(code: str = "RL-2019") -> None:
    """Run and announce the programme's official ranking, as its coordinator would."""
    from workflow.models import Programme, Role, User
    from workflow.ranking import runs

    programme = db.session.scalar(sa.select(Programme).where(Programme.code == code))
    coordinator = db.session.scalar(sa.select(User).where(User.role == Role.COORDINATOR).order_by(User.id))
    official = runs.run(programme, coordinator, kind="official")
    runs.announce(official, coordinator)


def build(url: str, instance: Path, factor: int, *, results: bool = True, today: date | None = None,
          say: Any = print) -> None:
    """The demo at `url` (an empty database), scaled by `factor`, RL-2019 announced if `results`."""
    started = time.perf_counter()
    seed_demo(url, instance, today)
    say(f"  demo seeded in {time.perf_counter() - started:.0f} s")
    app = _app(url, instance)
    with app.app_context():
        started = time.perf_counter()
        added = scale(factor)
        rebuild_totals()
        if added:
            say(f"  ×{factor}: {sum(added.values()):,} rows copied in {time.perf_counter() - started:.0f} s")
        if results:
            announce()
        db.session.remove()
        db.engine.dispose()


def _app(url: str, instance: Path):  # noqa: ANN202
    from support import app_for_tests

    return app_for_tests(url, instance, TESTING=False)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--factor", type=int, default=10)
    target = parser.add_mutually_exclusive_group(required=True)
    target.add_argument("--out", type=Path, help="an SQLite file to create")
    target.add_argument("--url", help="an empty database (PostgreSQL or SQLite URL)")
    parser.add_argument("--no-results", action="store_true", help="do not announce RL-2019's ranking")
    args = parser.parse_args()
    if args.out is not None:
        if args.out.exists():
            parser.error(f"{args.out} exists")
        url = f"sqlite:///{args.out.resolve()}"
        instance = args.out.resolve().parent / (args.out.stem + "-instance")
    else:
        url, instance = args.url, Path.cwd() / "instance-scaled-demo"
    build(url, instance, args.factor, results=not args.no_results)
    print(url)


if __name__ == "__main__":
    main()
