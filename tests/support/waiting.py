"""Wait for a state the test can observe (a file, a count), never for a fixed time."""

from __future__ import annotations

import time
from collections.abc import Callable

WAIT_S = 60.0


def wait_until(condition: Callable[[], bool], what: str, timeout_s: float = WAIT_S, every_s: float = 0.01) -> None:
    """Poll `condition` until it holds; fail the test, naming `what`, when it does not within `timeout_s`.

    The deadline is generous on purpose: it only bounds a test that went wrong, it never decides an outcome.
    """
    deadline = time.monotonic() + timeout_s
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"not within {timeout_s:.0f}s: {what}")
        time.sleep(every_s)
