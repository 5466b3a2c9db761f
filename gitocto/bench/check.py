"""`--check canonical|buggy`: run the dataset's own solutions to prove the harness (canonical pass, buggy fail)."""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path

from rich.console import Console
from rich.progress import Progress

from gitocto import console as out
from gitocto.bench.data import Problem, load_problems
from gitocto.bench.options import CHECKS
from gitocto.bench.programs import build_program
from gitocto.errors import OctoError
from gitocto.execution import ExecResult, run_programs

# Solutions that cannot behave as the check expects, whatever the harness does (see bench/RESULTS.md).
KNOWN_EXCEPTIONS = {
    ("canonical", "Go/95"): "flaky: the canonical solution depends on Go's randomised map iteration order (for "
    "{p, A, B} it answers true when both upper-case keys come first), so it fails in some runs",
    ("buggy", "CPP/23"): "its tests call strlen on string literals, which picks C's strlen(const char*) from "
    "<cstring> (one of the standard headers) over the buggy strlen(string), so the bug never runs",
}


@dataclass(frozen=True)
class CheckOutcome:
    """Per-language counts of passing programs, the unexpected ones (id, status, detail), seconds per program summed
    (`busy`), and the wall time of the whole run."""

    passed: dict[str, int]
    total: dict[str, int]
    unexpected: dict[str, list[tuple[str, str, str]]]
    busy: dict[str, float]
    seconds: float


def solution_program(problem: Problem, which: str) -> str:
    """The test program for the dataset's canonical or buggy solution (continuing the full prompt)."""
    body = problem.canonical_solution if which == "canonical" else problem.buggy_solution
    return build_program(problem, problem.prompt + body)


def run_check(
    which: str,
    langs: list[str],
    data_dir: Path | None,
    limit: int | None,
    workers: int | None,
    console: Console | None = None,
) -> CheckOutcome:
    """Run every selected solution; 'unexpected' lists canonical ones that fail or buggy ones that pass."""
    if which not in CHECKS:
        raise OctoError(f"--check takes canonical or buggy, not {which!r}")
    problems = [p for lang in langs for p in load_problems(lang, data_dir, limit)]
    jobs = [(p.lang, solution_program(p, which)) for p in problems]
    start = time.monotonic()
    results: list[ExecResult]
    with Progress(console=console, transient=True, disable=console is None) as progress:
        bar = progress.add_task(f"{which} solutions", total=len(jobs))
        results = run_programs(jobs, workers, on_result=lambda _i, _r: progress.advance(bar))
    seconds = time.monotonic() - start
    passed = {lang: 0 for lang in langs}
    total = {lang: 0 for lang in langs}
    unexpected: dict[str, list[tuple[str, str, str]]] = {lang: [] for lang in langs}
    busy = {lang: 0.0 for lang in langs}
    for problem, result in zip(problems, results, strict=True):
        total[problem.lang] += 1
        busy[problem.lang] += result.elapsed
        passed[problem.lang] += int(result.passed)
        if result.passed != (which == "canonical"):
            unexpected[problem.lang].append((problem.task_id, result.status, result.detail))
    return CheckOutcome(passed, total, unexpected, busy, seconds)


def unexplained(outcome: CheckOutcome, which: str) -> list[str]:
    """The unexpected results that are not documented known exceptions (what makes the check fail)."""
    return [
        task_id
        for items in outcome.unexpected.values()
        for task_id, _, _ in items
        if (which, task_id) not in KNOWN_EXCEPTIONS
    ]


def check_command(which: str, langs: list[str], data_dir: Path | None, limit: int | None, workers: int | None) -> int:
    """Print passed/total per language; 0 when every canonical solution passes (or every buggy one fails), known
    exceptions aside, which are printed as known."""
    console = out.console(err=False)
    outcome = run_check(which, langs, data_dir, limit, workers, console)
    for lang in langs:
        console.print(f"{lang:<7} {which}: {outcome.passed[lang]}/{outcome.total[lang]} passed")
        for task_id, status, detail in outcome.unexpected[lang][:20]:
            known = KNOWN_EXCEPTIONS.get((which, task_id))
            note = f"known exception: {known}" if known else (detail.splitlines() or [""])[0][:200]
            console.print(f"  {task_id}: {status} {note}", markup=False, highlight=False, soft_wrap=True)
    n = sum(outcome.total.values())
    console.print(f"{n} programs in {outcome.seconds:.1f}s ({n / max(outcome.seconds, 1e-9):.1f} programs/s)")
    bad = unexplained(outcome, which)
    if bad:
        console.print(f"{len(bad)} unexpected result(s) beyond the known exceptions: {', '.join(bad[:20])}")
    return 1 if bad else 0
