"""Alembic: `upgrade head` on an empty database builds exactly the models' schema.

Each test gets a database of its own: a temporary SQLite file, or, when TEST_DATABASE_URL
is set, a PostgreSQL database with a random name, dropped afterwards (as conftest does
for the run's database).
"""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy.exc import IntegrityError
from support.migrations import NOW, alembic_config, insert, user

from workflow import models  # noqa: F401  (register every table)
from workflow.extensions import db


def schema_diff(url: str) -> list:
    engine = sa.create_engine(url, poolclass=sa.pool.NullPool)
    try:
        with engine.connect() as conn:
            context = MigrationContext.configure(conn, opts={"compare_type": True})
            return compare_metadata(context, db.metadata)
    finally:
        engine.dispose()


def table_names(url: str) -> set[str]:
    engine = sa.create_engine(url, poolclass=sa.pool.NullPool)
    try:
        return set(sa.inspect(engine).get_table_names())
    finally:
        engine.dispose()


def current_revision(url: str) -> str | None:
    engine = sa.create_engine(url, poolclass=sa.pool.NullPool)
    try:
        with engine.connect() as conn:
            return MigrationContext.configure(conn).get_current_revision()
    finally:
        engine.dispose()


MODEL_TABLES = set(db.metadata.tables)


def test_the_database_starts_empty(empty_url):
    assert table_names(empty_url) == set()


def test_upgrade_head_gives_exactly_the_models_schema(empty_url):
    command.upgrade(alembic_config(empty_url), "head")
    assert table_names(empty_url) == MODEL_TABLES | {"alembic_version"}
    head = ScriptDirectory.from_config(alembic_config(empty_url)).get_current_head()
    assert current_revision(empty_url) == head
    assert schema_diff(empty_url) == []


def test_one_head_and_a_linear_history():
    script = ScriptDirectory.from_config(alembic_config("sqlite://"))
    assert len(script.get_heads()) == 1
    bases = script.get_bases()
    assert len(bases) == 1


def test_downgrade_to_base_then_upgrade_again(empty_url):
    cfg = alembic_config(empty_url)
    command.upgrade(cfg, "head")
    command.downgrade(cfg, "base")
    assert table_names(empty_url) <= {"alembic_version"}
    assert current_revision(empty_url) is None
    command.upgrade(cfg, "head")
    assert table_names(empty_url) == MODEL_TABLES | {"alembic_version"}
    assert schema_diff(empty_url) == []


def test_the_diff_check_notices_a_missing_index(empty_url):
    """The comparison itself can fail: drop an index and it reports the difference."""
    command.upgrade(alembic_config(empty_url), "head")
    engine = sa.create_engine(empty_url, poolclass=sa.pool.NullPool)
    with engine.begin() as conn:
        conn.execute(sa.text("DROP INDEX IF EXISTS ix_path_transition_actor_id"))
    engine.dispose()
    diff = schema_diff(empty_url)
    assert diff and diff[0][0] == "add_index"


# --- constraints live in the migrated database, not only in the models -----------------------------


@pytest.fixture
def base_rows(migrated) -> dict[str, int]:
    with migrated.begin() as conn:
        applicant = insert(conn, "applicant", kind="town", name="Wałcz", voivodeship="zachodniopomorskie")
        programme = insert(conn, "programme", code="RL", title_pl="RL", title_en="RL",
                           path_code="rozwoj-lokalny", timezone="Europe/Warsaw")
        path = insert(conn, "path", programme_id=programme, applicant_id=applicant,
                      state="diagnosis.draft", version=1, created_at=NOW, updated_at=NOW)
        advisor = user(conn, "advisor@example.pl", "advisor")
        expert = user(conn, "expert@example.pl", "advisor")
        town = user(conn, "town@example.pl", "town", applicant)
    return {"applicant": applicant, "programme": programme, "path": path, "advisor": advisor,
            "expert": expert, "town": town}


def refused(engine: sa.Engine, statement) -> None:  # noqa: ANN001
    with pytest.raises(IntegrityError), engine.begin() as conn:
        statement(conn)


def test_a_town_user_without_an_applicant_is_refused(migrated, base_rows):
    refused(migrated, lambda c: user(c, "lonely-town@example.pl", "town", None))


