"""The cyclic garbage collector paused around work that makes many small objects in no
cycle: what the areas share (the indicator pages, the ranking)."""

from __future__ import annotations

import functools
import gc
from collections.abc import Callable
from typing import Any, TypeVar

F = TypeVar("F", bound=Callable[..., Any])


def no_cycle_collection(function: F) -> F:
    """Run `function` with the cyclic garbage collector paused. A page reads and computes tens
    of thousands of small tuples and dicts, none in a cycle; their allocation would trigger the
    collector's full passes over every object of the process (130 ms each with the app loaded,
    every other request, measured), which find nothing to free. Reference counting frees them
    as usual; the collector runs again afterwards (as the importer does, decision 0028)."""

    @functools.wraps(function)
    def paused(*args: Any, **kwargs: Any) -> Any:
        collecting = gc.isenabled()
        gc.disable()
        try:
            return function(*args, **kwargs)
        finally:
            if collecting:
                gc.enable()

    return paused  # type: ignore[return-value]
