"""Run a piece of work with a deadline, so that a slow or silent backend can never hold up a commit."""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Generic, TypeVar

T = TypeVar("T")


@dataclass
class Outcome(Generic[T]):
    """What became of the work: its value, the exception it raised, or neither when the deadline passed."""

    finished: bool = False
    value: T | None = None
    error: BaseException | None = None


def run_with_deadline(work: Callable[[], T], seconds: float) -> Outcome[T]:
    """Run `work` on a daemon thread and wait at most `seconds` for it.

    A thread cannot be stopped: on a timeout the caller must leave with `os._exit`, which is what the hooks do.
    """
    outcome: Outcome[T] = Outcome()

    def target() -> None:
        try:
            outcome.value = work()
        except BaseException as exc:  # reported by the caller, on the main thread
            outcome.error = exc
        outcome.finished = True

    thread = threading.Thread(target=target, name="gitocto-hook-work", daemon=True)
    thread.start()
    thread.join(seconds)
    return outcome
