"""Helpers for the account tests: logging in from a chosen address, reading what the
login form said, and a Redis URL for the limiter's storage."""

from __future__ import annotations

import itertools
import os
import re
from html import unescape

from flask import Flask

from support import Browser

_addresses = itertools.count(1)

# A Redis database no other part of the suite (Celery uses 0, the worker tests their own)
# writes to; the limiter's keys carry a per-run prefix as well.
REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/13")


def new_address() -> str:
    """A client address no other test has used, so counters in the shared app's
    in-memory limiter never leak from one test into another."""
    n = next(_addresses)
    return f"10.{os.getpid() % 250}.{n // 250}.{n % 250 + 1}"


class Client(Browser):
    """A Browser that always comes from the same (unique) address."""

    def __init__(self, app: Flask, password: str = "", address: str | None = None) -> None:
        super().__init__(app, password)
        self.address = address or new_address()

    def get(self, url: str, **kw: object):  # noqa: ANN201
        kw.setdefault("environ_base", {"REMOTE_ADDR": self.address})
        return super().get(url, **kw)

    def post(self, url: str, data: dict | None = None, **kw: object):  # noqa: ANN201
        kw.setdefault("environ_base", {"REMOTE_ADDR": self.address})
        return super().post(url, data, **kw)


def form_error(response) -> str:  # noqa: ANN001
    """The text of the error shown next to the password field."""
    match = re.search(r'<p class="error" id="password-error">(.*?)</p>', response.get_data(as_text=True),
                      re.S)
    return unescape(match.group(1)).strip() if match else ""
