"""Lists that scale (workflow/web/listing.py, docs/decisions/0026): what a person sees on each
list of 54 towns when they search, sort and page; and the contract underneath (bad input is
never an error, Polish order and case-free search on both databases)."""

from __future__ import annotations

import html as htmllib
import re
from urllib.parse import quote

import pytest
from factories.accounts import PASSWORD_HASH
from factories.many_towns import NAMES, Built, add_list_rows, build_programme
from sqlalchemy import select

from workflow.extensions import db
from workflow.models import Applicant, AuditEvent, Programme
from workflow.text import polish_key
from workflow.web import listing

# --- the contract -----------------------------------------------------------------------------

SPEC = listing.Spec(
    columns=(listing.Column("name", Applicant.name, text=True),
             listing.Column("voivodeship", Applicant.voivodeship, text=True, first=listing.DESC)),
    default="name", search=(Applicant.name,), tiebreak=Applicant.id, size=2)


@pytest.mark.parametrize(("args", "expected"), [
    ({}, listing.Params("", "name", "asc", 1)),
    ({"sort": "voivodeship"}, listing.Params("", "voivodeship", "desc", 1)),  # its first direction
    ({"sort": "password_hash", "dir": "desc"}, listing.Params("", "name", "desc", 1)),  # not a column
    ({"sort": "name; DROP TABLE path", "dir": "sideways"}, listing.Params("", "name", "asc", 1)),
    ({"page": "3"}, listing.Params("", "name", "asc", 3)),
    ({"page": "0"}, listing.Params("", "name", "asc", 1)),
    ({"page": "-4"}, listing.Params("", "name", "asc", 1)),
    ({"page": "abc"}, listing.Params("", "name", "asc", 1)),
    ({"page": "٣"}, listing.Params("", "name", "asc", 1)),  # an Arabic-Indic digit: not ours
    ({"page": "9" * 5000}, listing.Params("", "name", "asc", listing.LAST)),  # no int() of it
    ({"q": "  Łobez \t  Wałcz  "}, listing.Params("Łobez Wałcz", "name", "asc", 1)),
    ({"q": "x" * 500}, listing.Params("x" * 100, "name", "asc", 1)),
    ({"q": "a\x00b\x1bc"}, listing.Params("abc", "name", "asc", 1)),
])
def test_parse_never_fails(args, expected):
    assert listing.parse(args, SPEC) == expected


@pytest.fixture
def towns(ctx):
    names = ["Maków", "Limanowa", "Łobez", "lubań", "Łask", "Zduny", "Żnin", "Źródła", "50% miasta",
             "Ćmielów", "Cieszyn"]
    db.session.add_all(Applicant(kind="town", name=n, voivodeship="mazowieckie") for n in names)
    db.session.commit()
    return names


def names_of(page: listing.Page) -> list[str]:
    return [a.name for a in page.rows]


def test_text_sorts_in_polish_order_and_pages_clamp(towns, app):
    spec = listing.Spec(SPEC.columns, "name", search=SPEC.search, tiebreak=Applicant.id, size=4)
    pages = [listing.paged(select(Applicant), spec, listing.Params(sort="name", page=n)) for n in (1, 2, 3)]
    assert sum((names_of(p) for p in pages), []) == sorted(towns, key=polish_key)
    assert names_of(pages[0]) == ["50% miasta", "Cieszyn", "Ćmielów", "Limanowa"]
    assert [p.total for p in pages] == [11, 11, 11] and pages[2].pages == 3
    backwards = listing.paged(select(Applicant), spec, listing.Params(sort="name", dir="desc"))
    assert names_of(backwards) == ["Żnin", "Źródła", "Zduny", "Maków"]
    beyond = listing.paged(select(Applicant), spec, listing.Params(sort="name", page=listing.LAST))
    assert beyond.number == 3 and names_of(beyond) == names_of(pages[2])
    assert (beyond.first_row, beyond.last_row) == (9, 11)


