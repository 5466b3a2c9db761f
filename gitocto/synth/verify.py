"""The execution filter (as in SelfCodeAlign): run a sample's solution with the teacher's tests in the sandbox."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

# Grammar language names -> the sandbox's language names.
EXEC_LANG = {"python": "python", "javascript": "js", "java": "java", "go": "go", "cpp": "cpp", "rust": "rust"}


def program(lang: str, solution_code: str, tests: str) -> str:
    """The program the sandbox runs for a sample in `lang` (a sandbox language): the solution, then the tests,
    joined as that language needs (`git octo bench` lays out its programs with the same rules)."""
    from gitocto.bench.programs import join_program

    return join_program(lang, solution_code, tests)


def execute(
    records: Sequence[Mapping[str, object]], workers: int | None = None, timeout: float | None = None
) -> list[tuple[bool, str]]:
    """For each record with `tests`, (passed, status) from the sandbox; records without tests pass untested."""
    from gitocto.doctor.checks import require_toolchains
    from gitocto.execution import run_programs

    jobs: list[tuple[str, str]] = []
    where: list[int] = []
    outcome: list[tuple[bool, str]] = [(True, "untested")] * len(records)
    for i, record in enumerate(records):
        lang = EXEC_LANG.get(str(record.get("lang")))
        if record.get("tests") and lang is not None:
            jobs.append((lang, program(lang, str(record.get("solution_code") or ""), str(record["tests"]))))
            where.append(i)
    if jobs:
        require_toolchains(sorted({lang for lang, _ in jobs}), "the execution filter")
        for i, result in zip(where, run_programs(jobs, workers=workers, timeout=timeout), strict=True):
            outcome[i] = (result.passed, result.status)
    return outcome
