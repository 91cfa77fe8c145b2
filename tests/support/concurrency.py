"""People pressing the same button at once: `at_once` runs a press in several threads, each
in an application context of its own, and returns what each saw (sorted)."""

from __future__ import annotations

import threading
from collections.abc import Callable

from flask import Flask

from workflow.extensions import db

THREADS = 8


def at_once(app: Flask, press: Callable[[], str], threads: int = THREADS) -> list[str]:
    """Run `press` in `threads` threads (it waits on the test's barrier, so they go together);
    each returns what it saw. An exception nobody expected is reported by its class name,
    so the test fails on it and shows it."""
    outcomes: list[str] = []
    lock = threading.Lock()

    def run() -> None:
        with app.app_context():
            try:
                result = press()
            except Exception as exc:  # noqa: BLE001  (shown in the assertion)
                result = f"unexpected {type(exc).__name__}: {exc}"
            finally:
                db.session.remove()
        with lock:
            outcomes.append(result)

    workers = [threading.Thread(target=run) for _ in range(threads)]
    for t in workers:
        t.start()
    for t in workers:
        t.join(timeout=60)
    return sorted(outcomes)
