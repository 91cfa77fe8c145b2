"""Peer groups (workflow/monitoring/groups.py): the system's groups, their members by rule or
as stored, a person's list, and a group's figures against a computation made here directly
from the raw BDL files."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest
import sqlalchemy as sa
from factories import monitoring as base_factory
from factories.path import make_programme, make_town

from workflow.extensions import db
from workflow.models import GroupKind, UnitGroup, UnitGroupMember
from workflow.monitoring import distribution, groups, importer, readings, units

BDL = Path(__file__).resolve().parent.parent / "data" / "bdl"
REVENUES = BDL / "bdl_dochody_wlasne_gmin_2010-2019_raw.csv"
POPULATION = BDL / "bdl_ludnosc_ekonomiczne_grupy_wieku_gmin_2010-2019_raw.csv"


def member_codes(code: str, year: int = 2019) -> list[str]:
    group = groups.get(code)
    units_ = readings.gminas()
    current = readings.current_by_code()
    extra = groups.population_formula([group], current)
    data = readings.values([extra], [year]) if extra else None
    return [units_[i].code for i in groups.members([group], year, units_, data, current)[group.id]]


def test_the_standard_groups_of_the_whole_register(ctx):
    units.load(with_boundaries=False)
    first = groups.ensure_standard()
    # every gmina, 16 voivodeships, 380 powiats, 3 kinds, 7 population classes, the 32 cities
    assert (first.added, first.unknown_units) == (1 + 16 + 380 + 3 + 7 + 1, [])
    again = groups.ensure_standard()
    assert (again.added, again.updated, again.unchanged) == (0, 0, first.added)
    assert groups.get("voivodeship-12").name_pl == "Województwo małopolskie"
    assert groups.get("voivodeship-12").name_en == "Małopolskie Voivodeship"
    assert groups.get("powiat-1261").name_pl == "Kraków (miasto na prawach powiatu)"
    assert groups.get("powiat-1204").name_pl == "Powiat dąbrowski (małopolskie)"
    assert len(member_codes("all")) == 2477
    assert len(member_codes("voivodeship-12")) == 182
    assert len(member_codes("kind-urban")) == 302
    cities = member_codes("monitoring-cities")
    assert len(cities) == 32 and "1261011" in cities and "1002011" in cities  # Kraków, Kutno
    stored = db.session.scalar(sa.select(sa.func.count()).select_from(UnitGroupMember))
    assert stored == 32  # rule groups keep no member rows


def test_every_change_of_a_group_in_place_changes_the_datas_version_and_nothing_else_does(ctx):
    """cache.stamp() keys what the pages keep (decision 0049): a group's revision is raised by
    each UPDATE of it, also when only a list's members change, never by a run that changes nothing."""
    from workflow.monitoring import cache

    base_factory.build()
    before = cache.stamp()
    assert groups.ensure_standard().updated == 0 and cache.stamp() == before
    group = groups.get("monitoring-cities")
    revision = group.revision
    # the list's first member moved last behind the command's back (the same rows' number)
    rows = db.session.execute(sa.select(UnitGroupMember.unit_id, UnitGroupMember.position)
                              .where(UnitGroupMember.group_id == group.id)
                              .order_by(UnitGroupMember.position)).all()
    db.session.execute(sa.update(UnitGroupMember).where(UnitGroupMember.group_id == group.id,
                                                        UnitGroupMember.unit_id == rows[0].unit_id)
                       .values(position=len(rows) + 5))
    db.session.commit()
    changed = cache.stamp()
    assert groups.ensure_standard().updated == 0  # its definition is the same; its members are put back
    assert groups.get("monitoring-cities").revision == revision + 1 and cache.stamp() != changed
    group = groups.get("kind-urban")
    group.name_en = "Towns"
    db.session.commit()
    assert group.revision == 2
    assert groups.ensure_standard().updated == 1 and groups.get("kind-urban").revision == 3


def test_rule_groups_find_their_members(ctx):
    base_factory.build()
    assert member_codes("powiat-1204") == ["1204023", "1204032", "1204042"]
    assert member_codes("voivodeship-30") == ["3018012", "3018073"]
    assert member_codes("kind-urban") == ["1261011", "3217011"]
    # population (2019) of gmina n: 2000 n² + 90 n (Kraków, n=4: 780,360)
    people = {c: base_factory.population(n, 2019) for n, c in enumerate(base_factory.GMINAS, start=1)}
    expected = sorted(c for c, p in people.items() if 50_000 <= p < 100_000)
    assert member_codes("population-50000-100000") == expected == ["3018012", "3018073", "3217011"]
    assert member_codes("population-20000-50000") == []
    assert member_codes("population-200000-up") == ["1261011"]
    # The class is judged in the year read: in 2010 the same gminas had fewer residents.
    assert member_codes("population-5000-10000", 2010) == ["1204032"]


def test_a_programme_group_holds_its_towns_by_teryt_code(ctx):
    base_factory.build(standard=False)
    programme = make_programme("RL-T")
    ostrzeszow = make_town(programme, "Ostrzeszów", "wielkopolskie")
    make_town(programme, "Bez kodu", "mazowieckie")  # a municipality without a TERYT code
    db.session.flush()
    ostrzeszow.applicant.memberships[0].municipality.teryt = "3018073"
    db.session.commit()
    groups.ensure_standard()
    group = groups.get("programme-rl-t")
    assert group.kind is GroupKind.PROGRAMME and group.definition == {"programme": "RL-T"}
    assert member_codes("programme-rl-t") == ["3018073"]