def test_a_staff_user_with_an_applicant_is_refused(migrated, base_rows):
    refused(migrated, lambda c: user(c, "advisor2@example.pl", "advisor", base_rows["applicant"]))


def test_unknown_role_and_locale_are_refused(migrated, base_rows):
    refused(migrated, lambda c: user(c, "mayor@example.pl", "mayor"))
    refused(migrated, lambda c: user(c, "de@example.pl", "advisor", locale="de"))


def test_user_email_is_unique(migrated, base_rows):
    refused(migrated, lambda c: user(c, "advisor@example.pl", "coordinator"))


def test_unknown_applicant_kind_is_refused(migrated, base_rows):
    refused(migrated, lambda c: insert(c, "applicant", kind="city", name="X", voivodeship="x"))


def test_one_path_per_applicant_and_programme(migrated, base_rows):
    refused(migrated, lambda c: insert(
        c, "path", programme_id=base_rows["programme"], applicant_id=base_rows["applicant"],
        state="diagnosis.draft", version=1, created_at=NOW, updated_at=NOW))


def test_path_version_must_be_positive(migrated, base_rows):
    with migrated.begin() as conn:
        other = insert(conn, "applicant", kind="town", name="Olesno", voivodeship="opolskie")
    refused(migrated, lambda c: insert(
        c, "path", programme_id=base_rows["programme"], applicant_id=other,
        state="diagnosis.draft", version=0, created_at=NOW, updated_at=NOW))


def test_transition_seq_is_unique_per_path(migrated, base_rows):
    def record(conn: sa.Connection) -> int:
        return insert(conn, "path_transition", path_id=base_rows["path"], seq=1,
                      event="submit_diagnosis", from_state="diagnosis.draft",
                      to_state="diagnosis.submitted", actor_id=None, comment="", created_at=NOW)

    with migrated.begin() as conn:
        record(conn)
    refused(migrated, record)


def test_only_one_lead_advisor_per_path_but_experts_may_join(migrated, base_rows):
    with migrated.begin() as conn:
        finance = insert(conn, "expertise_field", code="finance", name_pl="Finanse",
                         name_en="Finance", active=True)
        planning = insert(conn, "expertise_field", code="planning", name_pl="Planowanie",
                          name_en="Planning", active=True)

    def assign(advisor: str, kind: str, field: int | None = None):  # noqa: ANN202
        return lambda c: insert(c, "advisor_assignment", path_id=base_rows["path"],
                                advisor_id=base_rows[advisor], kind=kind, field_id=field,
                                created_at=NOW)

    with migrated.begin() as conn:
        assign("advisor", "lead")(conn)
        assign("expert", "expert", finance)(conn)
    with migrated.begin() as conn:  # a third, unknown advisor as a second lead
        third = user(conn, "third@example.pl", "advisor")
    base_rows["third"] = third
    refused(migrated, assign("third", "lead"))
    refused(migrated, assign("third", "boss", finance))
    refused(migrated, assign("expert", "expert", planning))  # the same advisor twice
    refused(migrated, assign("third", "expert"))  # an expert without a field
    refused(migrated, assign("third", "expert", finance))  # a second expert for one field
    refused(migrated, assign("third", "lead", planning))  # a lead is not for a field
    with migrated.begin() as conn:
        assign("third", "expert", planning)(conn)


def test_document_checks_size_and_hash(migrated, base_rows):
    def document(size: int, digest: str):  # noqa: ANN202
        return lambda c: insert(c, "document", path_id=base_rows["path"], stage="diagnosis",
                                original_name="d.pdf", content_hash=digest, mime_type="application/pdf",
                                size_bytes=size, uploaded_by_id=base_rows["town"], uploaded_at=NOW)

    with migrated.begin() as conn:
        document(10, "a" * 64)(conn)
    refused(migrated, document(0, "b" * 64))
    refused(migrated, document(10, "short"))


def test_municipality_teryt_is_seven_characters_and_unique(migrated, base_rows):
    def municipality(teryt: str | None):  # noqa: ANN202
        return lambda c: insert(c, "municipality", name="Wałcz", voivodeship="z", teryt=teryt)

    with migrated.begin() as conn:
        municipality("3217011")(conn)
        municipality(None)(conn)
        municipality(None)(conn)
    refused(migrated, municipality("3217011"))
    refused(migrated, municipality("32170"))


