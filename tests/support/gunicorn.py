"""A REAL `gunicorn -w 1 wsgi:app` for the tests that kill a web worker (SIGKILL) and watch
the master start another: the production arrangement, where the in-thread live server of
browser_fixtures cannot be killed. The settings come from the environment given."""

from __future__ import annotations

import os
import signal
import socket
import subprocess  # nosec B404  (gunicorn with fixed arguments)
import sys
import time
import urllib.request
from pathlib import Path as FsPath

ROOT = FsPath(__file__).resolve().parent.parent.parent
GUNICORN = str(FsPath(sys.executable).parent / "gunicorn")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def children(pid: int) -> list[int]:
    """The processes whose parent is `pid` (gunicorn's workers), from /proc."""
    found = []
    for stat in FsPath("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid and fields[0] != "Z":  # a killed worker not yet reaped: gone
            found.append(int(stat.parent.name))
    return found


class Server:
    """`gunicorn -w 1 wsgi:app` on a port of its own: the master restarts a killed worker."""

    def __init__(self, env: dict[str, str], work: FsPath) -> None:
        self.env, self.port = env, free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log = work / "gunicorn.log"
        with self.log.open("ab") as out:
            self.proc = subprocess.Popen(  # noqa: S603  (fixed arguments)
                [GUNICORN, "-w", "1", "-b", f"127.0.0.1:{self.port}", "--timeout", "120", "wsgi:app"],
                cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True)

    def worker(self, killed: tuple[int, ...] = (), timeout: float = 60) -> int:
        """The pid of the worker (not one of `killed`) once it answers."""
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            assert self.proc.poll() is None, self.log.read_text()[-3000:]
            workers = [pid for pid in children(self.proc.pid) if pid not in killed]
            if len(workers) == 1:
                try:
                    with urllib.request.urlopen(self.url + "/healthz", timeout=5) as answer:  # noqa: S310
                        if answer.status == 200:
                            return workers[0]
                except OSError:  # not listening yet (URLError, a refused connection)
                    pass
            time.sleep(0.2)
        raise AssertionError("gunicorn did not answer:\n" + self.log.read_text()[-3000:])

    def stop(self) -> None:
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            self.proc.wait(timeout=30)
