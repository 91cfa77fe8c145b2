"""The open API's slices at the BDL size and, on PostgreSQL, at the real system's size.

    python bench/api.py                   # SQLite (a temporary file): the BDL size
    TEST_DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1:5432/test python bench/api.py
                                          # then PostgreSQL: the BDL size, then the real size

Loads the TERYT units, the definitions and data/bdl/bdl_gminy_2010-2019_long_compact.csv (the
BDL size: 2,477 gminas, 10 indicators, 10 years, 416,087 values), then measures requests of
the API through the app (Flask's test client: the whole request, JSON or CSV included, no
network): the median and the fastest of REPEATS requests after one to warm up, the SQL
statements of one request and the bytes of its answer.

On PostgreSQL it then grows the base to the real system's size (issue 15): 200 synthetic
indicators, each a variable per 1,000 of a synthetic population, over 15 years (2005–2019) for
every gmina: 201 × 15 × 2,477 = 7,468,155 more values (about 7.9 million in all), made in one
INSERT … SELECT from generate_series; and measures the same requests again, and the slice of a
synthetic indicator. The target: each within 2 × its cost at the BDL size.

The public indicator page (one indicator, all gminas, with its map and group figures) is
measured with the API, as it reads the same values: its first request after a load of data
(nothing cached, decision 0041) and cached. The database is one of its own (bench_main), dropped
at the end; the values are made inside PostgreSQL, so this process's memory stays small.
Figures only: nothing passes or fails.
"""

from __future__ import annotations

import os
import secrets
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]

import sqlalchemy as sa  # noqa: E402
from support import bench_main  # noqa: E402
from support.querycount import count_queries  # noqa: E402

from workflow.app import create_app  # noqa: E402
from workflow.extensions import db  # noqa: E402
from workflow.models import (  # noqa: E402
    Dimension,
    Indicator,
    IndicatorType,
    IndicatorVersion,
    MonitoringArea,
    Polarity,
    SourceKind,
    ValueSource,
    Variable,
)
from workflow.monitoring import cache, definitions, groups, importer, units  # noqa: E402

LONG = ROOT / "data" / "bdl" / "bdl_gminy_2010-2019_long_compact.csv"
REPEATS = int(os.environ.get("BENCH_REPEATS") or 15)
SYNTHETIC = 200
YEARS = (2005, 2019)

SLICE = "/api/v1/values?indicator=dochody_wlasne_na_mieszkanca&year=2019"
EVERY_INDICATOR = ("dochody_wlasne_na_mieszkanca", "gestosc_zaludnienia", "ludnosc",
                   "udzial_dochodow_z_majatku", "udzial_ludnosci_w_wieku_poprodukcyjnym",
                   "udzial_podatku_od_nieruchomosci", "udzial_podatku_rolnego",
                   "wskaznik_obciazenia_demograficznego",
                   "zmiana_liczby_ludnosci_od_2010")
VOIVODESHIPS = ",".join(f"voivodeship-{c:02d}" for c in range(2, 33, 2))
REQUESTS = {
    "slice: 1 indicator, 1 year, 2,477 gminas (JSON)": SLICE,
    "the same slice (CSV)": SLICE + "&format=csv",
    "the same slice (JSON-stat)": SLICE + "&format=jsonstat",
    "the same slice, 304 (If-None-Match)": "304:" + SLICE,
    "slice of change since 2010 (6 terms)":
        "/api/v1/values?indicator=zmiana_liczby_ludnosci_od_2010&year=2019",
    "a page of 5,000 of every value": "/api/v1/values?limit=5000",
    "a page of 10,000, mid-way": "/api/v1/values?limit=10000&after=ludnosc:2015:1200000",
    "a gmina's every value (90)": "/api/v1/values?unit=1261011&indicator=" + ",".join(EVERY_INDICATOR),
    "aggregates: 16 voivodeships, 1 indicator, 1 year":
        f"/api/v1/aggregates?indicator=dochody_wlasne_na_mieszkanca&year=2019&group={VOIVODESHIPS}",
    "aggregates: all, 3 kinds, 1 indicator, 10 years":
        "/api/v1/aggregates?indicator=ludnosc&group=all,kind-urban,kind-rural,kind-urban-rural",
    "units (all 2,873)": "/api/v1/units",
    "groups (400)": "/api/v1/groups",
    "OpenAPI document": "/api/v1/openapi.json",
}
# The public indicator pages that read what the API reads (issue 15: within 2 × at the real
# size): computed (the first request after a load of data, "first:") and from the cache of
# decision 0041.
PAGE = "/indicators/dochody_wlasne_na_mieszkanca?year=2019"
REQUESTS.update({
    "indicator page, all gminas + map, first after a load": "first:" + PAGE,
    "indicator page, all gminas + map, cached": PAGE,
})
CONTROLS = ("units (all 2,873)", "groups (400)", "OpenAPI document")
REAL_ONLY = {"slice of a synthetic indicator, 1 year (JSON)": "/api/v1/values?indicator=syn_001&year=2019"}


