"""The pages people open all day issue the same number of SQL queries for 54 towns as
for 540: no query per row (N+1). The counts are pinned exactly, so a new query on a
page shows up here and has to be accepted on purpose."""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import quote

import pytest
import sqlalchemy as sa
from factories.accounts import PASSWORD, PASSWORD_HASH
from factories.many_towns import RL, SPREAD, VOIVODESHIPS, Built, add_list_rows, add_towns, build_programme
from support import Browser
from support.querycount import QueryLog, count_queries

from workflow.extensions import db

PAGES = {
    "coordinator overview": (Built.coordinator, "/coordinator/"),
    "coordinator overview, filtered": (Built.coordinator,
                                       "/coordinator/?stage=result&voivodeship=" + quote("małopolskie")),
    "town dashboard": (Built.town, "/town/"),
    "advisor page, one town": (Built.lead, "/advisor/"),
    "advisor page, every tenth town": (Built.busy, "/advisor/"),
    # Decision 0029: the report and the public pages read maintained totals, not the log.
    "services report": (Built.coordinator, "/coordinator/reports/consultations"),
    "public statistics (anonymous)": (None, "/public/"),
    "public results (anonymous)": (None, "/public/results/"),
    "evaluator page": ("evaluator0@bench.example", "/evaluator/"),
}
# The paged lists (docs/decisions/0026), at their first page and their last: page=999999
# is clamped to the last page, whatever it is (3 of 54 towns, 22 of 540).
LAST = "page=999999"
LISTS = {
    "towns": (Built.coordinator, "/coordinator/?"),
    "towns by advisor": (Built.coordinator, "/coordinator/?sort=advisor&dir=desc&"),
    "towns searched": (Built.coordinator, "/coordinator/?q=" + quote("łobez") + "&"),
    "users": (Built.coordinator, "/coordinator/users/?"),
    "advisors": (Built.coordinator, "/coordinator/advisors/?sort=load&"),
    "advisors' board": (Built.coordinator, "/coordinator/advisors/programmes/{programme_id}?"),
    "audit log": (Built.coordinator, "/coordinator/audit/?sort=actor&"),
    "evaluation overview": (Built.coordinator, "/coordinator/evaluation/?sort=spread&"),
    "services log": (Built.busy, "/advisor/consultations/?sort=town&"),
}
for name, (email, url) in list(LISTS.items()):
    PAGES[f"{name}, page 1"] = (email, url.rstrip("?&"))
    PAGES[f"{name}, last page"] = (email, url + LAST)

# Measured on SQLite and PostgreSQL alike (2026-11-28; issue 17, 2026-12-05: ≤ 10 on every
# main page). What they are:
# every page of a logged-in person: the user, with the unread count on the bell in the
#   header read in the same statement (app.py's user loader, H-inbox);
# coordinator: programmes (read once: the one chosen and the picker's list), rows (how many,
#   then the page), counts per state, voivodeships, deadlines;
# town: the path with its programme and applicant, deadlines + extensions (read once, shared
#   with the guards), timeline with actors, documents, sign-offs (both also what the guards
#   ask: no query of their own), deadline changes with their actors (the history, 2026-12-05);
# advisor: user, assigned paths with names, the programme (once, however many towns).
# Coordinator, unfiltered: + 2 for "Wymaga uwagi" (paths with their states, extensions),
#   + 1 for the last check of the document files (store_check.latest);
# advisor: + 1 for the service log's drafts and latest entry (H-browser).
EXPECTED = {
    "coordinator overview": 10,
    "coordinator overview, filtered": 7,
    "town dashboard": 8,
    "advisor page, one town": 4,
    "advisor page, every tenth town": 4,
    # user, programme, the filter's towns, advisors and fields, the report (one query of the
    # maintained totals), the programme's rates of an hour (the support's value, issue 14)
    "services report": 7,
    # the programme, the report (one query of the maintained totals); no user, no bell
    "public statistics (anonymous)": 2,
    # the announced rankings, the towns that hold a grant (workflow/ranking/appeals.py)
    "public results (anonymous)": 2,
    # the user, the assignments with their applications, programmes and sheets (one query)
    "evaluator page": 2,
}
# user (with the bell), and the list's own: COUNT and the page (workflow/web/listing.py), and
# towns: + programmes (the chosen one and the picker's list), counts per state, voivodeships,
#   deadlines (+ 2 for "Wymaga uwagi" and + 1 for the last document check when not searched);
# users: + the page's pending invitations;
# advisors: + the page's fields, the programme list, the fields' table and their use;
#   board: + programme, the page's leads and experts, its needs, the counts;
# audit: + the actions in the log (the filter's choices);
# evaluation (the kept lines, decision 0035): programmes (with the overview's revision, decision
#   0044), the counts with how many the search keeps (one statement), the page's ids, then the
#   rule for the page only: parts, counted sheets, applications, their evaluators; the loads and
#   conflicts only when an application of the page waits for a third evaluator (10 before
#   decision 0044 on every page; these have none). Counted on the first request: kept
#   afterwards, the same page is 2 statements (tests/test_evaluation_overview_kept.py);
# services: + the advisor's towns, drafts, the page's studies.
PAGED = {"towns": 10, "towns by advisor": 10, "towns searched": 7, "users": 4, "advisors": 7,
         "advisors' board": 7, "audit log": 4, "evaluation overview": 8, "services log": 6}
for name, count in PAGED.items():
    EXPECTED[f"{name}, page 1"] = EXPECTED[f"{name}, last page"] = count


@dataclass(frozen=True)
class Measured:
    log: QueryLog
    html: str


