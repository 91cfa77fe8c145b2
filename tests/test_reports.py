"""The services report, checked against a log of our own: a small deterministic generator
writes services, participants and studies, and every number of the report is computed
again here, in Python, from the generator's own lists (never from the database).

The log has four towns (two of them sort differently in Polish than by code point), four
advisors, three fields, drafts that must count nowhere, a person who attends services in
several towns (counted once in the programme), a person seen only in drafts, studies on
consultations and on study services, months on both sides of a new year with a month
without services between them, and a second programme whose services must not leak in.
"""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from factories.path import make_programme, make_town
from factories.services_log import (
    ADVISORS,
    DRAFT_ONLY,
    MONTHS,
    SHARED,
    TOWNS,
    Log,
    build_log,
    expected,
    expected_by,
    generate,
)
from openpyxl import load_workbook

from workflow import tabular
from workflow.advice import reports
from workflow.advice.reports import Filters, Scope
from workflow.extensions import db
from workflow.models import Person, Service


def measured(m: reports.Metrics) -> dict[str, int]:
    return {name: getattr(m, name) for name in expected([])}


@pytest.fixture
def log(world) -> Log:
    services = generate(120)
    built = build_log(world, services)
    # Another programme's logged services, with people of its own, count nowhere here.
    other = make_programme("RL-OTHER")
    path = make_town(other, "Kolno")
    db.session.flush()
    stranger = Person(applicant_id=path.applicant_id, name="Obcy Uczestnik")
    db.session.add(stranger)
    db.session.flush()
    service = Service(path_id=path.id, advisor_id=built.advisors["lech"], field_id=built.fields["env"],
                      kind="workshop", held_on=date(2019, 12, 5), duration_minutes=60, topic="Obcy",
                      status="logged", logged_at=datetime(2020, 1, 1, tzinfo=UTC))
    service.participants.append(stranger)
    db.session.add(service)
    db.session.commit()
    return built


# --- tests ------------------------------------------------------------------------------------

def test_the_generated_log_has_the_cases_it_is_meant_to_have(log):
    logged = [s for s in log.services if s.status == "logged"]
    drafts = [s for s in log.services if s.status == "draft"]
    assert drafts and any(s.people for s in drafts) and any(s.studies for s in drafts)
    assert len({s.town for s in logged if SHARED in s.people}) >= 3  # one person, several towns
    assert DRAFT_ONLY not in {p for s in logged for p in s.people}
    assert any(s.studies for s in logged if s.kind == "consultation")
    assert any(s.studies for s in logged if s.kind == "study")
    assert {(s.held_on.year, s.held_on.month) for s in logged} == set(MONTHS)


def test_totals_are_the_generators_numbers(log):
    totals = reports.totals(log.programme)
    want = expected(log.services)
    assert measured(totals) == want
    assert totals.seed_table() == {k: want[k] for k in ("services", "consultations", "workshops",
                                                         "studies", "participations", "people")}
    assert abs(totals.hours - Decimal(want["minutes"]) / 60) <= Decimal("0.05")
    # The drafts are in the database and were not counted.
    assert db.session.query(Service).count() == len(log.services) + 1


def test_breakdown_by_town_in_polish_order_with_a_person_counted_once_in_the_total(log):
    rows = reports.by_town(log.programme)
    want = expected_by(log.services, lambda s: s.town)
    assert [r.label for r in rows] == ["Łobez", "Ostrzeszów", "Wałcz", "Zduny"]
    assert {r.key for r in rows} == {log.paths[t] for t in want}
    for r in rows:
        town = next(t for t, pid in log.paths.items() if pid == r.key)
        assert measured(r) == want[town], town
    # Janina attends in several towns: she is one of each town's people, and one in total.
    assert sum(r.people for r in rows) > reports.totals(log.programme).people
    assert sum(r.services for r in rows) == reports.totals(log.programme).services


def test_breakdown_by_advisor_and_by_field(log):
    rows = reports.by_advisor(log.programme)
    assert [r.label for r in rows] == ["Lech Nowak", "Łucja Zielińska", "Zbigniew Adamski", "Żaneta Ćwik"]
    want = expected_by(log.services, lambda s: s.advisor)
    ids = {v: k for k, v in log.advisors.items()}
    assert {ids[r.key]: measured(r) for r in rows} == want
    fields = reports.by_field(log.programme)
    assert [r.label for r in fields] == ["Finanse publiczne", "Planowanie przestrzenne", "Środowisko"]
    want = expected_by(log.services, lambda s: s.field)
    ids = {v: k for k, v in log.fields.items()}
    assert {ids[r.key]: measured(r) for r in fields} == want
    assert [r.label for r in reports.by_field(log.programme, locale="en")] == ["Env", "Finance", "Planning"]


