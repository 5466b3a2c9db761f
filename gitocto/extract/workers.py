"""A process pool that Ctrl-C stops at once: workers ignore SIGINT (the parent decides) and are killed on error."""

from __future__ import annotations

import signal
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor
from contextlib import contextmanager


def _ignore_sigint() -> None:
    # Ctrl-C reaches the whole process group; only the parent should act on it, or every worker prints a traceback.
    signal.signal(signal.SIGINT, signal.SIG_IGN)


@contextmanager
def process_pool(workers: int) -> Iterator[ProcessPoolExecutor]:
    """A pool of `workers` processes; on any exception (Ctrl-C included) the workers are terminated, not awaited."""
    pool = ProcessPoolExecutor(max_workers=workers, initializer=_ignore_sigint)
    try:
        yield pool
    except BaseException:
        # Waiting for running chunks would keep an interrupted run alive for their whole duration (or hang). A second
        # Ctrl-C (git relays the signal to `git octo`, so one keypress can arrive twice) must not cut this short.
        previous = signal.signal(signal.SIGINT, signal.SIG_IGN)
        try:
            processes = list(getattr(pool, "_processes", {}).values())
            pool.shutdown(wait=False, cancel_futures=True)
            for process in processes:
                process.terminate()
            for process in processes:
                process.join(timeout=5)
        finally:
            signal.signal(signal.SIGINT, previous)
        raise
    pool.shutdown(wait=True)
