"""Every main page against a static file, through gunicorn (2 workers), at 54 and 540 towns.

    python bench/pages.py                        # SQLite; builds both demos in a temporary folder
    python bench/pages.py --keep /tmp/pages      # keeps (and next time reuses) the built demos
    python bench/pages.py --rounds 60 --sizes 540
    python bench/pages.py --profile "evaluation overview (RL-2019)" --sizes 540 --keep /tmp/pages

For each size the demo is seeded by its own seed and scaled by bench/scaled_demo.py (54 × 1 and
54 × 10 towns, with their advisors, evaluators' sheets, services and participants), and
RL-2019's ranking is announced (the public results). Then, for every page:

- in-process (Flask's test client), the number of SQL statements of one request and the size
  of the page;
- through a real `gunicorn -w 2` on a free port of 127.0.0.1, one request at a time: in each
  round, `/static/style.css` and then the page, for every page; after a warm-up, the median and
  the 95th percentile of each, and the page's median as a multiple of the static file's median
  (× floor), which the machine's load moves much less than the times themselves.

It prints figures only and never fails on timing; the statement counts are pinned by
tests/test_query_counts.py. With --profile it prints instead where one request of that page
spends its time (cProfile, in-process, after warm-up requests).
"""

from __future__ import annotations

import argparse
import cProfile
import http.client
import os
import pstats
import re
import secrets
import shutil
import signal
import statistics
import subprocess  # nosec B404  (gunicorn with fixed arguments)
import sys
import tempfile
import time
import urllib.parse
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "tests"), str(ROOT / "bench")]

import scaled_demo  # noqa: E402
import sqlalchemy as sa  # noqa: E402
from support import Browser, app_for_tests  # noqa: E402
from support.gunicorn import free_port  # noqa: E402
from support.querycount import count_queries  # noqa: E402

from workflow.extensions import db  # noqa: E402

GUNICORN = str(Path(sys.executable).parent / "gunicorn")
PASSWORD = "demo"  # noqa: S105  (the demo's documented password)
STATIC = "/static/style.css"
COORDINATOR = "coordinator@demo.sciezka.pl"
# page: (who, url). town05's RL-2020 path stands at the PRL stage, returned, with its history and
# documents ({town_path}: its id); advisor05 is its city advisor; evaluator01 has RL-2019's
# sheets and RL-2020's open ones.
TOWN = "town05@demo.sciezka.pl"
PAGES = {
    "evaluation overview (RL-2019)": (COORDINATOR, "/coordinator/evaluation/?programme=RL-2019"),
    "services report": (COORDINATOR, "/coordinator/reports/consultations"),
    "public statistics": (None, "/public/"),
    "coordinator overview": (COORDINATOR, "/coordinator/"),
    "town (its path)": (TOWN, "/town/paths/{town_path}"),
    "advisor": ("advisor05@demo.sciezka.pl", "/advisor/"),
    "evaluator": ("evaluator01@demo.sciezka.pl", "/evaluator/"),
    "public results": (None, "/public/results/"),
}
CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


def load() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


# --- the databases ------------------------------------------------------------------------------

def database(work: Path, size: int) -> tuple[str, Path]:
    """The SQLite URL and instance folder of the demo of `size` towns, built unless kept."""
    factor = size // 54
    if factor * 54 != size:
        raise SystemExit(f"sizes are multiples of 54, not {size}")
    path, instance = work / f"demo{size}.sqlite3", work / f"demo{size}-instance"
    url = f"sqlite:///{path}"
    if not path.exists():
        print(f"building the demo at {size} towns (×{factor}) …", flush=True)
        partial = path.with_suffix(".partial")
        partial.unlink(missing_ok=True)
        shutil.rmtree(instance, ignore_errors=True)
        scaled_demo.build(f"sqlite:///{partial}", instance, factor, say=lambda s: print(s, flush=True))
        partial.rename(path)
    return url, instance


