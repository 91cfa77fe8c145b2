"""The indicator base of the open API's tests, made through the real loaders: the units of a
few powiats of the TERC register (with their voivodeships), the definitions of
data/monitoring/indicators.toml, and the GUS BDL values of those gminas imported from the raw
files of data/bdl/ cut to their rows.

    SMALL: powiats 0201 (Bolesławiec), 0264 (Wrocław), 1204 (Dąbrowa Tarnowska), 1261
    (Kraków), 3217 (Wałcz): 20 gminas in 3 voivodeships.
    LARGER: SMALL and four more powiats of voivodeship 24 (Śląskie), for "the same number of
    statements at a larger size".
"""

from __future__ import annotations

from pathlib import Path

from workflow.monitoring import definitions, groups, importer, units

ROOT = Path(__file__).resolve().parents[2]
REGISTER = ROOT / "data" / "teryt" / "TERC_Urzedowy_2024-01-01.csv"
BDL = ROOT / "data" / "bdl"
REVENUES = BDL / "bdl_dochody_wlasne_gmin_2010-2019_raw.csv"
POPULATION = BDL / "bdl_ludnosc_ekonomiczne_grupy_wieku_gmin_2010-2019_raw.csv"
AREA = BDL / "bdl_powierzchnia_km2_gmin_2010-2019_utf8.csv"

KRAKOW, WROCLAW, WALCZ, DABROWA = "1261011", "0264011", "3217011", "1204023"
SMALL = ("0201", "0264", "1204", "1261", "3217")
LARGER = (*SMALL, "2401", "2402", "2403", "2404")


def register_subset(powiats: tuple[str, ...], folder: Path) -> Path:
    """The TERC file's header, voivodeships and the rows of `powiats` and their gminas."""
    lines = REGISTER.read_text(encoding="utf-8-sig").splitlines()
    voivodeships = {p[:2] for p in powiats}
    keep = [lines[0]]
    for line in filter(None, lines[1:]):
        woj, pow_ = line.split(";")[:2]
        if (not pow_ and woj in voivodeships) or (pow_ and woj + pow_ in powiats):
            keep.append(line)
    out = folder / f"terc-{len(powiats)}.csv"
    out.write_text("\n".join(keep) + "\n", encoding="utf-8")
    return out


def values_subset(path: Path, powiats: tuple[str, ...], folder: Path) -> Path:
    """The header and the rows of the gminas of `powiats` of a raw BDL file (codes there may
    lack their leading zero)."""
    lines = path.read_text(encoding="utf-8-sig").splitlines()
    keep = [lines[0]] + [line for line in lines[1:]
                         if line.split(";", 1)[0].strip('"').zfill(7)[:4] in powiats]
    out = folder / f"{len(powiats)}-{path.name}"
    out.write_text("\n".join(keep) + "\n", encoding="utf-8")
    return out


def build_base(folder: Path, powiats: tuple[str, ...] = SMALL) -> None:
    """Units, definitions and values of `powiats` (about a second on SQLite), and the system's
    peer groups; commits."""
    units.load(register_subset(powiats, folder), with_boundaries=False)
    definitions.load()
    for path in (REVENUES, POPULATION):
        importer.import_file(values_subset(path, powiats, folder))
    importer.import_file(values_subset(AREA, powiats, folder), variable="powierzchnia_km2")
    groups.ensure_standard()  # the API's groups are the saved ones (decision 0039)