def measure(app, built: Built) -> dict[str, Measured]:  # noqa: ANN001
    out = {}
    for page, (email, url) in PAGES.items():
        url = url.format(programme_id=built.programme_id)
        browser = Browser(app, PASSWORD)
        if email is not None:
            assert browser.login(email).status_code == 302
        with count_queries(db.engine) as log:  # only the GET, not the login
            response = browser.get(url)
        assert response.status_code == 200, page
        out[page] = Measured(log, response.get_data(as_text=True))
    return out


def empty_tables() -> None:
    db.session.remove()
    tables = [t.name for t in reversed(db.metadata.sorted_tables)]
    with db.engine.begin() as conn:
        if conn.dialect.name == "postgresql":
            conn.execute(sa.text("TRUNCATE " + ", ".join(f'"{t}"' for t in tables)
                                 + " RESTART IDENTITY CASCADE"))
        else:
            for table in tables:
                conn.execute(sa.text(f'DELETE FROM "{table}"'))


@pytest.fixture(scope="module")
def measured(app) -> dict[int, dict[str, Measured]]:
    """Build 54 towns and measure every page; grow the programme to 540 and measure again."""
    with app.app_context():
        try:
            built = build_programme(54, PASSWORD_HASH)
            add_list_rows(built.programme_id, 0, 54, PASSWORD_HASH)
            small = measure(app, built)
            add_towns(built.programme_id, 54, 540, PASSWORD_HASH)
            add_list_rows(built.programme_id, 54, 540, PASSWORD_HASH)
            large = measure(app, built)
        finally:
            empty_tables()
    return {54: small, 540: large}


def test_the_counter_counts_each_statement_inside_the_block_only(ctx):
    db.session.execute(sa.text("SELECT 1"))
    with count_queries(db.engine) as log:
        for n in range(3):
            db.session.execute(sa.text("SELECT :n"), {"n": n})
    db.session.execute(sa.text("SELECT 1"))
    assert log.count == 3
    assert "3 statements" in str(log)


@pytest.mark.parametrize("page", list(PAGES))
def test_query_count_does_not_grow_with_the_towns(measured, page):
    small, large = measured[54][page].log, measured[540][page].log
    print(f"{page}: {small.count} queries with 54 towns, {large.count} with 540")
    assert small.count == large.count, f"54 towns: {small}\n540 towns: {large}"



@pytest.mark.parametrize("page", list(PAGES))
def test_query_count_is_pinned(measured, page):
    log = measured[540][page].log
    assert log.count == EXPECTED[page], str(log)


def test_the_measured_pages_show_all_the_towns(measured):
    """The counts above are of pages that really listed 54 and 540 towns."""
    for size in (54, 540):
        overview = measured[size]["coordinator overview"].html
        assert f"Pokazano 1–25 z {size}" in overview
        assert overview.count('<tr id="path-') == 25
        filtered = measured[size]["coordinator overview, filtered"].html
        in_filter = [i for i in range(1, size) if RL.state(SPREAD[i % len(SPREAD)]).stage == "result"
                     and VOIVODESHIPS[i % len(VOIVODESHIPS)] == "małopolskie"]
        assert in_filter  # 2 towns of 54, 7 of 540
        assert f"Pokazano 1–{len(in_filter)} z {len(in_filter)}" in filtered
        assert filtered.count('<tr id="path-') == len(in_filter)
        busy = measured[size]["advisor page, every tenth town"].html.split('id="all-h"', 1)[1]
        assert busy.count("/advisor/paths/") == len(range(0, size, 10))
        lead = measured[size]["advisor page, one town"].html.split('id="all-h"', 1)[1]
        assert lead.count("/advisor/paths/") == 1
        town = measured[size]["town dashboard"].html
        assert "diagnoza-v2.pdf" in town and "Proszę uzupełnić dane demograficzne." in town
        evaluator = measured[size]["evaluator page"].html
        # the applications of evaluator0: one in four past the formal check, or so
        assert len(set(re.findall(r'href="/evaluator/applications/(\d+)', evaluator))) >= size // 20


STATUS = re.compile(r"Pokazano (\d+)–(\d+) z (\d+)")
PAGER = re.compile(r"Strona (\d+) z (\d+)")


@pytest.mark.parametrize("name", list(LISTS))
def test_the_paged_lists_show_their_first_and_last_pages(measured, name):
    """Page 1 shows rows 1–25; page=999999 shows the last page, with the rows left over."""
    for size in (54, 540):
        first = STATUS.search(measured[size][f"{name}, page 1"].html).groups()
        last_html = measured[size][f"{name}, last page"].html
        last = STATUS.search(last_html).groups()
        total = int(last[2])  # the audit log has grown by the login before the second request
        per_page = 50 if name == "audit log" else 25
        pages = -(-total // per_page)
        assert (int(first[0]), int(first[1])) == (1, min(per_page, int(first[2]))), (size, first)
        assert (int(last[0]), int(last[1])) == ((pages - 1) * per_page + 1, total)
        if pages > 1:
            assert PAGER.search(last_html).groups() == (str(pages), str(pages))
            assert 'rel="next"' not in last_html and 'rel="prev"' in last_html
        expected = {"towns": size, "towns by advisor": size, "towns searched": -(-size // 12),
                    "advisors": size + 1, "advisors' board": size, "services log": -(-size // 10)}
        if name in expected:
            assert total == expected[name], (name, size, total)


def test_the_public_statistics_measured_counted_the_grown_log(measured):
    """The public page's two queries read totals that grew with the programme: one service
    in every tenth town (6 of 54, 54 of 540), kept as the towns were added."""
    for size in (54, 540):
        table = measured[size]["public statistics (anonymous)"].html.split('id="programme-h"', 1)[1]
        cells = dict(re.findall(r'data-metric="(\w+)">([^<]*)<', table.split("</table>", 1)[0]))
        assert cells["services"] == str(len(range(0, size, 10))), (size, cells)