@pytest.mark.parametrize(("q", "found"), [
    ("łob", ["Łobez"]), ("ŁOB", ["Łobez"]), ("ŁAS", ["Łask"]), ("LUBAŃ", ["lubań"]),
    ("ma", ["Limanowa", "Maków"]), ("m a", ["50% miasta", "Limanowa", "Maków"]), ("ma ów", ["Maków"]),
    ("50%", ["50% miasta"]), ("%", ["50% miasta"]), ("_", []), ("\\", []), ("'", []),
])
def test_search_ignores_case_and_matches_literally(towns, q, found):
    page = listing.paged(select(Applicant), SPEC, listing.parse({"q": q}, SPEC))
    shown = names_of(page)
    while page.number < page.pages:
        page = listing.paged(select(Applicant), SPEC, listing.parse({"q": q, "page": page.number + 1}, SPEC))
        shown += names_of(page)
    assert shown == found


def test_rows_in_memory_follow_the_same_contract():
    rows = [{"id": i, "name": n, "score": s} for i, (n, s) in
            enumerate([("Łobez", 10), ("Limanowa", None), ("Maków", 30), ("Ełk", 20)])]
    spec = listing.Spec(
        columns=(listing.Column("name", lambda r: r["name"], text=True),
                 listing.Column("score", lambda r: r["score"], first=listing.DESC)),
        default="name", search=(lambda r: r["name"],), tiebreak=lambda r: r["id"], size=3)
    by_name = listing.paged_rows(rows, spec, listing.parse({}, spec))
    assert [r["name"] for r in by_name.rows] == ["Ełk", "Limanowa", "Łobez"] and by_name.pages == 2
    by_score = listing.paged_rows(rows, spec, listing.parse({"sort": "score"}, spec))
    assert [r["score"] for r in by_score.rows] == [30, 20, 10]  # the empty one last
    last = listing.paged_rows(rows, spec, listing.parse({"sort": "score", "page": "77"}, spec))
    assert last.number == 2 and [r["name"] for r in last.rows] == ["Limanowa"]
    found = listing.paged_rows(rows, spec, listing.parse({"q": "ŁO"}, spec), where=lambda r: r["id"] < 3)
    assert [r["name"] for r in found.rows] == ["Łobez"]


# --- what people see --------------------------------------------------------------------------


def text(response) -> str:
    return " ".join(htmllib.unescape(re.sub(r"<[^>]+>", " ", response.get_data(as_text=True))).split())