def measure(client, url: str) -> dict[str, float | int]:  # noqa: ANN001
    headers = {}
    first_after_load = url.startswith("first:")
    url = url.removeprefix("first:")
    if url.startswith("304:"):
        url = url[4:]
        headers["If-None-Match"] = client.get(url).headers["ETag"]
    first = client.get(url, headers=headers)
    assert first.status_code in (200, 304), (url, first.status_code, first.get_data(as_text=True)[:300])
    if first_after_load:
        cache.clear()
    with count_queries(db.engine) as log:
        client.get(url, headers=headers)
    times = []
    for _ in range(REPEATS):
        if first_after_load:
            cache.clear()
        started = time.perf_counter()
        response = client.get(url, headers=headers)
        times.append(time.perf_counter() - started)
    return {"median": statistics.median(times) * 1000, "fastest": min(times) * 1000,
            "statements": log.count, "bytes": len(response.get_data()), "status": response.status_code}


def measure_all(client, requests: dict[str, str]) -> dict[str, dict]:  # noqa: ANN001
    out = {}
    for name, url in requests.items():
        out[name] = measure(client, url)
        print(f"    {name}: {out[name]['median']:.1f} ms", flush=True)
    return out


def grow_to_real_size() -> dict[str, float | int]:
    """200 synthetic indicators over 15 years for every gmina, in one INSERT … SELECT."""
    started = time.perf_counter()
    codes = ["syn_pop", *(f"syn_{i:03d}" for i in range(1, SYNTHETIC + 1))]
    db.session.add_all(Variable(code=c, name_pl=c, name_en=c, measure_unit="x", credit="synthetic")
                       for c in codes)
    source = ValueSource(kind=SourceKind.ENTRY, name="bench/api.py synthetic values")
    db.session.add(source)
    for code in codes[1:]:
        indicator = Indicator(code=code)
        indicator.versions.append(IndicatorVersion(
            version=1, name_pl=code, name_en=code, description_pl="syntetyczny", description_en="synthetic",
            area=MonitoringArea.FINANCE, kind=IndicatorType.MONITORING, dimension=Dimension.QUANTITY,
            measure_unit_pl="x", measure_unit_en="x", polarity=Polarity.NEUTRAL, decimals=1,
            formula={"numerator": [{"variable": code}], "denominator": [{"variable": "syn_pop"}],
                     "scale": 1000},
            credit="synthetic", licence="synthetic"))
        db.session.add(indicator)
    db.session.commit()
    inserted = db.session.execute(sa.text(
        "INSERT INTO variable_value (variable_id, year, unit_id, value, status, source_id, revision) "
        "SELECT v.id, y, u.id, 1000 + random() * 100000, 'final', :source, 1 "
        "FROM monitoring_variable v "
        "CROSS JOIN generate_series(CAST(:low AS integer), CAST(:high AS integer)) AS y "
        "CROSS JOIN territorial_unit u WHERE v.code LIKE 'syn%' AND u.level = 'gmina'"),
        {"source": source.id, "low": YEARS[0], "high": YEARS[1]}).rowcount
    db.session.commit()
    # VACUUM as well as ANALYZE: otherwise autovacuum comes for the 7.5 million new rows in
    # the middle of the measurements (one run's median of a slice went from 0.2 s to 4 s).
    with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        connection.execute(sa.text("VACUUM ANALYZE"))
    total = db.session.execute(sa.text("SELECT count(*) FROM variable_value")).scalar_one()
    return {"inserted": inserted, "total": total, "seconds": time.perf_counter() - started}