def addresses(url: str) -> dict[str, str]:
    """Every page's URL, with the ids of the demo's rows filled in."""
    engine = sa.create_engine(url)
    try:
        with engine.connect() as conn:
            town_path = conn.scalar(sa.text(
                "SELECT path.id FROM path JOIN user_account ON user_account.applicant_id = path.applicant_id "
                "JOIN programme ON programme.id = path.programme_id "
                "WHERE user_account.email = :email AND programme.code = 'RL-2020'"), {"email": TOWN})
    finally:
        engine.dispose()
    return {page: address.format(town_path=town_path) for page, (_who, address) in PAGES.items()}


# --- in-process: statements and sizes, and the profile ------------------------------------------

@dataclass
class Counted:
    statements: int
    kilobytes: float


def count(url: str, instance: Path) -> dict[str, Counted]:
    app = app_for_tests(url, instance, TESTING=False)
    out = {}
    where = addresses(url)
    for page, (email, _address) in PAGES.items():
        address = where[page]
        browser = Browser(app, PASSWORD)
        if email is not None and browser.login(email).status_code != 302:
            raise RuntimeError(f"could not log in as {email}")
        browser.get(address)  # the same request once before: a first request fills caches
        with app.app_context():
            engine = db.engine
        with count_queries(engine) as log:
            response = browser.get(address)
        if response.status_code != 200:
            raise RuntimeError(f"{page}: {address} answered {response.status_code}")
        out[page] = Counted(log.count, len(response.get_data()) / 1024)
    with app.app_context():
        db.engine.dispose()
    return out


def profile(url: str, instance: Path, page: str, top: int) -> None:
    app = app_for_tests(url, instance, TESTING=False)
    email, address = PAGES[page][0], addresses(url)[page]
    browser = Browser(app, PASSWORD)
    if email is not None:
        browser.login(email)
    for _ in range(3):
        browser.get(address)
    profiler = cProfile.Profile()
    started = time.perf_counter()
    profiler.enable()
    browser.get(address)
    profiler.disable()
    print(f"{page} ({address}): {(time.perf_counter() - started) * 1000:.1f} ms under cProfile")
    stats = pstats.Stats(profiler).strip_dirs()
    stats.sort_stats("cumulative").print_stats(top)
    stats.sort_stats("tottime").print_stats(top)


# --- through gunicorn ---------------------------------------------------------------------------

class Server:
    """gunicorn -w 2 serving the app on the given database, on a free port."""

    def __init__(self, url: str, instance: Path, workers: int = 2) -> None:
        self.port = free_port()
        self.log = instance / "gunicorn.log"
        env = {**os.environ, "APP_ENV": "development", "SECRET_KEY": secrets.token_hex(32),
               "DATABASE_URL": url, "INSTANCE_PATH": str(instance), "UPLOAD_DIR": str(instance / "uploads")}
        env.pop("REDIS_URL", None)
        with self.log.open("ab") as out:
            self.proc = subprocess.Popen(  # noqa: S603  (fixed arguments)
                [GUNICORN, "-w", str(workers), "-b", f"127.0.0.1:{self.port}", "--timeout", "120",
                 "wsgi:app"],
                cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
        end = time.monotonic() + 60
        while time.monotonic() < end:
            if self.proc.poll() is not None:
                raise RuntimeError("gunicorn ended:\n" + self.log.read_text()[-3000:])
            try:
                if Client(self.port).get("/healthz")[0] == 200:
                    return
            except OSError:
                time.sleep(0.2)
        raise RuntimeError("gunicorn did not answer:\n" + self.log.read_text()[-3000:])

    def stop(self) -> None:
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            self.proc.wait(timeout=30)


@dataclass
class Client:
    """One person's cookies; one connection per request (gunicorn's sync workers close it)."""

    port: int
    cookies: dict[str, str] = field(default_factory=dict)

    def request(self, method: str, path: str, body: str | None = None) -> tuple[int, bytes]:
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=120)
        headers = {"Accept-Language": "pl"}
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        if body is not None:
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        try:
            conn.request(method, path, body=body, headers=headers)
            response = conn.getresponse()
            data = response.read()
            for header, value in response.getheaders():
                if header.lower() == "set-cookie":
                    name, _, rest = value.partition("=")
                    self.cookies[name] = rest.split(";", 1)[0]
            return response.status, data
        finally:
            conn.close()

    def get(self, path: str) -> tuple[int, bytes]:
        return self.request("GET", path)

    def login(self, email: str) -> None:
        status, page = self.get("/login")
        token = CSRF.search(page.decode())
        if status != 200 or token is None:
            raise RuntimeError(f"/login answered {status}")
        form = urllib.parse.urlencode({"csrf_token": token[1], "email": email, "password": PASSWORD})
        status, _ = self.request("POST", "/login", form)
        if status != 302:
            raise RuntimeError(f"could not log in as {email}: {status}")


