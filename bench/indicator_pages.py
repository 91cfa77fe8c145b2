"""The most similar gminas and the public indicator pages, on the whole BDL extract.

    python bench/indicator_pages.py     # SQLite (a temporary file)
    TEST_DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1:5432/test python bench/indicator_pages.py
                                        # then PostgreSQL (a database of its own, dropped after)

Loads the 2,477 gminas with their boundaries, the definitions, the 416,370 values of
data/bdl/bdl_gminy_2010-2019_long_compact.csv and the system's groups, then measures:

- most similar: `similar.compute` with 6 weighted indicators over every gmina, for 20 anchors
  spread over the register, REPEATS times each with another weighting each time (so its result
  is not kept, decision 0048, but the standardised points are; 1 statement): reading and
  computing; the same definition asked again (its result kept); the pure part alone
  (`similar.nearest` on the points read, and `similar.nearest_in` on them standardised); and the
  first search after a load of data (nothing cached);
- pages: `gunicorn -w 1 wsgi:app` serving the database; each page PAGE_REPEATS times after a
  warm-up, wall time and the worker's CPU time (from /proc, steadier on a shared machine),
  against the static floor (GET /static/style.css from the same gunicorn): the
  indicator page over all gminas with its map, the indicator in one voivodeship, a gmina's
  profile, ten gminas compared, a group's page, the most similar page; with each page's SQL
  statements (counted in-process), its size and its size compressed (gzip -6); then the
  indicator page and the profile as the first request after a load of data (a new
  value_source row before each: nothing cached), with the statements of that request.

Figures only: nothing passes or fails.
"""

from __future__ import annotations

import gzip
import os
import secrets
import statistics
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]

import sqlalchemy as sa  # noqa: E402
from support import bench_main  # noqa: E402
from support.gunicorn import Server  # noqa: E402
from support.querycount import count_queries  # noqa: E402

from workflow.app import create_app  # noqa: E402
from workflow.extensions import db  # noqa: E402
from workflow.models import SourceKind, TerritorialUnit, UnitLevel, ValueSource  # noqa: E402
from workflow.monitoring import cache, definitions, groups, importer, readings, similar, units  # noqa: E402

LONG = ROOT / "data" / "bdl" / "bdl_gminy_2010-2019_long_compact.csv"
REPEATS = 20
PAGE_REPEATS = 50  # the worker's CPU time is counted in 10 ms ticks: 50 requests give 0.2 ms
WEIGHTS = {"dochody_wlasne_na_mieszkanca": 2.0, "udzial_podatku_od_nieruchomosci": 1.0,
           "udzial_podatku_rolnego": 1.0, "gestosc_zaludnienia": 1.5,
           "wskaznik_obciazenia_demograficznego": 1.0, "zmiana_liczby_ludnosci_od_2010": 1.0}
YEAR = 2019
TEN = ("1261011", "1465011", "0264011", "3217011", "1204023", "3018073", "2011083", "1002011",
       "0618011", "2816033")
SIMILAR = ("/indicators/groups/similar?anchor=1204023&year=2019&"
           + "&".join(f"w-{c}={w}" for c, w in WEIGHTS.items()))
PAGES = {
    "indicator, all 2,477 gminas + map": "/indicators/dochody_wlasne_na_mieszkanca?year=2019",
    "indicator, one voivodeship": "/indicators/dochody_wlasne_na_mieszkanca?year=2019&group=voivodeship-12",
    "gmina profile": "/indicators/units/1204023?year=2019",
    "comparison of 10 gminas": "/indicators/compare?year=2019&" + "&".join(f"unit={c}" for c in TEN),
    "group page (urban gminas)": "/indicators/groups/kind-urban?year=2019",
    "most similar page": SIMILAR,
}


FIRST = ("indicator, all 2,477 gminas + map", "gmina profile")


def median_ms(times: list[float]) -> float:
    return statistics.median(times) * 1000