def run(label: str, database_url: str, workdir: Path) -> dict[str, object]:
    app = create_app({"APP_ENV": "testing", "SECRET_KEY": secrets.token_hex(32),
                      "SQLALCHEMY_DATABASE_URI": database_url,
                      "INSTANCE_PATH": str(workdir / "instance"), "UPLOAD_DIR": str(workdir / "uploads")})
    out: dict[str, object] = {}
    with app.app_context():
        db.create_all()
        units.load()  # with boundaries: the indicator page draws its map
        definitions.load()
        report = importer.import_file(LONG)
        groups.ensure_standard()
        db.session.commit()
        if db.engine.dialect.name == "postgresql":
            db.session.execute(sa.text("ANALYZE"))
            db.session.commit()
        out["values"] = report.inserted
        client = app.test_client()
        print(f"  [{label}] the BDL size", flush=True)
        out["bdl"] = measure_all(client, REQUESTS)
        if db.engine.dialect.name == "postgresql" and os.environ.get("BENCH_REAL_SIZE", "1") != "0":
            print(f"  [{label}] growing to the real size …", flush=True)
            out["grown"] = grow_to_real_size()
            print(f"  [{label}] the real size", flush=True)
            out["real"] = measure_all(client, {**REQUESTS, **REAL_ONLY})
        db.session.remove()
        db.drop_all()
        db.engine.dispose()
    return out


def report(label: str, r: dict[str, object]) -> None:
    print()
    print(f"{label}: the BDL size ({r['values']:,} values); median and fastest of {REPEATS} requests")
    bdl: dict[str, dict] = r["bdl"]  # type: ignore[assignment]
    real: dict[str, dict] | None = r.get("real")  # type: ignore[assignment]
    header = f"  {'request':52} {'median':>8} {'fastest':>8} {'SQL':>4} {'bytes':>10}"
    if real:
        grown = r["grown"]
        print(f"  real size: +{grown['inserted']:,} synthetic values, {grown['total']:,} in all, "  # type: ignore[index]
              f"made in {grown['seconds']:.0f} s")  # type: ignore[index]
        header += f" {'real size':>10} {'SQL':>4} {'ratio':>6}"
    print(header)
    factor = None
    if real:
        # Requests whose work does not grow with the values (the units, the groups, the OpenAPI
        # document): their ratio is the machine's load changing between the two measurements,
        # by which the last column divides every ratio.
        factor = statistics.median(real[n]["median"] / bdl[n]["median"] for n in CONTROLS)
        header += f" {'÷ load':>7}"
    for name in {**REQUESTS, **(REAL_ONLY if real else {})}:
        m = bdl.get(name) or bdl[next(iter(REQUESTS))]  # a synthetic slice beside the BDL slice
        line = f"  {name:52} "
        line += f"{m['median']:7.1f}ms {m['fastest']:7.1f}ms {m['statements']:4d} {m['bytes']:10,}"
        if real:
            n = real[name]
            ratio = f"{n['median'] / m['median']:5.2f}x"
            line += f" {n['median']:8.1f}ms {n['statements']:4d} {ratio:>6}"
            line += f" {n['median'] / m['median'] / factor:6.2f}x" if factor else ""
        print(line)
    if factor:
        print(f"  (÷ load: each ratio divided by {factor:.2f}, the median ratio of the requests whose "
              f"work does not depend on the number of values: {', '.join(CONTROLS)})")


def main() -> None:
    bench_main(run, report)


if __name__ == "__main__":
    main()