def column(response, index: int = 0) -> list[str]:
    """The text of one column of the page's list (its table), row by row."""
    body = response.get_data(as_text=True).split("data-listing-results", 1)[1]
    body = body.split("<tbody>", 1)[1].split("</tbody>", 1)[0]
    rows = re.findall(r"<tr[^>]*>(.*?)</tr>", body, re.S)
    cells = [re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", r, re.S) for r in rows]
    return [" ".join(htmllib.unescape(re.sub(r"<[^>]+>", " ", c[index])).split()) for c in cells if c]


@pytest.fixture
def bench(ctx) -> Built:
    built = build_programme(54, PASSWORD_HASH)
    add_list_rows(built.programme_id, 0, 54, PASSWORD_HASH)
    return built


def town_names(n: int = 54) -> list[str]:
    return sorted((f"{NAMES[i % len(NAMES)]} {i:05d}" for i in range(n)), key=polish_key)


def test_towns_search_sort_and_page(bench, login):
    coordinator = login(Built.coordinator)
    first = coordinator.get("/coordinator/?programme=RL-BENCH")
    assert column(first) == town_names()[:25]
    page = first.get_data(as_text=True)
    assert "Pokazano 1–25 z 54" in text(first) and "Strona 1 z 3" in text(first)
    assert 'aria-sort="ascending"' in page and 'role="search"' in page
    assert 'aria-label="Strony listy miast"' in page and 'rel="next"' in page
    second = coordinator.get("/coordinator/?programme=RL-BENCH&page=2")
    assert column(second) == town_names()[25:50]
    backwards = coordinator.get("/coordinator/?programme=RL-BENCH&sort=town&dir=desc")
    assert column(backwards) == town_names()[::-1][:25]
    assert 'aria-sort="descending"' in backwards.get_data(as_text=True)
    # The header's link turns the order round and goes back to page 1; the filters stay.
    link = re.search(r'<th scope="col" aria-sort="ascending">\s*<a class="sort" href="([^"]+)"',
                     second.get_data(as_text=True)).group(1)
    assert "dir=desc" in link and "page=" not in link and "programme=RL-BENCH" in link
    found = coordinator.get("/coordinator/?programme=RL-BENCH&q=" + quote("ŁOBEZ"))
    assert column(found) == [n for n in town_names() if n.startswith("Łobez")]
    assert "Pokazano 1–5 z 5" in text(found) and "(szukano: „ŁOBEZ”)" in text(found)
    by_number = coordinator.get("/coordinator/?programme=RL-BENCH&q=00012")
    assert column(by_number) == ["Łobez 00012"]
    by_advisor = coordinator.get("/coordinator/?programme=RL-BENCH&sort=advisor&dir=desc&q=doradca+0001")
    assert column(by_advisor, 4) == [f"Doradca {i:05d}" for i in [*range(19, 9, -1), 1]]
    newest = coordinator.get("/coordinator/?programme=RL-BENCH&sort=updated")
    assert 'aria-sort="descending"' in newest.get_data(as_text=True)  # dates: newest first
    last = coordinator.get("/coordinator/?programme=RL-BENCH&page=99999999999999999999")
    assert column(last) == town_names()[50:] and "Strona 3 z 3" in text(last)
    nothing = coordinator.get("/coordinator/?programme=RL-BENCH&q=Warszawa&sort=%3Cscript%3E")
    assert nothing.status_code == 200 and "Nic nie spełnia wybranych warunków." in text(nothing)
    assert "<script>" not in nothing.get_data(as_text=True)


def test_towns_search_keeps_the_stage_and_voivodeship(bench, login):
    coordinator = login(Built.coordinator)
    page = coordinator.get("/coordinator/?programme=RL-BENCH&voivodeship=" + quote("łódzkie")
                           + "&q=" + quote("ĆMIELÓW"))
    assert column(page) == ["Ćmielów 00004", "Ćmielów 00052"]  # łódzkie: towns 4, 20, 36, 52
    assert 'name="voivodeship"' in page.get_data(as_text=True)
    assert 'name="programme" value="RL-BENCH"' in page.get_data(as_text=True)


def test_users_search_filter_sort_and_page(bench, login):
    coordinator = login(Built.coordinator)
    first = coordinator.get("/coordinator/users/")
    assert "Pokazano 1–25 z 114" in text(first)  # 54 towns + 54 advisors + busy + coordinator + 4
    by_mail = coordinator.get("/coordinator/users/?q=town0001&sort=email&dir=desc")
    assert column(by_mail, 1) == [f"town{i:05d}@bench.example" for i in range(19, 9, -1)]
    evaluators = coordinator.get("/coordinator/users/?role=evaluator")
    assert column(evaluators, 2) == ["oceniający"] * 4 and "Pokazano 1–4 z 4" in text(evaluators)
    by_town = coordinator.get("/coordinator/users/?q=" + quote("Żnin 00003"))
    assert column(by_town, 1) == ["town00003@bench.example"]
    clamped = coordinator.get("/coordinator/users/?page=1000&role=nonsense")
    assert "Strona 5 z 5" in text(clamped) and "Pokazano 101–114 z 114" in text(clamped)


def test_advisors_sort_by_load_and_search(bench, login):
    coordinator = login(Built.coordinator)
    busiest = coordinator.get("/coordinator/advisors/?sort=load")
    assert column(busiest)[0].startswith("Ekspert Zajęty") and column(busiest, 4)[0] == "6 (ponad limit)"
    assert "Pokazano 1–25 z 55" in text(busiest)
    found = coordinator.get("/coordinator/advisors/?q=advisor0004")
    assert [c.split(" ")[1] for c in column(found)] == [f"{i:05d}" for i in range(40, 50)]
    board = coordinator.get(f"/coordinator/advisors/programmes/{bench.programme_id}?q=" + quote("łobez"))
    assert column(board) == [n for n in town_names() if n.startswith("Łobez")]
    assert "Miast: 54. Bez doradcy miasta: 0." in text(board)
    by_lead = coordinator.get(f"/coordinator/advisors/programmes/{bench.programme_id}?sort=lead&dir=desc")
    assert column(by_lead, 2)[:3] == ["Doradca 00053", "Doradca 00052", "Doradca 00051"]


def test_the_services_log_is_searched_sorted_and_paged(bench, login):
    busy = login(Built.busy)
    page = busy.get("/advisor/consultations/?sort=town")
    assert column(page, 1) == sorted((f"{NAMES[i % 12]} {i:05d}" for i in range(0, 54, 10)), key=polish_key)
    assert "Pokazano 1–6 z 6" in text(page)
    found = busy.get("/advisor/consultations/?q=" + quote("BUDŻET kolno"))
    assert column(found, 1) == ["Kolno 00030"] and column(found, 4) == ["Budżet Kolno 00030"]
    none = busy.get("/advisor/consultations/?q=" + quote("Śrem"))  # towns 7, 19, 31, 43: not theirs
    assert "Nic nie spełnia wybranych warunków." in text(none)
    newest = busy.get("/advisor/consultations/")
    assert column(newest, 1)[0] == "Wałcz 00050" and 'aria-sort="descending"' in newest.get_data(as_text=True)


def test_the_audit_log_is_searched_and_sorted(bench, login):
    db.session.add(AuditEvent(action="login", actor_label="zenon@bench.example", ip="10.9.9.9", detail=""))
    db.session.commit()
    coordinator = login(Built.coordinator)
    by_actor = coordinator.get("/coordinator/audit/?sort=actor&dir=desc")
    assert column(by_actor, 1)[0] == "zenon@bench.example"
    by_ip = coordinator.get("/coordinator/audit/?q=10.9.9")
    assert column(by_ip, 1) == ["zenon@bench.example"] and "Pokazano 1–1 z 1" in text(by_ip)
    page = by_ip.get_data(as_text=True)
    assert 'data-listing-form="events"' in page and 'name="q" value="10.9.9"' in page


def test_evaluation_overview_filters_and_sorts(bench, login):
    coordinator = login(Built.coordinator)
    programme = db.session.get(Programme, bench.programme_id)
    page = coordinator.get(f"/coordinator/evaluation/?programme={programme.code}&sort=final")
    assert 'aria-sort="descending"' in page.get_data(as_text=True)
    lacking = coordinator.get(f"/coordinator/evaluation/?programme={programme.code}&need=evaluators")
    assert lacking.status_code == 200
    third = coordinator.get(f"/coordinator/evaluation/?programme={programme.code}&need=third")
    assert "Nic nie spełnia wybranych warunków." in text(third)  # one sheet each: no third yet
    found = coordinator.get(f"/coordinator/evaluation/?programme={programme.code}&q=" + quote("ŚREM"))
    assert column(found) == ["Śrem 00031"]
    assert column(found, 1) == ["Oceniający 3: 81 ; Oceniający 0: karta nierozpoczęta"]
    towns = column(coordinator.get(f"/coordinator/evaluation/?programme={programme.code}&sort=town&dir=desc"))
    assert [t.split(" (")[0] for t in towns] == sorted((t.split(" (")[0] for t in towns),
                                                      key=polish_key, reverse=True)

