"""Run many programs at once over a worker pool (threads waiting on sandboxed subprocesses)."""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor, as_completed

from gitocto.execution.runners import ExecResult, run_program

# Compile-heavy languages first, so the long jobs do not end up alone at the tail of the run.
_COST = {"rust": 0, "java": 1, "cpp": 2, "go": 3, "js": 4, "python": 5}


def default_workers() -> int:
    """One worker per core."""
    return max(1, os.cpu_count() or 1)


def run_programs(
    jobs: Sequence[tuple[str, str]],
    workers: int | None = None,
    timeout: float | None = None,
    on_result: Callable[[int, ExecResult], None] | None = None,
) -> list[ExecResult]:
    """Run (lang, program) jobs concurrently; results in job order, and `on_result(index, result)` as each ends."""
    results: list[ExecResult | None] = [None] * len(jobs)
    order = sorted(range(len(jobs)), key=lambda i: _COST.get(jobs[i][0], 9))
    with ThreadPoolExecutor(max_workers=workers or default_workers()) as pool:
        futures = {pool.submit(run_program, jobs[i][0], jobs[i][1], timeout): i for i in order}
        for future in as_completed(futures):
            i = futures[future]
            result = future.result()
            results[i] = result
            if on_result is not None:
                on_result(i, result)
    return [r for r in results if r is not None]
