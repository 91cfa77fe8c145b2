"""The map of all 2,477 gminas: its size on the wire and the time Chromium takes to draw it.

    python bench/map_draw.py              # SQLite (a temporary file)
    TEST_DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1:5432/test python bench/map_draw.py
                                          # then PostgreSQL (a database of its own, dropped after)

Loads the register with its boundaries, the definitions, the BDL extract
(data/bdl/bdl_gminy_2010-2019_long_compact.csv) and the system's groups; serves them with
`gunicorn -w 1 wsgi:app`; then:

- on the wire: the indicator page over every gmina with the map of Poland, as served (its
  Content-Encoding when asked for gzip or br: none, the proxy compresses, docs/deploy.md and
  decision 0041), and its size compressed as nginx's `gzip_comp_level 6` does (gzip -6);
- in Chromium (/usr/bin/chromium, through Playwright): the time from navigation to the first
  frame painted after the page loaded, and the map drawn again (a copy of its SVG laid out and
  painted, two animation frames), the median of REPEATS.

The issue's budget: 400 KB compressed on the wire, drawn in 1 s. Figures only: nothing passes
or fails (tests/test_browser_indicators.py checks what the map shows).
"""

from __future__ import annotations

import gzip
import os
import secrets
import statistics
import sys
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]

from playwright.sync_api import sync_playwright  # noqa: E402
from support import bench_main  # noqa: E402
from support.browser import CHROMIUM, LAUNCH_ARGS  # noqa: E402
from support.gunicorn import Server  # noqa: E402
from test_browser_indicators import DRAW, FIRST_FRAME  # noqa: E402

from workflow.app import create_app  # noqa: E402
from workflow.extensions import db  # noqa: E402
from workflow.monitoring import definitions, groups, importer, units  # noqa: E402

LONG = ROOT / "data" / "bdl" / "bdl_gminy_2010-2019_long_compact.csv"
PAGE = "/indicators/dochody_wlasne_na_mieszkanca?year=2019"
REPEATS = 9


def run(label: str, database_url: str, workdir: Path) -> dict[str, object]:
    workdir.mkdir(parents=True, exist_ok=True)
    app = create_app({"APP_ENV": "testing", "SECRET_KEY": secrets.token_hex(32),
                      "SQLALCHEMY_DATABASE_URI": database_url, "INSTANCE_PATH": str(workdir / "instance"),
                      "UPLOAD_DIR": str(workdir / "uploads")})
    out: dict[str, object] = {}
    with app.app_context():
        db.create_all()
        units.load()
        definitions.load()
        importer.import_file(LONG)
        groups.ensure_standard()
        db.session.commit()
        db.session.remove()
        env = {**os.environ, "DATABASE_URL": database_url, "APP_ENV": "benchmark",
               "SECRET_KEY": secrets.token_hex(32), "INSTANCE_PATH": str(workdir / "gunicorn-instance")}
        env.pop("REDIS_URL", None)
        server = Server(env, workdir)
        try:
            server.worker()
            asked = urllib.request.Request(server.url + PAGE, headers={"Accept-Encoding": "gzip, br"})
            with urllib.request.urlopen(asked, timeout=60) as answer:  # noqa: S310  (our own local server)
                body = answer.read()
                out["encoding"] = answer.headers.get("Content-Encoding") or "none"
            out["bytes"], out["gzip"] = len(body), len(gzip.compress(body, 6))
            with sync_playwright() as pw:
                browser = pw.chromium.launch(executable_path=CHROMIUM, args=LAUNCH_ARGS)
                try:
                    page = browser.new_page(viewport={"width": 1280, "height": 900})
                    firsts, draws = [], []
                    for _ in range(REPEATS):
                        page.goto(server.url + PAGE)
                        out["shapes"] = page.locator("svg.map path:not(.outline)").count()
                        firsts.append(page.evaluate(FIRST_FRAME)["frame"])
                        draws.append(page.evaluate(DRAW))
                    out["first"], out["draw"] = statistics.median(firsts), statistics.median(draws)
                    out["draw_max"] = max(draws)
                finally:
                    browser.close()
        finally:
            server.stop()
        db.drop_all()
        db.engine.dispose()
    return out


def report(label: str, r: dict[str, object]) -> None:
    print()
    print(f"{label}: the indicator page with the map of {r['shapes']:,} gminas ({PAGE})")
    print(f"  as served: {r['bytes']:,} B, Content-Encoding {r['encoding']}; gzip -6 {r['gzip']:,} B "
          f"(budget 400,000 B)")
    print(f"  Chromium, median of {REPEATS}: first frame {r['first']:.0f} ms after navigation; "
          f"the map drawn again {r['draw']:.0f} ms (slowest {r['draw_max']:.0f} ms; budget 1,000 ms)")


def main() -> None:
    print(f"load average (1, 5, 15 min) before: {' '.join(Path('/proc/loadavg').read_text().split()[:3])}")
    bench_main(run, report)
    print(f"load average (1, 5, 15 min) after: {' '.join(Path('/proc/loadavg').read_text().split()[:3])}")


if __name__ == "__main__":
    main()
