"""The parts `make test` runs each half of the suite in (TEST_SHARD, tests/conftest.py): `demo`
the tests on the seeded demo and the browser tests (the demo is seeded, and Chromium started,
in one process per half), `a-l` and `m-z` the others by the name of their module."""

from __future__ import annotations

import pytest

SHARDS = ("demo", "a-l", "m-z")
# What a test of the demo part uses: the seeded demo, or Chromium against a live server.
DEMO_PART = {"seeded", "demo_db", "demo_again", "demo_snapshot", "live_server", "live_app", "chromium"}


def shard_of(item: pytest.Item) -> str:
    if item.get_closest_marker("browser") or set(getattr(item, "fixturenames", ())) & DEMO_PART:
        return "demo"
    return "a-l" if item.path.name < "test_m" else "m-z"