def test_a_persons_list_is_saved_once_and_refuses_codes_it_does_not_know(ctx, world):
    base_factory.build()
    user = world.user("coordinator")
    with pytest.raises(groups.GroupRefused) as refused:
        groups.save_list("Moje", "1204023, 9999999 1204", user)
    assert "9999999" in str(refused.value) and "1204" in str(refused.value)
    saved = groups.save_list("  Moje   gminy ", "1204023\n3018073; 3217011", user)
    assert saved.name_pl == "Moje gminy" and saved.kind is GroupKind.LIST and not saved.standard
    assert saved.definition == {"units": ["1204023", "3018073", "3217011"]}
    assert member_codes(saved.code) == ["1204023", "3018073", "3217011"]  # in the list's order
    again = groups.save_list("Moje gminy", "1204023 3018073 3217011", user)
    assert again.id == saved.id
    assert db.session.scalar(sa.select(sa.func.count()).select_from(UnitGroup).where(
        sa.not_(UnitGroup.standard))) == 1


def test_parse_codes_reads_what_people_paste():
    assert groups.parse_codes("1204023,3018073\n 261011; x 1204023") == ["1204023", "3018073", "0261011"]
    assert groups.parse_codes("") == []


# --- a group's figures against the raw BDL files -------------------------------------------------

DABROWA_POWIAT = ("1204011", "1204022", "1204023", "1204032", "1204042", "1204052", "1204062", "1204072")


def raw(path: Path, codes: tuple[str, ...]) -> dict[tuple[str, str, int], float]:
    """(code, label, year) -> value from a raw wide BDL file, read with plain csv."""
    rows = list(csv.reader(io.StringIO(path.read_text(encoding="utf-8-sig")), delimiter=";"))
    out = {}
    for row in rows[1:]:
        code = row[0].zfill(7)
        if code not in codes:
            continue
        for label, cell in zip(rows[0][2:], row[2:], strict=False):
            if cell:
                group, category, year = label.split(";")[:3]
                out[(code, f"{group};{category}", int(year))] = float(cell.replace(",", "."))
    return out


def subset(path: Path, codes: tuple[str, ...], tmp_path: Path) -> Path:
    lines = path.read_text(encoding="utf-8-sig").splitlines()
    keep = [lines[0]] + [line for line in lines[1:] if line.split(";", 1)[0].strip('"').zfill(7) in codes]
    out = tmp_path / path.name
    out.write_text("\n".join(keep) + "\n", encoding="utf-8")
    return out


def test_a_powiats_figures_match_a_direct_computation_from_the_raw_files(ctx, tmp_path):
    from workflow.monitoring import definitions

    units.load(with_boundaries=False)
    definitions.load()
    groups.ensure_standard()
    codes = tuple(c for c in member_codes("powiat-1204"))
    assert len(codes) == 7
    importer.import_file(subset(REVENUES, codes, tmp_path))
    importer.import_file(subset(POPULATION, codes, tmp_path))
    page = distribution.group_page("powiat-1204", 2019)
    figures = {f.version.indicator.code: f.aggregate for f in page.figures}

    revenue = raw(REVENUES, codes)
    people = raw(POPULATION, codes)
    label = {"pre": "w wieku przedprodukcyjnym;ogółem", "work": "w wieku produkcyjnym;ogółem",
             "post": "w wieku poprodukcyjnym;ogółem"}
    total = {c: sum(people[(c, label[k], 2019)] for k in label) for c in codes}
    own = {c: revenue[(c, "gminy łącznie z miastami na prawach powiatu;razem", 2019)] for c in codes}
    # Own revenues per capita of the powiat: the sum of revenues over the sum of residents.
    per_capita = figures["dochody_wlasne_na_mieszkanca"]
    assert per_capita.count == per_capita.members == 7
    assert per_capita.value == pytest.approx(sum(own.values()) / sum(total.values()), rel=1e-12)
    singles = sorted(own[c] / total[c] for c in codes)
    assert per_capita.minimum == pytest.approx(singles[0])
    assert per_capita.maximum == pytest.approx(singles[-1])
    assert per_capita.median == pytest.approx(singles[3])
    assert per_capita.q1 == pytest.approx(singles[1] + 0.5 * (singles[2] - singles[1]))  # position 1.5
    # The population of a group is its total; the dependency ratio a ratio of sums.
    assert figures["ludnosc"].value == sum(total.values())
    dependency = figures["wskaznik_obciazenia_demograficznego"].value
    non_working = sum(people[(c, label["pre"], 2019)] + people[(c, label["post"], 2019)] for c in codes)
    working = sum(people[(c, label["work"], 2019)] for c in codes)
    assert dependency == pytest.approx(100 * non_working / working)
    change = figures["zmiana_liczby_ludnosci_od_2010"].value
    then = sum(people[(c, label[k], 2010)] for c in codes for k in label)
    assert change == pytest.approx(100 * (sum(total.values()) - then) / then)
    # No area was imported: density has no value in any gmina, and says so.
    density = figures["gestosc_zaludnienia"]
    assert (density.value, density.count, density.members) == (None, 0, 7)
