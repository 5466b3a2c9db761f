"""Run a piece of work with a deadline, so that a slow or silent backend can never hold up a commit."""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Generic, TypeVar, cast

from gitocto.errors import OctoError

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


def call_within(work: Callable[[], T], seconds: float, late: str) -> T:
    """`work()`'s value or exception, or OctoError(`late`) once `seconds` have passed.

    The work is left running on its daemon thread, so only a command about to exit should call this.
    """
    outcome = run_with_deadline(work, seconds)
    if not outcome.finished:
        raise OctoError(late)
    if outcome.error is not None:
        raise outcome.error
    return cast(T, outcome.value)
