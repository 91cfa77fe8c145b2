"""The people of the demo walking their usual pages, for Locust (run by bench/loadtest.py).

Towns 70 %, advisors 20 %, evaluators 5 %, the coordinator 5 %: each simulated person logs in
as one of the demo's accounts (password 'demo'), then opens their pages one after another
with a pause of 0.5–2 s between them, as a person reading them would. Every request is named
by its page, so Locust's statistics are per page, not per URL. A page that does not answer
200 is a failure. Only 127.0.0.1 is ever asked (the host is checked at the start), and the run
is bounded by Locust's `--run-time`.

    locust -f bench/locustfile.py --headless -u 50 -r 10 -t 60s --host http://127.0.0.1:PORT

LOADTEST_TOWNS (default 54) tells how many town, advisor and evaluator accounts the database
has (the demo scaled by bench/scaled_demo.py has 540 towns: town01 … town540). With
LOADTEST_ONLY=evaluation every simulated person is the coordinator asking for the evaluation
overview without a pause (the throughput of that one page).
"""

from __future__ import annotations

import itertools
import os
import re
import threading
from urllib.parse import urlparse

from locust import HttpUser, between, constant, events, task

PASSWORD = "demo"  # noqa: S105  (the demo's documented password)
TOWNS = int(os.environ.get("LOADTEST_TOWNS", "54"))
ADVISORS = 74 * TOWNS // 54  # the demo has 74 advisors per 54 towns, scaled with them
EVALUATORS = 12 * TOWNS // 54
CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')
PATH_LINK = re.compile(r'href="(/town/paths/\d+)"')
_numbers = {kind: itertools.count(1) for kind in ("town", "advisor", "evaluator")}
_lock = threading.Lock()


@events.test_start.add_listener
def _only_here(environment, **_kwargs) -> None:  # noqa: ANN001
    host = urlparse(environment.host or "").hostname
    if host != "127.0.0.1":
        raise SystemExit(f"the load test only talks to 127.0.0.1, not {host!r}")


def _next(kind: str, of: int) -> str:
    with _lock:
        n = (next(_numbers[kind]) - 1) % of + 1
    return f"{kind}{n:02d}@demo.sciezka.pl"


class Person(HttpUser):
    abstract = True
    wait_time = between(0.5, 2)
    email = ""

    def on_start(self) -> None:
        page = self.client.get("/login", name="login (form)")
        token = CSRF.search(page.text)
        if token is None:
            raise RuntimeError("no CSRF token on /login")
        with self.client.post("/login", data={"csrf_token": token[1], "email": self.email,
                                              "password": PASSWORD},
                              allow_redirects=False, name="login", catch_response=True) as answer:
            if answer.status_code != 302:
                answer.failure(f"login as {self.email}: {answer.status_code}")

    def page(self, url: str, name: str) -> str:
        with self.client.get(url, name=name, catch_response=True) as answer:
            if answer.status_code != 200:
                answer.failure(f"{answer.status_code}")
            return answer.text


class Town(Person):
    weight = 70

    def on_start(self) -> None:
        self.email = _next("town", TOWNS)
        super().on_start()
        self.paths = PATH_LINK.findall(self.page("/town/", "town: dashboard"))

    @task(3)
    def dashboard(self) -> None:
        self.page("/town/", "town: dashboard")

    @task(3)
    def path(self) -> None:
        for url in self.paths[:1]:
            self.page(url, "town: its path")

    @task(1)
    def public(self) -> None:
        self.page("/public/", "public statistics")


class Advisor(Person):
    weight = 20

    def on_start(self) -> None:
        self.email = _next("advisor", ADVISORS)
        super().on_start()

    @task(3)
    def towns(self) -> None:
        self.page("/advisor/", "advisor: towns")

    @task(1)
    def services(self) -> None:
        self.page("/advisor/consultations/", "advisor: services log")


class Evaluator(Person):
    weight = 5

    def on_start(self) -> None:
        self.email = _next("evaluator", EVALUATORS)
        super().on_start()

    @task
    def sheets(self) -> None:
        self.page("/evaluator/", "evaluator: applications")


class Coordinator(Person):
    weight = 5
    email = "coordinator@demo.sciezka.pl"

    @task(3)
    def overview(self) -> None:
        self.page("/coordinator/", "coordinator: overview")

    @task(2)
    def evaluation(self) -> None:
        self.page("/coordinator/evaluation/?programme=RL-2019", "coordinator: evaluation overview")

    @task(1)
    def evaluation_sorted(self) -> None:
        self.page("/coordinator/evaluation/?programme=RL-2019&sort=final&page=3",
                  "coordinator: evaluation overview, by score, page 3")

    @task(1)
    def report(self) -> None:
        self.page("/coordinator/reports/consultations", "coordinator: services report")

    @task(1)
    def results(self) -> None:
        self.page("/public/results/", "public results")


class EvaluationOnly(Person):
    """LOADTEST_ONLY=evaluation: the evaluation overview alone, without a pause. The
    coordinator logs in once and every simulated tab shares that session, so the run measures
    the page, not the password hash of ten logins."""

    weight = 1
    wait_time = constant(0)
    email = "coordinator@demo.sciezka.pl"
    shared: dict[str, str] = {}

    def on_start(self) -> None:
        with _lock:
            if not self.shared:
                super().on_start()
                self.shared.update(self.client.cookies.get_dict())
        for name, value in self.shared.items():
            self.client.cookies.set(name, value)

    @task
    def evaluation(self) -> None:
        self.page("/coordinator/evaluation/?programme=RL-2019", "coordinator: evaluation overview")


if os.environ.get("LOADTEST_ONLY") == "evaluation":
    Town.abstract = Advisor.abstract = Evaluator.abstract = Coordinator.abstract = True
else:
    EvaluationOnly.abstract = True
