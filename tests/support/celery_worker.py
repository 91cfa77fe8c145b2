"""A REAL `celery -A worker worker` process for the tests, on a REAL Redis (the `faults`
fixture of tests/conftest.py starts them and kills them at the end). Isolation: other
test runs share the Redis on 6379, so each test uses a queue name and a key prefix of its
own (CELERY_QUEUE, REDIS_KEY_PREFIX)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path as FsPath

ROOT = FsPath(__file__).resolve().parent.parent.parent
CELERY = str(FsPath(sys.executable).parent / "celery")
SHARED_REDIS = "redis://127.0.0.1:6379/11"
LEASE_S = 4


class Worker:
    """One `celery -A worker worker -B` process (solo pool: the task runs in this process,
    so SIGKILL kills it mid-task), with beat re-queueing delivery every second."""

    def __init__(self, env: dict[str, str], work: FsPath, name: str) -> None:
        self.env, self.work, self.name = env, work, name
        self.log = work / f"{name}.log"
        self.proc: subprocess.Popen | None = None

    def start(self, timeout: float = 60) -> Worker:
        queue = self.env["CELERY_QUEUE"]
        cmd = [CELERY, "-A", "worker", "worker", "-B", "-s", str(self.work / f"{self.name}-beat"),
               "--pool=solo", "-Q", queue, "-n", f"{self.name}@{queue}", "--without-gossip",
               "--without-mingle", "--without-heartbeat", "--loglevel=INFO"]
        with open(self.log, "ab") as out:
            self.proc = subprocess.Popen(cmd, cwd=ROOT, env=self.env, stdout=out,
                                         stderr=subprocess.STDOUT, start_new_session=True)
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            if "ready." in self.log.read_text(errors="replace"):
                return self
            if self.proc.poll() is not None:
                break
            time.sleep(0.2)
        raise AssertionError(f"worker {self.name} did not start:\n{self.log.read_text()[-3000:]}")

    def alive(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def kill(self, sig: int = signal.SIGKILL) -> None:
        if self.proc is not None and self.proc.poll() is None:
            os.killpg(self.proc.pid, sig)
            self.proc.wait(timeout=30)


def wait_until(check: Callable[[], bool], timeout: float = 30, what: str = "") -> None:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if check():
            return
        time.sleep(0.2)
    raise AssertionError(f"timed out waiting for {what}")