def test_months_group_across_the_new_year_in_order(log):
    rows = reports.by_month(log.programme)
    assert [r.key for r in rows] == ["2019-11", "2019-12", "2020-02"]
    assert [r.label for r in rows] == ["2019-11", "2019-12", "2020-02"]
    want = expected_by(log.services, lambda s: s.held_on.strftime("%Y-%m"))
    assert {r.key: measured(r) for r in rows} == want
    chart = reports.services_per_month_by_kind(log.programme)
    assert [m.month for m in chart] == ["2019-11", "2019-12", "2020-01", "2020-02"]
    assert chart[2].total == 0 and set(chart[2].counts) == {"consultation", "workshop", "study", "other"}
    for m in chart:
        logged = [s for s in log.services if s.status == "logged" and s.held_on.strftime("%Y-%m") == m.month]
        assert m.counts == {k: sum(s.kind == k for s in logged)
                            for k in ("consultation", "workshop", "study", "other")}
    assert reports.month_kinds(rows) == chart  # the page draws it from by_month(), no query


def test_month_range_crosses_years():
    assert reports.month_range("2019-11", "2020-02") == ["2019-11", "2019-12", "2020-01", "2020-02"]
    assert reports.month_range("2020-05", "2020-05") == ["2020-05"]


@pytest.mark.parametrize("name", ["date range", "town", "advisor", "field", "kind", "all at once"])
def test_filters_count_what_they_select(log, name):
    cases = {
        "date range": (Filters(date_from=date(2019, 12, 1), date_to=date(2020, 2, 10)),
                       lambda s: date(2019, 12, 1) <= s.held_on <= date(2020, 2, 10)),
        "town": (Filters(path_ids=(log.paths["c"],)), lambda s: s.town == "c"),
        "advisor": (Filters(advisor_id=log.advisors["zaneta"]), lambda s: s.advisor == "zaneta"),
        "field": (Filters(field_id=log.fields["finance"]), lambda s: s.field == "finance"),
        "kind": (Filters(kind="workshop"), lambda s: s.kind == "workshop"),
        "all at once": (Filters(date_from=date(2019, 11, 10), date_to=date(2019, 12, 31),
                                path_ids=(log.paths["a"], log.paths["b"]), kind="consultation"),
                        lambda s: date(2019, 11, 10) <= s.held_on <= date(2019, 12, 31)
                        and s.town in "ab" and s.kind == "consultation"),
    }
    filters, keep = cases[name]
    chosen = [s for s in log.services if keep(s)]
    assert measured(reports.totals(log.programme, filters)) == expected(chosen)
    by_town = {r.key: measured(r) for r in reports.by_town(log.programme, filters)}
    assert by_town == {log.paths[t]: m for t, m in expected_by(chosen, lambda s: s.town).items()}
    by_month = {r.key: measured(r) for r in reports.by_month(log.programme, filters)}
    assert by_month == expected_by(chosen, lambda s: s.held_on.strftime("%Y-%m"))
    assert sum(1 for _ in reports.log_rows(log.programme, filters)) == expected(chosen)["services"]


def test_scope_limits_what_a_caller_counts(log):
    mine = Scope(advisor_id=log.advisors["lucja"])
    assert measured(reports.totals(log.programme, scope=mine)) == expected(
        [s for s in log.services if s.advisor == "lucja"])
    assert [r.label for r in reports.by_advisor(log.programme, scope=mine)] == ["Łucja Zielińska"]
    town = Scope(applicant_id=world_applicant(log, "b"))
    assert measured(reports.totals(log.programme, scope=town)) == expected(
        [s for s in log.services if s.town == "b"])
    assert reports.totals(log.programme, scope=Scope(nothing=True)).services == 0
    assert reports.by_town(log.programme, scope=Scope(nothing=True)) == []


def world_applicant(log: Log, town: str) -> int:
    from workflow.models import Path

    return db.session.get(Path, log.paths[town]).applicant_id


def test_scope_for_each_role(world):
    assert reports.scope_for(world.users["coordinator"]) == reports.FULL_SCOPE
    assert reports.scope_for(world.users["advisor_a"]) == Scope(advisor_id=world.users["advisor_a"].id)
    assert reports.scope_for(world.users["town_a"]) == Scope(
        applicant_id=world.paths["a"].applicant_id)
    assert reports.scope_for(world.users["evaluator"]).nothing


def test_an_empty_log_reports_zeros(world):
    assert reports.totals(world.programme).seed_table() == dict.fromkeys(
        ("services", "consultations", "workshops", "studies", "participations", "people"), 0)
    assert reports.by_month(world.programme) == []
    assert reports.services_per_month_by_kind(world.programme) == []


