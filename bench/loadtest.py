"""A load test you can rerun: the demo's people on their usual pages, through gunicorn -w 2.

For each database (SQLite; then PostgreSQL when TEST_DATABASE_URL is set, in a database of its
own, dropped afterwards) and each size (the demo, 54 towns, and the demo scaled ×10 by
bench/scaled_demo.py, 540), the script serves the app with a real `gunicorn -w 2` on a free
port of 127.0.0.1 and runs Locust (bench/locustfile.py) headless twice:

- **the mix**: 50 simulated people (towns 70 %, advisors 20 %, evaluators 5 %, the coordinator
  5 %) log in and walk their pages with a pause of 0.5–2 s, for 60 s;
- **the evaluation overview alone**: 10 coordinators asking for it without a pause, for 20 s
  (its throughput with two workers).

It prints, per run, the requests per second, each page's count, median and 95th percentile,
and the failures (any answer but 200, and a login but 302), with the load average of the
machine before and after, and the CPU time gunicorn spent per request (with it, what two idle
cores would serve: on a machine shared with other work the requests/s measured follow the
share of the CPU the server got, the CPU per request much less). It exits 1 if any request
failed. Its loops are Locust's, bounded by --run-time; it only talks to 127.0.0.1.

    python bench/loadtest.py                        # SQLite, 54 and 540 towns (builds the demos)
    make loadtest                                   # the same, then PostgreSQL
    python bench/loadtest.py --sizes 54 --time 20 --keep /tmp/demos
    python bench/loadtest.py --sizes 54 --time 20 --keep /tmp/demos --sqlite-only --evaluation-only
"""

from __future__ import annotations

import argparse
import csv
import os
import shutil
import subprocess  # nosec B404  (locust with fixed arguments)
import sys
import tempfile
from contextlib import ExitStack
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "bench"), str(ROOT / "tests")]

import pages  # noqa: E402  (bench/pages.py: the demos and the gunicorn server)
import scaled_demo  # noqa: E402
from support import postgres_database  # noqa: E402
from support.gunicorn import children  # noqa: E402

LOCUST = str(Path(sys.executable).parent / "locust")
LOCUSTFILE = str(ROOT / "bench" / "locustfile.py")


def postgres_demo(base: str, work: Path, size: int, stack: ExitStack) -> tuple[str, Path]:
    url = stack.enter_context(postgres_database(base, f"sciezka_load{size}"))
    instance = work / f"pg{size}-instance"
    print(f"building the demo at {size} towns on PostgreSQL …", flush=True)
    scaled_demo.build(url, instance, size // 54, say=lambda s: print(s, flush=True))
    return url, instance


def locust(port: int, towns: int, users: int, seconds: int, out: Path,
           only: str = "") -> list[dict[str, str]]:
    env = {**os.environ, "LOADTEST_TOWNS": str(towns), "LOADTEST_ONLY": only}
    prefix = out / ("evaluation" if only else "mix")
    subprocess.run(  # noqa: S603  (fixed arguments)
        [LOCUST, "-f", LOCUSTFILE, "--headless", "-u", str(users), "-r", str(max(1, users // 5)),
         "-t", f"{seconds}s", "--host", f"http://127.0.0.1:{port}", "--csv", str(prefix),
         "--only-summary", "--stop-timeout", "5", "--loglevel", "WARNING"],
        cwd=ROOT, env=env, check=False, stdout=subprocess.DEVNULL, stderr=(out / "locust.log").open("ab"))
    with open(f"{prefix}_stats.csv", newline="") as f:
        return list(csv.DictReader(f))


def cpu_seconds(server: pages.Server) -> float:
    """CPU time (user + system) used so far by the gunicorn master and its workers."""
    ticks = os.sysconf("SC_CLK_TCK")
    total = 0
    for pid in (server.proc.pid, *children(server.proc.pid)):
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += int(fields[11]) + int(fields[12])  # utime, stime
    return total / ticks


def show(title: str, rows: list[dict[str, str]], loads: str, cpu: float) -> int:
    print(f"\n{title}; load average (1, 5, 15 min) {loads}")
    header = f"{'page':<52} {'requests':>8} {'req/s':>7} {'p50 ms':>7} {'p95 ms':>7} {'failed':>6}"
    print(header)
    print("-" * len(header))
    failed = 0
    for r in rows:
        name = "all pages" if r["Name"] == "Aggregated" else r["Name"]
        print(f"{name:<52} {int(r['Request Count']):>8} {float(r['Requests/s']):>7.1f} "
              f"{r['50%']:>7} {r['95%']:>7} {int(r['Failure Count']):>6}")
        if r["Name"] == "Aggregated":
            failed = int(r["Failure Count"])
            served = int(r["Request Count"])
            if served:
                per = cpu / served
                print(f"gunicorn's CPU: {per * 1000:.1f} ms per request, so two idle cores would serve about "
                      f"{2 / per:.0f} requests/s of this mix (the database server's own CPU not counted)")
    return failed


def run(label: str, url: str, instance: Path, size: int, seconds: int, users: int, work: Path,
        alone_only: bool = False) -> int:
    out = work / f"{label}-{size}"
    out.mkdir(parents=True, exist_ok=True)
    server = pages.Server(url, instance)
    try:
        failed = 0
        if not alone_only:
            before, cpu = pages.load(), cpu_seconds(server)
            mix = locust(server.port, size, users, seconds, out)
            failed = show(f"{label}, {size} towns, gunicorn -w 2: {users} people for {seconds} s",
                          mix, f"{before} → {pages.load()}", cpu_seconds(server) - cpu)
        before, cpu = pages.load(), cpu_seconds(server)
        alone = locust(server.port, size, 10, max(10, seconds if alone_only else seconds // 3), out,
                       only="evaluation")
        failed += show(f"{label}, {size} towns: the evaluation overview alone, "
                       "10 coordinators without a pause", alone, f"{before} → {pages.load()}",
                       cpu_seconds(server) - cpu)
    finally:
        server.stop()
    return failed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="54,540", help="towns, multiples of 54 (default 54,540)")
    parser.add_argument("--time", type=int, default=60, help="seconds of the mix (default 60)")
    parser.add_argument("--users", type=int, default=50, help="simulated people (default 50)")
    parser.add_argument("--keep", type=Path, help="a folder for the built SQLite demos, reused when there")
    parser.add_argument("--sqlite-only", action="store_true", help="no PostgreSQL run")
    parser.add_argument("--evaluation-only", action="store_true",
                        help="only the evaluation overview alone, for --time seconds (no mix)")
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    work = args.keep or Path(tempfile.mkdtemp(prefix="sciezka-load-"))
    work.mkdir(parents=True, exist_ok=True)
    failed = 0
    base = None if args.sqlite_only else os.environ.get("TEST_DATABASE_URL")
    try:
        for size in sizes:
            url, instance = pages.database(work, size)
            failed += run("SQLite", url, instance, size, args.time, args.users, work, args.evaluation_only)
        if base:
            for size in sizes:
                with ExitStack() as stack:
                    url, instance = postgres_demo(base, work, size, stack)
                    failed += run("PostgreSQL", url, instance, size, args.time, args.users, work,
                                  args.evaluation_only)
    finally:
        if args.keep is None:
            shutil.rmtree(work, ignore_errors=True)
    print(f"\nfailed requests: {failed}")
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
