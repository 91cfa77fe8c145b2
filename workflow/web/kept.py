"""Results kept between requests in this process, bounded by weight and age (decisions 0041,
0044). A store knows nothing of the data: every key must hold the version of the data the
value was made from, so a value made under another version is never found."""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Any, TypeVar

T = TypeVar("T")


class Kept:
    """At most `max_weight` units of values (least recently used dropped first), none older
    than `max_age` seconds. Values are shared between requests: never change one."""

    def __init__(self, max_weight: int, max_age: float) -> None:
        self.max_weight = max_weight
        self.max_age = max_age
        self._lock = threading.Lock()
        self._entries: OrderedDict[Hashable, tuple[float, Any, float]] = OrderedDict()
        self._weight = 0.0

    def peek(self, key: Hashable) -> Any | None:
        """The value kept for `key` if made less than max_age ago, else None."""
        with self._lock:
            found = self._entries.get(key)
            if found is None or time.monotonic() - found[0] >= self.max_age:
                return None
            self._entries.move_to_end(key)
            return found[1]

    def put(self, key: Hashable, value: Any, weight: float = 1) -> None:
        """Keep `value` for `key`; `weight` in the store's units (a fraction for a small value)."""
        with self._lock:
            old = self._entries.pop(key, None)
            if old is not None:
                self._weight -= old[2]
            self._entries[key] = (time.monotonic(), value, weight)
            self._weight += weight
            while self._weight > self.max_weight and len(self._entries) > 1:
                _key, (_t, _v, dropped) = self._entries.popitem(last=False)
                self._weight -= dropped

    def cached(self, key: Hashable, build: Callable[[], T], weigh: Callable[[T], float] | None = None) -> T:
        """peek(key), else `build()`, kept (weighing `weigh(result)`, 1 if not given)."""
        found = self.peek(key)
        if found is not None:
            return found  # type: ignore[no-any-return]
        value = build()
        self.put(key, value, weigh(value) if weigh else 1)
        return value

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()
            self._weight = 0.0

    def __len__(self) -> int:
        return len(self._entries)