def test_the_raw_log_rows_carry_counts_of_participants_and_studies(log):
    rows = list(reports.log_rows(log.programme, batch=7))  # several batches
    logged = sorted((s for s in log.services if s.status == "logged"), key=lambda s: s.held_on)
    assert [r.held_on for r in rows] == [s.held_on for s in logged]
    assert sum(r.participants for r in rows) == expected(log.services)["participations"]
    assert sum(r.studies for r in rows) == expected(log.services)["studies"]
    assert {r.town for r in rows} == set(TOWNS.values())
    assert {r.advisor for r in rows} <= set(ADVISORS.values())


# --- the command line -------------------------------------------------------------------------

def test_cli_prints_the_programmes_table_as_json(app, log):
    result = app.test_cli_runner().invoke(args=["report", "services", "--json"])
    assert result.exit_code == 0, result.output
    table = json.loads(result.output)
    want = expected(log.services)
    assert list(table) == ["services", "consultations", "workshops", "studies", "participations", "people"]
    assert table == {k: want[k] for k in table}
    assert all(type(v) is int for v in table.values())
    other = app.test_cli_runner().invoke(args=["report", "services", "--json", "--programme", "RL-OTHER"])
    assert json.loads(other.output) == {"services": 1, "consultations": 0, "workshops": 1, "studies": 0,
                                        "participations": 1, "people": 1}


def test_cli_prints_breakdowns(app, log):
    runner = app.test_cli_runner()
    result = runner.invoke(args=["report", "services", "--by", "month", "--json"])
    assert result.exit_code == 0, result.output
    rows = json.loads(result.output)
    want = expected_by(log.services, lambda s: s.held_on.strftime("%Y-%m"))
    assert [r["key"] for r in rows] == ["2019-11", "2019-12", "2020-02"]
    for r in rows:
        assert r["people"] == want[r["key"]]["people"] and r["services"] == want[r["key"]]["services"]
    text = runner.invoke(args=["report", "services", "--by", "town"])
    assert text.exit_code == 0, text.output
    lines = text.output.splitlines()
    assert lines[0].split() == ["town", "services", "consultations", "workshops", "studies",
                                "participations", "people"]
    assert [line.split()[0] for line in lines[2:]] == ["Łobez", "Ostrzeszów", "Wałcz", "Zduny"]
    assert len({len(line) for line in lines}) == 1  # aligned: every line as wide as the header
    a = expected_by(log.services, lambda s: s.town)["a"]
    assert lines[3].split()[1:] == [str(a[k]) for k in ("services", "consultations", "workshops",
                                                          "studies", "participations", "people")]
    plain = runner.invoke(args=["report", "services"])
    assert plain.output.splitlines()[0].split() == ["services", str(expected(log.services)["services"])]


def test_cli_refuses_an_unknown_programme_or_breakdown(app, log):
    runner = app.test_cli_runner()
    missing = runner.invoke(args=["report", "services", "--programme", "NOPE"])
    assert missing.exit_code != 0 and "no programme NOPE" in missing.output
    wrong = runner.invoke(args=["report", "services", "--by", "voivodeship"])
    assert wrong.exit_code != 0


# --- exports: no formula ever -----------------------------------------------------------------

DANGEROUS = ['=HYPERLINK("http://x","y")', "+48 600 100 200", "-2+3", "@SUM(A1:A9)", "\tTAB",
             "\rCR", "=1+1"]


def test_csv_cells_that_look_like_formulas_get_a_leading_quote():
    lines = list(tabular.csv_stream(["temat", "liczba"], [[v, -5] for v in DANGEROUS] + [["Zwykły", 3]],
                                     locale="pl"))
    assert lines[0].startswith("\ufeff")
    rows = list(csv.reader(io.StringIO("".join(lines).lstrip("\ufeff")), delimiter=";"))
    assert rows[0] == ["temat", "liczba"]
    assert [r[0] for r in rows[1:-1]] == ["'" + v for v in DANGEROUS]
    assert [r[1] for r in rows[1:]] == ["-5"] * len(DANGEROUS) + ["3"]  # numbers stay numbers
    assert rows[-1] == ["Zwykły", "3"]


def test_xlsx_text_is_text_never_a_formula():
    data = tabular.xlsx_bytes([("log", ["temat", "liczba"],
                                [[v, 7] for v in [*DANGEROUS, "kontrolny\x01znak", "Zwykły"]])])
    sheet = load_workbook(io.BytesIO(data)).active
    values = [(c.value, c.data_type) for c in sheet["A"][1:]]
    # (XML reads a carriage return back as a line feed; it is still the text typed.)
    assert values[:len(DANGEROUS)] == [(v.replace("\r", "\n"), "s") for v in DANGEROUS]
    assert values[-2:] == [("kontrolnyznak", "s"), ("Zwykły", "s")]  # illegal XML character dropped
    assert all(c.data_type == "n" and c.value == 7 for c in sheet["B"][1:])
    assert not any(c.data_type == "f" for row in sheet.iter_rows() for c in row)
    assert sheet["A2"].quotePrefix  # shown with a quote prefix in Excel, too
