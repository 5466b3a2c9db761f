"""The execution filter (as in SelfCodeAlign): run a sample's solution with the teacher's tests in the sandbox."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

# Grammar language names -> the sandbox's language names.
EXEC_LANG = {"python": "python", "javascript": "js", "java": "java", "go": "go", "cpp": "cpp", "rust": "rust"}


def program(solution_code: str, tests: str) -> str:
    """The program the sandbox runs: the solution, then the tests."""
    return f"{solution_code.rstrip()}\n\n{tests.strip()}\n"


def execute(records: Sequence[dict[str, Any]], workers: int | None = None,
            timeout: float | None = None) -> list[tuple[bool, str]]:
    """For each record with `tests`, (passed, status) from the sandbox; records without tests pass untested."""
    from gitocto.execution import run_programs

    jobs: list[tuple[str, str]] = []
    where: list[int] = []
    outcome: list[tuple[bool, str]] = [(True, "untested")] * len(records)
    for i, record in enumerate(records):
        lang = EXEC_LANG.get(str(record.get("lang")))
        if record.get("tests") and lang is not None:
            jobs.append((lang, program(str(record.get("solution_code") or ""), str(record["tests"]))))
            where.append(i)
    if jobs:
        for i, result in zip(where, run_programs(jobs, workers=workers, timeout=timeout), strict=True):
            outcome[i] = (result.passed, result.status)
    return outcome
