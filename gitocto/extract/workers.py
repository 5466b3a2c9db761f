"""A process pool that Ctrl-C stops cleanly (workers ignore SIGINT: the parent decides what happens), and whose
workers die with their parent (a parent killed with SIGKILL leaves nothing running)."""

from __future__ import annotations

import os
import signal
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures import process as _futures_process
from contextlib import contextmanager

# How often a worker checks that its parent is still there.
PARENT_POLL_S = 0.2


def _init_worker(parent: int) -> None:
    # Ctrl-C reaches the whole process group; only the parent should act on it, or every worker prints a traceback
    # (and one that dies while sending its result leaves a half-written message that hangs the pool).
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    _die_with_parent(parent)


def _die_with_parent(parent: int) -> None:
    """End this process as soon as `parent` is gone. A killed parent cannot tell its workers, and they would wait
    forever (for work, or to hand over a result nobody reads).

    A thread watches getppid(), which changes once the parent dies and the worker is re-parented. (The kernel's
    PR_SET_PDEATHSIG is not used: it fires when the *thread* that started the worker ends, and a pool may be
    started from a thread that ends before the pool does.)
    """
    if os.getppid() != parent:  # already gone while this worker started
        os._exit(1)
    threading.Thread(target=_watch_parent, args=(parent,), name="gitocto-parent-watch", daemon=True).start()


def _watch_parent(parent: int) -> None:
    while os.getppid() == parent:
        time.sleep(PARENT_POLL_S)
    os._exit(1)


@contextmanager
def process_pool(workers: int, *, terminate: bool = False) -> Iterator[ProcessPoolExecutor]:
    """A pool of `workers` processes. On an exception (Ctrl-C included) queued work is cancelled, and the running
    tasks are let finish (short tasks), or with `terminate` the workers are killed (long tasks with small results)."""
    pool = ProcessPoolExecutor(max_workers=workers, initializer=_init_worker, initargs=(os.getpid(),))
    try:
        yield pool
    except BaseException:
        # A second Ctrl-C (git relays the signal to `git octo`, so one keypress can arrive twice) must not cut
        # the clean-up short.
        previous = signal.signal(signal.SIGINT, signal.SIG_IGN)
        try:
            if terminate:
                _terminate(pool)
            else:
                pool.shutdown(wait=True, cancel_futures=True)
        finally:
            signal.signal(signal.SIGINT, previous)
        raise
    pool.shutdown(wait=True)


def _terminate(pool: ProcessPoolExecutor) -> None:
    handles = list((getattr(pool, "_processes", None) or {}).values())
    pool.shutdown(wait=False, cancel_futures=True)
    for process in handles:
        process.terminate()
    for process in handles:
        process.join(timeout=5)
    manager = getattr(pool, "_executor_manager_thread", None)
    if manager is not None:
        manager.join(timeout=5)
        if manager.is_alive():
            # Killed mid-send, a worker can leave a half-written result that the manager thread waits on forever;
            # the interpreter's exit hook would join that thread and hang, so it is left out of that join.
            getattr(_futures_process, "_threads_wakeups", {}).pop(manager, None)
