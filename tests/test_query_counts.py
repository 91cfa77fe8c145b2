"""The pages people open all day issue the same number of SQL queries for 54 towns as
for 540: no query per row (N+1). The counts are pinned exactly, so a new query on a
page shows up here and has to be accepted on purpose."""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import quote

import pytest
import sqlalchemy as sa
from factories.accounts import PASSWORD, PASSWORD_HASH
from factories.many_towns import RL, SPREAD, VOIVODESHIPS, Built, add_towns, build_programme
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
}

# Measured on SQLite and PostgreSQL alike (2026-11-28). What they are:
# coordinator: user, programme, rows, counts per state, voivodeships, programme list, deadlines
#   (the programme is read twice: current_programme() and the list of programmes);
# town: user, paths, programme, deadlines + extensions (read once, shared with the guards),
#   documents, sign-offs, timeline with actors, latest document, its sign-off, applicant;
# advisor: user, assigned paths with names, the programme (once, however many towns).
# Every page: + 1 for the unread count on the bell in the header (one COUNT, H-inbox).
# Coordinator, unfiltered: + 2 for "Wymaga uwagi" (paths with their states, extensions),
#   + 1 for the last check of the document files (store_check.latest);
# advisor: + 1 for the service log's drafts and latest entry (H-browser).
EXPECTED = {
    "coordinator overview": 11,
    "coordinator overview, filtered": 8,
    "town dashboard": 12,
    "advisor page, one town": 5,
    "advisor page, every tenth town": 5,
}


@dataclass(frozen=True)
class Measured:
    log: QueryLog
    html: str


def measure(app) -> dict[str, Measured]:  # noqa: ANN001
    out = {}
    for page, (email, url) in PAGES.items():
        browser = Browser(app, PASSWORD)
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
            small = measure(app)
            add_towns(built.programme_id, 54, 540, PASSWORD_HASH)
            large = measure(app)
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
        assert f"Pokazano miast: {size}" in overview
        assert overview.count("/coordinator/paths/") == size
        filtered = measured[size]["coordinator overview, filtered"].html
        in_filter = [i for i in range(1, size) if RL.state(SPREAD[i % len(SPREAD)]).stage == "result"
                     and VOIVODESHIPS[i % len(VOIVODESHIPS)] == "małopolskie"]
        assert in_filter  # 2 towns of 54, 7 of 540
        assert f"Pokazano miast: {len(in_filter)}" in filtered
        assert filtered.count("/coordinator/paths/") == len(in_filter)
        busy = measured[size]["advisor page, every tenth town"].html.split('id="all-h"', 1)[1]
        assert busy.count("/advisor/paths/") == len(range(0, size, 10))
        lead = measured[size]["advisor page, one town"].html.split('id="all-h"', 1)[1]
        assert lead.count("/advisor/paths/") == 1
        town = measured[size]["town dashboard"].html
        assert "diagnoza-v2.pdf" in town and "Proszę uzupełnić dane demograficzne." in town
