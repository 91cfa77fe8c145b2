"""What data quality in the open costs the public pages (decision 0039), on the whole BDL extract.

    python bench/data_quality.py     # SQLite (a temporary file)
    TEST_DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1:5432/test python bench/data_quality.py

Loads the 2,477 gminas, the definitions, the 416,370 values of
data/bdl/bdl_gminy_2010-2019_long_compact.csv and the system's groups, then measures in this
process (median of REPEATS, after a warm-up), each WITH and WITHOUT the new work:

- reading one indicator's values for every gmina in a year (`readings.values`): public (the
  provisional values named from their partial index and dropped) against everything;
- the indicator page's model over all gminas (`distribution.indicator_page`, no map): with the
  marks (outliers, revision notes, comments) against without;
- a gmina's profile (`profiles.unit_profile`), whose marks cannot be switched off: its time;

first on the base as loaded (no provisional value, correction or comment), then after making
500 values provisional, correcting 100 and commenting on 100. Figures only: nothing passes or
fails.
"""

from __future__ import annotations

import secrets
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]

import sqlalchemy as sa  # noqa: E402
from support import bench_main  # noqa: E402

from workflow.app import create_app  # noqa: E402
from workflow.extensions import db  # noqa: E402
from workflow.models import (  # noqa: E402
    Indicator,
    SourceKind,
    ValueComment,
    ValueRevision,
    ValueSource,
    ValueStatus,
    Variable,
    VariableValue,
)
from workflow.monitoring import definitions, distribution, groups, importer, profiles, readings, units  # noqa: E402

LONG = ROOT / "data" / "bdl" / "bdl_gminy_2010-2019_long_compact.csv"
REPEATS = 15
YEAR = 2019
CODE = "dochody_wlasne_na_mieszkanca"
PROFILE = "1204023"


def median_ms(work: Callable[[], Any]) -> float:
    work()
    times = []
    for _ in range(REPEATS):
        db.session.expire_all()
        used = time.process_time()
        work()
        times.append(time.process_time() - used)
    return statistics.median(times) * 1000


def measure() -> dict[str, float]:
    formula = readings.formula(readings.current_by_code()[CODE])
    return {
        "values, public": median_ms(lambda: readings.values([formula], [YEAR])),
        "values, all": median_ms(lambda: readings.values([formula], [YEAR], public=False)),
        "indicator page, marks": median_ms(
            lambda: distribution.indicator_page(CODE, YEAR, with_map=False, with_marks=True)),
        "indicator page, no marks": median_ms(
            lambda: distribution.indicator_page(CODE, YEAR, with_map=False, with_marks=False)),
        "profile": median_ms(lambda: profiles.unit_profile(PROFILE, YEAR)),
    }


def spoil() -> None:
    """500 of the indicator's input values provisional, 100 corrected (with a revision), 100
    comments: more than the monitoring's cities would ever have at once."""
    variables = sorted(readings.formula(readings.current_by_code()[CODE]).variables)
    ids = list(db.session.scalars(sa.select(Variable.id).where(Variable.code.in_(variables))))
    rows = db.session.execute(sa.select(VariableValue.variable_id, VariableValue.unit_id)
                              .where(VariableValue.variable_id == ids[0], VariableValue.year == YEAR)
                              .order_by(VariableValue.unit_id).limit(600)).all()
    vv = VariableValue.__table__
    provisional = [u for _v, u in rows[:500]]
    db.session.execute(sa.update(vv).where(vv.c.variable_id == ids[0], vv.c.year == YEAR,
                                           vv.c.unit_id.in_(provisional)).values(status="provisional"))
    source = ValueSource(kind=SourceKind.ENTRY, name="bench correction", note="bench")
    db.session.add(source)
    db.session.flush()
    corrected = [u for _v, u in rows[500:600]]
    db.session.execute(sa.update(vv).where(vv.c.variable_id == ids[0], vv.c.year == YEAR,
                                           vv.c.unit_id.in_(corrected))
                       .values(status="corrected", revision=2))
    db.session.add_all([ValueRevision(variable_id=ids[0], unit_id=u, year=YEAR, revision=1, value=1.0,
                                      status=ValueStatus.FINAL, source_id=source.id,
                                      replaced_by_id=source.id) for u in corrected])
    indicator_id = db.session.scalar(sa.select(Indicator.id).where(Indicator.code == CODE))
    db.session.add_all([ValueComment(unit_id=u, indicator_id=indicator_id, year=YEAR, body="bench")
                        for u in corrected])
    db.session.commit()


def run(label: str, database_url: str, workdir: Path) -> dict[str, dict[str, float]]:
    workdir.mkdir(parents=True, exist_ok=True)
    app = create_app({"APP_ENV": "testing", "SECRET_KEY": secrets.token_hex(32),
                      "SQLALCHEMY_DATABASE_URI": database_url, "INSTANCE_PATH": str(workdir / "instance"),
                      "UPLOAD_DIR": str(workdir / "uploads")})
    with app.test_request_context():
        db.create_all()
        started = time.perf_counter()
        units.load(with_boundaries=False)
        definitions.load()
        importer.import_file(LONG)
        groups.ensure_standard()
        db.session.commit()
        if db.engine.dialect.name == "postgresql":
            with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
                conn.execute(sa.text("VACUUM ANALYZE"))
        print(f"  [{label}] loaded in {time.perf_counter() - started:.1f} s", flush=True)
        out = {"as loaded": measure()}
        spoil()
        out["500 provisional, 100 corrected, 100 comments"] = measure()
        db.session.remove()
        db.drop_all()
        db.engine.dispose()
    return out


def report(label: str, results: dict[str, dict[str, float]]) -> None:
    print()
    print(f"{label}: CPU ms of this process (the database's work included on SQLite only), "
          f"median of {REPEATS}")
    for case, figures in results.items():
        print(f"  {case}:")
        for name, ms in figures.items():
            print(f"    {name:30} {ms:8.1f}")
        print(f"    {'public read / all':30} {figures['values, public'] / figures['values, all']:8.2f} ×")
        print(f"    {'page with marks / without':30} "
              f"{figures['indicator page, marks'] / figures['indicator page, no marks']:8.2f} ×")


def main() -> None:
    bench_main(run, report)


if __name__ == "__main__":
    main()