def test_stage_deadline_once_per_programme_and_stage(migrated, base_rows):
    def deadline(conn: sa.Connection) -> int:
        return insert(conn, "stage_deadline", programme_id=base_rows["programme"], stage="prl",
                      due_at=NOW)

    with migrated.begin() as conn:
        deadline(conn)
    refused(migrated, deadline)


def test_upgrading_a_database_with_rows_keeps_them(empty_url):
    """Each revision must upgrade a database in use, not only an empty one (on SQLite a
    batch migration rebuilds tables that other rows reference)."""
    command.upgrade(alembic_config(empty_url), "0001")
    engine = sa.create_engine(empty_url, poolclass=sa.pool.NullPool)
    try:
        with engine.begin() as conn:
            applicant = insert(conn, "applicant", kind="town", name="Wałcz", voivodeship="zachodniopomorskie")
            programme = insert(conn, "programme", code="RL", title_pl="RL", title_en="RL",
                               path_code="rozwoj-lokalny", timezone="Europe/Warsaw")
            path = insert(conn, "path", programme_id=programme, applicant_id=applicant,
                          state="prl.draft", version=3, created_at=NOW, updated_at=NOW)
            advisor = user(conn, "advisor@example.pl", "advisor")
            insert(conn, "advisor_assignment", path_id=path, advisor_id=advisor, kind="lead",
                   created_at=NOW)
            insert(conn, "path_transition", path_id=path, seq=1, event="submit_diagnosis",
                   from_state="diagnosis.draft", to_state="diagnosis.submitted", actor_id=None,
                   comment="", created_at=NOW)
        command.upgrade(alembic_config(empty_url), "head")
        with engine.connect() as conn:
            assert conn.execute(sa.text("SELECT state, version FROM path")).all() == [("prl.draft", 3)]
            assert conn.execute(sa.text(
                "SELECT kind, field_id FROM advisor_assignment")).all() == [("lead", None)]
            assert conn.execute(sa.text("SELECT service_edit_days FROM programme")).scalar() == 14
            assert conn.execute(sa.text("SELECT count(*) FROM path_transition")).scalar() == 1
    finally:
        engine.dispose()
    assert schema_diff(empty_url) == []


def test_dated_rates_keep_the_rates_set_before_them(empty_url):
    """0030: the rates set before it are in force from 2000-01-01, so no value changes; going
    back keeps each kind's rate in force last."""
    command.upgrade(alembic_config(empty_url), "0029")
    engine = sa.create_engine(empty_url, poolclass=sa.pool.NullPool)
    try:
        with engine.begin() as conn:
            programme = insert(conn, "programme", code="CWD", title_pl="CWD", title_en="CWD",
                               path_code="cwd", timezone="Europe/Warsaw")
            coordinator = user(conn, "koordynator@example.pl", "coordinator")
            conn.execute(sa.text("INSERT INTO service_rate (programme_id, kind, hourly_rate, updated_at, "
                                 "updated_by_id) VALUES (:p, 'consultation', 350.5, :now, :u)"),
                         {"p": programme, "now": NOW, "u": coordinator})
        command.upgrade(alembic_config(empty_url), "head")
        with engine.begin() as conn:
            rows = conn.execute(sa.text(
                "SELECT kind, valid_from, hourly_rate, updated_by_id FROM service_rate"))
            assert [(k, str(d), float(r), u) for k, d, r, u in rows] == [
                ("consultation", "2000-01-01", 350.5, coordinator)]
            conn.execute(sa.text("INSERT INTO service_rate (programme_id, kind, valid_from, hourly_rate, "
                                 "updated_at) VALUES (:p, 'consultation', '2026-03-15', 400, :now)"),
                         {"p": programme, "now": NOW})
        command.downgrade(alembic_config(empty_url), "0029")
        with engine.connect() as conn:
            found = conn.execute(sa.text("SELECT hourly_rate FROM service_rate")).scalars()
            assert [float(r) for r in found] == [400.0]
    finally:
        engine.dispose()