@dataclass
class Timed:
    times: list[float] = field(default_factory=list)

    @property
    def median(self) -> float:
        return statistics.median(self.times)

    @property
    def p95(self) -> float:
        return statistics.quantiles(self.times, n=20, method="inclusive")[-1]


def timed(client: Client, path: str, into: Timed | None) -> None:
    started = time.perf_counter()
    status, _ = client.get(path)
    elapsed = time.perf_counter() - started
    if status != 200:
        raise RuntimeError(f"{path} answered {status}")
    if into is not None:
        into.times.append(elapsed)


def serve_and_time(url: str, instance: Path, rounds: int, warmup: int) -> tuple[Timed, dict[str, Timed], str]:
    where = addresses(url)
    server = Server(url, instance)
    try:
        clients = {}
        for email, _ in PAGES.values():
            if email not in clients:
                clients[email] = Client(server.port)
                if email is not None:
                    clients[email].login(email)
        floor, pages = Timed(), {page: Timed() for page in PAGES}
        loads = [load()]
        for n in range(warmup + rounds):
            for page, (email, _address) in PAGES.items():
                keep = n >= warmup
                timed(clients[None], STATIC, floor if keep else None)
                timed(clients[email], where[page], pages[page] if keep else None)
            if n == warmup + rounds // 2:
                loads.append(load())
        loads.append(load())
        return floor, pages, " → ".join(loads)
    finally:
        server.stop()


def report(size: int, counted: dict[str, Counted], floor: Timed, pages: dict[str, Timed], loads: str,
           rounds: int) -> None:
    print()
    print(f"{size} towns, SQLite, gunicorn -w 2; {rounds} requests each, one at a time; "
          f"load average (1, 5, 15 min) {loads}")
    header = f"{'page':31} {'SQL':>4} {'KB':>6} {'median ms':>10} {'p95 ms':>8} {'× floor':>8}"
    print(header)
    print("-" * len(header))
    static_kb = (ROOT / "workflow" / STATIC.lstrip("/")).stat().st_size / 1024
    print(f"{'static file ' + STATIC:31} {'':>4} {static_kb:>6.1f} {floor.median * 1000:>10.2f} "
          f"{floor.p95 * 1000:>8.2f} {1:>7.1f}x")
    for page, t in pages.items():
        c = counted[page]
        print(f"{page:31} {c.statements:>4} {c.kilobytes:>6.1f} {t.median * 1000:>10.2f} "
              f"{t.p95 * 1000:>8.2f} {t.median / floor.median:>7.1f}x")
    sys.stdout.flush()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="54,540", help="towns, multiples of 54 (default 54,540)")
    parser.add_argument("--rounds", type=int, default=40, help="timed requests per page (default 40)")
    parser.add_argument("--warmup", type=int, default=3)
    parser.add_argument("--keep", type=Path, help="a folder for the built demos, reused when there")
    parser.add_argument("--profile", metavar="PAGE", choices=list(PAGES), help="profile one page instead")
    parser.add_argument("--top", type=int, default=30)
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    work = args.keep or Path(tempfile.mkdtemp(prefix="sciezka-pages-"))
    work.mkdir(parents=True, exist_ok=True)
    try:
        for size in sizes:
            url, instance = database(work, size)
            if args.profile:
                profile(url, instance, args.profile, args.top)
                continue
            counted = count(url, instance)
            floor, pages, loads = serve_and_time(url, instance, args.rounds, args.warmup)
            report(size, counted, floor, pages, loads, args.rounds)
    finally:
        if args.keep is None:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