def bench_similar() -> dict[str, object]:
    codes = list(db.session.scalars(sa.select(TerritorialUnit.code).where(
        TerritorialUnit.level == UnitLevel.GMINA).order_by(TerritorialUnit.code)))
    anchors = codes[::len(codes) // 20][:20]
    criteria = tuple(similar.Criterion(c, w) for c, w in WEIGHTS.items())

    def weighted(anchor: str, run: int) -> similar.Definition:
        """Another weighting in each run: its result is not kept yet (decision 0048 keeps a
        result per definition), the standardised points are."""
        return similar.Definition(anchor, tuple(similar.Criterion(c.indicator, c.weight + run / 64)
                                                for c in criteria), YEAR)

    whole, cpu, pure, pure_kept, cold, kept = [], [], [], [], [], []
    similar.compute(similar.Definition(anchors[0], criteria, YEAR))  # warm-up
    with count_queries(db.engine) as log:
        result = similar.compute(weighted(anchors[0], REPEATS + 1))
    with count_queries(db.engine) as kept_log:
        similar.compute(similar.Definition(anchors[0], criteria, YEAR))
    for anchor in anchors:
        definition = similar.Definition(anchor, criteria, YEAR)
        db.session.expire_all()
        cache.clear()  # the first search after a load of data: everything read and computed
        started = time.perf_counter()
        similar.compute(definition)
        cold.append(time.perf_counter() - started)
        for run in range(REPEATS):
            db.session.expire_all()
            started, used = time.perf_counter(), time.process_time()
            found = similar.compute(weighted(anchor, run))
            whole.append(time.perf_counter() - started)
            cpu.append(time.process_time() - used)
            started = time.perf_counter()
            similar.compute(definition)  # asked again: kept
            kept.append(time.perf_counter() - started)
        # The pure part on every compared gmina: read them once, outside the clock.
        formulas = [readings.formula(v) for v in found.versions]
        data = readings.values(formulas, [YEAR])
        units_ = readings.gminas()
        points = {}
        for unit_id, d in data.items():
            row = [f.value(d, YEAR) for f in formulas]
            if unit_id in units_ and None not in row:
                points[units_[unit_id].code] = row
        table = similar.standardised(points, len(WEIGHTS))
        for _ in range(REPEATS):
            started = time.perf_counter()
            similar.nearest(points, anchor, list(WEIGHTS.values()), similar.DEFAULT_SIZE)
            pure.append(time.perf_counter() - started)
            started = time.perf_counter()
            similar.nearest_in(table, anchor, list(WEIGHTS.values()), similar.DEFAULT_SIZE)
            pure_kept.append(time.perf_counter() - started)
    return {"compared": result.compared, "statements": log.count, "anchors": len(anchors),
            "kept": median_ms(kept), "kept_statements": kept_log.count, "pure_kept": median_ms(pure_kept),
            "whole": median_ms(whole), "whole_min": min(whole) * 1000,
            "whole_p90": statistics.quantiles(whole, n=10)[-1] * 1000,
            "cpu": median_ms(cpu), "pure": median_ms(pure), "cold": median_ms(cold),
            "cold_max": max(cold) * 1000}


def cpu_seconds(pid: int) -> float:
    """CPU time (user + system) a process has used so far, from /proc: what a request costs
    the server, whatever else the machine is doing."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def fetch(url: str) -> tuple[float, bytes]:
    started = time.perf_counter()
    with urllib.request.urlopen(url, timeout=60) as answer:  # noqa: S310  (our own local server)
        body = answer.read()
    return time.perf_counter() - started, body


def bench_pages(app, database_url: str, workdir: Path) -> dict[str, object]:  # noqa: ANN001
    counts, cold_counts = {}, {}
    client = app.test_client()
    for name, url in PAGES.items():
        client.get(url)
        cache.clear()
        with count_queries(db.engine) as log:
            response = client.get(url)
        cold_counts[name] = log.count
        with count_queries(db.engine) as log:
            response = client.get(url)
        assert response.status_code == 200, (url, response.status_code)
        counts[name] = log.count
    env = {**os.environ, "DATABASE_URL": database_url, "APP_ENV": "benchmark",
           "SECRET_KEY": secrets.token_hex(32), "INSTANCE_PATH": str(workdir / "gunicorn-instance")}
    env.pop("REDIS_URL", None)
    server = Server(env, workdir)
    out: dict[str, object] = {}
    try:
        worker = server.worker()
        for _ in range(5):
            fetch(server.url + "/static/style.css")
        used = cpu_seconds(worker)
        floor = [fetch(server.url + "/static/style.css")[0] for _ in range(PAGE_REPEATS * 5)]
        out["floor"] = median_ms(floor)
        out["floor_cpu"] = (cpu_seconds(worker) - used) / len(floor) * 1000
        for name, url in PAGES.items():
            fetch(server.url + url)
            times, body = [], b""
            used = cpu_seconds(worker)
            for _ in range(PAGE_REPEATS):
                took, body = fetch(server.url + url)
                times.append(took)
            spent = (cpu_seconds(worker) - used) / PAGE_REPEATS * 1000
            out[name] = (median_ms(times), spent, counts[name], len(body), len(gzip.compress(body, 6)))
        # The first request after a load of data (the cache's version changes: decision 0041).
        for name in FIRST:
            url = PAGES[name]
            times = []
            spent = 0.0
            for _ in range(5):
                db.session.add(ValueSource(kind=SourceKind.ENTRY, name="bench: a new version of the data"))
                db.session.commit()
                used = cpu_seconds(worker)
                times.append(fetch(server.url + url)[0])
                spent += cpu_seconds(worker) - used
            out["first: " + name] = (median_ms(times), spent / 5 * 1000, cold_counts[name])
        asked = urllib.request.Request(server.url + PAGES[FIRST[0]], headers={"Accept-Encoding": "gzip, br"})
        with urllib.request.urlopen(asked, timeout=60) as answer:  # noqa: S310  (our own local server)
            out["encoding"] = answer.headers.get("Content-Encoding") or "none"
    finally:
        server.stop()
    return out


def run(label: str, database_url: str, workdir: Path) -> dict[str, object]:
    workdir.mkdir(parents=True, exist_ok=True)
    app = create_app({"APP_ENV": "testing", "SECRET_KEY": secrets.token_hex(32),
                      "SQLALCHEMY_DATABASE_URI": database_url, "INSTANCE_PATH": str(workdir / "instance"),
                      "UPLOAD_DIR": str(workdir / "uploads")})
    with app.app_context():
        db.create_all()
        started = time.perf_counter()
        units.load()
        definitions.load()
        importer.import_file(LONG)
        groups.ensure_standard()
        db.session.commit()
        if db.engine.dialect.name == "postgresql":  # what autovacuum does after a load
            with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
                conn.execute(sa.text("VACUUM ANALYZE"))
        print(f"  [{label}] loaded in {time.perf_counter() - started:.1f} s", flush=True)
        out = {"similar": bench_similar()}
        db.session.remove()
        out["pages"] = bench_pages(app, database_url, workdir)
        db.session.remove()
        db.drop_all()
        db.engine.dispose()
    return out


def report(label: str, r: dict[str, object]) -> None:
    s = r["similar"]
    print()
    print(f"{label}: most similar, {len(WEIGHTS)} weighted indicators, {s['compared']:,} gminas compared, "
          f"{s['anchors']} anchors × {REPEATS} runs")
    print(f"  read + compute, another weighting each run (similar.compute, {s['statements']} statements): "
          f"median {s['whole']:.1f} ms, fastest {s['whole_min']:.1f} ms, "
          f"90th percentile {s['whole_p90']:.1f} ms   (target ≤ 50 ms)")
    print(f"  the same, CPU time of this process (SQLite's work included, PostgreSQL's not): "
          f"median {s['cpu']:.1f} ms")
    print(f"  the same definition again (its result kept, decision 0048; {s['kept_statements']} statement): "
          f"median {s['kept']:.2f} ms")
    print(f"  computing alone (similar.nearest on the points read):  median {s['pure']:.1f} ms; "
          f"on the standardised points kept (similar.nearest_in): median {s['pure_kept']:.1f} ms")
    print(f"  the first search after a load (nothing cached, decision 0041): median {s['cold']:.1f} ms, "
          f"slowest {s['cold_max']:.1f} ms")
    pages = r["pages"]
    floor = float(pages["floor"])  # type: ignore[arg-type]
    floor_cpu = float(pages["floor_cpu"])  # type: ignore[arg-type]
    print(f"{label}: pages served by gunicorn -w 1, median of {PAGE_REPEATS} (wall), and the worker's CPU "
          f"time per request; static floor (/static/style.css) {floor:.1f} ms, {floor_cpu:.1f} ms CPU")
    print(f"  {'page':38} {'ms':>8} {'× floor':>8} {'CPU ms':>8} {'× floor':>8} {'SQL':>4} "
          f"{'bytes':>9} {'gzip':>8}")
    for name in PAGES:
        ms, cpu, statements, size, packed = pages[name]  # type: ignore[misc]
        print(f"  {name:38} {ms:8.1f} {ms / floor:8.1f} {cpu:8.1f} {cpu / floor_cpu:8.1f} "
              f"{statements:4d} {size:9,} {packed:8,}")
    print("  the first request after a load of data (nothing cached yet, decision 0041), median of 5:")
    for name in FIRST:
        ms, cpu, statements = pages["first: " + name]  # type: ignore[misc]
        print(f"  {name:38} {ms:8.1f} {ms / floor:8.1f} {cpu:8.1f} {cpu / floor_cpu:8.1f} {statements:4d}")
    print(f"  Content-Encoding of a page asked with Accept-Encoding: gzip, br: {pages['encoding']} "
          "(compressed by the proxy, docs/deploy.md)")


def main() -> None:
    print(f"load average (1, 5, 15 min) before: {' '.join(Path('/proc/loadavg').read_text().split()[:3])}")
    bench_main(run, report)
    print(f"load average (1, 5, 15 min) after: {' '.join(Path('/proc/loadavg').read_text().split()[:3])}")


if __name__ == "__main__":
    main()
